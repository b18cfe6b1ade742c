"""End-to-end speed and memory: raw signal -> NeuroKit-format ``waves`` dict.

Methods: every method of the one registry (:func:`nk_qrs_lstm.available_methods`), each timed from the raw
signal to ``(signals, waves)`` through ``nk_qrs_lstm.ecg_delineate(..., method=name)``. A learned method ``M``
(``lstm``) is timed three ways:

* ``M``: ``ecg_delineate(raw, sampling_rate=fs, method=M)`` - no cleaning and no R-peak detector (the model
  removes the baseline and finds the QRS complexes itself);
* ``M-table``: ``ecg_delineate_table(raw, sampling_rate=fs, method=M)`` - one row per beat, no per-sample
  DataFrame;
* ``M+nk``: ``nk.ecg_clean`` + ``nk.ecg_peaks`` + ``ecg_delineate(cleaned, rpeaks, method=M)`` (what a NeuroKit
  user would run);

and a NeuroKit method (``dwt``, ``prominence``, ...) as ``nk.ecg_clean`` + ``nk.ecg_peaks`` +
``ecg_delineate(cleaned, info, method=...)`` (:func:`nk_qrs_lstm.evaluation.runner.run_method`).

Signals (real ECG, nothing resampled): one LUDB record, its 12 leads one after
the other (10 s each, 500 Hz); one 15-min QTDB record, one lead (250 Hz); 1 h
and 24 h of a single lead at 500 Hz built by concatenating LUDB lead-II records
(each record's median removed so the joins carry no step; the 200 records are
cycled for 24 h).

Every (method, signal) pair runs in a fresh Python process that imports
everything, loads the signal, runs the method once on a 10-s lead (warm-up,
untimed), then times ``repeats`` runs; the process's peak RSS
(``getrusage(RUSAGE_SELF).ru_maxrss``) is reported with its increase over the
RSS before the warm-up. A NeuroKit method (``dwt`` in practice) is skipped on 24 h
when its 1-h time extrapolates beyond ``--max-seconds`` (10 min), or its 1-h memory
increase beyond half of the machine's memory.

Usage::

    python benchmarks/speed.py --markdown docs/benchmarks.md     # full run (about an hour on 2 cores)
    python benchmarks/speed.py --quick                           # without 24 h
    python benchmarks/speed.py --smoke                           # LUDB record only, 1 repeat: checks the script
    python benchmarks/speed.py --methods lstm lstm-table dwt     # some of the methods

The markdown file is only changed between ``<!-- speed:start -->`` and
``<!-- speed:end -->`` (the markers are appended when absent).
"""

import argparse
import datetime
import gc
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmark the working tree, installed or not

from nk_qrs_lstm.registry import available_methods, get_method  # noqa: E402 (after the path above)

MARK_START = "<!-- speed:start -->"
MARK_END = "<!-- speed:end -->"
LEARNED_WAYS = ("", "-table", "+nk")  # a learned method alone, as a table, after NeuroKit's cleaning and R-peaks
LUDB_RECORD = "data/1"
QTDB_RECORD = "sel100"
LUDB_RATE = 500  # [Hz]
#: name -> (label, repeats)
SIGNALS = {
    "ludb_12": ("LUDB record 1, 12 leads x 10 s (500 Hz)", 5),
    "qtdb_15min": (f"QTDB {QTDB_RECORD}, lead 0, 15 min (250 Hz)", 5),
    "lead_ii_1h": ("1 h lead II, LUDB concatenated (500 Hz)", 3),
    "lead_ii_24h": ("24 h lead II, LUDB concatenated (500 Hz)", 1),
}
DURATIONS_S = {"lead_ii_1h": 3600, "lead_ii_24h": 86400}


def speed_methods():
    """Every timed method: each learned method three ways (see the module docstring), then NeuroKit's methods."""
    learned = [m + way for m in available_methods("learned") for way in LEARNED_WAYS]
    return learned + available_methods("neurokit")


def _base(name):
    """The registered method behind a timed method name (``"lstm+nk"`` -> ``"lstm"``)."""
    for way in LEARNED_WAYS[1:]:
        if name.endswith(way):
            return name[:-len(way)]
    return name


def _is_neurokit(name):
    return get_method(_base(name)).kind == "neurokit"


# --------------------------------------------------------------------------- signals
def _read(path, channels=None):
    import wfdb

    rec = wfdb.rdrecord(path, channels=channels)
    return np.asarray(rec.p_signal, dtype=np.float64), float(rec.fs)


