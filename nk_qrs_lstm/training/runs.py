"""A training run's folder: its configuration, and whether an interrupted run may continue there.

A run is resumed by giving the same command again (``BackupAndRestore`` keeps the last finished epoch). Resuming
with another recipe (another teacher file under the same name, another label share, augmentation or network) would
silently train one model on two recipes and record only the second, so such a resume is refused before any data is
read.
"""

import json
import os

__all__ = ["RECIPE_KEYS", "check_resume", "finished_epochs", "write_config"]

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
