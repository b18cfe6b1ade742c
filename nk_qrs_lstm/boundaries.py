"""From per-sample probabilities to waves: onsets, peaks and offsets.

Pure numpy functions, vectorised over waves (no per-beat Python loop):

1. :func:`segments` - argmax class runs, short gaps closed, too-short runs
   dropped, boundaries refined to a fraction of a sample where the winning
   class changes;
2. :func:`nk_qrs_lstm.decoding.decode_beats` - one row per QRS complex, its
   P and T waves read off their own probability (beat grammar, rhythm gate);
   :func:`assemble_beats` is the argmax alternative (``decoder="argmax"``);
3. :mod:`nk_qrs_lstm.peaks` - peaks as signal extrema inside each wave.

Indices of the result are in the caller's sampling rate.
"""

import numpy as np

from .decoding import confidence, decode_beats
from .defaults import (
    BEAT_KEYS,
    CONFIDENCE_KEYS,
    EDGE_MARGIN_S,
    GAP_MERGE_S,
    MODEL_RATE,
    P_MIN_S,
    PR_MAX_S,
    QRS_MIN_S,
    QT_MAX_S,
    R_PEAK_INVERTED_RATIO,
    T_MIN_S,
    n_samples,
)
from .peaks import extremum, qs_peaks
from .spectra import runs

_MIN_S = {1: P_MIN_S, 2: QRS_MIN_S, 3: T_MIN_S}


def _runs(mask):
    """Start and inclusive end of each run of True in a boolean array."""
    found = runs(mask)
    return found[:, 0], found[:, 1] - 1


def _close_gaps(mask, max_gap):
    """Fill runs of False of at most ``max_gap`` samples that lie between two True runs."""
    starts, ends = _runs(mask)
    if len(starts) < 2:
        return mask
    gaps = starts[1:] - ends[:-1] - 1
    short = gaps <= max_gap
    lengths = gaps[short]
    first = ends[:-1][short] + 1
    idx = np.repeat(first, lengths) + np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out = mask.copy()
    out[idx] = True
    return out


def _margin(proba, idx, cls):
    """``P(cls) - max(P(other classes))`` at the samples ``idx`` only."""
    rows = proba[idx]
    others = np.delete(rows, cls, axis=1).max(axis=1)
    return rows[:, cls].astype(np.float64) - others


def _crossing(proba, left, cls):
    """Fractional position where the class margin changes sign between ``left`` and ``left + 1``."""
    a, b = _margin(proba, left, cls), _margin(proba, left + 1, cls)
    denom = a - b
    frac = np.divide(a, denom, out=np.full(len(left), 0.5), where=np.abs(denom) > 1e-12)
    return left + np.clip(frac, 0.0, 1.0)


def segments(proba, rate=MODEL_RATE, gap_s=GAP_MERGE_S, refine=True, min_s=None, classes=(1, 2, 3)):
    """Turn per-sample class probabilities into wave segments.

    Parameters
    ----------
    proba : ndarray, shape (n_samples, 4)
        Background, P, QRS, T probabilities (rows sum to 1).
    rate : float
        Sampling rate of ``proba`` in Hz.
    gap_s : float
        Gaps shorter than this (s) inside one wave are closed.
    refine : bool
        Place each boundary where the winning class changes, by linear
        interpolation of the probability margin (sub-sample precision).
    min_s : dict of int -> float, optional
        Shortest wave kept per class (s); default P 45 ms, QRS 45 ms, T 75 ms.
    classes : tuple of int
        Classes to return (1: P, 2: QRS, 3: T).

    Returns
    -------
    dict of int -> ndarray, shape (n_waves, 2)
        For classes 1 (P), 2 (QRS), 3 (T): onset and offset positions in
        samples of ``proba`` (float; the onset is the first sample in the wave,
        the offset the last); and ``"run_starts"``: class -> the integer first
        sample of each run before refinement.

    Examples
    --------
    >>> p = np.zeros((30, 4)); p[:, 0] = 1; p[5:20] = [0, 0, 1, 0]
    >>> segments(p, rate=250, refine=False)[2].tolist()
    [[5.0, 19.0]]
    """
    proba = np.asarray(proba)
    winner = np.argmax(proba, axis=1)
    min_s = _MIN_S if min_s is None else min_s
    out = {"run_starts": {}}
    for cls in classes:
        mask = _close_gaps(winner == cls, n_samples(gap_s, rate))
        starts, ends = _runs(mask)
        keep = (ends - starts + 1) >= n_samples(min_s[cls], rate)
        out["run_starts"][cls] = starts[keep]  # integer first sample of each run (before refinement)
        starts, ends = starts[keep].astype(float), ends[keep].astype(float)
        if refine and len(starts):  # the margin is only needed beside each boundary
            inner = starts >= 1
            starts[inner] = _crossing(proba, starts[inner].astype(int) - 1, cls) + 0.5
            inner = ends <= len(proba) - 2
            ends[inner] = _crossing(proba, ends[inner].astype(int), cls) - 0.5
        out[cls] = np.stack([starts, ends], axis=1) if len(starts) else np.empty((0, 2))
    return out


