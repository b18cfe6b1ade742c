"""Find and undo the moving-average smoothing of NeuroKit's default cleaning.

``nk.ecg_clean(ecg, sampling_rate)`` (method ``"neurokit"``, the standard step
before ``nk.ecg_delineate``) removes mains interference with a moving average
of one mains period (``int(sampling_rate / powerline)`` samples), applied
forward and backward. That smooths every wave over 40 ms at 50 Hz and moves
the network's boundaries outwards by ~4-6 ms a side. The filter leaves a
signature no ECG has by itself: exact spectral nulls at every multiple of
``sampling_rate / n_taps``. When the nulls are there, a regularised inverse
filter (Wiener-like, :data:`~nk_qrs_lstm.defaults.UNSMOOTH_LAMBDA`) restores
the band the average attenuated but did not erase, so the network sees nearly
the raw signal and the answer no longer depends on the cleaning.

Pure functions of the caller-rate signal; the pipeline
(:func:`nk_qrs_lstm.pipeline.iter_proba`) detects once per lead and undoes
block by block (the FIR filter is shorter than the blocks' margins).

References
----------
- Makowski D. et al. (2021). NeuroKit2: A Python toolbox for neurophysiological
  signal processing. Behavior Research Methods 53, 1689-1696 (``ecg_clean``,
  ``signal_filter(method="powerline")``).
- Wiener N. (1949). Extrapolation, Interpolation, and Smoothing of Stationary
  Time Series. MIT Press (regularised inverse filtering).
"""

import functools

import numpy as np
import scipy.signal

from .defaults import (
    NEUROKIT_POWERLINE_MIN_RATE,
    POWERLINE_HZ,
    SMOOTHING_DETECT_S,
    SMOOTHING_FLOOR,
    SMOOTHING_NEAR_HZ,
    SMOOTHING_NOTCH_RATIO,
    SMOOTHING_NULL_HALF_WIDTH_HZ,
    SMOOTHING_NULL_RATIO,
    SMOOTHING_NYQUIST_RATIO,
    SMOOTHING_NULLS,
    UNSMOOTH_HALF_S,
    UNSMOOTH_LAMBDA,
    n_samples,
)
from .spectra import longest_finite_run, welch

def moving_average_taps(sampling_rate, powerline):
    """Length of NeuroKit's powerline moving average at ``sampling_rate`` (``int(rate / powerline)``).

    Examples
    --------
    >>> moving_average_taps(500, 50), moving_average_taps(360, 60), moving_average_taps(250, 50)
    (10, 6, 5)
    """
    return int(sampling_rate / powerline) if sampling_rate >= NEUROKIT_POWERLINE_MIN_RATE else 2


def null_ratio(signal, sampling_rate, n_taps):
    """How deep the filter's first nulls are: power at each null over the power beside it.

    A moving average of ``n_taps`` samples has nulls at multiples of
    ``sampling_rate / n_taps``. Two ratios, each the largest over the nulls
    checked: the power at the null over the mean power 3-6 Hz on both sides
    (raw ECG: near 1; after the average: ~1e-3), and over the lower of the
    two sides (a notch is below both; a low-pass stopband, e.g. ``biosppy``'s
    45-Hz cut-off, is not below its far side).

    Parameters
    ----------
    signal : ndarray
        Finite samples at ``sampling_rate``.
    sampling_rate : float
        Hz.
    n_taps : int
        Length of the moving average looked for.

    Returns
    -------
    to_mean, to_lower : float
        NaN when the signal is too short (under 2 s) or has no power beside any null.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=20, sampling_rate=500, noise=0.05, random_state=0)
    >>> bool(null_ratio(ecg, 500, 10)[0] > 0.1)
    True
    >>> bool(null_ratio(nk.ecg_clean(ecg, sampling_rate=500), 500, 10)[0] < 0.06)
    True
    """
    return _null_depth(_spectrum(signal, sampling_rate), sampling_rate, n_taps)


