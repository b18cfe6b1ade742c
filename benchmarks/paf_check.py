"""Paroxysmal atrial fibrillation: P waves next to a change of rhythm, with and without the rhythm gate.

Usage::

    python benchmarks/paf_check.py [--records 12] [--leads ii v1 v5] [--inputs raw clean] [--ludb DIR] [--out FILE.md]

Data: LUDB (``--ludb``), the validation split only. Each lead of the first ``--records`` sinus records that
``benchmarks/ectopy_check.py``'s ``sinus_records`` picks is chained with the same lead of one of the split's four
atrial-fibrillation records (8, 51, 88, 96, in turn): sinus, sinus, AF, AF, sinus, sinus, each piece the lead's
expert-marked span (about 7-10 s), shifted so that it starts where the previous one ends (no step). The expert's
P onsets of the sinus pieces are the truth; the AF pieces have none.

:func:`nk_qrs_lstm.ecg_delineate_table` runs on each chained lead as given (``raw``) and after ``nk.ecg_clean``
(``clean``), with the rhythm gate (the default) and without it (``rhythm_gate=False``). Per input: the sinus P onsets
found within 50 ms and the AF beats given a P wave, each near a change of rhythm (within the gate's
``GATE_CONTEXT_S``) or farther; a beat within 0.3 s of a change is left out (its P wave may lie in the other piece).
The report's header names the command, date, git commit and package version.
"""

import argparse
import os
import shlex
import sys
import time
import warnings

import neurokit2 as nk
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ectopy_check as ec  # noqa: E402  (sinus_records, publish, revision)

import nk_qrs_lstm  # noqa: E402
from nk_qrs_lstm.defaults import GATE_CONTEXT_S  # noqa: E402
from nk_qrs_lstm.training.datasets import DEFAULT_LUDB, read_ludb  # noqa: E402

RATE = 500  # Hz (LUDB)
AF_RECORDS = ("8", "51", "88", "96")  # LUDB validation records in atrial fibrillation
PATTERN = ("sinus", "sinus", "af", "af", "sinus", "sinus")
EXCLUDED_S = 0.3  # [s] beats this close to a change of rhythm are not counted
RIGHT_S = 0.05  # [s] a P onset this close to the expert's is right
INPUTS = ("raw", "clean")
ROWS = ("sinus near", "sinus far", "af near", "af far")


def marked_span(ludb, record, lead):
    """The lead's expert-marked span (median removed) and its P onsets (samples of the span)."""
    ecg = read_ludb(record, path=ludb, leads=[lead])[0]
    a, b = int(ecg.regions[0][0]), int(ecg.regions[-1][1])
    x = np.asarray(ecg.signal[a:b], dtype=float)
    return x - np.median(x), np.asarray(ecg.fiducials()["ECG_P_Onsets"], dtype=float) - a


def chain(pieces):
    """Concatenate ``(signal, P onsets or None)`` pieces, each shifted to start at the previous one's last value.

    Returns the signal, the P onsets in it, and each piece's first sample.

    Examples
    --------
    >>> x, p, starts = chain([(np.array([0.0, 1.0]), np.array([1.0])), (np.array([5.0, 6.0]), None)])
    >>> x.tolist(), p.tolist(), starts
    ([0.0, 1.0, 1.0, 2.0], [1.0], [0, 2])
    """
    out, marks, starts, pos = [], [], [], 0
    for x, p in pieces:
        x = x - (x[0] - out[-1][-1]) if out else x
        out.append(x)
        starts.append(pos)
        if p is not None:
            marks.append(p + pos)
        pos += len(x)
    return np.concatenate(out), (np.concatenate(marks) if marks else np.zeros(0)), starts


def changes(starts, pattern=PATTERN):
    """The samples where the rhythm changes (a piece of another kind than the one before begins).

    Examples
    --------
    >>> changes([0, 10, 20, 30], ("sinus", "af", "af", "sinus"))
    [10, 30]
    """
    return [s for s, kind, before in zip(starts[1:], pattern[1:], pattern[:-1]) if kind != before]


def spans(starts, length, kind, pattern=PATTERN):
    """``[start, stop)`` of each run of consecutive pieces of ``kind``.

    Examples
    --------
    >>> spans([0, 10, 20, 30], 40, "af", ("sinus", "af", "af", "sinus"))
    [(10, 30)]
    """
    ends, out = list(starts[1:]) + [length], []
    for k, piece in enumerate(pattern):
        if piece != kind:
            continue
        if k and pattern[k - 1] == kind:
            out[-1] = (out[-1][0], ends[k])
        else:
            out.append((starts[k], ends[k]))
    return out


