"""Clinical intervals per lead: how close each method's median PR, QRS duration and QT come to the experts'.

Usage::

    python benchmarks/intervals.py [--databases ludb qtdb] [--methods lstm dwt prominence]
        [--inputs raw clean] [--markdown FILE]

Users read intervals off a delineation: PR (P onset -> QRS onset), QRS duration (QRS onset -> QRS offset) and
QT (QRS onset -> T offset). On the VALIDATION splits (LUDB: every lead, 500 Hz; QTDB: both leads, 250 Hz,
scored on the beats the ``q1c`` cardiologist marked, the shared reference of both leads) this measures, per lead:

* the expert's median of each interval over the annotated beats where both of its ends are marked (the P wave
  of a beat is the last marked P between the previous QRS onset and this one; its T wave the first marked T
  ending after its QRS and before the next QRS onset);
* each method's median over its beats (``waves[key][i]``, one row per beat, as a user reads them) whose QRS
  onset is paired one-to-one with an expert QRS onset within 150 ms
  (:func:`nk_qrs_lstm.evaluation.matching.match_fiducials`' optimal pairing). A lead with an expert interval
  and none from the method is *missing* for that method. P-based intervals are left out wherever the expert
  marked no P onset (atrial fibrillation, paced leads): there is no expert PR to compare with.

Per database, method, input and interval: the leads with an expert interval, the share of them the method
gives one for, the mean and SD of the per-lead error (method - expert, ms), its median absolute value and the
share of leads within the tolerance (PR and QT: +-20 ms; QRS: +-10 ms), of the compared leads and of all leads
with an expert interval (a missing lead counts as outside).

Methods run through :func:`nk_qrs_lstm.evaluation.runner.delineator` with ``rpeaks=None``: a learned method
(``lstm``) on the raw lead and after ``nk.ecg_clean`` (``--inputs``); NeuroKit's methods once, in their own
workflow (``nk.ecg_clean`` -> ``nk.ecg_peaks`` -> ``ecg_delineate``), whatever ``--inputs`` holds.
Never run on the LUDB test split.
"""

import argparse
import datetime
import shlex
import sys
import time
import warnings

import numpy as np

from nk_qrs_lstm.defaults import TOLERANCE_S
from nk_qrs_lstm.evaluation.matching import pair_fiducials
from nk_qrs_lstm.evaluation.runner import delineator
from nk_qrs_lstm.registry import get_method
from nk_qrs_lstm.training.datasets import load_split

PART = "validation"  # the only part this script reads (LUDB test split: never)
DATABASES = {"ludb": "LUDB validation split (every lead, 500 Hz)",
             "qtdb": "QTDB validation split (both leads, 250 Hz, q1c-annotated beats)"}
METHODS = ("lstm", "dwt", "prominence")
INPUTS = {"raw": "raw", "clean": "nk.ecg_clean"}
NK_INPUT = "NeuroKit workflow"  # input label of a NeuroKit method (it always cleans, once)
#: interval -> (start column, stop column) of a beat row [P onset, QRS onset, QRS offset, T offset]
INTERVALS = {"PR": (0, 1), "QRS": (1, 2), "QT": (1, 3)}
TOLERANCE_MS = {"PR": 20.0, "QRS": 10.0, "QT": 20.0}
KEYS = ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets")


def expert_beats(waves):
    """One row per expert QRS with a marked onset: [P onset, QRS onset, QRS offset, T offset] (NaN: unmarked)."""
    qrs = waves["QRS"][np.isfinite(waves["QRS"][:, 0])]
    qrs = qrs[np.argsort(qrs[:, 0])]
    p_on = waves["P"][:, 0][np.isfinite(waves["P"][:, 0])]
    t_off = waves["T"][:, 2][np.isfinite(waves["T"][:, 2])]
    rows = np.full((len(qrs), 4), np.nan)
    for i, (onset, _, offset) in enumerate(qrs):
        before = qrs[i - 1, 0] if i else -np.inf
        after = qrs[i + 1, 0] if i + 1 < len(qrs) else np.inf
        p = p_on[(p_on > before) & (p_on < onset)]
        t = t_off[(t_off > (offset if np.isfinite(offset) else onset)) & (t_off < after)]
        rows[i] = [p.max() if p.size else np.nan, onset, offset, t.min() if t.size else np.nan]
    return rows


def predicted_beats(waves):
    """One row per beat of a method's output, [P onset, QRS onset, QRS offset, T offset] (NaN: not found).

    NeuroKit's lists hold one value per beat; lists of unequal length cannot be read per beat, so the lead then
    has no beats (it counts as missing)."""
    lists = [np.array([np.nan if v is None else v for v in waves.get(k, [])], dtype=float) for k in KEYS]
    if len({len(v) for v in lists}) != 1:
        return np.full((0, 4), np.nan)
    return np.stack(lists, axis=1)


def paired(expert, predicted, rate):
    """Rows of ``expert`` and ``predicted`` whose QRS onsets pair one-to-one within the tolerance."""
    i, j = pair_fiducials(expert[:, 1], predicted[:, 1], TOLERANCE_S * rate)
    return expert[i], predicted[j]


def median_ms(beats, interval, rate):
    """Median of one interval (ms) over the beats where both its ends are known; NaN when none."""
    start, stop = INTERVALS[interval]
    values = (beats[:, stop] - beats[:, start]) * 1000.0 / rate
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else np.nan


