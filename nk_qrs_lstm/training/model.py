"""The network: a per-timestep classifier of P / QRS / T / background.

Keras 3, backend-neutral (only ``keras.layers``), so it trains under
TensorFlow or JAX. Imported by training and export code only: delineation
runs the exported ONNX file (see :mod:`nk_qrs_lstm.runtime`).
"""

import keras
from keras import layers

from ..defaults import CLASSES, MODEL_STRIDE


def build_model(conv_filters=32, lstm_units=32, n_lstm=2, stride=MODEL_STRIDE, seed=0):
    """Build the Conv + BiLSTM segmentation network.

    A full-rate convolution keeps sharp edges, a strided convolutional
    front-end brings the sequence to ``1 / stride`` of the rate so the
    bidirectional LSTMs (which dominate the cost) run on fewer steps; their
    full sequence of hidden states is upsampled back and fused with the
    full-rate features to classify every sample.

    Parameters
    ----------
    conv_filters : int
        Width of the convolutional layers.
    lstm_units : int
        Units per direction in each bidirectional LSTM.
    n_lstm : int
        Number of stacked bidirectional LSTM layers.
    stride : {1, 2, 4}
        Time reduction before the recurrent layers (window lengths must be a
        multiple of it).
    seed : int
        Seed for weight initialisation.

    Returns
    -------
    keras.Model
        Input ``(batch, time, 1)`` normalised voltage; output
        ``(batch, time, 4)`` softmax over background, P, QRS, T.
    """
    keras.utils.set_random_seed(seed)
    inp = keras.Input(shape=(None, 1), name="ecg")
    # full-rate local features (edges)
    fine = layers.Conv1D(16, 9, padding="same", activation="relu", name="fine")(inp)
    # strided front-end: 250 Hz -> 250/stride Hz
    x = fine
    for i in range({1: 0, 2: 1, 4: 2}[stride]):
        x = layers.Conv1D(conv_filters, 9, strides=2, padding="same", activation="relu", name=f"down{i}")(x)
    if stride == 1:
        x = layers.Conv1D(conv_filters, 9, padding="same", activation="relu", name="down0")(x)
    # the recurrent core keeps every hidden state (return_sequences)
    for i in range(n_lstm):
        x = layers.Bidirectional(layers.LSTM(lstm_units, return_sequences=True), name=f"bilstm{i}")(x)
    # back to full rate, fused with the fine features
    if stride > 1:
        x = layers.UpSampling1D(stride, name="up")(x)
    x = layers.Concatenate(name="fuse")([x, fine])
    x = layers.Conv1D(conv_filters, 9, padding="same", activation="relu", name="head")(x)
    out = layers.Conv1D(len(CLASSES), 1, activation="softmax", name="proba")(x)
    return keras.Model(inp, out, name="nk_qrs_lstm")
