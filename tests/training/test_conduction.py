"""Tests of the conduction edits of training leads (P waves taken out, PR intervals lengthened)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nk_qrs_lstm.training import augment as aug
from nk_qrs_lstm.training.conduction import lengthen_pr, remove_p_waves
from nk_qrs_lstm.training.distortions import BACKGROUND, P, QRS, T

from test_augment import synthetic  # the same synthetic beats (tests/training is on the path)

BEAT = (25, 15, 25, 30, 50, 105)  # P, PR segment, QRS, ST, T, TP [samples at 250 Hz]


def starts(y, label):
    return np.flatnonzero((y[1:] == label) & (y[:-1] != label)) + 1


def test_remove_p_waves_keeps_the_noise_and_every_other_wave():
    """Check that the P waves' shape leaves the signal (labels: background) while the noise over them, the QRS
    complexes and T waves stay as they were."""
    x, y = synthetic([BEAT] * 6, edge=20)
    quiet, yr = remove_p_waves(x, y)
    p = y == P
    assert not (yr == P).any() and ((yr == BACKGROUND) == ((y == BACKGROUND) | (y == P))).all()
    assert np.abs(quiet[p]).max() < 0.01 < 0.1 < np.abs(x[p]).max()  # the 0.15-mV P bumps are gone
    noise = 0.02 * np.random.default_rng(0).standard_normal(len(x))
    noisy, _ = remove_p_waves(x + noise, y)
    kept = noisy[p] - quiet[p]  # what is left of the noise over the P waves
    assert np.corrcoef(kept, noise[p])[0, 1] > 0.6 and np.std(kept) > 0.6 * np.std(noise[p])
    assert np.array_equal(noisy[~p], (x + noise)[~p])


def test_a_p_wave_cut_by_the_lead_end_is_left_and_unlabelled():
    """Check that a P wave cut by the lead's start or end is not fitted (its shape is incomplete) and is labelled
    unlabelled, neither P nor background."""
    from nk_qrs_lstm.defaults import UNLABELLED

    x, y = synthetic([BEAT] * 3)
    first = starts(y, P)[0]
    cut_x, cut_y = x[first + 5:], y[first + 5:]  # the first P wave cut by the start
    xr, yr = remove_p_waves(cut_x, cut_y)
    head = np.flatnonzero(cut_y[:30] == P)
    assert len(head) and (yr[head] == UNLABELLED).all() and np.array_equal(xr[head], cut_x[head])
    assert not (yr == P).any()
    tail_x, tail_y = x[: starts(y, P)[-1] + 10], y[: starts(y, P)[-1] + 10]  # the last P cut by the end
    _, yt = remove_p_waves(tail_x, tail_y)
    assert (yt[-10:] == UNLABELLED).all()


def test_lengthen_pr_reaches_the_drawn_interval_and_moves_later_waves():
    """Check that every beat's PR interval becomes the drawn one (one for the lead, or one per beat), the QRS and T
    waves keep their widths and order, and the inserted samples are background."""
    x, y = synthetic([BEAT] * 8, edge=20)
    xl, yl = lengthen_pr(x, y, np.random.default_rng(3), pr_s=(0.3, 0.3))
    assert ((starts(yl, QRS) - starts(yl, P)) == 75).all()  # 0.3 s at 250 Hz
    assert len(xl) == len(x) + 8 * (75 - 40) and len(yl) == len(xl)
    for label in (P, QRS, T):
        assert (yl == label).sum() == (y == label).sum()
    np.testing.assert_allclose(np.sort(xl[yl == QRS]), np.sort(x[y == QRS]))
    xv, yv = lengthen_pr(x, y, np.random.default_rng(3), pr_s=(0.22, 0.5), per_beat=True)
    pr = starts(yv, QRS) - starts(yv, P)
    assert pr.min() >= 55 and pr.max() <= 125 and len(set(pr.tolist())) > 4


def test_lengthen_pr_leaves_long_intervals_and_beats_without_p():
    """Check that a PR interval already longer than the drawn one, or a QRS without a P wave before it, is kept."""
    x, y = synthetic([(25, 90, 25, 30, 50, 105)] * 3, edge=20)  # PR 0.46 s
    xl, yl = lengthen_pr(x, y, np.random.default_rng(0), pr_s=(0.3, 0.3))
    assert np.array_equal(xl, x) and np.array_equal(yl, y)
    xr, yr = remove_p_waves(*synthetic([BEAT] * 3, edge=20))
    xl, yl = lengthen_pr(xr, yr, np.random.default_rng(0))
    assert np.array_equal(xl, xr)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), pr=st.integers(5, 60), tp=st.integers(30, 200))
def test_conduction_edits_keep_signal_and_labels_aligned(seed, pr, tp):
    """Contract: any edit returns a finite signal as long as its labels, with the QRS and T labels unchanged."""
    x, y = synthetic([(25, pr, 25, 30, 50, tp)] * 5, edge=10)
    rng = np.random.default_rng(seed)
    for xa, ya in (remove_p_waves(x, y), lengthen_pr(x, y, rng, per_beat=bool(seed % 2))):
        assert xa.shape == ya.shape and np.isfinite(xa).all()
        for label in (QRS, T):
            assert (ya == label).sum() == (y == label).sum()


def test_v8_draws_the_conduction_edits(monkeypatch):
    """Check that v8 takes the P waves out of ~10 % of crops and lengthens the PR of ~15 % (v5: never)."""
    calls = []
    monkeypatch.setattr(aug, "remove_p_waves", lambda x, y: calls.append("no P") or remove_p_waves(x, y))
    monkeypatch.setattr(aug, "lengthen_pr", lambda x, y, rng, per_beat: calls.append("PR") or (x, y))
    x, labels = synthetic([BEAT] * 20)
    for seed in range(300):
        aug.augment_v8(x, labels, 512, np.random.default_rng(seed), 0.5)
    assert 0.05 <= calls.count("no P") / 300 <= 0.16 and 0.09 <= calls.count("PR") / 300 <= 0.21
    calls.clear()
    for seed in range(50):
        aug.augment_v5(x, labels, 512, np.random.default_rng(seed), 0.5)
    assert calls == []


def test_v9_draws_the_conduction_edits_at_half_v8s_rate(monkeypatch):
    """Check that v9 takes the P waves out of ~5 % of crops and lengthens the PR of ~7 %."""
    calls = []
    monkeypatch.setattr(aug, "remove_p_waves", lambda x, y: calls.append("no P") or remove_p_waves(x, y))
    monkeypatch.setattr(aug, "lengthen_pr", lambda x, y, rng, per_beat: calls.append("PR") or (x, y))
    x, labels = synthetic([BEAT] * 20)
    for seed in range(600):
        aug.augment_v9(x, labels, 512, np.random.default_rng(seed), 0.5)
    assert 0.025 <= calls.count("no P") / 600 <= 0.08 and 0.04 <= calls.count("PR") / 600 <= 0.105
