"""Multi-lead fusion against per-lead delineation.

For every record of an LUDB split (12 leads) and the QTDB validation split (2 leads), scores
(a) each lead's own delineation against that lead's reference (LUDB) / the q1c reference (QTDB), and
(b) the record's fused delineations against the same references: ``"percentile"``
(``nk_qrs_lstm.fusion.fuse_leads``, percentiles of per-lead boundaries) and ``"proba"``
(``nk_qrs_lstm.fusion.fuse_proba``, the leads' mean probability track decoded once). Both fusions come from
the same per-lead network runs (one ``delineate_record`` call per record).

    python benchmarks/fusion.py --split validation --markdown docs/benchmarks.md   # choices
    python benchmarks/fusion.py --split test --markdown docs/benchmarks.md         # the report

QTDB has no test split here: its validation split is scored with either ``--split``.
"""

import argparse
import datetime
import os
import shlex
import sys

import nk_qrs_lstm
from nk_qrs_lstm.training import datasets
from nk_qrs_lstm.evaluation.benchmark import accuracy_table, evaluate, replace_section
from nk_qrs_lstm.fusion import active_samples, fuse_leads
from nk_qrs_lstm.record import delineate_record
from nk_qrs_lstm.wfdb_io import read_record

PARTS = {"ludb": {"test": "LUDB test split, 40 records x 12 leads",
                  "validation": "LUDB validation split, 40 records x 12 leads"},
         "qtdb": {"validation": "QTDB validation split, 14 records x 2 leads (q1c reference)"}}
SECTIONS = {  # split -> (title, markers)
    "test": ("Multi-lead fusion", "fusion"),
    "validation": ("Multi-lead fusion at the probability level", "fusion-proba"),
}


def run(database, split, limit=None):
    part = split if split in PARTS[database] else "validation"
    records = datasets.load_splits()[database][part][:limit]
    path = datasets.DEFAULT_LUDB if database == "ludb" else datasets.DEFAULT_QTDB
    reader = datasets.read_ludb if database == "ludb" else datasets.read_qtdb
    ecgs, fused = [], {"percentile": {}, "proba": {}}
    for record in records:
        leads = reader(record, path=path)
        ecgs.extend(leads)
        wfdb_path = os.path.join(path, "data", record) if database == "ludb" else os.path.join(path, record)
        result = delineate_record(wfdb_path, fusion="proba")
        waves = {"proba": result.neurokit()[1]}
        signal, rate, names = read_record(wfdb_path)  # the same votes as delineate_record(fusion="percentile")
        percentile = fuse_leads(result.tables, rate, active=dict(zip(names, active_samples(signal, rate).T)))
        waves["percentile"] = {k: percentile[k].to_numpy(dtype=float) for k in waves["proba"]}
        for ecg in leads:
            for rule in fused:
                fused[rule][id(ecg.signal)] = waves[rule]
    results = {"lstm, per lead": evaluate("lstm, per lead",
                                          lambda s, fs: nk_qrs_lstm.ecg_delineate(s, sampling_rate=fs)[1], ecgs,
                                          database=database)}
    for rule in fused:
        results[f"lstm, fused ({rule})"] = evaluate(f"lstm, fused ({rule})", lambda s, fs, r=rule: fused[r][id(s)],
                                                    ecgs, database=database)
    return results, PARTS[database][part]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=sorted(SECTIONS), default="validation")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args(argv)
    title, marker = SECTIONS[args.split]
    text = [f"## {title}", "",
            f"Command: `{' '.join(['python', 'benchmarks/fusion.py'] + [shlex.quote(a) for a in (argv or sys.argv[1:])])}`"
            f" ({datetime.date.today().isoformat()}), raw input. Each record's fused delineations are scored against "
            "each lead's reference, beside each lead's own delineation: `percentile` groups the leads' QRS complexes "
            "(percentiles over leads: median P limits and T onset, 35th / 65th of the QRS limits, 80th of the T offset; "
            "median peaks; a P or T wave is kept where at least a quarter of the beat's leads found one; both chosen "
            "with `benchmarks/tune_fusion.py`); `proba` averages the leads' probability "
            "tracks (over the leads finite at each sample) and decodes the mean once, so P/QRS/T presence is decided "
            "from the leads together. ±150 ms matching; strict: P ±50, QRS ±40, T ±100 ms.", ""]
    for database in PARTS:
        results, caption = run(database, args.split, args.limit)
        text += [f"### {caption}", "", accuracy_table(results), ""]
        print(text[-4], text[-2], sep="\n")
    if args.markdown:
        replace_section(args.markdown, "\n".join(text), start=f"<!-- {marker}:start -->", end=f"<!-- {marker}:end -->")


if __name__ == "__main__":
    main()
