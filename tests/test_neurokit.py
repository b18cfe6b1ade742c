"""Tests of the NeuroKit2 adapter: registration, ecg_process, check, formats."""

import os

import numpy as np
import neurokit2 as nk
import pytest

import nk_qrs_lstm
from nk_qrs_lstm.defaults import NK_KEYS
from nk_qrs_lstm.neurokit import check_table, empty_result, waves_to_signals


@pytest.fixture
def simulated():
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, heart_rate=75, random_state=4)
    cleaned = nk.ecg_clean(ecg, sampling_rate=500)
    _, info = nk.ecg_peaks(cleaned, sampling_rate=500)
    return ecg, cleaned, info


def test_register_and_unregister(simulated):
    """Check that after register() NeuroKit itself delineates with method='lstm', and unregister() undoes it."""
    _, cleaned, info = simulated
    original = nk.ecg_delineate
    nk_qrs_lstm.register()
    try:
        _, waves = nk.ecg_delineate(cleaned, info, sampling_rate=500, method="lstm")
        _, ours = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500)
        assert waves.keys() == ours.keys()
        np.testing.assert_array_equal(np.asarray(waves["ECG_R_Onsets"], float), np.asarray(ours["ECG_R_Onsets"], float))
        # other methods are still NeuroKit's
        _, dwt = nk.ecg_delineate(cleaned, info, sampling_rate=500, method="dwt")
        assert len(dwt["ECG_T_Offsets"]) == len(info["ECG_R_Peaks"])
        # and ecg_process delineates with the learned method
        signals, pinfo = nk.ecg_process(cleaned, sampling_rate=500)
        _, direct = nk_qrs_lstm.ecg_delineate(signals["ECG_Clean"], pinfo["ECG_R_Peaks"], sampling_rate=500)
        np.testing.assert_array_equal(np.asarray(pinfo["ECG_T_Offsets"], float),
                                      np.asarray(direct["ECG_T_Offsets"], float))
    finally:
        nk_qrs_lstm.unregister()
    assert nk.ecg_delineate is original
    with pytest.raises(ValueError):
        nk.ecg_delineate(cleaned, info, sampling_rate=500, method="lstm")


def test_ecg_process_has_neurokits_columns(simulated):
    """Check that ecg_process returns NeuroKit's columns and info keys, with our delineation."""
    ecg, _, _ = simulated
    ours, info = nk_qrs_lstm.ecg_process(ecg, sampling_rate=500)
    theirs, nk_info = nk.ecg_process(ecg, sampling_rate=500)
    # same columns in the same order
    assert list(ours.columns) == list(theirs.columns)
    assert list(info) == list(nk_info)  # the same keys in the same order (a trial compared them)
    _, direct = nk_qrs_lstm.ecg_delineate(ours["ECG_Clean"], info["ECG_R_Peaks"], sampling_rate=500)
    for key in NK_KEYS:
        np.testing.assert_array_equal(np.asarray(info[key], float), np.asarray(direct[key], float))
    assert set(np.unique(ours["ECG_Phase_Ventricular"].dropna())) <= {0.0, 1.0}


