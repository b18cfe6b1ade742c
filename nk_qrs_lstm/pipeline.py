"""The one path from a signal to beats, taken by every entry point.

Two steps, streamed over blocks so that memory beyond the input and the
output is bounded whatever the length:

1. :func:`iter_proba` - signal, rate -> per-sample class probabilities at the
   model rate (exact rational resampling, baseline removal, overlapping
   windows on one global plan, the network, the one stitching);
2. :func:`delineate_lead` - probabilities -> one row per QRS complex
   (:func:`nk_qrs_lstm.boundaries.delineate_proba`), then the caller's
   R-peaks matched to those complexes (:func:`match_rpeaks`).

A long signal is cut into blocks of ``BLOCK_S``; each block is filtered with
``FILTER_MARGIN_S`` of signal on each side and decoded with
``BLOCK_MARGIN_S`` of probabilities on each side, and keeps the beats whose
QRS starts inside it: the answer equals the one-block answer.
"""

from dataclasses import dataclass

import numpy as np

from .boundaries import delineate_proba
from .defaults import (
    BEAT_KEYS,
    CONFIDENCE_KEYS,
    BLOCK_MARGIN_S,
    BLOCK_S,
    CLASSES,
    FILTER_MARGIN_S,
    RPEAK_REACH_RR,
    RPEAK_REACH_S,
    n_samples,
)
from .conditioning import input_fixes, without_mains
from .preprocess import RateMap, keep_slices, make_windows, normalise, prepare, stitch, window_plan
from .runtime import model_stride, normalisation, predict_windows

BACKGROUND = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)  # probabilities of a gap or a flat window


@dataclass
class Block:
    """Probabilities of one stretch of the model-rate track.

    Attributes
    ----------
    first : int
        Track position of ``proba[0]``.
    own : tuple of int
        ``[start, stop)`` of the track this block answers for (beats whose
        QRS starts there).
    proba : ndarray of float32, shape (n, 4)
    bad : ndarray of bool, shape (n,)
        Gap samples (non-finite input).
    signal : ndarray of float, shape (n,) or None
        The model-rate signal the probabilities were computed from (before
        per-window normalisation), for the rhythm gate; None where there is
        none (a mean of several leads' probabilities).
    """

    first: int
    own: tuple
    proba: np.ndarray
    bad: np.ndarray
    signal: np.ndarray = None


