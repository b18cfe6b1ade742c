"""Training augmentation: the first recipe (v1) and the chains for unseen recordings (v2-v4), on synthetic beats."""

import dataclasses

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nk_qrs_lstm.defaults import UNLABELLED
from nk_qrs_lstm.training import augment as aug
from nk_qrs_lstm.training import distortions

P, QRS, T = 1, 2, 3
SETTINGS = settings(max_examples=25, deadline=None)
# (P, PR segment, QRS, ST segment, T, TP background) in samples at 250 Hz
BEAT = st.tuples(st.integers(15, 30), st.integers(5, 30), st.integers(18, 35), st.integers(5, 40),
                 st.integers(30, 70), st.integers(10, 200))
SEED = st.integers(0, 2**32 - 1)


def synthetic(beats, offset=0.0, edge=0, spread=1):
    """Signal (mV, baseline ``offset``) and labels of ``beats``, with ``edge`` unlabelled samples at each end.

    P and T are Hann bumps ``spread`` times as long as their label (an annotator marking only their middle).
    """
    xs, ys = [np.full(edge, offset)], [np.full(edge, UNLABELLED)]
    bumps = []
    for p, pr, qrs, st_, t, tp in beats:
        qrs_shape = np.interp(np.arange(qrs), [0, qrs * 0.3, qrs * 0.5, qrs * 0.7, qrs - 1], [0, -0.1, 1.0, -0.2, 0])
        for label, n in ((P, p), (0, pr), (QRS, qrs), (0, st_), (T, t), (0, tp)):
            if label in (P, T):
                bumps.append((sum(map(len, ys)) + n / 2, n * spread, 0.15 if label == P else 0.3))
            xs.append(qrs_shape if label == QRS else np.zeros(n))
            ys.append(np.full(n, label))
    xs.append(np.zeros(edge))
    ys.append(np.full(edge, UNLABELLED))
    x = np.concatenate(xs) + offset
    x[:edge] = x[len(x) - edge :] = offset
    for centre, width, height in bumps:
        x += height * np.clip(0.5 + 0.5 * np.cos(2 * np.pi * (np.arange(len(x)) + 0.5 - centre) / width), 0, 1) * (
            np.abs(np.arange(len(x)) + 0.5 - centre) < width / 2)
    return x, np.concatenate(ys).astype(np.int64)


def runs(labels):
    """(label, start, stop) of each run of equal labels."""
    edges = np.flatnonzero(np.diff(labels)) + 1
    starts, stops = np.r_[0, edges], np.r_[edges, len(labels)]
    return [(int(labels[a]), int(a), int(b)) for a, b in zip(starts, stops)]


def widths(labels, label, inner=True):
    """Widths of the runs of ``label`` (with ``inner``, only those touching neither the ends nor unlabelled samples,
    where a wave may be cut: a QRS of 18 samples ending where the recording's unlabelled tail starts read 14)."""
    def cut(a, b):
        return (a == 0 or b == len(labels) or labels[a - 1] == UNLABELLED or labels[b] == UNLABELLED)

    return [b - a for lab, a, b in runs(labels) if lab == label and not (inner and cut(a, b))]


def wave_order(labels):
    """The labelled waves in time order (background dropped)."""
    return [lab for lab, _, _ in runs(labels) if lab > 0]


def rr(labels):
    return float(np.median(np.diff(aug.qrs_onsets(labels))))


# --- v1: the shipped model's recipe ---------------------------------------------------------------------------------
@SETTINGS
@given(beats=st.lists(BEAT, min_size=2, max_size=6), length=st.integers(16, 3000), seed=SEED)
def test_random_crop_is_a_slice_of_labelled_signal(beats, length, seed):
    """Check that an unstretched crop is a slice (edge-padded when short) that overlaps the labelled samples."""
    _, labels = synthetic(beats, edge=30)
    signal = np.arange(len(labels), dtype=float)
    x, y = aug.random_crop(signal, labels, length, np.random.default_rng(seed))
    start = int(x[0])
    assert len(x) == len(y) == length
    np.testing.assert_array_equal(x, np.minimum(start + np.arange(length), len(labels) - 1))
    padded = np.r_[labels, np.full(length + 1, UNLABELLED)]
    np.testing.assert_array_equal(y, padded[start : start + length])
    assert np.any(y != UNLABELLED)


