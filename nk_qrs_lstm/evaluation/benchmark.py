"""Accuracy benchmark of ECG delineators on expert-annotated databases: the command line.

Every method of the one registry (:func:`nk_qrs_lstm.available_methods`:
ours and NeuroKit2's, or those named with ``--methods``) is run through
:func:`nk_qrs_lstm.ecg_delineate` on the LUDB test split (each of the 12 leads
of each record, 500 Hz, 10 s) and on the QTDB validation split (both leads of
each record, 250 Hz, whole 15-min records as a user would run them, each lead
scored against the shared ``q1c`` reference inside the annotated regions).
Fiducials are matched one-to-one (:mod:`nk_qrs_lstm.evaluation.metrics`) at
±150 ms and at stricter per-wave tolerances.

A learned method (``lstm``) gets no R-peaks and is run twice (``--workflows``,
both by default): on the raw lead (result ``lstm``) and on
``nk.ecg_clean(signal, sampling_rate=rate)``, NeuroKit's workflow (result
``lstm+ecg_clean``, reported as "lstm (nk.ecg_clean first)"). NeuroKit's
methods run once, in NeuroKit's workflow: ``ecg_clean`` -> ``ecg_peaks`` ->
``ecg_delineate``.

Results are cached per method, workflow and database under ``--results`` so
that a new method can be added to the report without re-running the others::

    python -m nk_qrs_lstm.evaluation.benchmark --methods dwt prominence peak cwt --markdown docs/benchmarks.md
    python -m nk_qrs_lstm.evaluation.benchmark --methods lstm --markdown docs/benchmarks.md
    python -m nk_qrs_lstm.evaluation.benchmark --methods lstm --workflows ecg_clean --markdown docs/benchmarks.md

The second command runs ``lstm`` and ``lstm+ecg_clean``, the third only
``lstm+ecg_clean``; ``--limit 1 --databases ludb`` makes a quick check.

The work is done by three modules, whose public names are importable from here
too: :mod:`~nk_qrs_lstm.evaluation.runner` (methods from the registry, leads,
scoring), :mod:`~nk_qrs_lstm.evaluation.results` (saving and reloading) and
:mod:`~nk_qrs_lstm.evaluation.report` (tables, figures, the markdown section).
"""

import argparse
import logging
import shlex
import sys

from ..training.datasets import DEFAULT_LUDB, DEFAULT_QTDB
from .report import (  # noqa: F401 (public here too)
    FIDUCIAL_NAMES,
    MARK_END,
    MARK_START,
    accuracy_table,
    fiducial_name,
    method_label,
    plot_accuracy,
    render_section,
    replace_section,
    runs_table,
    write_markdown,
)
from .results import DEFAULT_RESULTS, BenchmarkResult, cached_results  # noqa: F401 (public here too)
from .runner import (  # noqa: F401 (public here too)
    CLEAN_SUFFIX,
    DATABASES,
    WORKFLOWS,
    delineator,
    evaluate,
    load_leads,
    method_names,
    result_name,
    run_benchmark,
    run_method,
    split_records,
    unmarked_ranges,
)

logger = logging.getLogger("nk_qrs_lstm")


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m nk_qrs_lstm.evaluation.benchmark",
        description="Accuracy benchmark of ECG delineators on LUDB (test split) and QTDB "
                    "(validation split).",
    )
    p.add_argument("--methods", nargs="+", default=None,
                   help=f"registered methods to run (default: every one: {' '.join(method_names())})")
    p.add_argument("--databases", nargs="+", default=list(DATABASES), choices=list(DATABASES))
    p.add_argument("--workflows", nargs="+", default=list(WORKFLOWS), choices=list(WORKFLOWS),
                   help="inputs of a learned method: the raw lead and/or the lead after nk.ecg_clean "
                        f"(result '<method>{CLEAN_SUFFIX}'); NeuroKit's methods always run once "
                        "(default: both)")
    p.add_argument("--ludb", default=DEFAULT_LUDB, help="LUDB folder")
    p.add_argument("--qtdb", default=DEFAULT_QTDB, help="QTDB folder")
    p.add_argument("--limit", type=int, default=None, help="only the first N records of each part")
    p.add_argument("--results", default=DEFAULT_RESULTS, help="cache folder of the results")
    p.add_argument("--markdown", default=None,
                   help="rewrite the accuracy section of this markdown file (figures go to "
                        "figures/ beside it)")
    return p


def report_order(methods):
    """``methods`` in report order: registered ones as :func:`method_names` lists them, each followed by its
    ``"+ecg_clean"`` result (:data:`CLEAN_SUFFIX`), then the others sorted.

    Examples
    --------
    >>> report_order(["dwt", "old_method", "lstm+ecg_clean", "lstm"])
    ['lstm', 'lstm+ecg_clean', 'dwt', 'old_method']
    """
    registered = [n for m in method_names() for n in (m, m + CLEAN_SUFFIX) if n in methods]
    return registered + sorted(m for m in methods if m not in registered)


def main(argv=None):
    """Command-line entry point; returns ``{database: {method: BenchmarkResult}}``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    if not logger.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        logger.setLevel(logging.INFO)
    methods = method_names(args.methods)  # an unknown name fails here, before any work
    command = "python -m nk_qrs_lstm.evaluation.benchmark " + shlex.join(argv)
    by_database = {}
    for database in args.databases:
        path = args.ludb if database == "ludb" else args.qtdb
        records = split_records(database, args.limit)
        ran = run_benchmark(methods, database, path=path, records=records,
                            results_dir=args.results, command=command, workflows=args.workflows)
        merged = {**cached_results(args.results, database, records=records), **ran}
        by_database[database] = {m: merged[m] for m in report_order(merged)}
        for method, result in ran.items():
            cols = ["n_ref", "se", "ppv", "f1", "f1_strict", "mean_ms", "sd_ms"]
            logger.info("%s / %s\n%s", database, method, result.summary[cols].round(1).to_string())
    if args.markdown:
        write_markdown(args.markdown, by_database, command=command, results_dir=args.results)
        logger.info("wrote %s", args.markdown)
    return by_database


if __name__ == "__main__":
    main()
