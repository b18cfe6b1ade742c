"""QRS boundary errors by QRS width: are wide complexes (bundle branch block, paced) cut short?

Delineates every lead of a split (``nk_qrs_lstm.ecg_delineate``, raw input, no R-peaks given), matches each
expert QRS whose onset and offset are both marked to the nearest found onset and offset (within 150 ms), and
tabulates the mean and SD of the onset and offset errors (found - expert, ms) in bins of the expert's QRS
duration and in bins of the found duration (what a correction could condition on)::

    python benchmarks/qrs_width.py --database ludb --part validation
    NK_QRS_LSTM_MODEL_DIR=runs/w3/export python benchmarks/qrs_width.py --part validation   # another model

Choices are made on validation; the test split is only reported.
"""

import argparse
import warnings

import numpy as np
import pandas as pd

import nk_qrs_lstm
from nk_qrs_lstm.training import datasets

TOLERANCE_S = 0.150  # [s] a found boundary farther than this from the expert's is not matched
BINS_MS = [0, 90, 110, 130, 150, 400]  # [ms] QRS duration bins


def errors(database, part, limit=None):
    """One row per matched expert QRS: record, lead, expert duration, onset error, offset error (ms)."""
    records = datasets.load_splits()[database][part][:limit]
    reader = datasets.read_ludb if database == "ludb" else datasets.read_qtdb
    path = datasets.DEFAULT_LUDB if database == "ludb" else datasets.DEFAULT_QTDB
    rows = []
    for record in records:
        for lead in reader(record, path=path):
            rate = lead.sampling_rate
            qrs = lead.waves["QRS"]
            qrs = qrs[np.isfinite(qrs[:, 0]) & np.isfinite(qrs[:, 2])]
            if not len(qrs):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, waves = nk_qrs_lstm.ecg_delineate(lead.signal, sampling_rate=rate, method="lstm")
            found = {k: np.asarray(waves[f"ECG_R_{k}"], dtype=float) for k in ("Onsets", "Offsets")}
            found = {k: v[np.isfinite(v)] for k, v in found.items()}
            if not (len(found["Onsets"]) and len(found["Offsets"])):
                continue
            for onset, _, offset in qrs:
                e_on = found["Onsets"][np.abs(found["Onsets"] - onset).argmin()] - onset
                e_off = found["Offsets"][np.abs(found["Offsets"] - offset).argmin()] - offset
                if max(abs(e_on), abs(e_off)) <= TOLERANCE_S * rate:
                    rows.append((record, lead.lead, (offset - onset) / rate * 1000, e_on / rate * 1000,
                                 e_off / rate * 1000))
    frame = pd.DataFrame(rows, columns=["record", "lead", "duration_ms", "onset_error_ms", "offset_error_ms"])
    frame["found_duration_ms"] = frame.duration_ms + frame.offset_error_ms - frame.onset_error_ms
    return frame


def table(frame, by):
    """Markdown table of the errors in bins of column ``by``."""
    groups = frame.groupby(pd.cut(frame[by], BINS_MS), observed=True)
    lines = [f"| {by.replace('_ms', '')} (ms) | QRS | onset mean / SD (ms) | offset mean / SD (ms) |",
             "|---|---:|---|---|"]
    for interval, g in groups:
        lines.append(f"| {interval} | {len(g)} | {g.onset_error_ms.mean():+.1f} / {g.onset_error_ms.std():.1f} | "
                     f"{g.offset_error_ms.mean():+.1f} / {g.offset_error_ms.std():.1f} |")
    lines.append(f"| all | {len(frame)} | {frame.onset_error_ms.mean():+.1f} / {frame.onset_error_ms.std():.1f} | "
                 f"{frame.offset_error_ms.mean():+.1f} / {frame.offset_error_ms.std():.1f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("ludb", "qtdb"), default="ludb")
    parser.add_argument("--part", choices=("train", "validation", "test"), default="validation")
    parser.add_argument("--limit", type=int, default=None, help="first N records only (smoke runs)")
    parser.add_argument("--csv", default=None, help="also write the matched QRS complexes to this file")
    args = parser.parse_args(argv)
    frame = errors(args.database, args.part, args.limit)
    if args.csv:
        frame.to_csv(args.csv, index=False)
    print(f"{args.database.upper()} {args.part} split, every lead, raw input\n")
    print(table(frame, "duration_ms"), "\n")
    print(table(frame, "found_duration_ms"))


if __name__ == "__main__":
    main()
