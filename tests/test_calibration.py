"""Tests of calibration pulses (nk_qrs_lstm.calibration): found, turned into gaps, named; nothing else is one."""

import warnings

import neurokit2 as nk
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nk_qrs_lstm
from nk_qrs_lstm import NKQRSLSTMWarning
from nk_qrs_lstm.calibration import calibration_pulses, remove_pulses
from nk_qrs_lstm.defaults import PULSE_MARGIN_S, PULSE_WIDTH_S


def _pulse(level, rate, height=1.0, hold_s=0.2, sag_hz=0.0):
    """A paper ECG's mark: 0.1 s at ``level``, ``hold_s`` at ``level + height`` (sagging as a ``sag_hz`` high-pass
    would make it), 0.1 s back at ``level``."""
    flat = np.full(int(0.1 * rate), level)
    top = level + height * np.exp(-2 * np.pi * sag_hz * np.arange(int(hold_s * rate)) / rate)
    return np.r_[flat, top, flat]


@pytest.mark.parametrize("rate", [100, 250, 500, 1000])
def test_a_pulse_before_an_ecg_is_found_where_it_is(rate):
    """Check that a 1-mV, 200-ms pulse (also upside down, and sagging as under a 0.05-Hz high-pass) is found over
    its whole width, and nothing in the ECG after it."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=rate, random_state=1)
    for height, sag in ((1.0, 0.0), (-1.0, 0.0), (1.0, 0.05)):
        mark = _pulse(ecg[0], rate, height, sag_hz=sag)
        found = calibration_pulses(np.r_[mark, ecg], rate)
        assert len(found) == 1, (height, sag)
        start, stop = found[0]
        first, last = int(0.1 * rate), int(0.3 * rate)  # the pulse's top: [first, last)
        margin = int(round(PULSE_MARGIN_S * rate))
        assert first - margin - 2 <= start <= first and last <= stop <= last + margin + 2


def test_no_ecg_wave_is_a_pulse():
    """Check simulated ECGs at several rates and heart rates, with noise, clean and after nk.ecg_clean: no pulse."""
    for rate, bpm, seed in ((250, 60, 0), (500, 150, 1), (1000, 80, 2), (360, 45, 3)):
        ecg = nk.ecg_simulate(duration=20, sampling_rate=rate, heart_rate=bpm, noise=0.05, random_state=seed)
        assert not len(calibration_pulses(ecg, rate))
        assert not len(calibration_pulses(nk.ecg_clean(ecg, sampling_rate=rate), rate))


def test_a_step_that_does_not_come_back_or_a_too_short_or_too_long_plateau_is_no_pulse():
    """Check the pulse's definition: a baseline step alone, a plateau shorter or longer than PULSE_WIDTH_S, a step
    back of another size and a rectangle more than PULSE_MAX_HEIGHT times the lead's range are not pulses."""
    rate = 500
    ecg = nk.ecg_simulate(duration=10, sampling_rate=rate, random_state=2)
    level = ecg[0]
    step = np.r_[np.full(50, level), np.full(400, level + 1.0), ecg + 1.0]
    assert not len(calibration_pulses(step, rate))
    for hold in (0.5 * PULSE_WIDTH_S[0], 1.5 * PULSE_WIDTH_S[1]):
        assert not len(calibration_pulses(np.r_[_pulse(level, rate, hold_s=hold), ecg], rate)), hold
    uneven = np.r_[np.full(50, level), np.full(100, level + 1.0), np.full(50, level + 0.5), ecg + 0.5]
    assert not len(calibration_pulses(uneven, rate))
    long = np.tile(ecg, 6)  # a 20-mV knock in a minute of ECG: an artefact far taller than any calibration mark
    long[20000:20100] += 20.0
    assert not len(calibration_pulses(long, rate))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 3000), seed=st.integers(0, 5), rate=st.sampled_from([100.0, 250.0, 500.0]),
       pulses=st.lists(st.tuples(st.integers(0, 2900), st.floats(-3, 3)), max_size=4))
