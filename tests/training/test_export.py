"""The ONNX exporter: graphs derived from the Keras model, equal to Keras, refusing what it does not know."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from keras import layers  # noqa: E402

from nk_qrs_lstm.runtime import model_dir  # noqa: E402
from nk_qrs_lstm.training.export import keras_to_onnx, upsampled_conv_kernel  # noqa: E402
from nk_qrs_lstm.training.model import build_model  # noqa: E402
from nk_qrs_lstm.training.onnx_layers import UnsupportedLayerError, supported_layers  # noqa: E402

SHIPPED_KERAS = f"{model_dir()}/nk_qrs_lstm.keras"
SHIPPED_ONNX = f"{model_dir()}/nk_qrs_lstm.onnx"


def _x(shape=(2, 512, 1), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _onnx_run(model_or_path, x):
    source = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    return ort.InferenceSession(source, providers=["CPUExecutionProvider"]).run(None, {"ecg": x})[0]


def _keras_vs_onnx(model, x):
    """Largest |Keras - ONNX| after export, and the exported model."""
    exported = keras_to_onnx(model)
    return float(np.max(np.abs(np.asarray(model.predict_on_batch(x)) - _onnx_run(exported, x)))), exported


def _randomise(model, seed=0):
    """Random non-zero weights everywhere (biases included), so every weight's place is tested."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.4, w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def _ops(exported):
    return [node.op_type for node in exported.graph.node]


@pytest.fixture(scope="module")
def shipped():
    return keras.saving.load_model(SHIPPED_KERAS, compile=False)


def test_shipped_model_equals_keras(shipped):
    """Check that the shipped Keras model exports to an ONNX graph equal to it within 1e-4."""
    diff, exported = _keras_vs_onnx(shipped, _x((2, 2048, 1)))
    assert diff < 1e-4
    graph = exported.graph
    assert [v.name for v in graph.input] == ["ecg"] and [v.name for v in graph.output] == ["proba"]
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in (graph.input[0], graph.output[0])]
    assert dims == [["batch", "time", 1], ["batch", "time", 4]]


def test_reexport_equals_shipped_onnx(shipped):
    """Check that re-exporting the shipped Keras model gives the shipped ONNX model's outputs (within 1e-5)."""
    x = _x((2, 2048, 1), seed=1)
    assert np.max(np.abs(_onnx_run(keras_to_onnx(shipped), x) - _onnx_run(SHIPPED_ONNX, x))) < 1e-5


def test_upsampled_head_is_one_conv_transpose(shipped):
    """Check that UpSampling1D -> Concatenate -> Conv1D is written without the upsampled tensor."""
    ops = _ops(keras_to_onnx(shipped))
    assert ops.count("ConvTranspose") == 1
    assert not {"Concat", "Expand", "Resize", "Upsample"} & set(ops)


@pytest.mark.parametrize("stride", [1, 2, 4, 8])
@pytest.mark.parametrize("n_lstm", [1, 3])
def test_build_model_of_other_sizes(stride, n_lstm):
    """Check that networks of other widths, depths and strides export equal to Keras."""
    model = _randomise(build_model(conv_filters=8, lstm_units=8, n_lstm=n_lstm, stride=stride), seed=stride)
    diff, exported = _keras_vs_onnx(model, _x())
    assert diff < 1e-4
    assert _ops(exported).count("LSTM") == n_lstm
    assert _ops(exported).count("ConvTranspose") == (stride > 1)
    assert [layer.name for layer in model.layers if layer.name.startswith("down")] == [
        f"down{i}" for i in range(max(stride.bit_length() - 1, 1))]  # log2(stride) strided ones (1: one plain)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_build_model_with_narrow_head(cell):
    """Check that the bottleneck, a narrower/shorter head and GRU cells export equal to Keras, head still fused."""
    model = _randomise(build_model(conv_filters=8, lstm_units=6, bottleneck=4, head_filters=5, head_kernel=5,
                                   cell=cell))
    assert model.get_layer("narrow").output.shape[-1] == 4 and model.get_layer("head").kernel.shape == (5, 20, 5)
    diff, exported = _keras_vs_onnx(model, _x())
    assert diff < 1e-4
    assert _ops(exported).count(cell.upper()) == 2 and _ops(exported).count("ConvTranspose") == 1


def test_build_model_refuses_unknown_stride():
    """Check that a time reduction the builder cannot make is refused with the parameter, value and choices."""
    with pytest.raises(ValueError, match="stride == 3, must be one of 1, 2, 4, 8"):
        build_model(stride=3)


