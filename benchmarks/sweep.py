"""Robustness sweep on real ECG: crashes, refusals, contract violations and time, per method.

Corpora:

* ``ludb``: every lead of every LUDB record (200 x 12 leads, 500 Hz, 10 s);
* ``qtdb``: both leads of every QTDB record in the folder (15 min, 250 Hz);
* ``fuzz``: real leads damaged deterministically (seeded; see :data:`CASES`):
  gaps, inf, flat, clipped, noise only, inverted, other units, extreme heart
  rates, other sampling rates, short fragments, plus every lead of one AF and
  one paced LUDB record.

Methods: ``lstm`` is ``nk_qrs_lstm.ecg_delineate(signal, sampling_rate=fs)``
(raw signal, no R-peaks); ``dwt``, ``prominence``, ``peak`` and ``cwt`` are
NeuroKit's pipeline as :func:`nk_qrs_lstm.evaluation.benchmark.neurokit_method` runs it
(``ecg_clean`` -> ``ecg_peaks`` -> ``ecg_delineate``), with NeuroKit's
``signals`` and R-peaks captured on the way. Each output is checked with
:func:`nk_qrs_lstm.evaluation.contract.contract_violations` (``n_beats=None``); for
NeuroKit the lists are also compared with its R-peak count ("misaligned").

Any exception is a crash, except our method's clear ``ValueError`` /
``TypeError`` raised by its input validation (``refused``). Items run in
worker processes with a per-item timeout; a timeout or a dead worker is a
crash.

Usage::

    python benchmarks/sweep.py --markdown docs/benchmarks.md        # full sweep
    python benchmarks/sweep.py --limit 2 --markdown /tmp/b.md       # smoke run
    python benchmarks/sweep.py --only fuzz/nan_gap/ludb-17-v2       # one item, details printed

The markdown file is only changed between ``<!-- robustness:start -->`` and
``<!-- robustness:end -->`` (appended when absent).
"""

import argparse
import contextlib
import datetime
import hashlib
import io
import json
import multiprocessing
import os
import platform
import queue
import shlex
import sys
import threading
import time
import traceback
import warnings
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # sweep the working tree, installed or not

MARK_START = "<!-- robustness:start -->"
MARK_END = "<!-- robustness:end -->"
METHODS = ("lstm", "dwt", "prominence", "peak", "cwt")
CORPORA = ("ludb", "qtdb", "fuzz")
SEED = 20261129
N_BASES = (6, 2)  # [-] LUDB and QTDB leads the fuzz cases are built from
QTDB_BASE_S = 20.0  # [s] length of a QTDB excerpt used as a fuzz base
TIMEOUT_S = 600.0  # [s] per (item, method)
MAX_EXAMPLES = 5  # [-] examples kept per method and corpus
#: violation kinds about the values (indices, order), as opposed to the format (keys, types, lengths)
VALUE_KINDS = ("n_beats", "value_type", "range", "order", "qrs_width", "signals_mismatch")
#: fuzz case -> (description, outside our documented domain)
CASES = {
    "nan_gap": ("1.5-s NaN gap", False),
    "inf_samples": ("12 samples set to +-inf", False),
    "flat_line": ("constant signal", False),
    "flat_segment": ("2-s flat segment inside (value held)", False),
    "clipped": ("saturated at the 5th / 95th percentiles", False),
    "noise_white": ("white noise only, no ECG", False),
    "noise_emg": ("EMG-like noise only (20-150 Hz bursts), no ECG", False),
    "inverted": ("lead inverted", False),
    "microvolt": ("units uV (x1000)", False),
    "int16_adc": ("int16 ADC units (200 adu/mV, baseline 1024)", False),
    "hr_30": ("stretched in time to ~30 bpm", False),
    "hr_220": ("compressed in time to ~220 bpm", False),
    "rate_100": ("resampled to 100 Hz", False),
    "rate_1000": ("resampled to 1000 Hz", False),
    "rate_2000": ("resampled to 2000 Hz", False),
    "fragment_1.2s": ("1.2-s fragment", False),
    "fragment_0.5s": ("0.5-s fragment (outside: < 1 s)", True),
    "rate_50": ("resampled to 50 Hz (outside: < 100 Hz)", True),
    "af_record": ("every lead of one LUDB AF record", False),
    "paced_record": ("every lead of one LUDB paced record", False),
}


