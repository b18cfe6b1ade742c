"""Amplitude levels of a lead: how finely it is quantised, and whether an extreme level is a rail.

Pure numpy measurements for :func:`nk_qrs_lstm.quality.warn_quality`.
"""

import numpy as np

from .defaults import CLIPPED_ENTRY, CLIPPED_PILE, QUANT_RANGE_PERCENTILE, QUANT_WINDOW_S, n_samples


def quantisation_levels(ecg, sampling_rate=None):
    """How many quantisation steps a beat of the lead spans, and the step.

    The step is the smallest non-zero difference between consecutive samples
    (a recorder's resolution; tiny for a filtered or resampled signal). The
    span is the range of the signal in its quieter windows of
    ``QUANT_WINDOW_S`` (the ``QUANT_RANGE_PERCENTILE``-th percentile of the
    windows' ranges: each window holds a beat, and motion, a baseline jump
    or a knock on the electrode, which widen some windows' range, are left
    out; flat windows, a held value, too); without ``sampling_rate``, or in
    a lead shorter than a window, the range from the 0.5th to the 99.5th
    percentile.

    Returns
    -------
    levels, step : float
        ``inf`` levels where no two consecutive finite samples differ.

    Examples
    --------
    >>> t = np.arange(5000) / 500
    >>> levels, step = quantisation_levels(np.round(np.sin(2 * np.pi * t) / 0.1) * 0.1, 500)
    >>> round(float(levels)), round(float(step), 3)
    (20, 0.1)
    >>> knocked = np.round(np.sin(2 * np.pi * t) / 0.1) * 0.1
    >>> knocked[1000:1100] += 8.0  # motion: the whole lead's range is 5 times wider, its beats' is not
    >>> round(float(quantisation_levels(knocked, 500)[0])), round(float(quantisation_levels(knocked)[0]))
    (20, 98)
    >>> bool(quantisation_levels(np.sin(2 * np.pi * t), 500)[0] > 1000)
    True
    """
    x = np.asarray(ecg, dtype=float)
    x = x[np.isfinite(x)]
    steps = np.abs(np.diff(x))
    steps = steps[steps > 0]
    if not len(steps):
        return np.inf, 0.0
    step = float(steps.min())
    width = 0 if sampling_rate is None else n_samples(QUANT_WINDOW_S, sampling_rate)
    if width < 2 or len(x) < width:
        return float(np.percentile(x, 99.5) - np.percentile(x, 0.5)) / step, step
    ranges = np.ptp(x[: len(x) // width * width].reshape(-1, width), axis=1)
    ranges = ranges[ranges > 0]  # a flat window (a held value, a lead off) holds no beat
    if not len(ranges):
        return np.inf, step
    return float(np.percentile(ranges, QUANT_RANGE_PERCENTILE)) / step, step


def _steep(values, level, span):
    """Is ``level`` reached and left by steps larger than ``CLIPPED_ENTRY`` of ``span`` (median over its runs)? A
    rail cuts the waves off where they are steep; a flat baseline that happens to be a short excerpt's lowest
    level is entered one quantum at a time (a new-user trial, 21: 1-3-s excerpts of LUDB leads called clipped)."""
    at = values == level
    step = np.abs(np.diff(values))
    edges = step[at[1:] != at[:-1]]
    edges = edges[np.isfinite(edges)]
    return not len(edges) or np.median(edges) > CLIPPED_ENTRY * span


def _piled(values, level, count, inward):
    """Does ``level`` (the maximum, ``inward=-1``, or the minimum, ``+1``) hold more than ``CLIPPED_PILE`` times
    the samples of the nearest value inward of it?"""
    if count <= 1:
        return False
    inside = values[(values - level) * inward > 0]  # NaN compares False: gaps left out
    if inside.size == 0:
        return True
    nearest = inside.max() if inward < 0 else inside.min()
    return count > CLIPPED_PILE * np.count_nonzero(values == nearest)


def is_rail(values, level, count, inward, span):
    """Does the extreme ``level`` (the maximum, ``inward=-1``, or the minimum, ``+1``; held by ``count`` samples)
    look like a recorder's rail: piled up against the next level inward (:func:`_piled`) and reached by steep
    steps (:func:`_steep`; ``span``: the lead's range)?

    Examples
    --------
    >>> wave = np.sin(np.linspace(0, 200, 2000))  # steep where it crosses the rail, as a QRS is
    >>> clipped = np.clip(wave, -0.6, 0.6)
    >>> bool(is_rail(clipped, 0.6, int((clipped == 0.6).sum()), -1, 1.2))
    True
    >>> bool(is_rail(wave, wave.max(), int((wave == wave.max()).sum()), -1, np.ptp(wave)))
    False
    """
    return _piled(values, level, count, inward) and _steep(values, level, span)
