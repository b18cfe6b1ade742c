"""Premature beats: does the delineator give a P wave to PVCs, and keep the P of premature atrial and sinus beats?

Usage::

    python benchmarks/ectopy_check.py [--parts atr synthetic] [--inputs raw clean] [--split validation]
        [--records 14] [--qtdb DIR] [--ludb DIR] [--out FILE.md]

:func:`nk_qrs_lstm.ecg_delineate_table` runs on each lead as given (``raw``) and after ``nk.ecg_clean``
(``clean``); its warnings are counted. Two parts:

* ``atr``: the QTDB records of one split that have a ``.atr`` beat file, both leads, whole records (15 min,
  250 Hz). A labelled beat pairs with the delineated beat whose [QRS onset - 40 ms, QRS offset + 40 ms] holds
  it (one-to-one, nearest first). Per class (V, A, S, N, F, others pooled) and input: lead-beats, found, found
  with a P onset (a PVC has none); the V beats given a P per record.
* ``synthetic``: the first ``--records`` LUDB validation records in sinus rhythm (header ``#Rhythm:``; none whose
  header names a block, extrasystole, pacing or fibrillation), leads ii, v1, v5. Each lead's fully marked
  cycles are tiled 4 times and beats made from the lead's own complexes spliced in, seeded per lead: PVCs (QRS
  stretched to 120-160 ms, T discordant, the polarity kept (``same``) or negated (``inverted``), at 55-70 % of
  the RR) in bigeminy, trigeminy, 1 in 8 (``isolated8``) or couplets; ``pac_aberrant``: every 4th beat an
  atrial premature beat (20-30 % early) with the lead's own P at its PR and its QRS widened 1.3-1.5x (same
  polarity, T concordant); the unmodified tiled lead (``baseline``). Per condition and input: sinus P onsets
  within 50 ms of the expert's, leads losing half or more of them, PVCs given a P onset and those P waves'
  median confidence, PACs whose P onset is within 50 ms of the one placed, ectopic QRS found, warnings.

Deterministic (seeded). Never reads the LUDB test split. The markdown report is printed (and written to
``--out``); its header names the command, date, git commit and package version.
"""

import argparse
import datetime
import os
import shlex
import subprocess
import sys
import time
import warnings
from pathlib import Path

import neurokit2 as nk
import numpy as np
import wfdb

import nk_qrs_lstm
from nk_qrs_lstm.training.datasets import DEFAULT_LUDB, DEFAULT_QTDB, load_splits

INPUTS = ("raw", "clean")
PARTS = ("atr", "synthetic")
BEATS = set("NLRBAaJSVrFejnE/fQ?")  # MIT-BIH beat labels (the rest of .atr are rhythm / noise / comment marks)
CLASSES = ("V", "A", "S", "N", "F")  # reported alone; other beat labels are pooled
PAIR_MS = 40.0  # a labelled beat pairs with a row whose QRS, widened this much each side, holds it
P_TOL_MS = 50.0  # a P onset is right within this
LEADS = ("ii", "v1", "v5")
SINUS = ("Sinus rhythm.", "Sinus bradycardia.", "Sinus tachycardia.")
EXCLUDE = ("block", "extrasystol", "pacing", "pacemaker", "fibrillation")  # LUDB header words leaving a record out
COPIES = 4
#: pattern -> does it make beat i (0-based among the tiled beats) ectopic
PATTERNS = {"bigeminy": lambda i: i % 2 == 1, "trigeminy": lambda i: i % 3 == 2,
            "isolated8": lambda i: i % 8 == 4, "couplet": lambda i: i % 5 in (2, 3),
            "pac_aberrant": lambda i: i % 4 == 3}
MIN_CONFIDENCE = 0.9  # [-] the user's filter the report also scores (ecg_delineate_table(..., min_confidence=))
CONDITIONS = [("baseline", "-")] + [(p, q) for p in ("bigeminy", "trigeminy", "isolated8", "couplet")
                                    for q in ("same", "inverted")] + [("pac_aberrant", "same")]


