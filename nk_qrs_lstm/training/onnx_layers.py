"""Keras layers -> ONNX nodes: one translator per layer type, reading the layer's own config and weights.

:func:`nk_qrs_lstm.training.export.keras_to_onnx` walks the functional
graph and calls the translator registered (``@_translator``) for each
layer's class with the graph being built ``g``, the layer, its config, the
keys ``(layer, node, tensor)`` of its input tensors (``g.value(key)`` emits
and returns one), a name prefix and the index of the call; it returns the
output as a :class:`Tensor`.
A class without a translator, or an option a translator does not implement,
raises :class:`UnsupportedLayerError`, so a change of the network cannot
silently give a wrong ONNX file.

Tensors live in one of three layouts and are transposed only where a
consumer needs another one: ``"ntc"`` (Keras' batch, time, channels),
``"nc1t"`` (ONNX ``Conv``, written as a 2-D convolution over a height of 1:
ONNX Runtime runs those with its blocked NCHWc kernels, about twice as fast
as 1-D ones on the CPU) and ``"tnc"`` (ONNX ``LSTM``/``GRU``). Softmax is
taken with the channels last (``"ntc"``, contiguous).

One rewrite keeps inference fast: ``Conv1D(Concatenate([UpSampling1D(s)(low),
...]))``, where the upsampled and the concatenated tensors feed nothing else,
is written as a ``ConvTranspose`` of the low-rate tensor
(:func:`upsampled_conv_kernel`) plus a ``Conv`` of each other input, summed
before the activation: the same linear map without the upsampled tensor
(1.5x faster on ONNX Runtime).
"""

from collections import namedtuple

import numpy as np

Tensor = namedtuple("Tensor", "name layout channels")
ACTIVATIONS = {"linear": None, "relu": "Relu", "sigmoid": "Sigmoid", "softmax": "Softmax", "tanh": "Tanh"}
TRANSLATORS = {}  # Keras class name -> translator(g, layer, config, keys, prefix, index) -> Tensor


class UnsupportedLayerError(ValueError):
    """A layer, or an option of a layer, that the ONNX exporter cannot translate."""


def supported_layers():
    """Names of the layer types the exporter translates, sorted.

    Examples
    --------
    >>> supported_layers()[:3]
    ['Activation', 'Add', 'Bidirectional(GRU)']
    """
    names = set(TRANSLATORS) - {"Bidirectional"} | {"Bidirectional(GRU)", "Bidirectional(LSTM)"}
    return sorted(names)


def _translator(*class_names):
    def register(function):
        for name in class_names:
            TRANSLATORS[name] = function
        return function

    return register


def upsampled_conv_kernel(kernel, stride):
    """Kernel of the ConvTranspose equal to a SAME Conv1D applied after nearest-neighbour upsampling.

    ``conv(upsample(x, stride), kernel)`` at the full rate sums, for each
    output sample, the taps that fall on the same low-rate sample; a
    ConvTranspose with stride ``stride`` over ``x`` computes exactly that
    without building the upsampled tensor. Keras' ``padding="same"`` puts
    ``(k - 1) // 2`` zeros before the signal and the rest after it.

    Parameters
    ----------
    kernel : ndarray, shape (k, c_in, c_out)
        Keras Conv1D kernel (``padding="same"``, stride 1, dilation 1).
    stride : int
        Upsampling factor.

    Returns
    -------
    weight : ndarray, shape (c_in, c_out, stride + k - 1)
        ONNX ConvTranspose weight.
    pads : tuple of int
        ConvTranspose padding at the start and at the end.

    Examples
    --------
    >>> w, pads = upsampled_conv_kernel(np.arange(1.0, 4.0).reshape(3, 1, 1), 2)
    >>> w[0, 0].tolist(), pads
    ([3.0, 5.0, 3.0, 1.0], (1, 1))
    """
    k = kernel.shape[0]
    before = (k - 1) // 2
    after = k - 1 - before
    lo, hi = -after, stride - 1 + before  # offsets d = t - stride * m that receive a tap
    out = np.zeros((hi - lo + 1,) + kernel.shape[1:], dtype=np.float64)
    j = np.arange(k)
    for d in range(lo, hi + 1):
        # taps j landing on low-rate sample m: 0 <= d + j - before < stride
        hit = (d + j - before >= 0) & (d + j - before < stride)
        out[d - lo] = kernel[hit].sum(axis=0)
    return np.transpose(out, (1, 2, 0)).astype(np.float32), (-lo, before)


