"""Fit the QRS confidence's factor where a complex is unlike its neighbours (``CONFIDENCE_LIKENESS``), on the
VALIDATION splits only.

    python benchmarks/calibrate_likeness.py [--cache DIR] [--wave R|P] [--feature likeness|r_height]

Needs ``python benchmarks/tune_decoding.py cache --parts validation --inputs raw clean noisy sway watch strap
handheld patch``. On the validation leads as ``benchmarks/wearable.py``'s devices record them (motion), the QRS
confidence stayed 0.99 while 89-95 % of the LUDB QRS onsets lay within 40 ms of the expert's (expected calibration
error 0.048-0.098). A beat's QRS likeness to its neighbours (:func:`nk_qrs_lstm.ectopic.qrs_likeness`, in the
decoder's evidence) tells which: the QRS confidence (:func:`nk_qrs_lstm.decoding.confidence`) is the table's value
times a factor of it, per likeness bin (``EDGES``) the sum of correct over the sum of the table's confidences,
non-decreasing (pool-adjacent-violators), capped at 1, 1 from 0.9 up and where the likeness is unknown; fitted on
the QRS onsets of every input above. Rule (stated before the fit): two folds by record (the validation records in
even / odd places of each split's list), fitted on one and scored on the other; the worse fold's QRS ECE on the
LUDB device inputs below 0.05, and no raw / cleaned / noisy cell's ECE up by more than 0.01. (Fitted on one
database and scored on the other it failed: QTDB's 28 leads hold too few beats that motion moved.) Prints the
folds' table and ``CONFIDENCE_LIKENESS``; results in ``docs/decoding.md``. ``--wave P`` runs the same design
for the P confidence (P onsets within 50 ms; no raw / cleaned / noisy / sway cell may rise by more than 0.01):
it failed that rule and nothing ships from it. ``--wave P --feature r_height`` bins the beat's QRS peak
probability instead (``R_EDGES``; thirteenth session): it failed the same rule too.
"""

import argparse
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tune_decoding as td  # noqa: E402

from nk_qrs_lstm.defaults import CONFIDENCE_TABLES  # noqa: E402
from nk_qrs_lstm.training.datasets import load_splits  # noqa: E402

KINDS = ("raw", "clean", "noisy", "sway", "watch", "strap", "handheld", "patch")
DEVICES = ("watch", "strap", "handheld", "patch")
EDGES = (0.0, 0.4, 0.6, 0.8, 0.9)  # [-] likeness bins: below the first, between, from the last (factor 1)
R_EDGES = (0.8, 0.9, 0.95, 0.98, 0.99, 0.995)  # [-] QRS peak-probability bins (--feature r_height), likewise


def qrs_rows(cache, wave="R"):
    """One row per judged QRS onset (``wave="R"``) or P onset (``"P"``): database, input, record, the confidence
    without the factor (QRS: the table's; P: as shipped, the table's times the sway factor), the beat's QRS
    likeness and QRS peak probability, correct (within 40 / 50 ms of an expert onset)."""
    key = f"ECG_{wave}_Onsets"
    rows = []
    for database, kind, ecg, table, ignore in td.validation_leads(cache, KINDS):
        ok, correct = td.judged(ecg, table[key], table[f"ECG_{wave}_Confidence"], key, wave, ignore)
        conf = (np.interp(np.nan_to_num(table["evidence_r_height"][ok]), *CONFIDENCE_TABLES["R"])
                if wave == "R" else np.asarray(table["ECG_P_Confidence"], dtype=float)[ok])
        rows.append(pd.DataFrame({"database": database, "kind": kind, "record": ecg.record, "correct": correct,
                                  "likeness": table["evidence_qrs_likeness"][ok],
                                  "r_height": table["evidence_r_height"][ok], "conf": conf}))
    return pd.concat(rows, ignore_index=True)


def _bins(values, edges=EDGES):
    return np.searchsorted(edges, np.nan_to_num(values, nan=np.inf), side="right")


def fit(rows, feature="likeness", edges=EDGES):
    """The factor per bin of ``feature`` (``len(edges) + 1`` values, the last 1)."""
    factor, weight = td.bin_factors(_bins(rows[feature].to_numpy(), edges), rows.correct.to_numpy(),
                                    rows.conf.to_numpy(), len(edges) + 1)
    factor[-1] = 1.0
    return np.minimum(td._pav(factor, weight), 1.0)  # tune_decoding's pool-adjacent-violators


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default="/tmp/nkdec")
    parser.add_argument("--wave", choices=("R", "P"), default="R",
                        help="R: the QRS confidence's factor (shipped); P: the same design for the P confidence")
    parser.add_argument("--feature", choices=("likeness", "r_height"), default="likeness",
                        help="the evidence binned: the QRS likeness (shipped for R), or the QRS peak probability")
    args = parser.parse_args(argv)
    edges = EDGES if args.feature == "likeness" else R_EDGES
    rows = qrs_rows(args.cache, args.wave)
    splits = load_splits()
    fold = {r: i % 2 for db in ("ludb", "qtdb") for i, r in enumerate(splits[db]["validation"])}
    rows["fold"] = rows.record.map(fold)
    out = []
    for f in (0, 1):
        factor = fit(rows[rows.fold == f], args.feature, edges)
        for (database, kind), sub in rows[rows.fold != f].groupby(["database", "kind"]):
            _, before = td.reliability(sub.conf.to_numpy(), sub.correct.to_numpy())
            _, after = td.reliability(sub.conf.to_numpy() * factor[_bins(sub[args.feature].to_numpy(), edges)],
                                      sub.correct.to_numpy())
            out.append({"fitted_on_fold": f, "database": database, "input": kind, "n": len(sub),
                        "correct": sub.correct.mean(), "ece_before": before, "ece_after": after})
    table = pd.DataFrame(out)
    print(table.round(3).to_string(index=False))
    devices = table[(table.database == "ludb") & table.input.isin(DEVICES)]
    base = table[table.input.isin(("raw", "clean", "noisy") + (("sway",) if args.wave == "P" else ()))]
    passed = devices.ece_after.max() < 0.05 and (base.ece_after - base.ece_before).max() <= 0.01
    factor = fit(rows, args.feature, edges)
    print("rule:", "passed" if passed else "failed")
    name = {("R", "likeness"): "CONFIDENCE_LIKENESS =", ("P", "likeness"): "CONFIDENCE_P_LIKENESS ="}.get(
        (args.wave, args.feature), f"factor of {args.feature} ({args.wave}) =")
    print(name, (edges, tuple(round(float(v), 3) for v in factor)) if passed else ((), (1.0,)))


if __name__ == "__main__":
    main()
