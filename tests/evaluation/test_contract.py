"""Tests of the output-contract checker on hand-made outputs, valid and broken."""

import re

import numpy as np
import pandas as pd
import pytest

from nk_qrs_lstm.evaluation.contract import KINDS, check_contract, contract_violations
from nk_qrs_lstm.neurokit import NK_KEYS, waves_to_signals

N = 1000  # [samples] length of the hand-made signal

#: two beats, every fiducial present, in order
BEATS = {
    "ECG_P_Onsets": [100, 600], "ECG_P_Peaks": [120, 620], "ECG_P_Offsets": [140, 640],
    "ECG_Q_Peaks": [165, 665], "ECG_R_Onsets": [160, 660], "ECG_R_Offsets": [200, 700],
    "ECG_S_Peaks": [190, 690], "ECG_T_Onsets": [250, 750], "ECG_T_Peaks": [300, 800],
    "ECG_T_Offsets": [350, 850],
}


def _valid():
    waves = {key: list(BEATS[key]) for key in NK_KEYS}
    return waves_to_signals(waves, N), waves


def _kinds(signals, waves, n_samples=N, n_beats=None):
    return [kind for kind, _ in contract_violations(signals, waves, n_samples, n_beats, codes=True)]


def test_valid_output_passes():
    """Check that a well-formed output has no violation, with and without n_beats."""
    signals, waves = _valid()
    assert contract_violations(signals, waves, N) == []
    assert contract_violations(signals, waves, N, n_beats=2) == []
    check_contract(signals, waves, N, n_beats=2)


def test_nan_and_numpy_ints_are_valid():
    """Check that NaN entries (missing waves) and numpy integers are allowed."""
    signals, waves = _valid()
    waves["ECG_P_Onsets"][1] = np.nan
    waves["ECG_P_Peaks"][1] = np.nan
    waves["ECG_P_Offsets"] = [np.int64(140), np.nan]
    assert contract_violations(waves_to_signals(waves, N), waves, N, n_beats=2) == []


def test_empty_output_is_valid():
    """Check that an output without any beat meets the contract."""
    waves = {key: [] for key in NK_KEYS}
    assert contract_violations(waves_to_signals(waves, N), waves, N, n_beats=0) == []


def test_wrong_key_order_is_detected():
    """Check that the right keys in another order are a violation."""
    signals, waves = _valid()
    waves = dict(reversed(list(waves.items())))
    messages = contract_violations(signals, waves, N)
    assert messages[0].startswith("waves keys are in the wrong order: ")


def test_missing_and_extra_keys_are_detected():
    """Check that a missing key and an unexpected key are both named."""
    signals, waves = _valid()
    del waves["ECG_T_Onsets"]
    waves["ECG_U_Peaks"] = [180, 680]
    messages = contract_violations(signals, waves, N)
    assert "waves keys differ from the contract's: missing ['ECG_T_Onsets'], unexpected ['ECG_U_Peaks']." in messages


def test_leading_rpeaks_are_allowed_only_without_given_rpeaks():
    """Check that ECG_R_Peaks may lead the keys of rows a method found itself, is checked in the beat order there,
    and is unexpected where R-peaks were given (one row per given R-peak needs no second copy)."""
    signals, waves = _valid()
    rows = len(waves["ECG_R_Onsets"])
    onsets = np.asarray(waves["ECG_R_Onsets"], dtype=float)
    with_rpeaks = {"ECG_R_Peaks": [int(v) + 5 for v in onsets], **waves}
    assert contract_violations(signals, with_rpeaks, N) == []
    given = contract_violations(signals, with_rpeaks, N, n_beats=rows)
    assert any("unexpected ['ECG_R_Peaks']" in m for m in given)
    before_onset = {**with_rpeaks, "ECG_R_Peaks": [int(v) - 1 for v in onsets]}
    assert any("ECG_R_Peaks" in m and "out of order" in m for m in contract_violations(signals, before_onset, N))
    late = {**waves, "ECG_R_Peaks": with_rpeaks["ECG_R_Peaks"]}  # last instead of first
    assert any(m.startswith("waves keys are in the wrong order") for m in contract_violations(signals, late, N))


