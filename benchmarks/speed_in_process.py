"""End-to-end speed in one process, after NeuroKit work, as a user runs it.

Usage::

    python benchmarks/speed_in_process.py [--hours 1] [--repeats 3] [--models DIR ...]

One process: imports, then NeuroKit work (``nk.ecg_process`` on 5 minutes, which starts NumPy's and
SciPy's thread pools), then, alternating, raw signal -> NeuroKit-format ``waves``:
``lstm`` (``nk_qrs_lstm.ecg_delineate(raw, sampling_rate=...)``, no R-peak detector needed) and NeuroKit's
``prominence`` and ``dwt`` pipelines (``ecg_clean`` -> ``ecg_peaks`` -> ``ecg_delineate``); and the network alone
(``pipeline.predict_proba``). Medians of the repeats; ratios from the same run.
"""

import argparse
import time
import warnings

import neurokit2 as nk
import numpy as np

import nk_qrs_lstm
from nk_qrs_lstm.pipeline import predict_proba
from nk_qrs_lstm.preprocess import RateMap
from nk_qrs_lstm.runtime import using_model

RATE = 500  # [Hz]


def _neurokit(method):
    def run(x):
        cleaned = nk.ecg_clean(x, sampling_rate=RATE)
        _, info = nk.ecg_peaks(cleaned, sampling_rate=RATE)
        return nk.ecg_delineate(cleaned, info, sampling_rate=RATE, method=method)[1]

    return run


def _with_model(folder, run):
    def timed():
        with using_model(folder):
            return run()

    return timed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/speed_in_process.py")
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dwt", action="store_true", help="also time NeuroKit's dwt (slow)")
    parser.add_argument("--models", nargs="*", default=[],
                        help="other model folders (written by nk_qrs_lstm.training.export) to time the same way")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    base = nk.ecg_simulate(duration=60, sampling_rate=RATE, heart_rate=70, noise=0.02, random_state=0)
    x = np.tile(base, int(round(args.hours * 60)))
    nk.ecg_process(x[: 300 * RATE], sampling_rate=RATE)  # NeuroKit work first, as in a user's session
    runs = {
        "lstm": lambda: nk_qrs_lstm.ecg_delineate(x, sampling_rate=RATE),
        "network alone": lambda: predict_proba(x, RateMap.for_rate(RATE)),
        "prominence": lambda: _neurokit("prominence")(x),
    }
    if args.dwt:
        runs["dwt"] = lambda: _neurokit("dwt")(x)
    for folder in args.models:  # runtime.using_model switches the model only while it runs
        runs[f"lstm [{folder}]"] = _with_model(folder, lambda: nk_qrs_lstm.ecg_delineate(x, sampling_rate=RATE))
        runs[f"network alone [{folder}]"] = _with_model(folder, lambda: predict_proba(x, RateMap.for_rate(RATE)))
    times = {k: [] for k in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"{args.hours:g} h at {RATE} Hz, one process after NeuroKit work, median of {args.repeats}:")
    for name, t in med.items():
        ratio = "" if name == "lstm" else f"  ({t / med['lstm']:.2f}x lstm's time)"
        print(f"  {name}: {t:.2f} s{ratio}")


if __name__ == "__main__":
    main()
