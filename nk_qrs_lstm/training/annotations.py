"""WFDB delineation marks -> waves -> per-sample training labels.

Pure functions on annotation symbols and sample indices (no file I/O): used
by the dataset readers, the WFDB adapter and training.
"""

import numpy as np

from ..defaults import UNLABELLED
from ..wfdb_io.marks import BEAT_SYMBOLS, parse_waves  # noqa: F401 (re-exported; marks <-> waves live there)

#: half-width of a wave whose extent is not annotated, masked around its peak [s]
UNKNOWN_HALF_WIDTH_S = {"P": 0.08, "QRS": 0.10, "T": 0.25, "U": 0.10, "?": 0.0}


def make_labels(n_samples, waves, regions, masks=None, sampling_rate=None):
    """Build the per-sample class labels used for training.

    Parameters
    ----------
    n_samples : int
        Length of the signal.
    waves : dict of str -> ndarray, shape (n, 3)
        As returned by :func:`parse_waves`.
    regions : ndarray, shape (k, 2)
        ``[start, stop)`` ranges where the reference is complete.
    masks : ndarray, shape (m, 2), optional
        Extra ``[start, stop)`` ranges to leave unlabelled inside the regions.
    sampling_rate : float, optional
        Hz; sets the width left unlabelled beside a peak whose onset or offset
        is missing (:data:`UNKNOWN_HALF_WIDTH_S`). Without it, the known half
        of the wave is mirrored.

    Returns
    -------
    ndarray of int8, shape (n_samples,)
        0 background, 1 P, 2 QRS, 3 T and ``UNLABELLED`` (-1) outside the
        regions. Where an extent is unknown (a missing onset or offset, a
        wave of unknown kind) the samples are left unlabelled, never called
        background; other waves' labels beside a missing boundary are kept.

    Examples
    --------
    >>> waves = {"P": np.empty((0, 3)), "QRS": np.array([[3.0, 4.0, 6.0]]), "T": np.empty((0, 3))}
    >>> make_labels(10, waves, np.array([[2, 8]])).tolist()
    [-1, -1, 0, 2, 2, 2, 2, 0, -1, -1]
    """
    labels = np.full(n_samples, UNLABELLED, dtype=np.int8)
    for start, stop in np.asarray(regions, dtype=np.int64).reshape(-1, 2):
        labels[max(start, 0) : min(stop, n_samples)] = 0
    inside = labels == 0
    unknown = [] if masks is None else [tuple(m) for m in np.asarray(masks, dtype=np.int64).reshape(-1, 2)]
    beside = []  # unknown side of a wave: uncertain only where nothing else is labelled
    for kind, cls in (("P", 1), ("QRS", 2), ("T", 3), ("U", 0), ("?", None)):
        rows = waves.get(kind, np.empty((0, 3)))
        for onset, peak, offset in rows:
            if cls is None:  # a wave of unknown kind: its whole span is unknown
                unknown.append((int(onset), int(offset) + 1))
                continue
            lo = int(onset) if np.isfinite(onset) else int(min(peak, offset if np.isfinite(offset) else peak))
            hi = int(offset) if np.isfinite(offset) else int(max(peak, lo))
            if cls:
                labels[max(lo, 0) : min(hi + 1, n_samples)] = cls
            if np.isfinite(onset) and np.isfinite(offset):
                continue
            if sampling_rate is not None:
                half = int(round(UNKNOWN_HALF_WIDTH_S[kind] * sampling_rate))
            else:
                half = hi - lo + 1
            if not np.isfinite(onset):
                beside.append((lo - half, lo))
            if not np.isfinite(offset):
                beside.append((hi + 1, hi + 1 + half))
    for start, stop in beside:
        span = labels[max(start, 0) : min(stop, n_samples)]
        span[span == 0] = UNLABELLED
    for start, stop in unknown:
        labels[max(start, 0) : min(stop, n_samples)] = UNLABELLED
    labels[~inside] = UNLABELLED
    return labels
