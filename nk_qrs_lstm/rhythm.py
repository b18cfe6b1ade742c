"""Rhythm context for P presence: which beats may have a P wave, judged from the beats around them.

Pure functions on per-beat arrays (vectorised with cumulative sums over
beats), used by :func:`nk_qrs_lstm.decoding.decode_beats`:

- :func:`rhythm_gate`: refuses P waves in stretches whose P evidence is weak
  and either irregular (atrial fibrillation) or not tied to the QRS, or where
  the signal repeats no atrial wave before the QRS complexes;
- :func:`p_coherence`: that last evidence, the mean correlation between the
  stretches before the QRS onsets of neighbouring beats;
- :func:`bigeminal_beats`: stretches whose RR alternates short / long
  (bigeminy), which the RR arm does not judge.

Single premature ventricular beats, which have no P wave either, are found in
:mod:`nk_qrs_lstm.ectopic`.

The settings were chosen on the validation splits (``benchmarks/tune_decoding.py
sweep``, ``benchmarks/tune_gate.py``; ``docs/decoding.md``).
"""

import numpy as np

from .beat_context import _context, _context_median, _mean_correlation, _stretches, _window_stats, band_pass
from .defaults import (
    GATE_BIGEMINY_FRACTION,
    GATE_COHERENCE_BAND_HZ,
    GATE_COHERENCE_CONTEXT_S,
    GATE_COHERENCE_DETREND,
    GATE_COHERENCE_ENERGY_RATIO,
    GATE_COHERENCE_NOISE_SHARE,
    GATE_COHERENCE_SWAY_BAND_HZ,
    GATE_COHERENCE_SWAY_SHARE,
    GATE_COHERENCE_WINDOW_S,
    GATE_COHERENT_HEIGHT,
    GATE_COHERENT_OVERRIDE,
    GATE_CONTEXT_S,
    GATE_IRREGULAR_FRACTION,
    GATE_MIN_BEATS,
    GATE_MIN_COHERENCE,
    GATE_MIN_HEIGHT,
    GATE_OWN_HEIGHT,
    GATE_PR_SD_S,
    GATE_RR_MIN_LIKENESS,
    GATE_RR_STEP,
)


def _rr_change(qrs_on):
    """Each beat's RR change: the interval after it minus the one before, over their mean (0 at the ends)."""
    rr = np.diff(np.asarray(qrs_on, dtype=np.float64))
    out = np.zeros(len(qrs_on))
    out[1:-1] = np.diff(rr) / np.maximum(0.5 * (rr[1:] + rr[:-1]), 1e-9)
    return out


def bigeminal_beats(qrs_on, rate, context_s=GATE_CONTEXT_S, min_fraction=GATE_BIGEMINY_FRACTION,
                    rr_step=GATE_RR_STEP, min_beats=GATE_MIN_BEATS):
    """Beats in a stretch whose RR intervals alternate short / long: bigeminy, not fibrillation.

    Each beat's RR change (the interval after it against the one before) is
    compared with the previous beat's: the beat alternates where the two
    changes have opposite signs and both exceed ``rr_step`` of their
    intervals' mean. In bigeminy (a premature beat after every conducted one,
    atrial or ventricular) every beat alternates, whatever the premature
    beats' coupling; in atrial fibrillation successive changes of an RR
    drawn at random have opposite signs at about two beats in three and are
    both large at fewer, so a stretch (the beats within ``context_s``) where
    at least ``min_fraction`` of the beats alternate is bigeminal.

    Parameters
    ----------
    qrs_on : ndarray of float
        QRS onsets (samples, sorted).
    rate : float
        Sampling rate of the positions (Hz).
    context_s : float
        Beats within this distance are the stretch (s).
    min_fraction : float or None
        Share of alternating beats from which the stretch is bigeminal
        (None: no beat is).
    rr_step : float
        Smallest change counted, as a share of the two intervals' mean.
    min_beats : int
        Fewest judged beats in the stretch.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> on = np.cumsum(np.tile([160.0, 260.0], 8))  # short / long
    >>> bool(bigeminal_beats(on, rate=250).all())
    True
    >>> bool(bigeminal_beats(np.cumsum(np.full(16, 200.0)), rate=250).any())  # regular
    False
    """
    qrs_on = np.asarray(qrs_on, dtype=np.float64)
    n = len(qrs_on)
    if min_fraction is None or n < 4:
        return np.zeros(n, dtype=bool)
    step = _rr_change(qrs_on)
    alternates = np.zeros(n)
    with np.errstate(invalid="ignore"):
        alternates[2:-1] = ((step[2:-1] * step[1:-2] < 0) & (np.abs(step[2:-1]) > rr_step)
                            & (np.abs(step[1:-2]) > rr_step))
    judged = np.zeros(n)
    judged[2:-1] = 1.0
    # a beat's alternation involves the two beats before it and the one after: inner=2 keeps every beat it involves
    # inside the stretch, so the answer does not depend on where the pipeline's blocks fall
    fraction, _, count = _window_stats(qrs_on, alternates, judged, context_s * rate, inner=2)
    with np.errstate(invalid="ignore"):
        return (fraction >= min_fraction) & (count >= min_beats)


