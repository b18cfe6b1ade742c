"""The network alone under ONNX Runtime: several ONNX files timed in paired, interleaved rounds.

    python benchmarks/network_speed.py A.onnx B.onnx [C.onnx ...] [--rounds 120] [--threads 2]

On a shared machine the time of one run drifts by tens of percent between minutes, so absolute times are not
comparable between runs; the files are timed in the same rounds (in a shuffled order each round), and each file's
time is divided by the first file's of the same round. Each round runs 64 random windows of 16.384 s at 250 Hz
(4096 samples, batches of 16 as the runtime does); times are scaled to one hour of ECG.
"""

import argparse
import time

import numpy as np
import onnxruntime as ort

from nk_qrs_lstm.runtime import BATCH_WINDOWS

WINDOW = 4096  # [samples] at 250 Hz (WINDOW_S)
N_WINDOWS = 64


def session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="ONNX files; ratios are to the first")
    parser.add_argument("--rounds", type=int, default=120)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    sessions = [session(p, args.threads) for p in args.models]
    x = np.random.default_rng(0).normal(size=(N_WINDOWS, WINDOW, 1)).astype(np.float32)

    def run(s):
        return [s.run(None, {"ecg": x[i : i + BATCH_WINDOWS]})[0] for i in range(0, N_WINDOWS, BATCH_WINDOWS)]

    outputs = [np.concatenate(run(s)) for s in sessions]  # warm-up, and the agreement
    times = np.zeros((args.rounds, len(sessions)))
    for r in range(args.rounds):
        for k in np.random.default_rng(r).permutation(len(sessions)):
            start = time.perf_counter()
            run(sessions[k])
            times[r, k] = time.perf_counter() - start
    per_hour = 3600 * 250 / (N_WINDOWS * WINDOW)  # the windows' overlap is not counted
    ratio = times / times[:, :1]
    for k, path in enumerate(args.models):
        print(f"{path}: {np.median(times[:, k]) * per_hour:.3f} s per hour (median), ratio to the first "
              f"{np.median(ratio[:, k]):.3f} (IQR {np.percentile(ratio[:, k], 25):.3f}-"
              f"{np.percentile(ratio[:, k], 75):.3f}), max |difference| {np.abs(outputs[k] - outputs[0]).max():.1e}")


if __name__ == "__main__":
    main()