def _last_per_group(groups, values):
    """For each distinct group, the value that appears last."""
    uniq, first_rev = np.unique(groups[::-1], return_index=True)
    return uniq, values[::-1][first_rev]


def _first_per_group(groups, values):
    uniq, first = np.unique(groups, return_index=True)
    return uniq, values[first]


def assemble_beats(segs, rate, pr_max_s=PR_MAX_S, qt_max_s=QT_MAX_S):
    """Group segments into beats in physiological order P -> QRS -> T.

    A P wave belongs to the QRS that follows it if it ends before that QRS
    starts, starts after the previous QRS ends and its onset is at most
    ``pr_max_s`` before the QRS onset (the last such P is kept). A T wave
    belongs to the QRS before it if it starts after that QRS ends, ends
    before the next QRS starts, and ends at most ``qt_max_s`` after the QRS
    onset (the first such T is kept).

    Parameters
    ----------
    segs : dict
        Output of :func:`segments`.
    rate : float
        Sampling rate of the segment positions (Hz).

    Returns
    -------
    ndarray, shape (n_qrs, 6)
        P onset, P offset, QRS onset, QRS offset, T onset, T offset per beat
        (NaN where the beat has no such wave).
    """
    qrs = segs[2]
    beats = np.full((len(qrs), 6), np.nan)
    beats[:, 2:4] = qrs
    if not len(qrs):
        return beats
    prev_off = np.concatenate([[-np.inf], qrs[:-1, 1]])
    next_on = np.concatenate([qrs[1:, 0], [np.inf]])
    p = segs[1]
    if len(p):
        k = np.searchsorted(qrs[:, 0], p[:, 0], side="right")  # the QRS after each P
        ok = k < len(qrs)
        kk = np.minimum(k, len(qrs) - 1)
        ok &= (p[:, 1] <= qrs[kk, 0]) & (p[:, 0] >= prev_off[kk])
        ok &= (qrs[kk, 0] - p[:, 0]) <= pr_max_s * rate
        beat, idx = _last_per_group(kk[ok], np.flatnonzero(ok))
        beats[beat, 0:2] = p[idx]
    t = segs[3]
    if len(t):
        k = np.searchsorted(qrs[:, 0], t[:, 0], side="right") - 1  # the QRS before each T
        ok = k >= 0
        kk = np.maximum(k, 0)
        ok &= (t[:, 0] >= qrs[kk, 1]) & (t[:, 1] <= next_on[kk])
        ok &= (t[:, 1] - qrs[kk, 0]) <= qt_max_s * rate
        beat, idx = _first_per_group(kk[ok], np.flatnonzero(ok))
        beats[beat, 4:6] = t[idx]
    return beats


def _edge_samples(rate):
    """``EDGE_MARGIN_S`` in samples at ``rate`` (rounded up, at least 1)."""
    return max(int(np.ceil(EDGE_MARGIN_S * rate - 1e-9)), 1)


