"""Export a trained Keras model to ONNX and install it as the shipped model.

The graph is written layer by layer with ``onnx.helper`` from the Keras
weights (Conv1D -> ``Conv``, Bidirectional LSTM -> ONNX ``LSTM``), so export
needs only the ``onnx`` package, not a converter. Equality with the Keras
model is checked after export (``--check``) and by the test suite.

Usage::

    python -m nk_qrs_lstm.training.export runs/main/best.keras --run runs/main
"""

import argparse
import json
import os
import shutil

import numpy as np

from ..runtime import file_sha256

OPSET = 17


def _conv(nodes, inits, name, layer, x, activation=True):
    """Keras Conv1D (channels last weights) -> ONNX Conv on NCL tensors."""
    from onnx import helper, numpy_helper

    kernel, bias = layer.get_weights()
    w = np.transpose(kernel, (2, 1, 0)).astype(np.float32)  # (k, in, out) -> (out, in, k)
    inits += [numpy_helper.from_array(w, f"{name}_W"), numpy_helper.from_array(bias.astype(np.float32), f"{name}_B")]
    stride = layer.strides[0]
    out = f"{name}_conv"
    nodes.append(helper.make_node("Conv", [x, f"{name}_W", f"{name}_B"], [out], name=name,
                                  kernel_shape=[w.shape[2]], strides=[stride], auto_pad="SAME_UPPER"))
    if activation:
        nodes.append(helper.make_node("Relu", [out], [f"{name}_relu"]))
        return f"{name}_relu"
    return out


def _lstm_weights(cell_weights, units):
    """Keras (i, f, c, o) gate blocks -> ONNX (i, o, f, c), transposed."""
    kernel, recurrent, bias = cell_weights

    def reorder(m):
        i, f, c, o = np.split(m, 4, axis=-1)
        return np.concatenate([i, o, f, c], axis=-1)

    return reorder(kernel).T, reorder(recurrent).T, reorder(bias)


def _bilstm(nodes, inits, name, layer, x_tnc):
    """Keras Bidirectional(LSTM) on a (T, N, C) tensor -> (T, N, 2H)."""
    from onnx import helper, numpy_helper

    units = layer.forward_layer.units
    fw = _lstm_weights(layer.forward_layer.get_weights(), units)
    bw = _lstm_weights(layer.backward_layer.get_weights(), units)
    W = np.stack([fw[0], bw[0]]).astype(np.float32)
    R = np.stack([fw[1], bw[1]]).astype(np.float32)
    B = np.stack([np.concatenate([fw[2], np.zeros_like(fw[2])]),
                  np.concatenate([bw[2], np.zeros_like(bw[2])])]).astype(np.float32)
    for suffix, arr in (("W", W), ("R", R), ("B", B)):
        inits.append(numpy_helper.from_array(arr, f"{name}_{suffix}"))
    nodes.append(helper.make_node("LSTM", [x_tnc, f"{name}_W", f"{name}_R", f"{name}_B"], [f"{name}_Y"],
                                  name=name, hidden_size=units, direction="bidirectional"))
    # Y: (T, 2, N, H) -> (T, N, 2, H) -> (T, N, 2H), forward then backward like Keras' concat
    nodes.append(helper.make_node("Transpose", [f"{name}_Y"], [f"{name}_Yt"], perm=[0, 2, 1, 3]))
    inits.append(numpy_helper.from_array(np.array([0, 0, -1], dtype=np.int64), f"{name}_shape"))
    nodes.append(helper.make_node("Reshape", [f"{name}_Yt", f"{name}_shape"], [f"{name}_out"]))
    return f"{name}_out"


def upsampled_conv_kernel(kernel, stride):
    """Kernel of the ConvTranspose equal to a SAME Conv1D applied after nearest-neighbour upsampling.

    ``conv(upsample(x, stride), kernel)`` at the full rate sums, for each
    output sample, the taps that fall on the same low-rate sample; a
    ConvTranspose with stride ``stride`` over ``x`` computes exactly that
    without building the upsampled tensor.

    Parameters
    ----------
    kernel : ndarray, shape (k, c_in, c_out)
        Keras Conv1D kernel (odd ``k``, ``padding="same"``).
    stride : int

    Returns
    -------
    weight : ndarray, shape (c_in, c_out, k_t)
        ONNX ConvTranspose weight.
    pad : int
        Padding at both ends.

    Examples
    --------
    >>> w, pad = upsampled_conv_kernel(np.arange(1.0, 4.0).reshape(3, 1, 1), 2)
    >>> w[0, 0].tolist(), pad
    ([3.0, 5.0, 3.0, 1.0], 1)
    """
    k = kernel.shape[0]
    half = k // 2
    lo, hi = -half, stride - 1 + half  # offsets d = t - stride * m that receive a tap
    pad = -lo
    out = np.zeros((hi - lo + 1,) + kernel.shape[1:], dtype=np.float64)
    for d in range(lo, hi + 1):
        # taps j with floor((d + j - half) / stride) == 0, i.e. 0 <= d + j - half < stride
        j = np.arange(k)
        hit = (d + j - half >= 0) & (d + j - half < stride)
        out[d - lo] = kernel[hit].sum(axis=0)
    return np.transpose(out, (1, 2, 0)).astype(np.float32), pad


