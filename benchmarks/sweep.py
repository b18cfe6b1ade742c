"""Robustness sweep on real ECG: crashes, refusals, contract violations and time, per method.

Corpora (:mod:`sweep_corpora`): every lead of every LUDB record, both leads of
every QTDB record, and a seeded fuzz corpus of real leads damaged on purpose.

Methods: every method of the one registry (:func:`nk_qrs_lstm.available_methods`,
or those named with ``--methods``), each run as a user runs it through
``nk_qrs_lstm.ecg_delineate(..., method=name)``
(:func:`nk_qrs_lstm.evaluation.runner.run_method`): a learned method on the raw
signal without R-peaks; a NeuroKit method after NeuroKit's ``ecg_clean`` ->
``ecg_peaks``. Each output is checked with
:func:`nk_qrs_lstm.evaluation.contract.contract_violations` (``n_beats=None``); for
NeuroKit the lists are also compared with its R-peak count ("misaligned").

Any exception is a crash, except a learned method's clear ``ValueError`` /
``TypeError`` raised by the package's input validation (``refused``). Items
run in worker processes with a per-item timeout; a timeout or a dead worker is
a crash.

Usage::

    python benchmarks/sweep.py --markdown docs/benchmarks.md        # full sweep
    python benchmarks/sweep.py --limit 2 --markdown /tmp/b.md       # smoke run
    python benchmarks/sweep.py --only fuzz/nan_gap/ludb-17-v2       # one item, details printed

The markdown file is only changed between ``<!-- robustness:start -->`` and
``<!-- robustness:end -->`` (appended when absent; :mod:`sweep_report`).
"""

import argparse
import contextlib
import datetime
import importlib
import io
import json
import multiprocessing
import os
import queue
import shlex
import sys
import threading
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # sweep the working tree, installed or not

from nk_qrs_lstm.evaluation.runner import method_names  # noqa: E402 (after the path above)
from nk_qrs_lstm.registry import get_method  # noqa: E402
from sweep_corpora import SEED, find_item, fuzz_items, ludb_items, qtdb_items  # noqa: E402
from sweep_report import render, write_markdown, _versions  # noqa: E402

CORPORA = ("ludb", "qtdb", "fuzz")
TIMEOUT_S = 600.0  # [s] per (item, method)
MAX_EXAMPLES = 5  # [-] examples kept per method and corpus
#: violation kinds about the values (indices, order), as opposed to the format (keys, types, lengths)
VALUE_KINDS = ("n_beats", "value_type", "range", "order", "qrs_width", "signals_mismatch")


def _learned(method):
    return get_method(method).kind == "learned"


# --------------------------------------------------------------------------- one (item, method), in a worker
def _is_refusal(exc):
    """Our input validation raised it: a ValueError / TypeError from _checks.py or _validation.validate_input."""
    if not isinstance(exc, (ValueError, TypeError)):
        return False
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return False
    last = frames[-1]
    path = last.filename.replace(os.sep, "/")
    return path.endswith("nk_qrs_lstm/_checks.py") or (path.endswith("nk_qrs_lstm/_validation.py")
                                                         and last.name == "validate_input")


def run_one(method, signal, fs):
    """Run ``method`` on one signal; a small JSON-able dict (status, seconds, violations ...)."""
    from nk_qrs_lstm.evaluation.contract import contract_violations
    from nk_qrs_lstm.evaluation.runner import run_method

    start = time.perf_counter()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            signals, waves, rpeaks = run_method(method, signal, fs)
    except Exception as exc:  # every exception is counted, none stops the sweep
        seconds = time.perf_counter() - start
        status = "refused" if _learned(method) and _is_refusal(exc) else "crash"
        return {"status": status, "seconds": seconds, "error": f"{type(exc).__name__}: {exc}"[:300]}
    seconds = time.perf_counter() - start
    n_rpeaks = None if rpeaks is None else int(len(rpeaks))
    found = contract_violations(signals, waves, len(signal), codes=True)
    lengths = sorted({len(v) for v in waves.values()}) if isinstance(waves, dict) else []
    misaligned = n_rpeaks is not None and lengths != [n_rpeaks]
    return {"status": "ok", "seconds": seconds, "violations": found, "n_rpeaks": n_rpeaks, "lengths": lengths,
            "misaligned": bool(misaligned), "n_beats": int(lengths[-1]) if lengths else 0}


def _worker_main(conn):
    importlib.import_module("nk_qrs_lstm.evaluation.runner")  # imports before "ready", not in the first timeout

    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        conn.send(run_one(*task))


