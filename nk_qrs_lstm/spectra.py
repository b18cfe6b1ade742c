"""Welch power spectra for the input checks, vectorised for short signals; runs of samples.

Used by :mod:`nk_qrs_lstm.unsmooth` (the mains moving average's nulls),
:mod:`nk_qrs_lstm.mains` (hum lines, over the whole lead) and
:mod:`nk_qrs_lstm.quality` (the band-pass and noise warnings):
``scipy.signal.welch`` costs about a millisecond per call on a 10-s lead,
:func:`welch` a tenth of that; :func:`stretch_spectra` walks a long lead
stretch by stretch, so memory stays that of one stretch.
"""

from typing import NamedTuple

import numpy as np

from .defaults import EDGE_PAD_BEYOND, EDGE_PAD_MIN_S, EDGE_PAD_S, WELCH_OUTLIER_RATIO, n_samples


def runs(mask):
    """``[start, stop)`` of each run of True in a boolean array.

    Examples
    --------
    >>> runs(np.array([0, 1, 1, 0, 1], dtype=bool)).tolist()
    [[1, 3], [4, 5]]
    >>> runs(np.ones(3, dtype=bool)).tolist(), runs(np.zeros(0, dtype=bool)).shape
    ([[0, 3]], (0, 2))
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.size:
        return np.zeros((0, 2), dtype=np.int64)
    change = np.flatnonzero(mask[1:] != mask[:-1]) + 1  # where a run starts or ends (no full-length copies)
    edges = np.concatenate([np.zeros(int(mask[0]), dtype=np.int64), change, np.full(int(mask[-1]), mask.size)])
    return edges.astype(np.int64).reshape(-1, 2)


def constant_runs(x, min_len):
    """``[start, stop)`` of each run of at least ``min_len`` identical consecutive finite samples (a flat line).

    Examples
    --------
    >>> constant_runs(np.array([1.0, 2, 2, 2, 2, 3, 0, 0]), 3).tolist()
    [[1, 5]]
    """
    x = np.asarray(x, dtype=float)
    if len(x) < max(min_len, 2):
        return np.zeros((0, 2), dtype=np.int64)
    same = (x[1:] == x[:-1]) & np.isfinite(x[1:])  # sample i + 1 repeats sample i
    pairs = runs(same)
    found = pairs[(pairs[:, 1] - pairs[:, 0]) + 1 >= min_len]
    return np.stack([found[:, 0], found[:, 1] + 1], axis=1) if len(found) else np.zeros((0, 2), dtype=np.int64)


def padding_runs(x, sampling_rate):
    """``[start, stop)`` of the runs of identical samples at either end of ``x`` that are padding, not ECG.

    A run touching the first or last finite sample is padding from ``EDGE_PAD_S`` on, or from ``EDGE_PAD_MIN_S`` on
    where its level lies beyond the rest of the lead by more than ``EDGE_PAD_BEYOND`` of the rest's 0.5-99.5th
    percentile range (an EDF file's last data record filled with one value far outside the ECG's).

    Examples
    --------
    >>> ecg = np.sin(np.arange(5000) / 10.0)
    >>> padding_runs(np.r_[ecg, np.full(100, 60.0)], 500).tolist()  # 0.2 s at 60 (the ECG spans -1 to 1)
    [[5000, 5100]]
    >>> padding_runs(np.r_[ecg, np.full(100, 0.5)], 500).tolist()  # inside the ECG's range: too short to tell
    []
    """
    x = np.asarray(x, dtype=float)
    finite = np.isfinite(x)
    if not finite.any():
        return np.zeros((0, 2), dtype=np.int64)
    # the lead's ends (NaN before or after them is a gap already), and the run of one value held at each
    first, last = int(np.argmax(finite)), len(x) - int(np.argmax(finite[::-1]))
    runs_at_ends = {(first, first + _held(x, first, 1)), (last - _held(x, last - 1, -1), last)}
    shortest = max(2, n_samples(EDGE_PAD_MIN_S, sampling_rate))
    out = []
    for start, stop in sorted(runs_at_ends):
        if stop - start < shortest:
            continue
        rest = np.r_[x[:start], x[stop:]]
        rest = rest[np.isfinite(rest)]
        if stop - start >= n_samples(EDGE_PAD_S, sampling_rate) or not len(rest):
            out.append((start, stop))
            continue
        lo, hi = np.percentile(rest, (0.5, 99.5))
        beyond = max(x[start] - rest.max(), rest.min() - x[start])
        if beyond > EDGE_PAD_BEYOND * (hi - lo):
            out.append((start, stop))
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def _held(x, i, direction, chunk=256):
    """How many samples from ``x[i]`` on (``direction`` 1) or back from it (-1) hold its value (``x[i]`` finite),
    read in growing chunks: a lead's ends, not the whole lead."""
    value, count = x[i], 0
    while True:
        if direction > 0:
            part = x[i + count: i + count + chunk]
        else:
            part = x[max(i - count - chunk + 1, 0): i - count + 1][::-1]
        if not len(part):
            return count
        differ = part != value  # NaN differs
        if differ.any():
            return count + int(np.argmax(differ))
        count += len(part)
        chunk *= 2