@SETTINGS
@given(stretch=st.floats(0.9, 1.1), seed=SEED)
def test_random_crop_stretches_time(stretch, seed):
    """Check that a stretched crop samples the signal every ``stretch`` samples, labels at the nearest sample."""
    _, labels = synthetic([(20, 10, 25, 20, 40, 100)] * 12)
    x, y = aug.random_crop(np.arange(len(labels), dtype=float), labels, 1000, np.random.default_rng(seed), stretch)
    np.testing.assert_allclose(np.diff(x), stretch)
    np.testing.assert_array_equal(y, labels[np.round(x).astype(int)])


@SETTINGS
@given(seed=SEED, scale=st.floats(0.01, 10))
def test_add_noise_is_relative_to_scale(seed, scale):
    """Check that the noise is proportional to ``scale`` (zero for a flat lead of scale 0) and seeded."""
    x = np.random.default_rng(0).standard_normal(2048)
    unit = aug.add_noise(x, np.random.default_rng(seed), 1.0) - x
    np.testing.assert_allclose(aug.add_noise(x, np.random.default_rng(seed), scale) - x, scale * unit, atol=1e-9)
    np.testing.assert_array_equal(aug.add_noise(x, np.random.default_rng(seed), 0.0), x)
    assert np.max(np.abs(unit)) < 5  # <= 3 wander sinusoids of 1 + powerline 0.15 + EMG


@SETTINGS
@given(beats=st.lists(BEAT, min_size=3, max_size=20), seed=SEED)
def test_augment_contract(beats, seed):
    """Check that the v1 chain gives a finite crop of the requested length, labels from the input, seeded."""
    x, labels = synthetic(beats, offset=1.0, edge=50)
    out = aug.augment(x, labels, 512, np.random.default_rng(seed), 1.0)
    again = aug.augment(x, labels, 512, np.random.default_rng(seed), 1.0)
    assert out[0].shape == out[1].shape == (512,) and np.isfinite(out[0]).all()
    assert set(out[1]) <= set(labels) | {UNLABELLED}
    np.testing.assert_array_equal(out[0], again[0])
    np.testing.assert_array_equal(out[1], again[1])


# --- heart-rate warping -----------------------------------------------------------------------------------------------
@SETTINGS
@given(beats=st.lists(BEAT, min_size=3, max_size=15), bpm=st.floats(40, 200), seed=SEED)
def test_warp_keeps_waves_and_qrs_widths(beats, bpm, seed):
    """Check that warping keeps every wave, in order, and every QRS width to one sample."""
    x, labels = synthetic(beats, offset=0.5)
    xw, yw = aug.warp_heart_rate(x, labels, np.random.default_rng(seed), bpm)
    assert len(xw) == len(yw) and np.isfinite(xw).all()
    assert wave_order(yw) == wave_order(labels)
    np.testing.assert_allclose(widths(yw, QRS, inner=False), widths(labels, QRS, inner=False), atol=1)
    assert np.all(np.abs(xw - 0.5) <= 1.0 + 1e-9)  # interpolated, never beyond the input's range


@SETTINGS
@given(beats=st.lists(BEAT, min_size=3, max_size=15), slower=st.floats(1.0, 3.0), seed=SEED)
def test_warp_reaches_slower_rates(beats, slower, seed):
    """Check that the median RR interval becomes the target's (to 2 samples) when slowing down."""
    x, labels = synthetic(beats)
    target = 60 * 250 / rr(labels) / slower
    _, yw = aug.warp_heart_rate(x, labels, np.random.default_rng(seed), target)
    assert abs(rr(yw) - min(slower, 4.0) * rr(labels)) <= 2


def test_warp_to_fast_rates_shortens_tp_most():
    """Check that 60 -> 180 bpm reaches the rate by shortening TP most, QT moderately, QRS not at all."""
    x, labels = synthetic([(25, 15, 25, 20, 40, 125)] * 10)  # 250 samples: 60 bpm
    _, yw = aug.warp_heart_rate(x, labels, np.random.default_rng(0), 180.0)
    assert abs(rr(yw) - 250 / 3) <= 2
    assert set(widths(yw, QRS)) <= {24, 25, 26}
    assert 0.3 < np.median(widths(yw, T)) / 40 < 0.6
    assert np.median(widths(yw, 0)) < 0.5 * np.median(widths(labels, 0))


