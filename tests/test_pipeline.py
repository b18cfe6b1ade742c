"""Tests of the one pipeline: streaming, the production stitching, exact rate mapping, R-peak matching."""

import warnings

import neurokit2 as nk
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import nk_qrs_lstm
from nk_qrs_lstm.defaults import BEAT_KEYS
from nk_qrs_lstm.alignment import match_rpeaks
from nk_qrs_lstm.pipeline import find_beats, predict_proba
from nk_qrs_lstm.preprocess import RateMap, normalise, prepare, resample
from nk_qrs_lstm.runtime import predict_windows


def _onsets(ecg, rpeaks=None, rate=500):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(nk_qrs_lstm.ecg_delineate(ecg, rpeaks, sampling_rate=rate)[1]["ECG_R_Onsets"], float)


# --------------------------------------------------------------------------- streaming and stitching
def test_streamed_blocks_equal_the_one_block_answer():
    """Check that a 12-min signal cut into 100-s blocks gives exactly the beats of one block."""
    ecg = nk.ecg_simulate(duration=12 * 60, sampling_rate=500, heart_rate=80, random_state=3, noise=0.05)
    rate_map = RateMap.for_rate(500)
    whole, _ = find_beats(ecg, rate_map, block_s=1e9)
    blocks, _ = find_beats(ecg, rate_map, block_s=100)
    assert len(whole["ECG_R_Onsets"]) > 900
    for key in whole:
        if key.endswith("_Confidence"):  # continuous values: float noise of the filters' block edges only
            np.testing.assert_allclose(blocks[key], whole[key], atol=1e-4, err_msg=key)
        else:
            np.testing.assert_array_equal(blocks[key], whole[key], err_msg=key)


def test_streamed_probabilities_equal_the_one_block_track():
    """Check that the probability track is the same whatever the block length."""
    ecg = nk.ecg_simulate(duration=150, sampling_rate=360, heart_rate=65, random_state=5)
    rate_map = RateMap.for_rate(360)
    one, bad_one = predict_proba(ecg, rate_map, block_s=1e9)
    many, bad_many = predict_proba(ecg, rate_map, block_s=20)
    np.testing.assert_allclose(many, one, atol=1e-5)
    np.testing.assert_array_equal(bad_many, bad_one)


def test_production_stitching_matches_one_long_window():
    """Check that the stitched track of a 60-s signal equals one 60-s window of the network in the interior.

    Shifting the kept slice of each window by a few samples moves QRS edges and fails this test.
    """
    ecg = nk.ecg_simulate(duration=60, sampling_rate=250, heart_rate=70, random_state=2, noise=0.05)
    rate_map = RateMap.for_rate(250)
    stitched, _ = predict_proba(ecg, rate_map)
    x, _ = prepare(ecg, rate_map)
    single = predict_windows(normalise(x[None, :]))[0]
    interior = slice(500, -500)
    assert np.abs(stitched[interior] - single[interior]).max() < 0.1
    assert np.mean(stitched.argmax(1) == single.argmax(1)) > 0.995


# --------------------------------------------------------------------------- sampling rates
def test_non_integer_rate_does_not_drift():
    """Check that 500-Hz samples labelled 499.7 Hz give the same QRS onsets after 10 minutes (issue 10 case)."""
    x = np.tile(nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)[500:4500], 75)
    a, b = _onsets(x, rate=500), _onsets(x, rate=499.7)
    assert len(a) == len(b) > 600
    assert np.nanmax(np.abs(a - b)) <= 2


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rate=st.one_of(st.sampled_from([100.0, 128.0, 257.0, 360.0, 999.0, 1999.0, 2000.0]),
                      st.floats(100, 2000).map(lambda r: round(r, 2))),
       minutes=st.sampled_from([0.5, 3, 10]))
