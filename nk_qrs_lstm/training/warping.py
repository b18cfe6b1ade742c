"""Label-aware transforms of a training lead: its heart rate and the sizes of its P and T waves.

Used by :func:`nk_qrs_lstm.training.augment.augment_v2`, which also takes its stretch of a record from
:func:`around_label` and :func:`tile_cycles` here. Each function takes a
numpy ``Generator``; signals are one lead at ``MODEL_RATE`` in mV with
per-sample labels (0 background, 1 P, 2 QRS, 3 T, -1 unlabelled).
"""

import numpy as np

from ..defaults import MODEL_RATE, UNLABELLED, n_samples
from .distortions import BACKGROUND, P, QRS, T, qrs_onsets


def log_uniform(rng, bounds):
    """A number drawn log-uniformly between ``bounds[0]`` and ``bounds[1]``."""
    return float(np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]))))


def warp_heart_rate(signal, labels, rng, bpm=(40.0, 200.0)):
    """Change the heart rate by warping time, mostly in the background between T offset and the next P or QRS.

    Per cardiac cycle (QRS onset to QRS onset), with ``r`` = target RR /
    median RR: QRS keeps its width, P scales by ``r ** 0.1``, the PR segment
    by ``r ** 0.3``, ST segment, T wave and unlabelled samples by
    ``r ** 0.5`` (Bazett: QT ~ sqrt(RR)), and the TP background takes the
    rest, down to 5 % of its length; where that is not enough, PR/ST/T
    shrink by up to 40 % more (then the fastest rates are not reached from a
    slow record: ``r`` >= 0.25 in any case). Labels follow the same map
    (nearest source sample), so waves keep their order and QRS its width.

    Parameters
    ----------
    signal, labels : ndarray
        One lead at ``MODEL_RATE`` and its per-sample labels.
    rng : numpy.random.Generator
    bpm : float or tuple of float
        Target heart rate [bpm], or a range drawn log-uniformly.

    Returns
    -------
    x, y : ndarray
        Warped signal and labels (a new length); a copy of the input when it
        has fewer than two labelled QRS onsets.

    Examples
    --------
    >>> y = np.tile(np.repeat([0, 1, 0, 2, 0, 3, 0], [40, 25, 15, 25, 25, 40, 80]), 10)  # 100 bpm
    >>> xw, yw = warp_heart_rate(np.zeros(len(y)), y, np.random.default_rng(0), bpm=150.0)
    >>> int(np.median(np.diff(qrs_onsets(yw)))), int(np.sum(yw == 2) / 10)    # 150 bpm: RR = 100 samples
    (100, 25)
    """
    x, y = np.asarray(signal, dtype=float), np.asarray(labels)
    onsets = qrs_onsets(y)
    if len(onsets) < 2:
        return x.copy(), y.copy()
    target = float(bpm) if np.isscalar(bpm) else log_uniform(rng, bpm)
    r = float(np.clip(60.0 * MODEL_RATE / target / np.median(np.diff(onsets)), 0.25, 4.0))
    cls = _rhythm_classes(y)  # 0 QRS, 1 P, 2 PR segment, 3 ST/T/unlabelled, 4 TP background
    base = np.array([1.0, r**0.1, r**0.3, r**0.5, r])
    n_cycles = len(onsets) - 1
    idx = np.arange(len(y))
    cycle = np.clip(np.searchsorted(onsets, idx, side="right") - 1, 0, n_cycles - 1)
    inside = (idx >= onsets[0]) & (idx < onsets[-1])
    counts = np.bincount(cycle[inside] * 5 + cls[inside], minlength=5 * n_cycles).reshape(n_cycles, 5)
    goal = r * counts.sum(axis=1)
    rigid, middle, n_tp = counts[:, :2] @ base[:2], counts[:, 2:4] @ base[2:4], counts[:, 4]
    f_tp = np.maximum(np.divide(goal - rigid - middle, n_tp, out=np.ones(n_cycles), where=n_tp > 0), 0.05)
    rest = goal - rigid - n_tp * f_tp  # what PR/ST/T must take where TP alone cannot
    squeeze = np.clip(np.divide(rest, middle, out=np.ones(n_cycles), where=middle > 0), 0.6, 4.0)
    squeeze = np.where((n_tp > 0) & (f_tp > 0.05), 1.0, squeeze)
    factors = np.tile(base, (n_cycles, 1))
    factors[:, 2:4] *= squeeze[:, None]
    factors[:, 4] = np.where(n_tp > 0, f_tp, r)
    ends = np.concatenate([[0.0], np.cumsum(factors[cycle, cls])])  # output time where each sample starts
    u = np.interp(np.arange(int(ends[-1])) + 0.5, ends, np.arange(len(y) + 1.0))  # source coordinate
    return np.interp(u - 0.5, idx, x), y[np.minimum(u.astype(np.int64), len(y) - 1)]


