"""Rhythm context for P presence: the P coherence of the signal and the gate that uses it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nk_qrs_lstm.boundaries import delineate_proba
from nk_qrs_lstm.defaults import ECTOPIC_MIN_LIKENESS, ECTOPIC_RR_RATIO, GATE_COHERENT_HEIGHT, GATE_MIN_COHERENCE
from nk_qrs_lstm.ectopic import ectopic_beats, qrs_likeness
from nk_qrs_lstm.rhythm import bigeminal_beats, p_coherence, rhythm_gate

RATE = 250.0


def _onsets(n_beats, rr_s=0.8, jitter_s=0.0, seed=0):
    rng = np.random.default_rng(seed)
    rr = rr_s + rng.uniform(-jitter_s, jitter_s, n_beats)
    return np.round(RATE + np.cumsum(rr * RATE)).astype(float)


def _p_waves(on, n, amplitude=0.1, pr_s=0.15, width_s=0.025):
    t = np.arange(n)
    out = np.zeros(n)
    for o in on:
        out += amplitude * np.exp(-0.5 * ((t - (o - pr_s * RATE)) / (width_s * RATE)) ** 2)
    return out


def _fibrillation(n, seed=0):
    """Fibrillatory waves: 4-9 Hz oscillation whose frequency and phase wander."""
    rng = np.random.default_rng(seed)
    freq = np.clip(6.5 + np.cumsum(rng.normal(0, 0.05, n)), 4, 9)
    return 0.08 * np.sin(2 * np.pi * np.cumsum(freq) / RATE + rng.uniform(0, 2 * np.pi))


def test_repeated_p_waves_are_coherent_and_noise_or_fibrillation_is_not():
    """Check that a P wave repeated before each QRS reads as coherent, even in noise, and f-waves do not."""
    on = _onsets(14, jitter_s=0.15)
    n = int(on[-1]) + 100
    noise = np.random.default_rng(1).normal(0, 0.02, n)
    assert np.nanmin(p_coherence(_p_waves(on, n) + noise, on, RATE)) > 0.6
    assert np.nanmax(np.abs(p_coherence(noise, on, RATE))) < GATE_MIN_COHERENCE
    assert np.nanmedian(p_coherence(_fibrillation(n) + noise, on, RATE)) < GATE_MIN_COHERENCE


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(0.01, 100), offset=st.floats(-10, 10), slope=st.floats(-1e-3, 1e-3),
       seed=st.integers(0, 10_000))
def test_p_coherence_ignores_gain_offset_and_drift_and_stays_a_correlation(scale, offset, slope, seed):
    """Check the contract: a mean correlation in [-1, 1] that a gain, an offset or a linear drift do not change
    (to 1e-5: the band-passed view is filtered in floating point)."""
    on = _onsets(12, jitter_s=0.2, seed=seed)
    n = int(on[-1]) + 50
    x = _p_waves(on, n) + np.random.default_rng(seed).normal(0, 0.05, n)
    base = p_coherence(x, on, RATE)
    moved = p_coherence(scale * x + offset + slope * np.arange(n), on, RATE)
    np.testing.assert_allclose(moved, base, atol=1e-5)
    assert np.all((base[np.isfinite(base)] >= -1 - 1e-9) & (base[np.isfinite(base)] <= 1 + 1e-9))


def test_p_coherence_is_nan_without_enough_whole_stretches():
    """Check that beats too close to the start (stretch cut), too few beats or a flat signal give NaN, not 0."""
    on = np.array([10.0, 300.0, 600.0])  # the first stretch would start before the signal
    x = _p_waves(on, 800)
    assert np.isnan(p_coherence(x, on, RATE)).all()  # two whole stretches: fewer than GATE_MIN_BEATS
    on = _onsets(8)
    assert np.isnan(p_coherence(np.zeros(int(on[-1]) + 10), on, RATE)).all()
    assert p_coherence(np.zeros(100), np.zeros(0), RATE).shape == (0,)


def test_gate_refuses_regular_fixed_distance_bumps_only_where_no_atrial_wave_repeats():
    """Check the AF-under-pacing case: regular RR, bumps at a fixed distance, middling height.

    Without the signal the gate keeps them (they look like faint sinus P waves); with a signal whose
    stretches before the QRS are uncorrelated it refuses them, unless their mean height reaches
    GATE_COHERENT_HEIGHT.
    """
    on = _onsets(12)
    peak = on - 0.1 * RATE
    height = np.full(len(on), 0.7)
    assert rhythm_gate(on, height, peak, RATE)[0].all()
    incoherent = np.full(len(on), 0.02)
    allow, evidence = rhythm_gate(on, height, peak, RATE, coherence=incoherent)
    assert not allow.any()
    np.testing.assert_array_equal(evidence["p_coherence"], incoherent)
    tall = np.full(len(on), GATE_COHERENT_HEIGHT + 0.05)
    assert rhythm_gate(on, tall, peak, RATE, coherence=incoherent)[0].all()
    assert rhythm_gate(on, height, peak, RATE, coherence=np.full(len(on), np.nan))[0].all()  # no evidence


def _track(on, n, p_height):
    """Probabilities: QRS runs of 25 samples from each onset, a P bump of ``p_height`` 25 samples before."""
    t = np.arange(n)
    p = np.zeros((n, 4))
    for o in on.astype(int):
        p[o : o + 25, 2] = 1.0
        p[:, 1] = np.maximum(p[:, 1], p_height * np.exp(-0.5 * ((t - (o - 25)) / 5.0) ** 2))
    p[p[:, 2] > 0, 1] = 0
    p[:, 0] = 1 - p[:, 1:].sum(axis=1)
    return p


def test_decoding_with_the_signal_drops_p_waves_the_atria_do_not_repeat():
    """Check end to end (probabilities + signal -> table): the same P bumps are kept over repeated P waves and
    dropped over fibrillation."""
    on = _onsets(12)
    n = int(on[-1]) + 200
    proba = _track(on, n, 0.7)
    noise = np.random.default_rng(2).normal(0, 0.01, n)
    sinus = delineate_proba(proba, np.zeros(n), RATE, x=_p_waves(on, n) + noise)
    fib = delineate_proba(proba, np.zeros(n), RATE, x=_fibrillation(n) + noise)
    blind = delineate_proba(proba, np.zeros(n), RATE)
    assert np.isfinite(sinus["ECG_P_Onsets"]).mean() > 0.8
    assert np.isfinite(blind["ECG_P_Onsets"]).mean() > 0.8
    assert np.isfinite(fib["ECG_P_Onsets"]).sum() == 0


def test_one_premature_beat_or_pause_keeps_faint_sinus_p_waves_and_fibrillation_does_not():
    """Check the RR arm counts irregular beats: faint sinus P waves (weak evidence, fixed PR) stay allowed around
    one premature beat or one pause (two large RR changes among small ones), while an RR that changes at most beats
    (fibrillation) refuses the same weak bumps."""
    rng = np.random.default_rng(4)
    rr = RATE * (0.9 + rng.normal(0, 0.015, 24))  # sinus rhythm: small beat-to-beat changes
    on = np.cumsum(rr)
    height = np.full(len(on), 0.4)  # faint P waves, below GATE_MIN_HEIGHT
    assert rhythm_gate(on, height, on - 40, RATE)[0].all()
    early = on.copy()
    early[12] -= 0.3 * rr[12]  # a premature beat, without P
    h = height.copy()
    h[12] = 0.05
    allow, evidence = rhythm_gate(early, h, early - 40, RATE)
    assert allow.all() and np.nanmax(evidence["rr_irregular_fraction"]) <= 0.35
    pause = np.delete(on, 12)
    assert rhythm_gate(pause, np.delete(height, 12), pause - 40, RATE)[0].all()
    fibrillation = np.cumsum(RATE * rng.uniform(0.5, 1.2, 24))
    assert not rhythm_gate(fibrillation, height, fibrillation - 40, RATE)[0][4:-4].any()


def test_the_sinus_beats_of_ventricular_bigeminy_keep_their_p_waves():
    """Check that in bigeminy (every other beat premature, without P) the sinus beats' clear P waves are kept, though
    the stretch's mean P height halves and every RR changes; a faint one there is still refused."""
    on = np.cumsum(np.tile([0.6, 1.1], 12) * RATE)
    allow, _ = rhythm_gate(on, np.tile([0.99, 0.05], 12), on - 40, RATE)
    assert allow[::2].all() and not allow[1::2][2:-2].any()
    assert not rhythm_gate(on, np.tile([0.5, 0.05], 12), on - 40, RATE)[0][::2][2:-2].any()


