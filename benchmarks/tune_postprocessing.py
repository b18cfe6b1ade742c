"""Choose post-processing settings on the VALIDATION split only (never on test).

Runs the shipped network once per validation lead (LUDB validation split, 12 leads; QTDB validation split, both
leads), caches the probabilities, then scores post-processing variants with the project's benchmark scoring.

    python benchmarks/tune_postprocessing.py [--limit N] [--out benchmarks/results/tuning.csv]
"""

import argparse
import itertools
import time

import numpy as np
import pandas as pd

from nk_qrs_lstm import boundaries
from nk_qrs_lstm.defaults import CSE_2SD_S
from nk_qrs_lstm.evaluation.runner import evaluate
from nk_qrs_lstm.neurokit import to_neurokit
from nk_qrs_lstm.alignment import align
from nk_qrs_lstm.pipeline import predict_proba
from nk_qrs_lstm.preprocess import RateMap
from nk_qrs_lstm.training import datasets

KEYS = [f"ECG_{point}" for point in CSE_2SD_S]  # the fiducials with a CSE limit of expert disagreement


def variants():
    """The grid: sub-sample refinement, gap closing and the minimum wave durations."""
    for refine, gap_s, min_scale in itertools.product([True, False], [0.012, 0.020, 0.040], [0.5, 1.0, 1.5]):
        yield {"refine": refine, "gap_s": gap_s, "min_scale": min_scale}


BASE_MIN_S = {1: 0.030, 2: 0.030, 3: 0.050}  # [s] P, QRS, T minimum durations scaled by min_scale


def make_method(cache, refine, gap_s, min_scale):
    min_s = {cls: value * min_scale for cls, value in BASE_MIN_S.items()}

    def method(signal, sampling_rate):
        proba, bad, rate_map = cache[id(signal)]
        table = boundaries.delineate_proba(proba, signal, sampling_rate, rate=rate_map.model_rate, refine=refine,
                                           unknown=bad, gap_s=gap_s, min_s=min_s, ratio=rate_map.ratio)
        return to_neurokit(align(table, None, sampling_rate), len(signal))[1]

    return method


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N records of each validation split")
    parser.add_argument("--out", default="benchmarks/results/tuning_validation.csv")
    args = parser.parse_args(argv)
    splits = datasets.load_splits()
    sets = {
        "ludb": [e for r in splits["ludb"]["validation"][: args.limit] for e in datasets.read_ludb(r)],
        "qtdb": [e for r in splits["qtdb"]["validation"][: args.limit] for e in datasets.read_qtdb(r)],
    }
    cache = {}
    t0 = time.time()
    for ecgs in sets.values():
        for ecg in ecgs:
            rate_map = RateMap.for_rate(ecg.sampling_rate)
            cache[id(ecg.signal)] = (*predict_proba(ecg.signal, rate_map), rate_map)
    print(f"probabilities for {len(cache)} leads in {time.time() - t0:.0f} s")
    rows = []
    for params in variants():
        method = make_method(cache, **params)
        for database, ecgs in sets.items():
            summary = evaluate("lstm", method, ecgs, database=database).summary
            for key in KEYS:
                row = summary.loc[key]
                rows.append({**params, "database": database, "fiducial": key, "f1": row["f1"],
                             "f1_strict": row["f1_strict"], "mean_ms": row["mean_ms"], "sd_ms": row["sd_ms"]})
    frame = pd.DataFrame(rows)
    frame.to_csv(args.out, index=False)
    # one score per variant: mean SD over fiducials and databases, penalising lost F1
    score = frame.assign(cost=frame["sd_ms"] + np.abs(frame["mean_ms"]) + 10 * (100 - frame["f1"]))
    ranking = score.groupby(["refine", "gap_s", "min_scale"])["cost"].mean().sort_values()
    print(ranking.head(10).to_string())
    best = dict(zip(["refine", "gap_s", "min_scale"], ranking.index[0]))
    print("best on validation:", best)
    print(frame[(frame.refine == best["refine"]) & (frame.gap_s == best["gap_s"])
                & (frame.min_scale == best["min_scale"])].round(2).to_string(index=False))


if __name__ == "__main__":
    main()
