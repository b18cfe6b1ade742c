"""Running the shipped network: integrity-checked loading and batched prediction.

The only module that touches a model runtime. ONNX Runtime is the default
backend (light install, fast); TensorFlow/Keras, compiled, is an alternative
(``backend="tensorflow"``) that needs the ``train`` extra.
"""

import functools
import hashlib
import json
import os
from importlib import resources

import numpy as np

from ._checks import check_option

BACKENDS = ("onnx", "tensorflow")
BATCH_WINDOWS = 16  # windows per runtime call: bounds memory for any length; small batches stay in cache


class ModelIntegrityError(RuntimeError):
    """A shipped model file is missing or does not match its recorded SHA-256."""


MODEL_DIR_ENV = "NK_QRS_LSTM_MODEL_DIR"  # a folder written by nk_qrs_lstm.training.export, to run your own model


def model_dir():
    """Folder of the weights and model card in use.

    The shipped model, unless ``$NK_QRS_LSTM_MODEL_DIR`` names a folder written
    by ``python -m nk_qrs_lstm.training.export`` (its files are hash-checked the same way).
    """
    return os.environ.get(MODEL_DIR_ENV) or str(resources.files("nk_qrs_lstm").joinpath("models"))


def model_card():
    """The shipped model card (data, split, seed, command, versions, metrics).

    Examples
    --------
    >>> sorted(model_card()["files"])
    ['nk_qrs_lstm.keras', 'nk_qrs_lstm.onnx']
    """
    path = os.path.join(model_dir(), "model_card.json")
    if not os.path.exists(path):
        raise ModelIntegrityError(f"The model card {path!r} is missing; reinstall nk-qrs-lstm.")
    with open(path) as f:
        return json.load(f)


def verified_path(filename, directory=None):
    """Return the path of a shipped model file after checking its SHA-256.

    Raises
    ------
    ModelIntegrityError
        If the file is missing or its hash differs from the model card's.
    """
    directory = directory or model_dir()
    path = os.path.join(directory, filename)
    with open(os.path.join(directory, "model_card.json")) as f:
        expected = json.load(f)["files"][filename]["sha256"]
    if not os.path.exists(path):
        raise ModelIntegrityError(f"The model file {path!r} is missing; reinstall nk-qrs-lstm.")
    digest = file_sha256(path)
    if digest != expected:
        raise ModelIntegrityError(
            f"The model file {path!r} is corrupted: its SHA-256 is {digest}, expected {expected}. "
            "Reinstall nk-qrs-lstm."
        )
    return path


def file_sha256(path):
    """SHA-256 hex digest of a file (read in 1-MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


THREADS_ENV = "NK_QRS_LSTM_NUM_THREADS"  # set to cap ONNX Runtime's threads (e.g. 1 per Dask worker)


def _threads():
    """Intra-op threads: ``$NK_QRS_LSTM_NUM_THREADS`` if set, else the usable cores (at most 4)."""
    env = os.environ.get(THREADS_ENV)
    if env:
        return max(1, int(env))
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(usable, 4))


@functools.lru_cache(maxsize=4)
def _onnx_runner(directory):
    import onnxruntime as ort

    path = verified_path("nk_qrs_lstm.onnx", directory)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = _threads()  # set deliberately: no over-subscription
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    return lambda x: session.run(None, {"ecg": x})[0]


@functools.lru_cache(maxsize=4)
def _tensorflow_runner(directory):
    try:
        import keras
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ImportError(
            "backend='tensorflow' needs TensorFlow and Keras: pip install 'nk-qrs-lstm[train]'"
        ) from err
    model = keras.saving.load_model(verified_path("nk_qrs_lstm.keras", directory), compile=False)
    return lambda x: np.asarray(model.predict_on_batch(x))  # compiled, never eager per call


def get_runner(backend="onnx", directory=None):
    """Return a cached function ``f(windows (n, t, 1) float32) -> (n, t, 4)``."""
    check_option("backend", backend, BACKENDS)
    directory = directory or model_dir()
    return (_onnx_runner if backend == "onnx" else _tensorflow_runner)(directory)


def predict_windows(windows, backend="onnx", directory=None):
    """Class probabilities for normalised windows, run in batches.

    Parameters
    ----------
    windows : ndarray, shape (n_windows, window)
        Normalised signal windows at the model rate.
    backend : {"onnx", "tensorflow"}

    Returns
    -------
    ndarray of float32, shape (n_windows, window, 4)
    """
    run = get_runner(backend, directory)
    x = np.ascontiguousarray(windows, dtype=np.float32)[..., None]
    out = [run(x[i : i + BATCH_WINDOWS]) for i in range(0, len(x), BATCH_WINDOWS)]
    return np.concatenate(out, axis=0)