def test_p_coherence_sees_p_waves_through_mains_hum_and_muscle_noise():
    """Check that P waves repeating before every QRS keep a high coherence under 50-Hz hum and 20-120 Hz noise
    larger than the P waves (unfiltered, the noise made every stretch unlike the others and the gate refused the
    P waves of whole leads), while irregular atrial activity stays incoherent."""
    from scipy.signal import butter, sosfiltfilt

    from nk_qrs_lstm.defaults import GATE_MIN_COHERENCE
    from nk_qrs_lstm.rhythm import p_coherence

    rate, rng = 250.0, np.random.default_rng(0)
    t = np.arange(int(12 * rate)) / rate
    on = np.round((1.0 + np.cumsum(0.8 + rng.uniform(-0.03, 0.03, 13))) * rate)  # the hum's phase varies by beat
    p_waves = 0.1 * np.exp(-(((t[:, None] - (on / rate - 0.15)) / 0.025) ** 2)).sum(axis=1)
    emg = sosfiltfilt(butter(4, (20.0, 120.0), btype="bandpass", fs=rate, output="sos"), rng.normal(size=len(t)))
    noise = 0.15 * np.sin(2 * np.pi * 50.0 * t) + 0.05 * emg / emg.std()
    assert np.nanmedian(p_coherence(p_waves + noise, on, rate, band_hz=None)) < GATE_MIN_COHERENCE
    assert np.nanmedian(p_coherence(p_waves + noise, on, rate)) > 0.8
    fibrillation = 0.1 * sosfiltfilt(butter(2, (4.0, 9.0), btype="bandpass", fs=rate, output="sos"),
                                     rng.normal(size=len(t)))
    assert np.nanmedian(p_coherence(fibrillation + noise, on, rate)) < GATE_MIN_COHERENCE


