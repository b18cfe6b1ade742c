"""A tiny smoke training: the pipeline runs end to end and gives a loadable, exportable model."""

import json

import numpy as np
import pytest

from nk_qrs_lstm.training import datasets

keras = pytest.importorskip("keras")
pytest.importorskip("onnx")


def test_split_never_trains_on_test_records():
    """Check that the records the training reads are disjoint from the LUDB test split."""
    splits = datasets.load_splits()
    used = set(splits["ludb"]["train"]) | set(splits["ludb"]["validation"])
    assert not used & set(splits["ludb"]["test"])


def test_smoke_training_and_export(tmp_path, ludb_path, qtdb_path):
    """Check that two training steps on two records save a model that exports to ONNX with equal outputs."""
    from nk_qrs_lstm.training.export import export
    from nk_qrs_lstm.training.train import train

    best = train(str(tmp_path / "run"), ludb_path=ludb_path, qtdb_path=qtdb_path, epochs=1, steps=2,
                 batch_size=4, limit_records=1, verbose=0)
    config = json.loads((tmp_path / "run" / "train_config.json").read_text())
    assert not set(config["train_records"]["ludb"]) & set(datasets.load_splits()["ludb"]["test"])
    model = keras.saving.load_model(best, compile=False)
    x = np.random.default_rng(0).standard_normal((1, 512, 1)).astype("float32")
    proba = np.asarray(model.predict_on_batch(x))
    np.testing.assert_allclose(proba.sum(axis=-1), 1, atol=1e-5)
    with pytest.raises(ValueError, match=r"^card\['preprocessing'\]\['normalisation'\] == None, must be one of"):
        export(best, str(tmp_path / "models"), {"note": "smoke"})  # the runtime could not prepare its input
    card = export(best, str(tmp_path / "models"), {"note": "smoke", "preprocessing": {"normalisation": "second"}})
    assert card["keras_onnx_max_abs_diff"] < 1e-4
    assert set(card["files"]) == {"nk_qrs_lstm.keras", "nk_qrs_lstm.onnx"}


def test_smoke_training_from_items_cache_with_workers(tmp_path, ludb_path, qtdb_path):
    """Check that a run drawing batches in worker processes writes the items cache, then trains from it alone.

    The second run points at missing databases: it can only have read the cache (a machine with the cache and
    without the databases, e.g. an accelerator machine, trains the same way).
    """
    from nk_qrs_lstm.training.train import train

    cache = tmp_path / "items"
    train(str(tmp_path / "a"), ludb_path=ludb_path, qtdb_path=qtdb_path, epochs=1, steps=2, batch_size=4,
          limit_records=1, verbose=0, items_cache=str(cache), workers=2)
    assert sorted(p.name for p in cache.iterdir()) == ["train.npz", "validation.npz"]
    best = train(str(tmp_path / "b"), ludb_path=str(tmp_path / "none"), qtdb_path=str(tmp_path / "none"),
                 epochs=1, steps=2, batch_size=4, limit_records=1, verbose=0, items_cache=str(cache), workers=1)
    config = json.loads((tmp_path / "b" / "train_config.json").read_text())
    assert config["workers"] == 1
    assert keras.saving.load_model(best, compile=False).output_shape == (None, None, 4)


def test_init_starts_from_the_given_weights_and_refuses_another_network(tmp_path, ludb_path, qtdb_path):
    """Check that ``init=`` copies a model's weights before training and names the mismatch of another network."""
    from nk_qrs_lstm.training.model import build_model
    from nk_qrs_lstm.training.train import train

    start = build_model(seed=3, lstm_units=8, conv_filters=8)
    start.save(tmp_path / "start.keras")
    kwargs = dict(ludb_path=ludb_path, qtdb_path=qtdb_path, epochs=0, steps=1, batch_size=2, limit_records=1,
                  verbose=0, init=str(tmp_path / "start.keras"))
    best = train(str(tmp_path / "a"), model_kwargs={"lstm_units": 8, "conv_filters": 8}, **kwargs)
    for got, want in zip(keras.saving.load_model(best, compile=False).get_weights(), start.get_weights()):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="its network differs from the one asked for"):
        train(str(tmp_path / "b"), model_kwargs={"lstm_units": 16, "conv_filters": 8}, **kwargs)