def p_coherence(x, qrs_on, rate, context_s=GATE_COHERENCE_CONTEXT_S, window_s=GATE_COHERENCE_WINDOW_S,
                min_beats=GATE_MIN_BEATS, band_hz=GATE_COHERENCE_BAND_HZ, noise_share=GATE_COHERENCE_NOISE_SHARE,
                detrend=GATE_COHERENCE_DETREND, energy_ratio=GATE_COHERENCE_ENERGY_RATIO,
                sway_band_hz=GATE_COHERENCE_SWAY_BAND_HZ, sway_share=GATE_COHERENCE_SWAY_SHARE, return_sway=False,
                alternate=False):
    """How alike the stretches before the QRS onsets are, over the beats around each beat.

    A P wave repeats from beat to beat at a fixed distance before its QRS;
    fibrillatory waves do not. Each beat's stretch ``x[on - window_s[0] :
    on - window_s[1]]`` loses its mean and linear trend and is scaled to unit
    norm; a beat's coherence is the mean correlation between every two
    stretches of the beats within ``context_s`` of it (itself included),
    ``(|sum z|^2 - m) / (m (m - 1))`` for ``m`` stretches ``z``, vectorised
    with cumulative sums over beats.

    Where the stretches are noisy (on average over the context, more than
    ``noise_share`` of their energy lies outside ``band_hz``: mains hum,
    muscle noise), the coherence of the stretches band-passed to ``band_hz``
    (zero-phase) is taken if it is larger: such noise makes every stretch
    unlike the others and refused the P waves of whole leads. Clean stretches
    keep the coherence of ``x`` as it is (the band-passed view of clean atrial
    fibrillation looks more regular than it is).

    Motion leaves some stretches far louder than the others (a knock on an
    electrode and the filter's ringing after it, a baseline jump, sway):
    a stretch holding more than ``energy_ratio`` times the median energy of
    the stretches of its context is left out, so a few such beats do not
    make a sinus rhythm look like one without atrial waves; fibrillatory
    waves are of one size throughout and are judged as before.

    Sway throughout (1-3 Hz: a walking subject) curves every stretch
    differently and is inside the second view's band: where, on average
    over the context, more than ``sway_share`` of the stretches' energy
    lies below ``sway_band_hz``, the coherence of the stretches band-passed
    to ``sway_band_hz`` (above the sway) is taken if it is larger. High-
    frequency noise does not bring this view in (its energy is above the
    band, not below).

    Parameters
    ----------
    x : ndarray, shape (n,)
        The signal the probabilities were computed from, at ``rate`` (high-passed).
    qrs_on : ndarray of float
        QRS onsets (samples of ``x``, sorted).
    rate : float
        Sampling rate of ``x`` (Hz).
    context_s : float
        Beats within this distance are compared (s).
    window_s : (float, float)
        The stretch before each QRS onset, from and to (s).
    min_beats : int
        Fewest stretches for a value (NaN otherwise).
    band_hz : (float, float) or None
        Pass band (Hz) of the second view of ``x``; None: ``x`` as it is only.
    noise_share : float
        Share of the stretches' energy outside ``band_hz`` from which the second view counts.
    detrend : int
        Degree of the polynomial taken out of each stretch (1: its linear trend).
    energy_ratio : float or None
        Stretches above this many times their context's median energy are
        left out (None: none).
    sway_band_hz : (float, float)
        Pass band (Hz) of the sway view.
    sway_share : float or None
        Share of the stretches' energy below ``sway_band_hz`` from which the
        sway view counts (None: no sway view).
    alternate : bool or ndarray of bool
        For all beats (True) or those marked (per beat, e.g.
        :func:`bigeminal_beats`), also compare each stretch with those of
        every other beat only (its own parity in the beat sequence) and take
        the larger mean correlation: in bigeminy the premature atrial beats' P waves may
        differ from the sinus ones (inverted), so all beats together look
        incoherent while each half repeats its own wave.
    return_sway : bool
        Also return that share per beat (the mean over its context; NaN
        where none was judged or without a sway view), for the P confidence
        (:func:`nk_qrs_lstm.decoding.confidence`).

    Returns
    -------
    coherence : ndarray of float
        Mean pairwise correlation in [-1, 1] per beat (NaN: too few stretches;
        a flat stretch or one cut by the start of ``x`` is left out).
    sway : ndarray of float
        With ``return_sway``: the share of the stretches' energy below
        ``sway_band_hz``, per beat over its context.

    Examples
    --------
    >>> rate, on = 250.0, np.arange(1.0, 9.0) * 250
    >>> t = np.arange(2500) / rate
    >>> p_wave = np.exp(-(((t % 1.0) - 0.85) / 0.03) ** 2)  # 150 ms before each onset
    >>> round(float(p_coherence(p_wave, on, rate)[4]), 2)
    1.0
    >>> noise = np.random.default_rng(0).normal(size=2500)
    >>> bool(abs(p_coherence(noise, on, rate)[4]) < 0.12)
    True
    """
    x = np.asarray(x, dtype=np.float64)
    qrs_on = np.asarray(qrs_on, dtype=np.float64)
    n, m = len(qrs_on), len(x)
    if n == 0 or m == 0 or int(round(window_s[0] * rate)) - int(round(window_s[1] * rate)) < 3:
        return (np.full(n, np.nan), np.full(n, np.nan)) if return_sway else np.full(n, np.nan)
    lo, hi = _context(qrs_on, context_s * rate)
    seg, ok = _stretches(x, qrs_on, rate, window_s, detrend)
    energy = (seg ** 2).sum(axis=1)
    if energy_ratio is not None:
        with np.errstate(invalid="ignore"):
            ok = ok & ~(energy > energy_ratio * _context_median(energy, ok, lo, hi))
    scale = max(1.0, float(np.abs(np.nan_to_num(seg)).max(initial=0.0)))  # the stretches', not the whole x's
    out = _mean_correlation(seg, ok, lo, hi, min_beats, scale, alternate)
    judged = ok & (energy > 0)

    def view(band, share_above, removed=None):
        """The coherence of the stretches filtered to ``band`` where, on average over the context, more than
        ``share_above`` of their energy is outside it (or, with ``removed``, in what the filter to ``removed``
        takes out), NaN elsewhere (the filter to ``band`` is not run where that is nowhere); and that share."""
        kept, _ = _stretches(band_pass(x, rate, band if removed is None else removed), qrs_on, rate, window_s, detrend)
        outside = np.where(judged, 1.0 - (kept ** 2).sum(axis=1) / np.where(energy > 0, energy, 1.0), 0.0)
        share, _, _ = _window_stats(qrs_on, outside, judged.astype(float), context_s * rate)  # mean over the context
        with np.errstate(invalid="ignore"):
            taken = share > share_above
        if not taken.any():
            return np.full(n, np.nan), share
        filtered = kept if removed is None else _stretches(band_pass(x, rate, band), qrs_on, rate, window_s, detrend)[0]
        return np.where(taken, _mean_correlation(filtered, ok, lo, hi, min_beats, scale, alternate), np.nan), share

    if band_hz is not None:
        out = np.fmax(out, view(band_hz, noise_share)[0])
    sway = np.full(n, np.nan)
    if sway_share is not None:  # sway: energy below the band's low edge (not noise above it) decides
        coherent, sway = view(sway_band_hz, sway_share, removed=(sway_band_hz[0], None))
        out = np.fmax(out, coherent)
    return (out, sway) if return_sway else out