def _qrs_signal(on, n, shapes, seed=0):
    """A signal with a QRS after each onset: ``"n"`` a narrow upright spike, ``"v"`` a wide, deep, notched complex
    (a ventricular beat), plus faint noise."""
    t = np.arange(n)
    x = np.random.default_rng(seed).normal(0, 0.005, n)
    for o, shape in zip(on, shapes):
        if shape == "n":
            x += np.exp(-0.5 * ((t - o - 10) / 2.5) ** 2)
        else:
            x += -1.2 * np.exp(-0.5 * ((t - o - 14) / 6.0) ** 2) + 0.5 * np.exp(-0.5 * ((t - o - 30) / 4.0) ** 2)
    return x


def _with_premature(kinds):
    """Onsets of sinus beats every 0.8 s with premature beats (0.5 s after the previous one) where ``kinds`` says
    ``"v"`` (ventricular) or ``"a"`` (atrial, the QRS of the others); the sinus rhythm resumes after a full pause."""
    on, t = [], RATE
    for kind in kinds:
        t += (0.5 if kind in "va" else 0.8) * RATE
        on.append(t)
    return np.array(on)


def test_qrs_likeness_tells_ventricular_beats_from_conducted_ones_whatever_the_gain():
    """Check that a beat's QRS likeness to its neighbours is near 1 for beats of their shape (also an atrial premature
    beat, also under a gain and an offset) and below the ectopic threshold for a ventricular beat."""
    kinds = list("nnnnnannnnvnnnnn")
    on = _with_premature(kinds)
    n = int(on[-1]) + 200
    x = _qrs_signal(on, n, ["v" if k == "v" else "n" for k in kinds])
    like = qrs_likeness(x, on, RATE)
    np.testing.assert_allclose(qrs_likeness(3 * x + 7, on, RATE), like, atol=1e-9)
    assert like[kinds.index("v")] < ECTOPIC_MIN_LIKENESS
    assert np.all(np.delete(like, kinds.index("v")) > 0.9)