@dataclass
class Item:
    """One signal of a corpus."""

    id: str
    corpus: str
    signal: np.ndarray
    fs: float
    case: str = ""
    outside: bool = False
    record: str = ""
    index: int = 0  # rank of the record in its corpus


# --------------------------------------------------------------------------- corpora
def _ludb(record, ludb):
    from nk_qrs_lstm.training.datasets import read_ludb

    return read_ludb(record, path=ludb)


def ludb_items(ludb, records):
    for record in records:
        for ecg in _ludb(record, ludb):
            yield Item(f"ludb/{record}/{ecg.lead}", "ludb", ecg.signal, ecg.sampling_rate, record=record)


def qtdb_items(qtdb, records):
    from nk_qrs_lstm.training.datasets import read_qtdb

    for record in records:
        for ecg in read_qtdb(record, path=qtdb):
            yield Item(f"qtdb/{record}/{ecg.lead}", "qtdb", ecg.signal, ecg.sampling_rate, record=record)


def _rng(key):
    return np.random.default_rng([SEED, zlib.crc32(key.encode())])


def _heart_rate(ecg):
    peaks = np.sort(ecg.waves["QRS"][:, 1])
    rr = np.diff(peaks[np.isfinite(peaks)]) / ecg.sampling_rate
    rr = rr[rr < 2.0]
    return 60.0 / np.median(rr) if len(rr) else 70.0


def fuzz_bases(ludb, qtdb):
    """The real leads the fuzz cases are built from: (name, signal, fs, heart rate), chosen with the seed."""
    from nk_qrs_lstm.training.datasets import load_splits, ludb_records, qtdb_records, read_qtdb

    rng = _rng("bases")
    strata = load_splits()["ludb_strata"]
    sinus = [r for r in ludb_records(ludb) if strata.get(r) == "sinus"]
    bases = []
    for record in rng.choice(sinus, N_BASES[0], replace=False):
        leads = _ludb(record, ludb)
        ecg = leads[rng.integers(len(leads))]
        bases.append((f"ludb-{record}-{ecg.lead}", ecg.signal, ecg.sampling_rate, _heart_rate(ecg)))
    for record in rng.choice(qtdb_records(qtdb), N_BASES[1], replace=False):
        leads = read_qtdb(record, path=qtdb)
        ecg = leads[rng.integers(len(leads))]
        n = int(QTDB_BASE_S * ecg.sampling_rate)
        start = int(rng.integers(0, len(ecg.signal) - n))
        bases.append((f"qtdb-{record}-{ecg.lead}-{start}", ecg.signal[start:start + n], ecg.sampling_rate,
                      _heart_rate(ecg)))
    return bases


def _resample(x, fs, target):
    from scipy.signal import resample_poly

    ratio = Fraction(target / fs).limit_denominator(1000)
    return resample_poly(x, ratio.numerator, ratio.denominator)


def _stretch(x, factor):
    """Resample ``x`` in time by ``factor`` (> 1: slower rhythm), same sampling rate."""
    from scipy.signal import resample

    return resample(x - np.median(x), int(round(len(x) * factor))) + np.median(x)


def _emg(n, fs, rng):
    from scipy.signal import butter, sosfiltfilt

    high = min(150.0, 0.45 * fs)
    noise = sosfiltfilt(butter(4, [20.0, high], btype="band", fs=fs, output="sos"), rng.standard_normal(n))
    bursts = np.convolve(rng.random(n) < 2.0 / fs, np.ones(int(0.3 * fs)), mode="same") > 0
    return noise * (0.2 + bursts)


