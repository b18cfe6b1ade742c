"""Sway under the P waves: how much of each beat's P stretch is slow, and which beats sit in sway.

Pure functions on a lead and its QRS onsets, for the front door's warning
(:func:`nk_qrs_lstm.quality.warn_sway`): 1-3 Hz sway (a walking subject, a
loose electrode) does not hide the P waves from the rhythm gate any more
(:func:`nk_qrs_lstm.rhythm.p_coherence`'s sway view) but doubles the scatter
of their limits. Settings chosen on the validation splits
(``benchmarks/tune_sway_warning.py``).
"""

import numpy as np

from .defaults import (
    GATE_COHERENCE_DETREND,
    GATE_COHERENCE_SWAY_BAND_HZ,
    GATE_COHERENCE_WINDOW_S,
    GATE_MIN_BEATS,
    SWAY_ANALYSIS_RATE,
    SWAY_WARN_CONTEXT_S,
    SWAY_WARN_FRACTION,
    SWAY_WARN_SHARE,
)
from .beat_context import _stretches, _window_stats, band_pass


def low_share(x, qrs_on, rate, below_hz=GATE_COHERENCE_SWAY_BAND_HZ[0], window_s=GATE_COHERENCE_WINDOW_S,
              detrend=GATE_COHERENCE_DETREND):
    """Share of each beat's P stretch energy that lies below ``below_hz`` (sway under the P wave).

    The stretch is ``window_s`` before the QRS onset (where a P wave lies),
    without its linear trend (``detrend``); its energy below ``below_hz`` is
    what a zero-phase high-pass at ``below_hz`` of the whole signal takes out
    of it: one minus the energy of the high-passed stretch over the
    stretch's (the definition that separated sway from steady leads best on
    the validation splits, ``benchmarks/tune_sway_warning.py``). A P wave
    keeps most of its energy above 4 Hz; 1-3 Hz sway (a walking subject,
    breathing on a loose electrode) puts most below.

    Parameters
    ----------
    x : ndarray
        The lead (NaN read as 0).
    qrs_on : ndarray of float
        QRS onsets (samples of ``x``; NaN where unknown), in time order.
    rate : float
        Sampling rate of ``x`` (Hz).
    below_hz : float
    window_s : (float, float)
        Stretch before each QRS onset: from, to (s).
    detrend : int
        Degree of the polynomial taken out of each stretch.

    Returns
    -------
    ndarray of float
        One share in [0, 1] per beat; NaN where the stretch is not whole or is flat.

    Examples
    --------
    >>> rate = 250
    >>> t = np.arange(10 * rate) / rate
    >>> on = np.arange(1, 10) * rate + 0.0
    >>> p = 0.15 * sum(np.exp(-((t - (o / rate - 0.12)) / 0.025) ** 2) for o in on)  # a P wave before each QRS
    >>> round(float(np.nanmedian(low_share(p, on, rate))), 1)
    0.4
    >>> sway = 0.3 * (np.sin(2 * np.pi * 1.7 * t) + np.sin(2 * np.pi * 2.6 * t + 1))  # mV, a walking subject
    >>> round(float(np.nanmedian(low_share(p + sway, on, rate))), 1)
    0.8
    """
    x = np.asarray(x, dtype=np.float64)
    qrs_on = np.asarray(qrs_on, dtype=np.float64)
    if len(qrs_on) == 0 or len(x) == 0 or int(round(window_s[0] * rate)) - int(round(window_s[1] * rate)) < 3:
        return np.full(len(qrs_on), np.nan)
    seg, ok = _stretches(x, qrs_on, rate, window_s, detrend)
    energy = (seg ** 2).sum(axis=1)
    kept, _ = _stretches(band_pass(x, rate, (below_hz, None)), qrs_on, rate, window_s, detrend)
    judged = ok & (energy > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(judged, np.clip(1.0 - (kept ** 2).sum(axis=1) / energy, 0.0, 1.0), np.nan)


def lead_low_share(x, qrs_on, rate, analysis_rate=SWAY_ANALYSIS_RATE):
    """:func:`low_share` of a lead at its rate, computed on the lead block-averaged by ``q = rate // analysis_rate``
    (at ``analysis_rate`` Hz or more; a lead under twice that at its own rate): 4 Hz and the P stretch need no
    more, and the high-pass then costs a q-th.

    Parameters
    ----------
    x : ndarray
        The lead (NaN read as 0).
    qrs_on : ndarray of float
        QRS onsets (samples of ``x``), in time order.
    rate : float
        Sampling rate of ``x`` (Hz).
    analysis_rate : float
        Lowest rate (Hz) the share is computed at.

    Returns
    -------
    ndarray of float
        One share per beat (NaN where not judged).

    Examples
    --------
    >>> rate = 500
    >>> t = np.arange(20 * rate) / rate
    >>> on = np.arange(1, 20) * rate + 0.0
    >>> sway = np.sin(2 * np.pi * 1.3 * t) + np.sin(2 * np.pi * 2.4 * t + 1.0)
    >>> bool(np.nanmedian(lead_low_share(sway, on, rate)) > 0.9)
    True
    """
    x = np.nan_to_num(np.asarray(x, dtype=np.float64))
    q = max(int(rate // analysis_rate), 1)
    if q > 1:
        x = x[: len(x) // q * q].reshape(-1, q).mean(axis=1)
    return low_share(x, np.asarray(qrs_on, dtype=np.float64) / q, rate / q)


def swaying(share, qrs_on, rate, above=SWAY_WARN_SHARE, fraction=SWAY_WARN_FRACTION, context_s=SWAY_WARN_CONTEXT_S,
             min_beats=GATE_MIN_BEATS):
    """Which beats sit in sway: judged ones (a share of their own) where more than ``fraction`` of the judged beats
    within ``context_s`` have a :func:`low_share` above ``above`` (and at least ``min_beats`` were judged).

    A beat without a share (its stretch cut by the start of the lead) is not itself in sway: the first beat of
    a lead, judged on a one-sided context, named a 0.0-0.0 s stretch in a new-user trial.

    Parameters
    ----------
    share : ndarray of float
        :func:`low_share` per beat (NaN: not judged).
    qrs_on : ndarray of float
        QRS onsets (samples), sorted, finite.
    rate : float
    above, fraction, context_s : float
    min_beats : int

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> on = np.arange(20) * 250.0
    >>> swaying(np.r_[np.full(10, 0.3), np.full(10, 0.9)], on, 250).astype(int).tolist()
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    """
    share = np.asarray(share, dtype=np.float64)
    judged = np.isfinite(share)
    with np.errstate(invalid="ignore"):
        above_ = (share > above).astype(float)
    mean, _, count = _window_stats(np.asarray(qrs_on, dtype=np.float64), above_, judged.astype(float), context_s * rate)
    with np.errstate(invalid="ignore"):
        return (mean > fraction) & (count >= min_beats) & judged