def test_ectopic_beats_are_premature_and_unlike_their_neighbours():
    """Check each condition: a premature beat of the usual shape (atrial) and a late beat of another shape (escape,
    fusion) keep their P waves; only a premature beat of another shape is ectopic; fewer beats than the gate's
    minimum judge nothing."""
    on = _with_premature(list("nnnnanvnnnn"))
    like = np.full(len(on), 0.95)
    like[[6, 8]] = 0.1  # beat 6: premature and unlike; beat 8: unlike, on time
    assert np.flatnonzero(ectopic_beats(on, like, RATE)).tolist() == [6]
    assert not ectopic_beats(on, like, RATE, rr_ratio=0.5).any()  # 0.5 s / 0.8 s = 0.63: not premature enough
    assert np.flatnonzero(ectopic_beats(on, like, RATE, rr_ratio=ECTOPIC_RR_RATIO, min_likeness=0.05)).size == 0
    assert not ectopic_beats(on[5:7], like[5:7], RATE).any()
    assert ectopic_beats(on[:0], like[:0], RATE).shape == (0,)


def test_a_wide_premature_beat_without_a_p_bump_is_ectopic_even_of_the_usual_shape():
    """Check trial 30's case: premature complexes of the sinus beats' shape (likeness 0.86) but 1.5x wider, in
    bigeminy (half the context), have no P of their own unless a clear P bump leads them (an aberrant atrial beat);
    narrow premature beats, and wide on-time beats (a bundle-branch block conducting every beat), keep theirs."""
    on = _with_premature(list("nvnvnvnvnvnvn"))
    premature = np.arange(len(on)) % 2 == 1
    like = np.full(len(on), 0.86)
    width = np.where(premature, 36.0, 24.0)  # samples: 144 vs 96 ms at 250 Hz
    weak = np.where(premature, 0.07, 0.99)
    assert np.array_equal(ectopic_beats(on, like, RATE, width=width, p_height=weak), premature)
    assert not ectopic_beats(on, like, RATE).any()  # likeness alone: none
    assert not ectopic_beats(on, like, RATE, width=width, p_height=np.full(len(on), 0.9)).any()  # clear P bumps
    assert not ectopic_beats(on, like, RATE, width=np.full(len(on), 24.0), p_height=weak).any()  # narrow
    regular = _with_premature(list("nnnnnnnnnnn"))
    assert not ectopic_beats(regular, np.full(len(regular), 0.86), RATE, width=np.full(len(regular), 40.0),
                             p_height=np.zeros(len(regular))).any()  # wide but on time
    with pytest.raises(ValueError, match=r"width and p_height have 3 and 13 values, must have one per beat \(13\)"):
        ectopic_beats(on, like, RATE, width=width[:3], p_height=weak)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.3, 2.0), min_size=0, max_size=40), st.integers(0, 10_000))
def test_ectopic_beats_contract(rr_s, seed):
    """Check on any rhythm that the answer is one boolean per beat, that a beat judged ectopic is premature
    and unlike its context, and that raising the likeness needed never frees a beat."""
    on = RATE + np.cumsum(np.array(rr_s) * RATE)
    like = np.random.default_rng(seed).uniform(-1, 1, len(on))
    out = ectopic_beats(on, like, RATE)
    assert out.shape == on.shape and out.dtype == bool
    assert np.all(like[out] < ECTOPIC_MIN_LIKENESS)
    assert np.all(out <= ectopic_beats(on, like, RATE, min_likeness=0.9))
    rng = np.random.default_rng(seed + 1)
    width, height = rng.uniform(15, 45, len(on)), rng.uniform(0, 1, len(on))
    wide = ectopic_beats(on, like, RATE, width=width, p_height=height)
    assert np.all(out <= wide)  # the width arm only adds beats, each with a weak P bump
    assert np.all(height[wide & ~out] < 0.3)


