"""Choose the decoding of :mod:`nk_qrs_lstm.decoding` on the VALIDATION splits only (never on test).

Three steps, each its own sub-command:

    python benchmarks/tune_decoding.py cache  [--parts validation] [--cache /tmp/nkdec]
    python benchmarks/tune_decoding.py sweep  [--cache /tmp/nkdec] [--out benchmarks/results/decoding_sweep.csv]
    python benchmarks/tune_decoding.py report --part validation [--cache /tmp/nkdec]

``cache`` runs the shipped network once per lead (LUDB validation: 40 records x 12 leads; QTDB validation: 14
records x 2 leads; ``--parts test`` adds the LUDB test split, to be scored once at the end) on the raw signal and
after ``nk.ecg_clean`` (NeuroKit's workflow), and saves the model-rate probabilities as .npz (never committed).
``sweep`` scores threshold grids of the decoder on the cached validation probabilities (Se / PPV curves of P
onsets and offsets, the rhythm gate's counts by LUDB rhythm stratum). ``report`` scores argmax decoding
(``decoder="argmax"``) against the probability-aware decoder with the shipped constants on one part.

Scoring is the benchmark's (:func:`nk_qrs_lstm.evaluation.benchmark.evaluate`: one-to-one matching at
±150 ms, predictions in AF / paced leads without expert P marks are false positives).
"""

import argparse
import collections
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

from nk_qrs_lstm import boundaries
from nk_qrs_lstm.defaults import NK_KEYS
from nk_qrs_lstm.evaluation.benchmark import evaluate
from nk_qrs_lstm.pipeline import predict_proba
from nk_qrs_lstm.preprocess import RateMap
from nk_qrs_lstm.training import datasets

PARTS = {"validation": [("ludb", "validation"), ("qtdb", "validation")], "test": [("ludb", "test")]}
INPUTS = ("raw", "clean")
SCORED = ["ECG_P_Onsets", "ECG_P_Offsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Onsets",
          "ECG_T_Offsets"]


# --------------------------------------------------------------------------- data and cache
def strata():
    """LUDB record -> rhythm stratum (sinus / af / paced / other), from ludb.csv."""
    meta = datasets.ludb_metadata(datasets.DEFAULT_LUDB)
    return {rec: datasets._ludb_stratum(row) for rec, row in meta.items()}


def load(database, part):
    return datasets.load_split(database, part)


def signal_for(ecg, kind):
    if kind == "raw":
        return ecg.signal
    import neurokit2 as nk

    rate = int(ecg.sampling_rate) if float(ecg.sampling_rate).is_integer() else ecg.sampling_rate
    return np.asarray(nk.ecg_clean(ecg.signal, sampling_rate=rate), dtype=np.float64)


def cache_path(cache, database, part, kind):
    return os.path.join(cache, f"{database}_{part}_{kind}.npz")


def make_cache(cache, parts):
    os.makedirs(cache, exist_ok=True)
    for part in parts:
        for database, split in PARTS[part]:
            ecgs = load(database, split)
            for kind in INPUTS:
                path = cache_path(cache, database, split, kind)
                if os.path.exists(path):
                    print(f"{path}: exists", flush=True)
                    continue
                t0, arrays = time.time(), {}
                for ecg in ecgs:
                    sig = signal_for(ecg, kind)
                    proba, bad = predict_proba(sig, RateMap.for_rate(ecg.sampling_rate))
                    arrays[f"{ecg.record}/{ecg.lead}/proba"] = proba
                    arrays[f"{ecg.record}/{ecg.lead}/bad"] = bad
                np.savez_compressed(path, **arrays)
                print(f"{path}: {len(ecgs)} leads in {time.time() - t0:.0f} s", flush=True)


def read_cache(cache, database, part, kind):
    """AnnotatedECG list with ``extra['proba']``, ``extra['bad']`` and ``extra['input']`` from the cache."""
    data = np.load(cache_path(cache, database, part, kind))
    ecgs = load(database, part)
    for ecg in ecgs:
        ecg.extra["proba"] = data[f"{ecg.record}/{ecg.lead}/proba"]
        ecg.extra["bad"] = data[f"{ecg.record}/{ecg.lead}/bad"]
        if kind != "raw":
            ecg.extra["input"] = signal_for(ecg, kind)
    return ecgs


# --------------------------------------------------------------------------- scoring
def method_for(ecgs, **decode_kw):
    """``func(signal, rate) -> waves`` decoding the cached probabilities of each lead (one block)."""
    by_id = {id(e.signal): e for e in ecgs}

    def method(signal, sampling_rate):
        ecg = by_id[id(signal)]
        sig = ecg.extra.get("input", signal)
        rate_map = RateMap.for_rate(sampling_rate)
        table = boundaries.delineate_proba(ecg.extra["proba"], sig, sampling_rate, rate=rate_map.model_rate,
                                           unknown=ecg.extra["bad"], ratio=rate_map.ratio, **decode_kw)
        return {k: table[k] for k in NK_KEYS}

    return method


def score(ecgs, database, **decode_kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate("lstm", method_for(ecgs, **decode_kw), ecgs, database=database)


def by_stratum(result, rhythm):
    """P onset true / missed / false per LUDB rhythm stratum."""
    rows = result.per_lead[result.per_lead.fiducial == "ECG_P_Onsets"].copy()
    rows["stratum"] = rows.record.map(rhythm)
    return rows.groupby("stratum")[["tp", "fn", "fp"]].sum()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["cache", "sweep", "report"])
    parser.add_argument("--cache", default="/tmp/nkdec")
    parser.add_argument("--parts", nargs="+", default=["validation"], choices=list(PARTS))
    args = parser.parse_args(argv)
    if args.step == "cache":
        make_cache(args.cache, args.parts)


if __name__ == "__main__":
    main()