def fuzz_signal(case, x, fs, hr, rng):
    """Damage one real lead ``x`` (fs Hz, heart rate ``hr``) as ``case`` says; returns (signal, fs)."""
    x = np.asarray(x, dtype=np.float64).copy()
    n, scale = len(x), np.std(x) or 1.0
    if case == "nan_gap":
        start = int(rng.integers(int(0.1 * n), int(0.7 * n)))
        x[start:start + int(1.5 * fs)] = np.nan
    elif case == "inf_samples":
        where = rng.choice(n, 12, replace=False)
        x[where] = np.where(np.arange(12) % 2, np.inf, -np.inf)
    elif case == "flat_line":
        x[:] = np.median(x)
    elif case == "flat_segment":
        start = int(rng.integers(int(0.1 * n), int(0.6 * n)))
        x[start:start + int(2 * fs)] = x[start]
    elif case == "clipped":
        x = np.clip(x, *np.percentile(x, [5, 95]))
    elif case == "noise_white":
        x = rng.standard_normal(n) * scale
    elif case == "noise_emg":
        emg = _emg(n, fs, rng)
        x = emg * scale / (np.std(emg) or 1.0)
    elif case == "inverted":
        x = -x
    elif case == "microvolt":
        x = x * 1000.0
    elif case == "int16_adc":
        x = np.clip(np.round(x * 200.0 + 1024.0), -32768, 32767).astype(np.int16)
    elif case in ("hr_30", "hr_220"):
        x = _stretch(x, hr / float(case.split("_")[1]))
    elif case.startswith("rate_"):
        target = float(case.split("_")[1])
        x, fs = _resample(x, fs, target), target
    elif case.startswith("fragment_"):
        length = int(round(float(case.split("_")[1].rstrip("s")) * fs))
        start = int(rng.integers(0, n - length))
        x = x[start:start + length]
    else:
        raise ValueError(f"unknown fuzz case {case!r}")
    return x, fs


def fuzz_items(ludb, qtdb, chosen=None):
    """The fuzz corpus, lazily; ``chosen`` (a dict) receives the base leads and records used."""
    from nk_qrs_lstm.training.datasets import load_splits

    chosen = {} if chosen is None else chosen
    bases = fuzz_bases(ludb, qtdb)
    chosen["bases"] = [name for name, *_ in bases]
    for case, (_, outside) in CASES.items():
        if case.endswith("_record"):
            continue
        for name, x, fs, hr in bases:
            item_id = f"fuzz/{case}/{name}"
            signal, rate = fuzz_signal(case, x, fs, hr, _rng(item_id))
            yield Item(item_id, "fuzz", signal, rate, case=case, outside=outside, record=name)
    strata = load_splits()["ludb_strata"]
    rng = _rng("records")
    for case, stratum in (("af_record", "af"), ("paced_record", "paced")):
        record = str(rng.choice(sorted((r for r, s in strata.items() if s == stratum), key=int)))
        chosen[case] = f"LUDB {record}"
        for ecg in _ludb(record, ludb):
            yield Item(f"fuzz/{case}/ludb-{record}-{ecg.lead}", "fuzz", ecg.signal, ecg.sampling_rate, case=case,
                       record=record)


# --------------------------------------------------------------------------- one (item, method), in a worker
def _is_refusal(exc):
    """Our input validation raised it: a ValueError / TypeError from _checks.py or delineate._validate."""
    if not isinstance(exc, (ValueError, TypeError)):
        return False
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return False
    last = frames[-1]
    path = last.filename.replace(os.sep, "/")
    return path.endswith("nk_qrs_lstm/_checks.py") or (path.endswith("nk_qrs_lstm/delineate.py")
                                                         and last.name == "_validate")


