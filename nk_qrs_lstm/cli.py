"""The ``nk-qrs-lstm`` command line.

Sub-commands::

    nk-qrs-lstm delineate RECORD [--leads ii v5] [--out-annotation EXT [--per-lead] [--overwrite]] [--csv FILE]
                [--plot FILE [--start S] [--duration S]] [--time-scale K] [--no-rhythm-gate]
    nk-qrs-lstm delineate-db FOLDER --out DIR [--records ...] [--leads ...] [--scheduler local|ADDRESS]
                [--workers N] [--format auto|parquet|csv] [--per-lead] [--overwrite]   # a whole WFDB database
                [--time-scale K] [--no-rhythm-gate]
    nk-qrs-lstm example [--csv FILE] [--plot FILE] ...          # the bundled LUDB record
    nk-qrs-lstm train --out DIR ...                             # needs the train extra
    nk-qrs-lstm export MODEL ...                                # needs the train extra
    nk-qrs-lstm benchmark ...                                   # needs LUDB / QTDB

A user error (a missing record, a bad lead, a bad option value) prints one
line, ``nk-qrs-lstm COMMAND: error: ...``, on stderr and exits with status 2;
``--debug`` anywhere on the line shows the traceback instead. Warnings print
as one line each, ``nk-qrs-lstm: warning: ...``.
"""

import importlib
import importlib.util
import os
import sys
import warnings

import numpy as np

from . import NKQRSLSTMWarning, __version__
from ._cli_types import (_extension, _folder, _leads, _one_line_errors, _output_file, _Parser, _plot_file, _seconds,
                         _time_scale, _type)
from .runtime import ModelIntegrityError

PROG = "nk-qrs-lstm"
PLOT_START_S = 0.0  # [s] default start of the --plot window
PLOT_DURATION_S = 10.0  # [s] default length of the --plot window
EXAMPLE_LEADS = ("ii", "v2", "v5")
TRAIN_EXTRA = 'pip install "nk-qrs-lstm[train]"'
# Errors that come from what the user asked for: reported in one line, status 2.
# ModelIntegrityError: a missing or corrupted model folder (reinstall, or fix NK_QRS_LSTM_MODEL_DIR).
USER_ERRORS = (ValueError, TypeError, KeyError, OSError, ImportError, ModelIntegrityError)

# Sub-commands that own their parser: module, one-line help, modules they need.
DELEGATED = {
    "train": ("nk_qrs_lstm.training.train", "train the network on LUDB and QTDB (needs the train extra)",
              ("keras", "tensorflow")),
    "export": ("nk_qrs_lstm.training.export", "export a trained .keras model to ONNX (needs the train extra)",
               ("keras", "onnx")),
    "benchmark": ("nk_qrs_lstm.evaluation.benchmark", "accuracy benchmark on LUDB and QTDB (needs the databases)",
                  ()),
}
_TRAIN_MODULES = ("keras", "tensorflow", "onnx")
# Help for the options that a delegated parser leaves undescribed.
_MISSING_HELP = {
    "--databases": "databases to run, ludb and/or qtdb (default: both)",
}


# --------------------------------------------------------------------------- commands
def _delineate(args):
    from .record import delineate_record
    from .wfdb_io import read_record

    leads = _leads(args.leads)
    window = None
    if args.per_lead and not args.out_annotation:
        raise ValueError("--per-lead sets what --out-annotation writes, which is not given; add --out-annotation EXT.")
    if not args.plot and (args.start is not None or args.duration is not None):
        raise ValueError("--start and --duration set the window of --plot, which is not given; add --plot FILE.")
    if args.out_annotation:  # an existing file is refused before the network runs, not after
        from .wfdb_io.annotations import check_free
        from .wfdb_io.records import record_path

        name = os.path.basename(record_path(args.record))
        check_free(os.path.join(args.annotation_dir or ".", f"{name}.{args.out_annotation}"), args.overwrite)
    if args.plot:
        # read first (cheap, and checks record and leads) so that a bad window fails before the network runs
        signal, rate, names = read_record(args.record, leads=leads)
        window = _plot_window(PLOT_START_S if args.start is None else args.start,
                              PLOT_DURATION_S if args.duration is None else args.duration, signal.shape[0], rate)
    # the plot reuses the probabilities of the delineation: the network runs once per lead
    result = delineate_record(args.record, leads=leads, time_scale=args.time_scale, rhythm_gate=not args.no_rhythm_gate,
                              **({"keep_proba": True} if args.plot else {}))
    print(f"Record {result.record_name}: {result.n_samples} samples at {result.sampling_rate:g} Hz, "
          f"leads {', '.join(map(str, result.tables))}")
    print(_summary(result).to_string())
    if args.csv:  # delineate-db's table: the rate, seconds and intervals in ms beside the sample indices
        from .database import record_table

        record_table(result).to_csv(args.csv, index=False)
        print(f"wrote {args.csv}")
    if args.out_annotation:
        path = result.to_wfdb(write_dir=args.annotation_dir or ".", extension=args.out_annotation,
                              lead=list(result.tables) if args.per_lead else None, overwrite=args.overwrite)
        print(f"wrote {path}")
    if args.plot:
        _plot(signal, names, result, args.plot, window)
        print(f"wrote {args.plot}")
    return 0


