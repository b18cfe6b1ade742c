"""Training crops: the cached model-rate items and the seeded batches drawn from them.

An *item* is one annotated lead at the model rate: ``(x, y, scale, database)`` with the signal ``x`` (mV, not
high-passed), its per-sample labels ``y`` (``UNLABELLED`` where the expert's marks do not reach), its robust
amplitude ``scale`` and ``"ludb"`` or ``"qtdb"``. Batch ``idx`` of epoch ``epoch`` is a pure function of
``(seed, epoch, idx)`` (:class:`CropSampler`), whether it is drawn in the training process (:func:`make_dataset`,
a Keras ``PyDataset``) or by worker processes (:func:`pool_batches`, for machines with many cores beside an
accelerator): both give the same crops.
"""

import functools
import multiprocessing
import os
import threading

import numpy as np

from .augment import (augment, augment_v2, augment_v3, augment_v4, augment_v5, augment_v6, augment_v7, augment_v8,
                      augment_v9)
from ..defaults import (CLASSES, MODEL_RATE, POOL_BATCH_TIMEOUT_S, POOL_STOP_TIMEOUT_S, TRAIN_WINDOW_S, UNLABELLED,
                        n_samples)
from ..preprocess import highpass, normalise

AUGMENTATIONS = {"v1": augment, "v2": augment_v2, "v3": augment_v3, "v4": augment_v4, "v5": augment_v5,
                 "v6": augment_v6, "v7": augment_v7, "v8": augment_v8, "v9": augment_v9}  # --augment
DATABASES = ("ludb", "qtdb")
BOUNDARY_REACH = 2  # [samples at 250 Hz] either side of a label change weighted by ``boundary_weight`` (8 ms)
WIDE_QRS_S = 0.12  # [s] a lead whose median labelled QRS is longer has wide complexes (bundle branch block, paced)


def _recipe(augmentation):
    if augmentation not in AUGMENTATIONS:
        raise ValueError(f"augmentation == {augmentation!r}, must be one of {', '.join(map(repr, AUGMENTATIONS))}.")
    return AUGMENTATIONS[augmentation]


def targets(y, boundary_weight=1.0, reach=BOUNDARY_REACH):
    """Split labels ``(..., time)`` into (class, sample weight) with unlabelled samples weighted 0.

    Labelled samples within ``reach`` samples of a change of label (a wave's onset or offset, between two labelled
    samples) weigh ``boundary_weight`` instead of 1: the loss then pays for boundaries placed a few samples off.

    Examples
    --------
    >>> cls, w = targets(np.array([-1, 0, 0, 0, 2, 2, 2, 0]), boundary_weight=3.0, reach=1)
    >>> cls.tolist(), w.tolist()
    ([0, 0, 0, 0, 2, 2, 2, 0], [0.0, 1.0, 1.0, 3.0, 3.0, 1.0, 3.0, 3.0])
    """
    labelled = y != UNLABELLED
    weight = labelled.astype(np.float32)
    if boundary_weight != 1 and reach > 0:
        change = (y[..., 1:] != y[..., :-1]) & labelled[..., 1:] & labelled[..., :-1]  # between k and k + 1
        near = np.zeros(y.shape, dtype=bool)
        for shift in range(reach):  # the `reach` samples on either side of each change
            near[..., : y.shape[-1] - 1 - shift] |= change[..., shift:]
            near[..., 1 + shift :] |= change[..., : change.shape[-1] - shift]
        weight[near & labelled] = boundary_weight
    return np.where(labelled, y, 0).astype(np.int64), weight


def median_qrs_s(y):
    """Median length [s] of the labelled QRS runs of model-rate labels ``y`` (NaN without any)."""
    qrs = np.diff(np.concatenate([[0], (y == CLASSES.index("QRS")).astype(np.int8), [0]]))
    lengths = np.flatnonzero(qrs == -1) - np.flatnonzero(qrs == 1)
    return float(np.median(lengths)) / MODEL_RATE if lengths.size else np.nan


class CropSampler:
    """Draws seeded batches of augmented crops from items.

    ``qtdb_fraction`` of the crops (in expectation) come from QTDB items, the rest from LUDB items; within a
    database, items whose median labelled QRS is longer than ``WIDE_QRS_S`` are drawn ``wide_qrs_weight`` times as
    often as the others (1: uniformly, the recipe of models up to v3). Each crop is augmented by
    ``AUGMENTATIONS[augmentation]``, high-passed and normalised as at inference; its samples near a change of
    label weigh ``boundary_weight`` in the loss (:func:`targets`; 1: every labelled sample alike).
    """

    def __init__(self, items, qtdb_fraction=0.3, augmentation="v1", normalisation="window", wide_qrs_weight=1.0,
                 boundary_weight=1.0):
        if not wide_qrs_weight > 0:
            raise ValueError(f"wide_qrs_weight == {wide_qrs_weight}, must be > 0.")
        self.recipe = _recipe(augmentation)
        self.items, self.qtdb_fraction, self.normalisation = items, qtdb_fraction, normalisation
        if not boundary_weight > 0:
            raise ValueError(f"boundary_weight == {boundary_weight}, must be > 0.")
        self.boundary_weight = float(boundary_weight)
        self.uniform = wide_qrs_weight == 1
        self.pools = {}
        for db in DATABASES:
            members = [i for i, it in enumerate(items) if it[3] == db]
            weights = np.array([1.0 if self.uniform or not median_qrs_s(items[i][1]) > WIDE_QRS_S
                                else float(wide_qrs_weight) for i in members])
            self.pools[db] = (members, np.cumsum(weights) / weights.sum() if members else weights)

    def _pick(self, rng, db):
        members, cumulative = self.pools[db] if self.pools[db][0] else self.pools["qtdb"]
        if self.uniform:
            return members[rng.integers(len(members))]
        return members[min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(members) - 1)]

    def batch(self, batch_size, seed, epoch, idx):
        """Batch ``idx`` of ``epoch``: ``(x (batch, time, 1), class (batch, time), weight (batch, time))``.

        A pure function of ``(seed, epoch, idx)`` and the sampler's items and settings.
        """
        length = n_samples(TRAIN_WINDOW_S, MODEL_RATE)
        rng = np.random.default_rng([seed, epoch, idx])
        xs, ys = [], []
        for _ in range(batch_size):
            db = "qtdb" if self.pools["qtdb"][0] and rng.random() < self.qtdb_fraction else "ludb"
            x, y, scale, _ = self.items[self._pick(rng, db)]
            xa, ya = self.recipe(x, y, length, rng, scale)
            xs.append(highpass(xa, MODEL_RATE))
            ys.append(ya)
        y, w = targets(np.stack(ys), self.boundary_weight)
        return normalise(np.stack(xs), method=self.normalisation)[..., None].astype(np.float32), y, w


