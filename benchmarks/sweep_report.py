"""The robustness sweep's report (``benchmarks/sweep.py``): one markdown section from the raw counts.

The counts (``benchmarks/results/sweep_*.json``) carry the kind of each method
(``meta["kinds"]``: ``"learned"`` or ``"neurokit"``, from the registry at run
time), so a report can be rendered again without the methods registered.
"""

import contextlib
import hashlib
import platform
from pathlib import Path

from sweep_corpora import CASES, SEED

ROOT = Path(__file__).resolve().parents[1]
MARK_START = "<!-- robustness:start -->"
MARK_END = "<!-- robustness:end -->"


def _learned(meta, method):
    """Whether ``method`` was one of ours (a learned method) in the run ``meta`` describes."""
    kind = meta.get("kinds", {}).get(method)
    if kind is None:  # counts written before the kinds were stored: ask the registry
        from nk_qrs_lstm.registry import get_method

        kind = get_method(method).kind
    return kind == "learned"


def _names(methods):
    return ", ".join(f"`{m}`" for m in methods)


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
    methods = list(next(iter(report["corpora"].values()), {}))
    ours = [m for m in methods if _learned(meta, m)]
    theirs = [m for m in methods if not _learned(meta, m)]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    out = ["## Robustness on real ECG", "",
           f"Written by `{meta['command']}` on {meta['date'][:10]} ({versions}); raw counts in "
           f"`{meta['results']}`.", "",
           "Every registered method runs on every signal as a user would run it, through "
           f"`nk_qrs_lstm.ecg_delineate(..., method=name)`: {_names(ours)} on the raw signal "
           f"(`ecg_delineate(signal, sampling_rate=fs, method=...)`); {_names(theirs)} after NeuroKit2's "
           "`ecg_clean` → `ecg_peaks` (`ecg_delineate(cleaned, info, sampling_rate=fs, method=...)`). "
           "*crashes*: any exception (or no result within "
           f"{meta['timeout_s']:g} s); *refused*: our method's clear `ValueError`/`TypeError` from its input "
           "validation; *contract violations*: outputs breaking "
           "`nk_qrs_lstm.evaluation.contract.contract_violations` (NeuroKit's keys in order, after `ECG_R_Peaks` "
           "where no R-peaks were given, one int64 0/1 column per NeuroKit key, "
           "equal list lengths, int indices in range or NaN, P ≤ QRS ≤ T within a beat, DataFrame = dict); "
           "*of which values*: those with a bad index, a float index or fiducials out of order (the others break "
           "only the format: keys, types, list lengths); *misaligned lists*: NeuroKit's lists not of one entry "
           f"per R-peak it found (not applicable to {_names(ours)}, run without R-peaks). Seconds are wall-clock "
           "inside "
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
            mis = "—" if _learned(meta, method) else str(c["misaligned"])
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
            if c["misaligned"] and not _learned(meta, method):
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
    """Replace the robustness section of the markdown file ``path`` with ``text``."""
    from nk_qrs_lstm.evaluation.report import replace_section

    replace_section(path, text, start=MARK_START, end=MARK_END)
