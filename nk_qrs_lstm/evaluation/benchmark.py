"""Accuracy benchmark of ECG delineators on expert-annotated databases.

Every registered method is run on the LUDB test split (each of the 12 leads
of each record, 500 Hz, 10 s) and on the QTDB validation split (both leads of
each record, 250 Hz, whole 15-min records as a user would run them, each lead
scored against the shared ``q1c`` reference inside the annotated regions).
Fiducials are matched one-to-one (:mod:`nk_qrs_lstm.evaluation.metrics`) at ±150 ms and
at stricter per-wave tolerances.

Results are cached per method and database under ``--results`` so that a new
method can be added to the report without re-running the others::

    python -m nk_qrs_lstm.evaluation.benchmark --methods dwt prominence peak cwt --markdown docs/benchmarks.md
    python -m nk_qrs_lstm.evaluation.benchmark --methods lstm --markdown docs/benchmarks.md
"""

import argparse
import contextlib
import datetime
import io
import json
import logging
import os
import platform
import shlex
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._checks import check_option
from ..training.datasets import DEFAULT_LUDB, DEFAULT_QTDB, load_splits, read_ludb, read_qtdb
from ..defaults import STRICT_TOLERANCE_S, TOLERANCE_S, n_samples
from ..delineate import ecg_delineate
from .metrics import DEFAULT_KEYS, Match, _as_points, restrict_to_regions, score_record, summarise

logger = logging.getLogger("nk_qrs_lstm")

MARK_START = "<!-- accuracy:start -->"
MARK_END = "<!-- accuracy:end -->"
DEFAULT_RESULTS = os.path.join("benchmarks", "results")
DATABASES = {
    "ludb": {"part": "test", "reader": read_ludb, "path": DEFAULT_LUDB,
             "label": "LUDB test split"},
    "qtdb": {"part": "validation", "reader": read_qtdb, "path": DEFAULT_QTDB,
             "label": "QTDB validation split (q1c reference)"},
}
FIDUCIAL_NAMES = {
    "ECG_P_Onsets": "P onset", "ECG_P_Peaks": "P peak", "ECG_P_Offsets": "P offset",
    "ECG_R_Onsets": "QRS onset", "ECG_R_Offsets": "QRS offset",
    "ECG_T_Onsets": "T onset", "ECG_T_Peaks": "T peak", "ECG_T_Offsets": "T offset",
}

# --------------------------------------------------------------------------- registry
METHODS = {}


def register_method(name, func=None):
    """Register a delineator ``func(signal, sampling_rate) -> waves`` under ``name``.

    ``waves`` is a dict in NeuroKit's format (``ECG_P_Onsets`` ...: sample
    indices, NaN for missing). Use as ``register_method("x", func)`` or as a
    decorator ``@register_method("x")``.

    Examples
    --------
    >>> @register_method("nothing")
    ... def _nothing(signal, sampling_rate):
    ...     return {"ECG_R_Onsets": []}
    >>> "nothing" in METHODS
    True
    >>> del METHODS["nothing"]
    """
    if func is None:
        return lambda f: register_method(name, f)
    METHODS[name] = func
    return func


def neurokit_method(method):
    """Return NeuroKit's pipeline as a user runs it: clean, R-peaks, delineate.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=1)
    >>> waves = neurokit_method("prominence")(ecg, 500)
    >>> "ECG_T_Offsets" in waves
    True
    """

    def delineate(signal, sampling_rate):
        import neurokit2 as nk

        rate = int(sampling_rate) if float(sampling_rate).is_integer() else sampling_rate
        cleaned = nk.ecg_clean(signal, sampling_rate=rate)
        _, info = nk.ecg_peaks(cleaned, sampling_rate=rate)
        _, waves = nk.ecg_delineate(cleaned, info, sampling_rate=rate, method=method)
        return waves

    delineate.__name__ = f"neurokit_{method}"
    delineate.__doc__ = f"NeuroKit2 ecg_clean -> ecg_peaks -> ecg_delineate(method={method!r})."
    return delineate


