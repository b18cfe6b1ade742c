"""Signal preparation for the network: resampling, filtering, normalising, windowing.

Pure numpy/scipy functions; nothing here imports a deep-learning framework.
"""

from fractions import Fraction

import numpy as np
import scipy.signal

from .defaults import HIGHPASS_HZ, MODEL_RATE, MODEL_STRIDE, OVERLAP_S, WINDOW_S, n_samples


def resample(signal, from_rate, to_rate):
    """Resample along the first axis with a polyphase filter.

    Parameters
    ----------
    signal : ndarray, shape (n_samples, ...)
    from_rate, to_rate : float
        Sampling rates in Hz.

    Returns
    -------
    ndarray
        ``ceil(n_samples * to_rate / from_rate)`` samples.

    Examples
    --------
    >>> resample(np.zeros(500), 500, 250).shape
    (250,)
    """
    if from_rate == to_rate:
        return np.asarray(signal, dtype=np.float64)
    frac = Fraction(to_rate / from_rate).limit_denominator(1000)
    return scipy.signal.resample_poly(signal, frac.numerator, frac.denominator, axis=0, padtype="line")


def highpass(signal, sampling_rate, cutoff=HIGHPASS_HZ):
    """Zero-phase Butterworth high-pass (removes baseline wander, no delay).

    Examples
    --------
    >>> x = highpass(np.ones(1000) * 5.0, 250)
    >>> bool(np.abs(x).max() < 1e-6)
    True
    """
    signal = np.asarray(signal, dtype=np.float64)
    sos = scipy.signal.butter(2, cutoff, btype="highpass", fs=sampling_rate, output="sos")
    padlen = min(3 * n_samples(1.0 / cutoff, sampling_rate), signal.shape[0] - 1)
    if padlen < 1:
        return signal - np.mean(signal, axis=0)
    return scipy.signal.sosfiltfilt(sos, signal, axis=0, padlen=padlen)


FLAT_SCALE = 1e-9  # a window whose robust scale is not above this is flat


def robust_scale(signal, axis=-1):
    """Amplitude scale robust to outliers: the 99th percentile of ``|x - median|``.

    Returns 1 where the signal is flat so that flat input stays flat.
    """
    centred = signal - np.median(signal, axis=axis, keepdims=True)
    scale = np.percentile(np.abs(centred), 99, axis=axis, keepdims=True)
    return np.where(scale > FLAT_SCALE, scale, 1.0)


def normalise(windows, return_flat=False):
    """Centre each window on its median and divide by its robust scale.

    The scale is the 99th percentile of ``|x - median|`` (:func:`robust_scale`).

    Parameters
    ----------
    windows : ndarray, shape (..., n_samples)
    return_flat : bool
        Also return which windows are flat (scale not above ``FLAT_SCALE``).

    Returns
    -------
    ndarray of float32, same shape, gain- and offset-free
        (and a boolean array of shape ``windows.shape[:-1]`` if ``return_flat``).
    """
    windows = np.asarray(windows, dtype=np.float64)
    centred = windows - np.median(windows, axis=-1, keepdims=True)
    scale = np.percentile(np.abs(centred), 99, axis=-1, keepdims=True)
    flat = scale <= FLAT_SCALE
    out = (centred / np.where(flat, 1.0, scale)).astype(np.float32)
    return (out, flat[..., 0]) if return_flat else out


def window_plan(length, window=None, overlap=None):
    """Start indices of the overlapping windows covering ``length`` samples.

    Consecutive windows overlap by ``2 * overlap`` samples so that stitching
    can drop ``overlap`` samples at each inner edge.

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
        padded = int(np.ceil(length / MODEL_STRIDE) * MODEL_STRIDE)
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


def stitch(probas, starts, length, overlap=None):
    """Join per-window outputs into one track, keeping each window's centre.

    Parameters
    ----------
    probas : ndarray, shape (n_windows, window, n_classes)
    starts : ndarray of int, shape (n_windows,)
    length : int
        Length of the original signal.

    Returns
    -------
    ndarray, shape (length, n_classes)
    """
    n_win, window, n_cls = probas.shape
    out = np.empty((max(length, window), n_cls), dtype=probas.dtype)
    lo, hi = keep_slices(starts, window, overlap)
    for i, start in enumerate(starts):
        out[start + lo[i] : start + hi[i]] = probas[i, lo[i] : hi[i]]
    return out[:length]


def prepare(signal, sampling_rate):
    """Resample one lead to the model rate and remove its baseline.

    Non-finite samples are linearly interpolated (and reported in the mask).

    Returns
    -------
    x : ndarray, shape (n_model,)
        Signal at :data:`MODEL_RATE` Hz, high-passed.
    bad : ndarray of bool, shape (n_model,)
        True where the input was not finite.
    """
    signal = np.asarray(signal, dtype=np.float64)
    bad = ~np.isfinite(signal)
    if bad.any():
        good = np.flatnonzero(~bad)
        signal = signal.copy()
        if good.size:
            signal[bad] = np.interp(np.flatnonzero(bad), good, signal[good])
        else:
            signal[:] = 0.0
    x = highpass(resample(signal, sampling_rate, MODEL_RATE), MODEL_RATE)
    if bad.any():
        bad = resample(bad.astype(float), sampling_rate, MODEL_RATE) > 0.01
    else:
        bad = np.zeros(len(x), dtype=bool)
    return x, bad
