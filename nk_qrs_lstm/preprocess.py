"""Signal preparation for the network: resampling, filtering, normalising, windowing.

Pure numpy/scipy functions; nothing here imports a deep-learning framework.
"""

import functools
import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import scipy.signal

from .defaults import (
    HIGHPASS_HZ,
    MODEL_RATE,
    MODEL_STRIDE,
    NORM_BLOCK_S,
    NORM_SPREAD_BLOCKS,
    OVERLAP_S,
    RATIO_MAX_DENOMINATOR,
    WINDOW_S,
    n_samples,
)
from .conditioning import bridge_gaps, gap_mask
from .mains import remove_mains
from .unsmooth import unsmooth


@dataclass(frozen=True)
class RateMap:
    """The one exact mapping between the caller's sampling rate and the model's.

    The signal is resampled by the rational factor ``up / down`` (a
    polyphase filter), so the network sees ``model_rate = sampling_rate * up /
    down`` Hz, within 0.1 % of :data:`MODEL_RATE` (the
    network does not notice); indices are mapped back
    with the same factor, so they never drift however long the signal.

    With ``time_scale`` k > 1 the network sees the recording played k times
    slower (a small child's ECG, every wave shorter than an adult's, looks
    like an adult's): the signal is resampled as if recorded at
    ``sampling_rate / k``, and ``model_rate`` is the rate of the network's
    time. Positions map back by the same factor, so they are the caller's
    samples whatever k; ``sampling_rate`` stays the true one (gaps, mains
    hum and NeuroKit's smoothing are judged in true time).

    Examples
    --------
    >>> m = RateMap.for_rate(499.7)
    >>> (m.up, m.down), round(m.model_rate, 2)
    ((500, 999), 250.1)
    >>> float(m.to_caller(m.to_model(4997.0)))
    4997.0
    >>> child = RateMap.for_rate(500, time_scale=1.5)  # 500 Hz, played 1.5 times slower
    >>> (child.up, child.down), round(child.model_rate, 2)
    ((3, 4), 250.0)
    """

    sampling_rate: float
    up: int
    down: int
    time_scale: float = 1.0

    @classmethod
    def for_rate(cls, sampling_rate, model_rate=MODEL_RATE, time_scale=1.0):
        """The map for a caller's ``sampling_rate`` (Hz), the network seeing it ``time_scale`` times slower."""
        frac = Fraction(str(float(sampling_rate))) / Fraction(str(float(time_scale)))  # the decimals written, exactly
        frac = (Fraction(model_rate) / frac).limit_denominator(RATIO_MAX_DENOMINATOR)
        return cls(float(sampling_rate), frac.numerator, frac.denominator, float(time_scale))

    @property
    def model_rate(self):
        """Sampling rate of the network's time (Hz): true samples per second at ``time_scale`` 1."""
        return self.sampling_rate * self.up / self.down / self.time_scale

    @property
    def ratio(self):
        """Caller samples per model sample (``down / up``)."""
        return self.down / self.up

    def n_model(self, n_samples):
        """Model-rate length of ``n_samples`` caller samples (``ceil(n * up / down)``)."""
        return -(-int(n_samples) * self.up // self.down)

    def to_model(self, positions):
        """Caller-rate positions -> model-rate positions (float)."""
        return np.asarray(positions, dtype=float) * self.up / self.down

    def to_caller(self, positions):
        """Model-rate positions -> caller-rate positions (float)."""
        return np.asarray(positions, dtype=float) * self.down / self.up


def resample(signal, up, down):
    """Resample along the first axis by ``up / down`` with a polyphase filter.

    Parameters
    ----------
    signal : ndarray, shape (n_samples, ...)
    up, down : int
        Rational factor (see :class:`RateMap`).

    Returns
    -------
    ndarray
        ``ceil(n_samples * up / down)`` samples. Output sample ``j`` sits at
        input position ``j * down / up``; a slice of the input that starts at
        a multiple of ``down`` gives the same interior samples as the whole.

    Examples
    --------
    >>> resample(np.zeros(500), 1, 2).shape
    (250,)
    """
    if up == down:
        return np.asarray(signal, dtype=np.float64)
    return scipy.signal.resample_poly(signal, up, down, axis=0, padtype="line")


@functools.lru_cache(maxsize=16)
def _highpass_sos(sampling_rate, cutoff):
    """Second-order Butterworth high-pass sections, designed once per rate (do not modify: shared)."""
    sos = scipy.signal.butter(2, cutoff, btype="highpass", fs=sampling_rate, output="sos")
    return sos


def highpass(signal, sampling_rate, cutoff=HIGHPASS_HZ):
    """Zero-phase Butterworth high-pass (removes baseline wander, no delay).

    Examples
    --------
    >>> x = highpass(np.ones(1000) * 5.0, 250)
    >>> bool(np.abs(x).max() < 1e-6)
    True
    """
    signal = np.asarray(signal, dtype=np.float64)
    sos = _highpass_sos(float(sampling_rate), float(cutoff))
    padlen = min(3 * n_samples(1.0 / cutoff, sampling_rate), signal.shape[0] - 1)
    if padlen < 1:
        return signal - np.mean(signal, axis=0)
    return scipy.signal.sosfiltfilt(sos, signal, axis=0, padlen=padlen)


FLAT_SCALE = 1e-9  # a window whose robust scale is not above this is flat
QUIET_SECOND = 0.001  # [-] a second whose scale is below this fraction of its window's largest carries no signal


def robust_scale(signal, axis=-1):
    """Amplitude scale robust to outliers: the 99th percentile of ``|x - median|``.

    Returns 1 where the signal is flat so that flat input stays flat.
    """
    centred = signal - np.median(signal, axis=axis, keepdims=True)
    scale = np.percentile(np.abs(centred), 99, axis=axis, keepdims=True)
    return np.where(scale > FLAT_SCALE, scale, 1.0)


NORMALISATIONS = ("window", "second")


def normalise(windows, return_flat=False, method="window"):
    """Centre each window on its median and divide by a robust amplitude scale.

    Parameters
    ----------
    windows : ndarray, shape (..., n_samples)
        Windows at the model rate.
    return_flat : bool
        Also return which windows are flat (scale not above ``FLAT_SCALE``).
    method : {"window", "second"}
        ``"window"``: the 99th percentile of ``|x - median|`` over the window
        (one large artefact sets it for the whole window). ``"second"`` (the
        shipped model's): that percentile in each second of the window
        (``NORM_BLOCK_S``), each second then taking the larger of its own and
        the second before it's (``NORM_SPREAD_BLOCKS``), then the median over
        the seconds that carry a signal (a scale above ``QUIET_SECOND``, 0.1
        %, of the window's largest): an artefact lasting less than about 6
        s of the 16.4-s window cannot dominate it, nor can the flat seconds of a gap
        (filled by interpolation) or of a disconnected stretch shrink it, nor
        the QRS-free seconds of a slow rhythm (a QRS every 2-3 s). A
        window without such seconds falls back to ``"window"``.

    Returns
    -------
    ndarray of float32, same shape, gain- and offset-free
        (and a boolean array of shape ``windows.shape[:-1]`` if ``return_flat``).

    Examples
    --------
    A 200-ms, 50-fold artefact in a 16-s window shrinks the rest of the window
    fifty-fold with ``"window"``, not with ``"second"``:

    >>> x = np.tile(np.sin(np.linspace(0, 2 * np.pi, 250)), 16)[None]
    >>> x[0, 100:150] = 50.0
    >>> rest = lambda y: round(float(np.percentile(np.abs(y[0, 500:]), 99)), 2)
    >>> rest(normalise(x, method="window")), rest(normalise(x, method="second"))
    (0.02, 1.0)
    """
    if method not in NORMALISATIONS:
        raise ValueError(f"method == {method!r}, must be one of {', '.join(map(repr, NORMALISATIONS))}.")
    windows = np.asarray(windows, dtype=np.float64)
    centred = windows - np.median(windows, axis=-1, keepdims=True)
    magnitude = np.abs(centred)
    scale = np.percentile(magnitude, 99, axis=-1, keepdims=True)
    block = n_samples(NORM_BLOCK_S, MODEL_RATE)
    n_blocks = windows.shape[-1] // block
    if method == "second" and n_blocks >= 2:
        blocks = magnitude[..., : n_blocks * block].reshape(*windows.shape[:-1], n_blocks, block)
        seconds = np.percentile(blocks, 99, axis=-1)
        quiet = seconds <= QUIET_SECOND * seconds.max(axis=-1, keepdims=True)
        loud = np.where(quiet, 0.0, seconds)
        seconds = loud.copy()  # each second's scale: the largest of it and the NORM_SPREAD_BLOCKS - 1 before it
        for lag in range(1, min(NORM_SPREAD_BLOCKS, n_blocks)):
            seconds[..., lag:] = np.maximum(seconds[..., lag:], loud[..., :-lag])
        if quiet.any():
            with warnings.catch_warnings():  # every second quiet: NaN, a flat window below
                warnings.simplefilter("ignore", RuntimeWarning)
                per_second = np.nan_to_num(np.nanmedian(np.where(quiet, np.nan, seconds), axis=-1))
        else:
            per_second = np.median(seconds, axis=-1)
        scale = np.where(per_second[..., None] > FLAT_SCALE, per_second[..., None], scale)
    flat = scale <= FLAT_SCALE
    out = (centred / np.where(flat, 1.0, scale)).astype(np.float32)
    return (out, flat[..., 0]) if return_flat else out


def window_plan(length, window=None, overlap=None, stride=MODEL_STRIDE):
    """Start indices of the overlapping windows covering ``length`` samples.

    Consecutive windows overlap by ``2 * overlap`` samples so that stitching
    can drop ``overlap`` samples at each inner edge.

    Parameters
    ----------
    length : int
        Samples to cover.
    window, overlap : int, optional
        Window length and overlap kept on each side (samples; default:
        ``WINDOW_S`` and ``OVERLAP_S`` at the model rate).
    stride : int
        The network's time reduction (:func:`nk_qrs_lstm.runtime.model_stride`):
        a signal shorter than one window gets one window padded to a multiple of it.

    Returns
    -------
    starts : ndarray of int
    window : int
        Window length actually used (shortened, to a multiple of the model
        stride, when the signal is shorter than one window).
    """
    window = window or n_samples(WINDOW_S, MODEL_RATE)
    overlap = n_samples(OVERLAP_S, MODEL_RATE) if overlap is None else overlap
    if length <= window:
        padded = int(np.ceil(length / stride) * stride)
        return np.zeros(1, dtype=np.int64), padded
    hop = window - 2 * overlap
    n_win = int(np.ceil((length - window) / hop)) + 1
    starts = np.minimum(np.arange(n_win) * hop, length - window)
    return starts.astype(np.int64), window


def make_windows(signal, starts, window):
    """Cut a 1-D signal into windows (zero-padded at the end when short)."""
    signal = np.asarray(signal, dtype=np.float64)
    if len(signal) < window:
        signal = np.pad(signal, (0, window - len(signal)), mode="edge")
    idx = starts[:, None] + np.arange(window)[None, :]
    return signal[idx]


def keep_slices(starts, window, overlap=None):
    """The part ``[lo, hi)`` of each window kept when stitching.

    Each window gives its centre; the first keeps its start, the last its
    end, and a window overlapping its predecessor by more than ``2 * overlap``
    (the last one, aligned to the signal's end) skips what is already set.
    """
    overlap = n_samples(OVERLAP_S, MODEL_RATE) if overlap is None else overlap
    n_win = len(starts)
    lo = np.full(n_win, overlap, dtype=np.int64)
    hi = np.full(n_win, window - overlap, dtype=np.int64)
    lo[0], hi[-1] = 0, window
    if n_win > 1:
        lo[1:] = np.maximum(lo[1:], starts[:-1] + window - overlap - starts[1:])
    return lo, hi


def stitch(probas, starts, length, overlap=None, lo=None, hi=None, first=0, out=None):
    """Join per-window outputs into one track, keeping each window's centre.

    The only stitching of the package: the pipeline calls it for every block.

    Parameters
    ----------
    probas : ndarray, shape (n_windows, window, n_classes)
        Outputs of the windows ``starts`` (all windows, or a run of them).
    starts : ndarray of int, shape (n_windows,)
        Start of each window in the whole track.
    length : int
        Length of the whole track.
    overlap : int, optional
        Samples dropped at each inner window edge (default ``OVERLAP_S``).
    lo, hi : ndarray of int, optional
        Kept part ``[lo, hi)`` of each window (:func:`keep_slices` of the whole
        plan; computed from ``starts`` when omitted, which is right only when
        ``starts`` is the whole plan).
    first : int
        Track position of ``out[0]`` (when stitching one block of a long track).
    out : ndarray, optional
        Array to fill (default: a new one covering ``[first, length)``).

    Returns
    -------
    ndarray, shape (len(out), n_classes)
    """
    n_win, window, n_cls = probas.shape
    if lo is None:
        lo, hi = keep_slices(starts, window, overlap)
    if out is None:
        out = np.empty((length - first, n_cls), dtype=probas.dtype)
    stop_at = first + len(out)
    for i, start in enumerate(starts):
        a, b = max(start + lo[i], first), min(start + hi[i], stop_at)
        if a < b:
            out[a - first : b - first] = probas[i, a - start : b - start]
    return out


def prepare(signal, rate_map, smoothing_taps=None, mains_hz=()):
    """Resample one lead to the model rate and remove its baseline (and mains hum where found).

    Non-finite samples are linearly interpolated (and reported in the mask).

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        Caller-rate signal (or a slice starting at a multiple of ``rate_map.down``).
    rate_map : RateMap
    smoothing_taps : int, optional
        Length of a mains moving average found in the lead
        (:func:`nk_qrs_lstm.conditioning.input_fixes`): undone
        (:func:`nk_qrs_lstm.unsmooth.unsmooth`) before resampling.
    mains_hz : sequence of float
        Mains hum lines found in the lead (:func:`nk_qrs_lstm.mains.detect_mains`): notched
        (:func:`nk_qrs_lstm.mains.remove_mains`) before resampling.

    Returns
    -------
    x : ndarray, shape (n_model,)
        Signal at ``rate_map.model_rate`` Hz, high-passed.
    bad : ndarray of bool, shape (n_model,)
        True where the input was a gap (:func:`nk_qrs_lstm.conditioning.gap_mask`).
    """
    signal = np.asarray(signal, dtype=np.float64)
    bad = gap_mask(signal, rate_map.sampling_rate)
    has_bad = bad.any()
    if has_bad:
        signal = bridge_gaps(signal, bad)
    if smoothing_taps:
        signal = unsmooth(signal, rate_map.sampling_rate, smoothing_taps)
    if len(mains_hz):
        signal = remove_mains(signal, rate_map.sampling_rate, mains_hz)
    x = highpass(resample(signal, rate_map.up, rate_map.down), rate_map.model_rate)
    return x, model_rate_gaps(bad if has_bad else None, rate_map, len(signal))


GAP_FRACTION = 0.01  # [-] a model sample is a gap where the resampled gap indicator exceeds this


def model_rate_gaps(bad, rate_map, n_samples=None):
    """Caller-rate gap mask -> model-rate gap mask (the one rule of the package).

    Parameters
    ----------
    bad : ndarray of bool or None
        True where the caller's samples are not finite; None for no gap
        (then ``n_samples`` gives the length).
    rate_map : RateMap
    n_samples : int, optional
        Caller-rate length when ``bad`` is None.

    Returns
    -------
    ndarray of bool, shape (rate_map.n_model(n),)

    Examples
    --------
    >>> bad = np.zeros(1000, dtype=bool); bad[400:450] = True
    >>> gaps = model_rate_gaps(bad, RateMap.for_rate(500))
    >>> len(gaps), bool(gaps[200:225].all()), bool(gaps[:190].any())
    (500, True, False)
    """
    if bad is None or not bad.any():
        return np.zeros(rate_map.n_model(len(bad) if bad is not None else n_samples), dtype=bool)
    return resample(bad.astype(float), rate_map.up, rate_map.down) > GAP_FRACTION
