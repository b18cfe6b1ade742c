"""Training crops: the cached model-rate items and the seeded batches drawn from them.

An *item* is one annotated lead at the model rate: ``(x, y, scale, database)`` with the signal ``x`` (mV, not
high-passed), its per-sample labels ``y`` (``UNLABELLED`` where the expert's marks do not reach), its robust
amplitude ``scale`` and ``"ludb"`` or ``"qtdb"``. Batch ``idx`` of epoch ``epoch`` is a pure function of
``(seed, epoch, idx)``, whether it is drawn in the training process (:func:`make_dataset`, a Keras
``PyDataset``) or by worker processes (:func:`pool_batches`, for machines with many cores beside an accelerator):
both give the same crops.
"""

import functools
import multiprocessing
import os

import numpy as np

from .augment import augment, augment_v2, augment_v3
from ..defaults import MODEL_RATE, TRAIN_WINDOW_S, UNLABELLED, n_samples
from ..preprocess import highpass, normalise

AUGMENTATIONS = {"v1": augment, "v2": augment_v2, "v3": augment_v3}  # --augment: v1 is the first model's recipe
DATABASES = ("ludb", "qtdb")


def _recipe(augmentation):
    if augmentation not in AUGMENTATIONS:
        raise ValueError(f"augmentation == {augmentation!r}, must be one of {', '.join(map(repr, AUGMENTATIONS))}.")
    return AUGMENTATIONS[augmentation]


def targets(y):
    """Split labels into (class, sample weight) with unlabelled samples weighted 0."""
    return np.where(y == UNLABELLED, 0, y).astype(np.int64), (y != UNLABELLED).astype(np.float32)


def draw_batch(items, batch_size, seed, epoch, idx, qtdb_fraction=0.3, augmentation="v1", normalisation="window"):
    """Batch ``idx`` of ``epoch``: ``(x (batch, time, 1), class (batch, time), weight (batch, time))``.

    ``qtdb_fraction`` of the crops (in expectation) come from QTDB items, the rest from LUDB items; each crop
    is augmented by ``AUGMENTATIONS[augmentation]``, high-passed and normalised as at inference.
    """
    recipe = _recipe(augmentation)
    length = n_samples(TRAIN_WINDOW_S, MODEL_RATE)
    by_db = {db: [i for i, it in enumerate(items) if it[3] == db] for db in DATABASES}
    rng = np.random.default_rng([seed, epoch, idx])
    xs, ys = [], []
    for _ in range(batch_size):
        db = "qtdb" if by_db["qtdb"] and rng.random() < qtdb_fraction else "ludb"
        pool = by_db[db] or by_db["qtdb"]
        x, y, scale, _ = items[pool[rng.integers(len(pool))]]
        xa, ya = recipe(x, y, length, rng, scale)
        xs.append(highpass(xa, MODEL_RATE))
        ys.append(ya)
    y, w = targets(np.stack(ys))
    return normalise(np.stack(xs), method=normalisation)[..., None].astype(np.float32), y, w


def make_dataset(items, batch_size, steps, seed, qtdb_fraction=0.3, augmentation="v1", normalisation="window",
                 first_epoch=0):
    """A Keras ``PyDataset`` of ``steps`` batches per epoch from :func:`draw_batch`, drawn in this process.

    Its epochs count from ``first_epoch`` (a resumed run continues the sequence of batches).
    """
    import keras

    _recipe(augmentation)  # refuse an unknown recipe now, not at the first batch

    class Crops(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epoch = first_epoch

        def __len__(self):
            return steps

        def on_epoch_end(self):
            self.epoch += 1

        def __getitem__(self, idx):
            return draw_batch(items, batch_size, seed, self.epoch, idx, qtdb_fraction, augmentation, normalisation)

    return Crops()


_WORKER_ITEMS = None  # the items, inherited by forked workers (copy-on-write, never pickled)


def _worker_batch(task, **kwargs):
    epoch, idx = task
    return draw_batch(_WORKER_ITEMS, epoch=epoch, idx=idx, **kwargs)


def pool_batches(items, batch_size, steps, seed, workers, first_epoch=0, qtdb_fraction=0.3, augmentation="v1",
                 normalisation="window"):
    """An endless generator of the batches of :func:`make_dataset`, drawn by ``workers`` forked processes.

    Start it before the training framework starts its own threads (forking a threaded process can deadlock):
    the pool is created at the call, the generator only collects. Batches come in order, epoch after epoch from
    ``first_epoch``; at most ``2 * workers`` are prepared ahead.

    Returns
    -------
    generator, multiprocessing.pool.Pool
        The batches, and the pool to ``terminate()`` after training.
    """
    global _WORKER_ITEMS
    _recipe(augmentation)
    if workers < 1:
        raise ValueError(f"workers == {workers}, must be >= 1.")
    _WORKER_ITEMS = items
    pool = multiprocessing.get_context("fork").Pool(workers)
    fn = functools.partial(_worker_batch, batch_size=batch_size, seed=seed, qtdb_fraction=qtdb_fraction,
                           augmentation=augmentation, normalisation=normalisation)

    def batches():
        tasks = ((epoch, idx) for epoch in range(first_epoch, 1 << 30) for idx in range(steps))
        ahead = []
        for task in tasks:
            ahead.append(pool.apply_async(fn, (task,)))
            if len(ahead) > 2 * workers:
                yield ahead.pop(0).get()

    return batches(), pool


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