def _rhythm_classes(y):
    """Warping class of each sample: 0 QRS, 1 P, 2 PR segment, 3 ST/T/unlabelled, 4 TP background."""
    idx = np.arange(len(y))
    last = np.maximum.accumulate(np.where(y != BACKGROUND, idx, -1))  # last wave sample at or before
    previous = np.where(last >= 0, y[np.maximum(last, 0)], T)  # wave before each background sample
    cls = np.full(len(y), 3)
    cls[y == QRS], cls[y == P] = 0, 1
    background = y == BACKGROUND
    cls[background & (previous == P)] = 2
    cls[background & ((previous == T) | (previous == UNLABELLED))] = 4
    return cls


def scale_waves(signal, labels, rng, gain=(0.1, 1.5), ramp_s=0.02):
    """Scale P and T waves relative to the QRS, with smooth edges.

    Each wave's deviation from the straight line joining the signal around it
    is multiplied by a gain (one for all P waves, one for all T waves, each
    uniform in ``gain``) that ramps in and out with a raised-cosine shape
    over ``ramp_s`` on each side of the wave, so no step or kink appears. Samples of
    other waves are never changed; labels are unchanged.

    Parameters
    ----------
    signal, labels : ndarray
        One lead at ``MODEL_RATE`` and its per-sample labels.
    rng : numpy.random.Generator
    gain : tuple of float
        Range of the P and T gains.
    ramp_s : float
        Half-width of the raised-cosine edge [s].

    Returns
    -------
    ndarray
        The signal with rescaled P and T waves.
    """
    x, y = np.asarray(signal, dtype=float), np.asarray(labels)
    half = n_samples(ramp_s, MODEL_RATE)
    kernel = np.hanning(2 * half + 3)[1:-1]
    kernel /= kernel.sum()
    curve = np.zeros(len(x))
    for wave in (P, T):
        g = rng.uniform(*gain)
        taper = np.convolve((y == wave).astype(float), kernel, mode="same")
        curve += (g - 1.0) * np.where((y == wave) | (y == BACKGROUND) | (y == UNLABELLED), taper, 0.0)
    touched = np.abs(curve) > 1e-12
    if not touched.any() or touched.all():
        return x.copy()
    idx = np.arange(len(x))
    baseline = np.interp(idx, idx[~touched], x[~touched])
    return x + curve * (x - baseline)


def around_label(x, y, span, rng):
    """Up to ``span`` samples of the record around a random labelled sample (no resampling)."""
    if len(x) <= span:
        return x, y
    labelled = np.flatnonzero(y != UNLABELLED)
    centre = labelled[rng.integers(labelled.size)] if labelled.size else len(x) // 2
    start = int(np.clip(centre - rng.integers(span), 0, len(x) - span))
    return x[start : start + span], y[start : start + span]


def tile_cycles(x, y, span):
    """Repeat the whole cardiac cycles (QRS onset to QRS onset) of a short record until it has ``span`` samples.

    Each copy is offset so that the signal stays continuous at the joins.
    """
    onsets = qrs_onsets(y)
    if len(x) >= span or len(onsets) < 2:
        return x, y
    a, b = onsets[1 if len(onsets) > 3 else 0], onsets[-1]  # the first cycle often holds the recorder's settling
    copies = int(np.ceil((span - len(x)) / (b - a)))
    step = x[b] - x[a]
    pieces = [x[:b]] + [x[a:b] + step * (k + 1) for k in range(copies)] + [x[b:] + step * copies]
    return np.concatenate(pieces), np.concatenate([y[:b]] + [y[a:b]] * copies + [y[b:]])
