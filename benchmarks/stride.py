"""Recurrent layers at full rate (stride 1) or at a quarter of it (stride 4): speed and validation loss.

Speed: both architectures (``build_model(stride=1)`` and ``build_model(stride=4)``) exported to ONNX and timed on
the same hour of real ECG windows. Accuracy: the validation-split loss of two training runs with the same seed, data
and learning rate, compared at equal numbers of training steps:

    python -m nk_qrs_lstm.training.train --out runs/stride1 --epochs 4 --steps 100 --stride 1 --seed 0 --patience 100
    (runs/main is the shipped model's run, stride 4, 200 steps per epoch)
    python benchmarks/stride.py --markdown docs/benchmarks.md
"""

import argparse
import csv
import datetime
import os
import tempfile
import time

import numpy as np

from nk_qrs_lstm.evaluation.benchmark import replace_section


def onnx_seconds(stride, windows, repeats=3):
    import onnx
    import onnxruntime as ort

    from nk_qrs_lstm.training.export import keras_to_onnx
    from nk_qrs_lstm.training.model import build_model

    path = os.path.join(tempfile.mkdtemp(), f"stride{stride}.onnx")
    onnx.save(keras_to_onnx(build_model(stride=stride)), path)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    session = ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    x = windows[..., None].astype(np.float32)
    run = lambda: [session.run(None, {"ecg": x[i : i + 64]}) for i in range(0, len(x), 64)]  # noqa: E731
    run()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def val_loss_by_step(run_dir, steps_per_epoch):
    with open(os.path.join(run_dir, "history.csv")) as f:
        return {(int(r["epoch"]) + 1) * steps_per_epoch: float(r["val_loss"]) for r in csv.DictReader(f)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stride1-run", default="runs/stride1")
    parser.add_argument("--stride4-run", default="runs/main")
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args(argv)
    from backends import hour_of_windows  # benchmarks/backends.py

    windows = hour_of_windows()
    seconds = {s: onnx_seconds(s, windows) for s in (1, 4)}
    loss1 = val_loss_by_step(args.stride1_run, 100)
    loss4 = val_loss_by_step(args.stride4_run, 200)
    common = sorted(set(loss1) & set(loss4))
    lines = ["## Recurrent layers at full rate or at a quarter of it", "",
             f"Command: `python benchmarks/stride.py` ({datetime.date.today().isoformat()}). Network alone under ONNX "
             f"Runtime (2 threads) on {len(windows)} windows (about 1 h of LUDB lead II at 250 Hz); validation-split "
             "loss (LUDB + QTDB validation windows, masked cross-entropy) of runs with the same seed, data and "
             "learning rate, at equal training steps (batches of 32 crops).", "",
             "| | stride 1 (BiLSTM at 250 Hz) | stride 4 (BiLSTM at 62.5 Hz) |", "|---|---:|---:|",
             f"| seconds per hour of ECG (network only) | {seconds[1]:.2f} | {seconds[4]:.2f} |"]
    for step in common:
        lines.append(f"| validation loss after {step} steps | {loss1[step]:.4f} | {loss4[step]:.4f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        replace_section(args.markdown, text, start="<!-- stride:start -->", end="<!-- stride:end -->")


if __name__ == "__main__":
    main()
