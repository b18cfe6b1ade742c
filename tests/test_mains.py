"""Tests of mains-hum detection and removal (nk_qrs_lstm/mains.py) and of the pipeline's use of them."""

import warnings

import neurokit2 as nk
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nk_qrs_lstm
from nk_qrs_lstm import conditioning, pipeline
from nk_qrs_lstm.mains import detect_mains, line_ratio, remove_mains
from nk_qrs_lstm.preprocess import RateMap

SETTINGS = settings(max_examples=12, deadline=None)


def _ecg(rate=500, duration=30, heart_rate=70, seed=0):
    return nk.ecg_simulate(duration=duration, sampling_rate=rate, heart_rate=heart_rate, noise=0.02,
                           random_state=seed)


def _hum(n, rate, freq, amplitude, phase=0.3, harmonics=()):
    t = np.arange(n) / rate
    out = amplitude * np.sin(2 * np.pi * freq * t + phase)
    for k, a in harmonics:
        out += a * np.sin(2 * np.pi * k * freq * t + k * phase)
    return out


@SETTINGS
@given(rate=st.sampled_from([250, 360, 500, 1000]), heart_rate=st.integers(45, 160), seed=st.integers(0, 99))
def test_no_hum_is_found_in_an_ecg_without_it(rate, heart_rate, seed):
    """Check that a simulated ECG and its NeuroKit-cleaned version hold no mains line (a simulated beat repeats so
    regularly that its harmonics are lines too: one near 50 Hz is not alone in its flanks)."""
    ecg = _ecg(rate, heart_rate=heart_rate, seed=seed)
    assert detect_mains(ecg, rate) == ()
    assert detect_mains(nk.ecg_clean(ecg, sampling_rate=rate), rate) == ()


@SETTINGS
@given(rate=st.sampled_from([360, 500, 1000]), nominal=st.sampled_from([50.0, 60.0]),
       drift=st.floats(-0.3, 0.3), amplitude=st.floats(0.02, 1.0))
def test_hum_is_found_at_its_own_frequency(rate, nominal, drift, amplitude):
    """Check that hum of 0.02 mV and more is found within 0.05 Hz of its frequency, the mains drifting by up to
    0.3 Hz, with its second harmonic (100 or 120 Hz, where the model's input ends) where that stands out."""
    ecg = _ecg(rate)
    freq = nominal + drift
    lines = detect_mains(ecg + _hum(len(ecg), rate, freq, amplitude, harmonics=[(2, amplitude / 3)]), rate)
    assert abs(lines[0] - freq) < 0.05
    if 2 * nominal <= 120.0:
        assert len(lines) == 2 and abs(lines[1] - 2 * freq) < 0.1
    else:
        assert len(lines) == 1


@pytest.mark.parametrize("rate, n", [(100, 3000), (500, 1000)])
def test_a_slow_or_short_signal_is_not_judged(rate, n):
    """Check that a signal whose Nyquist band ends before 50 Hz plus the flanks, or shorter than one Welch
    segment, gets no line (no error)."""
    x = _hum(n, rate, 50.0, 1.0) + np.random.default_rng(0).normal(size=n)
    assert detect_mains(x, rate) == ()


def test_line_ratio_of_flat_flanks_is_zero():
    """Check that a spectrum with no power beside the line gives ratio 0 (nothing to compare with)."""
    freq = np.arange(0, 250.25, 0.25)
    power = np.zeros_like(freq)
    power[200] = 1.0
    assert line_ratio(freq, power, 50.0) == (0.0, 0.0, 50.0)


@pytest.mark.parametrize("freq", [50.0, 59.8])
def test_removing_the_hum_restores_the_signal(freq):
    """Check that the notch takes 0.3 mV of hum out to within 1 % of the ECG's range, and changes an ECG without
    hum by less than that (away from the ends)."""
    ecg = _ecg()
    hummed = ecg + _hum(len(ecg), 500, freq, 0.3)
    lines = detect_mains(hummed, 500)
    span = np.ptp(ecg)
    assert np.abs(remove_mains(hummed, 500, lines) - ecg)[1000:-1000].max() < 0.01 * span
    assert np.abs(remove_mains(ecg, 500, lines) - ecg)[1000:-1000].max() < 0.01 * span
    np.testing.assert_array_equal(remove_mains(ecg, 500, ()), ecg)


