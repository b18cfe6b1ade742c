"""Running the records of :func:`nk_qrs_lstm.batch.delineate_database`: serially or on a Dask cluster.

Each record is one task, :func:`_delineate_one`, which never raises: a record that cannot be read or delineated
comes back as an error, so it never costs the other records their results; a worker that dies or is lost is
reported the same way. Dask (``distributed``) is imported only when a scheduler is asked for.
"""

import os
import posixpath
import re
import time
import warnings

import numpy as np

from ._checks import check_option
from .database import record_table

#: Environment of the workers of ``scheduler="local"``: one thread per native pool
#: (each worker already runs one record at a time).
WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NK_QRS_LSTM_NUM_THREADS": "1",  # ONNX Runtime's intra-op threads (nk_qrs_lstm.runtime)
}


# --------------------------------------------------------------------------- arguments
def _check_scheduler(scheduler, n_workers):
    if n_workers is not None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"n_workers == {n_workers!r}, must be a whole number >= 1.")
        if scheduler != "local":
            raise ValueError(f"n_workers is only used with scheduler='local', got scheduler={scheduler!r}.")
    if scheduler is None or scheduler == "local":
        return
    if isinstance(scheduler, str):
        if "://" in scheduler or re.fullmatch(r"[\w.\-\[\]:]+:\d+", scheduler):
            return
        check_option("scheduler", scheduler, ("local", "tcp://HOST:PORT"))
    if type(scheduler).__name__ == "Client" and hasattr(scheduler, "submit"):
        return
    raise TypeError(
        "scheduler must be None (serial), 'local', a scheduler address such as 'tcp://127.0.0.1:8786' "
        f"or a distributed.Client, got {type(scheduler).__name__}."
    )


def _soft_import(name, feature, extra="dask"):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise ImportError(f"{feature} needs {name}: pip install 'nk-qrs-lstm[{extra}]'") from err


# --------------------------------------------------------------------------- one record
def _delineate_one(folder, record, leads, out, extension, overwrite=False, per_lead=False, time_scale=1.0,
                   rhythm_gate=True):
    """Delineate one record and write its annotations; never raises (runs on workers).

    Returns a dict: record, table or None, path or None, error (type,
    message) or None, warnings (messages) and seconds.
    """
    from .record import delineate_record

    start = time.perf_counter()
    outcome = {"record": record, "table": None, "path": None, "error": None, "warnings": []}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = delineate_record(os.path.join(folder, record), leads=leads,
                                      record_name=posixpath.basename(record), time_scale=time_scale,
                                      rhythm_gate=rhythm_gate)
            write_dir = os.path.join(out, posixpath.dirname(record))
            os.makedirs(write_dir, exist_ok=True)
            outcome["path"] = result.to_wfdb(write_dir=write_dir, extension=extension, overwrite=overwrite,
                                             lead=list(result.tables) if per_lead else None)
            outcome["table"] = record_table(result, record)
        # libraries' deprecation notices (wfdb under pandas 3, ...) say nothing about the record
        outcome["warnings"] = list(dict.fromkeys(str(w.message) for w in caught if not issubclass(w.category, _NOISE)))
    except Exception as err:  # a bad record is reported, never fatal to the run
        outcome.update(table=None, path=None, error=_error(err))
    outcome["seconds"] = time.perf_counter() - start
    return outcome


_NOISE = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _error(err):
    return type(err).__name__, str(err) or repr(err)


# --------------------------------------------------------------------------- runners
def _progress(total, progress):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not progress, desc="Delineating", unit="record")


def _run_serial(tasks, progress):
    outcomes = {}
    with _progress(len(tasks), progress) as bar:
        for task in tasks:
            outcomes[task[1]] = _delineate_one(*task)
            bar.update()
    return outcomes


def _run_dask(tasks, scheduler, n_workers, progress):
    distributed = _soft_import("distributed", "delineate_database(scheduler=...)")
    cluster = None
    if isinstance(scheduler, distributed.Client):
        client = scheduler
    elif scheduler == "local":
        cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                           dashboard_address="127.0.0.1:0", env=WORKER_ENV)
        client = distributed.Client(cluster)
    else:
        client = distributed.Client(scheduler)
    try:
        futures = {client.submit(_delineate_one, *task, pure=False): task[1] for task in tasks}
        outcomes = {}
        with _progress(len(tasks), progress) as bar:
            for future in distributed.as_completed(futures):
                record = futures[future]
                try:
                    outcomes[record] = future.result()
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as err:  # the task itself never raises: the worker died or was lost
                    outcomes[record] = {"record": record, "table": None, "path": None, "error": _error(err),
                                        "warnings": [], "seconds": np.nan}
                future.release()
                bar.update()
        return outcomes
    finally:
        if client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()
