"""The caller's R-peaks and the QRS complexes the network found: one row per R-peak.

NeuroKit's ``ecg_delineate`` answers per R-peak; the network finds QRS
complexes. :func:`match_rpeaks` gives each R-peak its complex (one to one),
:func:`align` builds the per-R-peak table, and :func:`warn_unmatched` says
when the R-peaks leave complexes undelineated (a detector that missed beats).
"""

import numpy as np

from ._checks import warn
from .defaults import (
    BEAT_KEYS,
    CONFIDENCE_KEYS,
    RPEAK_MISS_CONFIDENCE,
    RPEAK_MISS_EDGE_S,
    RPEAK_MISS_FRACTION,
    RPEAK_MISS_MIN,
    RPEAK_REACH_RR,
    RPEAK_REACH_S,
)


def match_rpeaks(rpeaks, span_on, span_off, sampling_rate):
    """Row of the QRS complex given to each R-peak (-1 if none).

    The rule: an R-peak's distance to a QRS is 0 inside its span and the
    distance to the nearer edge outside. Each R-peak may only take a QRS
    within its reach: ``RPEAK_REACH_S`` (150 ms), and never more than
    ``RPEAK_REACH_RR`` (half) of the RR interval to either neighbouring
    R-peak. Each QRS goes to at most one R-peak: the nearest (ties: the one
    nearer the QRS centre); an R-peak that loses its nearest QRS takes its
    next nearest within reach, if unclaimed.

    Parameters
    ----------
    rpeaks : ndarray of int, sorted
    span_on, span_off : ndarray of float, sorted, no NaN
        Extent of each QRS complex (caller samples).
    sampling_rate : float

    Returns
    -------
    ndarray of int, shape (len(rpeaks),)

    Examples
    --------
    >>> match_rpeaks(np.array([100, 140, 400]), np.array([90.0, 380.0]), np.array([120.0, 420.0]), 500).tolist()
    [0, -1, 1]
    """
    rpeaks = np.asarray(rpeaks, dtype=float)
    rows = np.full(len(rpeaks), -1, dtype=np.int64)
    if not len(span_on) or not len(rpeaks):
        return rows
    rr = np.diff(rpeaks)
    nearest_rr = np.minimum(np.concatenate([[np.inf], rr]), np.concatenate([rr, [np.inf]]))
    reach = np.minimum(RPEAK_REACH_S * sampling_rate, RPEAK_REACH_RR * nearest_rr)
    # candidates: the two complexes either side of each R-peak, and the one after
    k = np.searchsorted(span_on, rpeaks, side="right")
    cand = np.clip(np.stack([k - 2, k - 1, k], axis=1), 0, len(span_on) - 1)
    dist = np.maximum.reduce([span_on[cand] - rpeaks[:, None], rpeaks[:, None] - span_off[cand],
                              np.zeros(cand.shape)])
    centre = np.abs(rpeaks[:, None] - (span_on[cand] + span_off[cand]) / 2)
    cost = np.where(dist <= reach[:, None], dist + 1e-6 * centre, np.inf)
    order = np.argsort(cost, axis=1, kind="stable")
    cand, cost = np.take_along_axis(cand, order, 1), np.take_along_axis(cost, order, 1)
    taken = np.zeros(len(span_on), dtype=bool)
    choice = np.zeros(len(rpeaks), dtype=np.int64)  # which candidate each R-peak proposes to
    for _ in range(cand.shape[1]):
        free = (rows < 0) & (choice < cand.shape[1])
        idx = np.flatnonzero(free)
        c = np.minimum(choice[idx], cand.shape[1] - 1)
        qrs, cst = cand[idx, c], cost[idx, c]
        ok = np.isfinite(cst) & ~taken[qrs]
        idx, qrs, cst = idx[ok], qrs[ok], cst[ok]
        best = np.lexsort((cst, qrs))  # per QRS, the cheapest proposer wins
        _, first = np.unique(qrs[best], return_index=True)
        win = best[first]
        rows[idx[win]] = qrs[win]
        taken[qrs[win]] = True
        choice[free] += 1
    return rows


