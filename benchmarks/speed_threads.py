"""Do other libraries' threads slow the learned delineator down, in one process after NeuroKit work?

    python benchmarks/speed_threads.py [--repeats 7]

One process, as a user runs it: ``nk.ecg_process`` on 5 minutes first (it starts NumPy's and SciPy's thread
pools), then ``nk_qrs_lstm.ecg_delineate`` on 1 h of ``nk.ecg_simulate`` at 500 Hz, with a minute of
``nk.ecg_clean`` between calls. Four settings alternate, ``--repeats`` times each: ONNX Runtime's intra-op
threads spinning after each run (its default, what the package ships) or not
(``session.intra_op.allow_spinning = 0``), each with and without capping the BLAS / OpenMP pools to one thread
while delineating (``threadpoolctl.threadpool_limits(1)``). Medians and minima of the wall-clock times.
"""

import argparse
import statistics
import time
import warnings

import neurokit2 as nk
import onnxruntime as ort
from threadpoolctl import threadpool_limits

import nk_qrs_lstm
from nk_qrs_lstm import runtime

RATE = 500  # [Hz]


def session(spinning):
    """A runner like the package's (:func:`nk_qrs_lstm.runtime._onnx_runner`), spinning or not."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = runtime._threads()
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if not spinning:
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    path = runtime.verified_path("nk_qrs_lstm.onnx", runtime.model_dir())
    sess = ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    return lambda x: sess.run(None, {"ecg": x})[0]


def timed(ecg, runner, cap):
    original = runtime._onnx_runner
    runtime._onnx_runner = lambda directory: runner
    try:
        start = time.perf_counter()
        if cap:
            with threadpool_limits(1):
                nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=RATE)
        else:
            nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=RATE)
        return time.perf_counter() - start
    finally:
        runtime._onnx_runner = original


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    warm = nk.ecg_simulate(duration=300, sampling_rate=RATE, random_state=0)
    nk.ecg_process(warm, sampling_rate=RATE)
    ecg = nk.ecg_simulate(duration=3600, sampling_rate=RATE, random_state=1)
    runners = {"spinning (default)": session(True), "no spinning": session(False)}
    settings = [(name, cap) for cap in (False, True) for name in runners]
    times = {s: [] for s in settings}
    timed(ecg, runners["spinning (default)"], False)  # warm-up
    for _ in range(args.repeats):
        for name, cap in settings:
            times[(name, cap)].append(timed(ecg, runners[name], cap))
            nk.ecg_clean(warm[: RATE * 60], sampling_rate=RATE)
    print(f"1 h at {RATE} Hz through ecg_delineate, one process after NeuroKit work, {args.repeats} repeats:")
    for (name, cap), values in times.items():
        label = f"{name}{', BLAS capped at 1 thread' if cap else ''}"
        print(f"  {label}: median {statistics.median(values):.3f} s, min {min(values):.3f} s")


if __name__ == "__main__":
    main()
