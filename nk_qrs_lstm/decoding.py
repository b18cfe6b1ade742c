"""Probability-aware decoding: each beat's P and T waves read off the class probabilities.

The argmax of the per-sample probabilities drops a P wave whose probability
forms a clear bump at the right place but stays under the background's. Here
the QRS complexes are still argmax runs (:func:`nk_qrs_lstm.boundaries.segments`)
and every other decision is made per beat, on the probability of the wave
itself, vectorised over beats (no per-sample Python loop):

1. **T wave** of each QRS: the highest T-probability sample between the QRS
   offset and the next QRS onset (at most ``QT_MAX_S`` after the QRS onset),
   accepted if at least ``T_ACCEPT``; its onset and offset are where the T
   probability crosses ``T_LEVEL`` times that height (linear interpolation:
   sub-sample).
2. **P wave** of each QRS: likewise between the later of the previous QRS
   offset and the previous T peak and this QRS onset (at most ``PR_MAX_S``
   before it), accepted if at least ``P_ACCEPT``, limits at ``P_LEVEL`` times
   its height.
3. **Grammar**: P before its QRS, one T after, nothing overlapping: where the
   previous beat's T offset runs past this beat's P onset, both are cut where
   the P probability overtakes the T probability.
4. **Rhythm gate** (:func:`rhythm_gate`): P waves are refused in stretches
   without atrial activity that a P wave could belong to (atrial fibrillation
   or flutter: irregular RR intervals with P-like bumps at no fixed distance
   before the QRS), judged over the beats within ``GATE_CONTEXT_S``; and
   where the stretch before the QRS onsets repeats no wave from beat to beat
   (:func:`p_coherence` over ``GATE_COHERENCE_CONTEXT_S``: fibrillation under
   ventricular pacing keeps a regular RR and P-like bumps at a fixed place).

Why not a Viterbi decoder over a beat grammar (an HMM whose states are the
waves)? Its emissions would be the same probabilities, its transition
probabilities would need to encode wave durations (an explicit-duration HMM to
do it well, slow in numpy), and its decisions are still a threshold on a
likelihood ratio. The per-beat maximum over the allowed window is the
grammar's best path when each beat has at most one P and one T, it is exact
and vectorised, and its two free numbers per wave are tuned directly on the
validation splits (``benchmarks/tune_decoding.py``, ``docs/decoding.md``).
"""

import numpy as np

from .defaults import (
    CONFIDENCE_KEYS,
    CONFIDENCE_TABLES,
    GATE_COHERENCE_CONTEXT_S,
    GATE_COHERENCE_WINDOW_S,
    GATE_COHERENT_HEIGHT,
    GATE_CONTEXT_S,
    GATE_MIN_BEATS,
    GATE_MIN_COHERENCE,
    GATE_MIN_HEIGHT,
    GATE_PR_SD_S,
    GATE_RR_IRREGULARITY,
    P_ACCEPT,
    P_LEVEL,
    P_POWER,
    PR_MAX_S,
    QT_MAX_S,
    T_ACCEPT,
    T_LEVEL,
)


# --------------------------------------------------------------------------- windows
def _flatten(lo, hi):
    """Sample indices of every non-empty window ``[lo, hi)``, with the window of each index.

    Returns
    -------
    idx : ndarray of int64
        Concatenated samples of the windows.
    seg : ndarray of int64
        Window (row of ``lo``) of each sample.
    first : ndarray of int64
        Position in ``idx`` of the first sample of each non-empty window.
    rows : ndarray of int64
        Rows of ``lo`` whose window is not empty (in order).
    """
    lengths = np.maximum(hi - lo, 0).astype(np.int64)
    rows = np.flatnonzero(lengths > 0)
    lengths = lengths[rows]
    first = (np.cumsum(lengths) - lengths).astype(np.int64)
    seg = np.repeat(rows, lengths)
    idx = np.repeat(lo[rows].astype(np.int64), lengths) + np.arange(lengths.sum()) - np.repeat(first, lengths)
    return idx, seg, first, rows