def _example(args):
    from .examples import example_record_path

    args.record = example_record_path()
    return _delineate(args)


def _delineate_db(args):
    from .batch import delineate_database

    table_format = args.format
    if table_format == "auto":
        table_format = "parquet" if importlib.util.find_spec("pyarrow") is not None else "csv"
    scheduler = args.scheduler or ("local" if args.workers else None)
    result = delineate_database(args.folder, args.out, records=args.records, leads=_leads(args.leads),
                                scheduler=scheduler, n_workers=args.workers, annotation_extension=args.extension,
                                table_format=table_format, progress=not args.quiet, overwrite=args.overwrite,
                                per_lead=args.per_lead, time_scale=args.time_scale,
                                rhythm_gate=not args.no_rhythm_gate)
    n_done = len(result.annotation_paths)
    print(f"Delineated {n_done} of {n_done + len(result.failures)} records in {result.elapsed_s:.1f} s "
          f"({len(result.table)} rows).")
    print(f"wrote {result.table_path}")
    if len(result.failures):
        print(result.failures.to_string(index=False))
        print(f"wrote {result.failures_path}")
        return 1
    return 0


def subcommand_parser(command):
    """The parser of ``train``, ``export`` or ``benchmark``, named and erroring as this program's."""
    module_name, _, _ = DELEGATED[command]
    parser = _one_line_errors(importlib.import_module(module_name)._parser())
    parser.prog = f"{PROG} {command}"
    for action in parser._actions:
        if action.help is None:
            action.help = next((_MISSING_HELP[o] for o in action.option_strings if o in _MISSING_HELP), None)
    return parser


