"""Tests of nk_qrs_lstm.evaluation.metrics: scoring a record inside its regions, summaries over records."""

import numpy as np
import pandas as pd
import pytest

from nk_qrs_lstm.defaults import BEAT_ORDER, CSE_2SD_S, NK_KEYS, STRICT_TOLERANCE_S, WAVE_PREFIX
from nk_qrs_lstm.evaluation import matching
from nk_qrs_lstm.evaluation.metrics import (
    DEFAULT_KEYS,
    SUMMARY_COLUMNS,
    Match,
    match_fiducials,
    restrict_to_regions,
    score_record,
    summarise,
)

REF = np.array([100, 600, 1100, 1600])


# --------------------------------------------------------------------------- names
def test_default_keys_come_from_the_one_list():
    """Check that the scored fiducials are NK_KEYS' P, QRS and T keys and that matching names import from here."""
    assert DEFAULT_KEYS == tuple(k for k in NK_KEYS if k[:5] in WAVE_PREFIX.values())
    assert len(DEFAULT_KEYS) == 8 and set(DEFAULT_KEYS) <= set(BEAT_ORDER)
    assert "ECG_Q_Peaks" not in DEFAULT_KEYS and "ECG_S_Peaks" not in DEFAULT_KEYS
    assert (Match, match_fiducials, restrict_to_regions) == (
        matching.Match, matching.match_fiducials, matching.restrict_to_regions)


# --------------------------------------------------------------------------- matching, then summarised
def test_shift_gives_exact_mean_and_zero_sd():
    """Check that a prediction shifted by 3 samples gives mean 3 samples and SD 0."""
    m = match_fiducials(REF, REF + 3, tolerance=10)
    assert (m.tp, m.fp, m.fn) == (4, 0, 0)
    assert m.errors.tolist() == [3, 3, 3, 3]
    row = summarise({"ECG_R_Onsets": [Match(m.tp, m.fp, m.fn, m.errors, sampling_rate=500)]})
    assert row.loc["ECG_R_Onsets", "mean_ms"] == 6.0
    assert row.loc["ECG_R_Onsets", "sd_ms"] == 0.0
    assert row.loc["ECG_R_Onsets", "se"] == 100.0


def test_empty_prediction_gives_zero_se_and_nan_ppv():
    """Check that an empty prediction gives Se 0 and PPV NaN, not a ZeroDivisionError."""
    m = match_fiducials(REF, [], tolerance=10)
    assert (m.tp, m.fp, m.fn) == (0, 0, 4)
    row = summarise([{"ECG_P_Peaks": Match(m.tp, m.fp, m.fn, m.errors, sampling_rate=250)}])
    assert row.loc["ECG_P_Peaks", "se"] == 0.0
    assert np.isnan(row.loc["ECG_P_Peaks", "ppv"])
    assert row.loc["ECG_P_Peaks", "f1"] == 0.0
    assert np.isnan(row.loc["ECG_P_Peaks", "mean_ms"])


def test_tolerance_boundary_is_inclusive():
    """Check that an error of exactly the tolerance is matched and one sample more is not."""
    assert match_fiducials([100], [110], tolerance=10).tp == 1
    assert match_fiducials([100], [89], tolerance=10).tp == 0
    # 150 ms at 250 Hz is 37.5 samples: 37 samples in, 38 out
    scores = score_record({"ECG_T_Peaks": [1000]}, {"ECG_T_Peaks": [1037]}, [[0, 2000]], 250,
                          keys=["ECG_T_Peaks"])
    assert scores["ECG_T_Peaks"].tp == 1
    scores = score_record({"ECG_T_Peaks": [1000]}, {"ECG_T_Peaks": [962]}, [[0, 2000]], 250,
                          keys=["ECG_T_Peaks"])
    assert scores["ECG_T_Peaks"].tp == 0