def test_misaligned_lengths_are_detected():
    """Check that a dropped entry (NeuroKit's misalignment) is reported."""
    signals, waves = _valid()
    waves["ECG_P_Onsets"] = waves["ECG_P_Onsets"][1:]
    assert "lengths" in _kinds(signals, waves)


def test_wrong_number_of_beats_is_detected():
    """Check that equal lists of the wrong length are reported when n_beats is given."""
    signals, waves = _valid()
    assert _kinds(signals, waves) == []
    messages = contract_violations(signals, waves, N, n_beats=3)
    assert messages == ["10 waves lists do not have one entry per R-peak (3): ECG_P_Onsets 2, ECG_P_Peaks 2, "
                        "ECG_P_Offsets 2 and 7 more."]


@pytest.mark.parametrize("value", [-1, N, N + 500])
def test_out_of_range_index_is_detected(value):
    """Check that an index before the first or after the last sample is reported."""
    signals, waves = _valid()
    waves["ECG_T_Offsets"][1] = value
    messages = contract_violations(signals, waves, N)
    expected = f"waves['ECG_T_Offsets'] has 1 indices outside [0, {N}): [1] = {value}."
    assert expected in messages


def test_p_after_qrs_is_detected():
    """Check that a P wave placed after its QRS onset is out of order."""
    signals, waves = _valid()
    waves["ECG_P_Offsets"][0] = 170
    waves["ECG_P_Onsets"][0], waves["ECG_P_Peaks"][0] = 165, 168
    signals = waves_to_signals(waves, N)
    messages = contract_violations(signals, waves, N)
    assert messages == ["1 fiducials are out of order within their beat: beat 0: ECG_P_Offsets 170 > "
                        "ECG_R_Onsets 160."]


def test_order_is_checked_across_missing_waves():
    """Check that order holds between the fiducials present even when those between are NaN."""
    signals, waves = _valid()
    for key in ("ECG_P_Offsets", "ECG_R_Onsets", "ECG_Q_Peaks", "ECG_S_Peaks", "ECG_R_Offsets"):
        waves[key][0] = np.nan
    waves["ECG_T_Onsets"][0] = 110  # before the P peak (120), nothing in between
    signals = waves_to_signals(waves, N)
    messages = contract_violations(signals, waves, N)
    assert messages == ["1 fiducials are out of order within their beat: beat 0: ECG_P_Peaks 120 > ECG_T_Onsets 110."]


def test_t_before_qrs_offset_is_detected():
    """Check that a T onset inside the QRS is out of order."""
    signals, waves = _valid()
    waves["ECG_T_Onsets"][1] = 680
    assert _kinds(waves_to_signals(waves, N), waves) == ["order"]


def test_empty_qrs_is_detected():
    """Check that a QRS onset equal to its offset is reported (the order alone allows it)."""
    signals, waves = _valid()
    waves["ECG_R_Offsets"][0] = 160
    waves["ECG_Q_Peaks"][0], waves["ECG_S_Peaks"][0] = 160, 160
    messages = contract_violations(waves_to_signals(waves, N), waves, N)
    assert messages == ["1 QRS onsets are not before their QRS offset: beat 0: 160 >= 160."]


@pytest.mark.parametrize("value", [300.0, np.float64(300.0), "300", None, True, 300.5])
def test_non_integer_entry_is_detected(value):
    """Check that a float index, a string, None or a bool is not an accepted entry."""
    signals, waves = _valid()
    waves["ECG_T_Peaks"][0] = value
    messages = contract_violations(signals, waves, N)
    assert any(m.startswith("waves['ECG_T_Peaks'] has 1 entries that are neither an int index nor NaN: [0] = ")
               for m in messages), messages


def test_infinite_entry_is_detected():
    """Check that an infinite entry is not taken for a missing wave."""
    signals, waves = _valid()
    waves["ECG_T_Peaks"][0] = np.inf
    assert {"value_type", "range"} <= set(_kinds(signals, waves))


