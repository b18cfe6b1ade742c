"""Running the shipped network: integrity-checked loading and batched prediction.

The only module that touches a model runtime. ONNX Runtime is the default
backend (light install, fast); TensorFlow/Keras, compiled, is an alternative
(``backend="tensorflow"``) that needs the ``train`` extra.
"""

import contextlib
import functools
import hashlib
import json
import os
from importlib import resources

import numpy as np

from ._checks import check_option
from .defaults import MODEL_STRIDE, MODEL_STRIDES
from .preprocess import NORMALISATIONS

BACKENDS = ("onnx", "tensorflow")
BATCH_WINDOWS = 16  # windows per runtime call: bounds memory for any length; small batches stay in cache


class ModelIntegrityError(RuntimeError):
    """A model file or card is missing, unreadable, or does not match its recorded SHA-256."""


MODEL_DIR_ENV = "NK_QRS_LSTM_MODEL_DIR"  # a folder written by nk_qrs_lstm.training.export, to run your own model
CARD_FILE = "model_card.json"


def model_dir():
    """Folder of the weights and model card in use.

    The shipped model, unless ``$NK_QRS_LSTM_MODEL_DIR`` names a folder written
    by ``python -m nk_qrs_lstm.training.export`` (its files are hash-checked the same way).
    """
    return os.environ.get(MODEL_DIR_ENV) or str(resources.files("nk_qrs_lstm").joinpath("models"))


@contextlib.contextmanager
def using_model(directory):
    """Run the model in ``directory`` while the block runs, then the one chosen before.

    Sets ``$NK_QRS_LSTM_MODEL_DIR`` (None: unsets it, the shipped model) and
    restores its earlier value on leaving, also after an error: how the
    benchmarks score several exported models in one process.

    Parameters
    ----------
    directory : str or None
        A folder written by ``python -m nk_qrs_lstm.training.export``.

    Examples
    --------
    >>> with using_model(None):
    ...     model_dir().endswith("models")
    True
    """
    before = os.environ.get(MODEL_DIR_ENV)
    if directory:
        os.environ[MODEL_DIR_ENV] = str(directory)
    else:
        os.environ.pop(MODEL_DIR_ENV, None)
    try:
        yield
    finally:
        os.environ.pop(MODEL_DIR_ENV, None)
        if before is not None:
            os.environ[MODEL_DIR_ENV] = before


def model_card(directory=None):
    """The model card (data, split, seed, command, versions, metrics) of the model in use.

    Raises
    ------
    ModelIntegrityError
        If the card is missing or is not a valid card (JSON with a
        ``files`` entry); the message names the file and, when it is set,
        ``$NK_QRS_LSTM_MODEL_DIR``.

    Examples
    --------
    >>> sorted(model_card()["files"])
    ['nk_qrs_lstm.keras', 'nk_qrs_lstm.onnx']
    """
    directory = _check_directory(directory or model_dir())
    path = os.path.join(directory, CARD_FILE)
    if not os.path.isfile(path):
        raise ModelIntegrityError(f"The model card {path!r} is missing{_remedy(directory)}")
    try:
        with open(path, encoding="utf-8") as f:
            card = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelIntegrityError(f"The model card {path!r} is not valid JSON ({err}){_remedy(directory)}") from err
    if not isinstance(card, dict) or not isinstance(card.get("files"), dict):
        raise ModelIntegrityError(f"The model card {path!r} has no 'files' entry (the SHA-256 of each model "
                                  f"file){_remedy(directory)}")
    return card


def verified_path(filename, directory=None):
    """Return the path of a shipped model file after checking its SHA-256.

    Raises
    ------
    ModelIntegrityError
        If the card or the file is missing, the card is not valid or does
        not list the file, or the file's hash differs from the card's.
    """
    directory = _check_directory(directory or model_dir())
    path = os.path.join(directory, filename)
    entry = model_card(directory)["files"].get(filename)
    expected = entry.get("sha256") if isinstance(entry, dict) else None
    if not isinstance(expected, str):
        raise ModelIntegrityError(f"The model card {os.path.join(directory, CARD_FILE)!r} gives no SHA-256 for "
                                  f"{filename!r}{_remedy(directory)}")
    if not os.path.isfile(path):
        raise ModelIntegrityError(f"The model file {path!r} is missing{_remedy(directory)}")
    digest = file_sha256(path)
    if digest != expected:
        raise ModelIntegrityError(
            f"The model file {path!r} is corrupted: its SHA-256 is {digest}, expected {expected}{_remedy(directory)}"
        )
    return path


