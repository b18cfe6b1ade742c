"""Irregular sinus rhythms: does the rhythm gate refuse true P waves?

Usage::

    python benchmarks/rhythm_check.py [--conditions rsa40 mat ...] [--records 14] [--inputs raw clean]
        [--gate-only] [--ludb DIR] [--out FILE.md]

Data: LUDB (``--ludb``, the validation split only), leads ii, v1, v5 of the first ``--records`` sinus records that
``benchmarks/ectopy_check.py``'s ``sinus_records`` picks, 500 Hz. Each lead's fully marked cycles (expert P onset,
QRS onset and offset, T offset) are cut from 40 ms before the P onset to 40 ms after the T offset, detrended to zero
ends and re-placed, cycling through them, at new QRS onsets in a 32-s lead (flat baseline, 5 uV white noise), so
every beat keeps its own P wave and its expert marks move with it. The ST-T part is time-scaled by sqrt(RR / RR0)
(clipped to [0.6, 1.15], RR0: the lead's median RR); cycles that still overlap add (P on T at fast rates).

Conditions: ``control_tiled`` (the lead tiled 4x by ``ectopy_check.tile``, its own baseline); ``control_rebuilt``
(re-timed at RR0); ``rsaNN``: respiratory sinus arrhythmia, RR = RR0 (1 + NN % sin(2 pi t / T + phi)), T 3-6 s;
``randNN``: RR independently uniform in RR0 +-NN %; ``wap``: wandering atrial pacemaker, RR0 +-20 %, each beat's P in
turn from 4 leads of the record (its own and 3 of i, ii, iii, avf, v1, v2, v5, v6) scaled to the lead's P size, PR
+-30 ms; ``mat``: the same at 100-130 bpm (multifocal atrial tachycardia); ``pauses``: one 2-3-s RR at each 10-s
mark; ``brady_tachy``: 10 s at 50 bpm, 10 s at 110 bpm, alternating; ``tachy_reg`` / ``tachy_rand20``: 100-130 bpm,
regular / +-20 %, own P; ``<rhythm>_pNN``: every P wave (expert onset to offset) scaled to NN % (``reg``: RR0).
Each condition is seeded from the record, lead and condition name (not its place in ``--conditions``).

:func:`nk_qrs_lstm.ecg_delineate_table` runs on each lead as given (``raw``) and after ``nk.ecg_clean``
(``clean``), with the rhythm gate (the default) and without it (``rhythm_gate=False``; skipped by ``--gate-only``).
Per condition and input: P onsets within 50 ms of the expert's, P missing (QRS found, no P onset), leads losing
half or more of their P waves, warnings. The markdown report is printed (and written to ``--out``); its header
names the command, date, git commit and package version.
"""

import argparse
import os
import shlex
import sys
import time
import warnings
import zlib
from pathlib import Path

import neurokit2 as nk
import numpy as np
import wfdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ectopy_check as ec  # noqa: E402  (sinus_records, read_beats, tile, paired_rows, take, p_right, publish)

import nk_qrs_lstm  # noqa: E402
from nk_qrs_lstm.training.datasets import DEFAULT_LUDB  # noqa: E402
from nk_qrs_lstm.wfdb_io.marks import parse_waves  # noqa: E402

RATE = 500  # Hz (LUDB)
DURATION_S = 32.0  # each re-timed lead
FIRST_QRS_S, END_S = 1.0, 1.2  # first QRS onset; no QRS onset within this of the end (the last cycle fits)
PAD = int(0.040 * RATE)  # a cycle runs from P onset - PAD to T offset + PAD
NOISE_MV = 0.005  # white noise added to the re-timed leads
ST_SCALE = (0.6, 1.15)  # clip of the ST-T time scale sqrt(RR / RR0)
TACHY_BPM = (100.0, 130.0)
PR_JITTER_MS = 30.0  # wap / mat
DONORS = ("i", "ii", "iii", "avf", "v1", "v2", "v5", "v6")  # leads lending P shapes to wap / mat
N_SHAPES = 4
INPUTS = ("raw", "clean")
CONDITIONS = ("control_tiled", "control_rebuilt", "rsa10", "rsa20", "rsa30", "rsa40", "rand15", "rand25", "wap",
              "mat", "pauses", "brady_tachy", "tachy_reg", "tachy_rand20", "reg_p50", "rsa20_p50", "rsa40_p50",
              "rand25_p50", "reg_p30", "rsa20_p30", "rsa40_p30", "rand25_p30", "wap_p50")