def _spectrum(signal, sampling_rate):
    """Welch spectrum at 0.5-Hz resolution (2-s segments), or None for a signal under 2 s."""
    x = np.asarray(signal, dtype=float)
    segment = n_samples(2.0, sampling_rate)
    return welch(x, sampling_rate, segment) if len(x) >= segment else None


def _null_depth(spectrum, sampling_rate, n_taps):
    """:func:`null_ratio` from a :func:`_spectrum` (computed once for every ``n_taps`` tried)."""
    first = sampling_rate / n_taps
    nulls = [k * first for k in range(1, SMOOTHING_NULLS + 1) if k * first <= 0.45 * sampling_rate]
    if n_taps == 2:  # a 2-sample average's only null is at the Nyquist frequency: judged against its lower side
        nulls = [sampling_rate / 2]
    if spectrum is None or not nulls or n_taps < 2:
        return np.nan, np.nan
    freq, power = spectrum
    to_mean, to_lower = [], []
    for f0 in nulls:
        distance = np.abs(freq - f0)
        at = power[distance <= SMOOTHING_NULL_HALF_WIDTH_HZ].mean()
        beside = (distance >= SMOOTHING_NEAR_HZ[0]) & (distance <= SMOOTHING_NEAR_HZ[1])
        sides = [power[beside & side].mean() for side in (freq < f0, freq > f0) if (beside & side).any()]
        if sides and min(sides) > SMOOTHING_FLOOR * power.max():  # else nothing to judge (noise-free simulations)
            to_mean.append(at / np.mean(sides))
            to_lower.append(at / min(sides))
    if not to_mean:
        return np.nan, np.nan
    return float(max(to_mean)), float(max(to_lower))


def detect_smoothing(signal, sampling_rate, powerlines=POWERLINE_HZ, max_s=SMOOTHING_DETECT_S,
                     threshold=SMOOTHING_NULL_RATIO):
    """Length of the mains moving average applied to ``signal``, or None.

    Parameters
    ----------
    signal : ndarray
        One caller-rate lead (its longest stretch of finite samples is analysed).
    sampling_rate : float
        Hz.
    powerlines : tuple of float
        Mains frequencies tried (NeuroKit's ``powerline``: 50 by default).
    max_s : float
        Only the first ``max_s`` seconds are analysed.
    threshold : float
        Largest first :func:`null_ratio` (null / both sides) taken as the
        filter's signature; the second (null / lower side) must also be
        under :data:`~nk_qrs_lstm.defaults.SMOOTHING_NOTCH_RATIO`. A
        2-sample average (below 150 Hz at 50-Hz mains, 180 Hz at 60) has its
        one null at the Nyquist frequency, judged on its lower side only:
        it must be under :data:`~nk_qrs_lstm.defaults.SMOOTHING_NYQUIST_RATIO`.

    Returns
    -------
    int or None
        ``n_taps`` of the moving average found.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=20, sampling_rate=500, noise=0.05, random_state=0)
    >>> detect_smoothing(ecg, 500) is None
    True
    >>> detect_smoothing(nk.ecg_clean(ecg, sampling_rate=500), 500)
    10
    >>> detect_smoothing(nk.ecg_clean(ecg, sampling_rate=500, powerline=60), 500)
    8
    >>> ecg = nk.ecg_simulate(duration=20, sampling_rate=130, noise=0.05, random_state=0)  # a chest strap's rate
    >>> detect_smoothing(ecg, 130) is None, detect_smoothing(nk.ecg_clean(ecg, sampling_rate=130), 130)
    (True, 2)
    """
    x = longest_finite_run(np.asarray(signal, dtype=float)[: n_samples(max_s, sampling_rate)])
    spectrum = _spectrum(x, sampling_rate)  # one spectrum for every mains frequency tried
    for powerline in powerlines:
        taps = moving_average_taps(sampling_rate, powerline)
        to_mean, to_lower = _null_depth(spectrum, sampling_rate, taps)
        limit = min(threshold, SMOOTHING_NYQUIST_RATIO) if taps == 2 else threshold  # one-sided: deeper
        if to_mean < limit and to_lower < SMOOTHING_NOTCH_RATIO:
            return taps
    return None