def test_decoding_drops_the_faint_p_bump_before_a_ventricular_premature_beat_only():
    """Check end to end (probabilities + signal -> table): the faint P bump the network puts before a premature
    ventricular beat is not reported, while the sinus beats and a premature atrial beat keep theirs (a faint bump
    before a premature beat of the usual shape is a P wave)."""
    kinds = list("nnnnnnannnnnvnnnnnn")
    on = _with_premature(kinds)
    n = int(on[-1]) + 200
    proba = _track(on, n, 0.9)
    t = np.arange(n)
    for i in (kinds.index("a"), kinds.index("v")):  # faint bumps before both premature beats
        proba[:, 1] = np.where(np.abs(t - on[i] + 25) < 15, 0.04 * np.exp(-0.5 * ((t - on[i] + 25) / 5.0) ** 2),
                               proba[:, 1])
    proba[:, 0] = 1 - proba[:, 1:].sum(axis=1)
    x = _qrs_signal(on, n, ["v" if k == "v" else "n" for k in kinds]) + _p_waves(on, n, amplitude=0.05)
    table = delineate_proba(proba, np.zeros(n), RATE, x=x, evidence=True)
    has_p = np.isfinite(table["ECG_P_Onsets"])
    assert table["evidence_ectopic"].tolist() == [k == "v" for k in kinds]
    assert not has_p[kinds.index("v")] and has_p[kinds.index("a")]
    # the user's rhythm_gate=False leaves out the rhythm gate, not this rule (a review found it did both)
    ungated = np.isfinite(delineate_proba(proba, np.zeros(n), RATE, x=x, apply_rhythm_gate=False)["ECG_P_Onsets"])
    assert not ungated[kinds.index("v")] and ungated[kinds.index("a")]
    assert has_p[[i for i, k in enumerate(kinds) if k == "n"]][1:].all()
    blind = delineate_proba(proba, np.zeros(n), RATE, evidence=True)  # without the signal: not judged
    assert not blind["evidence_ectopic"].any()


def _knocks(x, on, beats, mv=3.0, seed=0):
    """``x`` with a loud, smooth excursion (an electrode knock and a filter's ringing) over the P stretch of ``beats``."""
    rng = np.random.default_rng(seed)
    y = x.copy()
    length = int(0.3 * RATE)
    t = np.arange(length) / RATE
    for b in beats:  # ringing of its own frequency and phase each time
        at = int(on[b]) - length
        y[at : at + length] += mv * np.hanning(length) * np.sin(2 * np.pi * rng.uniform(2, 6) * t + rng.uniform(0, 6))
    return y


def test_loud_stretches_are_left_out_of_the_coherence_and_fibrillation_stays_incoherent():
    """Check energy_ratio: a few beats whose P stretch motion made many times louder than the others' no longer pull
    a sinus rhythm's coherence down (towards the gate's threshold, where the noise of a device does the rest), while
    fibrillatory waves, of one size throughout, stay incoherent; the median energy is each beat's context's (a lead
    twice as loud later on loses no stretch)."""
    on = _onsets(16, jitter_s=0.05, seed=2)
    n = int(on[-1]) + 100
    noise = np.random.default_rng(3).normal(0, 0.01, n)
    knocked = _knocks(_p_waves(on, n) + noise, on, beats=[3, 7, 8, 12])
    clean = np.nanmedian(p_coherence(_p_waves(on, n) + noise, on, RATE))
    assert np.nanmedian(p_coherence(knocked, on, RATE, energy_ratio=None)) < 0.6 * clean
    assert np.nanmin(p_coherence(knocked, on, RATE)) > 0.9 * clean  # the shipped GATE_COHERENCE_ENERGY_RATIO
    fib = _fibrillation(n) + noise
    np.testing.assert_allclose(p_coherence(fib, on, RATE), p_coherence(fib, on, RATE, energy_ratio=None), atol=0.05)
    long_on = np.concatenate([on, on + n])
    louder = np.concatenate([_p_waves(on, n) + noise, 2 * (_p_waves(on, n) + noise)])
    assert np.nanmin(p_coherence(louder, long_on, RATE, energy_ratio=3.0)) > 0.6  # no stretch of the loud half lost


