"""Training-time augmentation of (signal, labels) crops.

Every function takes a numpy ``Generator`` so runs are reproducible from one
seed. Signals are at the model rate, in mV, *before* high-pass and
normalisation (so augmentations meet the same preprocessing as real input).

:func:`augment` is the shipped model's recipe; :func:`augment_v2` adds what
recordings unlike the training data bring: other heart rates
(:func:`warp_heart_rate`), P/T sizes (:func:`scale_waves`), the filters a user
may have applied (:func:`input_filter`) and artefacts (:func:`add_spikes`,
:func:`saturate`, :func:`add_electrode_motion`, :func:`add_pacing_spikes`).
"""

from dataclasses import dataclass

import numpy as np

from ..defaults import MODEL_RATE, UNLABELLED, n_samples
from .distortions import (  # noqa: F401 (part of this module's API)
    BACKGROUND, FILTERS, P, QRS, T, add_electrode_motion, add_muscle_noise, add_pacing_spikes, add_spikes, input_filter,
    qrs_onsets, saturate,
)


def random_crop(signal, labels, length, rng, stretch=1.0):
    """Take a crop of ``length`` output samples, time-stretched by ``stretch``.

    The crop is chosen so that it overlaps labelled samples. Stretching
    (resampling jitter) interpolates the signal linearly and takes labels by
    nearest sample. Signals shorter than the crop are padded with unlabelled
    edge values.
    """
    span = int(np.ceil(length * stretch)) + 1
    n = len(signal)
    if n < span:
        pad = span - n
        signal = np.pad(signal, (0, pad), mode="edge")
        labels = np.pad(labels, (0, pad), constant_values=UNLABELLED)
        n = span
    labelled = np.flatnonzero(labels != UNLABELLED)
    if labelled.size:
        centre = labelled[rng.integers(labelled.size)]
        start = int(np.clip(centre - rng.integers(span), 0, n - span))
    else:
        start = int(rng.integers(n - span + 1))
    pos = start + np.arange(length) * stretch
    x = np.interp(pos, np.arange(n), signal)
    y = labels[np.minimum(np.round(pos).astype(np.int64), n - 1)]
    return x, y


def add_noise(x, rng, scale, hum=(0.3, 0.15), emg=(0.5, 0.15), muscle=(0.0, 0.0)):
    """Baseline wander, powerline interference and EMG-like noise.

    ``scale`` is the signal's robust amplitude; noise levels are relative to it.
    ``hum``, ``emg`` and ``muscle`` are (probability, largest level): mains hum
    at 50 or 60 Hz (amplitude uniform up to the level), white noise (standard
    deviation uniform up to the level) and band-limited muscle noise
    (:func:`add_muscle_noise`, RMS uniform up to the level). The defaults are
    :func:`augment`'s; a ``muscle`` probability of 0 draws nothing, so the
    random stream of the older recipes is unchanged.
    """
    t = np.arange(len(x)) / MODEL_RATE
    out = x.copy()
    if rng.random() < 0.7:  # baseline wander: a few slow sinusoids
        for _ in range(rng.integers(1, 4)):
            f = rng.uniform(0.05, 0.6)
            out += rng.uniform(0, 1.0) * scale * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    if rng.random() < hum[0]:  # powerline 50 or 60 Hz (aliased at 250 Hz as it would be)
        f = rng.choice([50.0, 60.0])
        out += rng.uniform(0, hum[1]) * scale * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    if rng.random() < emg[0]:  # EMG-like broadband noise
        out += rng.uniform(0, emg[1]) * scale * rng.standard_normal(len(x))
    if muscle[0] > 0 and rng.random() < muscle[0]:
        out = add_muscle_noise(out, rng, rng.uniform(0, muscle[1]) * scale)
    return out


def augment(signal, labels, length, rng, scale):
    """Full augmentation chain for one training crop.

    Random crop with time shift and resampling jitter (+/-10 %), amplitude
    scaling, polarity inversion and noise.
    """
    stretch = rng.uniform(0.9, 1.1)
    x, y = random_crop(signal, labels, length, rng, stretch)
    x = x * rng.uniform(0.5, 2.0)
    if rng.random() < 0.2:
        x = -x
    x = add_noise(x, rng, scale)
    return x, y


# --- v2: recordings unlike the training data ---------------------------------------------------------------------