def _from_env(directory):
    """Whether ``directory`` is the one named by ``$NK_QRS_LSTM_MODEL_DIR``."""
    env = os.environ.get(MODEL_DIR_ENV)
    return bool(env) and os.path.abspath(env) == os.path.abspath(directory)


def _remedy(directory):
    """End of an integrity message: what to do, naming the variable when it chose the folder."""
    if _from_env(directory):
        return (f". {MODEL_DIR_ENV} is set to {os.environ[MODEL_DIR_ENV]!r}: point it to a folder written by "
                "'python -m nk_qrs_lstm.training.export', or unset it to use the shipped model.")
    return ". Reinstall nk-qrs-lstm."


def _check_directory(directory):
    if not os.path.isdir(directory):
        raise ModelIntegrityError(f"The model folder {directory!r} does not exist{_remedy(directory)}")
    return directory


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
        try:
            threads = int(env)
        except ValueError:
            threads = 0
        if threads < 1:
            raise ValueError(f"{THREADS_ENV} == {env!r}, must be a positive integer (ONNX Runtime's threads); "
                             "unset it to use the usable cores (at most 4).")
        return threads
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
    try:
        session = ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime's own classes (InvalidProtobuf, Fail, ...) are not importable names
        raise _unloadable(path, directory, err) from err
    return lambda x: session.run(None, {"ecg": x})[0]


@functools.lru_cache(maxsize=4)
def _tensorflow_runner(directory):
    try:
        import keras
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ImportError(
            "backend='tensorflow' needs TensorFlow and Keras: pip install 'nk-qrs-lstm[train]'"
        ) from err
    path = verified_path("nk_qrs_lstm.keras", directory)
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as err:  # zip, HDF5 or deserialisation errors, whatever Keras raises
        raise _unloadable(path, directory, err) from err
    return lambda x: np.asarray(model.predict_on_batch(x))  # compiled, never eager per call


def _unloadable(path, directory, err):
    return ModelIntegrityError(f"The model file {path!r} matches its card but cannot be loaded "
                               f"({type(err).__name__}: {str(err).strip()}){_remedy(directory)}")


def normalisation(directory=None):
    """The window normalisation the model in use was trained with (its card's ``preprocessing``).

    Models exported before the card recorded it used ``"window"``.

    Examples
    --------
    >>> normalisation() in ("window", "second")
    True
    """
    return _normalisation(directory or model_dir())


@functools.lru_cache(maxsize=4)
def _normalisation(directory):
    method = (model_card(directory).get("preprocessing") or {}).get("normalisation", "window")
    if method not in NORMALISATIONS:
        raise ModelIntegrityError(f"The model card in {directory!r} asks for normalisation {method!r}; this "
                                  f"version knows {', '.join(map(repr, NORMALISATIONS))}{_remedy(directory)}")
    return method


def model_stride(directory=None):
    """The time reduction of the model in use (its card's ``preprocessing``): windows are a multiple of it.

    Models exported before the card recorded it reduce by ``MODEL_STRIDE`` (4).

    Examples
    --------
    >>> model_stride() in MODEL_STRIDES
    True
    """
    return _model_stride(directory or model_dir())


@functools.lru_cache(maxsize=4)
def _model_stride(directory):
    stride = (model_card(directory).get("preprocessing") or {}).get("stride", MODEL_STRIDE)
    if stride not in MODEL_STRIDES or isinstance(stride, bool):
        raise ModelIntegrityError(f"The model card in {directory!r} gives stride {stride!r}; this version knows "
                                  f"{', '.join(map(str, MODEL_STRIDES))}{_remedy(directory)}")
    return stride


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