# ----------------------------------------------------------------------------------------------- common
def delineate(signal, rate):
    """Rows of :func:`nk_qrs_lstm.ecg_delineate_table` as float arrays (NaN: absent), and the warnings' count."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        table = nk_qrs_lstm.ecg_delineate_table(signal, sampling_rate=rate)
    col = {k: table[f"ECG_{k}"].to_numpy(dtype=float, na_value=np.nan)
           for k in ("R_Peaks", "R_Onsets", "R_Offsets", "P_Onsets", "P_Confidence")}
    rows = {"r": col["R_Peaks"], "on": np.where(np.isnan(col["R_Onsets"]), col["R_Peaks"], col["R_Onsets"]),
            "off": np.where(np.isnan(col["R_Offsets"]), col["R_Peaks"], col["R_Offsets"]),
            "p_on": col["P_Onsets"], "p_conf": col["P_Confidence"]}
    return rows, len(caught)


def pair(points, lo, hi):
    """Row index paired with each point (-1: none): a point pairs with a row whose [lo, hi] holds it, one-to-one,
    the pairs nearest (point to the middle of [lo, hi]) taken first."""
    points, lo, hi = (np.asarray(a, dtype=float) for a in (points, lo, hi))
    out = np.full(len(points), -1)
    i, j = np.nonzero((points[:, None] >= lo[None, :]) & (points[:, None] <= hi[None, :]))
    taken = set()
    for k in np.lexsort((j, i, np.abs(points[i] - (lo[j] + hi[j]) / 2))):
        if out[i[k]] < 0 and j[k] not in taken:
            out[i[k]] = j[k]
            taken.add(j[k])
    return out


def paired_rows(points, rows, rate):
    """Row index of each point in the rows' QRS widened by PAIR_MS each side (:func:`pair`)."""
    margin = PAIR_MS * rate / 1000.0
    return pair(points, rows["on"] - margin, rows["off"] + margin)


def take(rows, key, idx):
    """``rows[key]`` at each index of :func:`pair` (NaN where -1)."""
    return np.append(rows[key], np.nan)[idx]


def p_right(reference, found, rate, tol_ms=P_TOL_MS):
    """Whether each found P onset lies within ``tol_ms`` of the reference (NaN: not right)."""
    error = np.abs(np.asarray(found, dtype=float) - np.asarray(reference, dtype=float))
    return np.nan_to_num(error, nan=np.inf) <= tol_ms * rate / 1000.0 + 1e-9


def _pct(k, n):
    return f"{k}/{n} ({100.0 * k / n:.1f} %)" if n else "-"


def _median(values):
    return f"{np.median(values):.3f}" if len(values) else "-"


# ----------------------------------------------------------------------------------------------- part 1: .atr
def atr_beats(base):
    """Samples and labels of the beats in a record's ``.atr`` file."""
    ann = wfdb.rdann(base, "atr")
    keep = [k for k, s in enumerate(ann.symbol) if s in BEATS]
    return np.asarray(ann.sample)[keep], [ann.symbol[k] for k in keep]


def beat_class(symbol):
    """The class a label is reported under: itself for V, A, S, N, F, else ``other``."""
    return symbol if symbol in CLASSES else "other"


def run_atr(qtdb, split, inputs):
    """One entry per (record, lead, input): the record, the input, each labelled beat's label, whether it was found,
    its P onset and P confidence (NaN: none), the warnings; and the records without a .atr file."""
    leads, missing = [], []
    for record in load_splits()["qtdb"][split]:
        base = os.path.join(qtdb, record)
        if not os.path.isfile(base + ".atr"):
            missing.append(record)
            continue
        samples, symbols = atr_beats(base)
        rec = wfdb.rdrecord(base)
        for lead in range(rec.n_sig):
            x = rec.p_signal[:, lead].astype(float)
            for kind in inputs:
                rows, n_warn = delineate(nk.ecg_clean(x, sampling_rate=rec.fs) if kind == "clean" else x, rec.fs)
                idx = paired_rows(samples, rows, rec.fs)
                leads.append({"record": record, "input": kind, "symbol": np.array(symbols), "found": idx >= 0,
                              "p_on": take(rows, "p_on", idx), "conf": take(rows, "p_conf", idx), "warn": n_warn})
        print(f"atr {record}", file=sys.stderr, flush=True)
    return leads, missing


def atr_counts(leads, name):
    """Lead-beats of class ``name`` in the entries of :func:`run_atr`, found, found with a P, those P confidences."""
    n = found = with_p = 0
    conf = []
    for d in leads:
        m = ~np.isin(d["symbol"], CLASSES) if name == "other" else d["symbol"] == name
        f = m & d["found"]
        p = f & ~np.isnan(d["p_on"])
        n, found, with_p, conf = n + m.sum(), found + f.sum(), with_p + p.sum(), conf + list(d["conf"][p])
    return int(n), int(found), int(with_p), conf