def test_array_instead_of_list_is_detected():
    """Check that the values must be lists."""
    signals, waves = _valid()
    waves["ECG_R_Onsets"] = np.asarray(waves["ECG_R_Onsets"])
    messages = contract_violations(signals, waves, N)
    assert messages == ["waves['ECG_R_Onsets'] must be a list (or, without R-peaks, an empty array), got ndarray."]


def test_wrong_row_count_is_detected():
    """Check that a DataFrame shorter than the signal is reported."""
    signals, waves = _valid()
    assert contract_violations(signals.iloc[:-1], waves, N) == [f"signals has {N - 1} rows, expected one per "
                                                                  f"sample ({N})."]


def test_wrong_dtype_and_non_binary_are_detected():
    """Check that float columns and values other than 0/1 are reported."""
    signals, waves = _valid()
    floats = signals.astype(float)
    assert _kinds(floats, waves) == ["dtype"]
    twos = signals.copy()
    twos.loc[120, "ECG_P_Peaks"] = 2
    assert _kinds(twos, waves) == ["binary"]


def test_wrong_columns_are_detected():
    """Check that DataFrame columns must be the keys, in order."""
    signals, waves = _valid()
    assert _kinds(signals[list(reversed(NK_KEYS))], waves) == ["columns"]
    assert "columns" in _kinds(signals.drop(columns="ECG_Q_Peaks"), waves)


def test_dataframe_disagreeing_with_dict_is_detected():
    """Check that a 1 with no matching entry, or an entry with no 1, is reported."""
    signals, waves = _valid()
    extra = signals.copy()
    extra.loc[500, "ECG_T_Peaks"] = 1
    messages = contract_violations(extra, waves, N)
    assert messages == ["1 signals columns disagree with waves: ECG_T_Peaks (marked not listed: 500; "
                        "listed not marked: none)."]
    missing = signals.copy()
    missing.loc[300, "ECG_T_Peaks"] = 0
    assert _kinds(missing, waves) == ["signals_mismatch"]


def test_malformed_containers_do_not_crash_the_checker():
    """Check that a non-dict waves and a non-DataFrame signals are reported, never raised."""
    signals, waves = _valid()
    assert _kinds(signals, list(waves.values())) == ["waves_type"]
    assert _kinds(signals.to_numpy(), waves) == ["signals_type"]
    assert _kinds(None, None) == ["waves_type", "signals_type"]


def test_codes_are_known_kinds():
    """Check that every code returned is listed in KINDS."""
    signals, waves = _valid()
    waves["ECG_P_Onsets"] = [5000.0]
    kinds = _kinds(signals.iloc[:10].astype(float), waves, n_beats=4)
    assert kinds and set(kinds) <= set(KINDS)


def test_check_contract_raises_with_every_violation():
    """Check that check_contract raises AssertionError listing one violation per line."""
    signals, waves = _valid()
    waves["ECG_P_Onsets"] = waves["ECG_P_Onsets"][:1]
    signals = waves_to_signals(waves, N)
    with pytest.raises(AssertionError, match=re.escape("ecg_delineate output breaks the contract:\n- waves lists "
                                                       "differ in length: ECG_P_Onsets 1, ECG_P_Peaks 2")) as info:
        check_contract(signals, waves, N, n_beats=2)
    assert str(info.value).count("\n- ") == 2  # lengths and n_beats


def test_neurokit_like_output_is_judged():
    """Check that a NeuroKit-style output (fewer keys, lists not aligned) gets its violations listed."""
    waves = {"ECG_P_Peaks": [120], "ECG_Q_Peaks": [165, 665], "ECG_T_Peaks": [300.0, 800.0]}
    signals = pd.DataFrame({k: np.zeros(N, dtype=np.int64) for k in waves})
    kinds = _kinds(signals, waves)
    assert {"keys", "lengths", "value_type", "columns", "signals_mismatch"} <= set(kinds)