def build_signals(names, data, folder):
    """Write each signal as ``<name>.npy`` (samples x leads) in ``folder``.

    Returns name -> (path, rate, seconds per lead, leads), and the path of the warm-up lead.
    """
    ludb, qtdb = os.path.join(data, "ludb"), os.path.join(data, "qtdb")
    out = {}
    lead_ii = None
    for name in names:
        if name == "ludb_12":
            signal, rate = _read(os.path.join(ludb, LUDB_RECORD))
        elif name == "qtdb_15min":
            signal, rate = _read(os.path.join(qtdb, QTDB_RECORD), channels=[0])
        else:
            if lead_ii is None:
                with open(os.path.join(ludb, "RECORDS")) as f:
                    records = [line.strip() for line in f if line.strip()]
                parts = []
                for record in records:
                    x = _read(os.path.join(ludb, record), channels=[1])[0][:, 0]  # lead ii
                    parts.append(x - np.nanmedian(x))
                lead_ii = np.concatenate(parts)
            n = DURATIONS_S[name] * LUDB_RATE
            signal, rate = np.resize(lead_ii, n)[:, None], float(LUDB_RATE)
        path = os.path.join(folder, f"{name}.npy")
        np.save(path, signal)
        out[name] = (path, rate, signal.shape[0] / rate, signal.shape[1])
        del signal
    warmup = os.path.join(folder, "warmup.npy")
    np.save(warmup, _read(os.path.join(ludb, LUDB_RECORD), channels=[1])[0][:, 0])
    return out, warmup


# --------------------------------------------------------------------------- one (method, signal), in a child
def _method(name):
    """``run(raw, rate) -> waves`` (or the beat table) of a timed method name."""
    import neurokit2 as nk

    import nk_qrs_lstm
    from nk_qrs_lstm.evaluation.runner import run_method

    method = _base(name)
    if name.endswith("-table"):  # one row per beat, no per-sample DataFrame (for Holter-length records)
        return lambda raw, rate: nk_qrs_lstm.ecg_delineate_table(raw, sampling_rate=rate, method=method)
    if name.endswith("+nk"):
        def run(raw, rate):
            cleaned = nk.ecg_clean(raw, sampling_rate=rate)
            _, info = nk.ecg_peaks(cleaned, sampling_rate=rate)
            return nk_qrs_lstm.ecg_delineate(cleaned, info["ECG_R_Peaks"], sampling_rate=rate, method=method)[1]

        return run
    return lambda raw, rate: run_method(method, raw, rate)[1]  # a learned method on the raw lead, or NeuroKit's


def _rss_mb():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _n_beats(waves):
    """Beats in a ``waves`` dict (its longest list: NeuroKit's ``peak`` has no QRS onsets) or a beat table."""
    if hasattr(waves, "columns"):
        return len(waves)
    return max((len(v) for v in waves.values()), default=0)


def child(spec):
    """Time one method on one signal; print one JSON line."""
    import warnings

    warnings.simplefilter("ignore")
    run = _method(spec["method"])
    signal = np.load(spec["signal"])
    warm = np.load(spec["warmup"])
    before = _rss_mb()
    run(warm, LUDB_RATE)
    times, beats = [], 0
    for _ in range(spec["repeats"]):
        gc.collect()
        start = time.perf_counter()
        waves = [run(signal[:, j], spec["rate"]) for j in range(signal.shape[1])]
        times.append(time.perf_counter() - start)
        beats = sum(_n_beats(w) for w in waves)
        del waves
    print(json.dumps({"times": times, "beats": beats, "peak_rss_mb": _rss_mb(), "base_rss_mb": before}))


def run_child(method, name, signal, warmup, repeats, timeout):
    path, rate = signal[:2]
    spec = {"method": method, "signal": path, "rate": rate, "warmup": warmup, "repeats": repeats}
    try:
        done = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout (> {timeout:.0f} s)"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"error: {last[:120]}"}
    result = json.loads(lines[-1])
    result["median_s"] = float(np.median(result["times"]))
    result["status"] = "ok"
    return result