# --------------------------------------------------------------------------- sampling rates
def test_errors_in_ms_use_each_records_own_rate():
    """Check that a 2-sample error is 8 ms at 250 Hz and 4 ms at 500 Hz, pooled correctly."""
    ref = {"ECG_R_Onsets": [1000]}
    at_250 = score_record(ref, {"ECG_R_Onsets": [1002]}, [[0, 5000]], 250, keys=["ECG_R_Onsets"])
    at_500 = score_record(ref, {"ECG_R_Onsets": [1002]}, [[0, 5000]], 500, keys=["ECG_R_Onsets"])
    assert at_250["ECG_R_Onsets"].errors_ms.tolist() == [8.0]
    assert at_500["ECG_R_Onsets"].errors_ms.tolist() == [4.0]
    table = summarise([at_250, at_500])
    assert table.loc["ECG_R_Onsets", "mean_ms"] == 6.0
    assert table.loc["ECG_R_Onsets", "sd_ms"] == pytest.approx(np.std([8.0, 4.0], ddof=1))


def test_tolerance_scales_with_sampling_rate():
    """Check that 100 ms is 25 samples at 250 Hz and 50 samples at 500 Hz."""
    ref, pred = {"ECG_T_Peaks": [1000]}, {"ECG_T_Peaks": [1040]}
    kw = {"regions": [[0, 5000]], "tolerance_s": 0.1, "keys": ["ECG_T_Peaks"]}
    assert score_record(ref, pred, sampling_rate=250, **kw)["ECG_T_Peaks"].tp == 0
    assert score_record(ref, pred, sampling_rate=500, **kw)["ECG_T_Peaks"].tp == 1


def test_summarise_without_rate_raises():
    """Check that errors without any sampling rate cannot silently be read as ms."""
    with pytest.raises(ValueError, match=r"A Match has no sampling_rate"):
        summarise({"ECG_R_Onsets": [Match(1, 0, 0, [1])]})
    table = summarise({"ECG_R_Onsets": [Match(1, 0, 0, [1])]}, sampling_rate=1000)
    assert table.loc["ECG_R_Onsets", "mean_ms"] == 1.0


# --------------------------------------------------------------------------- regions
def test_predictions_outside_regions_are_not_false_positives():
    """Check that predictions outside the regions count neither as fp nor as tp."""
    ref = {"ECG_P_Peaks": [1100, 1500]}
    pred = {"ECG_P_Peaks": [200, 1101, 1499, 4000]}
    m = score_record(ref, pred, [[1000, 2000]], 500, keys=["ECG_P_Peaks"])["ECG_P_Peaks"]
    assert (m.tp, m.fp, m.fn) == (2, 0, 0)


def test_reference_outside_regions_is_not_scored():
    """Check that reference points outside the regions are not counted as misses."""
    ref = {"ECG_P_Peaks": [100, 1100]}
    m = score_record(ref, {"ECG_P_Peaks": [1100]}, [[1000, 2000]], 500,
                     keys=["ECG_P_Peaks"])["ECG_P_Peaks"]
    assert (m.tp, m.fp, m.fn) == (1, 0, 0)


def test_early_prediction_of_first_mark_is_matched():
    """Check that a prediction just before a region's first mark still pairs with it."""
    ref = {"ECG_R_Onsets": [1000]}  # the region starts at this mark (as in LUDB)
    m = score_record(ref, {"ECG_R_Onsets": [995, 800]}, [[1000, 2000]], 500,
                     keys=["ECG_R_Onsets"])["ECG_R_Onsets"]
    assert (m.tp, m.fp, m.fn) == (1, 0, 0)
    assert m.errors.tolist() == [-5]


def test_ignore_ranges_drop_unpaired_predictions_only():
    """Check that an unpaired prediction inside an ignore range is not a false positive."""
    ref = {"ECG_T_Onsets": [1000]}
    pred = {"ECG_T_Onsets": [1002, 1500, 1800]}
    m = score_record(ref, pred, [[0, 2000]], 500, keys=["ECG_T_Onsets"],
                     ignore={"ECG_T_Onsets": [[1450, 1550]]})["ECG_T_Onsets"]
    assert (m.tp, m.fp, m.fn) == (1, 1, 0)