def make_dataset(items, batch_size, steps, seed, first_epoch=0, **sampling):
    """A Keras ``PyDataset`` of ``steps`` batches per epoch, drawn in this process.

    ``sampling`` is passed to :class:`CropSampler`. Its epochs count from ``first_epoch`` (a resumed run continues
    the sequence of batches).
    """
    import keras

    sampler = CropSampler(items, **sampling)

    class Crops(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epoch = first_epoch

        def __len__(self):
            return steps

        def on_epoch_end(self):
            self.epoch += 1

        def __getitem__(self, idx):
            return sampler.batch(batch_size, seed, self.epoch, idx)

    return Crops()


_WORKER_SAMPLER = None  # inherited by forked workers with its items (copy-on-write, never pickled)


def _worker_batch(task, batch_size, seed):
    epoch, idx = task
    return _WORKER_SAMPLER.batch(batch_size, seed, epoch, idx)


def pool_batches(items, batch_size, steps, seed, workers, first_epoch=0, **sampling):
    """An endless generator of the batches of :func:`make_dataset`, drawn by ``workers`` forked processes.

    Start it before the training framework starts its own threads (forking a threaded process can deadlock):
    the pool is created at the call, the generator only collects. Batches come in order, epoch after epoch from
    ``first_epoch``; at most ``2 * workers`` are prepared ahead. ``sampling`` is passed to :class:`CropSampler`.
    A batch not ready within ``POOL_BATCH_TIMEOUT_S`` raises RuntimeError (a dead worker's task is lost: waiting
    would hang the training).

    Returns
    -------
    generator, multiprocessing.pool.Pool
        The batches, and the pool to end with :func:`stop_pool` after training.
    """
    global _WORKER_SAMPLER
    if workers < 1:
        raise ValueError(f"workers == {workers}, must be >= 1.")
    _WORKER_SAMPLER = CropSampler(items, **sampling)
    pool = multiprocessing.get_context("fork").Pool(workers)
    fn = functools.partial(_worker_batch, batch_size=batch_size, seed=seed)

    def batches():
        tasks = ((epoch, idx) for epoch in range(first_epoch, 1 << 30) for idx in range(steps))
        ahead = []
        for task in tasks:
            ahead.append(pool.apply_async(fn, (task,)))
            if len(ahead) > 2 * workers:
                try:
                    batch = ahead.pop(0).get(timeout=POOL_BATCH_TIMEOUT_S)
                except multiprocessing.TimeoutError:
                    raise RuntimeError(
                        f"a worker gave no batch in {POOL_BATCH_TIMEOUT_S:g} s: it died or deadlocked (a process "
                        "forked after a threaded library started, e.g. keras / TensorFlow imported before "
                        "pool_batches was called).") from None
                yield batch  # outside the try: closing the generator at exit must not reach the except clause

    return batches(), pool


def stop_pool(pool, timeout_s=POOL_STOP_TIMEOUT_S):
    """End a pool of :func:`pool_batches`: the batches drawn ahead finish, then the workers exit.

    ``Pool.terminate()`` with tasks in flight can hang in its task handler (seen in CI: blocked in the task
    queue's write lock), so the pool is closed and joined; a task lost with a dead worker would keep that join
    waiting forever, so after ``timeout_s`` the pool is terminated instead.

    Returns
    -------
    bool
        True where the workers ended after their tasks, False where the pool had to be terminated.
    """
    pool.close()
    joiner = threading.Thread(target=pool.join, daemon=True)
    joiner.start()
    joiner.join(timeout_s)
    if not joiner.is_alive():
        return True
    pool.terminate()
    return False


def save_items(path, items, **extra):
    """Write items (and ``extra`` arrays) to one ``.npz`` file (signals float32, labels int8): a set that travels."""
    lengths = np.array([len(it[0]) for it in items], dtype=np.int64)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    np.savez_compressed(
        path, lengths=lengths, x=np.concatenate([it[0] for it in items]).astype(np.float32),
        y=np.concatenate([it[1] for it in items]).astype(np.int8), scale=np.array([it[2] for it in items]),
        database=np.array([DATABASES.index(it[3]) for it in items], dtype=np.int8), **extra)


def read_items(path):
    """The items written by :func:`save_items` (signals back as float64)."""
    with np.load(path) as f:
        bounds = np.concatenate([[0], np.cumsum(f["lengths"])])
        x, y = f["x"].astype(np.float64), f["y"]
        return [(x[a:b], y[a:b], float(s), DATABASES[d])
                for a, b, s, d in zip(bounds[:-1], bounds[1:], f["scale"], f["database"])]
