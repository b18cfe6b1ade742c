"""Where inside a P wave its peak is: the rule's ratio chosen on the validation splits.

    python benchmarks/tune_p_peak.py [--clean] [--ratios 1 1.5 2 3 1000]

The P limits come from ``nk_qrs_lstm.ecg_delineate`` (raw leads, or ``nk.ecg_clean`` first with ``--clean``); the
peak is then placed by each rule and scored against the expert P peaks (LUDB validation every lead, QTDB
validation both leads; the benchmark's matching): ratio k = the highest point above the line joining the wave's
limits unless the lowest below it is k times farther (k = 1: the farthest point either way, the rule before
2026-11-30; k = 1000: always the highest). A second table counts, on ``nk.ecg_simulate`` at 60-220 bpm (two seeds,
``nk.ecg_clean`` first), the P peaks more than 10 ms from the highest point between the limits: at fast rates a P
wave that starts on the T wave's down-slope dips below that line before it rises.
"""

import argparse

import neurokit2 as nk
import numpy as np

import nk_qrs_lstm
from nk_qrs_lstm.peaks import extremum
from nk_qrs_lstm.evaluation.report import accuracy_table
from nk_qrs_lstm.evaluation.runner import evaluate
from nk_qrs_lstm.training import datasets


def peaks(signal, onsets, offsets, ratio):
    """P peaks by the rule with ``ratio``."""
    return extremum(signal, onsets, offsets, kind="upright", inverted_ratio=ratio)


def validation(ratios, clean):
    splits, cache, results = datasets.load_splits(), {}, {}

    def rule(ratio):
        def delineate(signal, rate):
            if id(signal) not in cache:
                x = nk.ecg_clean(signal, sampling_rate=rate) if clean else signal
                cache[id(signal)] = (np.where(np.isfinite(x), x, 0.0),
                                     nk_qrs_lstm.ecg_delineate(x, sampling_rate=rate)[1])
            x, waves = cache[id(signal)]
            on, off = (np.asarray(waves[k], dtype=float) for k in ("ECG_P_Onsets", "ECG_P_Offsets"))
            return {"ECG_P_Peaks": peaks(x, on, off, ratio)}
        return delineate

    for database, reader, path in (("ludb", datasets.read_ludb, datasets.DEFAULT_LUDB),
                                   ("qtdb", datasets.read_qtdb, datasets.DEFAULT_QTDB)):
        ecgs = [ecg for record in splits[database]["validation"] for ecg in reader(record, path=path)]
        for ratio in ratios:
            name = f"{database} validation, ratio {ratio:g}"
            results[name] = evaluate(name, rule(ratio), ecgs, database=database)
    return [line for line in accuracy_table(results).splitlines() if "P peak" in line or line.startswith("|-")
            or line.startswith("| Fiducial")]


def simulated(ratios, rate=500):
    lines = ["| heart rate (bpm) | seed | P waves | " + " | ".join(f"ratio {r:g}" for r in ratios) + " |",
             "|---:|---:|---:|" + "---:|" * len(ratios)]
    for heart_rate in (60, 100, 150, 180, 220):
        for seed in (1, 2):
            x = nk.ecg_clean(nk.ecg_simulate(duration=12, sampling_rate=rate, heart_rate=heart_rate,
                                             random_state=seed), sampling_rate=rate)
            waves = nk_qrs_lstm.ecg_delineate(x, sampling_rate=rate)[1]
            on, off = (np.asarray(waves[k], dtype=float) for k in ("ECG_P_Onsets", "ECG_P_Offsets"))
            ok = np.isfinite(on) & np.isfinite(off) & (off > on)
            highest = np.array([a + np.argmax(x[int(a):int(b) + 1]) for a, b in zip(on[ok], off[ok])])
            far = [int(np.sum(np.abs(peaks(x, on[ok], off[ok], r) - highest) > 0.010 * rate)) for r in ratios]
            lines.append(f"| {heart_rate} | {seed} | {ok.sum()} | " + " | ".join(map(str, far)) + " |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="nk.ecg_clean before delineating")
    parser.add_argument("--ratios", type=float, nargs="+", default=[1, 1.5, 2, 3, 1000])
    args = parser.parse_args(argv)
    print("\n".join(validation(args.ratios, args.clean)), "", "\n".join(simulated(args.ratios)), sep="\n")


if __name__ == "__main__":
    main()
