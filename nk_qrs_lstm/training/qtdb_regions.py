"""Which stretches of a QTDB record its cardiologist marked: beats from the marks, regions of complete reference.

The QT database's experts annotated 30-100 beats per record, not all: a beat the annotator skipped is unknown,
not background. :func:`qtdb_beats` groups the marked waves into beats, :func:`qtdb_regions` joins consecutive
marked beats into regions where every sample's label is known (used by
:func:`nk_qrs_lstm.training.datasets.read_qtdb`).
"""

import os

import numpy as np

from ..defaults import QTDB_BEAT_GAP_S, QTDB_MATCH_S, QTDB_RR_FRACTION
from .annotations import BEAT_SYMBOLS


def qtdb_beats(waves):
    """Group QTDB waves into annotated beats (one row per QRS).

    The P wave attached to a beat is the last P whose peak precedes the QRS
    peak and follows the previous QRS; the T wave is the first T after the QRS
    and before the next QRS.

    Returns
    -------
    ndarray, shape (n_beats, 9)
        P on/peak/off, QRS on/peak/off, T on/peak/off (NaN where absent or not
        annotated).
    """
    qrs = waves["QRS"]
    beats = np.full((len(qrs), 9), np.nan)
    beats[:, 3:6] = qrs
    peaks = qrs[:, 1]
    bounds = np.concatenate([[-np.inf], peaks, [np.inf]])  # the QRS peaks delimit the beats
    for i in range(len(qrs)):
        p = waves["P"][(waves["P"][:, 1] > bounds[i]) & (waves["P"][:, 1] < peaks[i])]
        t = waves["T"][(waves["T"][:, 1] > peaks[i]) & (waves["T"][:, 1] < bounds[i + 2])]
        if len(p):
            beats[i, 0:3] = p[-1]
        if len(t):
            beats[i, 6:9] = t[0]
    return beats


def _unannotated_beats(wfdb, base, qrs, rate):
    """Beats of the record's full beat reference (``.atr``) that the delineation file skips."""
    if not os.path.exists(base + ".atr"):
        return np.empty(0)
    atr = wfdb.rdann(base, "atr")
    beats = atr.sample[np.isin(atr.symbol, list(BEAT_SYMBOLS))].astype(float)
    if not len(qrs):
        return beats
    peaks = np.sort(qrs[:, 1])
    k = np.clip(np.searchsorted(peaks, beats), 1, len(peaks) - 1) if len(peaks) > 1 else np.zeros(len(beats), int)
    near = np.minimum(np.abs(beats - peaks[k]), np.abs(beats - peaks[np.maximum(k - 1, 0)]))
    return beats[near > QTDB_MATCH_S * rate]


def qtdb_regions(beats, rate, unannotated=()):
    """Regions of complete reference in a QTDB record.

    A region runs from the first to the last mark of a run of annotated beats.
    Two consecutive annotated beats are in one run only if the silence between
    them is shorter than ``QTDB_BEAT_GAP_S`` and than ``QTDB_RR_FRACTION`` of
    the median RR interval, and no unannotated beat of the record's ``.atr``
    reference lies between them: a beat the cardiologist skipped is unknown,
    not background.

    Parameters
    ----------
    beats : ndarray, shape (n_beats, 9)
        From :func:`qtdb_beats`.
    rate : float
        Hz.
    unannotated : array-like
        Sample indices of beats that are not annotated.

    Returns
    -------
    ndarray of int64, shape (n_regions, 2)
    """
    if not len(beats):
        return np.empty((0, 2), dtype=np.int64)
    starts = np.nanmin(beats[:, [0, 1, 3, 4]], axis=1)
    stops = np.nanmax(beats[:, [4, 5, 7, 8]], axis=1) + 1
    rr = np.diff(beats[:, 4])
    rr = rr[rr < QTDB_BEAT_GAP_S * rate]
    max_gap = min(QTDB_BEAT_GAP_S * rate, QTDB_RR_FRACTION * np.median(rr)) if len(rr) else QTDB_BEAT_GAP_S * rate
    unannotated = np.sort(np.asarray(unannotated, dtype=float))
    regions = []
    for s, e in zip(starts, stops):
        if regions:
            between = np.searchsorted(unannotated, s) - np.searchsorted(unannotated, regions[-1][1])
            if s - regions[-1][1] < max_gap and between == 0:
                regions[-1][1] = max(regions[-1][1], e)
                continue
        regions.append([s, e])
    return np.asarray(regions, dtype=np.int64).reshape(-1, 2)
