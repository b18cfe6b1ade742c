"""Tests of nk_qrs_lstm.runtime: shipped weights, integrity, backends."""

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from nk_qrs_lstm import runtime
from nk_qrs_lstm.runtime import ModelIntegrityError, get_runner, model_card, model_dir, predict_windows

ENV_REMEDY = (". NK_QRS_LSTM_MODEL_DIR is set to {folder!r}: point it to a folder written by "
              "'python -m nk_qrs_lstm.training.export', or unset it to use the shipped model.")


def _own_model_dir(tmp_path, monkeypatch):
    """A copy of the shipped model folder, chosen with NK_QRS_LSTM_MODEL_DIR."""
    target = tmp_path / "models"
    shutil.copytree(model_dir(), target)
    monkeypatch.setenv("NK_QRS_LSTM_MODEL_DIR", str(target))
    return target


def test_model_card_describes_the_shipped_files():
    """Check that the model card lists both files with hashes that match them."""
    card = model_card()
    assert set(card["files"]) == {"nk_qrs_lstm.keras", "nk_qrs_lstm.onnx"}
    for name in card["files"]:
        runtime.verified_path(name)
        assert card["files"][name]["bytes"] < 5 * 2**20  # shipped weights stay small


def test_corrupted_model_gives_a_clear_error(tmp_path):
    """Check that a flipped byte in the ONNX file raises ModelIntegrityError naming the file."""
    target = tmp_path / "models"
    shutil.copytree(model_dir(), target)
    onnx_path = target / "nk_qrs_lstm.onnx"
    data = bytearray(onnx_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx_path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=r"nk_qrs_lstm\.onnx' is corrupted: its SHA-256 is"):
        get_runner("onnx", directory=str(target))


def test_missing_model_gives_a_clear_error(tmp_path):
    """Check that a missing model file raises ModelIntegrityError naming the file."""
    target = tmp_path / "models"
    shutil.copytree(model_dir(), target)
    (target / "nk_qrs_lstm.onnx").unlink()
    with pytest.raises(ModelIntegrityError, match=r"nk_qrs_lstm\.onnx' is missing"):
        get_runner("onnx", directory=str(target))


def test_unknown_backend():
    """Check that an unknown backend is refused with the allowed values."""
    with pytest.raises(ValueError, match="Allowed values are 'onnx' and 'tensorflow', but got 'torch' instead."):
        get_runner("torch")


