"""Pacemaker spikes: narrow deflections that come with the beats of a paced rhythm.

A pacemaker's stimulus shows in the ECG as a spike of a millisecond or two,
before the P wave (atrial pacing) or the QRS complex (ventricular pacing), where
the recorder's filters leave it (many remove it: then nothing here finds it).
Paced rhythms are few in the training data (six LUDB train records): a paced
QRS is wide and its limits are less sure, a stimulus on a P wave can hide it,
and atrial fibrillation under ventricular pacing has a regular RR on which the
rhythm gate cannot refuse P waves. The package says so where it finds spikes
(:func:`nk_qrs_lstm.quality.warn_pacing`).

- :func:`stimulus_jumps`: abrupt steps, a stimulus's edge (a QRS's slope builds
  up over several samples; a stimulus's arrives at once);
- :func:`abrupt_steps`: where those steps exceed a size, and their sizes (one pass; also
  :mod:`nk_qrs_lstm.calibration`'s pulse edges);
- :func:`step_noise`: the size of the lead's ordinary steps (broadband noise makes
  abrupt steps everywhere);
- :func:`spiked_beats`: the beats with such a step, above both thresholds, in their
  window before the QRS.

Pure functions of arrays; no warnings here.
"""

import numpy as np

from .defaults import PACING_ABRUPT, PACING_FACTOR, PACING_NOISE_FLOOR, PACING_STEP_S, PACING_WINDOW_S

_MAX_ELEMENTS = 4_000_000  # [-] samples gathered at once to measure the QRS amplitudes (32 MB)
_NOISE_STEPS = 200_000  # [-] steps drawn (seeded) for step_noise's median on longer leads: 0.3 % of it, 10 ms an hour


def stimulus_jumps(x, rate, step_s=PACING_STEP_S, abrupt=PACING_ABRUPT):
    """The size of each abrupt step of the signal: a pacemaker stimulus's edge.

    Over ``k = max(1, round(step_s * rate))`` samples, the step
    ``|x[i] - x[i - k]|`` counts where the step before it,
    ``|x[i - k] - x[i - 2k]|``, is less than ``abrupt`` times as large (0
    elsewhere): a stimulus jumps from a flat baseline within a sample or
    two, and the recorder's filters let it decay over the next ones; a
    QRS's slope builds up over several samples. NaN is read as 0.

    Parameters
    ----------
    x : array-like, shape (n,)
        The lead (any unit).
    rate : float
        Sampling rate (Hz).
    step_s : float
        Duration of one step (s).
    abrupt : float
        Largest ratio of the step before to the step.

    Returns
    -------
    ndarray of float, shape (n,)
        The step ending at each sample (0 where not abrupt or too near the start).

    Examples
    --------
    >>> x = np.sin(np.linspace(0, 3, 500))  # slow
    >>> x[250:] += 2.0 * np.exp(-np.arange(250) / 5.0)  # a stimulus: a jump, then a decay
    >>> j = stimulus_jumps(x, 500.0)
    >>> int(np.argmax(j)), round(float(j.max()), 1), bool(np.delete(j, 250).max() < 0.1)
    (250, 2.0, True)
    """
    x = np.nan_to_num(np.asarray(x, dtype=np.float64))
    out = np.zeros(len(x))
    at, size = abrupt_steps(x, rate, step_s, abrupt, 0.0)
    out[at] = size
    return out


def abrupt_steps(x, rate, step_s, abrupt, above):
    """Where the abrupt steps of :func:`stimulus_jumps` larger than ``above`` end, and their sizes (the
    abruptness is judged only there: a pass over the whole lead less)."""
    k = max(1, int(round(step_s * rate)))
    if len(x) <= 2 * k:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    step = np.abs(x[2 * k:] - x[k:-k])
    candidate = np.flatnonzero(step > above)
    keep = np.abs(x[candidate + k] - x[candidate]) < abrupt * step[candidate]
    return candidate[keep] + 2 * k, step[candidate[keep]]


def step_noise(x, rate, step_s=PACING_STEP_S):
    """The robust SD of the lead's steps over ``step_s``: ``1.4826 * median |x[i] - x[i - k]|``.

    Most of a lead is slow (baseline, P and T waves), so its steps are tiny
    and this is near 0; broadband noise (an amplifier's, white noise added to
    a faint lead) makes every step as large as the noise, and some of them
    abrupt: a stimulus must stand above that. NaN is read as 0. On leads of
    more than ``_NOISE_STEPS`` steps the median is that of as many steps
    drawn at random (seeded: the answer is the same at every call; a
    regular stride could fall on one phase of mains hum).

    Parameters
    ----------
    x : array-like, shape (n,)
        The lead (any unit).
    rate : float
        Sampling rate (Hz).
    step_s : float
        Duration of one step (s; at least one sample).

    Returns
    -------
    float
        In the lead's unit (0 for fewer than two samples).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(scale=0.1, size=10_000)  # white noise: steps of SD 0.1 * sqrt(2)
    >>> round(step_noise(x, 500.0), 2)
    0.14
    """
    x = np.asarray(x, dtype=np.float64)
    k = max(1, int(round(step_s * rate)))
    if len(x) <= k:
        return 0.0
    if len(x) - k > _NOISE_STEPS:
        at = np.random.default_rng(0).integers(k, len(x), size=_NOISE_STEPS)
        a, b = np.nan_to_num(x[at]), np.nan_to_num(x[at - k])  # only the drawn samples: no copy of the lead
    else:
        a, b = np.nan_to_num(x[k:]), np.nan_to_num(x[:-k])
    return 1.4826 * float(np.median(np.abs(a - b)))