def test_delineation_under_hum_matches_the_clean_lead():
    """Check that through ecg_delineate a lead with 0.3 mV of 60-Hz hum gets the boundaries of the lead without
    it (within 1 sample on average, every beat found), and no noise warning; without the removal they move."""
    ecg = _ecg(heart_rate=75, seed=3)
    hummed = ecg + _hum(len(ecg), 500, 60.0, 0.3, harmonics=[(2, 0.05)])
    clean = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500)
    with warnings.catch_warnings():
        warnings.simplefilter("error", nk_qrs_lstm.NKQRSLSTMWarning)
        fixed = nk_qrs_lstm.ecg_delineate_table(hummed, sampling_rate=500)
    assert len(fixed) == len(clean)
    keys = ["ECG_P_Onsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets", "ECG_R_Peaks", "ECG_T_Peaks"]
    shift = {k: np.nanmean(np.abs(fixed[k].to_numpy(float) - clean[k].to_numpy(float))) for k in keys}
    assert max(shift.values()) <= 1.0, shift  # the peaks too: they are read on the lead without its hum


def test_delineation_moves_under_hum_without_the_removal(monkeypatch):
    """Check that the test above sees what the removal does: without it, 0.3 mV of hum moves boundaries."""
    ecg = _ecg(heart_rate=75, seed=3)
    hummed = ecg + _hum(len(ecg), 500, 60.0, 0.3, harmonics=[(2, 0.05)])
    clean = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500)
    monkeypatch.setattr(conditioning, "detect_mains", lambda *a, **k: ())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        moved = nk_qrs_lstm.ecg_delineate_table(hummed, sampling_rate=500)
    keys = ["ECG_P_Onsets", "ECG_P_Offsets", "ECG_T_Onsets", "ECG_T_Offsets"]
    n = min(len(moved), len(clean))
    shift = [np.nanmean(np.abs(moved[k].to_numpy(float)[:n] - clean[k].to_numpy(float)[:n])) for k in keys]
    assert len(moved) != len(clean) or max(shift) > 1.0


def test_streamed_blocks_equal_one_block_under_hum():
    """Check that removing the hum block by block gives the one-block probabilities."""
    ecg = _ecg(duration=150, heart_rate=65, seed=5)
    hummed = ecg + _hum(len(ecg), 500, 50.0, 0.2)
    rate_map = RateMap.for_rate(500)
    assert len(conditioning.input_fixes(hummed, 500)["mains_hz"]) == 1
    one, _ = pipeline.predict_proba(hummed, rate_map, block_s=1e9)
    many, _ = pipeline.predict_proba(hummed, rate_map, block_s=20)
    np.testing.assert_allclose(many, one, atol=1e-5)



def test_a_paced_comb_is_not_hum_and_hum_over_it_is():
    """Check that fixed-rate pacing spikes (a comb of lines every 70 / 60 Hz, one of them beside 50 Hz) are not
    taken for hum, and that 0.05 mV of 50-Hz hum over them is found."""
    ecg = _ecg(heart_rate=70, seed=2)
    spikes = np.zeros(len(ecg))
    spikes[np.arange(200, len(ecg), int(500 * 60 / 70))] = 5.0  # 5 mV, one sample, at exactly 70 bpm
    paced = ecg + spikes
    assert detect_mains(paced, 500) == ()
    assert abs(detect_mains(paced + _hum(len(ecg), 500, 50.0, 0.05), 500)[0] - 50.0) < 0.05


