"""Parity of the delineation before and after a change: same signals, two checkouts, value by value.

Delineates the LUDB test split (every lead) and the QTDB validation split (both leads) with
``nk_qrs_lstm.ecg_delineate_table(signal, sampling_rate=rate)`` (no R-peaks given) twice: with the working tree
and with an older checkout of the package (by default commit 905d0f3, the package before the restructuring of
issue 9). The signals are read once, here, and handed to both; each checkout runs in its own Python process with
``PYTHONPATH`` set to it. The report counts, per database and per fiducial, the beats and the values that differ
(NaN on one side only counts as a difference), with the largest difference in samples.

    git worktree add --detach /tmp/nk_before 905d0f3
    python benchmarks/parity.py --before /tmp/nk_before --markdown benchmarks/results/parity.md
    python benchmarks/parity.py --before /tmp/nk_before --limit 2          # smoke run, no file written

The old checkout returns float columns, the new one nullable ``Int64`` columns; both are compared as float
(``<NA>`` -> NaN).
"""

import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: database -> (split part, what is delineated)
PARTS = {"ludb": ("test", "LUDB test split, every lead (500 Hz, 10 s)"),
         "qtdb": ("validation", "QTDB validation split, both leads (250 Hz, 15 min)")}
MAX_LISTED = 20  # [-] differing beats quoted in the report


# --------------------------------------------------------------------------- one checkout, in a child process
def worker(signals_path, out_path, expect_root):
    """Delineate every signal of ``signals_path`` with the ``nk_qrs_lstm`` found first on ``sys.path``."""
    import warnings

    import nk_qrs_lstm

    found = Path(nk_qrs_lstm.__file__).resolve().parents[1]
    if found != Path(expect_root).resolve():
        raise SystemExit(f"imported nk_qrs_lstm from {found}, expected {expect_root}.")
    data = np.load(signals_path)
    rates = data["rates"]
    out, columns, start = {}, None, time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, rate in enumerate(rates):
            table = nk_qrs_lstm.ecg_delineate_table(data[f"s{i}"], sampling_rate=float(rate))
            columns = list(table.columns)
            out[f"t{i}"] = table.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
    info = {"columns": columns or [], "seconds": time.perf_counter() - start, "module": str(found)}
    np.savez(out_path, info=np.array(json.dumps(info)), **out)