@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and ranges of :func:`augment_v2` (defaults are a first guess, not tuned).

    Attributes
    ----------
    p_warp : float
        Heart-rate warping (:func:`warp_heart_rate`) to a rate in ``bpm`` (log-uniform), 0.5.
    bpm : tuple of float
        Target heart rates [bpm], (40, 200).
    stretch : tuple of float
        Uniform resampling jitter of every crop, (0.9, 1.1) as in :func:`augment`.
    p_wave_scale, wave_gain
        Per-wave scaling (:func:`scale_waves`) of P and T relative to QRS, 0.5 and (0.1, 1.5).
    gain, p_invert
        Global gain (uniform) and polarity inversion, (0.5, 2.0) and 0.2 as in :func:`augment`.
    p_noise : float
        Baseline wander, powerline and EMG noise (:func:`add_noise`), 1.0 (each part has its own odds).
    hum, emg, muscle : tuple of float
        (probability, largest level relative to ``scale``) of :func:`add_noise`'s mains hum (0.3, 0.15), white
        noise (0.5, 0.15) and band-limited muscle noise (0, 0: none).
    p_spikes, p_saturation, p_motion, p_pacing : float
        Artefacts: :func:`add_spikes` 0.1, :func:`saturate` 0.1, :func:`add_electrode_motion` 0.15,
        :func:`add_pacing_spikes` 0.1.
    p_filter : float
        One input filter a user may have applied (:func:`input_filter`), 0.5.
    filters : tuple of str
        The filters drawn from (uniformly), all of :data:`FILTERS`.
    margin_s : float
        Signal kept on each side of the crop while filtering, then cut [s], 1.0.
    """

    p_warp: float = 0.5
    bpm: tuple = (40.0, 200.0)
    stretch: tuple = (0.9, 1.1)
    p_wave_scale: float = 0.5
    wave_gain: tuple = (0.1, 1.5)
    gain: tuple = (0.5, 2.0)
    p_invert: float = 0.2
    p_noise: float = 1.0
    hum: tuple = (0.3, 0.15)
    emg: tuple = (0.5, 0.15)
    muscle: tuple = (0.0, 0.0)
    p_spikes: float = 0.1
    p_saturation: float = 0.1
    p_motion: float = 0.15
    p_pacing: float = 0.1
    p_filter: float = 0.5
    filters: tuple = FILTERS
    margin_s: float = 1.0


def augment_v2(signal, labels, length, rng, scale, config=None):
    """Augmentation chain for recordings unlike the training data (heart rate, filters, wave sizes, artefacts).

    Heart-rate warping (on a stretch of up to four crops; records shorter
    than that repeat their whole cardiac cycles, so the crop is always full
    of signal), random crop with resampling jitter, per-wave scaling, gain and polarity, noise,
    artefacts, then one input filter, each with the probability of
    ``config``; the filters run on the crop plus ``config.margin_s`` on each
    side, which is then cut, so their edge transients stay outside.

    Parameters
    ----------
    signal : ndarray
        One lead at ``MODEL_RATE`` in mV, before high-pass and normalisation.
    labels : ndarray of int
        Per-sample labels (0 background, 1 P, 2 QRS, 3 T, -1 unlabelled).
    length : int
        Crop length in samples.
    rng : numpy.random.Generator
    scale : float
        Robust amplitude of the lead (noise and artefact levels are relative to it).
    config : AugmentConfig, optional
        Probabilities and ranges; ``AugmentConfig()`` by default.

    Returns
    -------
    x : ndarray of float, shape (length,)
    y : ndarray, shape (length,)
        Labels of ``x`` (warped with it).

    Examples
    --------
    >>> y = np.tile(np.repeat([0, 1, 0, 2, 0, 3, 0], [40, 25, 15, 25, 25, 40, 80]), 20)
    >>> x = np.where(y > 0, 0.3 * y, 0.0)
    >>> xa, ya = augment_v2(x, y, 2048, np.random.default_rng(0), scale=1.0)
    >>> xa.shape, ya.shape, bool(np.isfinite(xa).all())
    ((2048,), (2048,), True)
    """
    c = config or AugmentConfig()
    margin = n_samples(c.margin_s, MODEL_RATE)
    span = length + 2 * margin
    x, y = np.asarray(signal, dtype=float), np.asarray(labels)
    # signal for the crop, its margins and the fastest warp (short records repeat their whole cycles) ...
    x, y = _tile_cycles(*_around_label(x, y, 4 * span, rng), 4 * span)
    bpm = _log_uniform(rng, c.bpm) if rng.random() < c.p_warp else None
    stretch = rng.uniform(*c.stretch)
    # ... of which only what is needed: 1 / r times the crop for a warp to a faster rate
    need = span * stretch + 2
    onsets = qrs_onsets(y)
    if bpm is not None and len(onsets) >= 2:
        need *= max(1.0, 1.1 * bpm * np.median(np.diff(onsets)) / (60.0 * MODEL_RATE))
    x, y = _around_label(x, y, int(min(need, 4 * span)), rng)
    if bpm is not None:
        x, y = warp_heart_rate(x, y, rng, bpm)
    x, y = random_crop(x, y, span, rng, stretch)
    if rng.random() < c.p_wave_scale:
        x = scale_waves(x, y, rng, c.wave_gain)
    gain = rng.uniform(*c.gain)
    x = x * (-gain if rng.random() < c.p_invert else gain)
    if rng.random() < c.p_noise:
        x = add_noise(x, rng, scale, c.hum, c.emg, c.muscle)
    level = scale * gain
    if rng.random() < c.p_motion:
        x = add_electrode_motion(x, rng, level)
    if rng.random() < c.p_pacing:
        x = add_pacing_spikes(x, y, rng, level)
    if rng.random() < c.p_spikes:
        x = add_spikes(x, rng, level)
    if rng.random() < c.p_saturation:
        x = saturate(x, rng)
    if rng.random() < c.p_filter:
        x = input_filter(x, rng, c.filters)
    return x[margin : margin + length], y[margin : margin + length]


CLEANING_WEIGHTED = AugmentConfig(p_filter=0.6, filters=("neurokit",) * 6 + FILTERS)


def augment_v3(signal, labels, length, rng, scale):
    """:func:`augment_v2` with NeuroKit's default cleaning drawn far more often.

    ``nk.ecg_clean`` (method ``"neurokit"``) is the standard step before
    ``ecg_delineate``; its powerline filter smooths every wave over 40 ms.
    :data:`CLEANING_WEIGHTED` draws an input filter for 60 % of crops and
    ``"neurokit"`` for 7 of 16 of those (26 % of crops, against 5 % in
    :func:`augment_v2`), so the network learns the true boundaries under that
    smoothing as well as on raw input. Parameters and returns as
    :func:`augment_v2`.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.zeros(5000), np.zeros(5000, dtype=int)
    >>> xa, ya = augment_v3(x, y, 2048, np.random.default_rng(0), scale=1.0)
    >>> xa.shape == ya.shape == (2048,)
    True
    """
    return augment_v2(signal, labels, length, rng, scale, config=CLEANING_WEIGHTED)


NOISY = AugmentConfig(hum=(0.5, 0.5), muscle=(0.4, 0.25))


def augment_v4(signal, labels, length, rng, scale):
    """:func:`augment_v2` with the noise of real recordings at their levels: stronger mains hum, muscle noise.

    :data:`NOISY` draws mains hum for half of the crops at up to half the
    lead's robust amplitude (:func:`augment_v2`: 30 %, up to 0.15) and
    band-limited muscle noise (20-120 Hz, :func:`add_muscle_noise`) for 40 %
    at an RMS of up to 0.25 of it; the rest is :func:`augment_v2`'s (not
    :func:`augment_v3`'s cleaning weights, which cost P waves). A 1-mV lead
    under 0.3 mV of hum, where a user's boundaries widened (QRS-onset SD
    7.5 -> 16.3 ms), is inside this range. Parameters and returns as
    :func:`augment_v2`.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.zeros(5000), np.zeros(5000, dtype=int)
    >>> xa, ya = augment_v4(x, y, 2048, np.random.default_rng(0), scale=1.0)
    >>> xa.shape == ya.shape == (2048,)
    True
    """
    return augment_v2(signal, labels, length, rng, scale, config=NOISY)


MUSCLE = AugmentConfig(muscle=(0.4, 0.2))


def augment_v5(signal, labels, length, rng, scale):
    """:func:`augment_v2` plus band-limited muscle noise only (:data:`MUSCLE`: 40 % of crops, RMS up to 0.2 x).

    Mains hum stays at :func:`augment_v2`'s level: the pipeline removes it
    before the network (:mod:`nk_qrs_lstm.mains`). Parameters and returns as
    :func:`augment_v2`.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.zeros(5000), np.zeros(5000, dtype=int)
    >>> xa, ya = augment_v5(x, y, 2048, np.random.default_rng(0), scale=1.0)
    >>> xa.shape == ya.shape == (2048,)
    True
    """
    return augment_v2(signal, labels, length, rng, scale, config=MUSCLE)


def _around_label(x, y, span, rng):
    """Up to ``span`` samples of the record around a random labelled sample (no resampling)."""
    if len(x) <= span:
        return x, y
    labelled = np.flatnonzero(y != UNLABELLED)
    centre = labelled[rng.integers(labelled.size)] if labelled.size else len(x) // 2
    start = int(np.clip(centre - rng.integers(span), 0, len(x) - span))
    return x[start : start + span], y[start : start + span]


def _log_uniform(rng, bounds):
    return float(np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]))))


def _tile_cycles(x, y, span):
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
    target = float(bpm) if np.isscalar(bpm) else _log_uniform(rng, bpm)
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