def test_frozen_layers_keep_their_start_while_the_others_train(tmp_path, ludb_path, qtdb_path):
    """Check that ``frozen=`` layers end training with the weights they started from, the others move, the run's
    config records them, and an unknown layer name is refused naming the network's layers."""
    import json

    from nk_qrs_lstm.training.model import build_model
    from nk_qrs_lstm.training.train import train

    start = build_model(seed=3, lstm_units=8, conv_filters=8)
    start.save(tmp_path / "start.keras")
    kwargs = dict(ludb_path=ludb_path, qtdb_path=qtdb_path, epochs=1, steps=2, batch_size=2, limit_records=1,
                  verbose=0, init=str(tmp_path / "start.keras"), model_kwargs={"lstm_units": 8, "conv_filters": 8})
    train(str(tmp_path / "a"), frozen=["fine", "down0", "head"], **kwargs)
    trained = keras.saving.load_model(tmp_path / "a" / "last.keras", compile=False)
    for name in ("fine", "down0", "head"):
        for got, want in zip(trained.get_layer(name).get_weights(), start.get_layer(name).get_weights()):
            np.testing.assert_array_equal(got, want)
    moved = [not np.array_equal(g, w) for g, w in zip(trained.get_layer("bilstm0").get_weights(),
                                                       start.get_layer("bilstm0").get_weights())]
    assert any(moved)
    assert json.loads((tmp_path / "a" / "train_config.json").read_text())["frozen"] == ["fine", "down0", "head"]
    with pytest.raises(ValueError, match="'nope' not a layer of the network; its layers are"):
        train(str(tmp_path / "b"), frozen=["nope"], **kwargs)


def test_init_weights_copies_the_shared_layers_when_asked():
    """Check that ``init_weights(matching=True)`` copies the layers of the same name and shapes and seeds the rest
    (a stride-8 network started from a stride-4 one), and that without it the differing layers are named."""
    from nk_qrs_lstm.training.model import build_model
    from nk_qrs_lstm.training.model import init_weights

    start = build_model(seed=3, lstm_units=8, conv_filters=8, stride=4)
    model = build_model(seed=4, lstm_units=8, conv_filters=8, stride=8)
    seeded = model.get_layer("down2").get_weights()
    with pytest.raises(ValueError, match=r"its network differs from the one asked for \(layers down2\); pass "
                                         r"init_matching=True"):
        init_weights(model, start, name="start.keras")
    copied = init_weights(model, start, matching=True)
    assert copied == ["fine", "down0", "down1", "bilstm0", "bilstm1", "head", "proba"]
    for name in copied:
        for got, want in zip(model.get_layer(name).get_weights(), start.get_layer(name).get_weights()):
            np.testing.assert_array_equal(got, want)
    for got, want in zip(model.get_layer("down2").get_weights(), seeded):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="shares no layer"):
        init_weights(model, keras.Sequential([keras.Input((None, 1)), keras.layers.Dense(3, name="other")]),
                     matching=True)


def test_a_run_stopped_by_its_time_limit_continues_with_the_same_command(tmp_path, ludb_path, qtdb_path):
    """Check that ``max_minutes`` keeps the backup (Keras deletes it after a finished run), that the same command
    then continues from the next epoch without lowering the best checkpoint's standard, and that a run ending by
    its epochs deletes the backup, so that a later run there starts afresh."""
    from nk_qrs_lstm.training.runs import BACKUP_DIR, finished_epochs
    from nk_qrs_lstm.training.train import train

    out = tmp_path / "run"
    kwargs = dict(ludb_path=ludb_path, qtdb_path=qtdb_path, epochs=3, steps=1, batch_size=2, limit_records=1,
                  verbose=0)
    train(str(out), max_minutes=1e-6, **kwargs)  # stops after its first epoch
    assert finished_epochs(str(out)) == 1 and (out / BACKUP_DIR).is_dir()
    epochs = lambda: [int(line.split(",")[0]) for line in (out / "history.csv").read_text().splitlines()[1:]]
    assert epochs() == [0]
    train(str(out), max_minutes=1e-6, **kwargs)
    assert epochs() == [0, 1] and finished_epochs(str(out)) == 2
    train(str(out), **kwargs)  # no limit: its last epoch, then done
    assert epochs() == [0, 1, 2] and not (out / BACKUP_DIR).exists()


def test_best_so_far_reads_the_lowest_validation_loss_of_the_history(tmp_path):
    """Check ``runs.best_so_far``: the lowest finite ``val_loss`` of ``history.csv``, None without a file or value."""
    from nk_qrs_lstm.training.runs import best_so_far

    assert best_so_far(str(tmp_path)) is None
    (tmp_path / "history.csv").write_text("epoch,loss,val_loss\n0,1.0,0.5\n1,0.9,nan\n2,0.8,0.25\n3,0.7,0.3\n")
    assert best_so_far(str(tmp_path)) == 0.25
    (tmp_path / "history.csv").write_text("epoch,loss,val_loss\n0,1.0,\n")
    assert best_so_far(str(tmp_path)) is None
