"""Whole WFDB databases: every record delineated, serially or on a Dask cluster.

:func:`delineate_database` finds the records of a database folder, runs
:func:`nk_qrs_lstm.record.delineate_record` on each, writes one annotation
file per record (the fused multi-lead delineation) and one tidy table for the
whole database. A record that cannot be read or delineated is reported in a
failures table; it never costs the other records their results.

On Dask, each record is one task. Workers read the records and write the
annotation files themselves, so with a remote cluster both ``folder`` and
``out`` must be visible to every worker at the same paths (a shared file
system).
"""

import logging
import os
import posixpath
import time
from dataclasses import dataclass, field

import pandas as pd

from ._checks import check_flag, check_option, check_time_scale, warn
from ._scheduling import WORKER_ENV, _check_scheduler, _run_dask, _run_serial, _soft_import
from .database import (
    FAILURE_COLUMNS,
    FIDUCIALS,
    INTERVALS,
    TABLE_COLUMNS,
    TABLE_FORMATS,
    check_folder,
    check_leads,
    check_out,
    check_records,
    concat_tables,
    find_records,
    record_table,
)

__all__ = ["DatabaseDelineation", "delineate_database", "find_records", "record_table", "FIDUCIALS", "INTERVALS",
           "TABLE_COLUMNS", "WORKER_ENV"]

logger = logging.getLogger("nk_qrs_lstm")

@dataclass
class DatabaseDelineation:
    """What :func:`delineate_database` computed and wrote.

    Attributes
    ----------
    table : DataFrame
        One row per beat and lead (``lead == "fused"`` for the multi-lead
        fusion); columns :data:`TABLE_COLUMNS`.
    failures : DataFrame
        One row per record that failed: ``record``, ``error`` (exception
        type) and ``message``.
    table_path, failures_path : str
        Files written.
    annotation_paths : dict of str -> str
        Annotation file of each record delineated.
    elapsed_s : float
        Wall-clock time of the whole run, cluster start included [s].
    record_s : dict of str -> float
        Time spent on each record, where it ran [s].
    warnings : DataFrame
        Warnings raised while delineating: ``record`` and ``message`` (also
        written to ``warnings.csv`` beside ``failures.csv``, and summarised
        in one warning).
    """

    table: pd.DataFrame
    failures: pd.DataFrame
    table_path: str
    failures_path: str
    annotation_paths: dict
    elapsed_s: float
    record_s: dict = field(default_factory=dict)
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["record", "message"]))

    def __repr__(self):
        return (f"DatabaseDelineation(records={len(self.annotation_paths)}, failures={len(self.failures)}, "
                f"rows={len(self.table)}, elapsed_s={self.elapsed_s:.1f})")


# --------------------------------------------------------------------------- the database
def _check_fresh(out, names, extension, table_format, overwrite):
    """Refuse, before any work, to replace the files of an earlier run (or an expert's annotations) in ``out``."""
    paths = [os.path.join(out, name) for name in (f"delineation.{table_format}", "failures.csv", "warnings.csv")]
    paths += [os.path.join(out, *posixpath.split(name)) + f".{extension}" for name in names]
    existing = [p for p in paths if os.path.exists(p)]
    if existing and not overwrite:
        shown = ", ".join(repr(os.path.relpath(p, out)) for p in existing[:3])
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise FileExistsError(f"out {out!r} already holds {len(existing)} file(s) this run would replace: {shown}"
                              f"{more} (an earlier run's, or an expert's annotations); pass overwrite=True "
                              "(--overwrite on the command line) to replace them, or choose another --out or "
                              "extension.")