def test_p_coherence_detrend_takes_out_a_curved_baseline():
    """Check detrend: a parabola in every P stretch (a slow swing) is taken out with degree 2, not with degree 1."""
    on = _onsets(12, jitter_s=0.2, seed=5)
    n = int(on[-1]) + 50
    rng = np.random.default_rng(6)
    curve = np.zeros(n)
    length = int(0.3 * RATE)
    t = np.arange(length) / RATE
    for o in on:  # a different curvature before each beat: unlike stretches unless it is taken out
        curve[int(o) - length : int(o)] += rng.uniform(-2, 2) * (t - t.mean()) ** 2 * 40
    x = _p_waves(on, n) + curve + rng.normal(0, 0.005, n)
    assert np.nanmedian(p_coherence(x, on, RATE, detrend=2, band_hz=None)) > 0.8
    assert np.nanmedian(p_coherence(x, on, RATE, detrend=1, band_hz=None)) < 0.5


def test_rr_changes_around_an_unlike_qrs_are_not_counted():
    """Check likeness / min_likeness: regular beats with faint P waves and two complexes motion invented between them
    (unlike the others) read as irregular and are refused when every RR change counts, and are allowed when the
    changes around the unlike complexes are left out; fibrillation (alike QRS complexes) is refused either way."""
    on = np.cumsum(np.full(20, 0.8 * RATE))
    extra = np.array([on[5] + 0.3 * RATE, on[13] + 0.45 * RATE])  # two invented complexes
    both = np.sort(np.concatenate([on, extra]))
    unlike = np.isin(both, extra)
    likeness = np.where(unlike, 0.05, 0.95)
    height = np.where(unlike, 0.05, 0.5)  # faint P waves, below GATE_MIN_HEIGHT
    assert not rhythm_gate(both, height, both - 40, RATE)[0].all()
    allow, evidence = rhythm_gate(both, height, both - 40, RATE, likeness=likeness, min_likeness=0.4)
    assert allow[~unlike].all() and np.nanmax(evidence["rr_irregular_fraction"]) == 0
    fibrillation = np.cumsum(RATE * np.random.default_rng(7).uniform(0.5, 1.2, 24))
    refused = ~rhythm_gate(fibrillation, np.full(24, 0.4), fibrillation - 40, RATE, likeness=np.full(24, 0.95),
                           min_likeness=0.4)[0]
    assert refused[4:-4].all()


def test_a_coherent_atrial_wave_overrules_the_rr_arm_only_where_asked():
    """Check coherent_override: faint P bumps at an irregular RR are refused by the RR arm; where the stretches before
    the QRS complexes repeat a wave (coherence at or above the override) they are kept, and where they do not
    (fibrillation: coherence under GATE_MIN_COHERENCE) they stay refused; None leaves the RR arm as it is."""
    on = np.cumsum(RATE * np.random.default_rng(8).uniform(0.5, 1.2, 24))
    height = np.full(24, 0.4)
    coherent, incoherent = np.full(24, 0.6), np.full(24, 0.05)
    assert not rhythm_gate(on, height, on - 40, RATE, coherence=coherent, coherent_override=None)[0][4:-4].any()
    assert rhythm_gate(on, height, on - 40, RATE, coherence=coherent, coherent_override=0.5)[0].all()
    assert not rhythm_gate(on, height, on - 40, RATE, coherence=incoherent, coherent_override=0.5)[0][4:-4].any()


