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
4. **Rhythm gate** (:func:`nk_qrs_lstm.rhythm.rhythm_gate`): P waves are refused in stretches
   without atrial activity that a P wave could belong to (atrial fibrillation
   or flutter: irregular RR intervals with P-like bumps at no fixed distance
   before the QRS), judged over the beats within ``GATE_CONTEXT_S``; and
   where the stretch before the QRS onsets repeats no wave from beat to beat
   (:func:`nk_qrs_lstm.rhythm.p_coherence` over ``GATE_COHERENCE_CONTEXT_S``: fibrillation under
   ventricular pacing keeps a regular RR and P-like bumps at a fixed place).
5. **Ectopic beats** (:func:`nk_qrs_lstm.ectopic.ectopic_beats`): a premature
   beat whose QRS looks unlike its neighbours' (a ventricular premature beat)
   has no P wave of its own.

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
    CONFIDENCE_LIKENESS,
    CONFIDENCE_SWAY,
    CONFIDENCE_TABLES,
    P_ACCEPT,
    P_LEVEL,
    P_POWER,
    PR_MAX_S,
    QT_MAX_S,
    T_ACCEPT,
    T_LEVEL,
)
from .ectopic import ectopic_beats, qrs_likeness
from .rhythm import bigeminal_beats, p_coherence, rhythm_gate


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


# --------------------------------------------------------------------------- beats
def decode_beats(proba, qrs, rate, p_accept=P_ACCEPT, p_level=P_LEVEL, p_power=P_POWER, t_accept=T_ACCEPT,
                 t_level=T_LEVEL, pr_max_s=PR_MAX_S, qt_max_s=QT_MAX_S, gate=True, gate_kw=None, x=None,
                 apply_rhythm_gate=True):
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
        Apply :func:`nk_qrs_lstm.rhythm.rhythm_gate` and the ectopic-beat
        rule (:func:`nk_qrs_lstm.ectopic.ectopic_beats`) to the P waves
        (False: neither, for tuning).
    apply_rhythm_gate : bool
        With ``gate``: False leaves out the rhythm gate only (the user's
        ``rhythm_gate=False``); a premature beat unlike its neighbours still
        has no P wave.
    gate_kw : dict, optional
        Settings of :func:`nk_qrs_lstm.rhythm.rhythm_gate`.
    x : ndarray, shape (n,), optional
        The signal ``proba`` was computed from (same samples): the gate then
        also weighs :func:`nk_qrs_lstm.rhythm.p_coherence`.

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
    # bigeminy: its RR alternates, and a premature atrial beat's P may differ from the sinus P (trial 27)
    bigeminal = bigeminal_beats(on, rate, **{k: v for k, v in (gate_kw or {}).items()
                                             if k in ("context_s", "rr_step", "min_beats")})
    coherence, sway = ((None, np.full(n, np.nan)) if x is None else
                       p_coherence(x, on, rate, return_sway=True, alternate=bigeminal))
    likeness = None if x is None else qrs_likeness(x, on, rate)
    # a premature beat whose QRS is unlike its neighbours' (a PVC) has no P wave of its own; one also wider than the
    # on-time beats without a clear P bump is ventricular enough for its RR changes to say nothing of the atria
    # (trial 30: trigeminy of PVCs of the sinus beats' shape), though its own P is not judged by that
    ectopic = np.zeros(n, dtype=bool) if x is None else ectopic_beats(on, likeness, rate)
    wide = ectopic if x is None else ectopic_beats(on, likeness, rate, width=off - on, p_height=p_h)  # ectopic too
    allow, evidence = rhythm_gate(on, p_h, p_pk, rate, coherence=coherence, likeness=likeness, ectopic=wide,
                                  bigeminal=bigeminal, **(gate_kw or {}))
    if gate:
        has_p &= (allow if apply_rhythm_gate else True) & ~ectopic
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
    evidence.update(qrs_on=on, qrs_likeness=np.full(n, np.nan) if likeness is None else likeness, p_height=p_h,
                    p_peak=p_pk, p_found=has_p, p_allowed=allow, ectopic=ectopic, wide_premature=wide,
                    bigeminal=bigeminal, t_height=t_h, t_found=has_t,
                    r_height=r_h, p_sway=sway)
    return beats, evidence


