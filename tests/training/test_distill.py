"""Distillation targets: a trained network's probabilities mixed with the expert labels."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nk_qrs_lstm.defaults import CLASSES
from nk_qrs_lstm.training.distill import Teacher, distilled, one_hot, soft_targets

N = len(CLASSES)


def _probabilities(rng, shape):
    p = rng.random(shape + (N,)).astype(np.float32)
    return p / p.sum(axis=-1, keepdims=True)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), share=st.floats(0, 1), unlabelled=st.floats(0, 3))
def test_soft_targets_are_distributions_with_the_labels_share(seed, share, unlabelled):
    """Check that targets sum to 1, labelled samples hold ``share`` of their label, unlabelled the teacher's alone."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, N, size=(3, 50))
    w = np.where(rng.random((3, 50)) < 0.3, 0.0, rng.choice([1.0, 2.0], size=(3, 50)))
    p = _probabilities(rng, (3, 50))
    target, weight = soft_targets(y, w, p, label_share=share, unlabelled_weight=unlabelled)
    np.testing.assert_allclose(target.sum(axis=-1), 1, atol=1e-5)
    labelled = w > 0
    got = np.take_along_axis(target, y[..., None], axis=-1)[..., 0]
    want = share + (1 - share) * np.take_along_axis(p, y[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(got[labelled], want[labelled], atol=1e-5)
    np.testing.assert_allclose(target[~labelled], p[~labelled], atol=1e-6)
    np.testing.assert_array_equal(weight[labelled], w[labelled])
    np.testing.assert_allclose(weight[~labelled], np.float32(unlabelled))  # float32 weights


def test_labels_only_gives_the_one_hot_targets_and_weights():
    """Check that ``label_share=1`` and ``unlabelled_weight=0`` give the plain labelled training back."""
    rng = np.random.default_rng(1)
    y, w = rng.integers(0, N, size=(2, 30)), np.r_[np.zeros(5), np.ones(25)][None].repeat(2, 0)
    target, weight = soft_targets(y, w, _probabilities(rng, (2, 30)), label_share=1.0, unlabelled_weight=0.0)
    np.testing.assert_array_equal(target[w > 0], one_hot(y)[w > 0])
    np.testing.assert_array_equal(weight, w)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), share=st.floats(0, 1))
def test_disagreeing_samples_get_the_label_alone(seed, share):
    """Check that with ``disagreement="labels"`` a labelled sample the teacher gets wrong has its one-hot label as
    target, one it gets right the usual mixture, and an unlabelled one the teacher's probabilities."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, N, size=(2, 60))
    w = np.where(rng.random((2, 60)) < 0.3, 0.0, 1.0)
    p = _probabilities(rng, (2, 60))
    target, _ = soft_targets(y, w, p, label_share=share, disagreement="labels")
    mixed, _ = soft_targets(y, w, p, label_share=share)
    wrong = (p.argmax(axis=-1) != y) & (w > 0)
    assert wrong.any() and (~wrong & (w > 0)).any()
    np.testing.assert_array_equal(target[wrong], one_hot(y)[wrong])
    np.testing.assert_array_equal(target[~wrong], mixed[~wrong])


@pytest.mark.parametrize("kwargs, message", [
    (dict(disagreement="teacher"), r"^disagreement == 'teacher', must be one of \('mix', 'labels'\)"),
    (dict(label_share=1.5), r"^label_share == 1.5, must be within \[0, 1\]"),
    (dict(unlabelled_weight=-1), r"^unlabelled_weight == -1, must be >= 0"),
    (dict(teacher_p=np.zeros((1, 9, N))), r"^teacher_p has shape \(1, 9, 4\), must be the labels' \(1, 10\)"),
])
def test_soft_targets_name_the_bad_parameter(kwargs, message):
    args = dict(y=np.zeros((1, 10), int), weight=np.ones((1, 10)), teacher_p=np.full((1, 10, N), 1 / N))
    with pytest.raises(ValueError, match=message):
        soft_targets(**{**args, **kwargs})


def test_distilled_keeps_a_datasets_length_and_epochs_and_converts_generators():
    """Check that a PyDataset keeps its length and epoch hook, and a generator's batches are converted alike."""
    pytest.importorskip("keras")

    class Data:
        epoch = 0

        def __len__(self):
            return 3

        def on_epoch_end(self):
            self.epoch += 1

        def __getitem__(self, idx):
            return np.full((1, 8, 1), idx, np.float32), np.full((1, 8), idx % N), np.ones((1, 8), np.float32)

    def teacher(x):
        return np.full(x.shape[:2] + (N,), 1 / N, np.float32)

    data = Data()
    wrapped = distilled(data, teacher, label_share=0.5)
    assert len(wrapped) == 3
    x, target, weight = wrapped[2]
    np.testing.assert_allclose(target[0, 0], 0.5 * one_hot(2) + 0.5 / N)
    wrapped.on_epoch_end()
    assert data.epoch == 1
    x2, target2, _ = next(distilled((data[i] for i in range(3)), teacher))
    np.testing.assert_array_equal(target2, distilled(data, teacher)[0][1])