def _head(nodes, inits, layer, rnn, fine, stride):
    """The fusion head without materialising the upsampled tensor.

    Keras computes ``relu(conv(concat(upsample(rnn), fine)))``; the conv is
    linear, so it is split into a ConvTranspose of the low-rate recurrent
    features (:func:`upsampled_conv_kernel`) plus a Conv of the fine
    features, added before the ReLU.
    """
    from onnx import helper, numpy_helper

    kernel, bias = layer.get_weights()
    n_rnn = kernel.shape[1] - 16  # "fuse" concatenates [recurrent features, 16 fine features]
    w_rnn, pad = upsampled_conv_kernel(kernel[:, :n_rnn, :], stride)
    w_fine = np.transpose(kernel[:, n_rnn:, :], (2, 1, 0)).astype(np.float32)
    inits += [numpy_helper.from_array(w_rnn, "head_Wt"), numpy_helper.from_array(w_fine, "head_Wf"),
              numpy_helper.from_array(bias.astype(np.float32), "head_B")]
    nodes += [
        helper.make_node("ConvTranspose", [rnn, "head_Wt", "head_B"], ["head_rnn"], kernel_shape=[w_rnn.shape[2]],
                         strides=[stride], pads=[pad, pad]),
        helper.make_node("Conv", [fine, "head_Wf"], ["head_fine"], kernel_shape=[w_fine.shape[2]],
                         auto_pad="SAME_UPPER"),
        helper.make_node("Add", ["head_rnn", "head_fine"], ["head_sum"]),
        helper.make_node("Relu", ["head_sum"], ["head_relu"]),
    ]
    return "head_relu"