# --------------------------------------------------------------------------- import check
def import_check():
    """In a fresh process: import nk_qrs_lstm, delineate with the default backend, list heavy modules imported."""
    code = (
        "import sys, time; sys.path.insert(0, %r); t = time.perf_counter(); import nk_qrs_lstm; "
        "t = time.perf_counter() - t; from nk_qrs_lstm.examples import example_record_path; "
        "from nk_qrs_lstm.wfdb_io import read_record; x, fs, _ = read_record(example_record_path(), leads=['ii']); "
        "nk_qrs_lstm.ecg_delineate(x[:, 0], sampling_rate=fs); "
        "print({'import_s': round(t, 2), 'tensorflow': 'tensorflow' in sys.modules, "
        "'keras': 'keras' in sys.modules, 'torch': 'torch' in sys.modules})"
    ) % str(ROOT)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1]}
    import ast

    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report
def _versions():
    import importlib.metadata as md

    import nk_qrs_lstm

    out = {"python": platform.python_version(), "nk_qrs_lstm": nk_qrs_lstm.__version__}
    for name in ("neurokit2", "numpy", "scipy", "onnxruntime", "wfdb"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "-"
    return out


def _names(methods):
    return ", ".join(f"`{m}`" for m in methods) or "none"


def _cpu():
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        model = names[0] if names else platform.processor()
    except OSError:
        model = platform.processor()
    return f"{model or 'unknown CPU'}, {os.cpu_count()} logical CPUs"


def _ort_threads():
    from nk_qrs_lstm import runtime as inference

    threads = getattr(inference, "_threads", None)
    return threads() if callable(threads) else "?"


def render(results, signals, check, command):
    """The markdown section (between the markers)."""
    timed = list(dict.fromkeys(m for by_method in results.values() for m in by_method))
    references = [m for m in timed if _is_neurokit(m)]  # speed-up columns: every NeuroKit method run
    learned = [m for m in timed if not _is_neurokit(m)]
    plain = [m for m in learned if _base(m) == m]
    lines = [
        MARK_START,
        "## Speed and memory",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in _versions().items()) + "  ",
        f"Machine: {_cpu()}; ONNX Runtime intra-op threads: {_ort_threads()}",
        "",
        "End-to-end time from the raw signal to NeuroKit's `waves` dict (median over the repeats; 12 leads "
        f"run one after the other for LUDB). {_names(plain)}: `nk_qrs_lstm.ecg_delineate(raw, method=...)` "
        "alone; *name*`-table`: `nk_qrs_lstm.ecg_delineate_table(raw, method=...)` (one row per beat, without "
        "NeuroKit's one-row-per-sample DataFrame of 10 int64 columns, which alone is 3.5 GB for 24 h at "
        f"500 Hz); *name*`+nk` and {_names(references)}: `nk.ecg_clean` + `nk.ecg_peaks` + "
        "`nk_qrs_lstm.ecg_delineate(cleaned, rpeaks, method=...)`. Speed-up vs X = X's median time / "
        "this method's (> 1: faster than X), measured in the same run. Peak RSS: whole process (interpreter, "
        "imports and signal included), each (method, signal) in a fresh process; Δ: increase over the RSS "
        "before the first delineation.",
        "",
        "| signal | method | median [s] | repeats | x real time | "
        + "".join(f"speed-up vs {m} | " for m in references) + "beats | peak RSS [MB] | Δ RSS [MB] |",
        "|---|---|---:|---:|---:|" + "---:|" * len(references) + "---:|---:|---:|",
    ]
    for name, by_method in results.items():
        duration = signals[name][2] * signals[name][3]  # [s] of signal, all leads
        for method, r in by_method.items():
            if r["status"] != "ok":
                lines.append(f"| {SIGNALS[name][0]} | {method} | {r['status']} |" + " |" * (6 + len(references)))
                continue
            ratio = []
            for nk in references:
                ref = by_method.get(nk, {})
                ratio.append(f"{ref['median_s'] / r['median_s']:.2f}" if ref.get("status") == "ok" else "-")
            lines.append(
                f"| {SIGNALS[name][0]} | {method} | {r['median_s']:.3f} | {len(r['times'])} "
                f"| {duration / r['median_s']:.0f} | " + "".join(f"{x} | " for x in ratio) + f"{r['beats']} "
                f"| {r['peak_rss_mb']:.0f} | {r['peak_rss_mb'] - r['base_rss_mb']:.0f} |"
            )
    verdict = ("does not import" if not check.get("tensorflow") and "error" not in check
               else "IMPORTS" if check.get("tensorflow") else "could not be checked:")
    lines += ["", f"Import check: importing nk_qrs_lstm and delineating with the default backend (ONNX) {verdict} "
              f"TensorFlow ({check}).", MARK_END]
    return "\n".join(lines) + "\n"