# --------------------------------------------------------------------------- score_record
def test_missing_key_is_not_provided_not_missed():
    """Check that a key absent from the prediction is None and a NaN row, not misses."""
    ref = {k: [1000] for k in DEFAULT_KEYS}
    scores = score_record(ref, {"ECG_P_Peaks": [1000]}, [[0, 2000]], 500)
    assert set(scores) == set(DEFAULT_KEYS)
    assert scores["ECG_T_Offsets"] is None
    table = summarise([scores])
    assert list(table.columns) == list(SUMMARY_COLUMNS)
    assert not table.loc["ECG_T_Offsets", "provided"]
    assert np.isnan(table.loc["ECG_T_Offsets", "se"])
    assert table.loc["ECG_T_Offsets", "n_ref"] is pd.NA
    assert table.loc["ECG_P_Peaks", "se"] == 100.0


def test_neurokit_lists_are_not_scored_by_position():
    """Check that misaligned per-beat lists (NeuroKit cwt) are matched by time, not index."""
    ref = {"ECG_P_Onsets": [100, 600, 1100]}
    pred = {"ECG_P_Onsets": [np.nan, 1102, 598, None, 101]}
    m = score_record(ref, pred, [[0, 2000]], 500, keys=["ECG_P_Onsets"])["ECG_P_Onsets"]
    assert (m.tp, m.fp, m.fn) == (3, 0, 0)
    assert sorted(m.errors.tolist()) == [-2, 1, 2]


def test_strict_tolerances_per_wave():
    """Check that a dict of per-wave tolerances applies ±40 ms to QRS and ±100 ms to T."""
    ref = {"ECG_R_Onsets": [1000], "ECG_T_Peaks": [1000]}
    pred = {"ECG_R_Onsets": [1030], "ECG_T_Peaks": [1030]}  # 60 ms late at 500 Hz
    scores = score_record(ref, pred, [[0, 2000]], 500, tolerance_s=STRICT_TOLERANCE_S,
                          keys=["ECG_R_Onsets", "ECG_T_Peaks"])
    assert scores["ECG_R_Onsets"].tp == 0
    assert scores["ECG_T_Peaks"].tp == 1


# --------------------------------------------------------------------------- summarise
def test_summarise_pools_counts_and_fills_cse():
    """Check that counts are pooled and the CSE limit is given in ms where defined."""
    a = {"ECG_P_Onsets": Match(3, 1, 0, [0, 1, -1], 500), "ECG_P_Peaks": Match(1, 0, 0, [0], 500)}
    b = {"ECG_P_Onsets": Match(1, 0, 2, [2], 500), "ECG_P_Peaks": Match(0, 1, 1, [], 500)}
    table = summarise([a, b])
    row = table.loc["ECG_P_Onsets"]
    assert (row["n_ref"], row["tp"], row["fp"], row["fn"]) == (6, 4, 1, 2)
    assert row["se"] == pytest.approx(100 * 4 / 6)
    assert row["ppv"] == pytest.approx(80.0)
    assert row["f1"] == pytest.approx(100 * 8 / 11)
    assert row["cse_2sd_ms"] == pytest.approx(1000 * CSE_2SD_S["P_Onsets"])
    assert np.isnan(table.loc["ECG_P_Peaks", "cse_2sd_ms"])


def test_summarise_empty_input():
    """Check that summarising nothing gives NaN rows, not an error."""
    table = summarise([], keys=list(DEFAULT_KEYS))
    assert list(table.index) == list(DEFAULT_KEYS)
    assert table["se"].isna().all() and table["sd_ms"].isna().all()
    assert summarise([]).empty


def test_single_pair_has_nan_sd():
    """Check that the SD of a single pair is NaN (sample SD), not 0."""
    table = summarise({"ECG_R_Offsets": Match(1, 0, 0, [2], 500)})
    assert table.loc["ECG_R_Offsets", "mean_ms"] == 4.0
    assert np.isnan(table.loc["ECG_R_Offsets", "sd_ms"])
