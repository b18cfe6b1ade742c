"""Tests of the pacemaker-spike check: nk_qrs_lstm.pacing and quality.warn_pacing."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nk_qrs_lstm
from nk_qrs_lstm import NKQRSLSTMWarning
from nk_qrs_lstm.defaults import PACING_FACTOR, PACING_MIN_BEATS, PACING_WARN_FRACTION, PACING_WINDOW_S
from nk_qrs_lstm.pacing import spiked_beats, step_noise, stimulus_jumps
from nk_qrs_lstm.quality import warn_pacing

RATE = 500


def _beats(n=20, rate=RATE, rr_s=0.8):
    """A QRS-like bump (SD 10 ms) every ``rr_s`` with a P-like one 160 ms before: signal, QRS onsets, offsets."""
    t = np.arange(int((n + 1) * rr_s * rate)) / rate
    peaks = (np.arange(n) + 0.5) * rr_s
    x = sum(np.exp(-0.5 * ((t - p) / 0.01) ** 2) + 0.15 * np.exp(-0.5 * ((t - p + 0.16) / 0.02) ** 2)
            for p in peaks)
    return x, (peaks - 0.03) * rate, (peaks + 0.03) * rate


def _stimulate(x, on, rate, before_s=0.02, height=1.0, decay_s=0.006):
    """A stimulus ``before_s`` before each onset: a jump of ``height`` decaying over ``decay_s`` (a recorder's
    high-pass), as in LUDB's paced records."""
    x = x.copy()
    tail = height * np.exp(-np.arange(int(10 * decay_s * rate) + 1) / (decay_s * rate))
    for o in on:
        i = int(o - before_s * rate)
        x[i:i + len(tail)] += tail[:len(x) - i]
    return x


def test_a_stimulus_is_an_abrupt_step_and_a_qrs_is_not():
    """Check that a stimulus's jump is found at its full height at 250, 500 and 1000 Hz, and that the slopes of
    20-ms-wide QRS and P bumps count for less than a tenth of the QRS height."""
    for rate in (250, 500, 1000):
        x, on, _ = _beats(5, rate)
        assert stimulus_jumps(x, rate).max() < 0.1 * x.max()
        jumps = stimulus_jumps(_stimulate(x, on, rate), rate)
        at = (on - 0.02 * rate).astype(int)
        found = np.flatnonzero(jumps > 0.5)  # within a step (2 ms) of each stimulus, nowhere else
        assert np.all(np.abs(found[:, None] - at[None, :]).min(axis=1) <= 0.002 * rate)
        assert all(jumps[a:a + max(1, int(0.002 * rate)) + 1].max() > 0.9 for a in at)


def test_beats_with_a_stimulus_before_their_qrs_are_spiked_and_only_those():
    """Check a ventricular (20 ms before) and an atrial (250 ms before) stimulus; one 100 ms after the onset, one
    with a NaN onset and an unstimulated beat are not spiked."""
    x, on, off = _beats(6)
    x = _stimulate(x, on[:1], RATE, 0.02)
    x = _stimulate(x, on[1:2], RATE, 0.25)
    x = _stimulate(x, on[2:3], RATE, -0.1)  # after the onset: inside the QRS, not a stimulus before it
    x = _stimulate(x, on[3:4], RATE, 0.02)
    on[3] = np.nan
    assert spiked_beats(x, on, off, RATE).tolist() == [True, True, False, False, False, False]
    assert PACING_WINDOW_S[0] > 0.25 and 0.0 < PACING_WINDOW_S[1] < 0.1


def test_the_threshold_scales_with_the_qrs_amplitude():
    """Check that spikes are judged against the lead's QRS amplitude: the same stimuli count on a 1-mV lead and
    not on a 10-mV one scaled so that the stimuli are below ``PACING_FACTOR`` of it."""
    x, on, off = _beats(8)
    small = 0.5 * PACING_FACTOR  # of the QRS amplitude (about 1)
    assert spiked_beats(_stimulate(x, on, RATE, height=3 * PACING_FACTOR), on, off, RATE).all()
    assert not spiked_beats(_stimulate(x, on, RATE, height=small), on, off, RATE).any()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 600), beats=st.lists(st.one_of(st.floats(-50, 700), st.just(np.nan)), max_size=12),
       width=st.floats(-20, 80), rate=st.sampled_from([100.0, 250.0, 500.0, 1000.0]), seed=st.integers(0, 3))
def test_spiked_beats_contract(n, beats, width, rate, seed):
    """Check that any onsets (NaN, outside the signal, offsets before onsets) give one bool per beat, False where
    the onset is unknown, and that the signal is never changed."""
    x = np.random.default_rng(seed).normal(size=n)
    x[::7] = np.nan if n else x[::7]
    before = x.copy()
    on = np.asarray(beats, dtype=float)
    out = spiked_beats(x, on, on + width, rate)
    assert out.dtype == bool and out.shape == on.shape
    assert not out[~np.isfinite(on)].any()
    np.testing.assert_array_equal(np.isnan(x), np.isnan(before))