def _near_unknown(unknown, k):
    """Is any of the ``k`` samples on either side of each sample unknown or beyond the track?"""
    if not unknown.any():  # no gap (the usual case): only the ends of the track
        near = np.zeros(len(unknown), dtype=bool)
        near[:k] = True
        near[max(len(unknown) - k, 0):] = True
        return near
    padded = np.concatenate([np.ones(k, dtype=bool), unknown, np.ones(k, dtype=bool)]).astype(np.int64)
    count = np.concatenate([[0], np.cumsum(padded)])
    i = np.arange(len(unknown)) + k  # position of sample i in padded
    return (count[i] - count[i - k] > 0) | (count[i + k + 1] - count[i + 1] > 0)


def delineate_proba(proba, signal, sampling_rate, rate=MODEL_RATE, refine=True, unknown=None,
                    gap_s=GAP_MERGE_S, min_s=None, ratio=None, offset=0, clean=None, decoder="proba",
                    evidence=False, x=None, **decode_kw):
    """Probabilities -> one row per QRS complex with every fiducial point.

    Parameters
    ----------
    proba : ndarray, shape (n_model, 4)
        Probabilities at ``rate`` Hz.
    signal : ndarray, shape (n_samples,)
        The caller's whole signal at ``sampling_rate`` (used for the peaks).
    sampling_rate : float
        Caller's sampling rate (Hz); every index returned is at this rate.
    rate : float
        Sampling rate of ``proba``.
    refine, gap_s, min_s
        Passed to :func:`segments`.
    unknown : ndarray of bool, shape (n_model,), optional
        Samples of ``proba`` where the signal was missing (gaps). A boundary
        within ``EDGE_MARGIN_S`` of a gap or of the edge of ``proba`` (or of the
        caller's signal) is unknown: NaN, never the gap's edge.
    ratio : float, optional
        Caller samples per sample of ``proba`` (default
        ``sampling_rate / rate``); the pipeline passes the exact ratio of its
        resampler so that indices never drift.
    offset : int
        Position of ``proba[0]`` in the whole model-rate track (``proba`` may
        be one block of a long signal).
    clean : ndarray, optional
        ``signal`` with non-finite samples set to 0 (computed when omitted).
    decoder : {"proba", "argmax"}
        ``"proba"``: QRS complexes from :func:`segments`, P and T waves from
        their own probability with the beat grammar and the rhythm gate
        (:func:`nk_qrs_lstm.decoding.decode_beats`); ``"argmax"``: every wave
        from :func:`segments`, grouped by :func:`assemble_beats`.
    evidence : bool
        Also return the decoder's per-beat evidence (bump heights, rhythm
        gate) as keys ``"evidence_<name>"`` (for tuning).
    x : ndarray, shape (n_model,), optional
        The model-rate signal ``proba`` was computed from (aligned with it):
        lets the rhythm gate compare the stretches before the QRS complexes
        (:func:`nk_qrs_lstm.rhythm.p_coherence`).
    **decode_kw
        Passed to :func:`nk_qrs_lstm.decoding.decode_beats` (thresholds).

    Returns
    -------
    dict of str -> ndarray
        Keys of :data:`~nk_qrs_lstm.defaults.BEAT_KEYS` (float, one value per
        detected QRS complex, NaN where a wave is absent), the calibrated
        confidences :data:`~nk_qrs_lstm.defaults.CONFIDENCE_KEYS` (in [0, 1],
        NaN where the wave is absent; all NaN with ``decoder="argmax"``), plus
        ``"span_on"`` and ``"span_off"`` (the QRS run's extent in caller samples, known even
        where a limit is NaN: used to match R-peaks) and ``"owner"`` (int: the
        first model sample of the QRS run in the whole track). Within a beat:
        P on <= P peak <= P off <= QRS on <= Q <= R <= S <= QRS off <= T on <=
        T peak <= T off.
    """
    signal = np.asarray(signal, dtype=np.float64)
    n = len(signal)
    ratio = sampling_rate / rate if ratio is None else ratio
    if decoder == "argmax":
        segs = segments(proba, rate, gap_s=gap_s, refine=refine, min_s=min_s)
        beats, ev = assemble_beats(segs, rate), {}
        conf = dict.fromkeys(CONFIDENCE_KEYS, np.full(len(beats), np.nan))
    else:
        segs = segments(proba, rate, gap_s=gap_s, refine=refine, min_s=min_s, classes=(2,))
        beats, ev = decode_beats(proba, segs[2], rate, x=x, **decode_kw)
        conf = confidence(ev)
    spans = np.clip(np.round((segs[2] + offset) * ratio), 0, n - 1)  # before any NaN: for matching R-peaks
    # the integer run start: identical in every block that sees the complex, so each beat has one owner
    owner = segs["run_starts"][2].astype(np.int64) + offset
    # a wave cut by the edge of proba or by a gap has an unknown onset (or offset): NaN
    m = len(proba)
    unknown = np.zeros(m, dtype=bool) if unknown is None else np.asarray(unknown, dtype=bool)
    near = _near_unknown(unknown, _edge_samples(rate))  # a boundary this close to an edge or a gap is unknown
    onsets, offsets = beats[:, 0::2], beats[:, 1::2]
    with np.errstate(invalid="ignore"):
        on_idx = np.clip(np.floor(np.nan_to_num(onsets, nan=1)), 0, m - 1).astype(np.int64)
        off_idx = np.clip(np.ceil(np.nan_to_num(offsets, nan=0)), 0, m - 1).astype(np.int64)
    onsets[near[on_idx] & np.isfinite(onsets)] = np.nan
    offsets[near[off_idx] & np.isfinite(offsets)] = np.nan
    beats[:, 0::2], beats[:, 1::2] = onsets, offsets
    beats = np.round((beats + offset) * ratio)
    edge = _edge_samples(sampling_rate)  # the same margin in the caller's samples
    with np.errstate(invalid="ignore"):
        beats[(beats <= edge) | (beats >= n - 1 - edge)] = np.nan
    beats = np.clip(beats, 0, n - 1)
    # physiological order survives rounding: neighbours may touch, never cross
    with np.errstate(invalid="ignore"):  # NaN compares False: a missing point stays missing
        late_p = beats[:, 1] > beats[:, 2]
        early_t = beats[:, 4] < beats[:, 3]
    beats[late_p, 1] = beats[late_p, 2]
    beats[early_t, 4] = beats[early_t, 3]
    # a QRS must keep a positive duration after rounding
    short = beats[:, 3] <= beats[:, 2]
    beats[short, 3] = np.minimum(beats[short, 2] + 1, n - 1)
    # keep complexes with a positive duration and at least one known limit (a complex covering the
    # whole signal carries no information)
    keep = ~(beats[:, 3] <= beats[:, 2]) & (np.isfinite(beats[:, 2]) | np.isfinite(beats[:, 3]))
    beats, spans, owner = beats[keep], spans[keep], owner[keep]
    clean = np.where(np.isfinite(signal), signal, 0.0) if clean is None else clean
    out = {
        "ECG_P_Onsets": beats[:, 0], "ECG_P_Offsets": beats[:, 1],
        "ECG_R_Onsets": beats[:, 2], "ECG_R_Offsets": beats[:, 3],
        "ECG_T_Onsets": beats[:, 4], "ECG_T_Offsets": beats[:, 5],
    }
    out["ECG_P_Peaks"] = extremum(clean, beats[:, 0], beats[:, 1], kind="upright")
    out["ECG_T_Peaks"] = extremum(clean, beats[:, 4], beats[:, 5])
    out["ECG_R_Peaks"] = extremum(clean, beats[:, 2], beats[:, 3], kind="upright", inverted_ratio=R_PEAK_INVERTED_RATIO)
    out.update(qs_peaks(clean, out["ECG_R_Onsets"], out["ECG_R_Peaks"], out["ECG_R_Offsets"]))
    table = {k: out[k] for k in BEAT_KEYS}
    table.update({k: v[keep] for k, v in conf.items()})
    table.update(span_on=spans[:, 0], span_off=spans[:, 1], owner=owner)
    if evidence:
        table.update({f"evidence_{k}": v[keep] for k, v in ev.items()})
    return table