def test_ecg_process_passes_neurokits_keywords_to_the_cleaning():
    """Check that nk_qrs_lstm.ecg_process takes NeuroKit's **kwargs (here powerline=60) and cleans with them, as
    nk.ecg_process does."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)
    ecg = ecg + 0.1 * np.sin(2 * np.pi * 60 * np.arange(len(ecg)) / 500)
    ours, _ = nk_qrs_lstm.ecg_process(ecg, sampling_rate=500, powerline=60)
    np.testing.assert_allclose(ours["ECG_Clean"], nk.ecg_clean(ecg, sampling_rate=500, powerline=60))
    default, _ = nk_qrs_lstm.ecg_process(ecg, sampling_rate=500)
    assert not np.allclose(ours["ECG_Clean"], default["ECG_Clean"])


def test_ecg_process_delineates_missing_samples_as_a_gap():
    """Check that samples missing in the raw signal, which NeuroKit's cleaning fills with a held value, get no wave
    boundary (a trial found a P wave and a QRS onset placed inside a filled 1-s gap), while the beats around it keep
    theirs."""
    ecg = nk.ecg_simulate(duration=20, sampling_rate=500, random_state=3)
    ecg[6150:6650] = np.nan
    with pytest.warns(Warning):
        signals, info = nk_qrs_lstm.ecg_process(ecg, sampling_rate=500)
    points = np.concatenate([np.asarray(info[key], float) for key in NK_KEYS])
    assert not np.any((points >= 6150) & (points < 6650))
    assert np.isfinite(np.asarray(info["ECG_R_Onsets"], float)).sum() >= len(info["ECG_R_Peaks"]) - 2
    assert len(signals) == len(ecg) and signals.loc[6150:6649, NK_KEYS].to_numpy().sum() == 0


def test_registered_neurokit_process_delineates_missing_samples_as_a_gap():
    """Check that after register() NeuroKit's own ecg_process (also inside bio_process) leaves the samples its
    cleaning filled without wave boundaries (it delineated the fill as signal before), and unregister() restores it."""
    ecg = nk.ecg_simulate(duration=20, sampling_rate=500, random_state=3)
    ecg[6150:6650] = np.nan
    original = nk.ecg_process
    nk_qrs_lstm.register()
    try:
        with pytest.warns(Warning):
            signals, info = nk.ecg_process(ecg, sampling_rate=500)
        with pytest.warns(Warning):
            bio, _ = nk.bio_process(ecg=ecg, sampling_rate=500)
    finally:
        nk_qrs_lstm.unregister()
    assert nk.ecg_process is original and nk.bio_process.__globals__["ecg_process"] is original
    points = np.concatenate([np.asarray(info[key], float) for key in NK_KEYS])
    assert points.size and not np.any((points >= 6150) & (points < 6650))
    assert signals.loc[6150:6649, NK_KEYS].to_numpy().sum() == 0
    assert bio.loc[6150:6649, [k for k in NK_KEYS if k in bio]].to_numpy().sum() == 0
    assert np.isfinite(np.asarray(info["ECG_R_Onsets"], float)).sum() >= len(info["ECG_R_Peaks"]) - 2


def test_check_table_removes_only_outliers():
    """Check that check_table sets the point with |z| > 3 to NaN and keeps everything else."""
    rpeaks = np.arange(20) * 500.0 + 100
    onsets = rpeaks - 40
    onsets[7] = rpeaks[7] - 300  # an outlier
    onsets[3] = np.nan
    table = {k: rpeaks - 10 for k in NK_KEYS}
    table.update(ECG_R_Peaks=rpeaks, ECG_R_Onsets=onsets)
    out = check_table(table)
    assert np.isnan(out["ECG_R_Onsets"][7]) and np.isnan(out["ECG_R_Onsets"][3])
    keep = np.setdiff1d(np.arange(20), [3, 7])
    np.testing.assert_array_equal(out["ECG_R_Onsets"][keep], onsets[keep])
    assert len(out["ECG_R_Onsets"]) == 20 and not np.isnan(table["ECG_R_Onsets"][7])


def test_empty_result_is_neurokits():
    """Check that the no-R-peak answer has NeuroKit's keys, empty float arrays and zero int signals."""
    signals, waves = empty_result(7)
    assert set(waves) == set(NK_KEYS)
    assert all(isinstance(v, np.ndarray) and v.dtype == float and v.size == 0 for v in waves.values())
    assert signals.shape == (7, 10) and int(signals.to_numpy().sum()) == 0


def test_waves_to_signals_ignores_nan():
    """Check that the 0/1 DataFrame marks present points only, as int64."""
    waves = {k: [5, np.nan, 9] for k in NK_KEYS}
    signals = waves_to_signals(waves, 12)
    assert signals.dtypes.unique().tolist() == [np.dtype("int64")]
    assert signals["ECG_P_Onsets"].tolist() == [0] * 5 + [1, 0, 0, 0, 1, 0, 0]


def test_ecg_process_takes_rhythm_gate_for_the_learned_delineation(ludb_path):
    """Check that rhythm_gate reaches ecg_process's delineation (NeuroKit's own after register() too): an irregular
    rhythm's P waves the gate refuses come back with False; a bad value is refused by name, not inside NeuroKit."""
    import wfdb

    ecg = wfdb.rdrecord(os.path.join(ludb_path, "data", "88"), channel_names=["ii"]).p_signal[:, 0]
    _, gated = nk_qrs_lstm.ecg_process(ecg, sampling_rate=500)
    _, kept = nk_qrs_lstm.ecg_process(ecg, sampling_rate=500, rhythm_gate=False)
    count = lambda info: int(np.isfinite(np.asarray(info["ECG_P_Onsets"], float)).sum())  # noqa: E731
    assert count(gated) == 0 < count(kept)
    nk_qrs_lstm.register()
    try:
        _, registered = nk.ecg_process(ecg, sampling_rate=500, rhythm_gate=False)
    finally:
        nk_qrs_lstm.unregister()
    assert count(registered) == count(kept)
    with pytest.raises(TypeError, match=r"^rhythm_gate == 1, must be True or False"):
        nk_qrs_lstm.ecg_process(ecg, sampling_rate=500, rhythm_gate=1)