def test_warp_at_the_same_rate_is_identity():
    """Check that warping to the signal's own rate returns it unchanged."""
    x, labels = synthetic([(20, 10, 25, 20, 40, 135)] * 6)  # 250 samples: 60 bpm
    xw, yw = aug.warp_heart_rate(x, labels, np.random.default_rng(0), 60.0)
    np.testing.assert_allclose(xw, x, atol=1e-12)
    np.testing.assert_array_equal(yw, labels)


def test_warp_needs_two_qrs():
    """Check that a signal with fewer than two labelled QRS onsets is returned as is."""
    x, labels = synthetic([(20, 10, 25, 20, 40, 135)])
    xw, yw = aug.warp_heart_rate(x, labels, np.random.default_rng(0))
    np.testing.assert_array_equal(xw, x)
    np.testing.assert_array_equal(yw, labels)


# --- per-wave scaling -------------------------------------------------------------------------------------------------
def test_scale_waves_scales_p_and_t_only():
    """Check that P and T deviations are scaled by the gain, QRS and the baseline untouched."""
    x, labels = synthetic([(25, 15, 25, 30, 50, 105)] * 4, offset=3.0)
    out = aug.scale_waves(x, labels, np.random.default_rng(0), gain=(0.5, 0.5))
    np.testing.assert_array_equal(out[labels == QRS], x[labels == QRS])
    for wave in (P, T):
        np.testing.assert_allclose(np.max(out[labels == wave] - 3.0), 0.5 * np.max(x[labels == wave] - 3.0), rtol=0.02)
    np.testing.assert_allclose(np.median(out), 3.0)


@SETTINGS
@given(beats=st.lists(BEAT, min_size=2, max_size=8), offset=st.floats(-5, 5), seed=SEED)
def test_scale_waves_has_no_step(beats, offset, seed):
    """Check that the change made to the signal is smooth (no step at the wave edges), labels unchanged."""
    x, labels = synthetic(beats, offset=offset, edge=20)
    # a sloped baseline: the wave's line must follow it
    x = x + np.linspace(0, 1, len(x))
    change = aug.scale_waves(x, labels, np.random.default_rng(seed)) - x
    assert np.max(np.abs(np.diff(change))) <= 0.05  # P 0.15 and T 0.3 mV, x0.1-1.5, over >= 15 samples
    np.testing.assert_array_equal(change[labels == QRS], 0)


def test_scale_waves_ramps_in_and_out():
    """Check that waves labelled narrower than they are (far from baseline at their label edges) get no kink."""
    x, labels = synthetic([(20, 30, 25, 45, 40, 120)] * 4, offset=1.0, spread=2)
    change = aug.scale_waves(x, labels, np.random.default_rng(0), gain=(0.1, 0.1)) - x
    assert np.max(np.abs(np.diff(change))) < 0.05
    assert np.max(np.abs(np.diff(change, 2))) < 0.006  # the gain switched on at the label edges: 0.0106
    assert np.min(change) < -0.15  # the T waves (0.3 mV above the line around them at most) were scaled down


# --- input filters ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", distortions.FILTERS)
@pytest.mark.parametrize("n", [300, 2548])
def test_input_filters_run_on_crops(kind, n):
    """Check that every input filter runs on short and training-size crops: same length, finite, seeded."""
    x, _ = synthetic([(25, 15, 25, 30, 50, 105)] * 12, offset=1.0)
    x = x[:n] + 0.05 * np.random.default_rng(0).standard_normal(n)
    out = aug.input_filter(x, np.random.default_rng(1), (kind,))
    assert out.shape == (n,) and np.isfinite(out).all()
    np.testing.assert_array_equal(out, aug.input_filter(x, np.random.default_rng(1), (kind,)))
    assert not np.allclose(out, x)


