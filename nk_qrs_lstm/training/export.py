"""Export a trained Keras model to ONNX and install it as the shipped model.

The graph is derived from the Keras model itself (layer types, sizes and
connections from its config, weights from its layers; see
:mod:`nk_qrs_lstm.training.onnx_layers`) and written with ``onnx.helper``, so
export needs only the ``onnx`` package, not a converter. The agreement with
the Keras model is measured after export (stored in the model card) and
checked by the test suite.

Usage::

    python -m nk_qrs_lstm.training.export runs/main/best.keras --run runs/main
"""

import argparse
import json
import os
import shutil

import numpy as np

from ..defaults import MODEL_STRIDE
from ..runtime import file_sha256
from .onnx_layers import TRANSLATORS, Tensor, UnsupportedLayerError, tensor_keys, unsupported
from .onnx_layers import upsampled_conv_kernel  # noqa: F401 (documented here)

OPSET = 17


class _Graph:
    """ONNX nodes and initialisers being built from one Keras functional model.

    Keras tensors are keyed ``(layer name, node index, tensor index)`` as in
    the model's config; :meth:`value` emits a tensor's producer on demand
    (inputs first), so the node list is in topological order and tensors no
    consumer asks for (those a fused rewrite skips) are never built.
    """

    def __init__(self, model):
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.model = model
        config = model.get_config()
        if "input_layers" not in config:
            raise UnsupportedLayerError(
                f"Cannot export model {model.name!r} ({type(model).__name__}) to ONNX: only functional models "
                "(keras.Model(inputs, outputs)) are supported.")
        self.entries = {entry["name"]: entry for entry in config["layers"]}
        single = lambda keys: [keys] if keys and isinstance(keys[0], str) else keys  # noqa: E731
        self.inputs = [tuple(k) for k in single(config["input_layers"])]
        self.outputs = [tuple(k) for k in single(config["output_layers"])]
        if len(self.inputs) != 1 or len(self.outputs) != 1:
            raise UnsupportedLayerError(
                f"Cannot export model {model.name!r} to ONNX: it has {len(self.inputs)} inputs and "
                f"{len(self.outputs)} outputs, must have 1 of each.")
        self.consumers = {key: [("<output>", 0)] for key in self.outputs}
        for name, entry in self.entries.items():
            for index, node in enumerate(entry["inbound_nodes"]):
                for key in tensor_keys(node["args"]):
                    self.consumers.setdefault(key, []).append((name, index))
        self.nodes, self.inits, self.values = [], [], {}
        self.used = {"ecg", "proba"}
        self._converted = {}

    # --- naming and node helpers --------------------------------------------
    def fresh(self, base):
        """A tensor name not used yet, ``base`` if free."""
        name, i = base, 1
        while name in self.used:
            name, i = f"{base}_{i}", i + 1
        self.used.add(name)
        return name

    def const(self, base, array):
        """Add an initialiser; return its name."""
        name = self.fresh(base)
        self.inits.append(self.numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, output, **attrs):
        """Add one ONNX node with one output named after ``output``; return the output's name."""
        output = self.fresh(output)
        self.nodes.append(self.helper.make_node(op, list(inputs), [output], **attrs))
        return output

    def to_layout(self, tensor, layout):
        """The same tensor in ``layout`` (a Squeeze of its singleton axis ``1``, a Transpose, an Unsqueeze of
        the new one: whichever are needed, made once)."""
        if tensor.layout == layout:
            return tensor
        key = (tensor.name, layout)
        if key not in self._converted:
            name, now = tensor.name, tensor.layout
            if "1" in now:
                axis = self.const(f"{name}_axis", np.array([now.index("1")]))
                name, now = self.node("Squeeze", [name, axis], f"{name}_squeezed"), now.replace("1", "")
            target = layout.replace("1", "")
            if now != target:
                perm = [now.index(axis) for axis in target]
                name = self.node("Transpose", [name], f"{tensor.name}_{target}", perm=perm)
            if "1" in layout:
                axis = self.const(f"{name}_axis", np.array([layout.index("1")]))
                name = self.node("Unsqueeze", [name, axis], f"{tensor.name}_{layout}")
            self._converted[key] = Tensor(name, layout, tensor.channels)
        return self._converted[key]

    # --- the walk -------------------------------------------------------------
    def value(self, key):
        """The ONNX tensor of Keras tensor ``key`` = (layer name, node index, tensor index)."""
        key = tuple(key)
        if key not in self.values:
            name, node_index, tensor_index = key
            entry = self.entries[name]
            layer = self.model.get_layer(name)
            translate = TRANSLATORS.get(entry["class_name"])
            if translate is None:
                raise unsupported(layer)
            if tensor_index != 0:
                raise unsupported(layer, f"only its first output is supported, got output {tensor_index}.")
            keys = []
            if entry["inbound_nodes"]:
                call = entry["inbound_nodes"][node_index]
                if tensor_keys(call.get("kwargs", {})):
                    raise unsupported(layer, "its call receives a tensor as a keyword argument (mask, state), "
                                              "only positional inputs are supported.")
                keys = tensor_keys(call["args"])
            prefix = name if node_index == 0 else f"{name}_call{node_index}"
            self.values[key] = translate(self, layer, entry["config"], keys, prefix, node_index)
        return self.values[key]

    def only_consumer(self, key, consumer):
        """Whether Keras tensor ``key`` feeds ``consumer`` = (layer name, node index) and nothing else."""
        return self.consumers.get(tuple(key), []) == [consumer]