def lead_medians(ecg, waves):
    """{interval: (expert median, method median)} of one lead (ms); the method's NaN when it gave none."""
    expert = expert_beats(ecg.waves)
    predicted = predicted_beats(waves) if waves is not None else np.full((0, 4), np.nan)
    _, found = paired(expert, predicted, ecg.sampling_rate)
    return {name: (median_ms(expert, name, ecg.sampling_rate), median_ms(found, name, ecg.sampling_rate))
            for name in INTERVALS}


def runs(methods, inputs):
    """(method, clean, input label) to run: a learned method once per input, a NeuroKit method once."""
    out = []
    for method in methods:
        if get_method(method).kind == "learned":
            out += [(method, kind == "clean", INPUTS[kind]) for kind in inputs]
        else:
            out.append((method, True, NK_INPUT))
    return out


def delineate_all(ecgs, method, clean):
    """Waves of every lead (None where the method raised), and the seconds it took."""
    func = delineator(method, clean=clean)
    out = []
    start = time.perf_counter()
    for ecg in ecgs:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                out.append(func(ecg.signal, ecg.sampling_rate))
            except Exception:  # a crash leaves the lead missing
                out.append(None)
    return out, time.perf_counter() - start


def summarise(pairs, interval):
    """Summary row of one interval from per-lead (expert, method) medians (ms)."""
    pairs = np.array(pairs, dtype=float).reshape(-1, 2)
    pairs = pairs[np.isfinite(pairs[:, 0])]
    error = pairs[:, 1] - pairs[:, 0]
    error = error[np.isfinite(error)]
    n, m = len(pairs), len(error)
    within = np.abs(error) <= TOLERANCE_MS[interval] + 1e-9
    return {"leads": n, "expert_ms": float(np.median(pairs[:, 0])) if n else np.nan,
            "given": 100.0 * m / n if n else np.nan,
            "mean": float(error.mean()) if m else np.nan,
            "sd": float(error.std(ddof=1)) if m > 1 else np.nan,
            "mae": float(np.median(np.abs(error))) if m else np.nan,
            "within": 100.0 * within.mean() if m else np.nan,
            "within_all": 100.0 * within.sum() / n if n else np.nan}


def evaluate_database(database, methods, inputs):
    """Summary rows of every (method, input, interval) on one database's validation split."""
    ecgs = list(load_split(database, PART))
    rows = []
    for method, clean, label in runs(methods, inputs):
        all_waves, seconds = delineate_all(ecgs, method, clean)
        medians = [lead_medians(ecg, waves) for ecg, waves in zip(ecgs, all_waves)]
        crashed = sum(w is None for w in all_waves)
        print(f"{database} {method} ({label}): {len(ecgs)} leads, {seconds:.1f} s, {crashed} crashes",
              file=sys.stderr, flush=True)
        for interval in INTERVALS:
            row = summarise([m[interval] for m in medians], interval)
            rows.append({"database": database, "method": method, "input": label, "interval": interval, **row})
    return rows


def _cell(value, fmt):
    return "-" if not np.isfinite(value) else format(value, fmt)


def markdown(rows, command, seconds):
    """The table, with a header naming the split, the date and the command."""
    lines = [f"# Per-lead clinical intervals on the validation splits ({datetime.date.today().isoformat()})", "",
             "Split: " + "; ".join(DATABASES[d] for d in dict.fromkeys(r["database"] for r in rows)) + ".", "",
             f"Command: `{command}` ({seconds / 60:.1f} min).", "",
             "Per lead: the median interval over the expert's annotated beats and over the method's beats paired "
             "with them (QRS onset, one-to-one, within 150 ms). Error = method - expert (ms), over the leads with "
             "both. Tolerance: PR and QT +-20 ms, QRS +-10 ms. NeuroKit's methods run once, in their own "
             "workflow (nk.ecg_clean -> nk.ecg_peaks -> ecg_delineate).", "",
             "| database | method | input | interval | leads | expert median (ms) | with method (%) | mean error (ms) "
             "| SD (ms) | median abs. error (ms) | within tol. (% of compared) | within tol. (% of all) |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['database']} | {r['method']} | {r['input']} | {r['interval']} | {r['leads']} | "
                     f"{_cell(r['expert_ms'], '.0f')} | {_cell(r['given'], '.1f')} | {_cell(r['mean'], '+.1f')} | "
                     f"{_cell(r['sd'], '.1f')} | {_cell(r['mae'], '.1f')} | {_cell(r['within'], '.1f')} | "
                     f"{_cell(r['within_all'], '.1f')} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/intervals.py", description=__doc__.splitlines()[0])
    parser.add_argument("--databases", nargs="+", choices=tuple(DATABASES), default=list(DATABASES))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), help="registered method names")
    parser.add_argument("--inputs", nargs="+", choices=tuple(INPUTS), default=list(INPUTS),
                        help="inputs of a learned method (NeuroKit's methods always run once, cleaned)")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    methods = list(dict.fromkeys(get_method(m).name for m in args.methods))
    command = "python benchmarks/intervals.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    rows = []
    for database in args.databases:
        rows += evaluate_database(database, methods, args.inputs)
    text = markdown(rows, command.strip(), time.perf_counter() - start)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
