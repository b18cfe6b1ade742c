"""Peaks inside waves, on the signal: P and T peaks off the line joining each wave's limits, R, Q and S.

Pure numpy functions, vectorised over waves. Used by :mod:`nk_qrs_lstm.boundaries` once the wave limits are known.
"""

import numpy as np

from .defaults import P_PEAK_INVERTED_RATIO, QS_MIN_DEPTH


def _segment_argmax(score, starts, ends):
    """Index of the maximum of ``score(idx, seg)`` inside each [start, end] (vectorised)."""
    lengths = (ends - starts + 1).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    seg = np.repeat(np.arange(len(starts)), lengths)
    idx = starts[seg] + np.arange(lengths.sum()) - offsets[seg]
    values = score(idx, seg)
    best = np.maximum.reduceat(values, offsets)
    hits = np.flatnonzero(values == best[seg])
    _, first = np.unique(seg[hits], return_index=True)
    return idx[hits[first]].astype(float)


def extremum(signal, onsets, offsets, kind="deviation", inverted_ratio=P_PEAK_INVERTED_RATIO):
    """Position of a peak inside each wave.

    Parameters
    ----------
    signal : ndarray
        The caller's signal.
    onsets, offsets : ndarray of float
        Wave limits in samples of ``signal`` (NaN rows give NaN).
    kind : {"deviation", "upright", "max", "min"}
        ``"deviation"``: largest absolute distance from the straight line
        joining the signal at onset and offset (T peaks, either polarity);
        ``"upright"``: the largest distance above that line unless the
        largest below it is ``inverted_ratio`` times farther (P peaks:
        upright in most leads, and at fast rates a P wave that starts on the
        T wave's down-slope dips below the line before it rises);
        ``"max"`` / ``"min"``: signal maximum / minimum.
    inverted_ratio : float
        For ``kind="upright"``.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> x = np.array([0, 1, 3, 1, 0, -2, 0], dtype=float)
    >>> extremum(x, np.array([0.0, 3.0]), np.array([4.0, 6.0])).tolist()
    [2.0, 5.0]
    >>> y = np.array([0.2, 0, -0.1, 0.1, 0.4, 0.2])  # a dip, then a hump 1.5 times smaller
    >>> on, off = np.array([0.0]), np.array([5.0])
    >>> extremum(y, on, off).tolist(), extremum(y, on, off, kind="upright").tolist()
    ([2.0], [4.0])
    """
    out = np.full(len(onsets), np.nan)
    ok = np.isfinite(onsets) & np.isfinite(offsets) & (offsets >= onsets)
    if not ok.any():
        return out
    on, off = onsets[ok].astype(np.int64), offsets[ok].astype(np.int64)
    if kind in ("max", "min"):
        sign = 1.0 if kind == "max" else -1.0
        out[ok] = _segment_argmax(lambda idx, seg: sign * signal[idx], on, off)
        return out
    slope = (signal[off] - signal[on]) / np.maximum(off - on, 1)

    def above(idx, seg):  # signed distance from the line joining the limits
        return signal[idx] - (signal[on[seg]] + slope[seg] * (idx - on[seg]))

    rows = np.arange(len(on))
    if kind == "upright":
        high = _segment_argmax(above, on, off)
        low = _segment_argmax(lambda idx, seg: -above(idx, seg), on, off)
        inverted = -above(low.astype(np.int64), rows) > inverted_ratio * above(high.astype(np.int64), rows)
        found = np.where(inverted, low, high)
    else:
        found = _segment_argmax(lambda idx, seg: np.abs(above(idx, seg)), on, off)
    found[above(found.astype(np.int64), rows) == 0] = np.nan  # a wave that never leaves that line has no peak
    out[ok] = found
    return out


def qs_peaks(signal, onsets, rpeaks, offsets):
    """Q and S peaks: signal minima between QRS onset and R, and R and QRS offset.

    NaN where the interval is empty or a limit is missing, and where the minimum is not below R: where the
    complex's largest deflection is negative (a QS complex, lead aVR, an inverted signal) the "minimum" beside it
    would be the sample next to R. A Q or S must lie ``QS_MIN_DEPTH`` of the complex's peak-to-peak amplitude below
    R, and inside the complex: a minimum on the onset (offset) itself is the baseline before a QRS that starts
    with its upstroke (ends with its downstroke), not a Q (S) wave (NeuroKit's ``peak`` method returns NaN there).

    Examples
    --------
    >>> x = np.array([0, -1, 4, -2, 0, 0, 1, -5, 1, 0], dtype=float)
    >>> out = qs_peaks(x, np.array([0.0, 5.0]), np.array([2.0, 7.0]), np.array([4.0, 9.0]))
    >>> out["ECG_Q_Peaks"].tolist(), out["ECG_S_Peaks"].tolist()
    ([1.0, nan], [3.0, nan])
    >>> y = np.array([0, 2, 5, 2, -1, 0], dtype=float)  # no dip before the upstroke: no Q
    >>> out = qs_peaks(y, np.array([0.0]), np.array([2.0]), np.array([5.0]))
    >>> out["ECG_Q_Peaks"].tolist(), out["ECG_S_Peaks"].tolist()
    ([nan], [4.0])
    """
    q = extremum(signal, onsets, rpeaks - 1, kind="min")
    s = extremum(signal, rpeaks + 1, offsets, kind="min")
    first, last = np.where(np.isfinite(onsets), onsets, rpeaks), np.where(np.isfinite(offsets), offsets, rpeaks)
    low, high = extremum(signal, first, last, kind="min"), extremum(signal, first, last, kind="max")
    value = lambda idx: signal[np.nan_to_num(idx, nan=0).astype(np.int64)]  # noqa: E731
    with np.errstate(invalid="ignore"):  # NaN compares False: a missing peak stays missing
        # R must stand above its Q and S by a share of the complex's amplitude
        floor = value(rpeaks) - QS_MIN_DEPTH * (value(high) - value(low))
        for peaks in (q, s):
            peaks[~(value(peaks) < floor)] = np.nan
    q[q == onsets], s[s == offsets] = np.nan, np.nan
    return {"ECG_Q_Peaks": q, "ECG_S_Peaks": s}