def test_fast_biosppy_equals_neurokit():
    """Check that the FFT implementation of ``biosppy`` cleaning equals ``neurokit2.ecg_clean``'s."""
    nk = pytest.importorskip("neurokit2")
    x = nk.ecg_simulate(duration=11, sampling_rate=250, noise=0.05, random_state=0)[:2548] + 0.3
    expected = nk.ecg_clean(x, sampling_rate=250, method="biosppy")
    np.testing.assert_allclose(aug.input_filter(x, np.random.default_rng(0), ("biosppy",)), expected, atol=1e-6)


def test_unknown_filter_is_refused():
    """Check that an unknown filter name is refused with the parameter, the value and the choices."""
    with pytest.raises(ValueError) as error:
        aug.input_filter(np.zeros(100), np.random.default_rng(0), ("median",))
    assert str(error.value) == f"kinds == ('median',), must be a non-empty selection of {distortions.FILTERS!r}."


# --- artefacts ----------------------------------------------------------------------------------------------------------
@SETTINGS
@given(seed=SEED)
def test_spikes_are_narrow_and_few(seed):
    """Check that spikes change at most 5 x 3 samples, one spike 1-3 samples by 1-10 x the scale, and nothing for
    scale 0 (two spikes may overlap with opposite signs, so only a lone spike's height is checked)."""
    x = np.sin(np.arange(2048) / 40)
    change = distortions.add_spikes(x, np.random.default_rng(seed), 2.0) - x
    assert 1 <= np.count_nonzero(change) <= 15
    lone = distortions.add_spikes(x, np.random.default_rng(seed), 2.0, count=(1, 1)) - x
    height = np.abs(lone[lone != 0])
    assert 1 <= len(height) <= 3 and np.all((height >= 2.0 - 1e-9) & (height <= 20.0 + 1e-9))
    np.testing.assert_array_equal(distortions.add_spikes(x, np.random.default_rng(seed), 0.0), x)


@SETTINGS
@given(seed=SEED)
def test_saturation_clips(seed):
    """Check that saturation is a clip of the signal on at least one side."""
    x = np.random.default_rng(0).standard_normal(2048)
    out = distortions.saturate(x, np.random.default_rng(seed))
    np.testing.assert_array_equal(out, np.clip(x, out.min(), out.max()))
    assert out.max() < x.max() or out.min() > x.min()


@SETTINGS
@given(seed=SEED)
def test_electrode_motion_is_one_burst(seed):
    """Check that electrode motion changes one stretch of at most 2 s, as large as asked, back to 0 at its end."""
    x = np.zeros(2048)
    change = distortions.add_electrode_motion(x, np.random.default_rng(seed), 1.0)
    moved = np.flatnonzero(np.abs(change) > 1e-9)
    assert moved[-1] - moved[0] < 500 and 0.3 <= np.max(np.abs(change)) <= 20 + 1e-9
    assert abs(change[moved[-1]]) <= 0.05 * np.max(np.abs(change)) and np.isfinite(change).all()


@SETTINGS
@given(beats=st.lists(BEAT, min_size=3, max_size=10), seed=SEED)
def test_pacing_spikes_precede_qrs_onsets(beats, seed):
    """Check that every pacing pulse starts 1-5 samples before a QRS onset."""
    x, labels = synthetic(beats)
    change = distortions.add_pacing_spikes(x, labels, np.random.default_rng(seed), 1.0) - x
    starts = np.flatnonzero((change != 0) & (np.r_[0.0, change[:-1]] == 0))
    onsets = aug.qrs_onsets(labels)
    for start in starts:
        assert np.any((onsets - start >= 1) & (onsets - start <= 5))


