"""Training crops: the item cache round trip and the batches drawn in worker processes."""

import json

import numpy as np
import pytest

from nk_qrs_lstm.training import crops

from test_augment import synthetic  # the same synthetic beats (tests/training is on the path)


def _items():
    x, labels = synthetic([(25, 15, 25, 30, 50, 105)] * 30, offset=0.5, edge=100)
    return [(x, labels, 1.0, "ludb"), (x[:3000] * 2, labels[:3000], 2.0, "qtdb")]


def test_items_cache_round_trip(tmp_path):
    """Check that saved items come back with the same signals (to float32 precision), labels, scales, databases."""
    items = _items()
    crops.save_items(tmp_path / "items.npz", items, note=np.array("x"))
    back = crops.read_items(tmp_path / "items.npz")
    assert [(len(x), s, db) for x, _, s, db in back] == [(len(x), s, db) for x, _, s, db in items]
    for (x, y, _, _), (xb, yb, _, _) in zip(items, back):
        np.testing.assert_allclose(xb, x, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(yb, y)


_POOL_CHECK = """
import sys
import numpy as np
sys.path.insert(0, {tests!r})
from nk_qrs_lstm.training import crops
from test_crops import _items

items = _items()
# the pool first, as training starts it: make_dataset imports keras, whose threads a fork must not inherit
batches, pool = crops.pool_batches(items, 3, 2, seed=5, workers=2, first_epoch=1, augmentation="v2")
try:
    got = [next(batches) for _ in range(4)]
finally:  # the few tasks submitted ahead finish: a clean stop (terminate() hung in its task handler's join)
    assert crops.stop_pool(pool, timeout_s=120)
dataset = crops.make_dataset(items, 3, 2, seed=5, augmentation="v2", first_epoch=1)
expected = [dataset[0], dataset[1]]
dataset.on_epoch_end()
expected += [dataset[0], dataset[1]]
for (x, y, w), (xe, ye, we) in zip(got, expected):
    np.testing.assert_array_equal(x, xe)
    np.testing.assert_array_equal(y, ye)
    np.testing.assert_array_equal(w, we)
assert not np.array_equal(got[0][0], got[2][0])  # a new epoch draws new crops
print("ok")
"""


def test_pool_batches_equal_in_process_batches():
    """Check that worker processes draw exactly the batches of the in-process dataset, epoch after epoch.

    Run in a fresh process, as training starts them: forking the test process, whose earlier tests started
    thread pools (ONNX Runtime, BLAS), can deadlock (it hung CI once), which is what ``pool_batches`` documents."""
    import os
    import subprocess
    import sys

    pytest.importorskip("keras")
    code = _POOL_CHECK.format(tests=os.path.dirname(__file__))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


_DEAD_WORKER_CHECK = """
import os, sys, time
sys.path.insert(0, {tests!r})
from nk_qrs_lstm.training import crops
from test_crops import _items

crops.POOL_BATCH_TIMEOUT_S = 3.0


def die(task, batch_size, seed):  # a worker that dies: its task is lost
    os._exit(1)


crops._worker_batch = die
batches, pool = crops.pool_batches(_items(), 3, 2, seed=5, workers=1)
start = time.monotonic()
try:
    next(batches)
except RuntimeError as err:
    assert "no batch in 3 s" in str(err) and time.monotonic() - start < 60, err
finally:  # the lost task would keep a join waiting forever: terminated after the stop's timeout
    start = time.monotonic()
    assert not crops.stop_pool(pool, timeout_s=2.0)
    assert time.monotonic() - start < 30
print("ok")
"""


def test_pool_batches_fail_loudly_when_a_worker_dies():
    """Check that a lost batch (its worker died) raises RuntimeError after ``POOL_BATCH_TIMEOUT_S`` instead of
    hanging the training forever, and that ``stop_pool`` then terminates the pool after its timeout instead of
    waiting for the lost task (a fresh process, as above)."""
    import os
    import subprocess
    import sys

    code = _DEAD_WORKER_CHECK.format(tests=os.path.dirname(__file__))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


def test_pool_batches_refuse_bad_arguments():
    """Check that the worker count and the recipe are validated at the call, with the rule in the message."""
    with pytest.raises(ValueError, match=r"workers == 0, must be >= 1\."):
        crops.pool_batches(_items(), 2, 1, seed=0, workers=0)
    with pytest.raises(ValueError, match="augmentation == 'v0'"):
        crops.pool_batches(_items(), 2, 1, seed=0, workers=1, augmentation="v0")


def test_cached_items_rebuilt_for_other_records(tmp_path, monkeypatch):
    """Check that an items cache written for other records is never read for these (it is rebuilt)."""
    from nk_qrs_lstm.training import train

    built = []

    def fake_load(ludb, qtdb, *paths):
        built.append((tuple(ludb), tuple(qtdb)))
        return _items()[: len(ludb)]

    monkeypatch.setattr(train, "load_items", fake_load)
    cache = str(tmp_path / "train.npz")
    first = train.cached_items({"ludb": ["1"], "qtdb": []}, "l", "q", cache)
    again = train.cached_items({"ludb": ["1"], "qtdb": []}, "l", "q", cache)
    other = train.cached_items({"ludb": ["1", "2"], "qtdb": []}, "l", "q", cache)
    assert built == [(("1",), ()), (("1", "2"), ())]
    assert len(first) == len(again) == 1 and len(other) == 2
    with np.load(cache) as f:
        assert json.loads(str(f["records"])) == {"ludb": ["1", "2"], "qtdb": []}


def test_median_qrs_length_of_labels():
    """Check the median QRS run length in seconds (labels at 250 Hz), NaN without QRS labels."""
    y = np.zeros(1000, dtype=np.int8)
    for start, length in ((10, 20), (100, 30), (300, 40)):
        y[start : start + length] = 2
    assert crops.median_qrs_s(y) == pytest.approx(30 / 250)
    assert np.isnan(crops.median_qrs_s(np.zeros(10, dtype=np.int8)))


def test_wide_qrs_leads_are_drawn_as_often_as_weighted():
    """Check that a lead with wide complexes is drawn ``wide_qrs_weight`` times as often as a narrow one."""
    narrow, wide = (synthetic([(25, 15, qrs, 30, 50, 105)] * 20) for qrs in (25, 35))  # 100 ms and 140 ms
    items = [(*narrow, 1.0, "ludb"), (*wide, 1.0, "ludb")]
    assert crops.median_qrs_s(wide[1]) > crops.WIDE_QRS_S > crops.median_qrs_s(narrow[1])
    for weight, share in ((1.0, 0.5), (4.0, 0.8)):
        sampler = crops.CropSampler(items, wide_qrs_weight=weight)
        rng = np.random.default_rng(0)
        picks = np.array([sampler._pick(rng, "ludb") for _ in range(4000)])
        assert np.mean(picks == 1) == pytest.approx(share, abs=0.03)
    with pytest.raises(ValueError, match=r"wide_qrs_weight == 0, must be > 0\."):
        crops.CropSampler(items, wide_qrs_weight=0)


def test_boundary_weight_marks_the_samples_around_each_label_change():
    """Check that batches weigh the samples around label changes ``boundary_weight``, and nothing else changes."""
    items = _items()
    plain = crops.CropSampler(items, augmentation="v2").batch(3, seed=1, epoch=0, idx=0)
    heavy = crops.CropSampler(items, augmentation="v2", boundary_weight=4.0).batch(3, seed=1, epoch=0, idx=0)
    np.testing.assert_array_equal(plain[0], heavy[0])
    np.testing.assert_array_equal(plain[1], heavy[1])
    assert set(np.unique(plain[2])) <= {0.0, 1.0} and {1.0, 4.0} <= set(np.unique(heavy[2])) <= {0.0, 1.0, 4.0}
    cls = heavy[1]
    changes = (cls[:, 1:] != cls[:, :-1]) & (plain[2][:, 1:] > 0) & (plain[2][:, :-1] > 0)
    near = np.zeros(cls.shape, dtype=bool)
    for k in range(crops.BOUNDARY_REACH):
        near[:, : cls.shape[1] - 1 - k] |= changes[:, k:]
        near[:, 1 + k :] |= changes[:, : changes.shape[1] - k]
    np.testing.assert_array_equal(heavy[2] == 4.0, near & (plain[2] > 0))
    with pytest.raises(ValueError, match=r"boundary_weight == -1, must be > 0\."):
        crops.CropSampler(items, boundary_weight=-1)