def strongest_bump(p, lo, hi, level, power=0.0):
    """The highest sample of ``p`` in each window ``[lo, hi)`` and where ``p`` crosses a level around it.

    Parameters
    ----------
    p : ndarray, shape (n,)
        One class's probability track.
    lo, hi : ndarray of int
        Window of each row (empty when ``hi <= lo``).
    level : float or (float, float)
        The limits are where ``p`` falls below ``level`` times the peak
        height (onset, offset), searched outwards from the peak inside the
        window (the window's edge when it never does).
    power : float or (float, float)
        The relative level is ``level * height ** power``: with ``power >
        0`` the limits of a faint bump are placed lower on its flanks.

    Returns
    -------
    height, peak, onset, offset : ndarray of float
        One per row; NaN for an empty window. ``onset`` is the first and
        ``offset`` the last sample inside the wave, refined to a fraction of
        a sample by linear interpolation (the convention of
        :func:`nk_qrs_lstm.boundaries.segments`).

    Examples
    --------
    >>> p = np.array([0, .1, .2, .4, .2, .1, 0, 0, .3, 0])
    >>> h, pk, on, off = strongest_bump(p, np.array([0, 6]), np.array([6, 10]), 0.5)
    >>> h.tolist(), pk.tolist(), on.tolist(), off.tolist()
    ([0.4, 0.3], [3.0, 8.0], [2.5, 8.0], [3.5, 8.0])
    """
    n = len(lo)
    height, peak, onset, offset = (np.full(n, np.nan) for _ in range(4))
    idx, seg, first, rows = _flatten(lo, hi)
    if not len(rows):
        return height, peak, onset, offset
    vals = p[idx].astype(np.float64)
    top = np.maximum.reduceat(vals, first)
    top_at = np.empty(n)
    top_at[rows] = top
    hits = np.flatnonzero(vals == top_at[seg])
    _, one = np.unique(seg[hits], return_index=True)
    pk = idx[hits[one]]  # first sample at the maximum, per non-empty window
    pk_at = np.zeros(n, dtype=np.int64)
    pk_at[rows] = pk
    (lv_on, lv_off), (pw_on, pw_off) = np.broadcast_to(level, 2), np.broadcast_to(power, 2)
    cut_on = lv_on * top_at * np.maximum(top_at, 0) ** pw_on
    cut_off = lv_off * top_at * np.maximum(top_at, 0) ** pw_off
    # onset: the last sample below the level before the peak (-1: none, the wave starts at the window)
    left = np.maximum.reduceat(np.where((vals < cut_on[seg]) & (idx < pk_at[seg]), idx, -1), first)
    big = np.iinfo(np.int64).max
    right = np.minimum.reduceat(np.where((vals < cut_off[seg]) & (idx > pk_at[seg]), idx, big), first)
    on = lo[rows].astype(np.float64)
    ok = left >= 0
    lv, a, b = cut_on[rows][ok], p[left[ok]], p[left[ok] + 1]  # a < level <= b
    on[ok] = left[ok] + np.clip((lv - a) / np.maximum(b - a, 1e-12), 0, 1) + 0.5
    off = hi[rows].astype(np.float64) - 1
    ok = right < big
    lv, a, b = cut_off[rows][ok], p[right[ok] - 1], p[right[ok]]  # a >= level > b
    off[ok] = right[ok] - 1 + np.clip((a - lv) / np.maximum(a - b, 1e-12), 0, 1) - 0.5
    height[rows], peak[rows] = top, pk
    onset[rows], offset[rows] = np.minimum(on, pk), np.maximum(off, pk)
    return height, peak, onset, offset


def _crossing_after(diff, lo, hi):
    """First sample in each ``[lo, hi)`` where ``diff`` becomes >= 0 (``hi - 1`` when it never does)."""
    out = hi.astype(np.int64) - 1
    idx, seg, first, rows = _flatten(lo, hi)
    if len(rows):
        big = np.iinfo(np.int64).max
        cross = np.minimum.reduceat(np.where(diff[idx] >= 0, idx, big), first)
        out[rows] = np.where(cross < big, cross, out[rows])
    return out


# --------------------------------------------------------------------------- rhythm
def _window_stats(times, values, weights, half, inner=0):
    """Weighted mean and SD of ``values`` over the beats within ``half`` of each beat, and how many beats count.

    ``inner=1`` leaves out the first and last beat of each window (a value that
    involves both neighbours of its beat then stays inside the window).
    """
    lo = np.searchsorted(times, times - half, side="left") + inner
    hi = np.maximum(np.searchsorted(times, times + half, side="right") - inner, lo)
    sums = [np.concatenate([[0.0], np.cumsum(a)]) for a in (weights, weights * values, weights * values**2,
                                                            weights > 0)]
    w, s1, s2, count = (c[hi] - c[lo] for c in sums)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / w
        sd = np.sqrt(np.maximum(s2 / w - mean * mean, 0))
    return mean, sd, count