class _Capture:
    """Wraps ``neurokit2.ecg_delineate`` to keep NeuroKit's ``signals`` and R-peaks of the last call."""

    def __init__(self, original):
        self.original, self.last = original, None

    def __call__(self, cleaned, rpeaks=None, *args, **kwargs):
        signals, waves = self.original(cleaned, rpeaks, *args, **kwargs)
        self.last = (signals, len(rpeaks["ECG_R_Peaks"] if isinstance(rpeaks, dict) else rpeaks))
        return signals, waves


def _setup_worker():
    import neurokit2 as nk

    from nk_qrs_lstm.evaluation import benchmark

    capture = _Capture(nk.ecg_delineate)
    nk.ecg_delineate = capture  # neurokit_method looks nk.ecg_delineate up at call time
    runners = {m: benchmark.neurokit_method(m) for m in METHODS if m != "lstm"}
    return capture, runners


def run_one(method, signal, fs, state):
    """Run ``method`` on one signal; a small JSON-able dict (status, seconds, violations ...)."""
    from nk_qrs_lstm import ecg_delineate
    from nk_qrs_lstm.evaluation.contract import contract_violations

    capture, runners = state
    capture.last = None
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            if method == "lstm":
                signals, waves = ecg_delineate(signal, sampling_rate=fs)
                n_rpeaks = None
            else:
                waves = runners[method](signal, fs)
                signals, n_rpeaks = capture.last
    except Exception as exc:  # every exception is counted, none stops the sweep
        seconds = time.perf_counter() - start
        status = "refused" if method == "lstm" and _is_refusal(exc) else "crash"
        return {"status": status, "seconds": seconds, "error": f"{type(exc).__name__}: {exc}"[:300]}
    seconds = time.perf_counter() - start
    found = contract_violations(signals, waves, len(signal), codes=True)
    lengths = sorted({len(v) for v in waves.values()}) if isinstance(waves, dict) else []
    misaligned = n_rpeaks is not None and lengths != [n_rpeaks]
    return {"status": "ok", "seconds": seconds, "violations": found, "n_rpeaks": n_rpeaks, "lengths": lengths,
            "misaligned": bool(misaligned), "n_beats": int(lengths[-1]) if lengths else 0}


def _worker_main(conn):
    state = _setup_worker()
    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        conn.send(run_one(*task, state))


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
                if method != "lstm" and key != "refusals":  # every failure of ours is kept
                    del counts[key][MAX_EXAMPLES:]
    return results, cases


