"""Drop-in conformance with NeuroKit2 (issue 13), over every registered method where it applies."""

import warnings

import neurokit2 as nk
import numpy as np
import pytest
from neurokit2.misc import NeuroKitWarning

import nk_qrs_lstm
from nk_qrs_lstm import NKQRSLSTMWarning, available_methods
from nk_qrs_lstm.defaults import NK_KEYS

NO_RPEAKS = "No R-peaks were detected. Returning empty results for ECG delineation."


def _is_empty_answer(signals, waves, n, rpeaks_key=False):
    keys = {"ECG_R_Peaks", *NK_KEYS} if rpeaks_key else set(NK_KEYS)  # rpeaks=None: the rows' own R-peaks too
    return (set(waves) == keys and signals.shape == (n, 10) and int(signals.to_numpy().sum()) == 0
            and all(isinstance(v, np.ndarray) and v.size == 0 for v in waves.values()))


def test_our_warning_is_a_neurokit_warning():
    """Check that NKQRSLSTMWarning subclasses NeuroKitWarning, so NeuroKit's warning filters apply to ours."""
    assert issubclass(NKQRSLSTMWarning, NeuroKitWarning)
    ecg = np.r_[nk.ecg_simulate(duration=5, sampling_rate=500, random_state=0), np.full(100, np.nan)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=NeuroKitWarning)
        nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500)  # the gap warning is silenced by NeuroKit's filter


@pytest.mark.parametrize("method", available_methods())
def test_empty_rpeaks_give_neurokits_empty_answer(method):
    """Check that every method answers rpeaks=[] with NeuroKit's warning and empty float arrays."""
    ecg = nk.ecg_simulate(duration=6, sampling_rate=500, random_state=1)
    with pytest.warns(NeuroKitWarning, match=f"^{NO_RPEAKS}$"):
        signals, waves = nk_qrs_lstm.ecg_delineate(ecg, np.array([], dtype=int), sampling_rate=500, method=method)
    assert _is_empty_answer(signals, waves, len(ecg))


@pytest.mark.parametrize("method", available_methods())
def test_flat_signal_without_rpeaks_gives_the_empty_answer(method):
    """Check that a flat 1-s signal with the (empty) R-peaks of nk.ecg_peaks warns once about delineation."""
    flat = nk.ecg_clean(np.zeros(1000), sampling_rate=1000)
    _, info = nk.ecg_peaks(flat, sampling_rate=1000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        signals, waves = nk_qrs_lstm.ecg_delineate(flat, info["ECG_R_Peaks"], sampling_rate=1000, method=method)
    assert len([w for w in caught if "delineation" in str(w.message)]) == 1
    assert _is_empty_answer(signals, waves, 1000)


def test_no_qrs_found_without_rpeaks_gives_the_empty_answer():
    """Check that rpeaks=None on a signal without any QRS (flat) gives NeuroKit's warning and empty answer, with the
    (empty) R-peaks of the rows as any rpeaks=None answer has them."""
    noise = np.full(3000, 0.3)
    with pytest.warns(NeuroKitWarning, match=f"^{NO_RPEAKS}$"):
        signals, waves = nk_qrs_lstm.ecg_delineate(noise, sampling_rate=500)
    assert _is_empty_answer(signals, waves, 3000, rpeaks_key=True)
    assert list(waves)[0] == "ECG_R_Peaks"


def test_register_default_makes_lstm_neurokits_default_method():
    """Check that register(default=True) makes nk.ecg_delineate() without a method use the learned delineator."""
    ecg = nk.ecg_simulate(duration=8, sampling_rate=500, random_state=2)
    _, info = nk.ecg_peaks(ecg, sampling_rate=500)
    _, ours = nk_qrs_lstm.ecg_delineate(ecg, info, sampling_rate=500)
    try:
        nk_qrs_lstm.register(default=True)
        _, theirs = nk.ecg_delineate(ecg, info, sampling_rate=500)
        assert theirs == ours
        # NeuroKit's own callers of ecg_delineate too: ecg_phase's atrial systole starts at our P peaks
        phase = nk.ecg_phase(ecg, rpeaks=info, sampling_rate=500)
        starts = np.flatnonzero(np.diff(phase["ECG_Phase_Atrial"].fillna(0).to_numpy()) > 0) + 1
        p_peaks = [int(p) for p in ours["ECG_P_Peaks"] if np.isfinite(p)]
        assert len(starts) > 3 and set(starts.tolist()) <= set(p_peaks)
        nk_qrs_lstm.register()  # back to NeuroKit's default method
        _, dwt = nk.ecg_delineate(ecg, info, sampling_rate=500)
        assert dwt != ours
    finally:
        nk_qrs_lstm.unregister()
    import sys

    phase, delineate = sys.modules["neurokit2.ecg.ecg_phase"], sys.modules["neurokit2.ecg.ecg_delineate"]
    assert phase.ecg_delineate is delineate.ecg_delineate  # unregister() put NeuroKit's function back there too


def test_ecg_process_with_no_rpeaks_through_neurokit():
    """Check that nk.ecg_process on a flat signal, delineating with lstm, gives NeuroKit's no-R-peak result."""
    try:
        nk_qrs_lstm.register()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            signals, info = nk.ecg_process(np.zeros(1000), sampling_rate=1000)
    finally:
        nk_qrs_lstm.unregister()
    assert len(info["ECG_R_Peaks"]) == 0
    assert any(str(w.message) == NO_RPEAKS for w in caught)
    assert signals.shape[0] == 1000 and int(signals["ECG_R_Onsets"].sum()) == 0


@pytest.mark.parametrize("rate", [2500, 4000, 8000])
def test_high_rates_are_accepted_like_neurokit(rate):
    """Check that rates above 2000 Hz (NeuroKit's own test record is 4 kHz) are delineated at their own indices."""
    ecg = nk.ecg_simulate(duration=6, sampling_rate=rate, heart_rate=70, random_state=3)
    _, info = nk.ecg_peaks(ecg, sampling_rate=rate)
    _, waves = nk_qrs_lstm.ecg_delineate(ecg, info, sampling_rate=rate)
    onsets = np.asarray(waves["ECG_R_Onsets"], float)
    assert len(onsets) == len(info["ECG_R_Peaks"]) and np.isfinite(onsets).mean() > 0.7
    gap = (info["ECG_R_Peaks"] - onsets)[np.isfinite(onsets)] / rate
    assert np.all((gap > 0.005) & (gap < 0.08))  # the QRS onset 5-80 ms before the R-peak