def keras_to_onnx(model):
    """Translate the network of :func:`nk_qrs_lstm.training.model.build_model` to an ONNX model.

    Parameters
    ----------
    model : keras.Model
        A model built by ``build_model`` (layer names ``fine``, ``down*``,
        ``bilstm*``, ``up``, ``head``, ``proba``).

    Returns
    -------
    onnx.ModelProto
        Input ``ecg`` ``(batch, time, 1)`` float32, output ``proba``
        ``(batch, time, 4)``; batch and time are dynamic.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    names = [layer.name for layer in model.layers]
    nodes, inits = [], []
    nodes.append(helper.make_node("Transpose", ["ecg"], ["x_ncl"], perm=[0, 2, 1]))
    fine = _conv(nodes, inits, "fine", model.get_layer("fine"), "x_ncl")
    x = fine
    for name in sorted(n for n in names if n.startswith("down")):
        x = _conv(nodes, inits, name, model.get_layer(name), x)
    nodes.append(helper.make_node("Transpose", [x], ["x_tnc"], perm=[2, 0, 1]))
    x = "x_tnc"
    for name in sorted(n for n in names if n.startswith("bilstm")):
        x = _bilstm(nodes, inits, name, model.get_layer(name), x)
    nodes.append(helper.make_node("Transpose", [x], ["rnn_ncl"], perm=[1, 2, 0]))
    stride = model.get_layer("up").size if "up" in names else 1
    x = _head(nodes, inits, model.get_layer("head"), "rnn_ncl", fine, stride)
    x = _conv(nodes, inits, "proba", model.get_layer("proba"), x, activation=False)
    nodes.append(helper.make_node("Softmax", [x], ["proba_ncl"], axis=1))
    nodes.append(helper.make_node("Transpose", ["proba_ncl"], ["proba"], perm=[0, 2, 1]))
    graph = helper.make_graph(
        nodes, "nk_qrs_lstm", [helper.make_tensor_value_info("ecg", TensorProto.FLOAT, ["batch", "time", 1])],
        [helper.make_tensor_value_info("proba", TensorProto.FLOAT, ["batch", "time", 4])], initializer=inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                   producer_name="nk_qrs_lstm.training.export")
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    return onnx_model


def max_difference(keras_path, onnx_path, n=4, length=2048, seed=0):
    """Largest absolute difference between Keras and ONNX Runtime probabilities on random input."""
    import keras
    import onnxruntime as ort

    x = np.random.default_rng(seed).standard_normal((n, length, 1)).astype(np.float32)
    model = keras.saving.load_model(keras_path, compile=False)
    ref = np.asarray(model.predict_on_batch(x))
    got = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"]).run(None, {"ecg": x})[0]
    return float(np.max(np.abs(ref - got)))


def export(keras_path, out_dir, card=None):
    """Write ``nk_qrs_lstm.keras``, ``nk_qrs_lstm.onnx`` and their hashes into ``out_dir``.

    Parameters
    ----------
    keras_path : str
        Trained model (``.keras``).
    out_dir : str
        Destination folder (the package's ``models/`` to ship it).
    card : dict, optional
        Model-card fields to store in ``model_card.json`` beside the weights;
        the file names, SHA-256 hashes and the Keras/ONNX agreement are added.

    Returns
    -------
    dict
        The model card written.
    """
    import keras
    import onnx

    os.makedirs(out_dir, exist_ok=True)
    model = keras.saving.load_model(keras_path, compile=False)
    k_out = os.path.join(out_dir, "nk_qrs_lstm.keras")
    o_out = os.path.join(out_dir, "nk_qrs_lstm.onnx")
    if os.path.abspath(keras_path) != os.path.abspath(k_out):
        shutil.copyfile(keras_path, k_out)
    onnx.save(keras_to_onnx(model), o_out)
    card = dict(card or {})
    card["files"] = {os.path.basename(p): {"sha256": file_sha256(p), "bytes": os.path.getsize(p)}
                     for p in (k_out, o_out)}
    card["onnx_opset"] = OPSET
    card["keras_onnx_max_abs_diff"] = max_difference(k_out, o_out)
    card["n_params"] = int(model.count_params())
    with open(os.path.join(out_dir, "model_card.json"), "w") as f:
        json.dump(card, f, indent=1, sort_keys=True)
    return card


def training_card(run_dir):
    """Model-card fields describing a training run folder written by :func:`nk_qrs_lstm.training.train.train`.

    Data, split, seed, the command that reproduces the run, software versions,
    training time and the validation curve's best point.
    """
    import csv
    import platform
    from importlib.metadata import PackageNotFoundError, version

    with open(os.path.join(run_dir, "train_config.json")) as f:
        config = json.load(f)
    with open(os.path.join(run_dir, "history.csv")) as f:
        history = list(csv.DictReader(f))
    best = min(history, key=lambda row: float(row["val_loss"])) if history else {}
    times = []
    if os.path.exists(os.path.join(run_dir, "train_time_s.txt")):
        with open(os.path.join(run_dir, "train_time_s.txt")) as f:
            times = [float(v) for v in f.read().split()]
    versions = {"python": platform.python_version()}
    for package in ("tensorflow-cpu", "tensorflow", "keras", "numpy", "scipy", "onnx", "onnxruntime", "neurokit2", "wfdb"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            pass
    args = [f"--{k.replace('_', '-')} {config[k]}" for k in ("epochs", "steps", "batch_size", "seed", "lr", "patience")]
    if config.get("max_minutes"):
        args.append(f"--max-minutes {config['max_minutes']}")
    for key, value in (config.get("model_kwargs") or {}).items():
        args.append(f"--{key.replace('_', '-')} {value}")
    return {
        "model": "Conv1D front-end (stride {stride}) + {n} x BiLSTM({units}) + full-rate fusion head, "
                 "per-sample softmax over background/P/QRS/T at 250 Hz".format(
                     stride=config["model_kwargs"].get("stride", 4), units=config["model_kwargs"].get("lstm_units", 32),
                     n=config["model_kwargs"].get("n_lstm", 2)),
        "data": {
            "LUDB": "LUDB v1.0.1 (PhysioNet, ODC-By 1.0): train split, all 12 leads, labelled span only",
            "QTDB": "QTDB v1.0.0 (PhysioNet, ODC-By 1.0), 53-record subset: train split, both leads, q1c annotated beats only",
        },
        "split": {"file": "nk_qrs_lstm/data/splits.json", "seed": config["split_seed"],
                  "train": config["train_records"], "validation": config["validation_records"],
                  "test": "LUDB test split (never used in training or model selection)"},
        "seed": config["seed"],
        "command": "python -m nk_qrs_lstm.training.train --out " + run_dir + " " + " ".join(args),
        "versions": versions,
        "training_time_s": sum(times) if times else None,
        "epochs_run": len(history),
        "best_epoch": int(best["epoch"]) + 1 if best else None,
        "best_val_loss": float(best["val_loss"]) if best else None,
        "best_val_accuracy": float(best["val_sparse_categorical_accuracy"]) if best else None,
    }


def _parser():
    """The command-line parser of ``nk-qrs-lstm export``."""
    parser = argparse.ArgumentParser(
        prog="nk-qrs-lstm export", description=__doc__.splitlines()[0],
        epilog="Needs the train extra: pip install \"nk-qrs-lstm[train]\".")
    parser.add_argument("model", help="trained .keras file (e.g. runs/main/best.keras)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(__file__)), "models"),
                        help="folder for the ONNX and Keras files and the model card (default: the package's "
                             "models folder, i.e. replace the shipped model)")
    parser.add_argument("--run", default=None,
                        help="training run folder: its config and history go in the model card")
    parser.add_argument("--card", default=None, help="JSON file with more model-card fields to include")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    card = training_card(args.run) if args.run else {}
    if args.card:
        with open(args.card) as f:
            card.update(json.load(f))
    card = export(args.model, args.out, card)
    print(json.dumps(card["files"], indent=1), "max |keras - onnx| =", card["keras_onnx_max_abs_diff"])


if __name__ == "__main__":
    main()