def iter_proba(signal, rate_map, backend="onnx", block_s=BLOCK_S, margin_s=BLOCK_MARGIN_S,
               filter_margin_s=FILTER_MARGIN_S, fixes=None):
    """Probabilities of one lead, block by block.

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        Validated caller-rate signal.
    rate_map : RateMap
    backend : {"onnx", "tensorflow"}
    block_s, margin_s, filter_margin_s : float
        Block length, decoding margin and filtering margin (s).
    fixes : dict, optional
        :func:`nk_qrs_lstm.conditioning.input_fixes` of ``signal`` (found here when omitted).

    Yields
    ------
    Block
        Blocks in time order; their ``own`` ranges tile the track.
    """
    total = rate_map.n_model(len(signal))
    method = normalisation()  # the one the model in use was trained with
    if fixes is None:  # NeuroKit's powerline average, mains hum: undone in prepare
        fixes = input_fixes(signal, rate_map.sampling_rate)
    starts, window = window_plan(total, stride=model_stride())
    lo, hi = keep_slices(starts, window)
    model_rate = rate_map.model_rate
    block = max(n_samples(block_s, model_rate), window)
    margin = n_samples(margin_s, model_rate)
    pad = n_samples(filter_margin_s, model_rate)
    for own0 in range(0, total, block):
        own1 = min(own0 + block, total)
        c0, c1 = max(own0 - margin, 0), min(own1 + margin, total)
        # windows whose kept part meets [c0, c1), and the signal they need (+ filter margin)
        used = np.flatnonzero((starts + lo < c1) & (starts + hi > c0))
        x0, x1 = int(starts[used[0]]), int(starts[used[-1]]) + window
        s0 = max(x0 - pad, 0)
        s0 = (int(np.floor(rate_map.to_caller(s0))) // rate_map.down) * rate_map.down  # aligned resampling
        m0 = s0 * rate_map.up // rate_map.down  # model position of the slice's first output
        s1 = min(int(np.ceil(rate_map.to_caller(min(x1 + pad, total)))) + 1, len(signal))
        x, bad = prepare(signal[s0:s1], rate_map, **fixes)
        if x1 - m0 > len(x):  # short signal: windows padded past the end
            x = np.pad(x, (0, x1 - m0 - len(x)), mode="edge")
        windows, flat = normalise(make_windows(x, starts[used] - m0, window), return_flat=True, method=method)
        probas = predict_windows(windows, backend=backend)
        probas[flat] = BACKGROUND
        proba = stitch(probas, starts[used], total, lo=lo[used], hi=hi[used], first=c0,
                       out=np.empty((c1 - c0, len(CLASSES)), dtype=np.float32))
        gaps = np.zeros(c1 - c0, dtype=bool)
        n_bad = min(len(bad), c1 - m0) - (c0 - m0)
        gaps[:n_bad] = bad[c0 - m0 : c0 - m0 + n_bad]
        proba[gaps] = BACKGROUND
        xs = x[c0 - m0 : c1 - m0]
        if len(xs) < c1 - c0:  # (cannot happen when the windows cover the block; kept aligned regardless)
            xs = np.pad(xs, (0, c1 - c0 - len(xs)), mode="edge" if len(xs) else "constant")
        yield Block(c0, (own0, own1), proba, gaps, xs)


def _own(blk, track):
    """This block's own stretch of ``track`` (an array of the block's length)."""
    a, b = blk.own
    return track[a - blk.first : b - blk.first]


def predict_proba(signal, rate_map, backend="onnx", **block_kw):
    """The whole probability track of one lead at the model rate.

    Returns
    -------
    proba : ndarray of float32, shape (n_model, 4)
    bad : ndarray of bool, shape (n_model,)
    """
    total = rate_map.n_model(len(signal))
    proba = np.empty((total, len(CLASSES)), dtype=np.float32)
    bad = np.empty(total, dtype=bool)
    for blk in iter_proba(signal, rate_map, backend, **block_kw):
        proba[slice(*blk.own)], bad[slice(*blk.own)] = _own(blk, blk.proba), _own(blk, blk.bad)
    return proba, bad


def track_blocks(proba, bad, rate_map, block_s=BLOCK_S, margin_s=BLOCK_MARGIN_S, signal=None):
    """Cut a whole probability track (e.g. the mean of several leads) into the blocks :func:`decode_blocks` takes.

    ``signal`` (optional, model rate, aligned with ``proba``) is cut with it (:attr:`Block.signal`).

    Yields
    ------
    Block
        Views of ``proba`` and ``bad`` with ``margin_s`` of context on each side of ``block_s``.
    """
    total = len(proba)
    block = max(n_samples(block_s, rate_map.model_rate), 1)
    margin = n_samples(margin_s, rate_map.model_rate)
    for own0 in range(0, total, block):
        own1 = min(own0 + block, total)
        c0, c1 = max(own0 - margin, 0), min(own1 + margin, total)
        yield Block(c0, (own0, own1), proba[c0:c1], bad[c0:c1], None if signal is None else signal[c0:c1])


def decode_blocks(blocks, signal, rate_map, **decode_kw):
    """Decode probability blocks into one table of beats, each beat kept by the block its QRS starts in.

    Parameters
    ----------
    blocks : iterable of Block
        Their ``own`` ranges tile the track (:func:`iter_proba`, :func:`track_blocks`).
    signal : ndarray, shape (n_samples,)
        Caller-rate signal for the peaks (NaN allowed).
    rate_map : RateMap
    **decode_kw
        Passed to :func:`nk_qrs_lstm.boundaries.delineate_proba`.

    Returns
    -------
    dict of str -> ndarray or None
        Output of :func:`~nk_qrs_lstm.boundaries.delineate_proba`, one row per
        QRS complex in time order; None when there is no block.
    """
    finite = np.isfinite(signal)
    clean = signal if finite.all() else np.where(finite, signal, 0.0)  # no copy in the usual case
    del finite
    parts = []
    for blk in blocks:
        table = delineate_proba(blk.proba, signal, rate_map.sampling_rate, rate=rate_map.model_rate,
                                unknown=blk.bad, ratio=rate_map.ratio, offset=blk.first, clean=clean, x=blk.signal,
                                **decode_kw)
        mine = (table["owner"] >= blk.own[0]) & (table["owner"] < blk.own[1])
        parts.append({k: v[mine] for k, v in table.items()})
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else None


def resample_proba(proba, rate_map, n):
    """Model-rate probabilities -> ``n`` rows at the caller's rate (linear interpolation)."""
    pos = rate_map.to_model(np.arange(n))
    grid = np.arange(len(proba))
    return np.stack([np.interp(pos, grid, proba[:, j]) for j in range(proba.shape[1])], axis=1)


def find_beats(signal, rate_map, backend="onnx", keep_proba=False, **block_kw):
    """Every QRS complex of one lead with its P and T waves, streamed.

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        Validated caller-rate signal.
    rate_map : RateMap
    backend : {"onnx", "tensorflow"}
    keep_proba : bool
        Also return the model-rate probability track (for plots).

    Returns
    -------
    beats : dict of str -> ndarray
        Output of :func:`nk_qrs_lstm.boundaries.delineate_proba`, one row per
        QRS complex, in time order.
    proba : ndarray or None
        The probability track (model rate) if ``keep_proba``.
    """
    proba = np.empty((rate_map.n_model(len(signal)), len(CLASSES)), np.float32) if keep_proba else None
    fixes = input_fixes(signal, rate_map.sampling_rate)

    def blocks():
        for blk in iter_proba(signal, rate_map, backend, fixes=fixes, **block_kw):
            if keep_proba:
                proba[slice(*blk.own)] = _own(blk, blk.proba)
            yield blk

    # the peaks are read on the lead without its hum too (a 0.3-mV hum moves the largest sample of a QRS)
    peaks_from = without_mains(signal, rate_map.sampling_rate, fixes["mains_hz"])
    return decode_blocks(blocks(), peaks_from, rate_map), proba


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


def align(beats, rpeaks, sampling_rate):
    """One row per R-peak: each R-peak gets the fiducials of its QRS complex.

    Parameters
    ----------
    beats : dict
        Output of :func:`find_beats`.
    rpeaks : ndarray of int or None
        The caller's R-peaks; ``None``: one row per QRS complex found, with
        the model's R-peaks.
    sampling_rate : float

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
    rows = match_rpeaks(rpeaks, beats["span_on"], beats["span_off"], sampling_rate)
    ok = rows >= 0
    out = {}
    for key in keys:
        col = np.full(len(rpeaks), np.nan)
        col[ok] = beats[key][rows[ok]]
        out[key] = col
    out["ECG_R_Peaks"] = np.asarray(rpeaks, dtype=float)
    return out


def delineate_lead(ecg, sampling_rate, rpeaks=None, backend="onnx", keep_proba=False, **block_kw):
    """Validated lead -> aligned fiducials (and, on request, the probabilities).

    Parameters
    ----------
    ecg : ndarray, shape (n_samples,)
    sampling_rate : float
    rpeaks : ndarray of int, optional
    backend : {"onnx", "tensorflow"}
    keep_proba : bool

    Returns
    -------
    table : dict of str -> ndarray of float
        See :func:`align`.
    proba : ndarray or None
        Model-rate probability track (``keep_proba``).
    rate_map : RateMap
    """
    rate_map = RateMap.for_rate(sampling_rate)
    beats, proba = find_beats(ecg, rate_map, backend, keep_proba=keep_proba, **block_kw)
    return align(beats, rpeaks, sampling_rate), proba, rate_map
