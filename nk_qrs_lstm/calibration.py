"""Calibration pulses: the rectangular 1-mV marks of printed and digitised ECGs, which are not heart beats.

A paper ECG starts each row with a calibration pulse: the trace steps up by
1 mV (10 mm), holds for about 200 ms and steps back. Digitised, it is a
rectangle no ECG wave resembles: both edges arrive within a sample or two
(:func:`nk_qrs_lstm.pacing.stimulus_jumps`), and the top is flat. The network
reads its rising edge as a QRS complex (new-user trial 19, 2026-11-30: on 65 of
508 validation leads with a pulse at the start), so the front door and the record
path bridge pulses with the level around them (:func:`remove_pulses`) and name them.
"""

import numpy as np

from ._checks import _where, warn
from .defaults import (
    PACING_ABRUPT,
    PACING_STEP_S,
    PULSE_FLAT,
    PULSE_MARGIN_S,
    PULSE_MAX_HEIGHT,
    PULSE_MIN_HEIGHT,
    PULSE_RETURN,
    PULSE_WIDTH_S,
    n_samples,
)
from .pacing import abrupt_steps

RANGE_STRIDE = 4  # [samples] the lead's range is read on every this many samples


def calibration_pulses(signal, sampling_rate):
    """``[start, stop)`` of each rectangular pulse in a lead, ``PULSE_MARGIN_S`` added on each side.

    A pulse is an abrupt step (:func:`nk_qrs_lstm.pacing.stimulus_jumps`) of
    at least ``PULSE_MIN_HEIGHT`` and at most ``PULSE_MAX_HEIGHT`` times the
    lead's range (0.5th-99.5th percentile of every fourth sample; taller
    rectangles are artefacts, left to the checks for them), followed
    ``PULSE_WIDTH_S`` later by an abrupt step back of the same size within
    ``PULSE_RETURN``, the top between them within ``PULSE_FLAT`` of the step
    from its level. A pulse must start after a few samples of the lead (its
    first step is judged against the one before it).

    Parameters
    ----------
    signal : array-like, shape (n,)
        One lead (NaN allowed: never part of a pulse).
    sampling_rate : float
        Hz.

    Returns
    -------
    ndarray of int64, shape (n_pulses, 2)
        Sorted and apart (pulses whose margins touch are one span).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)
    >>> calibration_pulses(ecg, 500).tolist()
    []
    >>> level = ecg[0]
    >>> marked = np.r_[np.full(50, level), np.full(100, level + 1.0), np.full(50, level), ecg]
    >>> calibration_pulses(marked, 500).tolist()  # the pulse holds samples 50-149; 10 ms more each side
    [[44, 156]]
    """
    x = np.asarray(signal, dtype=np.float64)
    sample = x[::RANGE_STRIDE]  # the range from every few samples: a pulse or a QRS holds many
    sample = sample[np.isfinite(sample)]
    if len(sample) < 3 or len(x) < 3:
        return np.zeros((0, 2), dtype=np.int64)
    lo, hi = np.percentile(sample, (0.5, 99.5))
    if not hi > lo:
        return np.zeros((0, 2), dtype=np.int64)
    at, size = abrupt_steps(x, sampling_rate, PACING_STEP_S, PACING_ABRUPT, PULSE_MIN_HEIGHT * (hi - lo))
    k = max(1, int(round(PACING_STEP_S * sampling_rate)))
    shortest, longest = (n_samples(s, sampling_rate) for s in PULSE_WIDTH_S)
    margin = n_samples(PULSE_MARGIN_S, sampling_rate)
    pulses, last = [], -1
    for i, (rise, height) in enumerate(zip(at, size)):
        if rise <= last or height > PULSE_MAX_HEIGHT * (hi - lo):
            continue
        up = np.sign(x[rise] - x[rise - k])
        # the step back: an abrupt one of about the same size and the other sign, in the allowed width
        for fall, back in zip(at[i + 1:], size[i + 1:]):
            if fall - rise > longest:
                break
            if (fall - rise < shortest or np.sign(x[fall] - x[fall - k]) == up
                    or abs(back - height) > PULSE_RETURN * height):
                continue
            top = x[rise:fall - k + 1]
            if np.all(np.isfinite(top)) and np.ptp(top) <= PULSE_FLAT * height:
                span = (max(rise - k - margin, 0), min(fall + 1 + margin, len(x)))
                if pulses and span[0] <= pulses[-1][1]:  # touching or overlapping its margin: one span
                    span = (pulses.pop()[0], span[1])
                pulses.append(span)
                last = fall
            break
    return np.asarray(pulses, dtype=np.int64).reshape(-1, 2)


def remove_pulses(ecg, sampling_rate, name="ecg_cleaned"):
    """The lead with each calibration pulse (:func:`calibration_pulses`) bridged: each half filled with the sample
    just outside it on that side (a copy; the lead itself where there is none), and the pulses; warns where there
    are some.

    Bridged rather than made a gap: a gap there changed the rhythm gate's P decisions for whole leads in trial 19's
    leads, where the bridged pulse gave the beats of the same lead with a flat lead-in instead of the mark
    (``docs/api.md``); filled with samples of the lead rather than a line between them, so that a quantised lead
    keeps its grid.
    """
    pulses = calibration_pulses(ecg, sampling_rate)
    if not len(pulses):
        return ecg, pulses
    warn(f"{name} holds {len(pulses)} rectangular calibration pulse{'s' if len(pulses) > 1 else ''}"
         f"{_where(pulses, sampling_rate)} (the 1-mV mark of a printed ECG: a step, a flat top, a step back): "
         "removed (bridged by the level around each): the pulse is not read as a beat.")
    out = np.array(ecg, dtype=np.float64)
    for start, stop in pulses:
        ends = [i for i in (start - 1, stop) if 0 <= i < len(out) and np.isfinite(out[i])]
        # the nearest of the samples around it: a pulse sits on a flat baseline, and a quantised lead keeps its grid
        middle = (start + stop) // 2
        out[start:middle] = out[ends[0]] if ends else np.nan
        out[middle:stop] = out[ends[-1]] if ends else np.nan
    return out, pulses