def atr_report(leads, missing, split, inputs):
    """Markdown tables of the .atr part."""
    others = sorted({s for d in leads for s in d["symbol"] if beat_class(s) == "other"})
    warns = ", ".join(f"{k} {sum(d['warn'] for d in leads if d['input'] == k)}" for k in inputs)
    lines = [f"## QTDB {split} split: beats labelled in `.atr` (both leads, 250 Hz, whole records)", "",
             f"Records without a `.atr` file (left out): {', '.join(missing) or 'none'}. A labelled beat is found "
             f"when a delineated beat's QRS +-{PAIR_MS:.0f} ms holds it (one-to-one). With a P: found and given a P "
             f"onset (% of found); a PVC (V) has none. Warnings given: {warns}.", "",
             "| input | class | lead-beats | found | with a P onset | median P confidence |",
             "|---|---|---:|---:|---:|---:|"]
    for kind in inputs:
        for name in (*CLASSES, "other"):
            n, found, with_p, conf = atr_counts([d for d in leads if d["input"] == kind], name)
            label = f"other ({', '.join(others)})" if name == "other" and others else name
            lines.append(f"| {kind} | {label} | {n} | {found} | {_pct(with_p, found)} | {_median(conf)} |")
    lines += ["", "V lead-beats per record: found, and found with a P onset:", "",
              "| record | V lead-beats | " + " | ".join(f"{k}: found | {k}: with a P" for k in inputs) + " |",
              "|---|---:|" + "---:|---:|" * len(inputs)]
    for record in dict.fromkeys(d["record"] for d in leads if (d["symbol"] == "V").any()):
        counts = {k: atr_counts([d for d in leads if d["record"] == record and d["input"] == k], "V") for k in inputs}
        lines.append(f"| {record} | {counts[inputs[0]][0]} | "
                     + " | ".join(f"{counts[k][1]} | {counts[k][2]}" for k in inputs) + " |")
    return lines


# ----------------------------------------------------------------------------------------------- part 2: LUDB
def sinus_records(ludb, limit):
    """The first ``limit`` LUDB validation records whose header rhythm is sinus and whose header names no block,
    extrasystole, pacing or fibrillation (narrow sinus QRS, no ectopy of their own)."""
    out = []
    for record in load_splits()["ludb"]["validation"]:
        with open(os.path.join(ludb, "data", f"{record}.hea")) as f:
            notes = [line[1:].strip() for line in f if line.startswith("#")]
        rhythm = [n.split(":", 1)[1].strip() for n in notes if n.startswith("Rhythm:")]
        if rhythm and rhythm[0] in SINUS and not any(w in n.lower() for n in notes for w in EXCLUDE):
            out.append(record)
    return out[:limit]


def read_beats(samples, symbols, rate):
    """Expert beats of one lead: dicts of QRS onset / peak / offset, P onset, T offset (None: unmarked)."""
    waves = []
    for k, s in enumerate(symbols):
        if s in "pNt":
            on = int(samples[k - 1]) if k and symbols[k - 1] == "(" else None
            off = int(samples[k + 1]) if k + 1 < len(symbols) and symbols[k + 1] == ")" else None
            waves.append((s, on, int(samples[k]), off))
    qrs = [w for w in waves if w[0] == "N"]
    beats = []
    for j, (_, on, peak, off) in enumerate(qrs):
        before = qrs[j - 1][2] if j else -np.inf
        after = qrs[j + 1][2] if j + 1 < len(qrs) else np.inf
        p = [w for w in waves if w[0] == "p" and before < w[2] < peak and peak - w[2] < 0.4 * rate]
        t = [w for w in waves if w[0] == "t" and peak < w[2] < after]
        beats.append({"qrs_on": on, "r": peak, "qrs_off": off, "p_on": p[-1][1] if p else None,
                      "t_off": t[0][3] if t else None})
    return beats


def _marked(beat, keys):
    return all(beat[k] is not None for k in keys)


