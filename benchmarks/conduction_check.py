"""P waves where conduction changed: taken out of a lead, or far from their QRS (first-degree AV block).

Usage::

    python benchmarks/conduction_check.py [MODEL_DIR ...] [--records 14] [--leads ii v1]
        [--constructions control noP pr320 pr400 pr480] [--inputs raw clean] [--ludb DIR] [--out FILE.md]

``MODEL_DIR``: folders written by ``python -m nk_qrs_lstm.training.export`` (``NK_QRS_LSTM_MODEL_DIR`` switches
the model); the shipped model is always scored first.

Data: LUDB (``--ludb``, the validation split only), leads ``--leads`` of the first ``--records`` sinus records that
``benchmarks/ectopy_check.py``'s ``sinus_records`` picks, at the network's rate (250 Hz) with their per-sample
expert labels (``nk_qrs_lstm.training.train.to_model_rate``). The constructions are the training augmentation's
own edits (``nk_qrs_lstm.training.conduction``), made the same way for every model:

- ``control``: the lead as it is;
- ``noP``: every P wave taken out (``remove_p_waves``: its smooth shape subtracted, the noise over it kept), as in
  a junctional rhythm or a lead without visible atrial activity;
- ``prNNN``: every PR interval stretched to NNN ms (``lengthen_pr``; the PR segment resampled, later beats moved).
  The decoder looks for a P wave at most ``PR_MAX_S`` (400 ms) before its QRS onset, so at 480 ms no model can be
  right (every P found there is another one) and at 400 ms the P onset sits at that limit: these rows measure the
  pipeline, not the network alone.

``nk_qrs_lstm.ecg_delineate_table`` runs on each lead as given (``raw``) and after ``nk.ecg_clean`` (``clean``).
Each expert QRS onset of the construction (from its labels) at least ``EDGE_S`` inside the labelled span is paired
with a found QRS onset (within ``QRS_TOL_S``); such a beat is scored: "P found" = a P onset reported, "P right" = a
P onset within ``P_TOL_S`` of the construction's own P onset (none in ``noP``: every P found there is invented).
The markdown report is printed (and written to ``--out``); its header names the command, date, git commit and
package version.
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
from nk_qrs_lstm.defaults import CLASSES, MODEL_RATE, PR_MAX_S, UNLABELLED  # noqa: E402
from nk_qrs_lstm.evaluation.matching import pair_fiducials  # noqa: E402
from nk_qrs_lstm.runtime import using_model  # noqa: E402
from nk_qrs_lstm.spectra import runs  # noqa: E402
from nk_qrs_lstm.training.conduction import lengthen_pr, remove_p_waves  # noqa: E402
from nk_qrs_lstm.training.datasets import DEFAULT_LUDB, read_ludb  # noqa: E402
from nk_qrs_lstm.training.train import to_model_rate  # noqa: E402

P, QRS = CLASSES.index("P"), CLASSES.index("QRS")
EDGE_S = 0.5  # [s] beats this close to either end of the labelled span are not scored
QRS_TOL_S = 0.075  # [s] a found QRS onset this close to the construction's is its beat
P_TOL_S = 0.050  # [s] a found P onset this close to the construction's own is right
CONSTRUCTIONS = ("control", "noP", "pr320", "pr400", "pr480")
INPUTS = ("raw", "clean")


def construct(x, y, name):
    """The lead ``x`` (model rate) and labels ``y`` changed as ``name`` says (module docstring)."""
    if name == "control":
        return x, y
    if name == "noP":
        return remove_p_waves(x, y)
    if name.startswith("pr"):
        pr = int(name[2:]) / 1000.0
        return lengthen_pr(x, y, np.random.default_rng(0), pr_s=(pr, pr))
    raise ValueError(f"unknown construction {name!r}")


def truth_beats(y, rate=MODEL_RATE):
    """Scored beats of a construction's labels: (QRS onset, own P onset or NaN), both in samples.

    A beat is scored when its QRS onset lies at least ``EDGE_S`` inside the labelled span; its P onset is the last
    one after the previous QRS onset (NaN: the beat has none).
    """
    labelled = np.flatnonzero(np.asarray(y) != UNLABELLED)
    if not len(labelled):
        return np.empty((0, 2))
    lo, hi = labelled[0] + EDGE_S * rate, labelled[-1] - EDGE_S * rate
    q_on, p_on = (runs(np.asarray(y) == cls)[:, 0] for cls in (QRS, P))
    beats = []
    for k, q in enumerate(q_on):
        if not lo <= q <= hi:
            continue
        previous = q_on[k - 1] if k else -np.inf
        own = p_on[(p_on > previous) & (p_on < q)]
        beats.append((q, own[-1] if len(own) else np.nan))
    return np.array(beats, dtype=float).reshape(-1, 2)


def score_lead(x, y, inp, rate=MODEL_RATE):
    """(scored beats, QRS found, P found, P right, beats with an own P) of one construction and input."""
    signal = nk.ecg_clean(x, sampling_rate=rate) if inp == "clean" else x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = nk_qrs_lstm.ecg_delineate_table(signal, sampling_rate=rate)
    truth = truth_beats(y, rate)
    found_q = table["ECG_R_Onsets"].to_numpy(float)
    found_p = table["ECG_P_Onsets"].to_numpy(float)
    ti, fi = pair_fiducials(truth[:, 0], found_q, QRS_TOL_S * rate)
    p_found = np.isfinite(found_p[fi])
    own = truth[ti, 1]
    right = p_found & np.isfinite(own) & (np.abs(found_p[fi] - own) <= P_TOL_S * rate)
    return len(truth), len(ti), int(p_found.sum()), int(right.sum()), int(np.isfinite(truth[:, 1]).sum())


def leads(ludb, records, names):
    """(record, lead, x, y) at the model rate for the chosen validation leads."""
    for record in ec.sinus_records(ludb, records):
        for ecg in read_ludb(record, path=ludb, leads=names):
            x, y = to_model_rate(ecg)
            yield record, ecg.lead, x, y


def run(model, data, constructions, inputs):
    """Totals per (construction, input) for one model folder (None: the shipped one)."""
    totals = {}
    with using_model(model):
        for _, _, x, y in data:
            for name in constructions:
                xc, yc = construct(x, y, name)
                for inp in inputs:
                    row = totals.setdefault((name, inp), np.zeros(5, dtype=int))
                    row += score_lead(xc, yc, inp)
    return totals


def report(results, constructions, inputs):
    """Markdown table lines: per construction and input, each model's QRS found, P found, P right (%)."""
    models = list(results)
    lines = ["| construction, input | beats | " + " | ".join(
        f"{m}: QRS found / P found / P right %" for m in models) + " |", "|---" * (len(models) + 2) + "|"]
    for name in constructions:
        for inp in inputs:
            first = results[models[0]][(name, inp)]
            cells = []
            for m in models:
                n, q, pf, pr, _ = results[m][(name, inp)]
                cells.append(f"{100 * q / max(n, 1):.1f} / {100 * pf / max(n, 1):.1f} / "
                             + ("-" if name == "noP" else f"{100 * pr / max(n, 1):.1f}"))
            lines.append(f"| {name}, {inp} | {first[0]} | " + " | ".join(cells) + " |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/conduction_check.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="model folders written by nk_qrs_lstm.training.export")
    parser.add_argument("--records", type=int, default=14, help="LUDB validation sinus records")
    parser.add_argument("--leads", nargs="+", default=["ii", "v1"])
    parser.add_argument("--constructions", nargs="+", choices=CONSTRUCTIONS, default=list(CONSTRUCTIONS))
    parser.add_argument("--inputs", nargs="+", choices=INPUTS, default=list(INPUTS))
    parser.add_argument("--ludb", default=DEFAULT_LUDB)
    parser.add_argument("--out", default=None, help="also write the report here")
    args = parser.parse_args(argv)
    start, commit = time.perf_counter(), ec.revision(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if len(set(args.models)) < len(args.models):
        parser.error(f"models {args.models}: each folder once (the shipped model is always scored first)")
    data = list(leads(args.ludb, args.records, args.leads))
    results = {m or "shipped": run(m, data, args.constructions, args.inputs) for m in [None, *args.models]}
    body = [f"LUDB validation, {len(data)} leads ({', '.join(args.leads)}) of {args.records} sinus records, 250 Hz. "
            f"Beats: expert QRS onsets of the construction at least {EDGE_S} s inside the labelled span. QRS found: "
            f"a found QRS onset within {QRS_TOL_S * 1000:.0f} ms; P found: that beat reported a P onset; P right: "
            f"within {P_TOL_S * 1000:.0f} ms of the construction's own (in noP every P found is invented). The "
            f"decoder looks at most {PR_MAX_S * 1000:.0f} ms before a QRS onset for its P wave (PR_MAX_S): no P can be "
            "right at PR 480 ms, and at 400 ms its onset sits at that limit.", "",
            *report(results, args.constructions, args.inputs)]
    command = "python benchmarks/conduction_check.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    return ec.publish("P waves where conduction changed (benchmarks/conduction_check.py)", command, start, commit,
                      body, args.out)


if __name__ == "__main__":
    main()