# ----------------------------------------------------------------------------------------------- rhythms
def seed_of(record, lead, name):
    """The seed of one (record, lead, condition): a CRC of the three names, whatever the conditions' order."""
    return zlib.crc32(f"{record}/{lead}/{name}".encode())


def parse_condition(name):
    """(rhythm, P scale) of a condition: ``rsa40_p50`` -> ("rsa40", 0.5); ``reg`` is ``control_rebuilt``."""
    rhythm, _, scale = name.partition("_p")
    return ("control_rebuilt" if rhythm == "reg" else rhythm), (int(scale) / 100.0 if scale else 1.0)


def rr_function(rhythm, rr0, rng):
    """The RR (s) that follows a QRS onset at time t (s) under ``rhythm``, as a function of t (draws from rng)."""
    if rhythm == "control_rebuilt":
        return lambda t: rr0
    if rhythm.startswith("rsa"):
        depth, period, phase = int(rhythm[3:]) / 100.0, rng.uniform(3.0, 6.0), rng.uniform(0.0, 2 * np.pi)
        return lambda t: rr0 * (1.0 + depth * np.sin(2 * np.pi * t / period + phase))
    if rhythm.startswith("rand"):
        spread = int(rhythm[4:]) / 100.0
        return lambda t: rr0 * (1.0 + rng.uniform(-spread, spread))
    if rhythm in ("wap", "mat", "tachy_reg", "tachy_rand20"):
        base = rr0 if rhythm == "wap" else 60.0 / rng.uniform(*TACHY_BPM)
        spread = 0.0 if rhythm == "tachy_reg" else 0.2
        return lambda t: base * (1.0 + rng.uniform(-spread, spread))
    if rhythm == "pauses":  # the beat whose next RR would cross a 10-s mark is followed by a 2-3-s pause
        return lambda t: (rng.uniform(2.0, 3.0) if (t - FIRST_QRS_S) // 10 != (t + rr0 - FIRST_QRS_S) // 10
                          else rr0)
    if rhythm == "brady_tachy":
        first = int(rng.integers(2))
        return lambda t: 1.2 if (int(t // 10) + first) % 2 == 0 else 60.0 / 110.0
    raise ValueError(f"unknown rhythm {rhythm!r}")


def qrs_times(rr_fn, duration=DURATION_S):
    """QRS onset times (s) from FIRST_QRS_S on, and the RR after each, until END_S before the end."""
    times, rrs, t = [], [], FIRST_QRS_S
    while t + END_S <= duration:
        times.append(t)
        rrs.append(rr_fn(t))
        t += rrs[-1]
    return np.array(times), np.array(rrs)


# ----------------------------------------------------------------------------------------------- cycles
def p_offsets(samples, symbols):
    """P offset of each marked P wave of a lead, by its P onset (both marked), as the package reads WFDB marks
    (:func:`nk_qrs_lstm.wfdb_io.marks.parse_waves`: a biphasic ``( p p )`` is one wave)."""
    p = parse_waves(samples, symbols)["P"]
    both = np.isfinite(p[:, 0]) & np.isfinite(p[:, 2])
    return {int(on): int(off) for on, off in p[both][:, [0, 2]]}


def cycles_of(x, beats, p_off):
    """The fully marked cycles of a lead (``read_beats``' beats, ``p_off``: :func:`p_offsets`): the wave from P onset
    - PAD to T offset + PAD, detrended to zero ends, and its P onset / P offset / QRS onset / QRS offset in it."""
    out = []
    for b in beats:
        if not ec._marked(b, ("p_on", "qrs_on", "qrs_off", "t_off")) or b["p_on"] not in p_off:
            continue
        a, e = b["p_on"] - PAD, b["t_off"] + PAD
        if a < 0 or e >= len(x):
            continue
        w = x[a:e + 1].astype(float)
        w = w - np.linspace(w[:5].mean(), w[-5:].mean(), len(w))
        w[:3] *= np.linspace(0, 1, 3)
        w[-3:] *= np.linspace(1, 0, 3)
        out.append({"wave": w, "p_on": PAD, "p_off": min(p_off[b["p_on"]], b["qrs_on"]) - a,
                    "qrs_on": b["qrs_on"] - a, "qrs_off": b["qrs_off"] - a})
    return out


def faint(cycle, scale):
    """A copy of a cycle with its P wave (P onset to P offset) scaled by ``scale``."""
    w = cycle["wave"].copy()
    w[cycle["p_on"]:cycle["p_off"] + 1] *= scale
    return dict(cycle, wave=w)


def beat_wave(cycle, rr, rr0, donor=None, shift=0):
    """One cycle re-timed for an RR of ``rr`` s: its ST-T time-scaled by sqrt(rr / rr0) (clipped to ST_SCALE); with
    ``donor`` (a zero-ended P wave), its own P is replaced by a ramp and the donor placed ``shift`` samples earlier
    (cut at the QRS onset). Returns the wave and its P onset, QRS onset, QRS offset in it."""
    w, p_on, q0, q1 = cycle["wave"], cycle["p_on"], cycle["qrs_on"], cycle["qrs_off"]
    st = ec._stretch(w[q1:], float(np.clip(np.sqrt(rr / rr0), *ST_SCALE)))
    pre = w[:q1 + 1].copy()
    if donor is not None:
        p_off = cycle["p_off"]
        pre[p_on:p_off + 1] = np.linspace(pre[p_on], pre[p_off], p_off - p_on + 1)
        lead_in = max(0, shift - p_on)
        pre = np.concatenate([np.zeros(lead_in), pre])
        p_on, q0, q1 = p_on - shift + lead_in, q0 + lead_in, q1 + lead_in
        m = max(0, min(len(donor), q0 - p_on))
        pre[p_on:p_on + m] += donor[:m]
        cut = max(0, p_on - PAD)
        pre, p_on, q0, q1 = pre[cut:], p_on - cut, q0 - cut, q1 - cut
    return np.concatenate([pre, st[1:]]), p_on, q0, q1


def rebuild(cycles, times, rrs, rr0, rng, donors=None, noise=NOISE_MV, duration=DURATION_S):
    """Cycles placed in turn with their QRS onsets at ``times`` (s), ``donors`` (P waves) in turn with a PR jitter
    of +-PR_JITTER_MS, plus white noise. Returns the signal and the beats' marks (P onset, QRS onset / offset)."""
    y, truth = np.zeros(int(duration * RATE)), []
    for i, (t, rr) in enumerate(zip(times, rrs)):
        shift = 0 if donors is None else int(round(rng.uniform(-PR_JITTER_MS, PR_JITTER_MS) * RATE / 1000.0))
        wave, p_on, q0, q1 = beat_wave(cycles[i % len(cycles)], rr, rr0,
                                       None if donors is None else donors[i % len(donors)], shift)
        start = int(round(t * RATE)) - q0
        if start < 0 or start + len(wave) > len(y):
            continue
        y[start:start + len(wave)] += wave
        truth.append({"p_on": start + p_on, "qrs_on": start + q0, "qrs_off": start + q1})
    return y + rng.normal(0.0, noise, len(y)), truth


def lead_material(rec, anns, record, lead):
    """What the conditions are built from, for one lead (None when it has too few marked cycles): the tiled lead
    and its beats, the cycles, the median RR (s), the P shapes for wap / mat."""
    x = rec.p_signal[:, rec.sig_name.index(lead)].astype(float)
    ann = anns[lead]
    beats = ec.read_beats(ann.sample, ann.symbol, RATE)
    tiled, cycles = ec.tile(x, beats), cycles_of(x, beats, p_offsets(ann.sample, ann.symbol))
    if tiled is None or len(cycles) < 2:
        return None
    rr0 = float(np.median(np.diff([b["qrs_on"] for b in beats if b["qrs_on"] is not None]))) / RATE
    own = np.median([np.max(np.abs(c["wave"][c["p_on"]:c["p_off"] + 1])) for c in cycles])
    others = [d for d in DONORS if d != lead]
    np.random.default_rng(seed_of(record, lead, "donors")).shuffle(others)
    donors = []
    for d in [lead] + others:
        marked = sorted(p_offsets(anns[d].sample, anns[d].symbol).items())
        if len(donors) == N_SHAPES:
            break
        if not marked:
            continue
        on, off = marked[len(marked) // 2]
        p = rec.p_signal[on:off + 1, rec.sig_name.index(d)].astype(float)
        p = p - np.linspace(p[0], p[-1], len(p))
        if np.max(np.abs(p)) > 0:
            donors.append(p * own / np.max(np.abs(p)))
    return {"tiled": tiled, "cycles": cycles, "rr0": rr0, "donors": donors}


def make_condition(name, material, seed):
    """The signal of one condition and its beats' expert marks (P onset, QRS onset / offset)."""
    if name == "control_tiled":
        y, beats = material["tiled"]
        return y, [b for b in beats if b["p_on"] is not None]
    rhythm, scale = parse_condition(name)
    rng = np.random.default_rng(seed)
    cycles = [faint(c, scale) for c in material["cycles"]] if scale != 1.0 else material["cycles"]
    donors = [d * scale for d in material["donors"]] if rhythm in ("wap", "mat") else None
    times, rrs = qrs_times(rr_function(rhythm, material["rr0"], rng))
    return rebuild(cycles, times, rrs, material["rr0"], rng, donors)


# ----------------------------------------------------------------------------------------------- scoring
def delineate(signal, gate=True):
    """QRS spans and P onsets of ``ecg_delineate_table(signal, rhythm_gate=gate)`` (ectopy_check's rows), and the
    number of warnings."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        table = nk_qrs_lstm.ecg_delineate_table(signal, sampling_rate=RATE, rhythm_gate=gate)
    col = {k: table[f"ECG_{k}"].to_numpy(dtype=float, na_value=np.nan)
           for k in ("R_Peaks", "R_Onsets", "R_Offsets", "P_Onsets")}
    rows = {"on": np.where(np.isnan(col["R_Onsets"]), col["R_Peaks"], col["R_Onsets"]),
            "off": np.where(np.isnan(col["R_Offsets"]), col["R_Peaks"], col["R_Offsets"]), "p_on": col["P_Onsets"]}
    return rows, len(caught)


def score(truth, rows, rate=RATE):
    """Beats, P onsets right (within ectopy_check's 50 ms) and P missing (QRS found, no P onset) of one lead."""
    ref = np.array([b["p_on"] for b in truth], dtype=float)
    idx = ec.paired_rows([(b["qrs_on"] + b["qrs_off"]) / 2 for b in truth], rows, rate)
    p_on = ec.take(rows, "p_on", idx)
    return {"n": len(truth), "right": int(ec.p_right(ref, p_on, rate).sum()),
            "missing": int(((idx >= 0) & np.isnan(p_on)).sum())}


def run(ludb, n_records, conditions, inputs, gates):
    """Per (condition, input, gate): one score (:func:`score`, plus ``warn``) per lead; the records used."""
    records, results = ec.sinus_records(ludb, n_records), {}
    for record in records:
        base = os.path.join(ludb, "data", record)
        rec = wfdb.rdrecord(base)
        anns = {lead: wfdb.rdann(base, lead) for lead in rec.sig_name}
        for lead in ec.LEADS:
            material = lead_material(rec, anns, record, lead)
            if material is None:
                print(f"{record} {lead}: too few marked cycles, left out", file=sys.stderr, flush=True)
                continue
            for name in conditions:
                y, truth = make_condition(name, material, seed_of(record, lead, name))
                for kind in inputs:
                    signal = nk.ecg_clean(y, sampling_rate=RATE) if kind == "clean" else y
                    for gate in gates:
                        rows, n_warn = delineate(signal, gate)
                        results.setdefault((name, kind, gate), []).append(dict(score(truth, rows), warn=n_warn))
        print(f"rhythm {record}", file=sys.stderr, flush=True)
    return results, records


# ----------------------------------------------------------------------------------------------- report
def summary(leads):
    """Pooled cells of one (condition, input, gate): P right, P missing, leads losing >= half, warnings (leads)."""
    n, right, missing = (sum(d[k] for d in leads) for k in ("n", "right", "missing"))
    lost = sum(d["n"] > 0 and d["right"] <= 0.5 * d["n"] for d in leads)
    return (ec._pct(right, n), ec._pct(missing, n), f"{lost}/{len(leads)}",
            f"{sum(d['warn'] for d in leads)} ({sum(d['warn'] > 0 for d in leads)})")


def report(results, records, conditions, inputs, gates):
    """Markdown tables, one per input."""
    lines = [f"LUDB validation sinus records ({len(records)}): {', '.join(records)}; leads {', '.join(ec.LEADS)}; "
             f"{RATE} Hz, {DURATION_S:.0f} s per re-timed lead. Right: P onset within {ec.P_TOL_MS:.0f} ms of the "
             "expert's. Missing: QRS found, no P onset. A lead loses its P waves when half or fewer are right. "
             "Warnings: count (leads warned).", ""]
    for kind in inputs:
        cols = ["P right", "P missing", "leads losing >= half", "warnings (leads)"]
        if False in gates:
            cols += ["without gate: P right", "without gate: P missing", "without gate: leads losing >= half"]
        lines += [f"## Input: {kind}", "", "| condition | leads | beats | " + " | ".join(cols) + " |",
                  "|---|---:|---:|" + "---:|" * len(cols)]
        for name in conditions:
            gated = results.get((name, kind, True), [])
            cells = list(summary(gated))
            if False in gates:
                cells += summary(results.get((name, kind, False), []))[:3]
            lines.append(f"| {name} | {len(gated)} | {sum(d['n'] for d in gated)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/rhythm_check.py", description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS))
    parser.add_argument("--records", type=int, default=14, help="LUDB validation sinus records")
    parser.add_argument("--inputs", nargs="+", choices=INPUTS, default=list(INPUTS))
    parser.add_argument("--gate-only", action="store_true", help="skip the run without the rhythm gate")
    parser.add_argument("--ludb", default=DEFAULT_LUDB)
    parser.add_argument("--out", help="also write the report to this markdown file")
    args = parser.parse_args(argv)
    command = "python benchmarks/rhythm_check.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    start, commit = time.perf_counter(), ec.revision(Path(__file__).resolve().parents[1])
    gates = (True,) if args.gate_only else (True, False)
    body = report(*run(args.ludb, args.records, args.conditions, args.inputs, gates), args.conditions, args.inputs,
                  gates)
    ec.publish("Irregular sinus rhythms: P waves under the rhythm gate", command, start, commit, body, args.out)


if __name__ == "__main__":
    main()