def tile(x, beats, copies=COPIES):
    """Repeat the stretch between the first and last diastolic cut (midway from a T offset to the next P onset)
    ``copies`` times, level-matched; the unmarked head and tail kept. Returns (signal, beats inside, shifted) or
    None when the lead has fewer than two cuts."""
    cuts = [(a["t_off"] + b["p_on"]) // 2 for a, b in zip(beats[:-1], beats[1:])
            if a["t_off"] is not None and b["p_on"] is not None and b["p_on"] > a["t_off"]]
    if len(cuts) < 2:
        return None
    c0, c1 = cuts[0], cuts[-1]
    step = np.mean(x[c1 - 20:c1 + 20]) - np.mean(x[c0 - 20:c0 + 20])
    seg = x[c0:c1] - step * np.arange(c1 - c0) / (c1 - c0)
    y = np.concatenate([x[:c0]] + [seg] * copies + [x[c1:] - step])
    inside = [b for b in beats if b["qrs_on"] is not None and b["qrs_off"] is not None
              and c0 < (b["p_on"] if b["p_on"] is not None else b["qrs_on"])
              and (b["t_off"] if b["t_off"] is not None else b["qrs_off"]) < c1]
    return y, [{k: None if v is None else int(v + c * (c1 - c0)) for k, v in b.items()}
               for c in range(copies) for b in inside]


def _stretch(wave, factor):
    """``wave`` resampled to ``factor`` times its length (ends kept)."""
    n = len(wave) - 1
    m = int(round(n * factor))
    return np.interp(np.linspace(0, n, m + 1), np.arange(n + 1), wave)


def make_pvc(x, beat, stretch, polarity):
    """A PVC from a beat's own QRS+T: QRS stretched ``stretch`` x, ST-T 1.15x longer and 1.3x larger with its main
    deflection opposite to the QRS's net area, the complex negated if ``polarity == "inverted"``. Zero at both
    ends. Returns (waveform, QRS length in samples)."""
    on, off = beat["qrs_on"], beat["qrs_off"]
    wave = x[on:beat["t_off"] + 1].astype(float)
    wave = wave - np.linspace(wave[0], wave[-1], len(wave))
    qrs = _stretch(wave[:off - on + 1], stretch)
    t = wave[off - on:]
    shape = _stretch(t - qrs[-1] * np.linspace(1, 0, len(t)), 1.15)
    ramp = qrs[-1] * np.linspace(1, 0, len(shape))
    area = np.sign(qrs.sum()) or np.sign(qrs[np.argmax(np.abs(qrs))]) or 1.0
    sign = -1.0 if np.sign(shape[np.argmax(np.abs(shape))]) == area else 1.0
    pvc = np.concatenate([qrs, (ramp + sign * 1.3 * shape)[1:]])
    return (-pvc if polarity == "inverted" else pvc), len(qrs) - 1


def make_pac(x, beat, stretch):
    """An aberrant PAC from a beat's own P, QRS and T: the QRS stretched ``stretch`` x, P, PR and T kept. Zero at
    both ends. Returns (waveform, QRS onset in it = the beat's PR, QRS length in samples)."""
    p_on, on, off = beat["p_on"], beat["qrs_on"], beat["qrs_off"]
    wave = x[p_on:beat["t_off"] + 1].astype(float)
    wave = wave - np.linspace(wave[0], wave[-1], len(wave))
    qrs = _stretch(wave[on - p_on:off - p_on + 1], stretch)
    return np.concatenate([wave[:on - p_on], qrs, wave[off - p_on + 1:]]), on - p_on, len(qrs) - 1


def coupling(rng, pattern, position):
    """Fraction of the RR after the previous QRS onset where an ectopic QRS starts."""
    if pattern == "pac_aberrant":
        return 1.0 - rng.uniform(0.20, 0.30)
    return rng.uniform(0.55, 0.70) if position == 0 else rng.uniform(0.60, 0.75)


