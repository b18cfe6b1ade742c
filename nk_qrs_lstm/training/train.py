"""Training pipeline: reference databases -> augmented crops -> trained Keras model.

Run in the background (it is long on a CPU)::

    nohup python -m nk_qrs_lstm.training.train --out runs/main > runs/main.log 2>&1 &

It is resumable: run the same command again after an interruption, or after
``--max-minutes`` stopped it, and it continues from the last finished epoch
(``BackupAndRestore``; the best checkpoint keeps its best validation loss, the
learning-rate and early-stopping patience start again). The best model
on the validation split is saved as ``OUT/best.keras``; export it for the
package with ``python -m nk_qrs_lstm.training.export OUT/best.keras --run OUT``.
"""

import argparse
import json
import logging
import os
import platform
import shutil
import time

import numpy as np

from . import datasets
from .crops import AUGMENTATIONS, make_dataset, pool_batches, read_items, save_items, stop_pool, targets
from .distill import DISAGREEMENTS
from ..defaults import MODEL_RATE, MODEL_STRIDES, POOL_STOP_TIMEOUT_S, TRAIN_WINDOW_S, UNLABELLED, n_samples
from ..preprocess import NORMALISATIONS, RateMap, highpass, make_windows, normalise, resample, robust_scale, window_plan
from ..runtime import file_sha256
from .runs import BACKUP_DIR, TimeLimit, best_so_far, check_resume, write_config

logger = logging.getLogger("nk_qrs_lstm")
__all__ = ["AUGMENTATIONS", "load_items", "make_dataset", "to_model_rate", "train", "validation_windows"]


def to_model_rate(ecg):
    """Resample an :class:`~nk_qrs_lstm.training.datasets.AnnotatedECG` and its labels to the model rate.

    Returns
    -------
    x : ndarray
        Signal (mV) at ``MODEL_RATE``, not yet high-passed.
    y : ndarray of int8
        Labels at ``MODEL_RATE`` (nearest sample of the native-rate labels).
    """
    labels = ecg.labels()
    rate_map = RateMap.for_rate(ecg.sampling_rate)
    x = resample(ecg.signal, rate_map.up, rate_map.down)
    idx = np.round(rate_map.to_caller(np.arange(len(x)))).astype(np.int64)
    y = labels[np.minimum(idx, len(labels) - 1)]
    return x, y


def _trim(x, y, margin):
    """Keep only the labelled stretch of a long record (plus a margin)."""
    labelled = np.flatnonzero(y != UNLABELLED)
    if not labelled.size:
        return x[:0], y[:0]
    lo, hi = max(labelled[0] - margin, 0), min(labelled[-1] + margin, len(x))
    return x[lo:hi], y[lo:hi]


def load_items(ludb_records, qtdb_records, ludb_path, qtdb_path):
    """Read records and return a list of ``(x, y, scale, database)`` at the model rate."""
    items = []
    margin = n_samples(TRAIN_WINDOW_S, MODEL_RATE)
    for rec in ludb_records:
        for ecg in datasets.read_ludb(rec, path=ludb_path):
            x, y = to_model_rate(ecg)
            items.append((x, y, float(robust_scale(x)[0]), "ludb"))
    for rec in qtdb_records:
        for ecg in datasets.read_qtdb(rec, path=qtdb_path):
            x, y = _trim(*to_model_rate(ecg), margin)
            if len(x):
                items.append((x, y, float(robust_scale(x)[0]), "qtdb"))
    return items


def validation_windows(items, normalisation="window"):
    """Fixed, un-augmented windows covering the labelled part of each item."""
    xs, ys = [], []
    for x, y, _, _ in items:
        xf = highpass(x, MODEL_RATE)
        starts, window = window_plan(len(x), window=n_samples(TRAIN_WINDOW_S, MODEL_RATE))
        labelled = np.flatnonzero(y != UNLABELLED)
        for s in starts:
            wy = make_windows(y.astype(float), np.array([s]), window)[0]
            if len(x) < window:
                wy[len(x) :] = UNLABELLED
            if not np.any((labelled >= s) & (labelled < s + window)):
                continue
            xs.append(make_windows(xf, np.array([s]), window)[0])
            ys.append(wy)
    full = n_samples(TRAIN_WINDOW_S, MODEL_RATE)
    xs = [np.pad(v, (0, full - len(v))) for v in xs]
    ys = [np.pad(v, (0, full - len(v)), constant_values=UNLABELLED) for v in ys]
    return normalise(np.stack(xs), method=normalisation)[..., None], np.stack(ys).astype(np.int64)