def test_smoke_distillation_from_the_shipped_network(tmp_path, ludb_path, qtdb_path):
    """Check that a run with the shipped ONNX network as teacher trains a stride-8 network and records it."""
    pytest.importorskip("keras")
    from nk_qrs_lstm.runtime import verified_path
    from nk_qrs_lstm.training.export import training_card
    from nk_qrs_lstm.training.train import train

    onnx = verified_path("nk_qrs_lstm.onnx")
    x = np.random.default_rng(0).standard_normal((2, 2048, 1)).astype(np.float32)
    np.testing.assert_allclose(Teacher(onnx)(x).sum(axis=-1), 1, atol=1e-5)
    train(str(tmp_path / "run"), ludb_path=ludb_path, qtdb_path=qtdb_path, epochs=1, steps=2, batch_size=2,
          limit_records=1, verbose=0, normalisation="second", teacher=onnx, label_share=0.3,
          teacher_disagreement="labels", model_kwargs={"stride": 8, "lstm_units": 8, "conv_filters": 8})
    config = json.loads((tmp_path / "run" / "train_config.json").read_text())
    assert (config["teacher"], config["label_share"], config["teacher_disagreement"]) == (onnx, 0.3, "labels")
    history = (tmp_path / "run" / "history.csv").read_text()
    assert "val_categorical_accuracy" in history and "nan" not in history.lower()
    card = training_card(str(tmp_path / "run"))  # the model card says how it was trained, and from what
    assert f"--teacher {onnx} --label-share 0.3 --teacher-disagreement labels" in card["command"]
    assert 0 < card["best_val_accuracy"] <= 1
    from nk_qrs_lstm.runtime import file_sha256

    assert card["teacher"] == {"path": onnx, "sha256": file_sha256(onnx), "label_share": 0.3,
                               "disagreement": "labels"}


def test_a_teacher_is_checked_before_training(tmp_path):
    """Check that a missing teacher, a label share outside [0, 1] and a normalisation unlike the teacher's card are
    refused with the parameter named, before any data is read."""
    from nk_qrs_lstm.runtime import verified_path
    from nk_qrs_lstm.training.distill import check_teacher
    from nk_qrs_lstm.training.train import train

    onnx = verified_path("nk_qrs_lstm.onnx")  # its card says "second"
    check_teacher(onnx, 0.5, "second")
    with pytest.raises(ValueError, match=r"^teacher == '.*nope.onnx': no such file"):
        check_teacher(str(tmp_path / "nope.onnx"), 0.5, "second")
    with pytest.raises(ValueError, match=r"^label_share == -0.1, must be within \[0, 1\]"):
        check_teacher(onnx, -0.1, "second")
    with pytest.raises(ValueError, match=r"^normalisation == 'window', must be the teacher's \('second', from "):
        train(str(tmp_path / "run"), ludb_path=str(tmp_path / "none"), qtdb_path=str(tmp_path / "none"),
              teacher=onnx, normalisation="window")
    assert not (tmp_path / "run").exists()


def test_distillation_options_without_a_teacher_are_refused_by_train(tmp_path):
    """Check that ``train`` does not silently ignore a label share or disagreement rule given without a teacher."""
    from nk_qrs_lstm.training.train import train

    for kwargs in (dict(label_share=0.2), dict(teacher_disagreement="labels")):
        with pytest.raises(ValueError, match=r"need a teacher .*teacher is None"):
            train(str(tmp_path / "run"), ludb_path=str(tmp_path / "none"), qtdb_path=str(tmp_path / "none"), **kwargs)
    assert not (tmp_path / "run").exists()


def test_label_share_without_a_teacher_is_refused_on_the_command_line(capsys):
    """Check that ``--label-share`` without ``--teacher`` is an error naming both, not silently ignored."""
    from nk_qrs_lstm.training.train import main

    for option in (["--label-share", "0.2"], ["--teacher-disagreement", "labels"]):
        with pytest.raises(SystemExit):
            main(["--out", "unused", *option])
        assert "--label-share and --teacher-disagreement need --teacher" in capsys.readouterr().err
