"""Ventricular ectopic beats: premature, with a QRS unlike their neighbours' or wider, and no P wave of their own.

Pure functions on per-beat arrays, used by :func:`nk_qrs_lstm.decoding.decode_beats`
beside the rhythm gate (:mod:`nk_qrs_lstm.rhythm`, which judges stretches of
beats; these are judged one by one):

- :func:`qrs_likeness`: how much each beat's QRS looks like those around it;
- :func:`ectopic_beats`: premature beats whose QRS is unlike their neighbours', or wider than the on-time
  beats' without a clear P bump of its own.

The settings were chosen on the validation splits (``docs/decoding.md``, "No P
wave before a ventricular premature beat").
"""

import warnings

import numpy as np

from .defaults import (ECTOPIC_CONTEXT_S, ECTOPIC_MIN_LIKENESS, ECTOPIC_RR_RATIO, ECTOPIC_WEAK_P, ECTOPIC_WIDTH_RATIO,
                       GATE_MIN_BEATS, QRS_LIKENESS_WINDOW_S)
from .beat_context import _context, _stretches, _unit_rows

CHUNK_BEATS = 8192  # beats whose context medians are taken at once (bounds memory on dense detections)


def _context_median(times, values, half):
    """Median of ``values`` (NaN left out) over the beats within ``half`` of each beat (NaN: none)."""
    lo, hi = _context(times, half)
    out = np.full(len(times), np.nan)
    for a in range(0, len(times), CHUNK_BEATS):
        b = min(a + CHUNK_BEATS, len(times))
        width = int(np.max(hi[a:b] - lo[a:b], initial=0))
        if width == 0:
            continue
        idx = lo[a:b, None] + np.arange(width)
        inside = idx < hi[a:b, None]
        vals = np.where(inside, values[np.minimum(idx, len(values) - 1)], np.nan)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN context: NaN
            out[a:b] = np.nanmedian(vals, axis=1)
    return out