def cached_items(records, ludb_path, qtdb_path, cache=None):
    """:func:`load_items` of ``records`` (``{"ludb": [...], "qtdb": [...]}``), kept in ``cache`` (.npz) if given.

    A cache written for other records is rebuilt, so it can never feed the wrong split.
    """
    key = json.dumps(records, sort_keys=True)
    if cache and os.path.exists(cache):
        with np.load(cache) as f:
            same = "records" in f and str(f["records"]) == key
        if same:
            return read_items(cache)
        logger.info("%s holds other records: rebuilt", cache)
    items = load_items(records["ludb"], records["qtdb"], ludb_path, qtdb_path)
    if cache:
        save_items(cache, items, records=np.array(key))
    return items


def train(out, ludb_path=datasets.DEFAULT_LUDB, qtdb_path=datasets.DEFAULT_QTDB, epochs=60, steps=200,
          batch_size=32, seed=0, max_minutes=None, limit_records=None, patience=12, lr=3e-3,
          model_kwargs=None, verbose=2, augmentation="v1", normalisation="window", items_cache=None, workers=0,
          init=None, wide_qrs_weight=1.0, boundary_weight=1.0, init_matching=False, frozen=(), teacher=None,
          label_share=0.5, teacher_disagreement="mix"):
    """Train the delineation network and save ``out/best.keras``.

    Parameters
    ----------
    out : str
        Output folder (checkpoints, backups, log, ``train_config.json``).
    ludb_path, qtdb_path : str
        Database folders.
    epochs, steps, batch_size : int
        Epochs of ``steps`` batches of ``batch_size`` crops.
    seed : int
        Seed of weights, augmentation and crop sampling.
    max_minutes : float, optional
        Stop (cleanly, after an epoch) once this much wall time has passed.
    limit_records : int, optional
        Use only the first N records of each split part (smoke tests).
    patience : int
        Early-stopping patience in epochs (validation loss).
    model_kwargs : dict, optional
        Passed to :func:`nk_qrs_lstm.training.model.build_model`.
    augmentation : {"v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"}
        Augmentation recipe: ``"v1"`` (:func:`~nk_qrs_lstm.training.augment.augment`, the first model's),
        ``"v2"`` (:func:`~nk_qrs_lstm.training.augment.augment_v2`, with its default configuration), ``"v3"``
        (:func:`~nk_qrs_lstm.training.augment.augment_v3`, NeuroKit's cleaning drawn more often) or ``"v4"``
        (:func:`~nk_qrs_lstm.training.augment.augment_v4`, v2 with stronger mains hum and muscle noise) or ``"v5"``
        (:func:`~nk_qrs_lstm.training.augment.augment_v5`, v2 with muscle noise) or ``"v6"``
        (:func:`~nk_qrs_lstm.training.augment.augment_v6`, v5 with 1-3 Hz baseline sway) or ``"v7"``
        (:func:`~nk_qrs_lstm.training.augment.augment_v7`, v5 with whole crops played faster or slower) or ``"v8"``
        (:func:`~nk_qrs_lstm.training.augment.augment_v8`, v5 with P waves taken out or PR intervals lengthened) or
        ``"v9"`` (:func:`~nk_qrs_lstm.training.augment.augment_v9`, v8's edits at half the rate).
    normalisation : {"window", "second"}
        Amplitude normalisation of each window (:func:`nk_qrs_lstm.preprocess.normalise`); recorded in the
        model card by the exporter so that inference applies the same.
    items_cache : str, optional
        Folder keeping the model-rate training and validation items (``train.npz``, ``validation.npz``), built
        from the databases at the first run: a machine without the databases trains from it.
    workers : int
        Draw the batches in this many forked processes (:func:`~nk_qrs_lstm.training.crops.pool_batches`; same
        batches); 0 draws them in the training process.
    init : str, optional
        A ``.keras`` model of the same network whose weights training starts from (fine-tuning), instead of a
        seeded initialisation.
    init_matching : bool
        With ``init``, start only the layers whose name and weight shapes ``init`` shares (e.g. a network with
        one more strided convolution), the others from the seeded initialisation
        (:func:`~nk_qrs_lstm.training.model.init_weights`).
    frozen : sequence of str
        Layers kept as they start (``trainable`` False; e.g. with ``init``, fine-tune the recurrent layers only).
    wide_qrs_weight : float
        Leads with wide QRS complexes (median labelled QRS > ``crops.WIDE_QRS_S``) are drawn this many times as
        often as the others (:class:`~nk_qrs_lstm.training.crops.CropSampler`; 1: uniformly).
    boundary_weight : float
        Loss weight of the training samples within ``crops.BOUNDARY_REACH`` of a change of label
        (:func:`~nk_qrs_lstm.training.crops.targets`; 1: every labelled sample alike). The validation loss that
        selects the best epoch stays unweighted.
    teacher : str, optional
        An exported ONNX network whose probabilities on each augmented crop join the targets
        (:mod:`~nk_qrs_lstm.training.distill`); the validation loss stays on the expert labels.
    label_share : float
        With ``teacher``: share of the expert label in a labelled sample's target.
    teacher_disagreement : {"mix", "labels"}
        With ``teacher``: target of a labelled sample whose label is not the teacher's most probable class
        (:func:`~nk_qrs_lstm.training.distill.soft_targets`).

    Returns
    -------
    str
        Path of the best model.
    """
    if teacher:
        from .distill import check_teacher

        check_teacher(teacher, label_share, normalisation, teacher_disagreement)
    elif (label_share, teacher_disagreement) != (0.5, "mix"):
        raise ValueError(f"label_share == {label_share!r} and teacher_disagreement == {teacher_disagreement!r} need "
                         "a teacher (they weigh the labels against its probabilities); teacher is None.")
    os.makedirs(out, exist_ok=True)
    splits = datasets.load_splits()
    records = {p: {db: splits[db][p][:limit_records] for db in ("ludb", "qtdb")} for p in ("train", "validation")}
    config = {
        "seed": seed, "epochs": epochs, "steps": steps, "batch_size": batch_size, "lr": lr,
        "max_minutes": max_minutes, "limit_records": limit_records, "patience": patience,
        "model_kwargs": dict(model_kwargs or {}), "augment": augmentation,
        "normalisation": normalisation, "ludb_path": ludb_path, "qtdb_path": qtdb_path,
        "split_seed": splits["seed"], "train_records": records["train"], "validation_records": records["validation"],
        "workers": workers, "init": init, "init_matching": init_matching, "wide_qrs_weight": wide_qrs_weight,
        "boundary_weight": boundary_weight, "frozen": list(frozen), "teacher": teacher,
        "teacher_sha256": file_sha256(teacher) if teacher else None,
        "label_share": label_share if teacher else None,
        "teacher_disagreement": teacher_disagreement if teacher else None,
    }
    first_epoch = check_resume(out, config)  # before any data is read
    t0 = time.time()
    train_items, val_items = (
        cached_items(records[p], ludb_path, qtdb_path, items_cache and os.path.join(items_cache, f"{p}.npz"))
        for p in ("train", "validation"))
    xv, yv = validation_windows(val_items, normalisation)
    yv, wv = targets(yv)
    logger.info("loaded %d training and %d validation leads (%d windows) in %.0f s",
                len(train_items), len(val_items), len(xv), time.time() - t0)
    crop_args = dict(augmentation=augmentation, normalisation=normalisation, wide_qrs_weight=wide_qrs_weight,
                     boundary_weight=boundary_weight)
    if workers:  # fork before the training framework starts its threads
        data, pool = pool_batches(train_items, batch_size, steps, seed, workers, first_epoch, **crop_args)
    else:
        data, pool = make_dataset(train_items, batch_size, steps, seed, first_epoch=first_epoch, **crop_args), None
    if teacher:
        from .distill import Teacher, distilled, one_hot

        data, yv = distilled(data, Teacher(teacher), label_share, disagreement=teacher_disagreement), one_hot(yv)

    import keras

    from .model import build_model, freeze, init_weights

    model_kwargs = dict(model_kwargs or {})
    model = build_model(seed=seed, **model_kwargs)
    if init:
        copied = init_weights(model, keras.saving.load_model(init, compile=False), matching=init_matching,
                              name=init)
        logger.info("started from %s: %s", init, ", ".join(copied))
    if frozen:
        logger.info("frozen: %s", ", ".join(freeze(model, frozen)))
    model.compile(
        optimizer=keras.optimizers.Adam(lr),
        loss="categorical_crossentropy" if teacher else "sparse_categorical_crossentropy",
        weighted_metrics=["categorical_accuracy" if teacher else "sparse_categorical_accuracy"],
    )
    config.update({
        "n_params": int(model.count_params()),
        "versions": {"python": platform.python_version(), "keras": keras.__version__,
                     "backend": keras.backend.backend(), "numpy": np.__version__},
    })
    write_config(out, config)
    best = os.path.join(out, "best.keras")
    limit, backup = TimeLimit(max_minutes), os.path.join(out, BACKUP_DIR)
    callbacks = [
        limit,  # first: adds wall_s to the logs the other callbacks see
        # kept when the time limit stops the run (Keras would delete it as after a finished run): the same command
        # then continues; deleted below when the run ends by its epochs or early stopping
        keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False),
        keras.callbacks.ModelCheckpoint(best, monitor="val_loss", save_best_only=True,
                                        initial_value_threshold=best_so_far(out) if first_epoch else None),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=max(patience // 3, 1)),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience),
        keras.callbacks.CSVLogger(os.path.join(out, "history.csv"), append=True),
    ]
    try:
        model.fit(data, validation_data=(xv, yv, wv), epochs=epochs, steps_per_epoch=steps if pool else None,
                  validation_batch_size=max(batch_size, 32), shuffle=pool is None, callbacks=callbacks,
                  verbose=verbose)
        model.save(os.path.join(out, "last.keras"))  # the last epoch's weights, whatever the validation loss says
        if not os.path.exists(best):  # no validation improvement recorded (e.g. 0 epochs)
            model.save(best)
        with open(os.path.join(out, "train_time_s.txt"), "a") as f:
            f.write(f"{time.time() - t0:.0f}\n")
        if not limit.reached:  # finished: a later run in this folder starts afresh
            shutil.rmtree(backup, ignore_errors=True)
    except BaseException:  # an error or Ctrl-C: no batch is wanted any more, and no wait for the ones in flight
        if pool is not None:
            pool.terminate()
        raise
    # after the weights are written: stopping the workers must not cost them
    if pool is not None and not stop_pool(pool):
        logger.warning("the batch workers did not finish within %g s: terminated", POOL_STOP_TIMEOUT_S)
    return best


