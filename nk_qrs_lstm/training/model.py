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