def align(beats, rpeaks, sampling_rate, rows=None):
    """One row per R-peak: each R-peak gets the fiducials of its QRS complex.

    Parameters
    ----------
    beats : dict
        Output of :func:`find_beats`.
    rpeaks : ndarray of int or None
        The caller's R-peaks; ``None``: one row per QRS complex found, with
        the model's R-peaks.
    sampling_rate : float
    rows : ndarray of int, optional
        :func:`match_rpeaks` of ``rpeaks``, where the caller has it already.

    Returns
    -------
    dict of str -> ndarray of float
        Keys :data:`~nk_qrs_lstm.defaults.BEAT_KEYS` (and the decoder's
        :data:`~nk_qrs_lstm.defaults.CONFIDENCE_KEYS`), all of the same length;
        NaN where a beat has no such wave (an R-peak matched to no QRS has
        NaN everywhere but its R-peak).
    """
    keys = BEAT_KEYS + tuple(k for k in CONFIDENCE_KEYS if k in beats)
    if rpeaks is None:
        return {k: np.asarray(beats[k], dtype=float) for k in keys}
    if rows is None:
        rows = match_rpeaks(rpeaks, beats["span_on"], beats["span_off"], sampling_rate)
    ok = rows >= 0
    out = {}
    for key in keys:
        col = np.full(len(rpeaks), np.nan)
        col[ok] = beats[key][rows[ok]]
        out[key] = col
    out["ECG_R_Peaks"] = np.asarray(rpeaks, dtype=float)
    return out


def unmatched_complexes(rows, span_on, span_off, n_samples, sampling_rate, edge_s=RPEAK_MISS_EDGE_S, sure=None):
    """QRS complexes that no R-peak takes, away from the signal's ends.

    Parameters
    ----------
    rows : ndarray of int
        :func:`match_rpeaks` of the caller's R-peaks (the complex each one takes, -1 for none).
    span_on, span_off : ndarray of float, sorted, no NaN
        Extent of each QRS complex (caller samples).
    n_samples : int
        Length of the signal.
    sampling_rate : float
    edge_s : float
        Complexes closer than this to either end are not counted (R-peak
        detectors skip the beats at the edges).
    sure : ndarray of bool, optional
        The complexes to count (e.g. those the network does not doubt); all by default.

    Returns
    -------
    missed : ndarray of int
        Indices of the complexes without an R-peak.
    counted : int
        Complexes away from the ends.

    Examples
    --------
    >>> on = np.arange(1, 10) * 500.0
    >>> rows = match_rpeaks(np.array([1010, 3010, 4010]), on, on + 40, 500)
    >>> unmatched_complexes(rows, on, on + 40, 5000, 500)[0].tolist()
    [0, 2, 3, 4, 6]
    """
    edge = edge_s * sampling_rate
    inner = (np.asarray(span_on) >= edge) & (np.asarray(span_off) <= n_samples - 1 - edge)
    if sure is not None:
        inner &= np.asarray(sure, dtype=bool)
    taken = np.zeros(len(span_on), dtype=bool)
    taken[rows[rows >= 0]] = True
    return np.flatnonzero(inner & ~taken), int(inner.sum())


def warn_unmatched(rows, span_on, span_off, n_samples, sampling_rate, confidence=None, shown=5):
    """Warn when the caller's R-peaks (``rows``: their :func:`match_rpeaks`) leave at least ``RPEAK_MISS_MIN`` and
    ``RPEAK_MISS_FRACTION`` of the QRS complexes found undelineated (a detector that missed beats: their rows are
    simply not there). Complexes whose QRS ``confidence`` is under ``RPEAK_MISS_CONFIDENCE`` are left out: the
    network doubts them, so a detector that skipped them need not have missed a beat."""
    sure = None if confidence is None else ~(np.asarray(confidence, dtype=float) < RPEAK_MISS_CONFIDENCE)  # NaN: kept
    missed, counted = unmatched_complexes(rows, span_on, span_off, n_samples, sampling_rate, sure=sure)
    if len(missed) < max(RPEAK_MISS_MIN, RPEAK_MISS_FRACTION * counted):
        return
    at = ", ".join(f"{span_on[i] / sampling_rate:.1f} s" for i in missed[:shown])
    more = f" and {len(missed) - shown} more" if len(missed) > shown else ""
    warn(f"rpeaks has no R-peak for {len(missed)} of the {counted} QRS complexes found more than "
         f"{RPEAK_MISS_EDGE_S:g} s from the signal's ends (at {at}{more}): those beats are not delineated. Pass "
         "rpeaks=None to delineate every QRS complex found (one row each), or check the R-peak detector "
         "(ecg_process takes nk.ecg_peaks' R-peaks: there, call ecg_delineate on the cleaned signal without them).")