def test_sway_view_sees_p_waves_through_continuous_sway_and_not_fibrillation():
    """Check sway_share: P waves under continuous 1-3 Hz sway (a walking subject) read as incoherent without the sway
    view and coherent with it, while fibrillatory waves under the same sway stay incoherent; the view is taken only
    where the stretches' energy lies mostly below its band (sway), so 20-120 Hz noise alone does not bring it in."""
    from scipy.signal import butter, sosfiltfilt

    on = _onsets(16, jitter_s=0.05, seed=7)
    n = int(on[-1]) + 100
    t = np.arange(n) / RATE
    sway = 0.15 * np.sin(2 * np.pi * 1.3 * t + 0.4) + 0.15 * np.sin(2 * np.pi * 2.4 * t + 1.0)
    noise = np.random.default_rng(8).normal(0, 0.005, n)
    swaying = _p_waves(on, n) + sway + noise
    assert np.nanmedian(p_coherence(swaying, on, RATE, sway_share=None)) < GATE_MIN_COHERENCE + 0.3
    assert np.nanmedian(p_coherence(swaying, on, RATE, sway_share=0.3)) > 0.8
    fib = _fibrillation(n, seed=9) + sway + noise
    assert np.nanmedian(p_coherence(fib, on, RATE, sway_share=0.3)) < GATE_MIN_COHERENCE
    emg = sosfiltfilt(butter(4, (20.0, 120.0), btype="bandpass", fs=RATE, output="sos"),
                      np.random.default_rng(10).normal(size=n))
    noisy = _fibrillation(n, seed=11) + 0.1 * emg / emg.std()
    np.testing.assert_array_equal(p_coherence(noisy, on, RATE, sway_share=0.3),
                                  p_coherence(noisy, on, RATE, sway_share=None))


def test_rr_changes_around_ectopic_beats_do_not_refuse_the_sinus_beats_p_waves():
    """Check that ventricular bigeminy (RR alternating 0.6 / 1.2 s, every other beat a premature beat unlike its
    neighbours) does not make the RR arm refuse the faint P waves of the sinus beats when the ectopic beats are
    given (trial 25: sinus P kept 71 -> 93 % on LUDB validation leads with spliced PVCs), and does without them."""
    rr = np.tile([150.0, 300.0], 10)
    on = np.cumsum(rr) + 100
    odd = np.arange(20) % 2 == 1
    height = np.where(odd, np.nan, 0.2)
    assert not rhythm_gate(on, height, on - 30, rate=250)[0].any()
    assert rhythm_gate(on, height, on - 30, rate=250, ectopic=odd)[0].all()


def test_bigeminy_is_told_from_fibrillation_and_silences_the_rr_arm():
    """Check that an RR alternating short / long (atrial bigeminy, coupling varying from beat to beat; trial 27) is
    bigeminal and keeps its faint P waves, while an RR drawn at random (fibrillation) or a regular one is not
    bigeminal and the same faint bumps are refused in fibrillation."""
    rng = np.random.default_rng(7)
    short = rng.uniform(0.62, 0.8, 12)
    on = np.cumsum(np.column_stack([short, np.full(12, 1.05)]).ravel() * RATE)
    height = np.full(len(on), 0.4)
    bigeminal = bigeminal_beats(on, RATE)
    assert bigeminal.all()
    assert not rhythm_gate(on, height, on - 40, RATE)[0][2:-2].any()
    assert rhythm_gate(on, height, on - 40, RATE, bigeminal=bigeminal)[0].all()
    assert not bigeminal_beats(np.cumsum(np.full(24, 0.8 * RATE)), RATE).any()
    for seed in range(20):
        fibrillation = np.cumsum(RATE * np.random.default_rng(seed).uniform(0.5, 1.2, 40))
        bigeminal = bigeminal_beats(fibrillation, RATE)
        assert bigeminal.mean() < 0.2
        allow = rhythm_gate(fibrillation, np.full(40, 0.4), fibrillation - 40, RATE, bigeminal=bigeminal)[0]
        assert allow[6:-6].mean() < 0.2