# --- helpers ------------------------------------------------------------------------
def tensor_keys(obj):
    """(layer, node, tensor) of every Keras tensor in a serialised call argument, in order."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            return [tuple(obj["config"]["keras_history"])]
        return [key for value in obj.values() for key in tensor_keys(value)]
    if isinstance(obj, (list, tuple)):
        return [key for value in obj for key in tensor_keys(value)]
    return []


def unsupported(layer, reason=None):
    """The error for ``layer``: ``reason``, or by default that its type has no translator."""
    if reason is None:
        reason = f"its type is not supported. Supported layer types: {', '.join(supported_layers())}."
    return UnsupportedLayerError(f"Cannot export layer {layer.name!r} ({_describe(layer)}) to ONNX: {reason}")


def _describe(layer):
    inner = getattr(layer, "forward_layer", None)
    return f"{type(layer).__name__}({type(inner).__name__})" if inner is not None else type(layer).__name__


def _require(layer, config, option, allowed, normalise=lambda v: v):
    """Raise unless ``config[option]`` (after ``normalise``) is one of ``allowed``."""
    value = normalise(config.get(option))
    if value not in allowed:
        shown = repr(allowed[0]) if len(allowed) == 1 else "one of " + ", ".join(repr(a) for a in allowed)
        raise unsupported(layer, f"{option} == {config.get(option)!r}, must be {shown}.")
    return value


def _activation(layer, config, option="activation"):
    return _require(layer, config, option, tuple(ACTIVATIONS), lambda v: v if isinstance(v, str) else repr(v))


def _first(value):
    return value[0] if isinstance(value, (list, tuple)) else value


def _weights(layer):
    return [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]



def activate(g, tensor, activation, prefix):
    """Apply a Keras activation (a key of ``ACTIVATIONS``) to an ONNX tensor; softmax on the channel axis, last."""
    op = ACTIVATIONS[activation]
    if op is None:
        return tensor
    attrs = {}
    if op == "Softmax":  # over contiguous values: a strided softmax costs ONNX Runtime 3x more
        tensor = g.to_layout(tensor, "ntc")
        attrs = {"axis": 2}
    return tensor._replace(name=g.node(op, [tensor.name], f"{prefix}_{activation}", **attrs))


# --- translators ------------------------------------------------------------------
@_translator("InputLayer")
def _input(g, layer, config, keys, prefix, index):
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if shape is None or len(shape) != 3:
        raise unsupported(layer, f"batch_shape == {shape!r}, must be (batch, time, channels).")
    return Tensor("ecg", "ntc", int(shape[-1]))


@_translator("Dropout", "SpatialDropout1D")
def _identity(g, layer, config, keys, prefix, index):
    return g.value(keys[0])  # no-op at inference


@_translator("Activation")
def _activation_layer(g, layer, config, keys, prefix, index):
    return activate(g, g.value(keys[0]), _activation(layer, config), prefix)


@_translator("Softmax")
def _softmax(g, layer, config, keys, prefix, index):
    _require(layer, config, "axis", (-1, 2), _first)
    return activate(g, g.value(keys[0]), "softmax", prefix)


@_translator("ReLU")
def _relu(g, layer, config, keys, prefix, index):
    for option in ("max_value", "negative_slope", "threshold"):
        _require(layer, config, option, (None, 0.0))
    return activate(g, g.value(keys[0]), "relu", prefix)


@_translator("Add")
def _add(g, layer, config, keys, prefix, index):
    tensors = [g.value(k) for k in keys]
    tensors = [g.to_layout(t, tensors[0].layout) for t in tensors]
    op = "Add" if len(tensors) == 2 else "Sum"
    return tensors[0]._replace(name=g.node(op, [t.name for t in tensors], f"{prefix}_add"))


@_translator("Concatenate")
def _concatenate(g, layer, config, keys, prefix, index):
    _require(layer, config, "axis", (-1, 2))
    tensors = [g.value(k) for k in keys]
    layout = tensors[0].layout
    names = [g.to_layout(t, layout).name for t in tensors]
    out = g.node("Concat", names, f"{prefix}_concat", axis=layout.index("c"))
    return Tensor(out, layout, sum(t.channels for t in tensors))


@_translator("UpSampling1D")
def _upsampling(g, layer, config, keys, prefix, index):
    """Nearest-neighbour repetition: Unsqueeze, Expand, Reshape (no Resize)."""
    size = int(config["size"])
    x = g.value(keys[0])
    if x.layout != "ntc":
        x = g.to_layout(x, "ntc")
    time_axis = x.layout.index("t")
    expanded = g.node("Unsqueeze", [x.name, g.const(f"{prefix}_axis", np.array([time_axis + 1]))],
                      f"{prefix}_unsqueezed")
    reps = np.ones(4, dtype=np.int64)
    reps[time_axis + 1] = size
    expanded = g.node("Expand", [expanded, g.const(f"{prefix}_reps", reps)], f"{prefix}_expanded")
    shape = np.array([0, -1, x.channels], dtype=np.int64)
    return x._replace(name=g.node("Reshape", [expanded, g.const(f"{prefix}_shape", shape)], f"{prefix}_up"))


@_translator("Dense")
def _dense(g, layer, config, keys, prefix, index):
    activation = _activation(layer, config)
    x = g.value(keys[0])
    weights = _weights(layer)
    kernel = weights[0]
    if x.layout == "nc1t":  # a 1x1 convolution keeps the layout
        inputs = [x.name, g.const(f"{prefix}_W", kernel.T[:, :, None, None])]
        inputs += [g.const(f"{prefix}_B", b) for b in weights[1:]]
        out = Tensor(g.node("Conv", inputs, f"{prefix}_dense", kernel_shape=[1, 1]), "nc1t", kernel.shape[1])
    else:  # channels are the last axis in "ntc" and "tnc"
        out = g.node("MatMul", [x.name, g.const(f"{prefix}_W", kernel)], f"{prefix}_matmul")
        if len(weights) > 1:
            out = g.node("Add", [out, g.const(f"{prefix}_B", weights[1])], f"{prefix}_dense")
        out = Tensor(out, x.layout, kernel.shape[1])
    return activate(g, out, activation, prefix)


def _check_conv(layer, config):
    _require(layer, config, "data_format", ("channels_last",))
    _require(layer, config, "dilation_rate", (1,), _first)
    _require(layer, config, "groups", (1,))
    padding = _require(layer, config, "padding", ("same", "valid", "causal"))
    return padding, int(_first(config["strides"])), _activation(layer, config)


@_translator("Conv1D")
def _conv1d(g, layer, config, keys, prefix, index):
    padding, stride, activation = _check_conv(layer, config)
    weights = _weights(layer)
    source = g.entries[keys[0][0]]
    if (source["class_name"] == "Concatenate" and padding == "same" and stride == 1
            and g.only_consumer(keys[0], (layer.name, index))):
        fused = _fused_upsampled_conv(g, source, keys[0], weights, prefix)
        if fused is not None:
            return activate(g, fused, activation, prefix)
    x = g.to_layout(g.value(keys[0]), "nc1t")
    out = _conv(g, x, weights[0], weights[1] if len(weights) > 1 else None, padding, stride, prefix)
    return activate(g, Tensor(out, "nc1t", weights[0].shape[2]), activation, prefix)


def _conv(g, x, kernel, bias, padding, stride, prefix, suffix=""):
    """ONNX Conv (2-D, height 1) of an "nc1t" tensor with a Keras (k, in, out) kernel."""
    k = kernel.shape[0]
    inputs = [x.name, g.const(f"{prefix}_W{suffix}", np.transpose(kernel, (2, 1, 0))[:, :, None, :])]
    if bias is not None:
        inputs.append(g.const(f"{prefix}_B{suffix}", bias))
    pad = {"same": {"auto_pad": "SAME_UPPER"}, "valid": {}, "causal": {"pads": [0, k - 1, 0, 0]}}[padding]
    return g.node("Conv", inputs, f"{prefix}_conv{suffix}", kernel_shape=[1, k], strides=[1, stride], **pad)


def _fused_upsampled_conv(g, concat, concat_key, weights, prefix):
    """SAME Conv1D of Concatenate([... UpSampling1D(s)(x) ...]) as ConvTranspose + Conv parts, or None."""
    if concat["config"].get("axis") not in (-1, 2):
        return None
    call = concat["inbound_nodes"][concat_key[1]]
    keys = tensor_keys(call["args"])
    kernel, bias = weights[0], (weights[1] if len(weights) > 1 else None)
    upsampled = [g.entries[key[0]]["class_name"] == "UpSampling1D"
                 and g.only_consumer(key, (concat["name"], concat_key[1])) for key in keys]
    if not any(upsampled):  # nothing to gain: the plain Concat + Conv
        return None
    parts, offset = [], 0
    for i, (key, up) in enumerate(zip(keys, upsampled)):
        entry = g.entries[key[0]]
        x = g.to_layout(g.value(tensor_keys(entry["inbound_nodes"][key[1]]["args"])[0] if up else key), "nc1t")
        part_kernel = kernel[:, offset : offset + x.channels]
        offset += x.channels
        part_bias = bias if i == 0 else None
        if up:
            size = int(entry["config"]["size"])
            w, pads = upsampled_conv_kernel(part_kernel, size)
            inputs = [x.name, g.const(f"{prefix}_Wt{i}", w[:, :, None, :])]
            if part_bias is not None:
                inputs.append(g.const(f"{prefix}_B", part_bias))
            parts.append(g.node("ConvTranspose", inputs, f"{prefix}_up{i}", kernel_shape=[1, w.shape[2]],
                                strides=[1, size], pads=[0, pads[0], 0, pads[1]]))
        else:
            parts.append(_conv(g, x, part_kernel, part_bias, "same", 1, prefix, suffix=str(i)))
    out = parts[0] if len(parts) == 1 else g.node("Add" if len(parts) == 2 else "Sum", parts, f"{prefix}_sum")
    return Tensor(out, "nc1t", kernel.shape[2])


def _rnn_weights(layer, class_name, config):
    """ONNX W, R, B (one direction) from a Keras LSTM or GRU."""
    weights = _weights(layer)
    kernel, recurrent = weights[0], weights[1]
    units = recurrent.shape[0]
    if class_name == "LSTM":  # Keras gates (i, f, c, o) -> ONNX (i, o, f, c)
        order = lambda m: np.concatenate([np.split(m, 4, axis=-1)[j] for j in (0, 3, 1, 2)], axis=-1)  # noqa: E731
        bias = order(weights[2]) if len(weights) > 2 else np.zeros(4 * units, np.float32)
        return order(kernel).T, order(recurrent).T, np.concatenate([bias, np.zeros_like(bias)])
    # GRU: the same gate order (z, r, h) in Keras and ONNX
    if len(weights) < 3:
        bias = np.zeros(6 * units, np.float32)
    elif config["reset_after"]:  # (input bias, recurrent bias): ONNX linear_before_reset=1
        bias = weights[2].reshape(-1)
    else:
        bias = np.concatenate([weights[2], np.zeros_like(weights[2])])
    return kernel.T, recurrent.T, bias


def _check_rnn(layer, class_name, config, backward=False):
    if class_name not in ("LSTM", "GRU"):
        raise unsupported(layer)
    _require(layer, config, "return_sequences", (True,))
    _require(layer, config, "return_state", (False,))
    _require(layer, config, "go_backwards", (backward,))
    _require(layer, config, "stateful", (False,))
    _require(layer, config, "activation", ("tanh",))
    _require(layer, config, "recurrent_activation", ("sigmoid",))
    if class_name == "GRU":
        _require(layer, config, "reset_after", (True, False))


@_translator("LSTM", "GRU", "Bidirectional")
def _rnn(g, layer, config, keys, prefix, index):
    if type(layer).__name__ == "Bidirectional":
        _require(layer, config, "merge_mode", ("concat",))
        cells = [layer.forward_layer, layer.backward_layer]
        class_name = type(cells[0]).__name__
        for cell, backward in zip(cells, (False, True)):
            if type(cell).__name__ != class_name:
                raise unsupported(layer, f"its backward layer is a {type(cell).__name__}, must be a {class_name}.")
            _check_rnn(layer, class_name, cell.get_config(), backward)
    else:
        cells, class_name = [layer], type(layer).__name__
        _check_rnn(layer, class_name, config)
    configs = [cell.get_config() for cell in cells]
    if class_name == "GRU" and configs[0]["reset_after"] != configs[-1]["reset_after"]:
        raise unsupported(layer, "reset_after differs between its forward and backward GRU.")
    W, R, B = (np.stack(m) for m in zip(*(_rnn_weights(c, class_name, k) for c, k in zip(cells, configs))))
    units = R.shape[2]
    x = g.to_layout(g.value(keys[0]), "tnc")
    attrs = {"hidden_size": units, "direction": "bidirectional" if len(cells) == 2 else "forward"}
    if class_name == "GRU":
        attrs["linear_before_reset"] = int(configs[0]["reset_after"])
    y = g.node(class_name, [x.name] + [g.const(f"{prefix}_{n}", m) for n, m in (("W", W), ("R", R), ("B", B))],
               f"{prefix}_Y", **attrs)
    if len(cells) == 1:  # Y (T, 1, N, H) -> (T, N, H)
        out = g.node("Squeeze", [y, g.const(f"{prefix}_axis", np.array([1]))], f"{prefix}_out")
    else:  # Y (T, 2, N, H) -> (T, N, 2, H) -> (T, N, 2H): forward then backward, like Keras' concat
        yt = g.node("Transpose", [y], f"{prefix}_Yt", perm=[0, 2, 1, 3])
        out = g.node("Reshape", [yt, g.const(f"{prefix}_shape", np.array([0, 0, -1]))], f"{prefix}_out")
    return Tensor(out, "tnc", units * len(cells))