class Worker:
    """A child process running items one at a time, killed and replaced after a timeout."""

    def __init__(self, timeout):
        self.timeout, self.proc = timeout, None

    def _start(self):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        if not self.conn.poll(300) or self.conn.recv() != "ready":
            raise RuntimeError("the sweep worker did not start within 300 s.")

    def run(self, method, signal, fs):
        if self.proc is None or not self.proc.is_alive():
            self._start()
        start = time.perf_counter()
        try:
            self.conn.send((method, signal, fs))
            if self.conn.poll(self.timeout):
                return self.conn.recv()
            error = f"Timeout: no result after {self.timeout:g} s"
        except (EOFError, OSError, BrokenPipeError):
            self.proc.join(5)
            error = f"WorkerDied: exit code {self.proc.exitcode}"
        self.close(kill=True)
        return {"status": "crash", "seconds": time.perf_counter() - start, "error": error}

    def close(self, kill=False):
        if self.proc is None:
            return
        if kill:
            self.proc.kill()
        else:
            with contextlib.suppress(OSError, BrokenPipeError):
                self.conn.send(None)
        self.proc.join(10)
        self.proc = None


# --------------------------------------------------------------------------- the sweep
def _empty():
    return {"items": 0, "crashes": 0, "refused": 0, "violations": 0, "value_violations": 0, "misaligned": 0,
            "seconds": 0.0,
            "violation_kinds": {}, "crash_types": {}, "crash_examples": [], "refusals": [],
            "violation_examples": [], "misaligned_examples": [], "skipped": 0}


def add_result(counts, item, result):
    """Fold one result into the per-(corpus, method) counts."""
    counts["items"] += 1
    counts["seconds"] += result["seconds"]
    where = {"item": item.id, "case": item.case, "fs": item.fs, "n_samples": int(len(item.signal))}
    if result["status"] == "crash":
        counts["crashes"] += 1
        kind = result["error"].split(":")[0]
        counts["crash_types"][kind] = counts["crash_types"].get(kind, 0) + 1
        counts["crash_examples"].append({**where, "error": result["error"]})
        return
    if result["status"] == "refused":
        counts["refused"] += 1
        counts["refusals"].append({**where, "error": result["error"], "outside_domain": item.outside})
        return
    if result["violations"]:
        counts["violations"] += 1
        kinds = sorted({k for k, _ in result["violations"]})
        counts["value_violations"] += any(k in VALUE_KINDS for k in kinds)
        for kind in kinds:
            counts["violation_kinds"][kind] = counts["violation_kinds"].get(kind, 0) + 1
        counts["violation_examples"].append({**where, "violations": [m for _, m in result["violations"]]})
    if result["misaligned"]:
        counts["misaligned"] += 1
        counts["misaligned_examples"].append({**where, "n_rpeaks": result["n_rpeaks"], "lengths": result["lengths"]})


def _skip(method, item, thin):
    """``--thin METHOD:CORPUS:K`` runs METHOD only on every K-th record of CORPUS."""
    k = thin.get((method, item.corpus))
    return bool(k) and item.index % k != 0


def sweep(corpora, methods, jobs=1, timeout=TIMEOUT_S, thin=None, progress=None):
    """Run every method on every item of ``corpora`` ({name: iterable of Item}); returns the counts."""
    thin = thin or {}
    results = {c: {m: _empty() for m in methods} for c in corpora}
    cases = {}
    tasks = queue.Queue(maxsize=2 * jobs)
    lock = threading.Lock()

    def consume():
        worker = Worker(timeout)
        try:
            while (task := tasks.get()) is not None:
                item, method = task
                result = worker.run(method, item.signal, item.fs)
                with lock:
                    add_result(results[item.corpus][method], item, result)
                    if item.case:
                        add_result(cases.setdefault(item.case, {}).setdefault(method, _empty()), item, result)
                    if progress:
                        progress(item, method, result)
        finally:
            worker.close()

    threads = [threading.Thread(target=consume, daemon=True) for _ in range(jobs)]
    for t in threads:
        t.start()
    for name, items in corpora.items():
        record_index = {}
        for item in items:
            item.index = record_index.setdefault(item.record, len(record_index))
            for method in methods:
                if _skip(method, item, thin):
                    results[name][method]["skipped"] += 1
                else:
                    tasks.put((item, method))
    for _ in threads:
        tasks.put(None)
    for t in threads:
        t.join()
    for per_corpus in (*results.values(), *cases.values()):
        for method, counts in per_corpus.items():
            for key in ("crash_examples", "refusals", "violation_examples", "misaligned_examples"):
                counts[key].sort(key=lambda e: e["item"])
                if not _learned(method) and key != "refusals":  # every failure of ours is kept
                    del counts[key][MAX_EXAMPLES:]
    return results, cases


# --------------------------------------------------------------------------- one item, in this process