def rhythm_gate(qrs_on, p_height, p_peak, rate, context_s=GATE_CONTEXT_S, min_height=GATE_MIN_HEIGHT,
                pr_sd_s=GATE_PR_SD_S, rr_step=GATE_RR_STEP, irregular_fraction=GATE_IRREGULAR_FRACTION,
                min_beats=GATE_MIN_BEATS, coherence=None, coherence_context_s=GATE_COHERENCE_CONTEXT_S,
                min_coherence=GATE_MIN_COHERENCE, coherent_height=GATE_COHERENT_HEIGHT, own_height=GATE_OWN_HEIGHT,
                likeness=None, min_likeness=GATE_RR_MIN_LIKENESS, coherent_override=GATE_COHERENT_OVERRIDE,
                ectopic=None, bigeminal=None):
    """Which beats may have a P wave, judged from the beats around them.

    Atrial fibrillation and flutter leave no P wave, but the network reads
    fibrillatory waves as P-like bumps: weak, of varying height, at no fixed
    distance before the QRS. A stretch (the beats within ``context_s`` of a
    beat) is refused when its P evidence is weak (mean height of the
    strongest P bump of each beat below ``min_height``) *and* either those
    bumps sit at no fixed distance before their QRS (height-weighted SD of
    the P-peak -> QRS-onset interval above ``pr_sd_s``) or the RR intervals
    are irregular throughout (more than ``irregular_fraction`` of the beats
    have an RR interval that differs from the previous one by more than
    ``rr_step`` of their mean). Counting irregular beats rather than
    averaging the changes keeps an isolated premature beat or pause in sinus
    rhythm (two large changes among many small ones) from refusing its
    neighbours' P waves, while fibrillation changes the RR at most beats.
    Sinus rhythm keeps a constant PR interval even when the RR varies and
    its P waves are faint; strong P evidence is never refused (ectopic
    atrial beats, a varying PR), nor is a beat whose own P bump reaches
    ``own_height`` (the sinus beats of ventricular bigeminy, whose
    premature beats without P halve the stretch's mean height and make
    every RR change).

    With the QRS ``likeness`` of each beat to its neighbours
    (:func:`nk_qrs_lstm.ectopic.qrs_likeness`), the RR changes that involve a
    beat whose QRS is unlike the others (below ``min_likeness``: a premature
    ventricular beat, or a complex that motion invented) are left out of that
    count: the rhythm is judged on its own beats, which fibrillation leaves
    irregular and motion does not. Off by default (``GATE_RR_MIN_LIKENESS``
    None): on the validation splits it refused fewer P waves on wearable-like
    leads but kept more false ones in atrial fibrillation
    (``docs/decoding.md``).

    Fibrillation under ventricular pacing has a regular RR, and the network
    may place its bumps at a fixed distance before the paced QRS. With the
    signal's :func:`p_coherence`, a beat is also refused where the
    stretches before the QRS onsets within ``coherence_context_s`` repeat no
    wave (coherence below ``min_coherence``) and the mean P height there is
    below ``coherent_height``.

    Parameters
    ----------
    qrs_on : ndarray of float
        QRS onsets (samples, sorted).
    p_height : ndarray of float
        Height of each beat's strongest P bump, accepted or not (NaN: no
        window).
    p_peak : ndarray of float
        Its position (samples).
    rate : float
        Sampling rate of the positions (Hz).
    coherence : ndarray of float, optional
        :func:`p_coherence` per beat (None: that test is not made).
    likeness : ndarray of float, optional
        QRS likeness per beat (None, or ``min_likeness`` None: every RR
        change counts).
    coherent_override : float or None
        Where the ``coherence`` reaches this, the atria repeat a wave before
        the QRS complexes and the RR arm refuses nothing there (an irregular
        sinus rhythm, or complexes the network added, with faint P waves);
        None: no override.
    ectopic : ndarray of bool, optional
        Premature beats unlike their neighbours
        (:func:`nk_qrs_lstm.ectopic.ectopic_beats`): the RR changes around
        them are left out of the irregularity count, as a ventricular beat
        says nothing of the atria's rhythm (ventricular bigeminy changes
        every RR; its sinus beats' P waves were refused). None: all count.
    bigeminal : ndarray of bool, optional
        Beats in a stretch whose RR alternates short / long
        (:func:`bigeminal_beats`): the RR arm refuses nothing there, since
        atrial or ventricular bigeminy changes every RR at its own rhythm
        (trial 27: atrial bigeminy lost the P waves of whole leads). None:
        the RR arm judges every stretch.

    Returns
    -------
    allow : ndarray of bool
        True where a P wave may be kept.
    evidence : dict of str -> ndarray
        ``"p_context"`` (mean height), ``"pr_sd_s"``,
        ``"rr_irregular_fraction"`` and ``"p_coherence"`` per beat (NaN where
        fewer than ``min_beats`` beats bear on it: no refusal; the irregular
        fraction is 0 where ``bigeminal``).

    Examples
    --------
    >>> on = np.array([0, 180, 470, 600, 900, 1010, 1300.0])  # irregular RR, weak P evidence
    >>> rhythm_gate(on, np.full(7, 0.2), on - [20, 60, 35, 75, 15, 50, 40], rate=250)[0].tolist()
    [False, False, False, False, False, False, False]
    >>> rhythm_gate(on, np.full(7, 0.9), on - [20, 60, 35, 75, 15, 50, 40], rate=250)[0].tolist()
    [True, True, True, True, True, True, True]
    >>> on = np.arange(7) * 200.0  # regular RR, bumps 20 samples before each QRS ...
    >>> bool(rhythm_gate(on, np.full(7, 0.7), on - 20, rate=250)[0].all())
    True
    >>> bool(rhythm_gate(on, np.full(7, 0.7), on - 20, rate=250, coherence=np.full(7, 0.02))[0].any())  # no wave
    False
    """
    n = len(qrs_on)
    half = context_s * rate
    irr = np.abs(_rr_change(qrs_on))  # given to the middle beat (whose neighbours are in)
    # the RR changes around an unlike QRS (with min_likeness) or an ectopic beat (a PVC says nothing of the atria's
    # rhythm) are left out of the count
    odd = np.zeros(n, dtype=bool) if ectopic is None else np.asarray(ectopic, dtype=bool).copy()
    if likeness is not None and min_likeness is not None:
        odd |= np.nan_to_num(np.asarray(likeness, dtype=np.float64), nan=1.0) < min_likeness
    counted = np.where(odd | np.append(False, odd[:-1]) | np.append(odd[1:], False), 0.0, 1.0)
    irr_frac, _, irr_n = _window_stats(qrs_on, (irr > rr_step).astype(float), counted, half, inner=1)
    h = np.nan_to_num(p_height)
    h_mean, _, h_n = _window_stats(qrs_on, h, np.ones(n), half)
    pr = np.nan_to_num((qrs_on - p_peak) / rate)
    _, pr_sd, _ = _window_stats(qrs_on, pr, h, half)
    irr_frac[irr_n < min_beats] = np.nan
    if bigeminal is not None:  # an alternating RR is a rhythm of its own, not fibrillation: the RR arm is silent
        irr_frac[np.asarray(bigeminal, dtype=bool)] = 0.0
    pr_sd[h_n < min_beats] = np.nan
    h_mean[h_n < min_beats] = np.nan
    with np.errstate(invalid="ignore"):
        refuse = (h_mean < min_height) & ((pr_sd > pr_sd_s) | (irr_frac > irregular_fraction))
    coh = np.full(n, np.nan) if coherence is None else np.asarray(coherence, dtype=np.float64)
    if coherence is not None:
        h_wide, _, _ = _window_stats(qrs_on, h, np.ones(n), coherence_context_s * rate)
        with np.errstate(invalid="ignore"):
            if coherent_override is not None:  # the atria plainly repeat a wave: the RR arm does not refuse
                refuse &= ~(coh >= coherent_override)
            refuse |= (coh < min_coherence) & (h_wide < coherent_height)
    refuse &= ~(np.nan_to_num(p_height) >= own_height)  # a near-certain P wave of its own (bigeminy's sinus beats)
    return ~refuse, {"p_context": h_mean, "pr_sd_s": pr_sd, "rr_irregular_fraction": irr_frac, "p_coherence": coh}
