"""Compare the shipped model with a candidate model folder: accuracy, cleaning invariance, robustness.

Usage::

    python benchmarks/compare_models.py CANDIDATE_DIR [CANDIDATE_DIR ...] [--part validation|test] [--markdown FILE]

Each ``CANDIDATE_DIR`` is a folder written by ``python -m nk_qrs_lstm.training.export MODEL --run RUN --out DIR``; both
models run through the same pipeline and decoding (``NK_QRS_LSTM_MODEL_DIR`` switches the model). Choose
on ``--part validation`` (LUDB validation split, every lead; QTDB validation split, both leads); score
``--part test`` (LUDB test split) once, for the report. Every lead is delineated raw and after
``nk.ecg_clean(signal, sampling_rate=rate)`` (the NeuroKit workflow), with ``rpeaks=None``.

Robustness (simulated, the same for both parts): the share of P onsets lost more than 3 s away from one
20-mV, 200-ms artefact in the middle of a 60-s ECG, and the share of beats with a P and a T wave at
180 bpm (``nk.ecg_simulate``).
"""

import argparse
import warnings

import neurokit2 as nk
import numpy as np

import nk_qrs_lstm
from nk_qrs_lstm.evaluation.runner import delineator, evaluate
from nk_qrs_lstm.runtime import using_model
from nk_qrs_lstm.training.datasets import load_split

KEYS = ("ECG_P_Onsets", "ECG_P_Offsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets")
ARTEFACT_MV = 20.0  # [mV]
ARTEFACT_S = (30.0, 30.2)  # [s]
FAR_S = 3.0  # [s] P waves this far from the artefact are counted
FAST_BPM = 180


def accuracy(part):
    """{(database, input): summary DataFrame} for the model in use."""
    parts = {"ludb": part, "qtdb": "validation"}
    out = {}
    for database, p in parts.items():
        ecgs = list(load_split(database, p))
        for clean in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = evaluate("lstm", delineator("lstm", clean=clean), ecgs, database=database)
            out[(f"{database} {p}", "nk.ecg_clean" if clean else "raw")] = result.summary
    return out


def robustness():
    """Share of far P onsets lost to one artefact; share of beats with P and T at 180 bpm."""
    rate = 500
    ecg = nk.ecg_simulate(duration=60, sampling_rate=rate, heart_rate=70, random_state=0)
    hit = ecg.copy()
    hit[int(ARTEFACT_S[0] * rate) : int(ARTEFACT_S[1] * rate)] += ARTEFACT_MV
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, info = nk.ecg_peaks(ecg, sampling_rate=rate)
        r = info["ECG_R_Peaks"]
        far = np.abs(r / rate - np.mean(ARTEFACT_S)) > FAR_S
        p_clean = np.isfinite(np.asarray(nk_qrs_lstm.ecg_delineate(ecg, r, sampling_rate=rate)[1]["ECG_P_Onsets"],
                                         float))
        p_hit = np.isfinite(np.asarray(nk_qrs_lstm.ecg_delineate(hit, r, sampling_rate=rate)[1]["ECG_P_Onsets"],
                                       float))
        fast = nk.ecg_simulate(duration=20, sampling_rate=rate, heart_rate=FAST_BPM, random_state=0)
        table = nk_qrs_lstm.ecg_delineate_table(fast, sampling_rate=rate)
    lost = (p_clean & far & ~p_hit).sum() / max((p_clean & far).sum(), 1)
    return {"artefact: far P onsets lost": lost,
            f"{FAST_BPM} bpm: beats with P": table["ECG_P_Onsets"].notna().mean(),
            f"{FAST_BPM} bpm: beats with T": table["ECG_T_Offsets"].notna().mean()}


def run(model_dir, part):
    with using_model(model_dir):
        return accuracy(part), robustness()


def _table(name, acc, rob):
    lines = [f"**{name}**", "", "| split, input | " + " | ".join(
        f"{k[4:]} F1 / mean / SD (ms)" for k in KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
    for (split, inp), summary in acc.items():
        cells = [f"{summary.loc[k, 'f1']:.1f} / {summary.loc[k, 'mean_ms']:+.1f} / {summary.loc[k, 'sd_ms']:.1f}"
                 for k in KEYS]
        lines.append(f"| {split}, {inp} | " + " | ".join(cells) + " |")
    shift = []
    for split in dict.fromkeys(s for s, _ in acc):
        raw, clean = acc[(split, "raw")], acc[(split, "nk.ecg_clean")]
        shift.append(f"{split}: " + ", ".join(
            f"{k[4:]} {clean.loc[k, 'mean_ms'] - raw.loc[k, 'mean_ms']:+.1f} ms" for k in KEYS))
    lines += ["", "Mean shift of nk.ecg_clean vs raw: " + "; ".join(shift) + ".", "",
              "Robustness: " + "; ".join(f"{k} {100 * v:.0f} %" for k, v in rob.items()) + ".", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/compare_models.py", description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="+", help="model folders written by nk_qrs_lstm.training.export")
    parser.add_argument("--part", default="validation", choices=("validation", "test"),
                        help="LUDB split part (QTDB: always its validation split)")
    parser.add_argument("--markdown", help="also write the tables to this file")
    args = parser.parse_args(argv)
    text = [f"Command: `python benchmarks/compare_models.py {' '.join(args.candidates)} --part {args.part}`", ""]
    for name, folder in [("shipped model", None)] + [(f"candidate {c}", c) for c in args.candidates]:
        acc, rob = run(folder, args.part)
        text.append(_table(name, acc, rob))
        print(text[-1], flush=True)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(text))


if __name__ == "__main__":
    main()