def _step_factor(values, steps, unknown):
    """``factors[i]`` of ``steps = (thresholds, factors)`` for each value from ``thresholds[i - 1]`` up
    (``factors[0]`` below the first), NaN read as ``unknown``."""
    thresholds, factors = steps
    return np.asarray(factors)[np.searchsorted(thresholds, np.nan_to_num(values, nan=unknown), side="right")]


def confidence(evidence, tables=CONFIDENCE_TABLES, sway=CONFIDENCE_SWAY, likeness=CONFIDENCE_LIKENESS):
    """Calibrated confidence of each beat's P wave, QRS complex and T wave.

    The peak probability of each wave is mapped through a monotone table fitted on the validation splits
    (``benchmarks/tune_decoding.py calibrate``): the fraction of waves of
    that evidence whose onset (P, QRS) or offset (T) lies within the strict
    tolerance of an expert's mark (50, 40, 100 ms). Below the lowest
    evidence of a validation wave (QRS 0.76, T 0.45, P 0.018) the
    confidence falls linearly to 0 at evidence 0. A P wave's confidence is
    then scaled down where 1-4 Hz sway dominates the stretches before the
    QRS onsets around its beat (``evidence["p_sway"]``, from
    :func:`nk_qrs_lstm.rhythm.p_coherence`; ``sway``: share thresholds and
    factors, ``benchmarks/calibrate_sway.py``): the P wave is
    still found there, its limits less often within 50 ms. A QRS complex's
    confidence is scaled down where it is unlike its neighbours'
    (``evidence["qrs_likeness"]``, :func:`nk_qrs_lstm.ectopic.qrs_likeness`;
    ``likeness``: thresholds and factors, ``benchmarks/calibrate_likeness.py``):
    motion moves QRS limits there.

    Parameters
    ----------
    evidence : dict
        From :func:`decode_beats`.
    tables : dict of str -> (knots, values)
        Calibration table per wave (``"P"``, ``"R"``, ``"T"``).
    sway : (thresholds, factors)
        The P confidence's factor: ``factors[i]`` from ``thresholds[i - 1]`` of
        sway share (``factors[0]`` below the first, and where unknown).
    likeness : (thresholds, factors)
        The QRS confidence's factor, likewise of the QRS likeness (the last
        factor where unknown).

    Returns
    -------
    dict of str -> ndarray
        :data:`~nk_qrs_lstm.defaults.CONFIDENCE_KEYS`, values in [0, 1] rounded to 4 decimals, NaN
        where the beat has no such wave.
    """
    found = {"P": evidence["p_found"], "R": np.ones(len(evidence["r_height"]), dtype=bool),
             "T": evidence["t_found"]}
    height = {"P": evidence["p_height"], "R": evidence["r_height"], "T": evidence["t_height"]}
    out = {}
    for key, wave in zip(CONFIDENCE_KEYS, ("P", "R", "T")):
        knots, values = tables[wave]
        conf = np.interp(np.nan_to_num(height[wave]), knots, values)
        if wave == "P":  # unknown share: below every threshold (factors[0])
            conf = conf * _step_factor(evidence.get("p_sway", np.full(len(conf), np.nan)), sway, unknown=-1.0)
        elif wave == "R":  # unknown likeness: above every threshold (the last factor)
            conf = conf * _step_factor(evidence.get("qrs_likeness", np.full(len(conf), np.nan)), likeness,
                                       unknown=np.inf)
        out[key] = np.where(found[wave], np.round(conf, 4), np.nan)  # 4 decimals: what is known
    return out
