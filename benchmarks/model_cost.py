"""Multiply-adds per 250-Hz input sample, layer by layer, of a Keras delineation model.

Usage::

    python benchmarks/model_cost.py [MODEL.keras]     # default: the shipped model

Counts from the model's own config (kernel sizes, widths, strides): a layer running at 1/s of the input rate
costs its per-step multiply-adds divided by s. Recurrent layers: 4 (LSTM) or 3 (GRU) gates of
(input + units) x units per step and direction. The ONNX head fuses the upsampling into a ConvTranspose of
the low-rate features plus a Conv of the full-rate ones: the same count as the Keras Conv on the concatenation.
"""

import sys

import keras

from nk_qrs_lstm.runtime import verified_path


def layer_costs(model):
    """[(name, class, rate divisor, multiply-adds per input sample)] for every layer with weights."""
    divisor = {model.inputs[0].name: 1}
    rows = []
    for layer in model.layers:
        inbound = [t for node in layer._inbound_nodes for t in node.input_tensors]
        div = max((divisor.get(t.name, 1) for t in inbound), default=1)
        cls = type(layer).__name__
        macs = 0.0
        if cls == "Conv1D":
            k, cin, cout = layer.kernel.shape
            div *= layer.strides[0]
            macs = k * cin * cout / div
        elif cls == "Bidirectional":
            cell = layer.forward_layer
            gates = 4 if type(cell).__name__ == "LSTM" else 3
            cin = inbound[0].shape[-1]
            macs = 2 * gates * (cin + cell.units) * cell.units / div
        elif cls == "UpSampling1D":
            div //= layer.size
        elif cls == "Dense":
            macs = layer.kernel.shape[0] * layer.kernel.shape[1] / div
        for t in layer.outputs if hasattr(layer, "outputs") else [layer.output]:
            divisor[t.name] = div
        if macs:
            rows.append((layer.name, cls, div, macs))
    return rows


def main(path=None):
    model = keras.saving.load_model(path or verified_path("nk_qrs_lstm.keras"), compile=False)
    rows = layer_costs(model)
    total = sum(r[3] for r in rows)
    print("| layer | type | runs at | multiply-adds per sample | share |\n|---|---|---|---:|---:|")
    for name, cls, div, macs in rows:
        print(f"| {name} | {cls} | 250/{div} Hz | {macs:,.0f} | {100 * macs / total:.0f} % |")
    print(f"| **total** | | | **{total:,.0f}** | |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
