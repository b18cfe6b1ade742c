"""The network alone under ONNX Runtime: several ONNX files timed in paired, interleaved rounds.

    python benchmarks/network_speed.py A.onnx [B.onnx ...] [--batches 16 64] [--rounds 120] [--threads 2]

On a shared machine the time of one run drifts by tens of percent between minutes, so absolute times are not
comparable between runs; every (file, batch size) pair is timed in the same rounds (in a shuffled order each round),
and each pair's time is divided by the first pair's of the same round. Each round runs 256 random windows of
16.384 s at 250 Hz (4096 samples) in batches of the given sizes (default: the runtime's); times are scaled to one
hour of ECG.
"""

import argparse
import time

import numpy as np
import onnxruntime as ort

from nk_qrs_lstm.runtime import BATCH_WINDOWS

WINDOW = 4096  # [samples] at 250 Hz (WINDOW_S)
N_WINDOWS = 256


def session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="ONNX files; ratios are to the first")
    parser.add_argument("--batches", type=int, nargs="+", default=[BATCH_WINDOWS], help="windows per call")
    parser.add_argument("--rounds", type=int, default=120)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    sessions = {p: session(p, args.threads) for p in args.models}
    pairs = [(p, b) for p in args.models for b in args.batches]
    x = np.random.default_rng(0).normal(size=(N_WINDOWS, WINDOW, 1)).astype(np.float32)

    def run(pair):
        path, batch = pair
        return [sessions[path].run(None, {"ecg": x[i : i + batch]})[0] for i in range(0, N_WINDOWS, batch)]

    outputs = [np.concatenate(run(pair)) for pair in pairs]  # warm-up, and the agreement
    times = np.zeros((args.rounds, len(pairs)))
    for r in range(args.rounds):
        for k in np.random.default_rng(r).permutation(len(pairs)):
            start = time.perf_counter()
            run(pairs[k])
            times[r, k] = time.perf_counter() - start
    per_hour = 3600 * 250 / (N_WINDOWS * WINDOW)  # the windows' overlap is not counted
    ratio = times / times[:, :1]
    for k, (path, batch) in enumerate(pairs):
        print(f"{path}, batches of {batch}: {np.median(times[:, k]) * per_hour:.3f} s per hour (median), ratio to the first "
              f"{np.median(ratio[:, k]):.3f} (IQR {np.percentile(ratio[:, k], 25):.3f}-"
              f"{np.percentile(ratio[:, k], 75):.3f}), max |difference| {np.abs(outputs[k] - outputs[0]).max():.1e}")


if __name__ == "__main__":
    main()
