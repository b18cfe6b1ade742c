"""Tests of the sway statistics behind the front door's sway warning (nk_qrs_lstm.sway)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nk_qrs_lstm.sway import low_share, swaying


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_beats=st.integers(0, 12), rate=st.sampled_from([100.0, 250.0, 360.0, 500.0]))
def test_low_share_is_a_share_per_beat(seed, n_beats, rate):
    """Check that low_share gives one value per beat, in [0, 1] or NaN, NaN for stretches cut by the lead's start."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=int(8 * rate)).cumsum()  # a wandering lead
    on = np.sort(rng.uniform(0, len(x), n_beats))
    share = low_share(x, on, rate)
    assert share.shape == (n_beats,)
    finite = np.isfinite(share)
    assert np.all((share[finite] >= 0) & (share[finite] <= 1))
    assert not finite[on < 0.25 * rate].any()


def test_sway_that_dominates_the_p_stretch_is_slow_and_a_p_wave_is_not():
    """Check that slow sway gives a high share and a P wave alone a low one, whatever the sway's phase."""
    rate = 500.0
    t = np.arange(int(20 * rate)) / rate
    on = np.arange(1, 20) * rate
    p = 0.15 * sum(np.exp(-((t - (o / rate - 0.12)) / 0.025) ** 2) for o in on)
    assert np.nanmax(low_share(p, on, rate)) < 0.5
    sway = 1.0 * (np.sin(2 * np.pi * 1.3 * t) + np.sin(2 * np.pi * 2.4 * t + 1.0))
    assert np.nanmedian(low_share(p + sway, on, rate)) > 0.8


def test_swaying_needs_enough_judged_beats():
    """Check that beats without a share (NaN) are not judged, and too few judged beats sway nowhere."""
    on = np.arange(10) * 250.0
    assert not swaying(np.full(10, np.nan), on, 250).any()
    share = np.full(10, np.nan)
    share[[0, 1]] = 0.99  # two judged beats, below GATE_MIN_BEATS
    assert not swaying(share, on, 250).any()
    share[[2, 3]] = 0.99
    assert swaying(share, on, 250)[:4].all()
