"""Training-time augmentation of (signal, labels) crops.

Every function takes a numpy ``Generator`` so runs are reproducible from one
seed. Signals are at the model rate, in mV, *before* high-pass and
normalisation (so augmentations meet the same preprocessing as real input).

:func:`augment` is the first model's recipe; :func:`augment_v2` adds what
recordings unlike the training data bring: other heart rates
(:func:`warp_heart_rate`), P/T sizes (:func:`scale_waves`; both in
:mod:`.warping`), the filters a user may have applied (:func:`input_filter`)
and artefacts (:func:`add_spikes`, :func:`saturate`,
:func:`add_electrode_motion`, :func:`add_pacing_spikes`; in
:mod:`.distortions`), and conduction edits (:func:`remove_p_waves`,
:func:`lengthen_pr`; :mod:`.conduction`); :func:`augment_v3` to
:func:`augment_v9` are :func:`augment_v2` with other probabilities
(:class:`AugmentConfig`).
"""

from dataclasses import dataclass

import numpy as np

from ..defaults import MODEL_RATE, UNLABELLED, n_samples
from .distortions import (  # noqa: F401 (part of this module's API)
    BACKGROUND, FILTERS, P, QRS, T, add_electrode_motion, add_motion_sway, add_muscle_noise, add_pacing_spikes,
    add_spikes, input_filter, qrs_onsets, saturate,
)
from .conduction import lengthen_pr, remove_p_waves
from .warping import around_label, log_uniform, scale_waves, tile_cycles, warp_heart_rate  # noqa: F401 (API)


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
    p_time_scale, time_scale
        The whole crop played faster or slower (log-uniform factor, > 1 faster), instead of the heart-rate warp and
        the jitter: every wave, interval and RR shortened alike, as in a small child's ECG (a QRS of 45 ms at 150
        bpm), where the warp keeps adult QRS widths. 0 (no draw: the older recipes' random stream is unchanged) and
        (0.75, 2.2).
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
    p_no_p, p_long_pr : float
        Conduction edits (:mod:`nk_qrs_lstm.training.conduction`, after the heart-rate warp): every P wave taken
        out (a lead without atrial activity, :func:`remove_p_waves`) and, in the other crops, PR intervals
        lengthened to 0.22-0.5 s, one for the crop or, half of the time, one per beat (:func:`lengthen_pr`); 0 and
        0 (no draw: the older recipes' random stream is unchanged).
    p_sway : float
        1-3 Hz baseline sway (:func:`add_motion_sway`), 0 (no draw: the older recipes' random stream is unchanged).
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
    p_time_scale: float = 0.0
    time_scale: tuple = (0.75, 2.2)
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
    p_sway: float = 0.0
    p_no_p: float = 0.0
    p_long_pr: float = 0.0
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
    x, y = tile_cycles(*around_label(x, y, 4 * span, rng), 4 * span)
    bpm = log_uniform(rng, c.bpm) if rng.random() < c.p_warp else None
    stretch = rng.uniform(*c.stretch)
    if c.p_time_scale > 0 and rng.random() < c.p_time_scale:  # every wave faster or slower alike, no warp
        stretch, bpm = log_uniform(rng, c.time_scale), None
    # ... of which only what is needed: 1 / r times the crop for a warp to a faster rate
    need = span * stretch + 2
    onsets = qrs_onsets(y)
    if bpm is not None and len(onsets) >= 2:
        need *= max(1.0, 1.1 * bpm * np.median(np.diff(onsets)) / (60.0 * MODEL_RATE))
    x, y = around_label(x, y, int(min(need, 4 * span)), rng)
    if bpm is not None:
        x, y = warp_heart_rate(x, y, rng, bpm)
    if c.p_no_p > 0 and rng.random() < c.p_no_p:  # after the warp, which would shorten a long PR again
        x, y = remove_p_waves(x, y)
    elif c.p_long_pr > 0 and rng.random() < c.p_long_pr:
        x, y = lengthen_pr(x, y, rng, per_beat=rng.random() < 0.5)
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
    if c.p_sway > 0 and rng.random() < c.p_sway:
        x = add_motion_sway(x, rng, level)
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


SWAY = AugmentConfig(muscle=(0.4, 0.2), p_sway=0.3)


def augment_v6(signal, labels, length, rng, scale):
    """:func:`augment_v5` plus 1-3 Hz baseline sway (:data:`SWAY`: 30 % of crops, up to 0.5 x over 2-8 s).

    Parameters and returns as :func:`augment_v2`.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.zeros(5000), np.zeros(5000, dtype=int)
    >>> xa, ya = augment_v6(x, y, 2048, np.random.default_rng(0), scale=1.0)
    >>> xa.shape == ya.shape == (2048,)
    True
    """
    return augment_v2(signal, labels, length, rng, scale, config=SWAY)


TIME_SCALED = AugmentConfig(muscle=(0.4, 0.2), p_time_scale=0.3)


def augment_v7(signal, labels, length, rng, scale):
    """:func:`augment_v5` plus whole crops played faster or slower (:data:`TIME_SCALED`: 30 % of crops, x0.75-2.2).

    A child's ECG is not an adult's at a faster rate: every wave is shorter
    (QRS 45-60 ms, PR 80-110 ms). The heart-rate warp of :func:`augment_v2`
    keeps the QRS width; here the whole crop is resampled, labels with it.
    Parameters and returns as :func:`augment_v2`.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.zeros(5000), np.zeros(5000, dtype=int)
    >>> xa, ya = augment_v7(x, y, 2048, np.random.default_rng(0), scale=1.0)
    >>> xa.shape == ya.shape == (2048,)
    True
    """
    return augment_v2(signal, labels, length, rng, scale, config=TIME_SCALED)


CONDUCTION = AugmentConfig(muscle=(0.4, 0.2), p_no_p=0.1, p_long_pr=0.15)


def augment_v8(signal, labels, length, rng, scale):
    """:func:`augment_v5` plus conduction edits (:data:`CONDUCTION`): no P waves in 10 %, PR 0.22-0.5 s in 13.5 %.

    Parameters and returns as :func:`augment_v2`.

    Examples
    --------
    >>> x, y = np.zeros(5000), np.zeros(5000, dtype=int)
    >>> xa, ya = augment_v8(x, y, 2048, np.random.default_rng(0), scale=1.0)
    >>> xa.shape == ya.shape == (2048,)
    True
    """
    return augment_v2(signal, labels, length, rng, scale, config=CONDUCTION)


HALF_CONDUCTION = AugmentConfig(muscle=(0.4, 0.2), p_no_p=0.05, p_long_pr=0.075)


def augment_v9(signal, labels, length, rng, scale):
    """:func:`augment_v8` at half the rate (:data:`HALF_CONDUCTION`): no P waves in 5 %, PR 0.22-0.5 s in 7.1 %.

    Parameters and returns as :func:`augment_v2`.

    Examples
    --------
    >>> x, y = np.zeros(5000), np.zeros(5000, dtype=int)
    >>> xa, ya = augment_v9(x, y, 2048, np.random.default_rng(0), scale=1.0)
    >>> xa.shape == ya.shape == (2048,)
    True
    """
    return augment_v2(signal, labels, length, rng, scale, config=HALF_CONDUCTION)
