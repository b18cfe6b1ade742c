"""Distortions a recorded ECG may carry: the filters a user may have applied, and artefacts.

Used by :func:`nk_qrs_lstm.training.augment.augment_v2`. Each function takes
a numpy ``Generator``; signals are one lead at ``MODEL_RATE`` in mV, before
high-pass and normalisation; none changes the length or the labels.
"""

import functools

import numpy as np
from scipy import signal as signal_lib

from ..defaults import MODEL_RATE, n_samples

BACKGROUND, P, QRS, T = 0, 1, 2, 3  # label values (see defaults.CLASSES)
FILTERS = ("neurokit", "biosppy", "pantompkins1985", "hamilton2002", "elgendi2010", "engzeemod2012",
           "lowpass", "moving_average", "notch", "bandpass")


def qrs_onsets(labels):
    """Indices where a labelled QRS complex starts."""
    labels = np.asarray(labels)
    return np.flatnonzero((labels[1:] == QRS) & (labels[:-1] != QRS)) + 1


# --- input filters a user may have applied --------------------------------------------------------------------------
def input_filter(signal, rng, kinds=FILTERS):
    """Apply one filter drawn uniformly from ``kinds`` (see :data:`FILTERS`).

    ``neurokit`` ... ``engzeemod2012`` are ``neurokit2.ecg_clean``'s methods
    that work at 250 Hz (``biosppy`` through an equal, faster FFT
    implementation; ``neurokit`` with a 50 or 60 Hz powerline); ``lowpass``:
    Butterworth, order 1-4, cut-off 20 Hz to 95 % of Nyquist (log-uniform);
    ``moving_average``: 2-10 samples; ``notch``: 50 or 60 Hz, Q 5-50;
    ``bandpass``: Butterworth 5-15 Hz, order 1-3. The last four are zero-phase
    or causal at random.

    Parameters
    ----------
    signal : ndarray
        One lead at ``MODEL_RATE``.
    rng : numpy.random.Generator
    kinds : sequence of str
        Names from :data:`FILTERS`.

    Returns
    -------
    ndarray
        The filtered signal, same length.
    """
    unknown = sorted(set(kinds) - set(FILTERS))
    if unknown or not len(kinds):
        raise ValueError(f"kinds == {tuple(kinds)!r}, must be a non-empty selection of {FILTERS!r}.")
    kind = kinds[rng.integers(len(kinds))]
    x = np.asarray(signal, dtype=float)
    if kind == "biosppy":
        return _biosppy(x)
    if kind in FILTERS[:6]:
        import neurokit2 as nk

        extra = {"powerline": 50 if rng.random() < 0.5 else 60} if kind == "neurokit" else {}
        return np.asarray(nk.ecg_clean(x, sampling_rate=MODEL_RATE, method=kind, **extra), dtype=float)
    if kind == "moving_average":
        width = int(rng.integers(2, 11))
        padded = np.pad(x, (width - 1, 0) if rng.random() < 0.5 else (width // 2, (width - 1) // 2), mode="edge")
        return np.convolve(padded, np.full(width, 1.0 / width), mode="valid")
    nyquist = MODEL_RATE / 2
    if kind == "lowpass":
        sos = signal_lib.butter(int(rng.integers(1, 5)), np.exp(rng.uniform(np.log(20.0), np.log(0.95 * nyquist))),
                                fs=MODEL_RATE, output="sos")
    elif kind == "bandpass":
        sos = signal_lib.butter(int(rng.integers(1, 4)), (5.0, 15.0), btype="band", fs=MODEL_RATE, output="sos")
    else:  # notch
        sos = signal_lib.tf2sos(*signal_lib.iirnotch(50.0 if rng.random() < 0.5 else 60.0, rng.uniform(5, 50),
                                                     fs=MODEL_RATE))
    if rng.random() < 0.5:
        return signal_lib.sosfiltfilt(sos, x)
    return signal_lib.sosfilt(sos, x, zi=signal_lib.sosfilt_zi(sos) * x[0])[0]


@functools.lru_cache(maxsize=None)
def _biosppy_taps():
    """``ecg_clean(method="biosppy")``'s FIR band-pass (0.67-45 Hz) applied forward and backward, as one kernel."""
    numtaps = int(1.5 * MODEL_RATE) | 1
    b = signal_lib.firwin(numtaps, [0.67, 45.0], pass_zero=False, fs=MODEL_RATE)
    return np.convolve(b, b[::-1]), numtaps


def _biosppy(x):
    """``neurokit2.ecg_clean(x, 250, method="biosppy")`` (``filtfilt`` with odd padding) by one FFT convolution."""
    taps, numtaps = _biosppy_taps()
    pad = min(3 * numtaps, len(x) - 1)
    ext = np.concatenate([2 * x[0] - x[pad:0:-1], x, 2 * x[-1] - x[-2 : -pad - 2 : -1]])
    out = signal_lib.fftconvolve(ext, taps, mode="same")[pad : pad + len(x)]
    return out - out.mean()


# --- noise --------------------------------------------------------------------------------------------------------
MUSCLE_BAND_HZ = (20.0, 120.0)  # [Hz] band of the muscle-like noise of add_muscle_noise (below 125 Hz, MODEL_RATE / 2)


@functools.cache
def _muscle_sos():
    return signal_lib.butter(4, MUSCLE_BAND_HZ, btype="bandpass", fs=MODEL_RATE, output="sos")


def add_muscle_noise(signal, rng, rms):
    """Add muscle-like noise: white noise band-passed to :data:`MUSCLE_BAND_HZ`, of RMS ``rms``.

    Unlike white noise at the model rate, it leaves the P and T waves' band
    (below 20 Hz) nearly untouched and sits where the QRS edges are, as the
    noise of skeletal muscle does.

    Parameters
    ----------
    signal : ndarray
        One lead at ``MODEL_RATE``.
    rng : numpy.random.Generator
    rms : float
        Root mean square of the added noise, in the signal's unit.

    Returns
    -------
    ndarray
        A copy of the signal with the noise added.
    """
    x = np.array(signal, dtype=float)
    noise = signal_lib.sosfiltfilt(_muscle_sos(), rng.standard_normal(len(x) + 64))[32:-32]
    return x + rms * noise / max(float(noise.std()), 1e-12)


# --- artefacts ------------------------------------------------------------------------------------------------------
def add_spikes(signal, rng, scale, count=(1, 5), amplitude=(1.0, 10.0)):
    """Add a few narrow spikes (1-3 samples, either polarity) at random places.

    Parameters
    ----------
    signal : ndarray
        One lead at ``MODEL_RATE``.
    rng : numpy.random.Generator
    scale : float
        Amplitude unit (the lead's robust amplitude).
    count : tuple of int
        Range of the number of spikes (inclusive).
    amplitude : tuple of float
        Range of each spike's height, in ``scale`` units.

    Returns
    -------
    ndarray
        A copy of the signal with the spikes added.
    """
    x = np.array(signal, dtype=float)
    for _ in range(int(rng.integers(count[0], count[1] + 1))):
        start, width = int(rng.integers(len(x))), int(rng.integers(1, 4))
        x[start : start + width] += rng.choice([-1.0, 1.0]) * rng.uniform(*amplitude) * scale
    return x


def saturate(signal, rng, level=(0.3, 0.9)):
    """Clip the signal like a saturated amplifier, on one side or both.

    Parameters
    ----------
    signal : ndarray
        One lead at ``MODEL_RATE``.
    rng : numpy.random.Generator
    level : tuple of float
        Range of each clipping level, as a fraction of the signal's extent
        from its median on that side.

    Returns
    -------
    ndarray
        The clipped signal.
    """
    x = np.asarray(signal, dtype=float)
    centre = np.median(x)
    side = int(rng.integers(3))  # 0 top, 1 bottom, 2 both
    top = centre + rng.uniform(*level) * (x.max() - centre) if side != 1 else np.inf
    bottom = centre - rng.uniform(*level) * (centre - x.min()) if side != 0 else -np.inf
    return np.clip(x, bottom, top)


def add_electrode_motion(signal, rng, scale, duration_s=(0.2, 2.0), amplitude=(1.0, 20.0)):
    """Add one electrode-motion burst: a large, slow excursion.

    Seven times in ten a smoothed random walk that fades in and out (Hann
    window), otherwise a step that decays exponentially back to zero by the
    burst's end.

    Parameters
    ----------
    signal : ndarray
        One lead at ``MODEL_RATE``.
    rng : numpy.random.Generator
    scale : float
        Amplitude unit (the lead's robust amplitude).
    duration_s : tuple of float
        Range of the burst's duration [s] (uniform).
    amplitude : tuple of float
        Range of its peak size, in ``scale`` units (log-uniform; either polarity).

    Returns
    -------
    ndarray
        A copy of the signal with the burst added.
    """
    x = np.array(signal, dtype=float)
    n = min(n_samples(rng.uniform(*duration_s), MODEL_RATE), len(x))
    size = np.exp(rng.uniform(np.log(amplitude[0]), np.log(amplitude[1]))) * scale * rng.choice([-1.0, 1.0])
    if rng.random() < 0.7:
        walk = np.cumsum(rng.standard_normal(n))
        width = n_samples(0.05, MODEL_RATE)
        walk = np.convolve(np.pad(walk, width, mode="edge"), np.full(width, 1.0 / width), mode="same")[width:-width]
        walk -= np.linspace(walk[0], walk[-1], n)
        shape = walk / max(np.max(np.abs(walk)), 1e-12) * np.hanning(n)
    else:
        decay = np.exp(-np.arange(n) / (rng.uniform(0.1, 0.5) * n))
        shape = decay - np.linspace(0.0, decay[-1], n)  # back to zero at the end: no second step
    start = int(rng.integers(len(x) - n + 1))
    x[start : start + n] += size * shape
    return x


def add_motion_sway(signal, rng, scale, freq_hz=(1.0, 3.0), amplitude=(0.1, 0.5), duration_s=(2.0, 8.0)):
    """Add a stretch of baseline sway: a 1-3 Hz oscillation of the electrodes (walking, arm or strap movement).

    Inside the band of the P and T waves, so no high-pass removes it (a
    wearable-like new-user trial: 0.2-0.4 mV of it doubled the P-onset SD).
    One or two sinusoids in ``freq_hz``, faded in and out (Tukey window),
    over a random stretch.

    Parameters
    ----------
    signal : ndarray
        One lead at ``MODEL_RATE``.
    rng : numpy.random.Generator
    scale : float
        Amplitude unit (the lead's robust amplitude).
    freq_hz, amplitude, duration_s : tuple of float
        Ranges (uniform) of the frequencies [Hz], of the peak size in ``scale`` units and of the stretch [s].

    Returns
    -------
    ndarray
        A copy of the signal with the sway added.

    Examples
    --------
    >>> x = add_motion_sway(np.zeros(2500), np.random.default_rng(0), 1.0)
    >>> bool(0.1 <= np.abs(x).max() <= 0.5 + 1e-9), bool(x[0] == x[-1] == 0.0)
    (True, True)
    """
    x = np.array(signal, dtype=float)
    n = min(n_samples(rng.uniform(*duration_s), MODEL_RATE), len(x))
    if n < 2:
        return x
    start = int(rng.integers(0, len(x) - n + 1))
    t = np.arange(n) / MODEL_RATE
    wave = sum(rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * rng.uniform(*freq_hz) * t + rng.uniform(0, 2 * np.pi))
               for _ in range(rng.integers(1, 3)))
    wave = wave * signal_lib.windows.tukey(n, 0.5)
    peak = np.abs(wave).max()
    if peak > 0:
        x[start : start + n] += rng.uniform(*amplitude) * scale * rng.choice([-1.0, 1.0]) * wave / peak
    return x


def add_pacing_spikes(signal, labels, rng, scale, amplitude=(2.0, 10.0)):
    """Add pacemaker spikes: a 1-2 sample pulse 1-5 samples before some QRS onsets, with a small opposite tail.

    Parameters
    ----------
    signal, labels : ndarray
        One lead at ``MODEL_RATE`` and its per-sample labels (QRS = 2).
    rng : numpy.random.Generator
    scale : float
        Amplitude unit (the lead's robust amplitude).
    amplitude : tuple of float
        Range of the pulse height, in ``scale`` units; one height, polarity
        and width per call. Each QRS is paced with one probability drawn in
        0.3-1.

    Returns
    -------
    ndarray
        A copy of the signal with the pulses added (the labels are unchanged:
        the pulse falls in the background before the QRS).
    """
    x = np.array(signal, dtype=float)
    onsets = qrs_onsets(labels)
    onsets = onsets[rng.random(len(onsets)) < rng.uniform(0.3, 1.0)]
    size = rng.uniform(*amplitude) * scale * rng.choice([-1.0, 1.0])
    width, tail_len = int(rng.integers(1, 3)), n_samples(0.04, MODEL_RATE)
    tail = -rng.uniform(0.05, 0.2) * size * np.exp(-np.arange(tail_len) / rng.uniform(1.0, 5.0))
    for onset in onsets:
        start = max(int(onset - rng.integers(1, 6)), 0)
        x[start : start + width] += size
        end = min(start + width + tail_len, len(x))
        x[start + width : end] += tail[: end - start - width]
    return x
