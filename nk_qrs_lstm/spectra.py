"""Welch power spectra for the input checks, vectorised for short signals.

Used by :mod:`nk_qrs_lstm.unsmooth` (the mains moving average's nulls) and
:mod:`nk_qrs_lstm.quality` (the band-pass warning), which call it once or twice
per lead, each on the longest finite stretch of the lead's start:
``scipy.signal.welch`` costs about a millisecond per call on a 10-s lead, this
a tenth of that.
"""

import numpy as np


def longest_finite_run(x):
    """The longest stretch of ``x`` without a non-finite sample (a spectrum across a gap would see a step).

    Examples
    --------
    >>> longest_finite_run(np.array([1.0, np.nan, 2.0, 3.0, np.inf, 4.0])).tolist()
    [2.0, 3.0]
    """
    finite = np.isfinite(x)
    if finite.all():
        return x
    edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(np.int8), [0]])))
    if not len(edges):
        return x[:0]
    starts, ends = edges[::2], edges[1::2]
    i = int(np.argmax(ends - starts))
    return x[starts[i] : ends[i]]


def welch(x, sampling_rate, segment):
    """Welch's power spectrum: periodic Hann window, half-overlapping segments, mean removed per segment.

    The same estimate as ``scipy.signal.welch(x, fs=sampling_rate,
    nperseg=segment)`` up to a constant factor (the one-sided density
    scaling), which the callers' power ratios do not see.

    Parameters
    ----------
    x : ndarray
        Finite samples, at least ``segment`` of them.
    sampling_rate : float
        Hz.
    segment : int
        Samples per segment (frequency resolution ``sampling_rate / segment``).

    Returns
    -------
    freq, power : ndarray
        ``segment // 2 + 1`` frequencies (Hz) and the mean periodogram at each.

    Examples
    --------
    >>> import scipy.signal
    >>> x = np.random.default_rng(0).standard_normal(5000)
    >>> f, p = welch(x, 500.0, 1000)
    >>> f_ref, p_ref = scipy.signal.welch(x, fs=500.0, nperseg=1000)
    >>> ratio = p_ref[1:-1] / p[1:-1]
    >>> bool(np.allclose(f, f_ref) and np.allclose(ratio, ratio[0]))
    True
    """
    x = np.asarray(x, dtype=float)
    step = max(segment // 2, 1)
    starts = np.arange(0, len(x) - segment + 1, step)
    frames = x[starts[:, None] + np.arange(segment)]
    frames = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(frames * np.hanning(segment + 1)[:-1], axis=1)
    return np.fft.rfftfreq(segment, 1.0 / sampling_rate), np.mean(np.abs(spectrum) ** 2, axis=0)