@settings(max_examples=30, deadline=None)
@given(rr=st.lists(st.floats(0.3, 12.0), min_size=0, max_size=30), fraction=st.one_of(st.none(), st.floats(0, 1)))
def test_bigeminal_beats_contract(rr, fraction):
    """Check the contract: one boolean per beat, none without a fraction or with fewer than 4 beats, whatever the
    pauses (a beat alone in its context: the sweep's fuzz found an index out of range there)."""
    on = np.cumsum(np.asarray(rr, dtype=float) * RATE)
    out = bigeminal_beats(on, RATE, min_fraction=fraction)
    assert out.shape == on.shape and out.dtype == bool
    if fraction is None or len(on) < 4:
        assert not out.any()


def test_alternating_p_waves_are_coherent_among_alternate_beats_and_fibrillation_is_not():
    """Check that P waves alternating upright / inverted (atrial bigeminy with PACs of another focus; trial 27) read
    as coherent with ``alternate=True`` (each stretch also compared with every other beat's) and not without, and
    fibrillation stays incoherent either way."""
    on = _onsets(16, rr_s=0.8)
    n = int(on[-1]) + 100
    noise = np.random.default_rng(2).normal(0, 0.01, n)
    sign = np.where(np.arange(len(on)) % 2 == 0, 1.0, -1.0)
    x = sum(s * _p_waves(on[i : i + 1], n) for i, s in enumerate(sign)) + noise
    assert np.nanmax(p_coherence(x, on, RATE)) < GATE_MIN_COHERENCE
    assert np.nanmin(p_coherence(x, on, RATE, alternate=True)) > 0.6
    f = _fibrillation(n) + noise
    assert np.nanmedian(p_coherence(f, on, RATE, alternate=True)) < GATE_MIN_COHERENCE
    # the same as before wherever the P waves do not alternate
    same = _p_waves(on, n) + noise
    np.testing.assert_allclose(p_coherence(same, on, RATE, alternate=True), p_coherence(same, on, RATE), atol=0.05)


def test_trigeminy_of_wide_complexes_of_the_sinus_shape_keeps_the_sinus_p_waves():
    """Check end to end trial 30's case: every third beat a premature complex of the sinus beats' shape (likeness
    high) but 1.5 times as wide, with a weak P bump (0.1); the sinus beats' faint P bumps (0.5) were refused by the RR
    arm (every third RR changes twice); the wide premature beats now leave their RR changes out. Their own weak bump
    is still reported as a P wave: refusing it took aberrant atrial beats' P waves on QTDB (docs/decoding.md)."""
    kinds = list("nnv" * 10)
    on = _with_premature(kinds)
    n = int(on[-1]) + 200
    proba = _track(on, n, 0.5)
    t = np.arange(n)
    wide = np.array([k == "v" for k in kinds])
    for o in on[wide].astype(int):
        proba[o + 25 : o + 38, 2], proba[o + 25 : o + 38, 1] = 1.0, 0.0  # 150 ms instead of 100 ms
        proba[:, 1] = np.where(np.abs(t - o + 25) < 15, 0.2 * proba[:, 1], proba[:, 1])  # a weak P bump (0.1)
    proba[:, 0] = 1 - proba[:, 1:].sum(axis=1)
    x = np.random.default_rng(0).normal(0, 0.005, n) + _p_waves(on[~wide], n, amplitude=0.1)
    for o, w in zip(on, np.where(wide, 1.5, 1.0)):  # one QRS shape, stretched in the wide beats
        x += np.exp(-0.5 * ((t - o - 10 * w) / (2.5 * w)) ** 2)
    table = delineate_proba(proba, np.zeros(n), RATE, x=x, evidence=True)
    assert not table["evidence_ectopic"].any()  # of the sinus shape: the likeness rule sees nothing
    assert table["evidence_wide_premature"].tolist() == wide.tolist()
    has_p = np.isfinite(table["ECG_P_Onsets"])
    assert has_p[~wide][2:-2].all()
    assert has_p[wide].all() and (table["evidence_p_height"][wide] < 0.3).all()