# --- v2 chain ---------------------------------------------------------------------------------------------------------
@SETTINGS
@given(beats=st.lists(BEAT, min_size=3, max_size=20), edge=st.integers(0, 300), seed=SEED)
@example(beats=[(15, 26, 18, 5, 44, 200), (30, 30, 18, 5, 30, 85), (30, 30, 18, 5, 30, 10)], edge=57, seed=22)
def test_augment_v2_contract(beats, edge, seed):
    """Check that v2 gives a finite crop of the requested length, seeded, with waves in order and QRS widths kept."""
    x, labels = synthetic(beats, offset=0.8, edge=edge)
    out = aug.augment_v2(x, labels, 2048, np.random.default_rng(seed), 1.0)
    again = aug.augment_v2(x, labels, 2048, np.random.default_rng(seed), 1.0)
    assert out[0].shape == out[1].shape == (2048,) and np.isfinite(out[0]).all()
    np.testing.assert_array_equal(out[0], again[0])
    np.testing.assert_array_equal(out[1], again[1])
    y = out[1]
    assert set(y) <= set(labels) | {UNLABELLED} and np.any(y != UNLABELLED)
    qrs = widths(labels, QRS)
    assert all(0.9 * min(qrs) - 2 <= w <= 1.1 * max(qrs) + 2 for w in widths(y, QRS))
    order = [lab for lab in wave_order(y) if lab != UNLABELLED]
    assert all((a, b) in {(P, QRS), (QRS, T), (T, P)} for a, b in zip(order, order[1:]))


def test_augment_v2_without_options_is_a_gained_crop():
    """Check that with every probability 0, v2 is a crop times a gain (labels a slice of the tiled input)."""
    x, labels = synthetic([(25, 15, 25, 30, 50, 105)] * 20, offset=0.0)
    none = aug.AugmentConfig(p_warp=0, p_wave_scale=0, p_invert=0, p_noise=0, p_spikes=0, p_saturation=0,
                             p_motion=0, p_pacing=0, p_filter=0, stretch=(1.0, 1.0))
    xa, ya = aug.augment_v2(x, labels, 1024, np.random.default_rng(3), 1.0, none)
    gain = np.max(xa) / np.max(x)
    assert 0.5 <= gain <= 2.0
    for start in range(len(labels) - 1024):  # a slice of the input (the record is long enough: no tiling)
        if np.array_equal(labels[start : start + 1024], ya) and np.allclose(x[start : start + 1024] * gain, xa):
            break
    else:
        pytest.fail("the crop is not a slice of the input")


def test_short_records_repeat_whole_cycles():
    """Check that a record shorter than the crop is repeated cycle by cycle, continuous at the joins."""
    x, labels = synthetic([(25, 15, 25, 30, 50, 105)] * 5, edge=40)
    x = x + np.linspace(0, 1, len(x))  # baseline drift: a join without offset would jump by 1 mV
    none = aug.AugmentConfig(p_warp=0, p_wave_scale=0, p_invert=0, p_noise=0, p_spikes=0, p_saturation=0,
                             p_motion=0, p_pacing=0, p_filter=0, stretch=(1.0, 1.0), gain=(1.0, 1.0))
    xa, ya = aug.augment_v2(x, labels, 2048, np.random.default_rng(0), 1.0, none)
    assert np.max(np.abs(np.diff(xa))) <= np.max(np.abs(np.diff(x))) + 1e-9
    assert np.sum(ya != UNLABELLED) > 1900 and set(widths(ya, QRS)) == {25}
    order = wave_order(ya)
    assert all((a, b) in {(P, QRS), (QRS, T), (T, P)} for a, b in zip(order, order[1:]))


def test_augment_config_is_frozen():
    """Check that the configuration cannot be changed after creation (runs record it as it was)."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        aug.AugmentConfig().p_warp = 1.0


def test_training_batches_with_v2():
    """Check that the training pipeline's ``augmentation="v2"`` gives seeded batches of normalised crops."""
    pytest.importorskip("keras")
    from nk_qrs_lstm.training.train import make_dataset

    x, labels = synthetic([(25, 15, 25, 30, 50, 105)] * 30, offset=0.5, edge=100)
    items = [(x, labels, 1.0, "ludb"), (x[:3000], labels[:3000], 1.0, "qtdb")]
    xs, ys, ws = make_dataset(items, 4, 1, seed=0, augmentation="v2")[0]
    assert xs.shape == (4, 2048, 1) and ys.shape == ws.shape == (4, 2048) and np.isfinite(xs).all()
    np.testing.assert_array_equal(xs, make_dataset(items, 4, 1, seed=0, augmentation="v2")[0][0])
    assert not np.array_equal(xs, make_dataset(items, 4, 1, seed=0, augmentation="v1")[0][0])
    with pytest.raises(ValueError) as error:
        make_dataset(items, 4, 1, seed=0, augmentation="v0")
    assert str(error.value) == ("augmentation == 'v0', must be one of "
                                "'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9'.")


