"""Models under 1-3 Hz baseline sway (motion: walking, a moving strap), against the same leads without it.

    python benchmarks/sway_check.py [MODEL_DIR ...] [--mv 0.2 0.4] [--continuous 0.15] [--markdown FILE]

Validation splits only (LUDB: every lead; QTDB: both leads). In every 10 s of a lead, one 4-s stretch gets a 1-3 Hz
oscillation of 0.2-0.4 mV (uniform; faded in and out, Tukey window; seeded by the lead), as a new-user trial on
wearable-like leads did (it doubled the P-onset SD with no warning). Inside the P and T band, no high-pass removes
it; ``--continuous MV`` adds the leads swaying throughout (two 1-3 Hz sinusoids of ``MV`` each: a walking subject).
Each model (the shipped one, then each ``MODEL_DIR`` written by ``nk_qrs_lstm.training.export``) delineates the
raw leads and the swaying ones through the same pipeline and decoding; F1 / mean / SD at ±150 ms.
"""

import argparse
import dataclasses
import warnings
import zlib

import numpy as np
import scipy.signal

from nk_qrs_lstm.evaluation.runner import delineator, evaluate
from nk_qrs_lstm.runtime import using_model
from nk_qrs_lstm.training.datasets import load_split

KEYS = ("ECG_P_Onsets", "ECG_P_Offsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets")
BLOCK_S, STRETCH_S, FREQ_HZ = 10.0, 4.0, (1.0, 3.0)  # [s], [s], [Hz]


def with_sway(ecg, mv):
    """The lead with one faded 4-s stretch of 1-3 Hz sway of ``mv`` (range, mV) in every 10 s (seeded by the lead)."""
    rng = np.random.default_rng(zlib.crc32(f"{ecg.record}/{ecg.lead}".encode()))
    x, rate = np.array(ecg.signal, dtype=float), ecg.sampling_rate
    n, block = int(STRETCH_S * rate), int(BLOCK_S * rate)
    for start in range(0, len(x) - n + 1, block):
        at = start + int(rng.integers(0, min(block, len(x) - start) - n + 1))
        t = np.arange(n) / rate
        wave = np.sin(2 * np.pi * rng.uniform(*FREQ_HZ) * t + rng.uniform(0, 2 * np.pi))
        x[at : at + n] += rng.uniform(*mv) * wave * scipy.signal.windows.tukey(n, 0.5)
    return dataclasses.replace(ecg, signal=x)


def continuous_sway(ecg, mv=0.15):
    """The lead with sway throughout (a walking subject): two sinusoids of ``mv`` each at 1-3 Hz (random frequencies
    and phases, seeded by the lead)."""
    rng = np.random.default_rng(zlib.crc32(f"sway/{ecg.database}/{ecg.record}/{ecg.lead}".encode()))
    t = np.arange(len(ecg.signal)) / float(ecg.sampling_rate)
    sway = sum(mv * np.sin(2 * np.pi * rng.uniform(*FREQ_HZ) * t + rng.uniform(0, 2 * np.pi)) for _ in range(2))
    return dataclasses.replace(ecg, signal=np.asarray(ecg.signal, dtype=float) + sway)


def scores(model_dir, leads):
    out = {}
    with using_model(model_dir):
        for (database, condition), ecgs in leads.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[(database, condition)] = evaluate("lstm", delineator("lstm"), ecgs, database=database).summary
    return out


def validation_leads(inputs):
    """``{(database, input): leads}``: both validation splits raw and as each of ``inputs`` (name -> function of a
    lead) makes them."""
    leads = {}
    for database in ("ludb", "qtdb"):
        ecgs = list(load_split(database, "validation"))
        leads[(database, "raw")] = ecgs
        for name, make in inputs.items():
            leads[(database, name)] = [make(e) for e in ecgs]
    return leads


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/sway_check.py", description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="model folders written by nk_qrs_lstm.training.export")
    parser.add_argument("--mv", nargs=2, type=float, default=(0.2, 0.4), help="range of the sway's amplitude [mV]")
    parser.add_argument("--continuous", type=float, metavar="MV",
                        help="also sway throughout each lead: two 1-3 Hz sinusoids of MV each (a walking subject)")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    inputs = {f"sway {args.mv[0]:g}-{args.mv[1]:g} mV": lambda e: with_sway(e, args.mv)}
    if args.continuous:
        inputs[f"sway throughout, 2 x {args.continuous:g} mV"] = lambda e: continuous_sway(e, args.continuous)
    leads = validation_leads(inputs)
    command = " ".join(["python benchmarks/sway_check.py", *args.models, "--mv", *(f"{v:g}" for v in args.mv)]
                       + ([f"--continuous {args.continuous:g}"] if args.continuous else []))
    write_table(command, args.models, leads, args.markdown)


def cells(summary, keys=KEYS):
    """``"F1 / mean / SD"`` of each of ``keys`` in a benchmark summary, as the tables print them."""
    return [f"{summary.loc[k, 'f1']:.1f} / {summary.loc[k, 'mean_ms']:+.1f} / {summary.loc[k, 'sd_ms']:.1f}"
            for k in keys]


def write_table(command, models, leads, markdown=None):
    """Print (and write to ``markdown``) one row per model, split and input: F1 / mean / SD of :data:`KEYS`."""
    lines = [f"Command: `{command}` (validation splits)", "",
             "| model | split, input | " + " | ".join(f"{k[4:]} F1 / mean / SD (ms)" for k in KEYS) + " |",
             "|---" * (len(KEYS) + 2) + "|"]
    for model in [None] + list(models):
        for (database, condition), summary in scores(model, leads).items():
            lines.append(f"| {model or 'shipped'} | {database} validation, {condition} | "
                         + " | ".join(cells(summary)) + " |")
            print(lines[-1], flush=True)
    if markdown:
        with open(markdown, "w") as f:
            f.write("\n".join(lines) + "\n")

if __name__ == "__main__":
    main()