def count(p_true, p_found, qrs_on, af_spans, change_at, rate=RATE, context_s=GATE_CONTEXT_S):
    """Per row of :data:`ROWS`, ``[counted, hit]``: sinus P onsets found within ``RIGHT_S``, AF beats given a P wave.

    Examples
    --------
    >>> count(np.array([100.0, 4000.0]), np.array([110.0, np.nan]), np.array([150.0, 2600.0]),
    ...       [(2000, 3000)], [2000, 3000], rate=500, context_s=7.5)["af near"]
    [1, 0]
    """
    out = {row: [0, 0] for row in ROWS}
    found = p_found[np.isfinite(p_found)]
    change_at = np.asarray(change_at, dtype=float)
    for r in p_true:
        dist = np.min(np.abs(change_at - r)) if len(change_at) else np.inf
        if dist < EXCLUDED_S * rate:
            continue
        row = out["sinus near" if dist < context_s * rate else "sinus far"]
        row[0] += 1
        row[1] += bool(len(found)) and np.min(np.abs(found - r)) <= RIGHT_S * rate
    for q, p in zip(qrs_on, p_found):
        for a, b in af_spans:
            if np.isfinite(q) and a + EXCLUDED_S * rate <= q <= b - EXCLUDED_S * rate:
                row = out["af near" if min(q - a, b - q) < context_s * rate else "af far"]
                row[0] += 1
                row[1] += bool(np.isfinite(p))
    return out


def run(ludb, n_records, leads, inputs):
    """Totals per (input, gate) over the chained leads."""
    totals = {}
    for i, record in enumerate(ec.sinus_records(ludb, n_records)):
        af = AF_RECORDS[i % len(AF_RECORDS)]
        for lead in leads:
            sinus, fib = marked_span(ludb, record, lead), marked_span(ludb, af, lead)
            x, p_true, starts = chain([sinus if kind == "sinus" else (fib[0], None) for kind in PATTERN])
            af_spans = spans(starts, len(x), "af")
            for inp in inputs:
                signal = x if inp == "raw" else nk.ecg_clean(x, sampling_rate=RATE)
                for gate in (True, False):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        table = nk_qrs_lstm.ecg_delineate_table(signal, sampling_rate=RATE, rhythm_gate=gate)
                    got = count(p_true, table["ECG_P_Onsets"].to_numpy(float), table["ECG_R_Onsets"].to_numpy(float),
                                af_spans, changes(starts))
                    into = totals.setdefault((inp, gate), {row: [0, 0] for row in ROWS})
                    for row, (n, hit) in got.items():
                        into[row][0] += n
                        into[row][1] += hit
    return totals


def report(totals):
    lines = ["| input | rhythm gate | sinus P right, near a change | sinus P right, farther | AF beats with a P wave, "
             "near a change | AF beats with a P wave, farther |", "|---|---|---:|---:|---:|---:|"]
    for (inp, gate), t in totals.items():
        cells = [f"{hit}/{n} ({100 * hit / max(n, 1):.1f} %)" for n, hit in (t[row] for row in ROWS)]
        lines.append(f"| {inp} | {'on' if gate else 'off'} | " + " | ".join(cells) + " |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/paf_check.py", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=12, help="LUDB validation sinus records")
    parser.add_argument("--leads", nargs="+", default=["ii", "v1", "v5"])
    parser.add_argument("--inputs", nargs="+", choices=INPUTS, default=list(INPUTS))
    parser.add_argument("--ludb", default=DEFAULT_LUDB)
    parser.add_argument("--out", help="also write the report to this markdown file")
    args = parser.parse_args(argv)
    command = "python benchmarks/paf_check.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    start, commit = time.perf_counter(), ec.revision(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    totals = run(args.ludb, args.records, args.leads, args.inputs)
    body = [f"LUDB validation: leads {', '.join(args.leads)} of {args.records} sinus records, each chained "
            f"{' | '.join(PATTERN)} with the same lead of AF record {', '.join(AF_RECORDS)} in turn, {RATE} Hz. "
            f"Near: within {GATE_CONTEXT_S:g} s of a change of rhythm (the gate's context); beats within "
            f"{EXCLUDED_S:g} s of one are not counted. Right: within {RIGHT_S * 1000:g} ms of the expert's P onset.",
            ""] + report(totals)
    ec.publish("Paroxysmal AF: P waves next to a change of rhythm", command, start, commit, body, args.out)


if __name__ == "__main__":
    main()