def test_v3_draws_neurokit_cleaning_for_a_quarter_of_crops(monkeypatch):
    """Check that v3 is v2 with NeuroKit's default cleaning drawn for ~26 % of crops (v2: ~5 %)."""
    drawn = []
    real = distortions.input_filter

    def spy(x, rng, kinds=distortions.FILTERS):
        before = rng.bit_generator.state
        drawn.append(kinds[rng.integers(len(kinds))])  # the draw input_filter makes first
        rng.bit_generator.state = before  # so the real filter draws the same kind
        return real(x, rng, kinds)

    monkeypatch.setattr(aug, "input_filter", spy)
    x, labels = synthetic([(25, 15, 25, 30, 50, 105)] * 20, offset=0.0)
    share = {}
    for name, recipe in [("v2", aug.augment_v2), ("v3", aug.augment_v3)]:
        drawn.clear()
        for seed in range(300):
            recipe(x, labels, 512, np.random.default_rng(seed), 1.0)
        share[name] = drawn.count("neurokit") / 300
    assert 0.18 <= share["v3"] <= 0.34 and share["v2"] <= 0.1


@SETTINGS
@given(seed=SEED, rms=st.floats(0.001, 1.0))
def test_muscle_noise_has_its_rms_and_band(seed, rms):
    """Check that muscle-like noise adds exactly ``rms`` of noise, seeded, with 95 % of its power in 20-120 Hz."""
    x = np.sin(np.arange(5000) / 40.0)
    out = distortions.add_muscle_noise(x, np.random.default_rng(seed), rms)
    noise = out - x
    assert abs(noise.std() - rms) < 1e-6 * max(rms, 1.0) + 1e-9
    np.testing.assert_array_equal(out, distortions.add_muscle_noise(x, np.random.default_rng(seed), rms))
    power = np.abs(np.fft.rfft(noise)) ** 2
    freq = np.fft.rfftfreq(len(noise), 1 / 250)
    assert power[(freq >= 20) & (freq <= 120)].sum() > 0.95 * power.sum()


def _mains_power(recipe, seeds=200):
    """Mean share of power at 50 and 60 Hz (+-1 Hz) in the crops of a lead of faint white noise."""
    x, y = 0.01 * np.random.default_rng(0).standard_normal(6000), np.zeros(6000, dtype=int)
    total = 0.0
    for seed in range(seeds):
        xa, _ = recipe(x, y, 2048, np.random.default_rng(seed), 1.0)
        power = np.abs(np.fft.rfft(xa - xa.mean())) ** 2
        freq = np.fft.rfftfreq(len(xa), 1 / 250)
        total += power[(np.abs(freq - 50) <= 1) | (np.abs(freq - 60) <= 1)].sum() / power.sum()
    return total / seeds


def test_v4_is_v2_with_more_mains_hum():
    """Check that v4 puts a larger share of the crops' power at the mains frequencies than v2 (hum for half the
    crops up to 0.5 x scale, against 30 % up to 0.15) and that its crops keep the v2 contract."""
    assert _mains_power(aug.augment_v4) > 1.5 * _mains_power(aug.augment_v2)
    x, labels = synthetic([(25, 15, 25, 30, 50, 105)] * 20, offset=0.3)
    xa, ya = aug.augment_v4(x, labels, 2048, np.random.default_rng(1), 1.0)
    assert xa.shape == ya.shape == (2048,) and np.isfinite(xa).all() and set(ya) <= set(labels)
    assert aug.NOISY.hum == (0.5, 0.5) and aug.NOISY.muscle == (0.4, 0.25)


def _levels_drawn(monkeypatch, distortion, recipes, seeds=300):
    """Per recipe, the level (third argument) of every call to ``aug.<distortion>`` over ``seeds`` crops of a
    synthetic lead."""
    levels = []
    real = getattr(aug, distortion)
    monkeypatch.setattr(aug, distortion, lambda x, rng, level: levels.append(level) or real(x, rng, level))
    x, labels = synthetic([(25, 15, 25, 30, 50, 105)] * 20, offset=0.0)
    out = {}
    for name, recipe in recipes.items():
        levels.clear()
        for seed in range(seeds):
            recipe(x, labels, 512, np.random.default_rng(seed), 0.5)
        out[name] = list(levels)
    return out