class Stretch(NamedTuple):
    """The Welch spectrum of one stretch of a lead (:func:`stretch_spectra`)."""

    start: int  #: first sample of the stretch
    freq: np.ndarray  #: frequencies (Hz)
    power: np.ndarray  #: mean periodogram of its segments
    n_frames: int  #: segments averaged (weights for a mean over stretches)
    ordinary: np.ndarray  #: mean periodogram of its segments without the far louder ones (``welch``'s ``robust``)
    n_ordinary: int  #: segments in that mean


def stretch_spectra(x, sampling_rate, stretch, segment):
    """Welch spectrum of each consecutive ``stretch`` samples of ``x`` (its longest finite run).

    Stretches whose longest finite run is shorter than ``segment`` are
    skipped.

    Yields
    ------
    Stretch
        With both means: of every segment, and without the far louder
        segments (:func:`welch`'s ``robust``).
    """
    x = np.asarray(x)
    for start in range(0, len(x), stretch):
        part = longest_finite_run(np.asarray(x[start : start + stretch], dtype=float))
        if len(part) >= segment:
            freq, frames = periodograms(part, sampling_rate, segment)
            kept = _ordinary(frames)
            yield Stretch(start, freq, frames.mean(axis=0), len(frames), frames[kept].mean(axis=0), int(kept.sum()))


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
    found = runs(finite)
    if not len(found):
        return x[:0]
    i = int(np.argmax(found[:, 1] - found[:, 0]))
    return x[found[i, 0] : found[i, 1]]


def welch(x, sampling_rate, segment, robust=False):
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
    robust : bool
        Leave out the segments whose power exceeds ``WELCH_OUTLIER_RATIO``
        times the lower quartile of the segments' powers (:func:`_ordinary`):
        a short artefact (a motion burst, a saturated swing) then does not
        pass for a spectral property of the lead.

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
    >>> burst = x.copy()
    >>> burst[2000:2100] += 50 * np.sign(np.sin(np.arange(100) / 5))  # in two of the nine segments
    >>> total = p.sum()
    >>> bool(welch(burst, 500.0, 1000)[1].sum() > 10 * total)
    True
    >>> bool(abs(welch(burst, 500.0, 1000, robust=True)[1].sum() / total - 1) < 0.25)
    True
    """
    freq, frames = periodograms(x, sampling_rate, segment)
    return freq, frames[_ordinary(frames)].mean(axis=0) if robust else frames.mean(axis=0)


def periodograms(x, sampling_rate, segment):
    """Frequencies and the periodogram of each half-overlapping Hann-windowed segment of ``x`` (mean removed)."""
    x = np.asarray(x, dtype=float)
    step = max(segment // 2, 1)
    starts = np.arange(0, len(x) - segment + 1, step)
    frames = x[starts[:, None] + np.arange(segment)]
    frames = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(frames * np.hanning(segment + 1)[:-1], axis=1)
    return np.fft.rfftfreq(segment, 1.0 / sampling_rate), np.abs(spectrum) ** 2


def _ordinary(frames):
    """Segments whose total power is at most ``WELCH_OUTLIER_RATIO`` times the lower quartile of the segments'."""
    total = frames.sum(axis=1)
    return total <= WELCH_OUTLIER_RATIO * np.percentile(total, 25)
