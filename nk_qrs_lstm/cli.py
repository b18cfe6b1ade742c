"""The ``nk-qrs-lstm`` command line.

Sub-commands::

    nk-qrs-lstm delineate RECORD [--leads ii v5] [--out-annotation EXT] [--csv FILE] [--plot FILE]
    nk-qrs-lstm delineate-db FOLDER --out DIR [--records ...] [--leads ...] [--scheduler local|ADDRESS]
                [--workers N] [--format parquet|csv]   # a whole WFDB database
    nk-qrs-lstm example            # delineate the bundled LUDB record and print a table
    nk-qrs-lstm train ...          # see python -m nk_qrs_lstm.training.train --help
    nk-qrs-lstm export MODEL ...   # see python -m nk_qrs_lstm.training.export --help
    nk-qrs-lstm benchmark ...      # see python -m nk_qrs_lstm.evaluation.benchmark --help
"""

import argparse
import sys

import numpy as np


def _delineate(args):
    from .record import delineate_record

    leads = args.leads
    if leads:
        leads = [int(v) if v.isdigit() else v for v in leads]
    result = delineate_record(args.record, leads=leads)
    frame = result.to_frame()
    summary = _summary(result)
    print(f"Record {result.record_name}: {result.n_samples} samples at {result.sampling_rate:g} Hz, "
          f"leads {', '.join(result.tables)}")
    print(summary.to_string())
    if args.csv:
        frame.to_csv(args.csv, index=False)
        print(f"wrote {args.csv}")
    if args.out_annotation:
        path = result.to_wfdb(write_dir=args.annotation_dir or ".", extension=args.out_annotation)
        print(f"wrote {path}")
    if args.plot:
        _plot(args.record, result, args.plot, leads)
        print(f"wrote {args.plot}")
    return 0


def _delineate_db(args):
    from .batch import delineate_database

    leads = [int(v) if v.isdigit() else v for v in args.leads] if args.leads else None
    scheduler = args.scheduler or ("local" if args.workers else None)
    try:
        result = delineate_database(args.folder, args.out, records=args.records, leads=leads, scheduler=scheduler,
                                    n_workers=args.workers, annotation_extension=args.extension,
                                    table_format=args.format, progress=not args.quiet)
    except (ValueError, TypeError, FileNotFoundError, ImportError) as err:  # arguments: checked before any work
        print(f"nk-qrs-lstm delineate-db: error: {err}", file=sys.stderr)
        return 2
    n_done = len(result.annotation_paths)
    print(f"Delineated {n_done} of {n_done + len(result.failures)} records in {result.elapsed_s:.1f} s "
          f"({len(result.table)} rows).")
    print(f"wrote {result.table_path}")
    if len(result.failures):
        print(result.failures.to_string(index=False))
        print(f"wrote {result.failures_path}")
        return 1
    return 0


def _summary(result):
    """Per lead: number of beats and median PR, QRS and QT intervals (ms)."""
    import pandas as pd

    def median_ms(values):
        values = values.to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        return float(np.median(values)) * 1000.0 / result.sampling_rate if values.size else np.nan

    rows = {}
    for lead, table in list(result.tables.items()) + [("fused", result.fused)]:
        rows[lead] = {
            "beats": len(table),
            "PR_ms": median_ms(table["ECG_R_Onsets"] - table["ECG_P_Onsets"]),
            "QRS_ms": median_ms(table["ECG_R_Offsets"] - table["ECG_R_Onsets"]),
            "QT_ms": median_ms(table["ECG_T_Offsets"] - table["ECG_R_Onsets"]),
        }
    return pd.DataFrame(rows).T.round(1)


def _plot(record, result, path, leads):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .delineate import ecg_delineate_proba
    from .plotting import plot_proba
    from .wfdb_io import read_record

    signal, rate, names = read_record(record, leads=leads)
    fig, axes = plt.subplots(len(names), 1, figsize=(12, 2.6 * len(names)), squeeze=False)
    for j, name in enumerate(names):
        proba = ecg_delineate_proba(signal[:, j], sampling_rate=rate)
        _, waves = result.neurokit(name)
        plot_proba(signal[:, j], proba, rate, waves=waves, ax=axes[j, 0], title=f"lead {name}")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"train": "nk_qrs_lstm.training.train", "export": "nk_qrs_lstm.training.export", "benchmark": "nk_qrs_lstm.evaluation.benchmark"}
    if argv and argv[0] in commands:
        import importlib

        return importlib.import_module(commands[argv[0]]).main(argv[1:])
    if argv and argv[0] == "example":
        from .examples import example_record_path

        argv = ["delineate", example_record_path(), "--leads", "ii", "v2", "v5", *argv[1:]]
    parser = argparse.ArgumentParser(prog="nk-qrs-lstm", description="Learned ECG delineation (P, QRS, T).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("delineate", help="delineate a WFDB record")
    p.add_argument("record", help="local WFDB record path, without extension")
    p.add_argument("--leads", nargs="+", help="lead names or indices (default: all)")
    p.add_argument("--out-annotation", metavar="EXT", help="write the fused delineation as RECORD.EXT")
    p.add_argument("--annotation-dir", default=None, help="folder for the annotation file (default: .)")
    p.add_argument("--csv", metavar="FILE", help="write the per-lead and fused table as CSV")
    p.add_argument("--plot", metavar="FILE", help="save a plot (PNG) of signal, probabilities and boundaries")
    d = sub.add_parser("delineate-db", help="delineate every record of a WFDB database folder",
                       description="Delineate every record of a WFDB database (its RECORDS file, else every "
                                   "*.hea): one annotation file per record (fused delineation) under --out, "
                                   "one table delineation.parquet/.csv and failures.csv. Exit status 1 when "
                                   "some records failed (the others are still written).")
    d.add_argument("folder", help="database folder")
    d.add_argument("--out", required=True, help="output folder")
    d.add_argument("--records", nargs="+", help="records, relative to FOLDER (default: all), e.g. data/1")
    d.add_argument("--leads", nargs="+", help="lead names or indices (default: all)")
    d.add_argument("--scheduler", help="'local' (a new Dask LocalCluster) or a Dask scheduler address "
                                       "(default: serial; 'local' when --workers is given)")
    d.add_argument("--workers", type=int, help="number of workers of --scheduler local")
    d.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table format")
    d.add_argument("--extension", default="lstm", help="annotation file extension (default: lstm)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    for name in list(commands) + ["example"]:
        sub.add_parser(name, help=f"see nk-qrs-lstm {name} --help")
    args = parser.parse_args(argv)
    return _delineate_db(args) if args.command == "delineate-db" else _delineate(args)


if __name__ == "__main__":
    sys.exit(main())