@example(rate=1999.0, minutes=10)
@example(rate=499.7, minutes=10)
def test_fiducials_map_back_within_one_sample_from_any_rate(rate, minutes):
    """Check that QRS limits found on a copy resampled to `rate` map back to those of the 500-Hz original.

    Compared at the lower of the two rates, never finer than the network's own 250 Hz (4 ms: two copies of a
    signal differ by resampling, and the network sees them at 250 Hz): within one such sample for every beat
    found in both, and without drift (the mean difference of the last quarter stays within half a sample of the
    first's).
    """
    base = nk.ecg_simulate(duration=10, sampling_rate=500, heart_rate=72, random_state=7)[500:4500]
    x500 = np.tile(base, int(np.ceil(minutes * 60 / 8)))
    m = RateMap.for_rate(500, model_rate=rate)
    rate = 500 * m.up / m.down  # the copy's true rate (the rational factor nearest to the one asked)
    xr = resample(x500, m.up, m.down)
    tab500, _ = find_beats(x500, RateMap.for_rate(500))
    tabr, _ = find_beats(xr, RateMap.for_rate(rate))
    coarse = min(rate, 250.0)
    for key in ("ECG_R_Onsets", "ECG_R_Offsets"):
        a = tab500[key] * coarse / 500
        b = tabr[key] * coarse / rate
        assert len(a) == len(b)
        both = np.isfinite(a) & np.isfinite(b)
        assert both.mean() > 0.95
        diff = (a - b)[both]
        # one sample, plus the rounding of the 500-Hz original's own indices
        assert np.abs(diff).max() <= 1.0 + 0.5 * coarse / 500 + 1e-9, (key, rate)
        quarter = max(len(diff) // 4, 1)
        # the beats slide against the two sampling grids, so quarter means wander a little; the old
        # approximate-ratio bug moved the last quarter by ~30 samples at 250 Hz over 10 min
        assert abs(diff[:quarter].mean() - diff[-quarter:].mean()) < 0.5, (key, rate)


def test_rates_above_2000_hz_are_accepted():
    """Check that a 4-kHz and a 10-kHz ECG are delineated at their own indices."""
    for rate in (4000, 10000):
        ecg = nk.ecg_simulate(duration=8, sampling_rate=rate, heart_rate=70, random_state=1)
        ref = _onsets(nk.ecg_simulate(duration=8, sampling_rate=500, heart_rate=70, random_state=1))
        got = _onsets(ecg, rate=rate) * 500 / rate
        assert len(got) == len(ref)
        ok = np.isfinite(got) & np.isfinite(ref)
        # samples at 500 Hz: 8 ms. The two signals are separate simulations, not one resampled: with onnxruntime
        # 1.32 / scipy 1.17 (2026-11-30) one onset 320 ms from the 4-kHz signal's end came 3.1 samples (6.2 ms) from
        # the 500-Hz one's; an index at the wrong rate would be off by hundreds
        assert np.abs(got[ok] - ref[ok]).max() <= 4


# --------------------------------------------------------------------------- R-peak matching
def test_match_rpeaks_one_to_one():
    """Check that each QRS goes to at most one R-peak and R-peaks beyond reach get none."""
    on, off = np.array([100.0, 600]), np.array([150.0, 650])
    rows = match_rpeaks(np.array([118, 128, 400, 640]), on, off, 500)
    assert rows.tolist() == [-1, 0, -1, 1]


def test_match_rpeaks_reaches_150_ms_but_never_half_an_rr():
    """Check the reach: 140 ms outside a QRS is matched, 160 ms is not, nor past half the RR interval."""
    on, off = np.array([1000.0]), np.array([1050.0])
    assert match_rpeaks(np.array([930]), on, off, 500).tolist() == [0]  # 70 samples = 140 ms before
    assert match_rpeaks(np.array([920]), on, off, 500).tolist() == [-1]  # 160 ms
    # two R-peaks 100 samples apart: reach 50 samples; the first is 60 before the onset
    assert match_rpeaks(np.array([940, 1040]), on, off, 500).tolist() == [-1, 0]


def test_match_rpeaks_loser_takes_its_next_nearest_complex():
    """Check that an R-peak whose nearest QRS is claimed takes the next one within reach."""
    on, off = np.array([100.0, 160.0]), np.array([140.0, 200.0])
    # 148 is nearer the first QRS (8) than the second (12) but 120 sits inside the first; reach = 28 / 2
    rows = match_rpeaks(np.array([120, 148]), on, off, 500)
    assert rows.tolist() == [0, 1]


def test_edge_beat_does_not_steal_its_neighbour():
    """Check that a QRS cut by the signal's start leaves the next beat to its own R-peak (issue 10 case)."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, heart_rate=70, random_state=1)[:1500]
    got = _onsets(ecg, [431, 850, 1274])
    assert np.all(np.isfinite(got))
    assert np.all((np.array([431, 850, 1274]) - got > 10) & (np.array([431, 850, 1274]) - got < 60))


def test_nan_gap_inside_a_beat_keeps_the_beat_before():
    """Check that a 20-ms gap inside one QRS only blanks that QRS's limits, never its neighbour's."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, heart_rate=70, random_state=1)
    rpeaks = nk.ecg_peaks(ecg, sampling_rate=500)[1]["ECG_R_Peaks"]
    clean = _onsets(ecg, rpeaks)
    gapped = ecg.copy()
    gapped[rpeaks[5] - 5 : rpeaks[5] + 5] = np.nan
    got = _onsets(gapped, rpeaks)
    assert np.isfinite(got[4]) and got[4] == clean[4]
    assert np.isfinite(got[6]) and got[6] == clean[6]


def test_rpeaks_off_the_qrs_still_get_their_beat():
    """Check that R-peaks placed 40-100 ms before the QRS (as nk.ecg_peaks can) keep their fiducials."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, heart_rate=70, random_state=1)
    table = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500)
    onsets = table["ECG_R_Onsets"].to_numpy(float, na_value=np.nan)[1:-1]
    shifted = (onsets - np.array([20, 35, 50] * 10)[: len(onsets)]).astype(int)
    got = _onsets(ecg, shifted)
    np.testing.assert_array_equal(got, onsets)


def test_table_has_one_row_per_rpeak_and_integer_columns():
    """Check that ecg_delineate_table gives nullable integers and one row per caller R-peak."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, heart_rate=70, random_state=1)
    table = nk_qrs_lstm.ecg_delineate_table(ecg, [431, 850, 1274, 4000], sampling_rate=500)
    assert list(table.columns) == list(BEAT_KEYS) + ["ECG_P_Confidence", "ECG_R_Confidence", "ECG_T_Confidence"]
    assert all(str(table[k].dtype) == "Int64" for k in BEAT_KEYS)
    assert table["ECG_R_Peaks"].tolist() == [431, 850, 1274, 4000]


@pytest.mark.parametrize("rpeaks", [[], np.array([], dtype=int), {"ECG_R_Peaks": []}])
def test_empty_rpeaks_give_neurokits_warning_and_empty_arrays(rpeaks):
    """Check that no R-peaks give NeuroKit's warning (a NeuroKitWarning) and its empty float arrays."""
    from neurokit2.misc import NeuroKitWarning

    ecg = nk.ecg_simulate(duration=5, sampling_rate=500, random_state=0)
    with pytest.warns(NeuroKitWarning, match="^No R-peaks were detected. Returning empty results for ECG "
                                             "delineation.$"):
        signals, waves = nk_qrs_lstm.ecg_delineate(ecg, rpeaks, sampling_rate=500)
    assert all(isinstance(v, np.ndarray) and v.size == 0 and v.dtype == float for v in waves.values())
    assert signals.shape == (len(ecg), 10) and int(signals.to_numpy().sum()) == 0


def test_network_runs_once_per_lead_for_plots(network_calls):
    """Check that ecg_delineate_proba(show=True) and delineate_record(keep_proba=True) run the network once per lead."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nk_qrs_lstm.examples import example_record_path
    from nk_qrs_lstm.record import delineate_record

    calls = network_calls
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)
    nk_qrs_lstm.ecg_delineate_proba(ecg, sampling_rate=500, show=True)
    plt.close("all")
    assert len(calls) == 1
    calls.clear()
    result = delineate_record(example_record_path(), leads=["ii", "v5"], keep_proba=True)
    assert len(calls) == 2
    assert sorted(result.proba) == ["ii", "v5"] and result.proba["ii"].shape == (result.n_samples, 4)


def test_table_carries_confidences_and_filters_on_them():
    """Check that ecg_delineate_table returns each wave's confidence in [0, 1] and min_confidence drops waves."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, heart_rate=70, random_state=1)
    table = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500)
    conf = table[["ECG_P_Confidence", "ECG_R_Confidence", "ECG_T_Confidence"]].to_numpy(float)
    assert np.all((conf[np.isfinite(conf)] >= 0) & (conf[np.isfinite(conf)] <= 1))
    assert np.isfinite(table["ECG_R_Confidence"]).all()
    strict = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500, min_confidence=1.0)
    low = table["ECG_P_Confidence"] < 1.0
    assert strict.loc[low, "ECG_P_Onsets"].isna().all()
    assert strict["ECG_R_Peaks"].tolist() == table["ECG_R_Peaks"].tolist()
    with pytest.raises(ValueError, match=r"^min_confidence == 2, must be a number in \[0, 1\]\.$"):
        nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500, min_confidence=2)