def spiked_beats(x, qrs_on, qrs_off, rate, factor=PACING_FACTOR, window_s=PACING_WINDOW_S, jumps=None,
                 noise_floor=PACING_NOISE_FLOOR):
    """Which beats have a spike before (or at the start of) their QRS complex.

    A beat is spiked where an abrupt step (:func:`stimulus_jumps`) exceeds
    ``factor`` times the lead's median QRS peak-to-peak amplitude, and
    ``noise_floor`` times its :func:`step_noise`, somewhere in
    ``[QRS onset - window_s[0], QRS onset + window_s[1]]``: room for an atrial
    stimulus before the P wave and a ventricular one just before (or, as the
    network may place the onset, just inside) the QRS. The second threshold
    keeps broadband noise on a faint lead, which makes abrupt steps before
    every QRS, from reading as stimuli.

    Parameters
    ----------
    x : array-like, shape (n,)
        The lead.
    qrs_on, qrs_off : array-like of float
        QRS onsets and offsets (samples of ``x``; NaN: unknown).
    rate : float
        Sampling rate (Hz).
    factor : float
        Spike threshold, a fraction of the median QRS amplitude.
    window_s : (float, float)
        Before and after the QRS onset (s).
    jumps : ndarray, optional
        :func:`stimulus_jumps` of ``x``, where the caller has it.
    noise_floor : float or None
        The step must also exceed this many times :func:`step_noise` (None:
        no such threshold).

    Returns
    -------
    ndarray of bool
        Per beat (False where the onset is unknown or no QRS amplitude could be measured).

    Examples
    --------
    >>> rate = 500.0
    >>> t = np.arange(5000) / rate
    >>> x = np.exp(-(((t % 1.0) - 0.5) / 0.02) ** 2)  # a QRS-like bump each second
    >>> on, off = np.arange(5) * 500 + 230.0, np.arange(5) * 500 + 270.0
    >>> for i in on[:3].astype(int) - 10:  # stimuli 20 ms before three of them: a jump, then a decay
    ...     x[i:i + 20] += 1.5 * np.exp(-np.arange(20) / 3.0)
    >>> spiked_beats(x, on, off, rate).tolist()
    [True, True, True, False, False]
    """
    x = np.asarray(x, dtype=np.float64)
    x = np.nan_to_num(x) if np.isnan(x).any() else x
    on = np.asarray(qrs_on, dtype=np.float64)
    off = np.asarray(qrs_off, dtype=np.float64)
    n, m = len(on), len(x)
    out = np.zeros(n, dtype=bool)
    whole = np.isfinite(on) & np.isfinite(off) & (off > on)
    if not whole.any() or m < 3:
        return out
    a = np.clip(np.floor(on[whole]).astype(np.int64), 0, m - 1)
    b = np.clip(np.ceil(off[whole]).astype(np.int64) + 1, a + 1, m)
    width = int(np.max(b - a))
    rows = max(1, _MAX_ELEMENTS // width)  # beats per chunk: a QRS found many seconds long must not cost gigabytes
    p2p = []
    for i in range(0, len(a), rows):
        ai, bi = a[i:i + rows], b[i:i + rows]
        seg = x[np.minimum(ai[:, None] + np.arange(width), (bi - 1)[:, None])]  # its last sample repeated
        p2p.append(seg.max(axis=1) - seg.min(axis=1))
    amplitude = np.median(np.concatenate(p2p))
    if not amplitude > 0:
        return out
    above = factor * amplitude
    if noise_floor is not None:
        above = max(above, noise_floor * step_noise(x, rate))
    if jumps is None:
        at, _ = abrupt_steps(x, rate, PACING_STEP_S, PACING_ABRUPT, above)
    else:
        at = np.flatnonzero(jumps > above)
    known = np.isfinite(on)
    lo = np.clip(np.floor(on[known] - window_s[0] * rate).astype(np.int64), 0, m)
    hi = np.clip(np.ceil(on[known] + window_s[1] * rate).astype(np.int64) + 1, 0, m)
    out[known] = np.searchsorted(at, np.maximum(hi, lo)) - np.searchsorted(at, lo) > 0
    return out
