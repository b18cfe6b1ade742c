"""A training run's folder: its configuration, and whether an interrupted run may continue there.

A run is resumed by giving the same command again (``BackupAndRestore`` keeps the last finished epoch, also where
the time limit, :class:`TimeLimit`, stopped it; :func:`best_so_far` keeps the best checkpoint's standard). Resuming
with another recipe (another teacher file under the same name, another label share, augmentation or network) would
silently train one model on two recipes and record only the second, so such a resume is refused before any data is
read.
"""

import csv
import json
import logging
import math
import os
import time

__all__ = ["RECIPE_KEYS", "TimeLimit", "best_so_far", "check_resume", "finished_epochs", "write_config"]

logger = logging.getLogger("nk_qrs_lstm")

CONFIG_FILE = "train_config.json"
BACKUP_DIR = "backup"

#: Configuration entries that define what is trained; a resumed run must keep them (the epochs, time limit,
#: patience and number of workers may change between the parts of a run).
RECIPE_KEYS = ("seed", "steps", "batch_size", "lr", "model_kwargs", "augment", "normalisation", "split_seed",
               "train_records", "validation_records", "init", "init_matching", "wide_qrs_weight", "boundary_weight",
               "frozen", "teacher_sha256", "label_share", "teacher_disagreement")


def finished_epochs(out):
    """Epochs an interrupted run in ``out`` already trained (``BackupAndRestore``'s record); 0 for a new run."""
    path = os.path.join(out, BACKUP_DIR, "training_metadata.json")
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        return int(json.load(f)["epoch"])


def _normal(value, key=None):
    """``value`` as JSON gives it back (tuples as lists), so a written and a new configuration compare equal; no
    ``model_kwargs`` (None, as runs before the sixteenth session wrote it) is the empty one, and no
    ``teacher_disagreement`` (runs before the seventeenth session, or without a teacher) is ``"mix"``."""
    if key == "model_kwargs" and not value:
        return {}
    if key == "teacher_disagreement" and value is None:
        return "mix"
    return json.loads(json.dumps(value))


def check_resume(out, config):
    """Refuse to continue an interrupted run in ``out`` with another recipe than the one it started with.

    Parameters
    ----------
    out : str
        The run's folder.
    config : dict
        The new run's configuration (at least :data:`RECIPE_KEYS`).

    Returns
    -------
    int
        The epochs already trained (0 for a new run, which is never refused).

    Raises
    ------
    ValueError
        Naming each recipe entry that differs, with the started run's value and the new one.

    Examples
    --------
    >>> import tempfile
    >>> check_resume(tempfile.mkdtemp(), {"seed": 0})
    0
    """
    epochs = finished_epochs(out)
    path = os.path.join(out, CONFIG_FILE)
    if not epochs or not os.path.exists(path):
        return epochs
    with open(path) as f:
        started = json.load(f)
    changed = [f"{key}: {started.get(key)!r} -> {_normal(config.get(key), key)!r}" for key in RECIPE_KEYS
               if _normal(config.get(key), key) != _normal(started.get(key), key)]
    if changed:
        raise ValueError(f"out={out!r} holds a run interrupted after {epochs} epochs with another recipe "
                         f"({'; '.join(changed)}): give its own settings to continue it, or another out to start "
                         "a new run")
    return epochs


def write_config(out, config):
    """Write ``config`` as the run's ``train_config.json``."""
    with open(os.path.join(out, CONFIG_FILE), "w") as f:
        json.dump(config, f, indent=1)


class TimeLimit:
    """Keras callback stopping training after ``minutes`` of wall time; ``reached`` says whether it did."""

    def __new__(cls, minutes):
        import keras

        class _TimeLimit(keras.callbacks.Callback):
            reached = False

            def on_train_begin(self, logs=None):
                self.t0, self.reached = time.time(), False

            def on_epoch_end(self, epoch, logs=None):
                if logs is not None:  # wall time since this (possibly resumed) run began, for the history
                    logs["wall_s"] = round(time.time() - self.t0, 1)
                if minutes and (time.time() - self.t0) / 60 > minutes:
                    logger.info("time limit of %s min reached after epoch %d: the same command continues the run",
                                minutes, epoch + 1)
                    self.model.stop_training, self.reached = True, True

        return _TimeLimit()


def best_so_far(out, monitor="val_loss"):
    """The best (lowest) ``monitor`` in the run's ``history.csv``, for a resumed run's checkpoint; None without one.

    A resumed run's :class:`keras.callbacks.ModelCheckpoint` would otherwise start from no best at all and
    overwrite ``best.keras`` with the first epoch after the resume, however worse it is.

    Examples
    --------
    >>> import tempfile
    >>> best_so_far(tempfile.mkdtemp()) is None
    True
    """
    path = os.path.join(out, "history.csv")
    if not os.path.exists(path):
        return None
    with open(path, newline="") as f:
        values = [float(row[monitor]) for row in csv.DictReader(f) if row.get(monitor) not in (None, "")]
    values = [v for v in values if math.isfinite(v)]
    return min(values) if values else None