def smoothing_gain(n_taps, freq, sampling_rate):
    """Amplitude gain of a forward-backward moving average of ``n_taps`` samples at ``freq`` (Hz): ``|H|**2``.

    Examples
    --------
    >>> smoothing_gain(10, np.array([0.0, 25.0, 50.0]), 500.0).round(3).tolist()  # NeuroKit's at 50 Hz mains
    [1.0, 0.409, 0.0]
    """
    _, h = scipy.signal.freqz(np.ones(n_taps) / n_taps, worN=np.asarray(freq, dtype=float), fs=sampling_rate)
    return np.abs(h) ** 2


@functools.lru_cache(maxsize=16)
def inverse_kernel(n_taps, sampling_rate, lam=UNSMOOTH_LAMBDA, half_s=UNSMOOTH_HALF_S):
    """Zero-phase FIR filter undoing a forward-backward moving average of ``n_taps`` samples.

    Frequency response ``S / (S**2 + lam)`` with ``S = |H|**2`` the smoothing's
    response (``H``: the moving average): ~``1 / S`` where the average kept the
    signal, tending to 0 at its nulls, never above ``1 / (2 sqrt(lam))``.
    Truncated to ``±half_s`` with a Hann window, scaled to unit gain at 0 Hz.

    Returns
    -------
    ndarray, shape (2 * round(half_s * sampling_rate) + 1,)

    Examples
    --------
    >>> k = inverse_kernel(10, 500.0)
    >>> len(k), round(float(k.sum()), 3)  # unit gain at 0 Hz
    (101, 1.0)
    """
    n_fft = 1 << 15
    freq = np.fft.rfftfreq(n_fft, 1.0 / sampling_rate)
    s = smoothing_gain(n_taps, freq, sampling_rate)
    response = s / (s**2 + lam)
    kernel = np.fft.irfft(response, n_fft)
    half = n_samples(half_s, sampling_rate)
    kernel = np.concatenate([kernel[-half:], kernel[: half + 1]]) * np.hanning(2 * half + 1)
    kernel /= kernel.sum()  # exactly unit gain at 0 Hz after truncation
    kernel.setflags(write=False)
    return kernel


def unsmooth(signal, sampling_rate, n_taps):
    """Undo a forward-backward moving average of ``n_taps`` samples (:func:`inverse_kernel`).

    The ends are extended by odd reflection (as ``filtfilt`` pads), so the
    output has the input's length and no edge step.

    Parameters
    ----------
    signal : ndarray
        Finite caller-rate samples.
    sampling_rate : float
        Hz.
    n_taps : int
        From :func:`detect_smoothing`.

    Returns
    -------
    ndarray
        Same length as ``signal``.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)
    >>> cleaned = nk.ecg_clean(ecg, sampling_rate=500)
    >>> restored = unsmooth(cleaned, 500, 10)
    >>> ref = nk.signal_filter(ecg, sampling_rate=500, lowcut=0.5, method="butterworth", order=5)
    >>> bool(np.abs(restored - ref)[500:-500].max() < np.abs(cleaned - ref)[500:-500].max() / 2)
    True
    """
    x = np.asarray(signal, dtype=float)
    kernel = inverse_kernel(int(n_taps), float(sampling_rate))
    half = len(kernel) // 2
    if len(x) < 2:
        return x.copy()
    pad = min(half, len(x) - 1)
    left = 2 * x[0] - x[pad:0:-1]
    right = 2 * x[-1] - x[-2 : -pad - 2 : -1]
    extended = np.concatenate([np.full(half - pad, left[0]), left, x, right, np.full(half - pad, right[-1])])
    return scipy.signal.fftconvolve(extended, kernel, mode="valid")
