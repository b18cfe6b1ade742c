"""Label-aware edits of atrioventricular conduction in a training lead: P waves taken away, PR intervals lengthened.

The training records are mostly sinus rhythm with a normal PR interval, so a
network learns to expect a P wave about 150 ms before every QRS complex: on a
lead without atrial activity (a junctional rhythm, a P wave removed) it
marks one there anyway, and where the PR interval is long (first-degree AV
block, 300-500 ms) it marks one at the usual place and misses the real one
(a new-user trial, 22). These edits show it both:

- :func:`remove_p_waves`: every P wave's smooth shape is taken out of the
  signal (its noise stays) and its samples become background;
- :func:`lengthen_pr`: the PR segment of each beat (P offset to QRS onset) is
  stretched in time until the PR interval reaches a drawn length, the same for
  every beat (first-degree block) or drawn per beat (a varying PR).

Used by :func:`nk_qrs_lstm.training.augment.augment_v2`. Signals are one lead at
``MODEL_RATE`` in mV with per-sample labels (0 background, 1 P, 2 QRS, 3 T, -1
unlabelled); each function takes a numpy ``Generator`` where it draws.
"""

import numpy as np

from ..defaults import MODEL_RATE, UNLABELLED, n_samples
from ..spectra import runs
from .distortions import BACKGROUND, P, QRS

SHAPE_HZ = 25.0  # [Hz] highest frequency of a P wave's shape taken out (the noise above it stays)
PR_RANGE_S = (0.22, 0.50)  # [s] PR intervals drawn by lengthen_pr (first-degree AV block reaches 0.3-0.5 s)


def remove_p_waves(signal, labels, shape_hz=SHAPE_HZ):
    """Take every P wave out of a lead: its smooth shape leaves the signal, its samples become background.

    Over each P wave, the deviation from the straight line joining the
    samples on either side of it is fitted by a sine series that vanishes at
    both ends (components up to ``shape_hz``) and the fit is subtracted: what
    is left (the recording's noise above ``shape_hz``) stays, so the stretch
    before the QRS looks like a lead without atrial activity, not like a drawn
    line, and no step appears at the wave's edges. Other waves are not changed.
    A P wave cut by either end of the lead is left as it is and labelled
    unlabelled (its shape cannot be fitted; neither a P wave to learn from
    nor background).

    Parameters
    ----------
    signal, labels : ndarray
        One lead at ``MODEL_RATE`` and its per-sample labels.
    shape_hz : float
        Highest frequency of the fitted shape [Hz].

    Returns
    -------
    x, y : ndarray
        The signal without P waves and its labels (P -> background; a P cut by an end -> unlabelled).

    Examples
    --------
    >>> y = np.repeat([0, 1, 0, 2, 0], [50, 25, 20, 25, 80])
    >>> x = np.where(y == 2, 1.0, 0.0)
    >>> x[50:75] = 0.2 * np.hanning(25) + 0.01 * (-1.0) ** np.arange(25)  # a 0.2-mV P wave and 125-Hz noise
    >>> xr, yr = remove_p_waves(x, y)
    >>> round(float(np.abs(xr[50:75]).max()), 3), int((yr == 1).sum()), bool(np.allclose(xr[95:120], 1.0))
    (0.012, 0, True)
    """
    x, y = np.array(signal, dtype=float), np.array(labels)
    for start, stop in runs(y == P):
        if start == 0 or stop == len(x):  # cut by the lead's end
            y[start:stop] = UNLABELLED
            continue
        lo, hi = start - 1, stop  # the samples on either side of the wave
        n = stop - start
        line = np.interp(np.arange(start, stop), [lo, hi], [x[lo], x[hi]])
        t = (np.arange(n) + 1.0) / (n + 1.0)
        k = max(1, min(n - 1, int(round(2.0 * n / MODEL_RATE * shape_hz))))
        basis = np.sin(np.pi * np.outer(t, np.arange(1, k + 1)))
        coef = np.linalg.lstsq(basis, x[start:stop] - line, rcond=None)[0]
        x[start:stop] -= basis @ coef
    y[y == P] = BACKGROUND
    return x, y


def lengthen_pr(signal, labels, rng, pr_s=PR_RANGE_S, per_beat=False):
    """Stretch the PR segment of each beat until its PR interval (P onset to QRS onset) reaches a drawn length.

    A beat qualifies when a P wave is followed by background only up to the
    QRS onset. Its PR segment (P offset to QRS onset) is resampled linearly to
    its new length (labelled background); beats whose PR interval is already
    as long are left as they are. Every later sample moves by what was
    inserted before it, so the RR intervals grow too (the ventricles follow).

    Parameters
    ----------
    signal, labels : ndarray
        One lead at ``MODEL_RATE`` and its per-sample labels.
    rng : numpy.random.Generator
    pr_s : tuple of float
        Range of the PR intervals drawn (uniform) [s].
    per_beat : bool
        Draw one PR interval per beat (a varying PR) instead of one for the lead.

    Returns
    -------
    x, y : ndarray
        The longer signal and its labels.

    Examples
    --------
    >>> y = np.tile(np.repeat([0, 1, 0, 2, 0], [50, 25, 12, 25, 80]), 3)
    >>> x = np.where(y == 2, 1.0, 0.0)
    >>> xl, yl = lengthen_pr(x, y, np.random.default_rng(0), pr_s=(0.4, 0.4))
    >>> p_on = np.flatnonzero(np.diff((yl == 1).astype(int)) == 1) + 1
    >>> q_on = np.flatnonzero(np.diff((yl == 2).astype(int)) == 1) + 1
    >>> (q_on - p_on).tolist(), len(xl) - len(x)
    ([100, 100, 100], 189)
    """
    x, y = np.asarray(signal, dtype=float), np.asarray(labels)
    p_runs, q_runs = runs(y == P), runs(y == QRS)
    lead_pr = rng.uniform(*pr_s)
    pieces_x, pieces_y, at = [], [], 0
    for p_on, p_off in p_runs:
        later = q_runs[q_runs[:, 0] >= p_off]
        if not len(later):
            continue
        q_on = int(later[0, 0])
        if not (y[p_off:q_on] == BACKGROUND).all():
            continue
        target = n_samples(rng.uniform(*pr_s) if per_beat else lead_pr, MODEL_RATE)
        extra = target - (q_on - p_on)
        if extra <= 0 or q_on - p_off < 2:
            continue
        segment = x[p_off:q_on]
        grid = np.linspace(0, len(segment) - 1, len(segment) + extra)
        pieces_x += [x[at:p_off], np.interp(grid, np.arange(len(segment)), segment)]
        pieces_y += [y[at:p_off], np.full(len(grid), BACKGROUND, dtype=y.dtype)]
        at = q_on
    if not pieces_x:
        return x.copy(), y.copy()
    return np.concatenate(pieces_x + [x[at:]]), np.concatenate(pieces_y + [y[at:]])
