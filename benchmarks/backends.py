"""ONNX Runtime against TensorFlow's compiled call for the shipped network, in one run.

Times ``nk_qrs_lstm.runtime.predict_windows`` on the same batch of real, normalised inference windows (one hour of
LUDB lead II at 250 Hz) for each backend and ONNX Runtime thread count, and checks the probabilities agree.

    python benchmarks/backends.py --markdown docs/benchmarks.md
"""

import argparse
import datetime
import importlib
import os
import platform
import time

import numpy as np

from nk_qrs_lstm import runtime as inference
from nk_qrs_lstm.training import datasets
from nk_qrs_lstm.evaluation.benchmark import replace_section
from nk_qrs_lstm.preprocess import make_windows, normalise, prepare, window_plan


def hour_of_windows(n_records=360):
    """About one hour of real LUDB lead II (records cycled), as normalised model windows."""
    records = datasets.ludb_records()
    leads = [datasets.read_ludb(records[i % len(records)], leads=["ii"])[0].signal for i in range(n_records)]
    x, _ = prepare(np.concatenate([v - np.median(v) for v in leads]), 500)
    starts, window = window_plan(len(x))
    return normalise(make_windows(x, starts, window))


def timed(func, repeats):
    func()  # warm-up (session creation, tracing)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args(argv)
    windows = hour_of_windows()
    rows, reference = [], None
    for backend, threads in (("onnx", 1), ("onnx", 2), ("tensorflow", None)):
        if threads:
            os.environ[inference.THREADS_ENV] = str(threads)
        inference._onnx_runner.cache_clear()
        inference._tensorflow_runner.cache_clear()
        try:
            seconds = timed(lambda: inference.predict_windows(windows, backend=backend), args.repeats)
        except ImportError as err:
            rows.append((backend, threads, None, str(err)))
            continue
        proba = inference.predict_windows(windows, backend=backend)
        reference = proba if reference is None else reference
        rows.append((backend, threads, seconds, float(np.max(np.abs(proba - reference)))))
    os.environ.pop(inference.THREADS_ENV, None)
    base = rows[0][2]
    versions = {m: importlib.import_module(m).__version__ for m in ("onnxruntime", "keras")
                if importlib.util.find_spec(m)}
    lines = ["## Inference backends", "",
             f"Command: `python benchmarks/backends.py` ({datetime.date.today().isoformat()}; {os.cpu_count()} CPUs; "
             f"Python {platform.python_version()}; "
             + ", ".join(f"{k} {v}" for k, v in versions.items()) + "). "
             f"The network alone on {len(windows)} windows of {windows.shape[1] / 250:.3f} s (about 1 h of LUDB lead II "
             "at 250 Hz), "
             f"median of {args.repeats} runs after a warm-up.", "",
             "| Backend | Threads | Seconds per hour of ECG | Relative to ONNX, 1 thread | max abs diff vs ONNX |",
             "|---|---:|---:|---:|---:|"]
    for backend, threads, seconds, diff in rows:
        if seconds is None:
            lines.append(f"| {backend} | | not available ({diff}) | | |")
            continue
        name = "TensorFlow (Keras `predict_on_batch`, compiled)" if backend == "tensorflow" else "ONNX Runtime"
        lines.append(f"| {name} | {threads or 'TF default'} | {seconds:.2f} | {seconds / base:.2f}x | {diff:.1e} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        replace_section(args.markdown, text, start="<!-- backends:start -->", end="<!-- backends:end -->")


if __name__ == "__main__":
    main()
