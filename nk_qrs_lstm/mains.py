"""Find and remove mains hum: narrow spectral lines at 50 or 60 Hz and their harmonics.

A raw ECG often carries the interference of the mains (0.1-0.3 mV is common
in a ward); the network, trained on clean recordings, then places P and T
boundaries up to 10 ms off and misses P waves. ECG amplifiers remove the hum
with a notch; NeuroKit's ``ecg_clean`` with a moving average over one mains
period (which :mod:`nk_qrs_lstm.unsmooth` undoes). Here the hum is *found*
first, as a line standing far above the spectrum beside it in the whole
lead's spectrum, and only then removed, from the whole lead, with a narrow
zero-phase notch at the line's own frequency, so a signal without hum is
passed on untouched.

Pure functions of the caller-rate signal; the pipeline
(:func:`nk_qrs_lstm.pipeline.iter_proba`) detects once per lead and removes
block by block (a notch forgets in well under the blocks' filter margins).

References
----------
- IEC 60601-2-25:2011. Medical electrical equipment - Particular requirements
  for the basic safety and essential performance of electrocardiographs
  (mains-frequency filters of diagnostic ECGs).
- Levkov C. et al. (2005). Removal of power-line interference from the ECG: a
  review of the subtraction procedure. BioMedical Engineering OnLine 4, 50.
"""

import functools

import numpy as np
import scipy.signal

from .defaults import (
    MAINS_FLANK_HZ,
    MAINS_ISOLATION,
    MAINS_LINE_RATIO,
    MAINS_NOTCH_Q,
    MAINS_SEARCH_HZ,
    MAINS_SEGMENT_S,
    MAINS_TOP_HZ,
    POWERLINE_HZ,
    STRETCH_S,
    n_samples,
)
from .spectra import stretch_spectra


def line_ratio(freq, power, centre, search_hz=MAINS_SEARCH_HZ, flank_hz=MAINS_FLANK_HZ):
    """Where the strongest line near ``centre`` is, and how far it stands above its flanks.

    Parameters
    ----------
    freq, power : ndarray
        A power spectrum (:func:`nk_qrs_lstm.spectra.welch`).
    centre : float
        Nominal frequency of the line (Hz).
    search_hz : float
        The line is the largest power within ``centre ± search_hz``.
    flank_hz : tuple of float
        The flanks lie ``flank_hz[0]`` to ``flank_hz[1]`` Hz away from
        ``centre`` on both sides.

    Returns
    -------
    ratio : float
        Peak power over the flanks' median (0 where the flanks leave the
        spectrum or hold no power).
    isolation : float
        Peak power over the flanks' largest: a line among others as strong (the
        harmonics of a perfectly regular heart beat, a paced rhythm's comb) is
        not alone.
    peak_hz : float
        The line's frequency, refined by a parabola through the log power of
        the peak and its neighbours.

    Examples
    --------
    >>> from nk_qrs_lstm.spectra import welch
    >>> t = np.arange(20000) / 500
    >>> x = np.random.default_rng(0).standard_normal(t.size) + np.sin(2 * np.pi * 50.2 * t)
    >>> ratio, isolation, peak = line_ratio(*welch(x, 500.0, 2000), 50.0)
    >>> bool(ratio > 100), bool(isolation > 10), round(peak, 1)
    (True, True, 50.2)
    """
    distance = np.abs(freq - centre)
    flanks = (distance >= flank_hz[0]) & (distance <= flank_hz[1])
    if centre + flank_hz[1] > freq[-1] or not flanks.any():
        return 0.0, 0.0, float(centre)
    reference = float(np.median(power[flanks]))
    near = np.flatnonzero(distance <= search_hz)
    i = int(near[np.argmax(power[near])])
    if reference <= 0:
        return 0.0, 0.0, float(centre)
    peak = float(freq[i])
    if 0 < i < len(power) - 1 and np.all(power[i - 1 : i + 2] > 0):
        a, b, c = np.log(power[i - 1 : i + 2])
        if a - 2 * b + c < 0:
            peak += 0.5 * (a - c) / (a - 2 * b + c) * (freq[1] - freq[0])
    return float(power[i]) / reference, float(power[i]) / float(power[flanks].max()), float(peak)