def run_checkout(root, signals_path, out_path):
    """Run :func:`worker` with ``root`` first on ``PYTHONPATH``; the tables and the worker's info."""
    env = dict(os.environ, PYTHONPATH=str(root), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    done = subprocess.run([sys.executable, __file__, "--worker", signals_path, out_path, str(root)], env=env,
                          cwd=str(root), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the delineation with {root} failed:\n{done.stderr[-3000:]}")
    result = np.load(out_path)
    info = json.loads(str(result["info"]))
    tables = [result[f"t{i}"] for i in range(len(result.files) - 1)]
    return tables, info


# --------------------------------------------------------------------------- signals
def read_signals(limit=None):
    """(database, record, lead, signal, rate) of every lead of the two splits, read with the working tree."""
    sys.path.insert(0, str(ROOT))
    from nk_qrs_lstm.training.datasets import DEFAULT_LUDB, DEFAULT_QTDB, load_splits, read_ludb, read_qtdb

    splits = load_splits()
    readers = {"ludb": (read_ludb, DEFAULT_LUDB), "qtdb": (read_qtdb, DEFAULT_QTDB)}
    items = []
    for database, (part, _) in PARTS.items():
        reader, path = readers[database]
        path = str((ROOT / path).resolve()) if not os.path.isabs(path) else path
        for record in splits[database][part][:limit]:
            for ecg in reader(record, path=path):
                items.append((database, ecg.record, ecg.lead, ecg.signal, float(ecg.sampling_rate)))
    return items


# --------------------------------------------------------------------------- comparison
def _pair_rows(before, after, reach):
    """Row pairs of two tables by R-peak (same order, nearest within ``reach`` samples); unpaired rows too."""
    if len(before) == len(after):
        index = np.arange(len(before))
        return index, index, np.zeros(0, int), np.zeros(0, int)
    rb, ra = before[:, 0], after[:, 0]
    pairs_b, pairs_a, j = [], [], 0
    for i, r in enumerate(rb):
        while j < len(ra) and ra[j] < r - reach:
            j += 1
        if j < len(ra) and abs(ra[j] - r) <= reach:
            pairs_b.append(i)
            pairs_a.append(j)
            j += 1
    pairs_b, pairs_a = np.array(pairs_b, int), np.array(pairs_a, int)
    return (pairs_b, pairs_a, np.setdiff1d(np.arange(len(rb)), pairs_b),
            np.setdiff1d(np.arange(len(ra)), pairs_a))


def compare(items, before, after, columns):
    """Per database and key: beats, differing values, largest difference; and the differing beats."""
    per_db, differing = {}, []
    for (database, record, lead, _, rate), b, a in zip(items, before, after):
        stats = per_db.setdefault(database, {"leads": 0, "beats_before": 0, "beats_after": 0,
                                             "leads_rows_differ": 0,
                                             "keys": {k: {"values": 0, "differ": 0, "nan_mismatch": 0,
                                                          "max_abs": 0.0} for k in columns}})
        stats["leads"] += 1
        stats["beats_before"] += len(b)
        stats["beats_after"] += len(a)
        ib, ia, only_b, only_a = _pair_rows(b, a, reach=0.15 * rate)
        if len(only_b) or len(only_a):
            stats["leads_rows_differ"] += 1
            differing.append({"item": f"{database}/{record}/{lead}", "beat": "rows",
                              "detail": f"{len(b)} beats before, {len(a)} after; unpaired R-peaks before "
                                        f"{b[only_b, 0].tolist()[:5]}, after {a[only_a, 0].tolist()[:5]}"})
        for c, key in enumerate(columns):
            s = stats["keys"][key]
            x, y = b[ib, c], a[ia, c]
            both = np.isfinite(x) & np.isfinite(y)
            nan_mismatch = np.isfinite(x) != np.isfinite(y)
            value_diff = both & (x != y)
            s["values"] += int(np.isfinite(b[:, c]).sum())
            s["differ"] += int(nan_mismatch.sum() + value_diff.sum() + len(only_b) + len(only_a))
            s["nan_mismatch"] += int(nan_mismatch.sum())
            if value_diff.any():
                s["max_abs"] = max(s["max_abs"], float(np.abs(x - y)[value_diff].max()))
            for row in np.flatnonzero(nan_mismatch | value_diff):
                differing.append({"item": f"{database}/{record}/{lead}", "beat": int(ib[row]), "key": key,
                                  "detail": f"{key}: {x[row]:g} before, {y[row]:g} after"})
    return per_db, differing


# --------------------------------------------------------------------------- report
def render(per_db, differing, meta):
    out = ["# Delineation parity before / after the restructuring (issue 9)", "",
           f"Written by `{meta['command']}` on {meta['date'][:10]}.", "",
           f"Before: `{meta['before']}` (commit {meta['before_commit']}), {meta['before_s']:.0f} s. "
           f"After: `{meta['after']}`{' (this working tree)' if meta['after'] == str(ROOT) else ''} "
           f"(commit {meta['after_commit']}"
           f"{'; uncommitted changes to ' + ', '.join(meta['dirty']) if meta['dirty'] else ''}), "
           f"{meta['after_s']:.0f} s.", "",
           "Both delineate the same signals (read once by the working tree's readers) with "
           "`ecg_delineate_table(signal, sampling_rate=rate)` (no R-peaks given, ONNX backend), each in its own "
           "process. *values*: finite values before; *differ*: values that differ, NaN on one side only "
           "included (*of which NaN/value*; a beat found on one side only counts once in every column); *largest*: largest difference between two finite values, in "
           "samples.", ""]
    for database, stats in per_db.items():
        same = stats["leads_rows_differ"] == 0 and all(s["differ"] == 0 for s in stats["keys"].values())
        out += [f"## {PARTS[database][1]}", "",
                f"{stats['leads']} leads, {stats['beats_before']} beats before and {stats['beats_after']} after; "
                f"leads with a different number of beats: {stats['leads_rows_differ']}. "
                f"**{'Identical' if same else 'Different'}.**", "",
                "| Fiducial | beats | values | differ | of which NaN/value | largest (samples) |",
                "|---|---:|---:|---:|---:|---:|"]
        for key, s in stats["keys"].items():
            out.append(f"| {key} | {stats['beats_before']} | {s['values']} | {s['differ']} | "
                       f"{s['nan_mismatch']} | {s['max_abs']:g} |")
        out.append("")
    if differing:
        out += [f"Differing values ({len(differing)}; first {MAX_LISTED}):", ""]
        out += [f"- `{d['item']}` beat {d['beat']}: {d['detail']}" for d in differing[:MAX_LISTED]]
    return "\n".join(out).rstrip() + "\n"


def _git(*args, cwd=ROOT):
    done = subprocess.run(["git", *args], cwd=str(cwd), capture_output=True, text=True)
    return done.stdout.strip()


def main(argv=None):
    p = argparse.ArgumentParser(prog="python benchmarks/parity.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--before", default="/tmp/nk_before", help="checkout of the older package (a git worktree)")
    p.add_argument("--after", default=str(ROOT),
                   help="checkout of the newer package (default: this working tree, uncommitted changes included; "
                        "`git worktree add --detach /tmp/nk_after HEAD` gives the last commit alone)")
    p.add_argument("--limit", type=int, default=None, help="first N records of each split (smoke runs)")
    p.add_argument("--markdown", default=None, help="write the report to this file")
    p.add_argument("--worker", nargs=3, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    before_root, after_root = Path(args.before).resolve(), Path(args.after).resolve()
    for flag, root in (("--before", before_root), ("--after", after_root)):
        if not (root / "nk_qrs_lstm" / "__init__.py").exists():
            p.error(f"{flag} {root} holds no nk_qrs_lstm package; make one with "
                    "`git worktree add --detach /tmp/nk_before 905d0f3`.")
    items = read_signals(args.limit)
    print(f"{len(items)} leads read", flush=True)
    with tempfile.TemporaryDirectory(prefix="nk_qrs_lstm_parity_") as folder:
        signals_path = os.path.join(folder, "signals.npz")
        np.savez(signals_path, rates=np.array([i[4] for i in items]),
                 **{f"s{n}": i[3] for n, i in enumerate(items)})
        before, info_b = run_checkout(before_root, signals_path, os.path.join(folder, "before.npz"))
        print(f"before: {info_b['seconds']:.0f} s ({info_b['module']})", flush=True)
        after, info_a = run_checkout(after_root, signals_path, os.path.join(folder, "after.npz"))
        print(f"after: {info_a['seconds']:.0f} s ({info_a['module']})", flush=True)
    if info_b["columns"] != info_a["columns"]:
        raise SystemExit(f"the tables have different columns: {info_b['columns']} / {info_a['columns']}")
    per_db, differing = compare(items, before, after, info_a["columns"])
    command = "python benchmarks/parity.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    meta = {"command": command.strip(), "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "before": str(before_root), "before_commit": _git("rev-parse", "--short", "HEAD", cwd=before_root),
            "after": str(after_root), "after_commit": _git("rev-parse", "--short", "HEAD", cwd=after_root),
            "dirty": [line.split(maxsplit=1)[1]
                      for line in _git("status", "--porcelain", "--", "nk_qrs_lstm", cwd=after_root).splitlines()],
            "before_s": info_b["seconds"], "after_s": info_a["seconds"]}
    text = render(per_db, differing, meta)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)
        print(f"wrote {args.markdown}")
    return 0 if not differing else 1


if __name__ == "__main__":
    sys.exit(main())