def test_a_qrs_found_many_seconds_long_is_measured_in_chunks(monkeypatch):
    """Check that the QRS amplitudes are gathered in chunks when one complex is very wide (a Holter's worth of beats
    and one 'QRS' of 20 s must not gather beats x 20 s samples), with the same answer."""
    from nk_qrs_lstm import pacing

    x, on, off = _beats(40)
    off[5] = on[5] + 20 * RATE  # one absurdly wide complex
    x = _stimulate(x, on[::2], RATE)
    whole = spiked_beats(x, on, off, RATE)
    monkeypatch.setattr(pacing, "_MAX_ELEMENTS", 3 * int(20 * RATE))  # three beats per chunk
    np.testing.assert_array_equal(spiked_beats(x, on, off, RATE), whole)
    assert whole[::2].all() and not whole[1::2].any()


def test_warn_pacing_names_the_share_of_spiked_beats_and_stays_silent_on_sporadic_spikes():
    """Check the lead-level rule: at least ``PACING_WARN_FRACTION`` of the beats spiked warns, two artefact spikes
    do not, nor fewer than ``PACING_MIN_BEATS`` beats."""
    x, on, off = _beats(20)
    k = int(np.ceil(PACING_WARN_FRACTION * 20))
    with pytest.warns(NKQRSLSTMWarning, match=rf"pacemaker's stimuli before {k} of its 20 QRS complexes"):
        warn_pacing(_stimulate(x, on[:k], RATE), RATE, on, off, name="lead 'v1'")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_pacing(_stimulate(x, on[:k - 1], RATE), RATE, on, off)
        warn_pacing(_stimulate(x, on[[3, 11]], RATE), RATE, on, off)
        few = PACING_MIN_BEATS - 1
        warn_pacing(_stimulate(x, on[:few], RATE), RATE, on[:few], off[:few])


def test_pacing_is_not_judged_below_its_minimum_rate():
    """Check that below ``PACING_MIN_RATE`` (where a QRS slope looks as abrupt as a stimulus: sinus leads warned at
    80-150 Hz) no pacing warning is given, even for a lead spiked before every beat."""
    from nk_qrs_lstm.defaults import PACING_MIN_RATE

    x, on, off = _beats(20)
    spiked = _stimulate(x, on, RATE)
    with pytest.warns(NKQRSLSTMWarning, match="pacemaker"):
        warn_pacing(spiked, RATE, on, off)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_pacing(spiked, PACING_MIN_RATE - 1, on, off)


def test_the_front_door_warns_on_a_paced_ecg_and_not_on_the_same_ecg_unpaced():
    """Check ``ecg_delineate`` end to end on a simulated ECG with a 1-ms stimulus 20 ms before every QRS onset the
    package finds (500 Hz): the pacing warning, and none on the same ECG without the stimuli."""
    import neurokit2 as nk

    ecg = nk.ecg_simulate(duration=20, sampling_rate=RATE, heart_rate=70, random_state=3)
    with warnings.catch_warnings(record=True) as calm:
        warnings.simplefilter("always")
        table = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=RATE)
    assert not [w for w in calm if "pacemaker" in str(w.message)]
    on = table["ECG_R_Onsets"].dropna().to_numpy(float)
    paced = _stimulate(ecg, on, RATE, 0.02, height=2.0)
    with pytest.warns(NKQRSLSTMWarning, match="pacemaker"):
        nk_qrs_lstm.ecg_delineate(paced, sampling_rate=RATE)


def test_step_noise_is_the_robust_sd_of_the_steps_and_unit_free():
    """Check that white noise of SD s gives steps of SD s * sqrt(2) at one sample, that a clean lead's is a small
    share of its QRS, and that scaling the lead scales it."""
    noise = np.random.default_rng(1).normal(scale=0.05, size=20_000)
    assert step_noise(noise, RATE) == pytest.approx(0.05 * np.sqrt(2), rel=0.05)
    x, _, _ = _beats(10)
    assert step_noise(x, RATE) < 0.01 * x.max()
    assert step_noise(1000 * (x + noise[:len(x)]), RATE) == pytest.approx(1000 * step_noise(x + noise[:len(x)], RATE))
    assert step_noise(np.ones(1), RATE) == 0.0


@pytest.mark.parametrize("floor", [4.0, 6.0, 8.0])
def test_broadband_noise_on_a_faint_lead_is_not_a_stimulus_with_a_floor(floor):
    """Check that white noise at 15 % of the QRS (steps over 0.3 of it before most beats) spikes most beats
    without a noise floor and none with one, while stimuli three times the QRS's height in the same noise are still
    found before nine beats in ten (the noise makes the step before some of them large: not abrupt)."""
    x, on, off = _beats(20)
    noisy = x + np.random.default_rng(2).normal(scale=0.15, size=len(x))
    assert spiked_beats(noisy, on, off, RATE, noise_floor=None).mean() > PACING_WARN_FRACTION
    assert not spiked_beats(noisy, on, off, RATE, noise_floor=floor).any()
    paced = _stimulate(noisy, on, RATE, height=3.0, decay_s=0.002)
    assert spiked_beats(paced, on, off, RATE, noise_floor=floor).mean() >= 0.9