def delineate_database(folder, out, records=None, leads=None, scheduler=None, n_workers=None,
                       annotation_extension="lstm", table_format="parquet", progress=True, overwrite=False,
                       per_lead=False, time_scale=1.0, rhythm_gate=True):
    """Delineate every record of a WFDB database, serially or on Dask.

    For each record, every lead (or ``leads``) is delineated and fused
    (:func:`nk_qrs_lstm.record.delineate_record`); the fused delineation is
    written as ``out/<record>.<annotation_extension>`` (keeping the
    record's sub-folders, e.g. ``out/data/1.lstm``). One table for the whole
    database is written as ``out/delineation.parquet`` (or ``.csv``), and
    the records that failed as ``out/failures.csv`` (header only when none
    did).

    Parameters
    ----------
    folder : str or os.PathLike
        Database folder (see :func:`find_records`).
    out : str or os.PathLike
        Output folder (created if needed).
    records : list of str, optional
        Records to delineate, as paths relative to ``folder`` (``"data/1"``);
        every record of the folder by default.
    leads : list of (str or int), optional
        Leads to delineate in each record (names or indices); by default
        every channel that looks like an ECG lead, by name or units (see
        :func:`nk_qrs_lstm.wfdb_io.read_record`).
        A record lacking one of them fails.
    scheduler : None or str or distributed.Client
        ``None``: serially, in this process. ``"local"``: on a new
        ``distributed.LocalCluster`` of ``n_workers`` processes with one
        thread each (their native thread pools limited to one thread, see
        :data:`WORKER_ENV`), closed at the end. An address
        (``"tcp://10.0.0.5:8786"``): on that running cluster, whose workers
        must see ``folder`` and ``out`` at the same paths. A
        ``distributed.Client`` is used as is and left open.
    n_workers : int, optional
        Workers of ``scheduler="local"`` (default: Dask's, one per core).
    annotation_extension : str
        Extension of the annotation files (letters and digits).
    table_format : {"parquet", "csv"}
    progress : bool
        Show a progress bar (tqdm) of the records done.
    per_lead : bool
        Write every lead's delineation into the record's annotation file,
        each mark with its lead's signal number as ``chan`` (as QTDB's
        ``pu`` files), instead of the fused delineation.
    time_scale : float
        1 to 3: how many times shorter the waves are than an adult's (e.g.
        1.5 for small children's ECGs), for every record; as in
        :func:`nk_qrs_lstm.ecg_delineate`.
    rhythm_gate : bool
        ``False`` keeps the P waves the rhythm gate would refuse as atrial
        fibrillation or flutter, for every record; as in
        :func:`nk_qrs_lstm.ecg_delineate`.
    overwrite : bool
        Replace the files of an earlier run in ``out`` (the table,
        ``failures.csv``, ``warnings.csv`` and the records' annotation
        files). By default, where any of them exists, nothing is done: with
        ``out`` the database folder itself, an annotation file may be an
        expert's (LUDB's ``.ii``, QTDB's ``.q1c``), and a run on fewer
        ``records`` would replace the table of a whole earlier run.

    Returns
    -------
    DatabaseDelineation
        The table (columns :data:`TABLE_COLUMNS`: record, lead, beat,
        sampling rate, each fiducial in samples, as nullable integers, and in
        seconds, PR, QRS and QT intervals in ms; missing where a point is
        missing), the failures, the paths written and the timing.

    Raises
    ------
    FileNotFoundError
        If ``folder`` does not exist.
    FileExistsError
        If ``overwrite`` is False and a file the run would write exists
        (checked before any record is read; the message names them).
    PermissionError, OSError
        If no file can be written in ``out`` (checked before any record is
        read; the message names ``out``).
    ValueError, TypeError
        For bad arguments (checked before any record is read).
    ImportError
        If ``scheduler`` is set without dask.distributed installed, or
        ``table_format="parquet"`` without pyarrow.

    Warns
    -----
    NKQRSLSTMWarning
        When some records failed (their errors are in ``failures``).

    See Also
    --------
    nk_qrs_lstm.record.delineate_record, record_table, find_records

    Notes
    -----
    Each record is one task; the table is assembled in the records' order,
    so a Dask run gives the same table as a serial one. Warnings raised
    while delineating a record are collected (``warnings``, and
    ``warnings.csv`` in ``out``) with
    :class:`warnings.catch_warnings`, which is process-wide: on workers
    running several threads, a warning may be attributed to a record that
    ran at the same time (results are not affected).

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> import numpy as np, wfdb
    >>> from nk_qrs_lstm.examples import example_record_path
    >>> folder, out = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(folder, "data"))
    >>> for ext in ("hea", "dat"):
    ...     _ = shutil.copyfile(f"{example_record_path()}.{ext}", os.path.join(folder, "data", f"3.{ext}"))
    >>> result = delineate_database(folder, out, leads=["ii", "v5"], table_format="csv", progress=False)
    >>> result
    DatabaseDelineation(records=1, failures=0, rows=..., elapsed_s=...)
    >>> sorted(set(result.table["lead"]))
    ['fused', 'ii', 'v5']
    >>> ann = wfdb.rdann(os.path.join(out, "data", "3"), "lstm")
    >>> ann.symbol.count("N") == int(np.isfinite(result.table.query("lead == 'fused'")["ECG_R_Peaks"]).sum())
    True
    >>> sorted(os.listdir(out))
    ['data', 'delineation.csv', 'failures.csv', 'warnings.csv']
    """
    from .wfdb_io import _check_extension

    start = time.perf_counter()
    folder = check_folder(folder)
    names = check_records(folder, records)
    leads = check_leads(leads)
    extension = _check_extension(annotation_extension)
    check_option("table_format", table_format, TABLE_FORMATS)
    _check_scheduler(scheduler, n_workers)
    if table_format == "parquet":
        _soft_import("pyarrow", "table_format='parquet'")
    overwrite, per_lead = check_flag("overwrite", overwrite), check_flag("per_lead", per_lead)
    time_scale, rhythm_gate = check_time_scale(time_scale), check_flag("rhythm_gate", rhythm_gate)
    out = check_out(out)  # last: created only once every argument is valid
    _check_fresh(out, names, extension, table_format, overwrite)

    tasks = [(os.path.abspath(folder), name, leads, os.path.abspath(out), extension, overwrite, per_lead, time_scale,
              rhythm_gate) for name in names]
    if scheduler is None:
        outcomes = _run_serial(tasks, progress)
    else:
        outcomes = _run_dask(tasks, scheduler, n_workers, progress)

    tables, failures, notes, paths, seconds = [], [], [], {}, {}
    for name in names:  # the records' order, whatever the order they finished in
        outcome = outcomes[name]
        notes += [(name, message) for message in outcome["warnings"]]
        if outcome["error"] is not None:
            failures.append((name, *outcome["error"]))
            logger.info("record %s failed: %s: %s", name, *outcome["error"])  # summarised below, in failures.csv
            continue
        tables.append(outcome["table"])
        paths[name] = outcome["path"]
        seconds[name] = outcome["seconds"]
    table = concat_tables(tables)
    failures = pd.DataFrame(failures, columns=list(FAILURE_COLUMNS))
    notes = pd.DataFrame(notes, columns=["record", "message"])
    for name, message in notes.itertuples(index=False):
        logger.info("record %s: %s", name, message)

    table_path = os.path.join(out, f"delineation.{table_format}")
    if table_format == "parquet":
        table.to_parquet(table_path, index=False)
    else:
        table.to_csv(table_path, index=False)
    failures_path = os.path.join(out, "failures.csv")
    failures.to_csv(failures_path, index=False)
    warnings_path = os.path.join(out, "warnings.csv")
    notes.to_csv(warnings_path, index=False)
    if len(failures):
        warn(f"{len(failures)} of {len(names)} records failed and were skipped (first: {failures.iloc[0, 0]}, "
             f"{failures.iloc[0, 1]}: {failures.iloc[0, 2]}); see {failures_path}.")
    if len(notes):
        warn(f"{notes['record'].nunique()} of {len(names)} records gave warnings (first: {notes.iloc[0, 0]}: "
             f"{notes.iloc[0, 1]}); see {warnings_path}.")
    return DatabaseDelineation(table, failures, table_path, failures_path, paths,
                               time.perf_counter() - start, seconds, notes)


