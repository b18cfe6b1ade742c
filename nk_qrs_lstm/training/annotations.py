"""WFDB delineation marks -> waves -> per-sample training labels.

Pure functions on annotation symbols and sample indices (no file I/O): used
by the dataset readers, the WFDB adapter and training.
"""

import numpy as np

from ..defaults import UNLABELLED

_PEAK_SYMBOLS = {"p": "P", "t": "T", "u": "U"}  # beat codes are QRS, see BEAT_SYMBOLS


#: WFDB beat codes (any of them marks a QRS complex in a delineation file)
BEAT_SYMBOLS = frozenset("NLRBAaJSVrFejnE/fQ?")
#: half-width of a wave whose extent is not annotated, masked around its peak [s]
UNKNOWN_HALF_WIDTH_S = {"P": 0.08, "QRS": 0.10, "T": 0.25, "U": 0.10, "?": 0.0}


def parse_waves(samples, symbols):
    """Group WFDB delineation marks into waves.

    A peak symbol (``p``, ``t``, ``u`` or a beat code such as ``N``, ``V``)
    takes the ``(`` immediately before it as onset and the ``)`` immediately
    after it as offset. A ``( )`` pair with no peak inside takes the peak
    just before or after it when that peak has no brackets of its own (some
    LUDB marks put the peak one sample before the onset); otherwise it is a
    wave of unknown kind (``"?"``). Other symbols (rhythm, noise, comments)
    are ignored.

    Parameters
    ----------
    samples : array-like of int
        Annotation sample indices.
    symbols : sequence of str
        Annotation symbols, same length.

    Returns
    -------
    dict of str -> ndarray, shape (n, 3)
        Keys ``"P"``, ``"QRS"``, ``"T"``, ``"U"`` and ``"?"``; columns onset,
        peak, offset (NaN where missing), rows sorted by peak (by onset for
        ``"?"``).

    Examples
    --------
    >>> w = parse_waves([10, 20, 30, 50, 60], ["(", "p", ")", "N", ")"])
    >>> w["P"].tolist(), w["QRS"].tolist()
    ([[10.0, 20.0, 30.0]], [[nan, 50.0, 60.0]])
    >>> parse_waves([5, 6, 30], ["N", "(", ")"])["QRS"].tolist()
    [[6.0, 5.0, 30.0]]
    """
    samples = np.asarray(samples, dtype=np.int64)
    symbols = list(symbols)
    n = len(symbols)
    kinds = [_PEAK_SYMBOLS.get(s, "QRS" if s in BEAT_SYMBOLS else None) for s in symbols]
    on = [i - 1 if kinds[i] and i > 0 and symbols[i - 1] == "(" else None for i in range(n)]
    off = [i + 1 if kinds[i] and i + 1 < n and symbols[i + 1] == ")" else None for i in range(n)]
    used = {j for j in on + off if j is not None}
    unknown = []
    for i in range(n - 1):
        if symbols[i] != "(" or symbols[i + 1] != ")" or i in used or i + 1 in used:
            continue
        # a peak-less pair: adopt a neighbouring peak that has no bracket at all
        for peak in (i - 1, i + 2):
            if 0 <= peak < n and kinds[peak] and on[peak] is None and off[peak] is None:
                on[peak], off[peak] = i, i + 1
                break
        else:
            unknown.append((samples[i], np.nan, samples[i + 1]))
        used.update((i, i + 1))
    out = {k: [] for k in ("P", "QRS", "T", "U")}
    for i in range(n):
        if kinds[i]:
            out[kinds[i]].append((samples[on[i]] if on[i] is not None else np.nan, samples[i],
                                  samples[off[i]] if off[i] is not None else np.nan))
    out["?"] = unknown
    return {k: np.asarray(v, dtype=float).reshape(-1, 3) for k, v in out.items()}


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
