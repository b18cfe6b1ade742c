"""Tests of nk_qrs_lstm.decoding: P and T waves read off their own probability."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nk_qrs_lstm.boundaries import delineate_proba, segments
from nk_qrs_lstm.decoding import decode_beats, strongest_bump
from nk_qrs_lstm.rhythm import rhythm_gate
from nk_qrs_lstm.defaults import BEAT_KEYS, BEAT_ORDER, BLOCK_MARGIN_S, CONFIDENCE_KEYS, P_LEVEL, P_POWER

RATE = 250


def _evidence(n, p=0.9, r=0.9, t=0.9):
    """Decoder evidence of ``n`` beats with P and T found and these peak heights (arrays or numbers)."""
    return {"p_found": np.ones(n, dtype=bool), "t_found": np.ones(n, dtype=bool), "p_height": np.broadcast_to(p, n),
            "r_height": np.broadcast_to(r, n), "t_height": np.broadcast_to(t, n)}


def _track(n, qrs_at, p_at=(), p_height=0.2, t_delay=0.30, p_width=0.10):
    """Probabilities at 250 Hz: crisp QRS (80 ms) and T (160 ms) runs, Gaussian P bumps of ``p_height``.

    ``qrs_at`` and ``p_at`` are sample positions (QRS onsets and P centres).
    """
    x = np.arange(n)
    p = np.zeros((n, 4))
    for centre in p_at:
        p[:, 1] = np.maximum(p[:, 1], p_height * np.exp(-0.5 * ((x - centre) / (p_width * RATE / 4)) ** 2))
    for on in qrs_at:
        p[on : on + 20] = [0, 0, 1, 0]
        t0 = on + int(t_delay * RATE)
        p[t0 : t0 + 40] = [0, 0, 0, 1]
    p[:, 0] = 1 - p[:, 1:].sum(axis=1)
    return p


def test_faint_p_bump_below_background_is_found():
    """Check that a P bump of height 0.2, never the argmax, gives a P wave in every beat, limits at the set level."""
    qrs = np.arange(100, 2400, 200)  # 75 bpm
    centres = qrs - 40  # P peak 160 ms before the QRS
    p = _track(2500, qrs, centres, p_height=0.2)
    signal = np.zeros(2500)
    argmax = delineate_proba(p, signal, RATE, decoder="argmax")
    assert np.all(np.isnan(argmax["ECG_P_Onsets"]))
    table = delineate_proba(p, signal, RATE)
    assert np.all(np.isfinite(table["ECG_P_Onsets"]))
    # limits where the Gaussian (SD 6.25 samples) falls to P_LEVEL * 0.2 ** P_POWER of its height
    reach = [6.25 * np.sqrt(-2 * np.log(lv * 0.2**pw)) for lv, pw in zip(P_LEVEL, P_POWER)]
    np.testing.assert_allclose(table["ECG_P_Onsets"], centres - reach[0] + 0.5, atol=1)
    np.testing.assert_allclose(table["ECG_P_Offsets"], centres + reach[1] - 0.5, atol=1)


def test_p_bumps_in_an_irregular_af_like_stretch_are_refused():
    """Check that weak P bumps at random distances before irregular QRS complexes are refused, and the same
    bumps at a fixed PR interval before regular complexes are kept."""
    rng = np.random.default_rng(0)
    rr = rng.uniform(0.4, 1.1, 14) * RATE
    qrs = (100 + np.concatenate([[0], np.cumsum(rr)])).astype(int)
    pr = rng.uniform(0.06, 0.32, len(qrs)) * RATE
    p = _track(qrs[-1] + 300, qrs, qrs - pr, p_height=0.35, p_width=0.06)
    table = delineate_proba(p, np.zeros(len(p)), RATE)
    assert np.isfinite(table["ECG_R_Onsets"]).sum() == len(qrs)
    assert np.all(np.isnan(table["ECG_P_Onsets"]))
    # sinus rhythm with the same weak bumps: kept
    qrs = np.arange(100, 3000, 200)
    p = _track(3200, qrs, qrs - 40, p_height=0.35, p_width=0.06)
    table = delineate_proba(p, np.zeros(len(p)), RATE)
    assert np.all(np.isfinite(table["ECG_P_Onsets"]))


def test_rhythm_gate_keeps_strong_p_waves_whatever_the_rhythm():
    """Check that strong P evidence is never refused, even with irregular RR and a varying PR interval."""
    rng = np.random.default_rng(1)
    on = np.cumsum(rng.uniform(0.4, 1.2, 20) * RATE)
    peak = on - rng.uniform(0.05, 0.3, 20) * RATE
    allow, evidence = rhythm_gate(on, np.full(20, 0.95), peak, RATE)
    assert allow.all()
    allow, evidence = rhythm_gate(on, np.full(20, 0.2), peak, RATE)
    assert not allow[3:-3].any()
    assert np.all(evidence["rr_irregular_fraction"][3:-3] > 0.5)


def test_grammar_cuts_a_t_wave_running_into_the_next_p_wave():
    """Check that where the T tail overlaps the next P bump both are cut where the P probability overtakes T."""
    n = 400
    p = np.zeros((n, 4))
    p[:, 0] = 1
    p[50:70] = [0, 0, 1, 0]  # QRS 1
    p[250:270] = [0, 0, 1, 0]  # QRS 2
    x = np.arange(n)
    t = np.exp(-0.5 * ((x - 130) / 80.0) ** 2)  # a wide T reaching into the P wave
    pw = 0.6 * np.exp(-0.5 * ((x - 215) / 8.0) ** 2)
    t[(x < 70) | (x >= 250)] = 0
    pw[x >= 250] = 0
    p[:, 3], p[:, 1] = t, pw
    p[:, 0] = np.clip(1 - p[:, 1:].sum(axis=1), 0, None)
    p[50:70] = [0, 0, 1, 0]
    p[250:270] = [0, 0, 1, 0]
    qrs = segments(p, RATE, classes=(2,))[2]
    beats, _ = decode_beats(p, qrs, RATE)
    t_off, p_on = beats[0, 5], beats[1, 0]
    assert np.isfinite(t_off) and np.isfinite(p_on) and t_off < p_on
    cut = np.flatnonzero((x > 130) & (pw >= t))[0]
    assert p_on == cut and t_off == cut - 1


def test_strongest_bump_limits_are_sub_sample_crossings():
    """Check that the limits are where the probability crosses the level, interpolated between samples."""
    p = np.array([0.0, 0.0, 0.1, 0.3, 0.6, 0.8, 0.6, 0.2, 0.0, 0.0])
    height, peak, onset, offset = strongest_bump(p, np.array([0]), np.array([10]), 0.5)
    assert height[0] == 0.8 and peak[0] == 5
    # 0.4 is crossed at 3 + (0.4 - 0.3) / 0.3 = 3.33 and 6 + (0.6 - 0.4) / 0.4 = 6.5; +-0.5: first/last sample inside
    np.testing.assert_allclose([onset[0], offset[0]], [3 + 1 / 3 + 0.5, 6.5 - 0.5])
    h, *_ = strongest_bump(p, np.array([4, 3]), np.array([4, 2]), 0.5)  # empty windows
    assert np.all(np.isnan(h))


@st.composite
def _smooth_tracks(draw):
    """Random soft probability tracks: smoothed random logits, so every class has bumps of every height."""
    n = draw(st.integers(60, 2500))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    width = draw(st.integers(1, 25))
    logits = rng.normal(0, draw(st.floats(0.5, 6)), (n + 2 * width, 4))
    kernel = np.ones(width) / width
    logits = np.stack([np.convolve(logits[:, j], kernel, mode="same") for j in range(4)], axis=1)[width:-width]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


@settings(max_examples=80, deadline=None)
@given(_smooth_tracks())
def test_decode_beats_grammar_on_any_track(proba):
    """Check that for any probabilities each beat is P -> QRS -> T, and no wave reaches into a neighbour beat."""
    qrs = segments(proba, RATE, classes=(2,))[2]
    beats, evidence = decode_beats(proba, qrs, RATE)
    assert beats.shape == (len(qrs), 6)
    for row in beats:
        present = row[np.isfinite(row)]
        assert np.all(np.diff(present) >= 0), row
    # a beat's P starts after the previous QRS and the previous T; its T ends before the next QRS
    with np.errstate(invalid="ignore"):
        assert not np.any(beats[1:, 0] <= beats[:-1, 3])
        assert not np.any(beats[1:, 0] <= beats[:-1, 5])
        assert not np.any(beats[:-1, 5] >= beats[1:, 2])
    for key in ("p_height", "t_height", "p_allowed"):
        assert len(evidence[key]) == len(qrs)


@settings(max_examples=40, deadline=None)
@given(_smooth_tracks(), st.sampled_from([100, 360, 500]))
def test_delineate_proba_contract_on_soft_tracks(proba, rate):
    """Check that soft tracks give in-range integer fiducials in physiological order, and confidences in [0, 1]."""
    n_out = int(np.ceil(len(proba) * rate / RATE))
    table = delineate_proba(proba, np.sin(np.arange(n_out) / 7.0), rate)
    assert set(BEAT_KEYS) | set(CONFIDENCE_KEYS) <= set(table)
    stacked = np.stack([table[k] for k in BEAT_ORDER], axis=1)
    for row in stacked:
        present = row[np.isfinite(row)]
        assert np.all((present >= 0) & (present < n_out) & (present == np.round(present)))
        assert np.all(np.diff(present) >= 0), row
    for key, wave in zip(CONFIDENCE_KEYS, ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_T_Offsets")):
        conf = table[key]
        assert np.all((conf[np.isfinite(conf)] >= 0) & (conf[np.isfinite(conf)] <= 1))
        # a confidence wherever the wave was found (a limit may still be unknown at an edge)
        assert np.all(np.isnan(conf) <= np.isnan(table[wave]))


def _bigeminy_runs(rng, n):
    """RR intervals (s): runs of bigeminy (short / long, the coupling varying) between stretches of random RR."""
    out = []
    while len(out) < n:
        if rng.random() < 0.5:
            pairs = int(rng.integers(4, 12))
            out += list(np.column_stack([rng.uniform(0.6, 0.9, pairs), rng.uniform(1.1, 1.6, pairs)]).ravel())
        else:
            out += list(rng.choice([0.35, 0.6, 0.9, 1.6], int(rng.integers(3, 10))))
    return np.array(out[:n])


def _slow_fast_wide(rng, n=150):
    """The review's track: stretches of slow and of fast beats of varying QRS width (18-34 samples, the signal's QRS
    stretched alike), weak P bumps: which beats are on time, and so the wide premature ones, changes with them."""
    rr = []
    while len(rr) < n:
        k = int(rng.integers(8, 25))
        rr += list(rng.uniform(1.0, 1.5, k)) if rng.random() < 0.4 else list(rng.uniform(0.6, 0.95, k))
    qrs = (100 + np.concatenate([[0], np.cumsum(np.array(rr[:n]) * RATE)])).astype(int)
    widths = rng.integers(18, 34, len(qrs))
    p = np.zeros((qrs[-1] + 400, 4))
    for on, w in zip(qrs, widths):
        p[on : on + w] = [0, 0, 1, 0]
        p[on + int(0.25 * RATE) + w - 20 :][:40] = [0, 0, 0, 1]
    x = np.arange(len(p))
    signal = rng.normal(0, 0.05, len(p))
    for k, (on, h, pr) in enumerate(zip(qrs, rng.uniform(0.05, 0.5, len(qrs)), rng.uniform(0.1, 0.2, len(qrs)) * RATE)):
        free = p[:, 2] + p[:, 3] == 0
        p[free, 1] = np.maximum(p[free, 1], (h * np.exp(-0.5 * ((x - (on - pr)) / 6.0) ** 2))[free])
        signal += 2 * np.exp(-0.5 * ((x - (on + widths[k] / 2)) / (widths[k] / 5)) ** 2)
        signal += 0.6 * np.exp(-0.5 * ((x - (on - pr)) / 8.0) ** 2)
    p[:, 0] = 1 - p[:, 1:].sum(axis=1)
    return p, signal


@pytest.mark.parametrize("rhythm, seed", [("irregular", 3), ("bigeminy", 3), ("wide", 5)])
def test_decoding_uses_no_context_beyond_the_block_margin(rhythm, seed):
    """Check that the beats more than BLOCK_MARGIN_S inside a cropped stretch decode exactly as in the whole track.

    The pipeline decodes each block with ``BLOCK_MARGIN_S`` of probabilities on each side: the rhythm gate's
    contexts (with the signal's P coherence) and the P/T windows must stay inside it (irregular RR, pauses, weak
    bumps at varying PR, a signal whose P waves come and go; runs of bigeminy among irregular beats, whose
    alternation looks two beats back; the same with wide complexes among narrow ones, whose flags compare each
    premature beat with the on-time beats of its context: a review found 20 s too short for that).
    """
    rng = np.random.default_rng(seed)
    if rhythm == "wide":
        p, signal = _slow_fast_wide(rng)
    else:
        rr = rng.choice([0.35, 0.6, 0.9, 1.6, 2.8], 120) if rhythm == "irregular" else _bigeminy_runs(rng, 160)
        qrs = (100 + np.concatenate([[0], np.cumsum(rr * RATE)])).astype(int)
        sinus = (np.arange(len(qrs)) // 15) % 2 == 1  # stretches of beats with a repeated P wave in the signal
        height = np.where(sinus, rng.uniform(0.8, 1.0, len(qrs)), rng.uniform(0.05, 0.9, len(qrs)))
        p = _track(qrs[-1] + 400, qrs, [], t_delay=0.25)
        x = np.arange(len(p))
        signal = rng.normal(0, 0.05, len(p))
        for k, (on, h, pr) in enumerate(zip(qrs, height, rng.uniform(0.06, 0.3, len(qrs)) * RATE)):
            bump = h * np.exp(-0.5 * ((x - (on - pr)) / 6.0) ** 2)
            free = p[:, 2] + p[:, 3] == 0
            p[free, 1] = np.maximum(p[free, 1], bump[free])
            if sinus[k]:
                signal += np.exp(-0.5 * ((x - (on - 0.15 * RATE)) / 8.0) ** 2)
        p[:, 0] = 1 - p[:, 1:].sum(axis=1)
    whole = delineate_proba(p, np.zeros(len(p)), RATE, x=signal, evidence=True)
    if rhythm == "wide":  # the width arm flags beats the likeness rule does not
        assert np.sum(whole["evidence_wide_premature"] & ~whole["evidence_ectopic"]) > 0
    else:
        assert 0 < np.mean(whole["evidence_p_allowed"]) < 1  # both kinds of stretch are there
    margin = int(BLOCK_MARGIN_S * RATE)
    for start in range(margin, len(p) - 3000 - margin, 250 if rhythm == "wide" else 4000):
        stop = start + 3000
        crop = slice(start - margin, stop + margin)
        part = delineate_proba(p[crop], np.zeros(len(p)), RATE, offset=start - margin, x=signal[crop], evidence=True)
        mine = (part["owner"] >= start) & (part["owner"] < stop)
        ref = (whole["owner"] >= start) & (whole["owner"] < stop)
        assert mine.sum() == ref.sum() > 3
        for key in BEAT_KEYS + CONFIDENCE_KEYS:
            np.testing.assert_array_equal(part[key][mine], whole[key][ref], err_msg=key)
        # the evidence too (the QRS likeness, the P coherence and sway share come from the signal's stretches:
        # a context or a stretch that moved with the block would move them far more than rounding does)
        for key in (k for k in whole if k.startswith("evidence_") and k not in ("evidence_qrs_on", "evidence_p_peak")):
            # (cumulative sums over a block's beats round differently from the whole track's: ~1e-8 at most)
            np.testing.assert_allclose(part[key][mine], whole[key][ref], rtol=0, atol=1e-7, err_msg=key)


def test_confidence_falls_below_the_evidence_calibration_saw():
    """Check that a wave weaker than every validation wave of its kind gets a confidence falling to 0 with its
    evidence (a QRS at 0.5 was 0.985 like the weakest calibrated ones), and that inside the calibrated range the
    table is a non-decreasing map into [0, 1]."""
    from nk_qrs_lstm.decoding import confidence
    from nk_qrs_lstm.defaults import CONFIDENCE_TABLES

    heights = np.linspace(0.0, 1.0, 201)
    evidence = _evidence(201, heights, heights, heights)
    conf = confidence(evidence)
    for key, wave in zip(CONFIDENCE_KEYS, ("P", "R", "T")):
        knots, values = CONFIDENCE_TABLES[wave]
        assert knots[0] == values[0] == 0.0 and values[1] == values[2] and knots[1] < knots[2]
        assert np.all(np.diff(conf[key]) >= 0) and conf[key].min() == 0.0 and conf[key].max() <= 1.0
    r = conf["ECG_R_Confidence"]
    knots, values = CONFIDENCE_TABLES["R"]
    half = int(round(knots[1] / 2 * 200))  # half the weakest calibrated evidence: about half its confidence
    assert abs(r[half] - values[1] * heights[half] / knots[1]) < 0.01 and r[half] < 0.6 < 0.98 < r[160]


def test_p_confidence_falls_with_the_sway_share_and_only_there():
    """Check that the P confidence is the table's value times CONFIDENCE_SWAY's factor of the beat's sway share
    (non-increasing, 1 below its first threshold and where the share is unknown), and that QRS and T are left
    alone."""
    from nk_qrs_lstm.decoding import confidence
    from nk_qrs_lstm.defaults import CONFIDENCE_SWAY

    thresholds, factors = CONFIDENCE_SWAY
    assert factors[0] == 1.0 and np.all(np.diff(factors) <= 0) and np.all(np.diff(thresholds) > 0)
    share = np.array([np.nan, 0.0, thresholds[0] - 0.01, thresholds[0], 0.95, 1.0])
    n = len(share)
    evidence = _evidence(n)
    steady = confidence(evidence)
    swaying = confidence({**evidence, "p_sway": share})
    ratio = swaying["ECG_P_Confidence"] / steady["ECG_P_Confidence"]
    assert np.allclose(ratio, [1.0, 1.0, 1.0, factors[1], factors[-1], factors[-1]], atol=1e-3)
    for key in ("ECG_R_Confidence", "ECG_T_Confidence"):
        assert np.array_equal(swaying[key], steady[key])


def test_a_swaying_lead_gets_lower_p_confidence():
    """Check, end to end, that strong 1-3 Hz sway lowers the P confidences of a lead (its P waves are still
    found) while the QRS confidences stay."""
    import neurokit2 as nk

    import nk_qrs_lstm

    rate = 500
    ecg = nk.ecg_simulate(duration=30, sampling_rate=rate, heart_rate=70, random_state=5)
    t = np.arange(len(ecg)) / rate
    sway = 1.0 * (np.sin(2 * np.pi * 1.3 * t) + np.sin(2 * np.pi * 2.4 * t + 1.0))
    steady = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=rate)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sway warning
        swaying = nk_qrs_lstm.ecg_delineate_table(ecg + sway, sampling_rate=rate)
    assert swaying["ECG_P_Confidence"].notna().mean() > 0.8
    assert swaying["ECG_P_Confidence"].median() < steady["ECG_P_Confidence"].median() - 0.1


def test_qrs_confidence_falls_where_the_complex_is_unlike_its_neighbours():
    """Check that the QRS confidence is the table's value times CONFIDENCE_LIKENESS's factor of the beat's QRS
    likeness (non-decreasing, 1 from its last threshold up and where the likeness is unknown), P and T untouched."""
    from nk_qrs_lstm.decoding import confidence
    from nk_qrs_lstm.defaults import CONFIDENCE_LIKENESS

    thresholds, factors = CONFIDENCE_LIKENESS
    assert factors[-1] == 1.0 and np.all(np.diff(factors) >= 0) and np.all(np.diff(thresholds) > 0)
    like = np.array([np.nan, 1.0, thresholds[-1], thresholds[-1] - 0.01, thresholds[0], -0.5])
    n = len(like)
    evidence = _evidence(n, r=0.99)
    alike = confidence(evidence)
    unlike = confidence({**evidence, "qrs_likeness": like})
    ratio = unlike["ECG_R_Confidence"] / alike["ECG_R_Confidence"]
    assert np.allclose(ratio, [1.0, 1.0, 1.0, factors[-2], factors[1], factors[0]], atol=1e-3)
    for key in ("ECG_P_Confidence", "ECG_T_Confidence"):
        assert np.array_equal(unlike[key], alike[key])


def test_atrial_bigeminy_keeps_its_p_waves_end_to_end_and_fibrillation_does_not():
    """Check the decoder's wiring of the bigeminy rule (trial 27): RR alternating short / long with faint P bumps at a
    fixed PR and P waves of alternating polarity in the signal keeps every P wave (the RR arm and the all-beat
    coherence would each refuse them), while the same bumps at a random RR over fibrillation-like noise are refused."""
    rng = np.random.default_rng(5)
    rr = np.column_stack([rng.uniform(0.62, 0.78, 14), np.full(14, 1.1)]).ravel() * RATE
    qrs = (150 + np.concatenate([[0], np.cumsum(rr)])).astype(int)
    n = qrs[-1] + 300
    p = _track(n, qrs, qrs - 40, p_height=0.3)
    t = np.arange(n)
    signal = rng.normal(0, 0.01, n)
    for k, on in enumerate(qrs):
        signal += (1 if k % 2 else -1) * 0.15 * np.exp(-0.5 * ((t - (on - 40)) / 6.0) ** 2)
    table = delineate_proba(p, signal, RATE, evidence=True)
    middle = slice(4, -4)
    assert np.isfinite(table["ECG_P_Onsets"][middle]).all()
    fib_rr = rng.uniform(0.45, 1.2, 28) * RATE
    fib_qrs = (150 + np.concatenate([[0], np.cumsum(fib_rr)])).astype(int)
    fib_n = fib_qrs[-1] + 300
    fib = delineate_proba(_track(fib_n, fib_qrs, fib_qrs - 40, p_height=0.3), rng.normal(0, 0.05, fib_n), RATE)
    assert np.isnan(fib["ECG_P_Onsets"][middle]).mean() > 0.8