def test_hum_late_in_a_long_recording_is_found_and_removed():
    """Check that hum in minutes 6-7 of an 8-min lead (beyond the first 5 minutes the search once read) is found
    and removed: the beats under it keep the hum-free lead's boundaries (within 1 sample on average)."""
    ecg = _ecg(rate=250, duration=480, heart_rate=70, seed=4)
    hum = np.zeros(len(ecg))
    hum[360 * 250 : 420 * 250] = _hum(60 * 250, 250, 50.0, 0.3)
    assert [round(f) for f in detect_mains(ecg + hum, 250)] == [50, 100] or detect_mains(ecg + hum, 250)[0] > 49
    clean = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=250)
    with warnings.catch_warnings():
        warnings.simplefilter("error", nk_qrs_lstm.NKQRSLSTMWarning)
        fixed = nk_qrs_lstm.ecg_delineate_table(ecg + hum, sampling_rate=250)
    inside = lambda t: t[(t["ECG_R_Peaks"] > 361 * 250) & (t["ECG_R_Peaks"] < 419 * 250)].reset_index(drop=True)
    a, b = inside(clean), inside(fixed)
    assert len(a) == len(b) > 60
    for key in ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets", "ECG_R_Peaks"):
        assert np.nanmean(np.abs(a[key].to_numpy(float) - b[key].to_numpy(float))) <= 1.0, key


def test_a_railway_tone_inside_the_ecg_band_is_found_and_warned_about_not_removed(monkeypatch):
    """Check that 0.1 mV of 16.7-Hz railway interference on a real 10-s lead (the bundled LUDB example, lead II) is
    found and warned about with its frequency, but not notched: a notch inside the ECG's band distorts the waves
    (at 16.7 Hz it moved 18 % of the boundaries of leads without the tone by more than 10 ms)."""
    import wfdb

    from nk_qrs_lstm.examples import example_record_path
    from nk_qrs_lstm.mains import detect_tones

    ecg = wfdb.rdrecord(example_record_path(), channel_names=["ii"]).p_signal[:, 0]
    toned = ecg + _hum(len(ecg), 500, 16.7, 0.1)
    assert abs(detect_tones(toned, 500)[0] - 16.7) < 0.05 and detect_mains(toned, 500) == ()
    with pytest.warns(nk_qrs_lstm.NKQRSLSTMWarning, match=r"carries a pure tone at 16\.7 Hz \(railway or other "
                                                         r"interference\) inside the ECG's band: it is not removed"):
        nk_qrs_lstm.ecg_delineate_table(toned, sampling_rate=500)


def test_an_off_nominal_mains_line_is_found_and_removed():
    """Check that hum 1.5 Hz off its nominal 50 Hz (a new-user trial's 51.5 Hz, once missed) is found and removed."""
    ecg = _ecg(heart_rate=66, seed=8)
    assert abs(detect_mains(ecg + _hum(len(ecg), 500, 51.5, 0.2), 500)[0] - 51.5) < 0.05


def test_square_mains_hum_raises_no_noise_warning():
    """Check that square-ish 50-Hz hum (odd harmonics at 150 Hz and up, beyond the model's input) is not called
    muscle noise: its lines and their harmonics are left out of the noise ratio."""
    from nk_qrs_lstm.quality import warn_quality

    ecg = _ecg()
    t = np.arange(len(ecg)) / 500
    square = 0.5 * np.sign(np.sin(2 * np.pi * 50 * t + 0.3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_quality(ecg + square, 500)
    assert not [w for w in caught if "muscle or other noise" in str(w.message)]


def test_front_door_computes_a_leads_spectra_once(monkeypatch):
    """Check that ecg_delineate and delineate_record run the Welch pass over a lead once (the quality check's
    spectra serve the pipeline's mains search), and that nothing is kept between calls."""
    import nk_qrs_lstm
    from nk_qrs_lstm import mains
    from nk_qrs_lstm.examples import example_record_path

    calls = []
    original = mains.stretch_spectra

    def counting(signal, *args, **kwargs):
        calls.append(len(signal))
        return original(signal, *args, **kwargs)

    monkeypatch.setattr(mains, "stretch_spectra", counting)
    ecg = nk.ecg_simulate(duration=70, sampling_rate=500, heart_rate=70, random_state=1)
    nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500)
    assert calls == [len(ecg)]
    nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500)  # a second call computes afresh
    assert len(calls) == 2
    calls.clear()
    nk_qrs_lstm.delineate_record(example_record_path(), leads=["ii", "v5"])
    assert len(calls) == 2  # once per lead
    assert mains._SHARED.get() is None