def p_coherence(x, qrs_on, rate, context_s=GATE_COHERENCE_CONTEXT_S, window_s=GATE_COHERENCE_WINDOW_S,
                min_beats=GATE_MIN_BEATS):
    """How alike the stretches before the QRS onsets are, over the beats around each beat.

    A P wave repeats from beat to beat at a fixed distance before its QRS;
    fibrillatory waves do not. Each beat's stretch ``x[on - window_s[0] :
    on - window_s[1]]`` loses its mean and linear trend and is scaled to unit
    norm; a beat's coherence is the mean correlation between every two
    stretches of the beats within ``context_s`` of it (itself included),
    ``(|sum z|^2 - m) / (m (m - 1))`` for ``m`` stretches ``z``, vectorised
    with cumulative sums over beats.

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

    Returns
    -------
    ndarray of float
        Mean pairwise correlation in [-1, 1] per beat (NaN: too few stretches;
        a flat stretch or one cut by the start of ``x`` is left out).

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
    out = np.full(n, np.nan)
    w0, w1 = int(round(window_s[0] * rate)), int(round(window_s[1] * rate))
    length = w0 - w1
    if n == 0 or length < 3 or m == 0:
        return out
    start = np.floor(np.nan_to_num(qrs_on, nan=-1.0)).astype(np.int64) - w0
    ok = np.isfinite(qrs_on) & (start >= 0) & (start + length <= m)
    seg = x[np.clip(start[:, None] + np.arange(length), 0, m - 1)]
    seg -= seg.mean(axis=1, keepdims=True)
    ramp = np.arange(length) - (length - 1) / 2
    seg -= np.outer(seg @ ramp / (ramp @ ramp), ramp)
    norm = np.linalg.norm(seg, axis=1)
    ok &= norm > 1e-12 * max(1.0, float(np.abs(x).max()))
    z = np.where(ok[:, None], seg / np.where(ok, norm, 1.0)[:, None], 0.0)
    cum_z = np.vstack([np.zeros(length), np.cumsum(z, axis=0)])
    cum_n = np.concatenate([[0], np.cumsum(ok)])
    times = np.nan_to_num(qrs_on, nan=-np.inf)
    lo = np.searchsorted(times, times - context_s * rate, side="left")
    hi = np.searchsorted(times, times + context_s * rate, side="right")
    total, count = cum_z[hi] - cum_z[lo], cum_n[hi] - cum_n[lo]
    enough = count >= max(min_beats, 2)
    out[enough] = ((total[enough] ** 2).sum(axis=1) - count[enough]) / (count[enough] * (count[enough] - 1.0))
    return out


def rhythm_gate(qrs_on, p_height, p_peak, rate, context_s=GATE_CONTEXT_S, min_height=GATE_MIN_HEIGHT,
                pr_sd_s=GATE_PR_SD_S, rr_irregularity=GATE_RR_IRREGULARITY, min_beats=GATE_MIN_BEATS,
                coherence=None, coherence_context_s=GATE_COHERENCE_CONTEXT_S, min_coherence=GATE_MIN_COHERENCE,
                coherent_height=GATE_COHERENT_HEIGHT):
    """Which beats may have a P wave, judged from the beats around them.

    Atrial fibrillation and flutter leave no P wave, but the network reads
    fibrillatory waves as P-like bumps: weak, of varying height, at no fixed
    distance before the QRS. A stretch (the beats within ``context_s`` of a
    beat) is refused when its P evidence is weak (mean height of the
    strongest P bump of each beat below ``min_height``) *and* either those
    bumps sit at no fixed distance before their QRS (height-weighted SD of
    the P-peak -> QRS-onset interval above ``pr_sd_s``) or the RR intervals
    are irregular (mean |successive RR difference| / RR above
    ``rr_irregularity``). Sinus rhythm keeps a constant PR interval even
    when the RR varies and its P waves are faint; strong P evidence is never
    refused (ectopic atrial beats, a varying PR).

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

    Returns
    -------
    allow : ndarray of bool
        True where a P wave may be kept.
    evidence : dict of str -> ndarray
        ``"p_context"`` (mean height), ``"pr_sd_s"``,
        ``"rr_irregularity"`` and ``"p_coherence"`` per beat (NaN where
        fewer than ``min_beats`` beats bear on it: no refusal).

    Examples
    --------
    >>> on = np.array([0, 180, 470, 600, 900, 1010, 1300.0])  # irregular RR, weak P evidence
    >>> rhythm_gate(on, np.full(7, 0.2), on - [20, 60, 35, 75, 15, 50, 40], rate=250)[0].tolist()
    [False, False, False, False, False, False, False]
    >>> rhythm_gate(on, np.full(7, 0.9), on - [20, 60, 35, 75, 15, 50, 40], rate=250)[0].tolist()
    [True, True, True, True, True, True, True]
    >>> on = np.arange(7) * 200.0  # regular RR, bumps 20 samples before each QRS ...
    >>> rhythm_gate(on, np.full(7, 0.7), on - 20, rate=250)[0].all()
    np.True_
    >>> rhythm_gate(on, np.full(7, 0.7), on - 20, rate=250, coherence=np.full(7, 0.02))[0].any()  # ... no wave
    np.False_
    """
    n = len(qrs_on)
    half = context_s * rate
    rr = np.diff(qrs_on)
    irr = np.zeros(n)  # |successive RR difference| / RR, given to the middle beat (whose neighbours are in)
    irr[1:-1] = np.abs(np.diff(rr)) / np.maximum(0.5 * (rr[1:] + rr[:-1]), 1e-9)
    irr_mean, _, irr_n = _window_stats(qrs_on, irr, np.ones(n), half, inner=1)
    h = np.nan_to_num(p_height)
    h_mean, _, h_n = _window_stats(qrs_on, h, np.ones(n), half)
    pr = np.nan_to_num((qrs_on - p_peak) / rate)
    _, pr_sd, _ = _window_stats(qrs_on, pr, h, half)
    irr_mean[irr_n < min_beats] = np.nan
    pr_sd[h_n < min_beats] = np.nan
    h_mean[h_n < min_beats] = np.nan
    with np.errstate(invalid="ignore"):
        refuse = (h_mean < min_height) & ((pr_sd > pr_sd_s) | (irr_mean > rr_irregularity))
    coh = np.full(n, np.nan) if coherence is None else np.asarray(coherence, dtype=np.float64)
    if coherence is not None:
        h_wide, _, _ = _window_stats(qrs_on, h, np.ones(n), coherence_context_s * rate)
        with np.errstate(invalid="ignore"):
            refuse |= (coh < min_coherence) & (h_wide < coherent_height)
    return ~refuse, {"p_context": h_mean, "pr_sd_s": pr_sd, "rr_irregularity": irr_mean, "p_coherence": coh}


# --------------------------------------------------------------------------- beats
def decode_beats(proba, qrs, rate, p_accept=P_ACCEPT, p_level=P_LEVEL, p_power=P_POWER, t_accept=T_ACCEPT,
                 t_level=T_LEVEL, pr_max_s=PR_MAX_S, qt_max_s=QT_MAX_S, gate=True, gate_kw=None, x=None):
    """P and T waves of every QRS complex, from the class probabilities.

    Parameters
    ----------
    proba : ndarray, shape (n, 4)
        Background, P, QRS, T probabilities at ``rate``.
    qrs : ndarray, shape (n_qrs, 2)
        QRS onsets and offsets (samples of ``proba``, sorted).
    rate : float
        Sampling rate of ``proba`` (Hz).
    p_accept, t_accept : float
        Lowest peak probability of an accepted P / T wave.
    p_level, t_level : float or (float, float)
        Limits (onset, offset) where the probability falls below this
        fraction of the peak.
    p_power : float or (float, float)
        The P limits are at ``p_level * height ** p_power`` of the peak
        (see :func:`strongest_bump`).
    pr_max_s, qt_max_s : float
        Longest P-onset -> QRS-onset and QRS-onset -> T-offset distances (s).
    gate : bool
        Apply :func:`rhythm_gate` to the P waves.
    gate_kw : dict, optional
        Settings of :func:`rhythm_gate`.
    x : ndarray, shape (n,), optional
        The signal ``proba`` was computed from (same samples): the gate then
        also weighs :func:`p_coherence`.

    Returns
    -------
    beats : ndarray, shape (n_qrs, 6)
        P onset, P offset, QRS onset, QRS offset, T onset, T offset (NaN where
        absent), in samples of ``proba``.
    evidence : dict of str -> ndarray
        Per beat: ``"p_height"``, ``"t_height"`` (peak probability of the
        chosen bump, NaN without a window), ``"p_allowed"`` (the rhythm
        gate) and the gate's evidence.
    """
    m = len(proba)
    n = len(qrs)
    beats = np.full((n, 6), np.nan)
    beats[:, 2:4] = qrs
    on, off = qrs[:, 0], qrs[:, 1]
    next_on = np.append(on[1:], m)[:n]
    prev_off = np.append(-1.0, off)[:n]
    # T: after the QRS offset, before the next QRS onset, ending at most qt_max after the onset
    t_lo = np.floor(off).astype(np.int64) + 1
    t_hi = np.minimum(np.ceil(next_on), np.floor(on + qt_max_s * rate) + 1).clip(0, m).astype(np.int64)
    t_h, t_pk, t_on, t_off = strongest_bump(proba[:, 3], t_lo, t_hi, t_level)
    with np.errstate(invalid="ignore"):
        has_t = t_h >= t_accept
    # P: after the previous QRS and the previous T peak, at most pr_max before this QRS onset
    prev_t = np.append(-1.0, np.where(has_t, t_pk, -1.0))[:n]
    p_lo = np.maximum.reduce([np.floor(prev_off) + 1, prev_t + 1, np.ceil(on - pr_max_s * rate), np.zeros(n)])
    p_hi = np.ceil(on).clip(0, m)
    p_h, p_pk, p_on, p_off = strongest_bump(proba[:, 1], p_lo.astype(np.int64), p_hi.astype(np.int64),
                                          p_level, p_power)
    with np.errstate(invalid="ignore"):
        has_p = p_h >= p_accept
    coherence = None if x is None else p_coherence(x, on, rate)
    allow, evidence = rhythm_gate(on, p_h, p_pk, rate, coherence=coherence, **(gate_kw or {}))
    if gate:
        has_p &= allow
    # grammar: the previous T must end before this P starts; cut them where P overtakes T
    prev_has_t = np.append(False, has_t)[:n]
    prev_t_off = np.append(np.nan, t_off)[:n]
    with np.errstate(invalid="ignore"):
        clash = np.flatnonzero(has_p & prev_has_t & (prev_t_off >= p_on))
    if len(clash):
        lo = prev_t[clash].astype(np.int64) + 1
        cut = _crossing_after(proba[:, 1] - proba[:, 3], lo, p_pk[clash].astype(np.int64) + 1)
        p_on[clash] = np.maximum(p_on[clash], cut)
        t_off[clash - 1] = np.minimum(t_off[clash - 1], cut - 1)
        t_off[clash - 1] = np.maximum(t_off[clash - 1], t_pk[clash - 1])
    beats[has_p, 0], beats[has_p, 1] = p_on[has_p], np.minimum(p_off[has_p], on[has_p])
    beats[has_t, 4], beats[has_t, 5] = np.maximum(t_on[has_t], off[has_t]), t_off[has_t]
    # QRS evidence: the highest QRS probability inside the run (an edge sample more or less does not change it)
    r_h, _, _, _ = strongest_bump(proba[:, 2], np.floor(on).astype(np.int64) + 1,
                                  np.floor(off).astype(np.int64) + 1, 0.5)
    evidence.update(qrs_on=on, p_height=p_h, p_peak=p_pk, p_found=has_p, p_allowed=allow, t_height=t_h,
                    t_found=has_t, r_height=r_h)
    return beats, evidence


def confidence(evidence, tables=CONFIDENCE_TABLES):
    """Calibrated confidence of each beat's P wave, QRS complex and T wave.

    The peak probability of each wave is mapped through a monotone table fitted on the validation splits
    (``benchmarks/tune_decoding.py calibrate``): the fraction of waves of
    that evidence whose onset (P, QRS) or offset (T) lies within the strict
    tolerance of an expert's mark (50, 40, 100 ms).

    Parameters
    ----------
    evidence : dict
        From :func:`decode_beats`.
    tables : dict of str -> (knots, values)
        Calibration table per wave (``"P"``, ``"R"``, ``"T"``).

    Returns
    -------
    dict of str -> ndarray
        :data:`~nk_qrs_lstm.defaults.CONFIDENCE_KEYS`, values in [0, 1], NaN
        where the beat has no such wave.
    """
    found = {"P": evidence["p_found"], "R": np.ones(len(evidence["r_height"]), dtype=bool),
             "T": evidence["t_found"]}
    height = {"P": evidence["p_height"], "R": evidence["r_height"], "T": evidence["t_height"]}
    out = {}
    for key, wave in zip(CONFIDENCE_KEYS, ("P", "R", "T")):
        knots, values = tables[wave]
        conf = np.interp(np.nan_to_num(height[wave]), knots, values)
        out[key] = np.where(found[wave], conf, np.nan)
    return out