def reproduce(item_id, methods, ludb, qtdb):
    """Run ``methods`` on one item in this process and print everything (tracebacks included)."""
    item = find_item(item_id, ludb, qtdb)
    print(f"{item.id}: {len(item.signal)} samples at {item.fs:g} Hz, dtype {item.signal.dtype}")
    from nk_qrs_lstm.evaluation.runner import run_method

    for method in methods:
        result = run_one(method, item.signal, item.fs)
        print(f"--- {method}: {result['status']} in {result['seconds']:.3f} s, {result.get('n_beats', 0)} beats")
        for _, message in result.get("violations", []):
            print("   ", message)
        if result["status"] != "ok":
            try:  # again, to show where it failed
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    run_method(method, item.signal, item.fs)
            except Exception:  # the failure being reproduced
                traceback.print_exc()
    return item


# --------------------------------------------------------------------------- command line
def _parser():
    p = argparse.ArgumentParser(prog="python benchmarks/sweep.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", nargs="+", default=method_names(), choices=method_names(),
                   help="registered methods to run (default: every one)")
    p.add_argument("--corpora", nargs="+", default=list(CORPORA), choices=CORPORA)
    p.add_argument("--no-fuzz", action="store_true", help="skip the fuzz corpus")
    p.add_argument("--limit", type=int, default=None, help="first N records per database (smoke runs)")
    p.add_argument("--ludb", default=str(ROOT.parent / "shared" / "data" / "ludb"))
    p.add_argument("--qtdb", default=str(ROOT.parent / "shared" / "data" / "qtdb"))
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per (signal, method)")
    p.add_argument("--thin", nargs="+", default=[], metavar="METHOD:CORPUS:K",
                   help="run METHOD on every K-th record of CORPUS only")
    p.add_argument("--results", default=None, help="JSON of the raw counts (default benchmarks/results/"
                                                   "sweep_full.json, or sweep_limitN.json)")
    p.add_argument("--markdown", default=None, help="rewrite the robustness section of this file")
    p.add_argument("--only", default=None, metavar="ITEM", help="run one item here and print the details")
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    ludb, qtdb = str(Path(args.ludb).resolve()), str(Path(args.qtdb).resolve())
    if args.only:
        reproduce(args.only, args.methods, ludb, qtdb)
        return None
    from nk_qrs_lstm.training.datasets import ludb_records, qtdb_records

    names = [c for c in args.corpora if not (args.no_fuzz and c == "fuzz")]
    thin = [(m, c, int(k)) for m, c, k in (t.split(":") for t in args.thin)]
    lrec, qrec = ludb_records(ludb)[:args.limit], qtdb_records(qtdb)[:args.limit]
    builders = {"ludb": lambda: ludb_items(ludb, lrec), "qtdb": lambda: qtdb_items(qtdb, qrec),
                "fuzz": lambda: fuzz_items(ludb, qtdb, chosen)}
    chosen = {}
    corpora = {c: builders[c]() for c in names}
    results_path = args.results or str(ROOT / "benchmarks" / "results" /
                                       f"sweep_{'full' if args.limit is None else f'limit{args.limit}'}.json")
    started, done = time.perf_counter(), [0]

    def progress(item, method, result):
        done[0] += 1
        if result["status"] != "ok" or result.get("violations") and _learned(method):
            detail = result.get("error") or "; ".join(m for _, m in result["violations"])
            print(f"[{time.perf_counter() - started:7.0f} s] {item.id} {method}: {result['status']} {detail[:200]}",
                  flush=True)
        if done[0] % 250 == 0:
            print(f"[{time.perf_counter() - started:7.0f} s] {done[0]} runs, at {item.id}", flush=True)

    results, cases = sweep(corpora, args.methods, jobs=args.jobs, timeout=args.timeout,
                           thin={(m, c): k for m, c, k in thin}, progress=progress)
    for per in cases.values():
        for counts in per.values():
            for key in ("crash_examples", "violation_examples", "misaligned_examples"):
                counts[key] = counts[key][:MAX_EXAMPLES]
    command = "python benchmarks/sweep.py " + shlex.join(argv)
    rel = os.path.relpath(results_path, ROOT) if results_path.startswith(str(ROOT)) else results_path
    report = {"meta": {"command": command.strip(), "date": datetime.datetime.now().isoformat(timespec="seconds"),
                       "versions": _versions(), "timeout_s": args.timeout, "jobs": args.jobs, "seed": SEED,
                       "thin": thin, "results": rel, "wall_s": time.perf_counter() - started,
                       "kinds": {m: get_method(m).kind for m in args.methods},
                       "fuzz": chosen},
              "corpora": results, "cases": cases}
    os.makedirs(os.path.dirname(results_path) or ".", exist_ok=True)
    with open(results_path, "w") as f:
        json.dump(report, f, indent=1, default=float)
    print(f"wrote {results_path}", flush=True)
    text = render(report)
    print(text)
    if args.markdown:
        write_markdown(args.markdown, text)
        print(f"wrote {args.markdown}", flush=True)
    return report


if __name__ == "__main__":
    main()
