"""Find lone tones (mains hum at 50 or 60 Hz and its harmonics, other interference) and remove those above 40 Hz.

A raw ECG often carries the interference of the mains (0.1-0.3 mV is common
in a ward); the network, trained on clean recordings, then places P and T
boundaries up to 10 ms off and misses P waves. ECG amplifiers remove the hum
with a notch; NeuroKit's ``ecg_clean`` with a moving average over one mains
period (which :mod:`nk_qrs_lstm.unsmooth` undoes). Here a tone is *found*
first, as a line standing far above, and alone in, the spectrum beside it in
the whole lead's spectrum (:func:`detect_tones`); those from
``MAINS_NOTCH_MIN_HZ`` up (:func:`detect_mains`) are then removed, from the
whole lead, with narrow zero-phase notches at their own frequencies
(:func:`remove_mains`), so a signal without them is passed on untouched.
Tones inside the ECG's band (railway interference at 16.7 Hz) are left to a
warning: a notch there distorts the waves themselves.

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

import contextlib
import contextvars
import functools

import numpy as np
import scipy.signal

from .defaults import (
    MAINS_FLANK_HZ,
    MAINS_ISOLATION,
    MAINS_MAX_LINES,
    MAINS_MIN_HZ,
    MAINS_NOTCH_MIN_HZ,
    MAINS_LINE_RATIO,
    MAINS_NOTCH_Q,
    MAINS_SEARCH_HZ,
    MAINS_TOP_HZ,
    STRETCH_S,
    STRETCH_SEGMENT_S,
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
    return float(power[i]) / reference, float(power[i]) / float(power[flanks].max()), _refined(freq, power, i)


def _refined(freq, power, i):
    """The frequency of the peak at bin ``i``, refined by a parabola through the log power of it and its neighbours."""
    peak = float(freq[i])
    if 0 < i < len(power) - 1 and np.all(power[i - 1 : i + 2] > 0):
        a, b, c = np.log(power[i - 1 : i + 2])
        if a - 2 * b + c < 0:
            peak += 0.5 * (a - c) / (a - 2 * b + c) * (freq[1] - freq[0])
    return float(peak)


def lone_lines(freq, power, band=(MAINS_MIN_HZ, MAINS_TOP_HZ), threshold=MAINS_LINE_RATIO,
               isolation=MAINS_ISOLATION, search_hz=MAINS_SEARCH_HZ, flank_hz=MAINS_FLANK_HZ, most=MAINS_MAX_LINES):
    """Every lone spectral line in ``band``: a local peak far above its flanks' median and above their largest.

    The test of :func:`line_ratio` at every frequency of the band whose
    flanks fit in the spectrum: the peak is the largest power within
    ``search_hz``, more than ``threshold`` times the median of the flanks
    (``flank_hz`` away on both sides) and more than ``isolation`` times their
    largest power (so the harmonics of a regular heart beat, lines among others
    as strong, are not lone).

    Returns
    -------
    tuple of float
        The lines' frequencies (Hz, refined by a parabola through the log
        power), strongest first, at most ``most``.

    Examples
    --------
    >>> from nk_qrs_lstm.spectra import welch
    >>> t = np.arange(40000) / 500
    >>> x = np.random.default_rng(0).standard_normal(t.size) + np.sin(2 * np.pi * 16.7 * t) + np.sin(2 * np.pi * 50 * t)
    >>> [round(float(f), 1) for f in lone_lines(*welch(x, 500.0, 2000))]
    [50.0, 16.7]
    """
    df = float(freq[1] - freq[0])
    lo, hi = int(np.ceil(flank_hz[0] / df)), int(np.floor(flank_hz[1] / df))
    reach = max(int(round(search_hz / df)), 1)
    offsets = np.concatenate([-np.arange(hi, lo - 1, -1), np.arange(lo, hi + 1)])
    centre = np.flatnonzero((freq >= band[0]) & (freq <= band[1]) & (np.arange(len(freq)) + hi < len(freq))
                            & (np.arange(len(freq)) - hi >= 0))
    if not len(centre):
        return ()
    flanks = power[centre[:, None] + offsets[None, :]]
    near = power[np.clip(centre[:, None] + np.arange(-reach, reach + 1)[None, :], 0, len(power) - 1)]
    peak, median = power[centre], np.median(flanks, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lone = ((peak >= near.max(axis=1)) & (peak > threshold * median) & (peak > isolation * flanks.max(axis=1))
                & (median > 0))
    found = centre[lone][np.argsort(-peak[lone])][:most]
    return tuple(_refined(freq, power, i) for i in found)


_SHARED = contextvars.ContextVar("nk_qrs_lstm_shared_spectra", default=None)


@contextlib.contextmanager
def shared_spectra():
    """Within the block, a lead's spectra are computed once: the first array :func:`lead_spectra` is given keeps
    its result, and a later call with that same array object and rate reuses it.

    The front door validates a lead, warns about its noise (:func:`nk_qrs_lstm.quality.warn_quality`) and hands
    the same array to the pipeline, whose mains search (:func:`detect_mains`) needs the same spectra: one pass
    instead of two (0.035 s per hour of 500-Hz ECG). Scoped to the block (a context variable: threads and tasks
    each have their own); nothing is kept after it.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=70, sampling_rate=250, random_state=0)
    >>> with shared_spectra():
    ...     lead_spectra(ecg, 250) is lead_spectra(ecg, 250)
    True
    >>> lead_spectra(ecg, 250) is lead_spectra(ecg, 250)
    False
    """
    token = _SHARED.set([])
    try:
        yield
    finally:
        _SHARED.reset(token)


def lead_spectra(signal, sampling_rate):
    """The Welch spectrum of every ``STRETCH_S`` of a lead (``STRETCH_SEGMENT_S`` segments), as a list.

    One pass over the lead serves both the tone search (:func:`detect_tones`)
    and the noise warning (:func:`nk_qrs_lstm.quality.noise_ratios`); inside
    :func:`shared_spectra`, also a second caller of the same lead. Items as
    :func:`nk_qrs_lstm.spectra.stretch_spectra` yields them (not to be
    modified: they may be shared).
    """
    shared = _SHARED.get()
    if shared and shared[0][0] is signal and shared[0][1] == sampling_rate:
        return shared[0][2]
    spectra = list(stretch_spectra(signal, sampling_rate, n_samples(STRETCH_S, sampling_rate),
                                   n_samples(STRETCH_SEGMENT_S, sampling_rate)))
    if shared is not None and not shared:
        shared.append((signal, sampling_rate, spectra))
    return spectra


def mean_spectrum(stretches, robust=False):
    """Welch spectrum of a whole lead from its stretches' (:func:`lead_spectra`), weighted by their segments.

    ``robust``: without the segments far louder than their stretch's others
    (:class:`nk_qrs_lstm.spectra.Stretch`'s ``ordinary``).

    Returns
    -------
    (freq, power) or None
        None where no stretch holds one segment of finite samples.
    """
    total, frames, freq = 0.0, 0, None
    for item in stretches:
        power, n = (item.ordinary, item.n_ordinary) if robust else (item.power, item.n_frames)
        total, frames, freq = total + n * power, frames + n, item.freq
    return None if not frames else (freq, total / frames)


def detect_tones(signal, sampling_rate, threshold=MAINS_LINE_RATIO, stretches=None):
    """Frequencies of the lone tones in a lead (:func:`lone_lines` of its whole spectrum), strongest first.

    Mains hum at 50 or 60 Hz (and its harmonics), railway interference at
    16.7 Hz, or any other pure tone from ``MAINS_MIN_HZ`` to ``MAINS_TOP_HZ``
    (what the model's 250-Hz input keeps). The spectrum is that of the whole
    lead (:func:`mean_spectrum` of :func:`lead_spectra`: a tone in part of a long recording counts,
    diluted by its share of the time), without the segments far louder than
    the others of their minute (the harmonics of a motion burst are no tone).

    Parameters
    ----------
    signal : ndarray
        One caller-rate lead (gaps allowed).
    sampling_rate : float
        Hz.
    threshold : float
        Line-to-flanks power ratio above which a line is a tone.
    stretches : list, optional
        :func:`lead_spectra` of ``signal`` where the caller has them already.

    Returns
    -------
    tuple of float
        Line frequencies (Hz); empty where there is none (or the signal is too
        short to tell).
    """
    # segments far louder than their stretch's others are left out: a short burst's harmonics are no tone
    spectrum = mean_spectrum(lead_spectra(signal, sampling_rate) if stretches is None else stretches, robust=True)
    return () if spectrum is None else lone_lines(*spectrum, threshold=threshold)


def detect_mains(signal, sampling_rate, threshold=MAINS_LINE_RATIO):
    """The tones of a lead that are removed: those from ``MAINS_NOTCH_MIN_HZ`` (40 Hz) up, above the P and T waves.

    A notch inside the ECG's band distorts the waves themselves (at 16.7 Hz it
    moved 18 % of the boundaries of LUDB validation leads without any tone by
    more than 10 ms), so tones below 40 Hz are only warned about
    (:func:`nk_qrs_lstm.quality.warn_quality`).

    Returns
    -------
    tuple of float
        Frequencies (Hz), strongest first.

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
    return tuple(f for f in detect_tones(signal, sampling_rate, threshold) if f >= MAINS_NOTCH_MIN_HZ)


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