for _name in ("dwt", "prominence", "peak", "cwt"):
    register_method(_name, neurokit_method(_name))
# the learned delineator, as a user runs it: the raw lead in, no NeuroKit cleaning or R-peak detector
register_method("lstm", lambda signal, sampling_rate: ecg_delineate(signal, sampling_rate=sampling_rate)[1])


# --------------------------------------------------------------------------- data
def split_records(database, limit=None):
    """Record names of the benchmark part of ``database`` (first ``limit`` of them)."""
    database = check_option("database", database, tuple(DATABASES))
    records = list(load_splits()[database][DATABASES[database]["part"]])
    return records if limit is None else records[:limit]


def load_leads(database, records, path=None, leads=None):
    """Read every lead (or the named ``leads``) of ``records`` as AnnotatedECG objects."""
    spec = DATABASES[check_option("database", database, tuple(DATABASES))]
    path = spec["path"] if path is None else path
    out = []
    for record in records:
        for ecg in spec["reader"](record, path=path):
            if leads is None or ecg.lead in leads:
                out.append(ecg)
    return out


def unmarked_ranges(ecg, tolerance_s=TOLERANCE_S):
    """Ranges where an expert left a fiducial of an annotated wave unmarked.

    A prediction there that pairs with nothing is not counted as a false
    positive. For a wave whose onset is unmarked the range runs from one
    tolerance before its peak (or offset) to it, likewise after the peak for
    an unmarked offset, and from onset to offset for an unmarked peak. For
    QTDB T onsets (usually unmarked) the ST stretches of ``extra["masks"]``
    are added.

    Returns
    -------
    dict of str -> ndarray, shape (n, 2)
        ``[start, stop)`` ranges per NeuroKit key.
    """
    reach = n_samples(tolerance_s, ecg.sampling_rate)
    out = {}
    for key in DEFAULT_KEYS:
        _, letter, point = key.split("_")
        wave = ecg.waves["QRS" if letter == "R" else letter]
        col = {"Onsets": 0, "Peaks": 1, "Offsets": 2}[point]
        ranges = []
        for onset, peak, offset in wave[~np.isfinite(wave[:, col])]:
            if col == 0:
                anchor = peak if np.isfinite(peak) else offset
                ranges.append([anchor - reach, anchor + 1])
            elif col == 2:
                anchor = peak if np.isfinite(peak) else onset
                ranges.append([anchor, anchor + reach + 1])
            else:
                lo = onset if np.isfinite(onset) else offset - reach
                hi = offset if np.isfinite(offset) else onset + reach
                ranges.append([lo, hi + 1])
        if key == "ECG_T_Onsets" and "masks" in ecg.extra:
            ranges.extend(np.asarray(ecg.extra["masks"]).reshape(-1, 2).tolist())
        ranges = np.asarray(ranges, dtype=np.float64).reshape(-1, 2)
        out[key] = ranges[np.all(np.isfinite(ranges), axis=1)]
    return out