def test_build_model_refuses_unknown_cell():
    """Check that an unknown recurrent cell is refused with the parameter, value and choices."""
    with pytest.raises(ValueError, match="cell == 'rnn', must be one of 'lstm', 'gru'"):
        build_model(cell="rnn")


def _mixed_model():
    """GRUs (both reset_after), plain LSTM and GRU, Dense on every layout, Add, a shared UpSampling1D."""
    inp = keras.Input((None, 1), name="signal")
    x_dense = layers.Dense(3, activation="relu", name="dense_in")(inp)  # on the (batch, time, channels) input
    c = layers.Conv1D(8, 4, padding="causal", activation="tanh", name="causal")(inp)
    d = layers.Conv1D(8, 5, strides=2, padding="same", activation="sigmoid", name="down")(
        layers.Concatenate()([c, x_dense]))
    g = layers.Bidirectional(layers.GRU(6, return_sequences=True), name="bigru")(d)
    g = layers.Bidirectional(layers.GRU(5, return_sequences=True, reset_after=False), name="bigru_v1")(g)
    lstm = layers.LSTM(7, return_sequences=True, name="lstm")(g)
    gru = layers.GRU(4, return_sequences=True, name="gru")(layers.Dense(6, activation="tanh", name="dense_rnn")(lstm))
    up = layers.UpSampling1D(2, name="up")(gru)  # also feeds Add: materialised, not fused
    summed = layers.Add(name="add")([up, layers.Dense(4, name="dense_conv")(c)])
    cat = layers.Concatenate(name="cat")([summed, c, up])
    h = layers.Conv1D(6, 3, padding="same", activation="relu", name="head")(cat)
    h = layers.Dropout(0.3)(layers.ReLU()(layers.Conv1D(5, 3, padding="valid", name="valid")(h)))
    out = layers.Softmax(name="out")(layers.Activation("linear")(layers.Dense(4, name="logits")(h)))
    return keras.Model(inp, out)


def _fused_model():
    """Two upsampled inputs of different rates concatenated after a full-rate one, into an even SAME kernel."""
    inp = keras.Input((None, 1))
    fine = layers.Conv1D(4, 3, padding="same", activation="relu")(inp)
    half = layers.Conv1D(6, 3, strides=2, padding="same", activation="relu")(fine)
    quarter = layers.Conv1D(5, 5, strides=2, padding="same", activation="relu")(half)
    cat = layers.Concatenate()([fine, layers.UpSampling1D(2)(half), layers.UpSampling1D(4)(quarter)])
    return keras.Model(inp, layers.Conv1D(4, 6, padding="same", activation="softmax")(cat))


def test_hand_made_model_with_gru_and_dense():
    """Check that a functional model with GRUs, LSTM, Dense, Add and a shared UpSampling1D exports equal to Keras."""
    diff, exported = _keras_vs_onnx(_randomise(_mixed_model()), _x())
    assert diff < 1e-4
    ops = _ops(exported)
    assert ops.count("GRU") == 3 and "ConvTranspose" not in ops and "Expand" in ops
    assert [v.name for v in exported.graph.input] == ["ecg"] and [v.name for v in exported.graph.output] == ["proba"]


def test_several_upsampled_inputs_are_fused():
    """Check that every upsampled input of a fused Conv1D becomes a ConvTranspose (even kernel included)."""
    diff, exported = _keras_vs_onnx(_randomise(_fused_model(), seed=3), _x())
    assert diff < 1e-4
    assert _ops(exported).count("ConvTranspose") == 2 and "Concat" not in _ops(exported)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 9])
