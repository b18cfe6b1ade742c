"""Tests of nk_qrs_lstm.runtime: shipped weights, integrity, backends."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from nk_qrs_lstm import runtime
from nk_qrs_lstm.runtime import ModelIntegrityError, get_runner, model_card, model_dir, predict_windows


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