def _is_hum(freq, power, centre, threshold):
    """(line found, its frequency) near ``centre``: far above the flanks' median and alone among them."""
    ratio, isolation, peak = line_ratio(freq, power, centre)
    return ratio > threshold and isolation > MAINS_ISOLATION, peak


def mean_spectrum(signal, sampling_rate, segment_s=MAINS_SEGMENT_S, stretch_s=STRETCH_S):
    """Welch spectrum of a whole lead (every finite stretch), computed ``stretch_s`` at a time.

    Returns
    -------
    (freq, power) or None
        None where no stretch holds one segment of finite samples.
    """
    segment = n_samples(segment_s, sampling_rate)
    total, frames, freq = 0.0, 0, None
    for _, freq, power, n in stretch_spectra(signal, sampling_rate, n_samples(stretch_s, sampling_rate), segment):
        total, frames = total + n * power, frames + n
    return None if not frames else (freq, total / frames)


def detect_mains(signal, sampling_rate, threshold=MAINS_LINE_RATIO):
    """Frequencies of the mains hum in a lead: the fundamental found and its harmonics that stand out too.

    The fundamental is looked for at each of ``POWERLINE_HZ`` (50, 60 Hz) on
    the Welch spectrum of the whole lead (:func:`mean_spectrum`: hum in part
    of a long recording counts, diluted by its share of the time); the first
    whose line stands ``threshold`` times above the median of its flanks and
    ``MAINS_ISOLATION`` times above their largest power (:func:`line_ratio`)
    is the mains. Its harmonics up to ``MAINS_TOP_HZ`` (what the model's
    250-Hz input keeps) are kept where they pass the same test (harmonics of
    the nominal frequency: 100 Hz of 50, 120 Hz of 60).

    Parameters
    ----------
    signal : ndarray
        One caller-rate lead (gaps allowed).
    sampling_rate : float
        Hz.
    threshold : float
        Line-to-flanks power ratio above which a line is hum.

    Returns
    -------
    tuple of float
        Line frequencies (Hz), empty where there is no hum (or the signal is
        too short or too slowly sampled to tell).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=20, sampling_rate=500, random_state=0)
    >>> detect_mains(ecg, 500)
    ()
    >>> hum = 0.1 * np.sin(2 * np.pi * 60 * np.arange(len(ecg)) / 500)
    >>> [round(f) for f in detect_mains(ecg + hum, 500)]
    [60]
    """
    spectrum = mean_spectrum(signal, sampling_rate)
    if spectrum is None:
        return ()
    freq, power = spectrum
    for nominal in POWERLINE_HZ:
        found, fundamental = _is_hum(freq, power, nominal, threshold)
        if found:
            lines = [fundamental]
            for k in range(2, int(MAINS_TOP_HZ // nominal) + 1):
                found, harmonic = _is_hum(freq, power, k * fundamental, threshold)
                if found:
                    lines.append(harmonic)
            return tuple(lines)
    return ()


@functools.lru_cache(maxsize=32)
def _notch_sos(freq, sampling_rate, q):
    b, a = scipy.signal.iirnotch(freq, q, fs=sampling_rate)
    return scipy.signal.tf2sos(b, a)


def remove_mains(signal, sampling_rate, lines, q=MAINS_NOTCH_Q):
    """Remove hum lines with zero-phase notches (``scipy.signal.iirnotch``, forward and backward).

    Parameters
    ----------
    signal : ndarray
        Finite caller-rate samples.
    sampling_rate : float
        Hz.
    lines : sequence of float
        Frequencies to remove (Hz), from :func:`detect_mains`.
    q : float
        Quality factor of each notch (its -3 dB width is ``freq / q``).

    Returns
    -------
    ndarray
        Same length as ``signal``; a copy of it where ``lines`` is empty.

    Examples
    --------
    >>> t = np.arange(5000) / 500
    >>> ecg_like = np.sin(2 * np.pi * 1.2 * t)
    >>> out = remove_mains(ecg_like + 0.3 * np.sin(2 * np.pi * 50 * t), 500, [50.0])
    >>> bool(np.abs(out - ecg_like)[500:-500].max() < 0.01)
    True
    """
    x = np.array(signal, dtype=float)
    if len(x) < 16:  # too short for the filter's padding; nothing to judge either
        return x
    for freq in lines:
        x = scipy.signal.sosfiltfilt(_notch_sos(float(freq), float(sampling_rate), float(q)), x)
    return x
