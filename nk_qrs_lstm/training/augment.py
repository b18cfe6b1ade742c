"""Training-time augmentation of (signal, labels) crops.

Every function takes a numpy ``Generator`` so runs are reproducible from one
seed. Signals are at the model rate, in mV, *before* high-pass and
normalisation (so augmentations meet the same preprocessing as real input).
"""

import numpy as np

from ..defaults import MODEL_RATE, UNLABELLED


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


def add_noise(x, rng, scale):
    """Baseline wander, powerline interference and EMG-like noise.

    ``scale`` is the signal's robust amplitude; noise levels are relative to it.
    """
    t = np.arange(len(x)) / MODEL_RATE
    out = x.copy()
    if rng.random() < 0.7:  # baseline wander: a few slow sinusoids
        for _ in range(rng.integers(1, 4)):
            f = rng.uniform(0.05, 0.6)
            out += rng.uniform(0, 1.0) * scale * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    if rng.random() < 0.3:  # powerline 50 or 60 Hz (aliased at 250 Hz as it would be)
        f = rng.choice([50.0, 60.0])
        out += rng.uniform(0, 0.15) * scale * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    if rng.random() < 0.5:  # EMG-like broadband noise
        out += rng.uniform(0, 0.15) * scale * rng.standard_normal(len(x))
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