# --------------------------------------------------------------------------- running
@contextlib.contextmanager
def _quiet():
    """Silence warnings, numpy floating-point messages and prints of a method."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()):
            yield


@dataclass
class BenchmarkResult:
    """Scores of one method on one database.

    Attributes
    ----------
    summary : pandas.DataFrame
        :func:`~nk_qrs_lstm.evaluation.metrics.summarise` at ±150 ms plus ``f1_strict``
        (F1 at :data:`~nk_qrs_lstm.defaults.STRICT_TOLERANCE_S`).
    per_lead : pandas.DataFrame
        tp / fp / fn per record-lead and fiducial, at both tolerances.
    crashes : list of dict
        ``record``, ``lead`` and ``error`` of each record-lead that raised.
    seconds : float
        Wall-clock seconds spent inside the method over all record-leads.
    """

    method: str
    database: str
    summary: pd.DataFrame
    per_lead: pd.DataFrame
    crashes: list
    seconds: float
    n_leads: int
    records: list
    meta: dict = field(default_factory=dict)

    @property
    def seconds_per_lead(self):
        """Mean wall-clock seconds per record-lead."""
        return self.seconds / self.n_leads if self.n_leads else float("nan")

    def _stem(self, results_dir):
        return os.path.join(results_dir, f"{self.database}_{self.method}")

    def save(self, results_dir):
        """Write ``<database>_<method>.csv``, ``_leads.csv`` and ``.json`` in ``results_dir``."""
        os.makedirs(results_dir, exist_ok=True)
        stem = self._stem(results_dir)
        self.summary.to_csv(f"{stem}.csv")
        self.per_lead.to_csv(f"{stem}_leads.csv", index=False)
        info = {
            "method": self.method, "database": self.database, "records": list(self.records),
            "n_leads": self.n_leads, "seconds": self.seconds,
            "seconds_per_lead": self.seconds_per_lead, "n_crashes": len(self.crashes),
            "crashes": self.crashes, **self.meta,
        }
        with open(f"{stem}.json", "w") as f:
            json.dump(info, f, indent=1)

    @classmethod
    def load(cls, results_dir, database, method):
        """Read a result written by :meth:`save`."""
        stem = os.path.join(results_dir, f"{database}_{method}")
        with open(f"{stem}.json") as f:
            info = json.load(f)
        summary = pd.read_csv(f"{stem}.csv", index_col=0)
        for col in ("n_ref", "tp", "fp", "fn"):
            summary[col] = summary[col].astype("Int64")
        summary["provided"] = summary["provided"].astype(bool)
        per_lead = pd.read_csv(f"{stem}_leads.csv", dtype={"record": str, "lead": str})
        meta = {k: v for k, v in info.items() if k not in (
            "method", "database", "records", "n_leads", "seconds", "seconds_per_lead",
            "n_crashes", "crashes")}
        return cls(method=info["method"], database=info["database"], summary=summary,
                   per_lead=per_lead, crashes=info["crashes"], seconds=info["seconds"],
                   n_leads=info["n_leads"], records=info["records"], meta=meta)


def _versions():
    import neurokit2

    return {"neurokit2": neurokit2.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "python": platform.python_version()}


def evaluate(method, func, ecgs, database="", records=None):
    """Run ``func`` on every lead of ``ecgs`` and score it.

    A fiducial is *provided* by the method if it returns values for it on at
    least one lead; the others are reported as NaN rows, not as misses. A
    lead on which ``func`` raises (or returns something else than a dict) is
    a crash: its reference points count as missed (fn) for every provided
    fiducial (for every fiducial if the method never returns anything).

    Parameters
    ----------
    method : str
        Name of the method (for the result).
    func : callable
        ``func(signal, sampling_rate) -> waves`` (NeuroKit format).
    ecgs : list of AnnotatedECG
    database : str
    records : list of str, optional
        Record names, stored with the result (default: from ``ecgs``).

    Returns
    -------
    BenchmarkResult
    """
    loose, strict, crashed, rows, crashes = [], [], [], [], []
    present, valued = set(), set()
    seconds = 0.0
    for i, ecg in enumerate(ecgs):
        reference = ecg.fiducials()
        start = time.perf_counter()
        try:
            with _quiet():
                waves = func(ecg.signal, ecg.sampling_rate)
            if not isinstance(waves, Mapping):
                raise TypeError(f"{method} returned a {type(waves).__name__}, not a dict of waves.")
            has_values = {k for k in DEFAULT_KEYS if k in waves and _as_points(waves[k], k).size}
        except Exception as exc:  # a crash is a result: count it and carry on
            seconds += time.perf_counter() - start
            crashes.append({"record": ecg.record, "lead": ecg.lead,
                            "error": f"{type(exc).__name__}: {exc}"[:300]})
            crashed.append(True)
            loose.append(None)
            strict.append(None)
            logger.debug("%s crashed on %s/%s: %r", method, ecg.record, ecg.lead, exc)
            continue
        seconds += time.perf_counter() - start
        present.update(k for k in DEFAULT_KEYS if k in waves)
        valued.update(has_values)
        ignore = unmarked_ranges(ecg)
        args = (reference, waves, ecg.regions, ecg.sampling_rate)
        loose.append(score_record(*args, tolerance_s=TOLERANCE_S, ignore=ignore))
        strict.append(score_record(*args, tolerance_s=STRICT_TOLERANCE_S, ignore=ignore))
        crashed.append(False)
        if (i + 1) % 50 == 0:
            logger.info("  %s: %d/%d record-leads, %.1f s", method, i + 1, len(ecgs), seconds)
    # A key is provided when the method returns values for it on some lead. Key
    # presence alone is not enough: NeuroKit returns every key, empty, when it
    # finds no R-peak, whatever the method.
    provided = valued or present or set(DEFAULT_KEYS)
    for i, ecg in enumerate(ecgs):
        reference = ecg.fiducials()
        for scores in (loose, strict):
            if scores[i] is None:
                scores[i] = dict.fromkeys(DEFAULT_KEYS)
            for key in DEFAULT_KEYS:
                if key not in provided:
                    scores[i][key] = None
                elif scores[i][key] is None:  # crashed, or silent on this lead: all missed
                    n_ref = restrict_to_regions(reference.get(key, []), ecg.regions).size
                    scores[i][key] = Match(0, 0, n_ref, [], sampling_rate=ecg.sampling_rate)
    for ecg, is_crash, lo, st in zip(ecgs, crashed, loose, strict):
        for key in DEFAULT_KEYS:
            if lo[key] is None:
                continue
            rows.append({"record": ecg.record, "lead": ecg.lead, "fiducial": key,
                         "crashed": is_crash, "tp": lo[key].tp, "fp": lo[key].fp,
                         "fn": lo[key].fn, "tp_strict": st[key].tp, "fp_strict": st[key].fp,
                         "fn_strict": st[key].fn})
    summary = summarise(loose, keys=DEFAULT_KEYS)
    summary["f1_strict"] = summarise(strict, keys=DEFAULT_KEYS)["f1"]
    per_lead = pd.DataFrame(rows, columns=["record", "lead", "fiducial", "crashed", "tp", "fp",
                                           "fn", "tp_strict", "fp_strict", "fn_strict"])
    if records is None:
        records = list(dict.fromkeys(ecg.record for ecg in ecgs))
    signal_s = float(sum(len(ecg.signal) / ecg.sampling_rate for ecg in ecgs))
    return BenchmarkResult(method=method, database=database, summary=summary,
                           per_lead=per_lead, crashes=crashes, seconds=seconds,
                           n_leads=len(ecgs), records=list(records),
                           meta={"signal_s": signal_s})


def _resolve_methods(methods):
    if methods is None:
        return dict(METHODS)
    if isinstance(methods, Mapping):
        return dict(methods)
    return {m: METHODS[check_option("method", m, tuple(METHODS))] for m in methods}


def run_benchmark(methods=None, database="ludb", path=None, limit=None, records=None,
                  leads=None, results_dir=None, command=""):
    """Benchmark ``methods`` on one database and cache the results.

    Parameters
    ----------
    methods : list of str or dict of str -> callable, optional
        Registered names (default: all of :data:`METHODS`) or ``name -> func``.
    database : {"ludb", "qtdb"}
    path : str, optional
        Database folder (default ``../shared/data/<database>``).
    limit : int, optional
        Only the first ``limit`` records of the split part.
    records : list of str, optional
        Explicit record names (instead of the split part).
    leads : list of str, optional
        Only these leads (default: all).
    results_dir : str, optional
        Where to write each result (nothing is written when None).
    command : str
        Command line stored with the results.

    Returns
    -------
    dict of str -> BenchmarkResult
    """
    funcs = _resolve_methods(methods)
    if records is None:
        records = split_records(database, limit)
    ecgs = load_leads(database, records, path=path, leads=leads)
    logger.info("%s: %d records, %d record-leads", database, len(records), len(ecgs))
    results = {}
    for name, func in funcs.items():
        logger.info("%s on %s ...", name, database)
        result = evaluate(name, func, ecgs, database=database, records=records)
        result.meta.update({
            "split": DATABASES[database]["label"], "command": command,
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "versions": _versions(), "tolerance_s": TOLERANCE_S,
            "strict_tolerance_s": STRICT_TOLERANCE_S, "leads": leads,
        })
        logger.info("%s on %s: %.1f s, %d crashes", name, database, result.seconds,
                    len(result.crashes))
        if results_dir is not None:
            result.save(results_dir)
        results[name] = result
    return results


def cached_results(results_dir, database, records=None):
    """Load every cached result of ``database`` (only those run on ``records``, if given)."""
    out = {}
    if not os.path.isdir(results_dir):
        return out
    prefix = f"{database}_"
    for name in sorted(os.listdir(results_dir)):
        if not (name.startswith(prefix) and name.endswith(".json")):
            continue
        method = name[len(prefix):-len(".json")]
        try:
            result = BenchmarkResult.load(results_dir, database, method)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # not one of ours
            logger.info("skipping %s in %s: %s", name, results_dir, exc)
            continue
        if records is not None and list(result.records) != list(records):
            logger.info("skipping cached %s on %s: run on other records", method, database)
            continue
        out[method] = result
    return out


# --------------------------------------------------------------------------- report
def _fmt(value, digits=1):
    if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    return f"{value:.{digits}f}"


def accuracy_table(results):
    """Markdown table, one row per fiducial and method, from ``{method: BenchmarkResult}``."""
    lines = [
        "| Fiducial | Method | n | Se % | PPV % | F1 % | F1 strict % | mean ± SD (ms) | CSE 2SD (ms) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key in DEFAULT_KEYS:
        for method, result in results.items():
            row = result.summary.loc[key]
            cse = _fmt(row["cse_2sd_ms"])
            name = FIDUCIAL_NAMES.get(key, key)
            if not row["provided"]:
                lines.append(f"| {name} | {method} | — | not provided | | | | | {cse} |")
                continue
            mean_sd = f"{_fmt(row['mean_ms'])} ± {_fmt(row['sd_ms'])}"
            lines.append(
                f"| {name} | {method} | {int(row['n_ref'])} | {_fmt(row['se'])} | "
                f"{_fmt(row['ppv'])} | {_fmt(row['f1'])} | {_fmt(row['f1_strict'])} | "
                f"{mean_sd} | {cse} |"
            )
    return "\n".join(lines)


def runs_table(results):
    """Markdown table of crashes and timings per method."""
    lines = [
        "| Method | record-leads | signal per record-lead (s) | crashes | total time (s) "
        "| s per record-lead |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for method, r in results.items():
        signal = r.meta.get("signal_s", float("nan")) / r.n_leads if r.n_leads else float("nan")
        lines.append(f"| {method} | {r.n_leads} | {_fmt(signal, 0)} | {len(r.crashes)} | "
                     f"{r.seconds:.1f} | {_fmt(r.seconds_per_lead, 3)} |")
    return "\n".join(lines)


def plot_accuracy(results, path, title=""):
    """Save bar charts of F1 (±150 ms and strict) and error SD per fiducial and method."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    keys = list(DEFAULT_KEYS)
    methods = list(results)
    x = np.arange(len(keys))
    width = 0.8 / max(len(methods), 1)
    fig = Figure(figsize=(12, 9), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(3, 1, sharex=True)
    panels = (("f1", "F1 ±150 ms (%)"), ("f1_strict", "F1 strict (%)"),
              ("sd_ms", "SD of error (ms)"))
    for ax, (col, label) in zip(axes, panels):
        for j, method in enumerate(methods):
            values = results[method].summary.reindex(keys)[col].astype(float).to_numpy()
            ax.bar(x + (j - (len(methods) - 1) / 2) * width, values, width, label=method)
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    cse = results[methods[0]].summary.reindex(keys)["cse_2sd_ms"].astype(float).to_numpy()
    axes[2].scatter(x, cse, marker="_", s=600, color="k", zorder=3, label="CSE 2SD")
    axes[0].set_ylim(0, 100)
    axes[1].set_ylim(0, 100)
    axes[0].legend(ncol=len(methods), loc="lower right", fontsize="small")
    axes[2].legend(loc="upper right", fontsize="small")
    axes[2].set_xticks(x, [FIDUCIAL_NAMES[k] for k in keys])
    axes[0].set_title(title)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


def render_section(by_database, figures_dir, markdown_dir, command="", results_dir=DEFAULT_RESULTS):
    """Markdown text of the accuracy section (without the markers); writes the figures."""
    runs = {}
    for results in by_database.values():
        for method, r in results.items():
            runs.setdefault((r.meta.get("command", ""), r.meta.get("date", "")[:10],
                             json.dumps(r.meta.get("versions", {}), sort_keys=True)), set()).add(method)
    out = ["## Accuracy on expert-annotated databases", ""]
    out.append(f"Report written by `{command}`." if command else "")
    out += ["", f"Results come from these runs (cached under `{results_dir}`):", ""]
    for (cmd, date, versions), methods in sorted(runs.items(), key=lambda kv: kv[0][1]):
        v = ", ".join(f"{k} {val}" for k, val in json.loads(versions).items())
        out.append(f"- {', '.join(sorted(methods))}: `{cmd}` on {date} ({v})")
    out += [
        "",
        "Scoring: for each fiducial, predictions and expert marks are paired one-to-one within "
        f"±{TOLERANCE_S * 1000:.0f} ms (optimal pairing: most pairs, then smallest errors) inside the annotated regions only; "
        "counts are pooled over all record-leads. *F1 strict* uses ±"
        + ", ±".join(f"{v * 1000:.0f} ms ({'QRS' if k == 'R' else k})"
                     for k, v in STRICT_TOLERANCE_S.items())
        + ". Mean ± SD is the signed error (prediction − reference, ms) of the pairs at "
        "±150 ms; the CSE 2SD column is the CSE working party's limit for that SD. "
        "*not provided*: the method returns no such point (not counted as misses). "
        "A record-lead on which a method raises counts as a crash and all its reference "
        "points as missed. Times are wall-clock seconds inside the method "
        "(NeuroKit: `ecg_clean` + `ecg_peaks` + `ecg_delineate`), single process, "
        "on a shared 2-core machine.",
    ]
    for database, results in by_database.items():
        if not results:
            continue
        first = next(iter(results.values()))
        n_rec = len(first.records)
        per = first.n_leads / n_rec if n_rec else 0
        if per == int(per):
            size = f"{n_rec} record{'s' if n_rec != 1 else ''} × {per:g} leads"
        else:
            size = f"{n_rec} records, {first.n_leads} record-leads"
        head = DATABASES[database]["label"]
        out += ["", f"### {head}: {size}", ""]
        if database == "qtdb":
            out += ["Both leads of each whole record are delineated; each lead is scored "
                    "against the shared q1c reference inside the annotated beats only.", ""]
        out += [accuracy_table(results), "", runs_table(results), ""]
        crashed = {m: r.crashes for m, r in results.items() if r.crashes}
        for method, crashes in crashed.items():
            where = ", ".join(f"{c['record']}/{c['lead']}" for c in crashes[:12])
            more = f" and {len(crashes) - 12} more" if len(crashes) > 12 else ""
            errors = "; ".join(sorted({c["error"] for c in crashes}))
            out.append(f"- {method} crashed on {len(crashes)} record-lead"
                       f"{'s' if len(crashes) != 1 else ''} ({where}{more}): {errors}")
        if crashed:
            out.append("")
        figure = os.path.join(figures_dir, f"benchmark_accuracy_{database}.png")
        plot_accuracy(results, figure, title=f"{head}: {size}")
        rel = os.path.relpath(figure, markdown_dir).replace(os.sep, "/")
        out += [f"![F1 and error SD per fiducial, {head}]({rel})"]
    return "\n".join(out).rstrip() + "\n"


def replace_section(path, text, start=MARK_START, end=MARK_END, title="# Benchmarks"):
    """Replace the text between ``start`` and ``end`` markers of file ``path``.

    Everything outside the markers is kept byte for byte. A missing file is
    created with ``title`` and the section; a file without the markers gets
    the section appended.

    Examples
    --------
    >>> import tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "b.md")
    >>> _ = open(p, "w").write("top\\n<!-- accuracy:start -->\\nold\\n<!-- accuracy:end -->\\nend\\n")
    >>> replace_section(p, "new\\n")
    >>> print(open(p).read())
    top
    <!-- accuracy:start -->
    new
    <!-- accuracy:end -->
    end
    """
    if os.path.exists(path):
        with open(path) as f:
            content = f.read()
    else:
        content = f"{title}\n\n{start}\n{end}\n"
    n_start, n_end = content.count(start), content.count(end)
    if n_start == 0 and n_end == 0:
        content = content.rstrip("\n") + f"\n\n{start}\n{end}\n"
    elif n_start != 1 or n_end != 1 or content.index(start) > content.index(end):
        raise ValueError(
            f"{path} must hold the markers {start!r} and {end!r} once each, in that order; "
            f"found {n_start} and {n_end}."
        )
    head, rest = content.split(start, 1)
    _, tail = rest.split(end, 1)
    body = text if text.endswith("\n") else text + "\n"
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(f"{head}{start}\n{body}{end}{tail}")


def write_markdown(path, by_database, command="", figures_dir=None, results_dir=DEFAULT_RESULTS):
    """Render the accuracy section from ``{database: {method: result}}`` into ``path``."""
    markdown_dir = os.path.dirname(os.path.abspath(path))
    figures_dir = os.path.join(markdown_dir, "figures") if figures_dir is None else figures_dir
    text = render_section(by_database, figures_dir, markdown_dir, command, results_dir)
    replace_section(path, text)


# --------------------------------------------------------------------------- command line
def _parser():
    p = argparse.ArgumentParser(
        prog="python -m nk_qrs_lstm.evaluation.benchmark",
        description="Accuracy benchmark of ECG delineators on LUDB (test split) and QTDB "
                    "(validation split).",
    )
    p.add_argument("--methods", nargs="+", default=None,
                   help=f"methods to run (default: all registered: {' '.join(METHODS)})")
    p.add_argument("--databases", nargs="+", default=list(DATABASES), choices=list(DATABASES))
    p.add_argument("--ludb", default=DEFAULT_LUDB, help="LUDB folder")
    p.add_argument("--qtdb", default=DEFAULT_QTDB, help="QTDB folder")
    p.add_argument("--limit", type=int, default=None, help="only the first N records of each part")
    p.add_argument("--results", default=DEFAULT_RESULTS, help="cache folder of the results")
    p.add_argument("--markdown", default=None,
                   help="rewrite the accuracy section of this markdown file (figures go to "
                        "figures/ beside it)")
    return p


def main(argv=None):
    """Command-line entry point; returns ``{database: {method: BenchmarkResult}}``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    if not logger.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        logger.setLevel(logging.INFO)
    methods = list(METHODS) if args.methods is None else args.methods
    for m in methods:
        check_option("method", m, tuple(METHODS))
    command = "python -m nk_qrs_lstm.evaluation.benchmark " + shlex.join(argv)
    by_database = {}
    for database in args.databases:
        path = args.ludb if database == "ludb" else args.qtdb
        records = split_records(database, args.limit)
        ran = run_benchmark(methods, database, path=path, records=records,
                            results_dir=args.results, command=command)
        merged = {**cached_results(args.results, database, records=records), **ran}
        order = [m for m in METHODS if m in merged] + sorted(m for m in merged if m not in METHODS)
        by_database[database] = {m: merged[m] for m in order}
        for method, result in ran.items():
            cols = ["n_ref", "se", "ppv", "f1", "f1_strict", "mean_ms", "sd_ms"]
            logger.info("%s / %s\n%s", database, method, result.summary[cols].round(1).to_string())
    if args.markdown:
        write_markdown(args.markdown, by_database, command=command, results_dir=args.results)
        logger.info("wrote %s", args.markdown)
    return by_database


if __name__ == "__main__":
    main()