@pytest.mark.parametrize("stride", [1, 2, 4])
def test_upsampled_conv_kernel_is_conv_of_upsampled(k, stride):
    """Check that ConvTranspose(x, upsampled_conv_kernel) equals a SAME conv of the upsampled x (NumPy reference)."""
    rng = np.random.default_rng(k * 10 + stride)
    kernel, x = rng.standard_normal((k, 1, 1)), rng.standard_normal(7)
    up = np.pad(np.repeat(x, stride), ((k - 1) // 2, k - 1 - (k - 1) // 2))
    expected = np.array([up[t : t + k] @ kernel[:, 0, 0] for t in range(len(x) * stride)])
    w, (begin, end) = upsampled_conv_kernel(kernel, stride)
    full = np.zeros((len(x) - 1) * stride + w.shape[2])
    for m, value in enumerate(x):  # ConvTranspose: scatter each input sample through the kernel
        full[m * stride : m * stride + w.shape[2]] += value * w[0, 0]
    np.testing.assert_allclose(full[begin : len(full) - end], expected, atol=1e-5)


def _message(name, described, reason):
    return f"Cannot export layer '{name}' ({described}) to ONNX: {reason}"


def test_unknown_layer_is_refused():
    """Check that a layer type without a translator is refused with its name, class and the supported types."""
    inp = keras.Input((None, 1))
    x = layers.LayerNormalization(name="norm")(layers.Conv1D(4, 3, padding="same")(inp))
    expected = _message("norm", "LayerNormalization", "its type is not supported. Supported layer types: "
                        "Activation, Add, Bidirectional(GRU), Bidirectional(LSTM), Concatenate, Conv1D, Dense, "
                        "Dropout, GRU, InputLayer, LSTM, ReLU, Softmax, SpatialDropout1D, UpSampling1D.")
    assert ", ".join(supported_layers()) in expected
    with pytest.raises(UnsupportedLayerError) as error:
        keras_to_onnx(keras.Model(inp, layers.Conv1D(4, 1)(x)))
    assert str(error.value) == expected


def test_unknown_option_is_refused():
    """Check that a Conv1D with dilation 2 is refused, naming the option, its value and the allowed one."""
    inp = keras.Input((None, 1))
    model = keras.Model(inp, layers.Conv1D(4, 3, dilation_rate=2, padding="same", name="dilated")(inp))
    with pytest.raises(UnsupportedLayerError) as error:
        keras_to_onnx(model)
    assert str(error.value) == _message("dilated", "Conv1D", "dilation_rate == (2,), must be 1.")


@pytest.mark.parametrize("make, expected", [
    (lambda: layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True), name="birnn"),
     _message("birnn", "Bidirectional(SimpleRNN)", "its type is not supported. Supported "
              "layer types: " + ", ".join(supported_layers()) + ".")),
    (lambda: layers.LSTM(3, name="last"), _message("last", "LSTM", "return_sequences == False, must be True.")),
    (lambda: layers.Conv1D(3, 3, activation="gelu", name="gelu"),
     _message("gelu", "Conv1D",
              "activation == 'gelu', must be one of 'linear', 'relu', 'sigmoid', 'softmax', 'tanh'.")),
])
def test_unsupported_options_of_known_layers(make, expected):
    """Check that options the translators do not implement are refused with the layer, option and value."""
    inp = keras.Input((None, 1))
    with pytest.raises(UnsupportedLayerError) as error:
        keras_to_onnx(keras.Model(inp, make()(inp)))
    assert str(error.value) == expected


def test_training_card_command_reproduces_a_fine_tuned_run(tmp_path):
    """Check that the card's command carries what a run was started with beyond the defaults: its starting weights
    (--init) and sample weights (they were left out, so a fine-tuned run's command trained from scratch)."""
    import json

    from nk_qrs_lstm.training.export import training_card

    config = {"seed": 1, "epochs": 60, "steps": 200, "batch_size": 32, "lr": 0.001, "patience": 9, "augment": "v4",
              "normalisation": "second", "model_kwargs": {"stride": 4}, "split_seed": 1, "train_records": {},
              "validation_records": {}, "init": "runs/v3a/best.keras", "wide_qrs_weight": 2.0, "boundary_weight": 1.0}
    (tmp_path / "train_config.json").write_text(json.dumps(config))
    (tmp_path / "history.csv").write_text("epoch,val_loss,val_sparse_categorical_accuracy\n0,0.2,0.9\n1,0.1,0.95\n")
    card = training_card(str(tmp_path))
    assert card["command"].endswith("--stride 4 --init runs/v3a/best.keras")
    assert "--wide-qrs-weight 2.0" in card["command"] and "--boundary-weight" not in card["command"]
    assert card["best_epoch"] == 2 and card["epochs_run"] == 2
    assert card["preprocessing"] == {"normalisation": "second", "stride": 4}  # what the runtime reads


def test_training_card_of_a_partly_started_stride_8_run(tmp_path):
    """Check that a run started from another network's shared layers says so in its command (--init-matching),
    and that its card tells the runtime the network's stride (the padding of short signals follows it)."""
    import json

    from nk_qrs_lstm.training.export import training_card

    config = {"seed": 3, "epochs": 80, "steps": 200, "batch_size": 32, "lr": 0.001, "patience": 10,
              "normalisation": "second", "model_kwargs": {"stride": 8}, "split_seed": 1, "train_records": {},
              "validation_records": {}, "init": "runs/v5a/best.keras", "init_matching": True}
    (tmp_path / "train_config.json").write_text(json.dumps(config))
    (tmp_path / "history.csv").write_text("epoch,val_loss,val_sparse_categorical_accuracy\n0,0.2,0.9\n")
    card = training_card(str(tmp_path))
    assert card["command"].endswith("--stride 8 --init runs/v5a/best.keras --init-matching")
    assert card["preprocessing"]["stride"] == 8
