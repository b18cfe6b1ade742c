"""The ``nk-qrs-lstm`` command line.

Sub-commands::

    nk-qrs-lstm delineate RECORD [--leads ii v5] [--out-annotation EXT] [--csv FILE] [--plot FILE]
    nk-qrs-lstm example            # delineate the bundled LUDB record and print a table
    nk-qrs-lstm train ...          # see python -m nk_qrs_lstm.train --help
    nk-qrs-lstm export MODEL ...   # see python -m nk_qrs_lstm.export --help
    nk-qrs-lstm benchmark ...      # see python -m nk_qrs_lstm.benchmark --help
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
    commands = {"train": "nk_qrs_lstm.train", "export": "nk_qrs_lstm.export", "benchmark": "nk_qrs_lstm.benchmark"}
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
    for name in list(commands) + ["example"]:
        sub.add_parser(name, help=f"see nk-qrs-lstm {name} --help")
    args = parser.parse_args(argv)
    return _delineate(args)


if __name__ == "__main__":
    sys.exit(main())
