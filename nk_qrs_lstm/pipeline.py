"""The one path from a signal to beats, taken by every entry point.

Two steps, streamed over blocks so that memory beyond the input and the
output is bounded whatever the length:

1. :func:`iter_proba` - signal, rate -> per-sample class probabilities at the
   model rate (exact rational resampling, baseline removal, overlapping
   windows on one global plan, the network, the one stitching);
2. :func:`delineate_lead` - probabilities -> one row per QRS complex
   (:func:`nk_qrs_lstm.boundaries.delineate_proba`), then the caller's
   R-peaks matched to those complexes (:mod:`nk_qrs_lstm.alignment`).

A long signal is cut into blocks of ``BLOCK_S``; each block is filtered with
``FILTER_MARGIN_S`` of signal on each side and decoded with
``BLOCK_MARGIN_S`` of probabilities on each side, and keeps the beats whose
QRS starts inside it: the answer equals the one-block answer.
"""

from dataclasses import dataclass

import numpy as np

from ._checks import warn
from .alignment import align, match_rpeaks, warn_unmatched
from .boundaries import delineate_proba
from .defaults import (
    BLOCK_MARGIN_S,
    BLOCK_S,
    CHECKED_RATE,
    CLASSES,
    FILTER_MARGIN_S,
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


def find_beats(signal, rate_map, backend="onnx", keep_proba=False, rhythm_gate=True, **block_kw):
    """Every QRS complex of one lead with its P and T waves, streamed.

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        Validated caller-rate signal.
    rate_map : RateMap
    backend : {"onnx", "tensorflow"}
    keep_proba : bool
        Also return the model-rate probability track (for plots).
    rhythm_gate : bool
        Refuse P waves where the rhythm has none (:func:`nk_qrs_lstm.rhythm.rhythm_gate`).

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
    return decode_blocks(blocks(), peaks_from, rate_map, apply_rhythm_gate=rhythm_gate), proba


def warn_low_rate(sampling_rate, time_scale=1.0):
    """Warn where the network sees a lead at under ``CHECKED_RATE``: recorded so, or slowed by ``time_scale``."""
    if time_scale != 1.0 and sampling_rate / time_scale < CHECKED_RATE:
        warn(f"time_scale == {time_scale:g} at {sampling_rate:g} Hz shows the network the lead as if recorded at "
             f"{sampling_rate / time_scale:.3g} Hz, below the {CHECKED_RATE} Hz it was checked from: wave limits may "
             f"be less precise (a new-user trial: P-onset F1 93 % at 100 Hz and 3).")
    elif sampling_rate < CHECKED_RATE:
        warn(f"sampling_rate == {sampling_rate:g} is below {CHECKED_RATE} Hz: QRS limits are less precise (LUDB / "
             f"QTDB validation leads resampled to 64 Hz, raw: QRS-onset SD 8.4 / 12.5 ms against 6.7 / 11.7 ms at "
             f"their own rate; at 50 Hz 10.3 / 14.4 ms). After nk.ecg_clean, whose 2-sample moving average cannot be "
             f"undone at these rates, QRS and P onsets also come about 10 ms early at 50-64 Hz: pass the raw signal.")


def delineate_lead(ecg, sampling_rate, rpeaks=None, backend="onnx", keep_proba=False, time_scale=1.0, warn_rate=True,
                   rhythm_gate=True, **block_kw):
    """Validated lead -> aligned fiducials (and, on request, the probabilities).

    Parameters
    ----------
    ecg : ndarray, shape (n_samples,)
    sampling_rate : float
    rpeaks : ndarray of int, optional
    backend : {"onnx", "tensorflow"}
    keep_proba : bool
    time_scale : float
        The network sees the lead this many times slower (:class:`~nk_qrs_lstm.preprocess.RateMap`).
    warn_rate : bool
        Give :func:`warn_low_rate`'s warning (a record's caller gives it once for all its leads).
    rhythm_gate : bool
        Refuse P waves where the rhythm has none (:func:`nk_qrs_lstm.rhythm.rhythm_gate`).

    Returns
    -------
    table : dict of str -> ndarray of float
        See :func:`align`.
    proba : ndarray or None
        Model-rate probability track (``keep_proba``).
    rate_map : RateMap
    """
    if warn_rate:
        warn_low_rate(sampling_rate, time_scale)
    rate_map = RateMap.for_rate(sampling_rate, time_scale=time_scale)
    beats, proba = find_beats(ecg, rate_map, backend, keep_proba=keep_proba, rhythm_gate=rhythm_gate, **block_kw)
    rows = None
    if rpeaks is not None:  # matched once, for the warning and the table
        rows = match_rpeaks(rpeaks, beats["span_on"], beats["span_off"], sampling_rate)
        warn_unmatched(rows, beats["span_on"], beats["span_off"], len(ecg), sampling_rate,
                       confidence=beats.get("ECG_R_Confidence"))
    return align(beats, rpeaks, sampling_rate, rows=rows), proba, rate_map