def _delegate(command, argv):
    """Run ``train``, ``export`` or ``benchmark`` with their own parser, under this program's name."""
    module_name, _, needs = DELEGATED[command]
    subcommand_parser(command).parse_args(argv)  # --help and usage errors, before anything heavy
    missing = [name for name in needs if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(_missing_extra(command, missing[0]))
    importlib.import_module(module_name).main(argv)  # returns results (benchmark), not a status
    return 0


def _missing_extra(command, module):
    return f"{command} needs {module}, which is not installed; install the train extra: {TRAIN_EXTRA}"


def _summary(result):
    """Per lead: number of beats and median PR, QRS and QT intervals (ms)."""
    import pandas as pd

    def median_ms(values):
        values = np.asarray(values.astype(float), dtype=float)
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
    summary = pd.DataFrame.from_dict(rows, orient="index")
    return summary.astype({"beats": int}).round(1)


def _plot_window(start, duration, n_samples, sampling_rate):
    """Samples ``[first, last)`` of the ``--plot`` window; the window may be cut by the record's end."""
    length_s = n_samples / sampling_rate
    if start >= length_s:
        raise ValueError(f"--start == {start:g}, must be less than the record's duration ({length_s:g} s).")
    first = int(round(start * sampling_rate))
    return first, min(n_samples, first + max(1, int(round(duration * sampling_rate))))


def _plot(signal, names, result, path, window):
    """One panel per lead: signal, class probabilities and boundaries inside ``window`` (samples)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .plotting import plot_proba

    first, last = window
    rate = result.sampling_rate
    fig = Figure(figsize=(12, 2.8 * len(names)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
    for ax, (j, name) in zip(axes, enumerate(names)):
        proba = result.proba[name].iloc[first:last].reset_index(drop=True)
        table = result.tables[name]
        waves = {}
        for key in table.columns:
            if key.endswith(("_Onsets", "_Offsets")):
                values = np.asarray(table[key].astype(float), dtype=float) - first
                waves[key] = values[(values >= 0) & (values < last - first)]
        plot_proba(signal[first:last, j], proba, rate, waves=waves, ax=ax, title=f"lead {name}",
                   start=first / rate)
    fig.savefig(path, dpi=100)


# --------------------------------------------------------------------------- parser
def _output_options():
    """Options shared by ``delineate`` and ``example``."""
    parent = _Parser(add_help=False)
    parent.add_argument("--out-annotation", metavar="EXT", type=_type(_extension),
                        help="write the fused delineation as the WFDB annotation file RECORD.EXT (EXT: letters "
                             "and digits), in --annotation-dir")
    parent.add_argument("--annotation-dir", metavar="DIR", type=_type(_folder),
                        help="existing folder for the annotation file (default: the current folder)")
    parent.add_argument("--per-lead", action="store_true",
                        help="with --out-annotation, write every lead's delineation into RECORD.EXT, each mark with "
                             "its lead's signal number as chan (as QTDB's pu files), instead of the fused one")
    parent.add_argument("--time-scale", metavar="K", type=_type(_time_scale), default=1.0,
                        help="1 to 3: how many times shorter the waves are than an adult's, for infants' and small children's "
                             "ECGs (e.g. 1.5 where the QRS lasts about 60 ms); the network sees the leads that many "
                             "times slower (default: 1)")
    parent.add_argument("--no-rhythm-gate", action="store_true",
                        help="keep the P waves the rhythm gate would refuse as atrial fibrillation or flutter, for a rhythm "
                             "known to have P waves whose RR varies a lot (a marked sinus arrhythmia)")
    parent.add_argument("--overwrite", action="store_true",
                        help="replace an existing annotation file RECORD.EXT (refused by default: next to the "
                             "record it may be the expert's, e.g. LUDB's .ii or QTDB's .q1c)")
    parent.add_argument("--csv", metavar="FILE", type=_type(_output_file),
                        help="write one row per beat and lead (and the fused beats) as CSV: delineate-db's table, "
                             "fiducials in samples and seconds, the sampling rate, PR / QRS / QT in ms, confidences")
    parent.add_argument("--plot", metavar="FILE", type=_type(_plot_file),
                        help="save a figure (PNG, PDF, SVG, ...) of each lead in the window --start, --duration: "
                             "signal, class probabilities, onsets and offsets")
    parent.add_argument("--start", metavar="S", type=_seconds(0.0, strict=False),
                        help=f"start of the --plot window, in seconds (default: {PLOT_START_S:g})")
    parent.add_argument("--duration", metavar="S", type=_seconds(0.0, strict=True),
                        help=f"length of the --plot window, in seconds; cut at the record's end "
                             f"(default: {PLOT_DURATION_S:g})")
    return parent


def build_parser():
    """The ``nk-qrs-lstm`` argument parser (``train``, ``export`` and ``benchmark`` bring their own)."""
    parser = _Parser(prog=PROG, description="Learned ECG delineation (P, QRS, T) of WFDB records.",
                     epilog="A user error prints one line and exits with status 2; add --debug to see the "
                            "traceback.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error (anywhere on the line)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    outputs = _output_options()

    p = sub.add_parser("delineate", parents=[outputs], help="delineate a WFDB record: every lead, fused",
                       description="Delineate every lead (or --leads) of a WFDB record, fuse the leads and print "
                                   "the number of beats and the median PR, QRS and QT intervals per lead.")
    p.add_argument("record", help="local WFDB record path, without extension (e.g. data/1 for data/1.hea)")
    p.add_argument("--leads", nargs="+", metavar="LEAD",
                   help="lead names or indices (digits that name a channel are that channel; default: all); "
                        "give them after the positional arguments")
    p.set_defaults(func=_delineate)

    e = sub.add_parser("example", parents=[outputs], help="delineate the bundled LUDB record 3",
                       description="Delineate the bundled LUDB record 3 (12 leads, 500 Hz, 10 s; ODC-By 1.0) and "
                                   "print the number of beats and the median PR, QRS and QT intervals per lead.")
    e.add_argument("--leads", nargs="+", metavar="LEAD", default=list(EXAMPLE_LEADS),
                   help=f"lead names or indices (default: {' '.join(EXAMPLE_LEADS)})")
    e.set_defaults(func=_example)

    d = sub.add_parser("delineate-db", help="delineate every record of a WFDB database folder",
                       description="Delineate every record of a WFDB database (its RECORDS file, else every "
                                   "*.hea): one annotation file per record (fused delineation) under --out, "
                                   "one table delineation.parquet or delineation.csv, failures.csv and warnings.csv "
                                   "(each record's warnings, summarised in one line). Exit "
                                   "status 1 when some records failed (the others are still written).")
    d.add_argument("folder", help="database folder")
    d.add_argument("--out", required=True, metavar="DIR", help="output folder (created if needed)")
    d.add_argument("--records", nargs="+", metavar="RECORD",
                   help="records, relative to FOLDER (default: all), e.g. data/1")
    d.add_argument("--leads", nargs="+", metavar="LEAD",
                   help="lead names or indices (digits that name a channel are that channel; default: all); "
                        "give them after the positional arguments")
    d.add_argument("--scheduler", help="'local' (a new Dask LocalCluster) or a Dask scheduler address "
                                       "(default: serial; 'local' when --workers is given; needs the dask extra)")
    d.add_argument("--workers", type=int, metavar="N", help="number of workers of --scheduler local")
    d.add_argument("--format", choices=("auto", "parquet", "csv"), default="auto",
                   help="format of the table: parquet (needs pyarrow, e.g. from the dask extra) or csv; "
                        "auto: parquet when pyarrow is installed, else csv (default: auto)")
    d.add_argument("--extension", default="lstm", metavar="EXT", type=_type(_extension),
                   help="annotation file extension, letters and digits (default: lstm)")
    d.add_argument("--time-scale", metavar="K", type=_type(_time_scale), default=1.0,
                   help="1 to 3: how many times shorter the waves are than an adult's, for infants' and small children's "
                        "ECGs (e.g. 1.5 where the QRS lasts about 60 ms); the network sees the leads that many "
                        "times slower (default: 1)")
    d.add_argument("--no-rhythm-gate", action="store_true",
                   help="keep the P waves the rhythm gate would refuse as atrial fibrillation or flutter, for a rhythm "
                        "known to have P waves whose RR varies a lot (a marked sinus arrhythmia)")
    d.add_argument("--per-lead", action="store_true",
                   help="write every lead's delineation into each record's annotation file, each mark with its "
                        "lead's signal number as chan (as QTDB's pu files), instead of the fused one")
    d.add_argument("--overwrite", action="store_true",
                   help="replace the files of an earlier run in --out (table, failures.csv, warnings.csv, "
                        "annotation files); refused by default, before any record is read: an annotation file may "
                        "be the expert's (--out the database folder) and a run on fewer --records would replace "
                        "the whole table")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=_delineate_db)

    for name, (_, text, _) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)  # parsed by their own parser, see _delegate
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Print a warning as one line, without the source line."""
    kind = "" if issubclass(category, NKQRSLSTMWarning) else f"{category.__name__}: "
    print(f"{PROG}: warning: {kind}{' '.join(str(message).split())}", file=sys.stderr if file is None else file)


def _command_of(argv):
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv=None):
    """Run the command line; returns the exit status (0 done, 1 some records failed, 2 user error).

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    end = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:end]
    argv = [a for i, a in enumerate(argv) if not (a == "--debug" and i < end)]
    command = _command_of(argv)
    prog = f"{PROG} {command}" if command in DELEGATED or command in {"delineate", "delineate-db", "example"} else PROG
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            if command in DELEGATED and argv[0] == command:
                return _delegate(command, argv[1:])
            args = build_parser().parse_args(argv)
            return args.func(args)
        except SystemExit as exc:  # --help, --version and usage errors
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        except USER_ERRORS as err:
            if debug:
                raise
            if isinstance(err, ModuleNotFoundError) and (err.name or "").split(".")[0] in _TRAIN_MODULES:
                message = _missing_extra(command, err.name.split(".")[0])
            elif isinstance(err, KeyError):
                message = f"{err.args[0] if err.args else err}"
            else:
                message = str(err)
            print(f"{prog}: error: {' '.join(message.split())}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