def test_v5_adds_muscle_noise_to_two_crops_in_five_and_v2_none(monkeypatch):
    """Check that v5 draws band-limited muscle noise for ~40 % of crops, RMS within 0.2 x scale, and v2 never (its
    random stream unchanged); v5's mains hum is v2's (the pipeline removes hum)."""
    levels = _levels_drawn(monkeypatch, "add_muscle_noise", {"v2": aug.augment_v2, "v5": aug.augment_v5})
    assert all(0 <= level <= 0.2 * 0.5 for drawn in levels.values() for level in drawn)
    assert len(levels["v2"]) == 0 and 0.32 <= len(levels["v5"]) / 300 <= 0.48
    assert aug.MUSCLE.hum == aug.AugmentConfig().hum


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_motion_sway_is_one_faded_stretch_in_the_p_and_t_band(seed):
    """Check that the sway is added over one stretch of 2-8 s, fades to zero at its ends, peaks within 0.1-0.5 x the
    scale, and has its power at 1-3 Hz (where P and T waves are, so no high-pass removes it)."""
    x = distortions.add_motion_sway(np.zeros(2500), np.random.default_rng(seed), 2.0)
    moved = np.flatnonzero(x != 0)
    assert 2.0 * 250 - 2 <= moved[-1] - moved[0] + 1 <= 8.0 * 250
    assert 0.2 - 1e-9 <= np.abs(x).max() <= 1.0 + 1e-9
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freq = np.fft.rfftfreq(len(x), 1 / 250)
    assert spectrum[(freq >= 0.5) & (freq <= 4.0)].sum() > 0.9 * spectrum.sum()


def test_v6_adds_sway_to_three_crops_in_ten_and_v5_none(monkeypatch):
    """Check that v6 draws the sway for ~30 % of crops and v5 never (its random stream unchanged)."""
    levels = _levels_drawn(monkeypatch, "add_motion_sway", {"v5": aug.augment_v5, "v6": aug.augment_v6})
    assert len(levels["v5"]) == 0 and 0.22 <= len(levels["v6"]) / 300 <= 0.38


def test_v7_plays_about_a_quarter_of_crops_faster_or_slower_without_the_warp(monkeypatch):
    """Check that v7 plays ~30 % of crops at a factor drawn in 0.75-2.2 (outside the 0.9-1.1 jitter for ~24 %), never
    heart-rate-warping those (every wave shortened alike: the QRS too), and v5 only jitters (its stream unchanged)."""
    calls = []
    real_crop, real_warp = aug.random_crop, aug.warp_heart_rate
    monkeypatch.setattr(aug, "warp_heart_rate", lambda *a, **k: calls.append("warp") or real_warp(*a, **k))
    monkeypatch.setattr(aug, "random_crop", lambda x, y, n, rng, stretch: calls.append(stretch)
                        or real_crop(x, y, n, rng, stretch))
    x, labels = synthetic([(25, 15, 25, 30, 50, 105)] * 20, offset=0.0)
    drawn = {}
    for name, recipe in {"v5": aug.augment_v5, "v7": aug.augment_v7}.items():
        crops = []
        for seed in range(300):
            calls.clear()
            xa, ya = recipe(x, labels, 512, np.random.default_rng(seed), 0.5)
            crops.append((calls[-1], "warp" in calls))
            assert xa.shape == ya.shape == (512,)
        drawn[name] = crops
    assert all(0.9 <= s <= 1.1 for s, _ in drawn["v5"])
    scaled = [(s, warped) for s, warped in drawn["v7"] if not 0.9 <= s <= 1.1]
    assert 0.17 <= len(scaled) / 300 <= 0.32
    assert all(0.75 <= s <= 2.2 and not warped for s, warped in scaled)
    assert any(s > 1.8 for s, _ in scaled) and any(s < 0.85 for s, _ in scaled)