def keras_to_onnx(model):
    """Translate a Keras functional model to an ONNX model, layer by layer, from the model's own config.

    Layer types, sizes, kernels, strides, padding, activations and the
    connections are read from the model (see
    :mod:`nk_qrs_lstm.training.onnx_layers`), so a network of another shape
    exports without changes here; an unknown layer or option is refused.

    Parameters
    ----------
    model : keras.Model
        A functional model with one input ``(batch, time, channels)`` and one
        output ``(batch, time, classes)``, made of the layer types in
        :func:`~nk_qrs_lstm.training.onnx_layers.supported_layers` (e.g. one
        built by :func:`nk_qrs_lstm.training.model.build_model`).

    Returns
    -------
    onnx.ModelProto
        Input ``ecg`` ``(batch, time, 1)`` float32, output ``proba``
        ``(batch, time, 4)``; batch and time are dynamic.

    Raises
    ------
    UnsupportedLayerError
        For a layer type or option the exporter does not translate; the
        message names the layer, its class and the supported types or values.
    """
    import onnx
    from onnx import TensorProto, helper

    g = _Graph(model)
    out = g.to_layout(g.value(g.outputs[0]), "ntc")
    source = g.value(g.inputs[0])
    if out.name == source.name:
        out = out._replace(name=g.node("Identity", [out.name], "identity"))
    for node in g.nodes:  # the last tensor gets the public output name
        node.input[:] = ["proba" if n == out.name else n for n in node.input]
        node.output[:] = ["proba" if n == out.name else n for n in node.output]
    info = lambda name, tensor: helper.make_tensor_value_info(  # noqa: E731
        name, TensorProto.FLOAT, ["batch", "time", tensor.channels])
    graph = helper.make_graph(g.nodes, "nk_qrs_lstm", [info("ecg", source)], [info("proba", out)], initializer=g.inits)
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
    card : dict
        Model-card fields to store in ``model_card.json`` beside the weights;
        the file names, SHA-256 hashes and the Keras/ONNX agreement are added.
        It must say the input normalisation the model was trained with
        (``{"preprocessing": {"normalisation": "second"}}``, as
        :func:`training_card` does): the runtime prepares the input by it.

    Raises
    ------
    ValueError
        If ``card`` does not say the normalisation, or names an unknown one.

    Returns
    -------
    dict
        The model card written.
    """
    import keras
    import onnx

    from ..preprocess import NORMALISATIONS

    method = ((card or {}).get("preprocessing") or {}).get("normalisation")
    if method not in NORMALISATIONS:
        raise ValueError(f"card['preprocessing']['normalisation'] == {method!r}, must be one of "
                         f"{', '.join(map(repr, NORMALISATIONS))}: the normalisation the model was trained with "
                         "(the runtime prepares the input by it); on the command line pass --run RUN_DIR (its "
                         "train_config.json says it) or --normalisation.")
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
    if config.get("augment"):  # runs before --augment existed used v1
        args.append(f"--augment {config['augment']}")
    if config.get("normalisation"):  # runs before --normalisation existed used "window"
        args.append(f"--normalisation {config['normalisation']}")
    for key in ("wide_qrs_weight", "boundary_weight"):  # runs before these existed weighted every sample alike
        if config.get(key, 1.0) != 1.0:
            args.append(f"--{key.replace('_', '-')} {config[key]}")
    for key, value in (config.get("model_kwargs") or {}).items():
        args.append(f"--{key.replace('_', '-')} {value}")
    if config.get("init"):  # fine-tuned from another model's weights
        args.append(f"--init {config['init']}")
        if config.get("init_matching"):
            args.append("--init-matching")
    if config.get("frozen"):
        args.append("--freeze " + " ".join(config["frozen"]))
    if config.get("teacher"):  # distilled from another network's probabilities
        args.append(f"--teacher {config['teacher']} --label-share {config['label_share']}")
        if config.get("teacher_disagreement", "mix") not in (None, "mix"):  # runs before it existed mixed everywhere
            args.append(f"--teacher-disagreement {config['teacher_disagreement']}")
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
        "preprocessing": {"normalisation": config.get("normalisation", "window"),
                          "stride": config["model_kwargs"].get("stride", MODEL_STRIDE)},
        "command": "python -m nk_qrs_lstm.training.train --out " + run_dir + " " + " ".join(args),
        "versions": versions,
        "training_time_s": sum(times) if times else None,
        "epochs_run": len(history),
        "best_epoch": int(best["epoch"]) + 1 if best else None,
        "best_val_loss": float(best["val_loss"]) if best else None,
        # a distilled run's targets are probabilities: its accuracy metric is the dense one
        "best_val_accuracy": _accuracy(best),
        **({"teacher": {"path": config["teacher"], "sha256": config.get("teacher_sha256"),
                        "label_share": config.get("label_share"),
                        "disagreement": config.get("teacher_disagreement") or "mix"}} if config.get("teacher") else {}),
    }


def _accuracy(row):
    """Validation accuracy of a history row: the sparse metric of a run on labels, the dense one of a distilled run
    (its targets are probabilities); None without either."""
    value = row.get("val_sparse_categorical_accuracy", row.get("val_categorical_accuracy")) if row else None
    return float(value) if value not in (None, "") else None


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
    parser.add_argument("--normalisation", choices=["window", "second"], default=None,
                        help="the input normalisation the model was trained with (train --normalisation); "
                             "read from --run's train_config.json when given")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    card = training_card(args.run) if args.run else {}
    if args.run and os.path.basename(args.model) == "last.keras":  # the run's last epoch, not its best
        card["checkpoint"] = f"last.keras: the weights after epoch {card['epochs_run']} (best.keras: epoch {card['best_epoch']})"
    if args.card:
        with open(args.card) as f:
            card.update(json.load(f))
    if args.normalisation:
        card["preprocessing"] = {**card.get("preprocessing", {}), "normalisation": args.normalisation}
    try:
        card = export(args.model, args.out, card)
    except ValueError as err:
        _parser().error(str(err))
    print(json.dumps(card["files"], indent=1), "max |keras - onnx| =", card["keras_onnx_max_abs_diff"])


if __name__ == "__main__":
    main()