def test_calibration_pulses_contract(n, seed, rate, pulses):
    """Check that any signal (NaN, steps, rectangles anywhere) gives sorted, disjoint ``[start, stop)`` spans
    inside the signal, and that remove_pulses bridges exactly those with the samples around them."""
    x = np.cumsum(np.random.default_rng(seed).normal(0, 0.01, n))
    for at, height in pulses:
        x[at:at + int(0.2 * rate)] += height
    x[::97] = np.nan
    found = calibration_pulses(x, rate)
    assert found.shape[1:] == (2,) and found.dtype == np.int64
    assert np.all(found[:, 0] < found[:, 1]) and np.all(found[:, 0] >= 0) and np.all(found[:, 1] <= n)
    assert np.all(found[1:, 0] > found[:-1, 1])  # apart: the samples around each are outside every other
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bridged, again = remove_pulses(x, rate)
    np.testing.assert_array_equal(again, found)
    inside = np.zeros(n, dtype=bool)
    for a, b in found:
        inside[a:b] = True
        ends = [i for i in (a - 1, b) if 0 <= i < n and np.isfinite(x[i])]
        if ends:  # each half the sample just outside it on that side
            m = (a + b) // 2
            assert np.all(bridged[a:m] == x[ends[0]]) and np.all(bridged[m:b] == x[ends[-1]])
    np.testing.assert_array_equal(bridged[~inside], x[~inside])


def test_the_front_door_reads_no_beat_on_a_pulse_and_names_it_alone():
    """Check a new-user trial's case end to end (a simulated lead with a pulse before it, 500 Hz): no QRS on the
    pulse, the pulse warning, neither 'clipped' nor 'non-finite' about it, and the beats of the same lead with a
    flat lead-in instead of the pulse."""
    rate = 500
    ecg = nk.ecg_simulate(duration=10, sampling_rate=rate, random_state=4)
    signal = np.r_[_pulse(ecg[0], rate), ecg]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = nk_qrs_lstm.ecg_delineate_table(signal, sampling_rate=rate)
    messages = [str(w.message) for w in caught if issubclass(w.category, NKQRSLSTMWarning)]
    assert any("calibration pulse" in m and "0.1-0.3 s" in m for m in messages), messages
    assert not any("clipped" in m or "non-finite" in m for m in messages), messages
    onsets = table["ECG_R_Onsets"].dropna().to_numpy()
    assert len(onsets) and onsets.min() > 0.3 * rate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = nk_qrs_lstm.ecg_delineate_table(np.r_[np.full(int(0.4 * rate), ecg[0]), ecg], sampling_rate=rate)
    for key in ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_T_Offsets"):
        np.testing.assert_array_equal(table[key].to_numpy(float), plain[key].to_numpy(float), err_msg=key)


def test_a_pulse_cut_by_the_lead_start_is_no_beat():
    """Check the documented limit: a pulse whose rising step the lead's start cut off (its first sample already on
    the top) is not found as a pulse, and its falling step is not read as a QRS complex either: the beats are those
    of the same lead with a flat lead-in (R peaks equal; the first onset, of a QRS the lead-in cuts, within 10 ms)."""
    rate = 500
    ecg = nk.ecg_simulate(duration=10, sampling_rate=rate, random_state=4)
    signal = np.r_[np.full(100, ecg[0] + 1.0), np.full(50, ecg[0]), ecg]
    assert not len(calibration_pulses(signal, rate))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = nk_qrs_lstm.ecg_delineate_table(signal, sampling_rate=rate)
        plain = nk_qrs_lstm.ecg_delineate_table(np.r_[np.full(150, ecg[0]), ecg], sampling_rate=rate)
    np.testing.assert_array_equal(table["ECG_R_Peaks"].to_numpy(float), plain["ECG_R_Peaks"].to_numpy(float))
    assert np.nanmax(np.abs(table["ECG_R_Onsets"].to_numpy(float) - plain["ECG_R_Onsets"].to_numpy(float))) <= 5
