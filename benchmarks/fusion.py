"""Multi-lead fusion against per-lead delineation, on records never used for training or tuning.

For every record of the LUDB test split (12 leads) and the QTDB validation split (2 leads), scores
(a) each lead's own delineation against that lead's reference (LUDB) / the q1c reference (QTDB), and
(b) the record's fused delineation (``nk_qrs_lstm.record.fuse_leads``) against the same references.

    python benchmarks/fusion.py --markdown docs/benchmarks.md
"""

import argparse
import datetime
import os
import shlex
import sys

import nk_qrs_lstm
from nk_qrs_lstm.training import datasets
from nk_qrs_lstm.evaluation.benchmark import accuracy_table, evaluate, replace_section
from nk_qrs_lstm.record import delineate_record

PARTS = {"ludb": ("test", "LUDB test split, 40 records x 12 leads"),
         "qtdb": ("validation", "QTDB validation split, 14 records x 2 leads (q1c reference)")}


def run(database, limit=None):
    part, _ = PARTS[database]
    records = datasets.load_splits()[database][part][:limit]
    path = datasets.DEFAULT_LUDB if database == "ludb" else datasets.DEFAULT_QTDB
    reader = datasets.read_ludb if database == "ludb" else datasets.read_qtdb
    ecgs, fused = [], {}
    for record in records:
        leads = reader(record, path=path)
        ecgs.extend(leads)
        wfdb_path = os.path.join(path, "data", record) if database == "ludb" else os.path.join(path, record)
        waves = delineate_record(wfdb_path).neurokit()[1]
        for ecg in leads:
            fused[id(ecg.signal)] = waves
    per_lead = evaluate("lstm, per lead", lambda s, fs: nk_qrs_lstm.ecg_delineate(s, sampling_rate=fs)[1], ecgs,
                        database=database)
    fusion = evaluate("lstm, fused leads", lambda s, fs: fused[id(s)], ecgs, database=database)
    return {"lstm, per lead": per_lead, "lstm, fused leads": fusion}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args(argv)
    text = ["## Multi-lead fusion", "",
            f"Command: `{' '.join(['python', 'benchmarks/fusion.py'] + [shlex.quote(a) for a in (argv or sys.argv[1:])])}`"
            f" ({datetime.date.today().isoformat()}). The fused delineation of a record (QRS complexes grouped across "
            "leads, 20th-percentile onsets, 80th-percentile offsets, median peaks) is scored against each lead's "
            "reference, beside each lead's own delineation. ±150 ms matching; strict: P ±50, QRS ±40, T ±100 ms.", ""]
    for database in PARTS:
        results = run(database, args.limit)
        text += [f"### {PARTS[database][1]}", "", accuracy_table(results), ""]
        print(text[-2])
    if args.markdown:
        replace_section(args.markdown, "\n".join(text), start="<!-- fusion:start -->", end="<!-- fusion:end -->")


if __name__ == "__main__":
    main()