def test_onnx_and_tensorflow_give_the_same_probabilities():
    """Check that the ONNX export and the Keras model agree to 1e-5 on real-looking windows."""
    pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2048)).astype(np.float32)
    a = predict_windows(x, backend="onnx")
    b = predict_windows(x, backend="tensorflow")
    assert a.shape == b.shape == (3, 2048, 4)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_delineation_never_imports_tensorflow():
    """Check that importing the package and delineating with the default backend does not import TensorFlow."""
    code = (
        "import sys, numpy as np, nk_qrs_lstm\n"
        "t = np.arange(5000) / 500\n"
        "nk_qrs_lstm.ecg_delineate(np.sin(2 * np.pi * 1.2 * t) ** 15, sampling_rate=500)\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["False", "False"]


def test_empty_model_dir_names_the_card_and_the_variable(tmp_path, monkeypatch):
    """Check that NK_QRS_LSTM_MODEL_DIR naming an empty folder raises ModelIntegrityError naming the card."""
    monkeypatch.setenv("NK_QRS_LSTM_MODEL_DIR", str(tmp_path))
    card = str(tmp_path / "model_card.json")
    expected = f"The model card {card!r} is missing" + ENV_REMEDY.format(folder=str(tmp_path))
    with pytest.raises(ModelIntegrityError, match="^" + re.escape(expected) + "$"):
        get_runner("onnx")
    with pytest.raises(ModelIntegrityError, match="^" + re.escape(expected) + "$"):
        model_card()
    missing = str(tmp_path / "nope")
    monkeypatch.setenv("NK_QRS_LSTM_MODEL_DIR", missing)
    with pytest.raises(ModelIntegrityError, match="^" + re.escape(
        f"The model folder {missing!r} does not exist" + ENV_REMEDY.format(folder=missing)
    ) + "$"):
        get_runner("onnx")


def test_bad_model_card_names_the_card_and_the_variable(tmp_path, monkeypatch):
    """Check that a card that is not JSON, or lacks the file's hash, raises ModelIntegrityError naming it."""
    target = _own_model_dir(tmp_path, monkeypatch)
    card = target / "model_card.json"
    remedy = ENV_REMEDY.format(folder=str(target))
    card.write_text("{not json")
    with pytest.raises(ModelIntegrityError, match="^" + re.escape(
        f"The model card {str(card)!r} is not valid JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))" + remedy
    ) + "$"):
        get_runner("onnx")
    card.write_text(json.dumps({"files": {}}))
    with pytest.raises(ModelIntegrityError, match="^" + re.escape(
        f"The model card {str(card)!r} gives no SHA-256 for 'nk_qrs_lstm.onnx'" + remedy
    ) + "$"):
        get_runner("onnx")


def test_truncated_model_with_a_matching_card_is_an_integrity_error(tmp_path, monkeypatch):
    """Check that an ONNX file that matches its card but cannot be parsed raises ModelIntegrityError naming it."""
    target = _own_model_dir(tmp_path, monkeypatch)
    onnx_path = target / "nk_qrs_lstm.onnx"
    onnx_path.write_bytes(onnx_path.read_bytes()[:5000])
    card = json.loads((target / "model_card.json").read_text())
    card["files"]["nk_qrs_lstm.onnx"]["sha256"] = runtime.file_sha256(onnx_path)
    (target / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError, match="^" + re.escape(
        f"The model file {str(onnx_path)!r} matches its card but cannot be loaded (InvalidProtobuf: "
    ) + r".*\)" + re.escape(ENV_REMEDY.format(folder=str(target))) + "$"):
        get_runner("onnx")


@pytest.mark.parametrize("value", ["abc", "0", "-2", "1.5"])
def test_bad_thread_count_names_the_variable(tmp_path, monkeypatch, value):
    """Check that NK_QRS_LSTM_NUM_THREADS that is not a positive integer raises a ValueError naming it."""
    target = tmp_path / "models"  # a folder of its own: a new session, not the cached one
    shutil.copytree(model_dir(), target)
    monkeypatch.setenv("NK_QRS_LSTM_NUM_THREADS", value)
    with pytest.raises(ValueError, match="^" + re.escape(
        f"NK_QRS_LSTM_NUM_THREADS == {value!r}, must be a positive integer (ONNX Runtime's threads); unset it to "
        "use the usable cores (at most 4)."
    ) + "$"):
        get_runner("onnx", directory=str(target))
    monkeypatch.setenv("NK_QRS_LSTM_NUM_THREADS", "1")
    assert get_runner("onnx", directory=str(target))(np.zeros((1, 2048, 1), np.float32)).shape == (1, 2048, 4)


def test_inference_uses_the_normalisation_of_the_model_card(monkeypatch):
    """Check that the pipeline normalises windows with the method the model card names."""
    from nk_qrs_lstm import pipeline, runtime

    seen = []
    real = pipeline.normalise

    def spy(windows, return_flat=False, method="window"):
        seen.append(method)
        return real(windows, return_flat=return_flat, method=method)

    monkeypatch.setattr(pipeline, "normalise", spy)
    monkeypatch.setattr(pipeline, "normalisation", lambda: "second")
    ecg = np.sin(np.arange(5000) / 20.0)
    list(pipeline.iter_proba(ecg, pipeline.RateMap.for_rate(500)))
    assert seen == ["second"]
    assert runtime.normalisation() == (runtime.model_card().get("preprocessing") or {}).get("normalisation", "window")


@pytest.mark.parametrize("stride, expected", [(None, 4), (8, 8), (3, None), (True, None)])
def test_model_stride_is_read_from_the_card(tmp_path, monkeypatch, stride, expected):
    """Check that the network's time reduction comes from its card (4 for cards written before it was recorded)
    and that one the runtime does not know is an integrity error naming the card's folder and value."""
    target = _own_model_dir(tmp_path, monkeypatch)
    card = json.loads((target / "model_card.json").read_text())
    card["preprocessing"] = {"normalisation": "second", **({} if stride is None else {"stride": stride})}
    (target / "model_card.json").write_text(json.dumps(card))
    if expected is None:
        with pytest.raises(ModelIntegrityError, match="^" + re.escape(
            f"The model card in {str(target)!r} gives stride {stride!r}; this version knows 1, 2, 4, 8"
            + ENV_REMEDY.format(folder=str(target))) + "$"):
            runtime.model_stride()
    else:
        assert runtime.model_stride() == expected


def test_short_signal_is_padded_to_the_model_stride(monkeypatch):
    """Check that a signal shorter than one window is run in one window padded to a multiple of the model's
    stride as its card gives it (a stride-8 network cannot run 1004 samples: its upsampled track would not
    match the full-rate one)."""
    from nk_qrs_lstm import pipeline

    lengths = []
    real = pipeline.predict_windows

    def spy(windows, backend="onnx"):
        lengths.append(windows.shape[-1])
        return real(windows, backend=backend)

    monkeypatch.setattr(pipeline, "predict_windows", spy)
    monkeypatch.setattr(pipeline, "model_stride", lambda: 8)
    ecg = np.sin(np.arange(1001) / 20.0)  # at 250 Hz: 1001 model samples
    proba, _ = pipeline.predict_proba(ecg, pipeline.RateMap.for_rate(250))
    assert lengths == [1008] and proba.shape == (1001, 4)


def test_using_model_switches_the_folder_for_the_block_and_restores_it(tmp_path, monkeypatch):
    """Check that ``runtime.using_model`` sets the model folder inside the block (None: the shipped one) and
    restores the caller's choice, set or unset, also after an error."""
    shipped = runtime.model_dir()
    monkeypatch.delenv(runtime.MODEL_DIR_ENV, raising=False)
    with runtime.using_model(tmp_path):
        assert runtime.model_dir() == str(tmp_path)
    assert runtime.MODEL_DIR_ENV not in os.environ and runtime.model_dir() == shipped
    monkeypatch.setenv(runtime.MODEL_DIR_ENV, "mine")
    with pytest.raises(KeyError), runtime.using_model(None):
        assert runtime.model_dir() == shipped
        raise KeyError("inside")
    assert os.environ[runtime.MODEL_DIR_ENV] == "mine"