def write_markdown(path, section):
    """Replace the text between the speed markers of ``path`` (markers appended at the end when absent)."""
    text = Path(path).read_text() if os.path.exists(path) else ""
    start, end = text.find(MARK_START), text.find(MARK_END)
    if start >= 0 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(MARK_END):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + section
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Path(path).write_text(text)


# --------------------------------------------------------------------------- main
def _memory_mb():
    """Physical memory of this machine [MB] (None where unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    except (ValueError, OSError, AttributeError):
        return None


def _skip_24h(hour, max_seconds, memory_mb=None):
    """Why a NeuroKit method is not run on 24 h, or None to run it.

    Skipped when its 1-h time x 24 is over ``max_seconds``, or when its 1-h memory
    increase x 24 would not fit in half of ``memory_mb`` (``dwt``: 1.1 GB per hour,
    killed at 20 GB on a 24-GB machine).
    """
    if hour.get("status") != "ok":
        return "skipped (no 1-h time to extrapolate from)"
    estimate = 24 * hour["median_s"]
    if estimate > max_seconds:
        return f"skipped (24 x its 1-h time = {estimate / 60:.0f} min > {max_seconds / 60:.0f} min)"
    grow = 24 * max(hour.get("peak_rss_mb", 0.0) - hour.get("base_rss_mb", 0.0), 0.0)
    if memory_mb and grow > memory_mb / 2:
        return f"skipped (24 x its 1-h memory increase = {grow / 1024:.0f} GB > half of {memory_mb / 1024:.0f} GB)"
    return None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=os.environ.get("NK_QRS_LSTM_DATA", str(ROOT.parent / "shared" / "data")),
                   help="folder holding ludb/ and qtdb/")
    p.add_argument("--quick", action="store_true", help="skip the 24-h signal")
    p.add_argument("--smoke", action="store_true", help="LUDB record only, 1 repeat (checks that the script works)")
    p.add_argument("--methods", nargs="+", default=speed_methods(), choices=speed_methods(),
                   help="timed methods (default: every registered one, learned ones three ways)")
    p.add_argument("--repeats", type=int, default=None, help="repeats for every signal (default: 5, 5, 3, 1)")
    p.add_argument("--max-seconds", type=float, default=600.0,
                   help="skip a NeuroKit method on 24 h when its 1-h time extrapolates beyond this [s]")
    p.add_argument("--timeout", type=float, default=3600.0, help="per (method, signal) process [s]")
    p.add_argument("--markdown", default=None, help="rewrite the speed section of this markdown file")
    p.add_argument("--json", default=None, help="also write the raw results as JSON")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0
    names = ["ludb_12"] if args.smoke else [n for n in SIGNALS if not (args.quick and n == "lead_ii_24h")]
    repeats = 1 if args.smoke else args.repeats
    check = import_check()
    print(f"import check: {check}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="nk_qrs_lstm_speed_") as folder:
        signals, warmup = build_signals(names, args.data, folder)
        for name in names:
            results[name] = {}
            for method in args.methods:
                n_rep = repeats or SIGNALS[name][1]
                if _is_neurokit(method) and name == "lead_ii_24h":
                    skip = _skip_24h(results.get("lead_ii_1h", {}).get(method, {}), args.max_seconds,
                                     _memory_mb())
                    if skip:
                        results[name][method] = {"status": skip}
                        print(f"{name:12s} {method:10s} {skip}", flush=True)
                        continue
                r = run_child(method, name, signals[name], warmup, n_rep, args.timeout)
                results[name][method] = r
                shown = f"{r['median_s']:.3f} s, peak RSS {r['peak_rss_mb']:.0f} MB" if r["status"] == "ok" \
                    else r["status"]
                print(f"{name:12s} {method:10s} {shown}", flush=True)
    threads_env = "NK_QRS_LSTM_NUM_THREADS"  # nk_qrs_lstm.runtime.THREADS_ENV
    env = f"{threads_env}={os.environ[threads_env]} " if os.environ.get(threads_env) else ""
    command = env + "python benchmarks/speed.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None
                                                                                 else sys.argv[1:]))
    section = render(results, signals, check, command.strip())
    print(section)
    if args.markdown:
        write_markdown(args.markdown, section)
        print(f"wrote {args.markdown}")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "import_check": check}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