def _parser():
    """The command-line parser of ``nk-qrs-lstm train``."""
    parser = argparse.ArgumentParser(
        prog="nk-qrs-lstm train", description=__doc__.splitlines()[0],
        epilog="Needs the train extra: pip install \"nk-qrs-lstm[train]\". Resumable: run the same command "
               "again after an interruption. Export the result with: nk-qrs-lstm export OUT/best.keras --run OUT")
    parser.add_argument("--ludb", default=datasets.DEFAULT_LUDB, help="LUDB folder (default: %(default)s)")
    parser.add_argument("--qtdb", default=datasets.DEFAULT_QTDB, help="QTDB folder (default: %(default)s)")
    parser.add_argument("--out", required=True, help="output folder: checkpoints, log, best.keras")
    parser.add_argument("--epochs", type=int, default=60, help="maximum number of epochs (default: %(default)s)")
    parser.add_argument("--steps", type=int, default=200, help="batches per epoch (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=32, help="crops per batch (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, augmentation and crop sampling (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=3e-3, help="initial learning rate (default: %(default)s)")
    parser.add_argument("--patience", type=int, default=12,
                        help="early-stopping patience, in epochs without a better validation loss "
                             "(default: %(default)s)")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop cleanly after the epoch during which this much wall time has passed "
                             "(default: no limit)")
    parser.add_argument("--limit-records", type=int, default=None,
                        help="use only the first N records of each split part, for smoke tests (default: all)")
    parser.add_argument("--stride", type=int, default=4, choices=list(MODEL_STRIDES),
                        help="the recurrent layers run at 250/STRIDE Hz (default: %(default)s)")
    parser.add_argument("--lstm-units", type=int, default=32,
                        help="units per direction of each bidirectional LSTM (default: %(default)s)")
    parser.add_argument("--conv-filters", type=int, default=32,
                        help="width of the strided convolutions (default: %(default)s)")
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"],
                        help="recurrent cell (default: %(default)s)")
    parser.add_argument("--bottleneck", type=int, default=None,
                        help="narrow the recurrent output to this many channels before upsampling "
                             "(default: none)")
    parser.add_argument("--head-filters", type=int, default=None,
                        help="width of the full-rate head convolution (default: --conv-filters)")
    parser.add_argument("--head-kernel", type=int, default=9,
                        help="kernel length of the head convolution, samples at 250 Hz (default: %(default)s)")
    parser.add_argument("--augment", default="v1", choices=sorted(AUGMENTATIONS),
                        help="augmentation recipe: v1 = the shipped model's, v2 = v1 + heart rate, wave sizes, "
                             "input filters and artefacts, v3 = v2 with NeuroKit's default cleaning in 26 %% of "
                             "crops, v4 = v2 with stronger mains hum and muscle noise, v5 = v2 with muscle noise, "
                             "v6 = v5 with 1-3 Hz baseline sway, v7 = v5 with whole crops played 0.75-2.2x as fast "
                             "(default: %(default)s)")
    parser.add_argument("--items-cache", default=None,
                        help="folder keeping the model-rate training and validation items (built at the first run; "
                             "copy it to train where the databases are not) (default: none)")
    parser.add_argument("--workers", type=int, default=0,
                        help="draw the batches in this many forked processes (default: %(default)s: in the "
                             "training process)")
    parser.add_argument("--init", default=None,
                        help="start from the weights of this .keras model of the same network (fine-tuning) "
                             "(default: a seeded initialisation)")
    parser.add_argument("--freeze", nargs="+", default=[], metavar="LAYER",
                        help="layers kept as they start (e.g. fine down0 down1 head proba: fine-tune the rest)")
    parser.add_argument("--init-matching", action="store_true",
                        help="with --init, start only the layers of the same name and weight shapes, the others "
                             "seeded (e.g. a network with one more strided convolution)")
    parser.add_argument("--wide-qrs-weight", type=float, default=1.0,
                        help="draw leads with wide QRS complexes (median labelled QRS > 120 ms) this many times as "
                             "often as the others (default: %(default)s)")
    parser.add_argument("--boundary-weight", type=float, default=1.0,
                        help="loss weight of training samples within 2 samples (8 ms) of a change of label "
                             "(default: %(default)s)")
    parser.add_argument("--teacher", default=None, metavar="ONNX",
                        help="distil: an exported network's probabilities on each crop join the targets "
                             "(default: the expert labels only)")
    parser.add_argument("--label-share", type=float, default=0.5,
                        help="with --teacher: share of the expert label in a labelled sample's target "
                             "(default: %(default)s)")
    parser.add_argument("--teacher-disagreement", default="mix", choices=DISAGREEMENTS,
                        help="with --teacher: target of a labelled sample whose label is not the teacher's most "
                             "probable class: mix = as elsewhere, labels = the label alone (default: %(default)s)")
    parser.add_argument("--normalisation", default="window", choices=NORMALISATIONS,
                        help="amplitude scale of each window: window = 99th percentile over the window (the "
                             "shipped model's), second = median over its seconds of the per-second 99th "
                             "percentile (no single artefact dominates) (default: %(default)s)")
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.teacher is None and (args.label_share != 0.5 or args.teacher_disagreement != "mix"):
        parser.error("--label-share and --teacher-disagreement need --teacher (they weigh the labels against a "
                     "teacher's probabilities)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    path = train(args.out, args.ludb, args.qtdb, epochs=args.epochs, steps=args.steps,
                 batch_size=args.batch_size, seed=args.seed, max_minutes=args.max_minutes,
                 limit_records=args.limit_records, patience=args.patience, lr=args.lr,
                 model_kwargs={"stride": args.stride, "lstm_units": args.lstm_units,
                               "conv_filters": args.conv_filters, "cell": args.cell,
                               "bottleneck": args.bottleneck, "head_filters": args.head_filters,
                               "head_kernel": args.head_kernel}, augmentation=args.augment,
                 normalisation=args.normalisation, items_cache=args.items_cache, workers=args.workers, init=args.init,
                 init_matching=args.init_matching, frozen=args.freeze,
                 wide_qrs_weight=args.wide_qrs_weight, boundary_weight=args.boundary_weight, teacher=args.teacher,
                 label_share=args.label_share, teacher_disagreement=args.teacher_disagreement)
    print(path)


if __name__ == "__main__":
    main()
