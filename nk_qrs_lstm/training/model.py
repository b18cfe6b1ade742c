"""The network: a per-timestep classifier of P / QRS / T / background.

Keras 3, backend-neutral (only ``keras.layers``), so it trains under
TensorFlow or JAX. Imported by training and export code only: delineation
runs the exported ONNX file (see :mod:`nk_qrs_lstm.runtime`).
"""

import keras
from keras import layers

from ..defaults import CLASSES, MODEL_STRIDE, MODEL_STRIDES

CELLS = {"lstm": layers.LSTM, "gru": layers.GRU}


def build_model(conv_filters=32, lstm_units=32, n_lstm=2, stride=MODEL_STRIDE, seed=0, head_filters=None,
                head_kernel=9, bottleneck=None, cell="lstm"):
    """Build the Conv + bidirectional-recurrent segmentation network.

    A full-rate convolution keeps sharp edges, a strided convolutional
    front-end brings the sequence to ``1 / stride`` of the rate so the
    bidirectional recurrent layers run on fewer steps; their full sequence
    of hidden states is upsampled back and fused with the full-rate features
    to classify every sample.

    Parameters
    ----------
    conv_filters : int
        Width of the strided convolutional layers.
    lstm_units : int
        Units per direction in each bidirectional recurrent layer.
    n_lstm : int
        Number of stacked bidirectional recurrent layers.
    stride : {1, 2, 4, 8}
        Time reduction before the recurrent layers, by ``log2(stride)``
        strided convolutions (window lengths must be a multiple of it).
    seed : int
        Seed for weight initialisation.
    head_filters : int, optional
        Width of the full-rate head convolution (default: ``conv_filters``).
    head_kernel : int
        Kernel length of the head convolution [samples at 250 Hz].
    bottleneck : int, optional
        If given, a 1x1 convolution narrows the recurrent output to this many
        channels at the recurrent rate, before it is upsampled: the full-rate
        head then reads ``bottleneck`` instead of ``2 * lstm_units`` channels.
    cell : {"lstm", "gru"}
        The recurrent cell.

    Returns
    -------
    keras.Model
        Input ``(batch, time, 1)`` normalised voltage; output
        ``(batch, time, 4)`` softmax over background, P, QRS, T.

    Examples
    --------
    >>> model = build_model(head_filters=16, head_kernel=5, bottleneck=16)  # doctest: +SKIP
    >>> model.output_shape  # doctest: +SKIP
    (None, None, 4)
    """
    if stride not in MODEL_STRIDES:
        raise ValueError(f"stride == {stride!r}, must be one of {', '.join(map(str, MODEL_STRIDES))}")
    if cell not in CELLS:
        raise ValueError(f"cell == {cell!r}, must be one of {', '.join(map(repr, CELLS))}")
    keras.utils.set_random_seed(seed)
    inp = keras.Input(shape=(None, 1), name="ecg")
    # full-rate local features (edges)
    fine = layers.Conv1D(16, 9, padding="same", activation="relu", name="fine")(inp)
    # strided front-end: 250 Hz -> 250/stride Hz
    x = fine
    for i in range(stride.bit_length() - 1):
        x = layers.Conv1D(conv_filters, 9, strides=2, padding="same", activation="relu", name=f"down{i}")(x)
    if stride == 1:
        x = layers.Conv1D(conv_filters, 9, padding="same", activation="relu", name="down0")(x)
    # the recurrent core keeps every hidden state (return_sequences)
    for i in range(n_lstm):
        x = layers.Bidirectional(CELLS[cell](lstm_units, return_sequences=True), name=f"bilstm{i}")(x)
    if bottleneck:
        x = layers.Conv1D(bottleneck, 1, activation="relu", name="narrow")(x)
    # back to full rate, fused with the fine features
    if stride > 1:
        x = layers.UpSampling1D(stride, name="up")(x)
    x = layers.Concatenate(name="fuse")([x, fine])
    x = layers.Conv1D(head_filters or conv_filters, head_kernel, padding="same", activation="relu", name="head")(x)
    out = layers.Conv1D(len(CLASSES), 1, activation="softmax", name="proba")(x)
    return keras.Model(inp, out, name="nk_qrs_lstm")


def init_weights(model, start, matching=False, name="init"):
    """Copy the weights of the model ``start`` into ``model``.

    Parameters
    ----------
    model, start : keras.Model
    matching : bool
        False: the two networks must be the same (every layer's name and weight shapes) and every weight is
        copied. True: only the layers of ``model`` whose name and weight shapes ``start`` shares are copied.
    name : str
        What ``start`` was loaded from, for the messages.

    Returns
    -------
    list of str
        Names of the layers whose weights were copied.

    Raises
    ------
    ValueError
        If the networks differ (``matching`` False), or share no layer (``matching`` True).
    """
    shapes = lambda layer: [tuple(w.shape) for w in layer.weights]  # noqa: E731
    theirs = {layer.name: layer for layer in start.layers if layer.weights}
    ours = [layer for layer in model.layers if layer.weights]
    same = [layer for layer in ours if layer.name in theirs and shapes(theirs[layer.name]) == shapes(layer)]
    if not matching and (len(same) != len(ours) or len(theirs) != len(ours)):
        shared = {layer.name for layer in same}
        differ = sorted(({layer.name for layer in ours} | set(theirs)) - shared)
        raise ValueError(f"init == {name!r}: its network differs from the one asked for (layers {', '.join(differ)}"
                         "); pass init_matching=True (--init-matching) to start only the layers they share.")
    if not same:
        raise ValueError(f"init == {name!r} shares no layer (name and weight shapes) with the network asked for.")
    for layer in same:
        layer.set_weights(theirs[layer.name].get_weights())
    return [layer.name for layer in same]


def freeze(model, names):
    """Keep the layers ``names`` of ``model`` as they are while training (``trainable = False``).

    Returns
    -------
    list of str
        The names frozen.

    Raises
    ------
    ValueError
        If a name is not a layer of ``model`` (naming its layers).

    Examples
    --------
    >>> net = keras.Sequential([keras.Input((None, 1)), layers.Dense(2, name="a"), layers.Dense(2, name="b")])
    >>> freeze(net, ["a"]), net.get_layer("a").trainable, net.get_layer("b").trainable
    (['a'], False, True)
    """
    names = [names] if isinstance(names, str) else list(names)
    known = [layer.name for layer in model.layers]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"frozen == {names!r}: {', '.join(map(repr, unknown))} not a layer of the network; "
                         f"its layers are {', '.join(known)}.")
    for name in names:
        model.get_layer(name).trainable = False
    return list(names)