def build_lead(x, beats, pattern, polarity, seed, rate):
    """Splice ectopic beats into a tiled lead (the beats of :func:`tile`). Returns (signal, sinus beats left,
    ectopic beats: dicts of qrs_on, qrs_off, p_on (PACs), coupling, rr, index of the beat replaced)."""
    if pattern == "baseline":
        return x, beats, []
    rng = np.random.default_rng(seed)
    need = ("p_on", "qrs_on", "qrs_off", "t_off") if pattern == "pac_aberrant" else ("qrs_on", "qrs_off", "t_off")
    full = [b for b in beats if _marked(b, need)]
    if not full:
        return x, beats, []
    template = full[len(full) // 2]
    width = template["qrs_off"] - template["qrs_on"]
    if pattern == "pac_aberrant":
        wave, lead_in, n_qrs = make_pac(x, template, rng.uniform(1.3, 1.5))
    else:
        target = np.clip(width * rng.uniform(1.5, 1.8), 0.120 * rate, 0.160 * rate)
        (wave, n_qrs), lead_in = make_pvc(x, template, target / width, polarity), 0
    y, ectopic, gap = x.copy(), [], int(round(0.010 * rate))
    mark = [PATTERNS[pattern](i) for i in range(len(beats))]
    i = 1
    while i < len(beats):
        run = next((r for r in range(len(beats) - i) if not mark[i + r]), len(beats) - i)
        if not run:
            i += 1
            continue
        prev, nxt = beats[i - 1], beats[i + run] if i + run < len(beats) else None
        if nxt is not None and _marked(prev, ("qrs_on", "t_off")) and nxt["p_on"] is not None:
            rr = beats[i]["qrs_on"] - prev["qrs_on"]
            start = prev["t_off"] if beats[i]["p_on"] is None else min(prev["t_off"], beats[i]["p_on"] - gap)
            end = nxt["p_on"] - gap
            if end - start > 0.2 * rate:
                y[start:end + 1] = np.linspace(y[start - 3:start + 1].mean(), y[end:end + 4].mean(), end - start + 1)
                onset = prev["qrs_on"]
                for r in range(run):
                    c = coupling(rng, pattern, r)
                    onset = int(round(onset + c * rr))
                    a = onset - lead_in
                    m = min(len(wave), len(y) - a)
                    y[a:a + m] += wave[:m]
                    ectopic.append({"qrs_on": onset, "qrs_off": onset + n_qrs, "coupling": c, "rr": rr,
                                    "p_on": a if lead_in else None, "replaced": i + r})
        i += run
    replaced = {e["replaced"] for e in ectopic}
    return y, [b for k, b in enumerate(beats) if k not in replaced], ectopic


def score_lead(sinus, ectopic, rows, rate):
    """Scores of one delineated lead: sinus P right / marked, ectopic found, PVCs given a P (or PACs' P right),
    the P confidence of those false P waves."""
    refs = sinus + ectopic
    idx = paired_rows([(b["qrs_on"] + b["qrs_off"]) / 2 for b in refs], rows, rate)
    found = idx >= 0
    p_on = take(rows, "p_on", idx)
    ref_p = np.array([np.nan if b["p_on"] is None else b["p_on"] for b in refs], dtype=float)
    right = p_right(ref_p, p_on, rate)
    s, e = slice(0, len(sinus)), slice(len(sinus), None)
    false_p = found[e] & ~np.isnan(p_on[e])
    sure = take(rows, "p_conf", idx) >= MIN_CONFIDENCE  # what min_confidence=0.9 keeps
    return {"sinus_p": int(right[s].sum()), "sinus_n": int((~np.isnan(ref_p[s])).sum()),
            "ectopic_n": len(ectopic), "ectopic_found": int(found[e].sum()), "pac_p": int(right[e].sum()),
            "false_p": int(false_p.sum()), "conf": list(rows["p_conf"][idx[e][false_p]]),
            "sinus_p_sure": int((right & sure)[s].sum()), "false_p_sure": int((false_p & sure[e]).sum())}


def run_synthetic(ludb, n_records, inputs):
    """Per (condition, input): the lead scores of :func:`score_lead`, and the warnings; the records used."""
    records = sinus_records(ludb, n_records)
    results = {}
    for record in records:
        base = os.path.join(ludb, "data", record)
        rec = wfdb.rdrecord(base)
        for k, lead in enumerate(LEADS):
            ann = wfdb.rdann(base, lead)
            tiled = tile(rec.p_signal[:, rec.sig_name.index(lead)].astype(float),
                         read_beats(ann.sample, ann.symbol, rec.fs))
            if tiled is None:
                continue
            for pattern, polarity in CONDITIONS:
                y, sinus, ectopic = build_lead(*tiled, pattern, polarity, int(record) * 10 + k, rec.fs)
                for kind in inputs:
                    signal = nk.ecg_clean(y, sampling_rate=rec.fs) if kind == "clean" else y
                    rows, n_warn = delineate(signal, rec.fs)
                    score = score_lead(sinus, ectopic, rows, rec.fs)
                    results.setdefault((pattern, polarity, kind), []).append(dict(score, warn=n_warn))
        print(f"synthetic {record}", file=sys.stderr, flush=True)
    return results, records


def synthetic_report(results, records, inputs):
    """Markdown table of the synthetic part."""
    lines = [f"## Synthetic ectopy: LUDB validation sinus leads {', '.join(LEADS)}, tiled {COPIES}x, 500 Hz", "",
             f"Records ({len(records)}): {', '.join(records)}. Right: P onset within {P_TOL_MS:.0f} ms of the "
             "expert's (sinus) or of the P placed (PACs). A lead loses its sinus P when half or fewer are right. "
             "False P: a PVC given a P onset; its median P confidence. With `min_confidence=0.9`: the right sinus "
             "P and the false P waves left at P confidence >= 0.9. Warnings: count (leads warned).", "",
             "| input | condition | leads | sinus P right | leads losing >= half of sinus P | ectopic QRS found | "
             "PVCs given a P | false-P confidence (median) | PACs whose P is reported within 50 ms | "
             "min_confidence=0.9: sinus P right / false P | warnings |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for kind in inputs:
        for pattern, polarity in CONDITIONS:
            leads = results.get((pattern, polarity, kind), [])
            tot = {k: sum(d[k] for d in leads) for k in ("sinus_p", "sinus_n", "ectopic_n", "ectopic_found",
                                                        "pac_p", "false_p", "warn", "sinus_p_sure", "false_p_sure")}
            lost = sum(d["sinus_n"] > 0 and d["sinus_p"] <= 0.5 * d["sinus_n"] for d in leads)
            pvc = pattern not in ("baseline", "pac_aberrant")
            conf = [c for d in leads for c in d["conf"]]
            cond = pattern if polarity == "-" else f"{pattern}/{polarity}"
            lines.append(
                f"| {kind} | {cond} | {len(leads)} | {_pct(tot['sinus_p'], tot['sinus_n'])} | {lost}/{len(leads)} | "
                f"{_pct(tot['ectopic_found'], tot['ectopic_n']) if tot['ectopic_n'] else '-'} | "
                f"{_pct(tot['false_p'], tot['ectopic_n']) if pvc else '-'} | {_median(conf) if pvc else '-'} | "
                f"{_pct(tot['pac_p'], tot['ectopic_n']) if pattern == 'pac_aberrant' else '-'} | "
                f"{_pct(tot['sinus_p_sure'], tot['sinus_n'])} / {tot['false_p_sure'] if pvc else '-'} | "
                f"{tot['warn']} ({sum(d['warn'] > 0 for d in leads)}) |")
    return lines


# ----------------------------------------------------------------------------------------------- report
def revision(root):
    """Short git commit of ``root`` (read-only), marked when nk_qrs_lstm/ differs from it."""
    git = ["git", "--no-optional-locks", "-C", str(root)]
    try:
        head = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(git + ["diff", "--quiet", "HEAD", "--", "nk_qrs_lstm"]).returncode == 1
    except OSError:
        return "unknown"
    return (head or "unknown") + (" + uncommitted changes in nk_qrs_lstm/" if dirty else "")


def publish(title, command, start, commit, body, out=None):
    """The report: a header (title and date; the command, its minutes since ``start``, ``commit`` (:func:`revision`
    when the run began: the code as imported), the package version) above ``body`` (lines); printed, and written
    to ``out`` if given."""
    head = [f"# {title} ({datetime.date.today().isoformat()})", "",
            f"Command: `{command.strip()}` ({(time.perf_counter() - start) / 60:.1f} min). Commit "
            f"{commit}, nk_qrs_lstm {nk_qrs_lstm.__version__}.", ""]
    text = "\n".join(head + body)
    print(text)
    if out:
        with open(out, "w") as f:
            f.write(text)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/ectopy_check.py", description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--inputs", nargs="+", choices=INPUTS, default=list(INPUTS))
    parser.add_argument("--split", choices=("train", "validation"), default="validation", help="QTDB split (atr)")
    parser.add_argument("--records", type=int, default=14, help="LUDB sinus records (synthetic)")
    parser.add_argument("--qtdb", default=DEFAULT_QTDB)
    parser.add_argument("--ludb", default=DEFAULT_LUDB)
    parser.add_argument("--out", help="also write the report to this markdown file")
    args = parser.parse_args(argv)
    command = "python benchmarks/ectopy_check.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    start, commit = time.perf_counter(), revision(Path(__file__).resolve().parents[1])  # the code as imported
    body = []
    if "atr" in args.parts:
        body += atr_report(*run_atr(args.qtdb, args.split, args.inputs), args.split, args.inputs) + [""]
    if "synthetic" in args.parts:
        body += synthetic_report(*run_synthetic(args.ludb, args.records, args.inputs), args.inputs) + [""]
    publish("Premature beats: P waves around ectopy", command, start, commit, body, args.out)


if __name__ == "__main__":
    main()