# --------------------------------------------------------------------------- report
def _versions():
    import importlib.metadata as md

    out = {"nk_qrs_lstm": md.version("nk-qrs-lstm")}
    model = ROOT / "nk_qrs_lstm" / "models" / "nk_qrs_lstm.onnx"
    if model.exists():
        out["model_sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()[:12]
    for name in ("neurokit2", "numpy", "scipy", "pandas", "onnxruntime"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[name] = md.version(name)
    out["python"] = platform.python_version()
    return out


def _describe(corpus, counts):
    n = next(iter(counts.values()))
    n_items = n["items"] + n["skipped"]
    if corpus == "ludb":
        return f"LUDB: {n_items} signals (every lead of {n_items // 12} records, 500 Hz, 10 s)"
    if corpus == "qtdb":
        return f"QTDB: {n_items} signals (both leads of {n_items // 2} records, 250 Hz, 15 min)"
    return f"Fuzz: {n_items} damaged real signals (seed {SEED}, {len(CASES)} cases, below)"


def _cell(c):
    if not c["items"]:
        return "—"
    parts = [f"{c[k]} {label}" for k, label in (("crashes", "crash"), ("refused", "refused")) if c[k]]
    if c["violations"]:
        parts.append(f"{c['violations']} viol. ({c['value_violations']} values)")
    if c["misaligned"]:
        parts.append(f"{c['misaligned']} misal.")
    return ", ".join(parts) if parts else "ok"


def _example(e):
    text = e.get("error") or "; ".join(e.get("violations", []))
    if "n_rpeaks" in e and not text:
        text = f"{e['n_rpeaks']} R-peaks, list lengths {e['lengths']}"
    return f"`{e['item']}`: {text[:160]}"


def render(report):
    """Markdown text of the robustness section (without the markers)."""
    meta = report["meta"]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    out = ["## Robustness on real ECG", "",
           f"Written by `{meta['command']}` on {meta['date'][:10]} ({versions}); raw counts in "
           f"`{meta['results']}`.", "",
           "Every method runs on every signal as a user would run it: `lstm` is "
           "`nk_qrs_lstm.ecg_delineate(signal, sampling_rate=fs)` on the raw signal; `dwt`, `prominence`, `peak` "
           "and `cwt` are NeuroKit2's `ecg_clean` → `ecg_peaks` → `ecg_delineate(method=...)`. "
           "*crashes*: any exception (or no result within "
           f"{meta['timeout_s']:g} s); *refused*: our method's clear `ValueError`/`TypeError` from its input "
           "validation; *contract violations*: outputs breaking "
           "`nk_qrs_lstm.evaluation.contract.contract_violations` (exact keys in order, one int64 0/1 column per key, "
           "equal list lengths, int indices in range or NaN, P ≤ QRS ≤ T within a beat, DataFrame = dict); "
           "*of which values*: those with a bad index, a float index or fiducials out of order (the others break "
           "only the format: keys, types, list lengths); *misaligned lists*: NeuroKit's lists not of one entry "
           "per R-peak it found (not applicable to `lstm`, run without R-peaks). Seconds are wall-clock inside "
           "the method, summed, "
           f"{meta['jobs']} worker process{'es' if meta['jobs'] > 1 else ''} on a shared 2-core machine. "
           "Any signal can be rerun alone, with tracebacks: `python benchmarks/sweep.py --only ITEM` "
           "(ITEM as quoted below, e.g. `ludb/1/ii`)."]
    if meta.get("thin"):
        cuts = "; ".join(f"`{m}` runs on 1 {c.upper()} record in {k} only (every {k}-th in RECORDS order)"
                         for m, c, k in meta["thin"])
        out += ["", f"Reduced for time: {cuts}; see its *items* column."]
    for corpus, counts in report["corpora"].items():
        out += ["", f"### {_describe(corpus, counts)}", "",
                "| Method | items | crashes | refused (clear error) | contract violations | of which values | "
                "misaligned lists | seconds | s / item |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for method, c in counts.items():
            mis = "—" if method == "lstm" else str(c["misaligned"])
            per = c["seconds"] / c["items"] if c["items"] else float("nan")
            out.append(f"| {method} | {c['items']} | {c['crashes']} | {c['refused']} | {c['violations']} | "
                       f"{c['value_violations']} | {mis} | "
                       f"{c['seconds']:.1f} | {per:.3f} |")
        notes = []
        for method, c in counts.items():
            if c["violation_kinds"]:
                kinds = ", ".join(f"{k} {n}" for k, n in sorted(c["violation_kinds"].items()))
                notes.append(f"- `{method}` violations by kind (items): {kinds}; e.g. "
                             f"{_example(c['violation_examples'][0])}")
            if c["crashes"]:
                kinds = ", ".join(f"{k} {n}" for k, n in sorted(c["crash_types"].items()))
                shown = "; ".join(_example(e) for e in c["crash_examples"][:2])
                notes.append(f"- `{method}` crashes ({kinds}), e.g. {shown}")
            if c["refused"]:
                outside = sum(e["outside_domain"] for e in c["refusals"])
                cases = sorted({e["case"] or e["item"] for e in c["refusals"]})
                notes.append(f"- `{method}` refused {c['refused']} ({outside} outside its documented domain): "
                             f"{', '.join(cases)}; e.g. {_example(c['refusals'][0])}")
            if c["misaligned"] and method != "lstm":
                notes.append(f"- `{method}` misaligned, e.g. {_example(c['misaligned_examples'][0])}")
        if notes:
            out += [""] + notes
    if report.get("cases"):
        methods = list(next(iter(report["corpora"].values())))
        out += ["", "#### Fuzz cases", "", "Each cell counts the case's signals with a crash, a refusal, a "
                "contract violation (of which about values) or misaligned lists (*ok*: none).", "",
                "| Case | signals | " + " | ".join(methods) + " |", "|---|---:|" + "---|" * len(methods)]
        chosen = meta.get("fuzz", {})
        if chosen.get("bases"):
            out[-4:-4] = ["Base leads (10-s LUDB leads and 20-s QTDB excerpts, `record-lead[-start sample]`): "
                          + ", ".join(f"`{b}`" for b in chosen["bases"]) + ".", ""]
        for case, per in report["cases"].items():
            n = max(c["items"] for c in per.values())
            label = CASES[case][0] + (f" ({chosen[case]})" if case in chosen else "")
            out.append(f"| {label} | {n} | " + " | ".join(_cell(per[m]) if m in per else "—"
                                                                 for m in methods) + " |")
    return "\n".join(out).rstrip() + "\n"


def write_markdown(path, text):
    from nk_qrs_lstm.evaluation.benchmark import replace_section

    replace_section(path, text, start=MARK_START, end=MARK_END)


# --------------------------------------------------------------------------- one item, in this process
def find_item(item_id, ludb, qtdb):
    """Rebuild one item from its id (``ludb/1/ii``, ``qtdb/sel100/MLII``, ``fuzz/nan_gap/ludb-17-v2``)."""
    corpus, record, rest = item_id.split("/", 2)
    if corpus == "ludb":
        return next(i for i in ludb_items(ludb, [record]) if i.id == item_id)
    if corpus == "qtdb":
        return next(i for i in qtdb_items(qtdb, [record]) if i.id == item_id)
    if record.endswith("_record"):
        _, rec, lead = rest.split("-", 2)
        ecg = next(e for e in _ludb(rec, ludb) if e.lead == lead)
        return Item(item_id, "fuzz", ecg.signal, ecg.sampling_rate, case=record, record=rec)
    for name, x, fs, hr in fuzz_bases(ludb, qtdb):
        if name == rest:
            signal, rate = fuzz_signal(record, x, fs, hr, _rng(item_id))
            return Item(item_id, "fuzz", signal, rate, case=record, outside=CASES[record][1], record=name)
    raise ValueError(f"no sweep item {item_id!r}.")


def reproduce(item_id, methods, ludb, qtdb):
    """Run ``methods`` on one item in this process and print everything (tracebacks included)."""
    item = find_item(item_id, ludb, qtdb)
    print(f"{item.id}: {len(item.signal)} samples at {item.fs:g} Hz, dtype {item.signal.dtype}")
    state = _setup_worker()
    for method in methods:
        result = run_one(method, item.signal, item.fs, state)
        print(f"--- {method}: {result['status']} in {result['seconds']:.3f} s, {result.get('n_beats', 0)} beats")
        for _, message in result.get("violations", []):
            print("   ", message)
        if result["status"] != "ok":
            try:  # again, to show where it failed
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    if method == "lstm":
                        from nk_qrs_lstm import ecg_delineate

                        ecg_delineate(item.signal, sampling_rate=item.fs)
                    else:
                        state[1][method](item.signal, item.fs)
            except Exception:  # the failure being reproduced
                traceback.print_exc()
    return item


# --------------------------------------------------------------------------- command line
def _parser():
    p = argparse.ArgumentParser(prog="python benchmarks/sweep.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
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
        if result["status"] != "ok" or result.get("violations") and method == "lstm":
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
