"""The benchmark's report: markdown tables, bar charts and the accuracy section of a markdown file.

Everything here reads :class:`~nk_qrs_lstm.evaluation.results.BenchmarkResult`
objects and writes text or figures; nothing runs a method.
"""

import json
import os

import numpy as np
import pandas as pd

from ..defaults import BEAT_KEYS, STRICT_TOLERANCE_S, TOLERANCE_S, WAVE_PREFIX
from .metrics import DEFAULT_KEYS
from .results import DEFAULT_RESULTS
from .runner import CLEAN_SUFFIX, DATABASES

MARK_START = "<!-- accuracy:start -->"
MARK_END = "<!-- accuracy:end -->"
_POINTS = {"Onsets": "onset", "Peaks": "peak", "Offsets": "offset"}
_WAVES = {prefix: wave for wave, prefix in WAVE_PREFIX.items()}


def fiducial_name(key):
    """Display name of a fiducial key: ``"ECG_R_Onsets"`` -> ``"QRS onset"``, ``"ECG_T_Peaks"`` -> ``"T peak"``.

    Onsets and offsets are named by their wave (:data:`~nk_qrs_lstm.defaults.WAVE_PREFIX`), peaks by their
    letter (P, Q, R, S, T).

    Examples
    --------
    >>> [fiducial_name(k) for k in ("ECG_P_Onsets", "ECG_R_Offsets", "ECG_R_Peaks", "ECG_S_Peaks")]
    ['P onset', 'QRS offset', 'R peak', 'S peak']
    """
    prefix, point = key.rsplit("_", 1)
    letter = prefix.split("_", 1)[1]
    if point == "Peaks":
        return f"{letter} peak"
    return f"{_WAVES.get(prefix, letter)} {_POINTS[point]}"


#: Fiducial key -> display name, for every key of a beat.
FIDUCIAL_NAMES = {key: fiducial_name(key) for key in BEAT_KEYS}


def method_label(name):
    """Display name of a result: ``"lstm+ecg_clean"`` -> ``"lstm (nk.ecg_clean first)"``, others unchanged.

    Examples
    --------
    >>> method_label("lstm+ecg_clean"), method_label("lstm"), method_label("dwt")
    ('lstm (nk.ecg_clean first)', 'lstm', 'dwt')
    """
    if name.endswith(CLEAN_SUFFIX):
        return f"{name[:-len(CLEAN_SUFFIX)]} (nk.ecg_clean first)"
    return name


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
            name, label = FIDUCIAL_NAMES.get(key, key), method_label(method)
            if not row["provided"]:
                lines.append(f"| {name} | {label} | — | not provided | | | | | {cse} |")
                continue
            mean_sd = f"{_fmt(row['mean_ms'])} ± {_fmt(row['sd_ms'])}"
            lines.append(
                f"| {name} | {label} | {int(row['n_ref'])} | {_fmt(row['se'])} | "
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
        lines.append(f"| {method_label(method)} | {r.n_leads} | {_fmt(signal, 0)} | {len(r.crashes)} | "
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
            ax.bar(x + (j - (len(methods) - 1) / 2) * width, values, width, label=method_label(method))
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
        out.append(f"- {', '.join(method_label(m) for m in sorted(methods))}: `{cmd}` on {date} ({v})")
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
        "A learned method gets no R-peaks and the raw lead or, in the rows *(nk.ecg_clean first)*, "
        "`nk.ecg_clean(signal, sampling_rate=rate)`; NeuroKit's methods run "
        "`ecg_clean` -> `ecg_peaks` -> `ecg_delineate`. "
        "A record-lead on which a method raises counts as a crash and all its reference "
        "points as missed. Times are wall-clock seconds inside the method (any cleaning and "
        "R-peak detection included), single process, "
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
            out.append(f"- {method_label(method)} crashed on {len(crashes)} record-lead"
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
