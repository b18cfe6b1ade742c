"""Choose how many leads must see a P (T) wave for the fused record to keep it, on the VALIDATION splits only.

    python benchmarks/tune_fusion.py [--fractions 0 0.25 0.5 0.75] [--limit N]

Each record of the LUDB validation split (12 leads) and of the QTDB validation split (2 leads) is delineated
once per lead (``delineate_record``); the per-lead tables are then fused with
:func:`nk_qrs_lstm.fusion.fuse_leads` for every ``wave_fraction`` and scored against each lead's reference as in
``benchmarks/fusion.py`` (P onset, P offset, T offset). The choice is in ``docs/benchmarks.md`` ("Fusing the
leads of a record").

``--reliability`` also checks the fused rows' confidences (the median of the per-lead confidences of the leads
that found the wave) against each lead's reference, as ``tune_decoding.py calibrate`` does for single leads: a
fused P / QRS onset or T offset is correct where it lies within the strict tolerance of that lead's expert mark;
reliability bins and the expected calibration error per wave and split.

``--percentiles`` sweeps, for one wave at a time (the others at ``FUSE_PERCENTILES``), the percentile over leads
of its fused onset and offset, and prints F1 / mean / SD of that wave's onset and offset on both splits.
"""

import argparse
import itertools
import os
import sys
import warnings

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fusion import PARTS  # noqa: E402

from tune_decoding import judged, reliability  # noqa: E402

from nk_qrs_lstm.evaluation.benchmark import evaluate, unmarked_ranges  # noqa: E402
from nk_qrs_lstm.fusion import fuse_leads  # noqa: E402
from nk_qrs_lstm.record import delineate_record  # noqa: E402
from nk_qrs_lstm.training import datasets  # noqa: E402

KEYS = ["ECG_P_Onsets", "ECG_P_Offsets", "ECG_T_Offsets"]


def per_lead_tables(database, limit=None):
    records = datasets.load_splits()[database]["validation"][:limit]
    path = datasets.DEFAULT_LUDB if database == "ludb" else datasets.DEFAULT_QTDB
    reader = datasets.read_ludb if database == "ludb" else datasets.read_qtdb
    out = []
    for record in records:
        wfdb_path = os.path.join(path, "data", record) if database == "ludb" else os.path.join(path, record)
        result = delineate_record(wfdb_path)
        out.append((reader(record, path=path), result.tables, result.sampling_rate))
    return out


def score(database, tables, fraction, percentiles=None, keys=KEYS):
    ecgs, fused = [], {}
    for leads, per_lead, rate in tables:
        table = fuse_leads(per_lead, rate, wave_fraction=fraction, percentiles=percentiles)
        waves = {k: table[k].to_numpy(dtype=float) for k in table.columns if k.startswith("ECG_")}
        for ecg in leads:
            ecgs.append(ecg)
            fused[id(ecg.signal)] = waves
    result = evaluate("fused", lambda s, fs: fused[id(s)], ecgs, database=database)
    rows = []
    for key in keys:
        r = result.summary.loc[key]
        rows.append({"database": database, "wave_fraction": fraction, "fiducial": key[4:], "se": r.se,
                     "ppv": r.ppv, "f1": r.f1, "mean_ms": r.mean_ms, "sd_ms": r.sd_ms})
    return rows


POINTS = {"P": "ECG_P_Onsets", "R": "ECG_R_Onsets", "T": "ECG_T_Offsets"}
SWEEP = {"P": ([10, 20, 35, 50], [50, 65, 80, 90]), "R": ([10, 20, 35, 50], [50, 65, 80, 90]),
         "T": ([10, 20, 35, 50], [50, 65, 80, 90])}


def sweep_percentiles(database, tables, fraction):
    rows = []
    for wave, (onsets, offsets) in SWEEP.items():
        keys = [f"ECG_{wave}_Onsets", f"ECG_{wave}_Offsets"]
        for on, off in itertools.product(onsets, offsets):
            for row in score(database, tables, fraction, {wave: (on, off)}, keys):
                rows.append({"wave": wave, "onset_pct": on, "offset_pct": off, **row})
    return rows


def confidence_data(database, tables, fraction):
    """(wave, confidence, correct) of every fused wave against every lead's reference, inside its regions."""
    rows = []
    for leads, per_lead, rate in tables:
        fused = fuse_leads(per_lead, rate, wave_fraction=fraction)
        for ecg in leads:
            ignore = unmarked_ranges(ecg)
            for wave, key in POINTS.items():
                conf = fused[f"ECG_{wave}_Confidence"].to_numpy(dtype=float)
                ok, correct = judged(ecg, fused[key].to_numpy(dtype=float), conf, key, wave, ignore)
                rows.append(pd.DataFrame({"database": database, "wave": wave, "confidence": conf[ok],
                                          "correct": correct}))
    return pd.concat(rows, ignore_index=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", nargs="+", type=float, default=[0.0, 0.25, 0.5, 0.75])
    parser.add_argument("--limit", type=int, default=None, help="only the first N records of each split")
    parser.add_argument("--reliability", action="store_true", help="also the fused confidences' reliability")
    parser.add_argument("--percentiles", action="store_true", help="sweep onset / offset percentiles per wave")
    args = parser.parse_args(argv)
    rows, confidences, sweeps = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for database in PARTS:
            tables = per_lead_tables(database, args.limit)
            for fraction in args.fractions:
                rows.extend(score(database, tables, fraction))
            if args.reliability:
                confidences.append(confidence_data(database, tables, args.fractions[0]))
            if args.percentiles:
                sweeps.extend(sweep_percentiles(database, tables, args.fractions[0]))
    frame = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(frame.pivot_table(index=["fiducial", "wave_fraction"], columns="database",
                            values=["se", "ppv", "f1", "sd_ms"]).round(1).to_string())
    if sweeps:
        frame = pd.DataFrame(sweeps)
        wide = frame.pivot_table(index=["wave", "onset_pct", "offset_pct", "fiducial"], columns="database",
                                 values=["f1", "mean_ms", "sd_ms"])
        print(wide.round(1).to_string())
    if confidences:
        data = pd.concat(confidences, ignore_index=True)
        for (database, wave), sub in data.groupby(["database", "wave"]):
            table, ece = reliability(sub.confidence.to_numpy(), sub.correct.to_numpy())
            print(f"{database} validation, fused {wave} (wave_fraction {args.fractions[0]}): n {len(sub)}, "
                  f"correct {sub.correct.mean():.3f}, mean confidence {sub.confidence.mean():.3f}, ECE {ece:.4f}")
            print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