def qrs_likeness(x, qrs_on, rate, context_s=ECTOPIC_CONTEXT_S, window_s=QRS_LIKENESS_WINDOW_S):
    """How much each beat's QRS looks like those of the beats around it.

    Each beat's stretch ``x[on - window_s[0] : on + window_s[1]]`` loses its
    mean and is scaled to unit norm; its likeness is its correlation with the
    sum of the other stretches within ``context_s`` (vectorised with
    cumulative sums over beats). Beats conducted from the atria share one QRS
    shape (near 1); a beat from the ventricle has its own (near 0 or below).

    Parameters
    ----------
    x : ndarray, shape (n,)
        The signal, at ``rate`` (high-passed).
    qrs_on : ndarray of float
        QRS onsets (samples of ``x``, sorted).
    rate : float
        Sampling rate of ``x`` (Hz).
    context_s : float
        Beats within this distance are compared (s).
    window_s : (float, float)
        The stretch around each QRS onset: before, after (s).

    Returns
    -------
    ndarray of float
        Correlation in [-1, 1] per beat (NaN: the stretch is cut by an edge of
        ``x`` or flat, or no other whole stretch is near).

    Examples
    --------
    >>> rate, on = 250.0, np.arange(1.0, 9.0) * 250
    >>> t = np.arange(2500) / rate
    >>> x = np.exp(-(((t % 1.0) - 0.04) / 0.01) ** 2)  # the same QRS 40 ms after each onset ...
    >>> x[1250:1300] = -x[1250:1300] + 0.5 * np.sin(np.arange(50) / 4)  # ... but one
    >>> np.round(qrs_likeness(x, on, rate), 1).tolist()
    [1.0, 1.0, 1.0, 1.0, -0.5, 1.0, 1.0, 1.0]
    """
    x = np.asarray(x, dtype=np.float64)
    on = np.asarray(qrs_on, dtype=np.float64)
    if not len(x):
        return np.full(len(on), np.nan)
    seg, ok = _stretches(x, on, rate, (window_s[0], -window_s[1]), detrend=0)  # from before to after the onset
    scale = max(1.0, float(np.abs(np.nan_to_num(seg)).max(initial=0.0)))  # the stretches', not the whole x's
    z, ok = _unit_rows(seg, ok, scale)
    lo, hi = _context(on, context_s * rate)
    cum = np.vstack([np.zeros(seg.shape[1]), np.cumsum(z, axis=0)])
    others = cum[hi] - cum[lo] - z
    size = np.linalg.norm(others, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (z * others).sum(axis=1) / size
    return np.where(ok & (size > 1e-9), out, np.nan)


def ectopic_beats(qrs_on, likeness, rate, rr_ratio=ECTOPIC_RR_RATIO, min_likeness=ECTOPIC_MIN_LIKENESS,
                  context_s=ECTOPIC_CONTEXT_S, min_beats=GATE_MIN_BEATS, width=None, p_height=None,
                  width_ratio=ECTOPIC_WIDTH_RATIO, weak_p=ECTOPIC_WEAK_P):
    """Premature beats whose QRS looks unlike their neighbours' or is wider: ventricular ectopic beats, without a P
    wave.

    A premature ventricular contraction starts in the ventricle: it comes
    early, its QRS has a shape of its own, and no P wave leads it (a sinus P
    wave may fall anywhere around it, not at a PR interval before it). The
    network reads the baseline or the previous T wave before such a beat as a
    faint P bump, and the decoder would report a P wave that is not there. A
    beat is ectopic when its RR interval (from the previous QRS onset) is at
    most ``rr_ratio`` times the median RR interval of the beats within
    ``context_s`` and its QRS looks unlike theirs (:func:`qrs_likeness` below
    ``min_likeness``). A premature atrial beat keeps the QRS of its
    neighbours, a beat conducted with a bundle-branch block among others like
    it keeps their shape, and a fusion beat comes on time: they keep their P
    waves.

    A ventricular beat of the normal beats' polarity may look like them
    (trial 30: likeness about 0.86); with ``width`` and ``p_height`` given, a
    premature beat whose QRS is at least ``width_ratio`` times the median
    width of the on-time (not premature) beats in its context and whose own
    P bump stays under ``weak_p`` is ectopic too. An atrial beat conducted
    with aberration is as wide, but its P wave leads it: a clear bump keeps it.

    Parameters
    ----------
    qrs_on : ndarray of float
        QRS onsets (samples, sorted).
    likeness : ndarray of float
        :func:`qrs_likeness` per beat (NaN: not judged).
    rate : float
        Sampling rate of the positions (Hz).
    rr_ratio : float
        The beat's RR interval / the context's median, at most (premature).
    min_likeness : float
        Lowest likeness of a premature beat's QRS to its neighbours' for a P
        wave of its own.
    context_s : float
        Beats within this distance of the beat's onset are its context (s).
    min_beats : int
        Fewest beats in the context for a judgement (fewer: not ectopic).
    width : ndarray of float, optional
        QRS width per beat (samples; NaN: not judged). Without it (or
        ``p_height``) only the likeness decides.
    p_height : ndarray of float, optional
        Height of each beat's strongest P bump, accepted or not (NaN: no
        window, no bump).
    width_ratio : float
        Width / the on-time beats' median width, at least (wide).
    weak_p : float
        A wide premature beat whose P bump stays under this has no P wave.

    Returns
    -------
    ndarray of bool
        True for a beat without a P wave of its own.

    Examples
    --------
    >>> on = np.arange(10) * 200.0
    >>> on[[3, 6]] -= 60  # two premature beats, one of them unlike the others
    >>> likeness = np.r_[[0.95] * 6, 0.1, [0.95] * 3]
    >>> np.flatnonzero(ectopic_beats(on, likeness, rate=250)).tolist()
    [6]
    >>> width = np.r_[[22.0] * 3, 35.0, [22.0] * 6]  # beat 3 is also wide, without a P bump of its own
    >>> np.flatnonzero(ectopic_beats(on, likeness, 250, width=width, p_height=np.r_[[0.99] * 3, 0.05, [0.99] * 6]))
    array([3, 6])
    >>> np.flatnonzero(ectopic_beats(on, likeness, 250, width=width, p_height=np.full(10, 0.9)))  # its P is clear
    array([6])
    """
    on = np.asarray(qrs_on, dtype=np.float64)
    n = len(on)
    if n < 2:
        return np.zeros(n, dtype=bool)
    rr = np.append(np.nan, np.diff(on))
    half = context_s * rate
    lo, hi = _context(on, half)
    with np.errstate(invalid="ignore"):
        premature = rr <= rr_ratio * _context_median(on, rr, half)
        odd = np.asarray(likeness, dtype=np.float64) < min_likeness
        if width is not None and p_height is not None:
            width, p_height = np.asarray(width, dtype=np.float64), np.asarray(p_height, dtype=np.float64)
            if width.shape != on.shape or p_height.shape != on.shape:
                raise ValueError(f"width and p_height have {width.size} and {p_height.size} values, must have one "
                                 f"per beat ({n}).")
            on_time = _context_median(on, np.where(premature, np.nan, width), half)
            odd |= (width >= width_ratio * on_time) & (np.nan_to_num(p_height, nan=0.0) < weak_p)
        return premature & odd & ((hi - lo) >= min_beats)
