"""Models on child-like ECGs: the validation leads played faster, every wave and interval shortened alike.

    python benchmarks/child_check.py [MODEL_DIR ...] [--speed 1.6 2.0] [--markdown FILE]
    python benchmarks/child_check.py --time-scale 1 1.5 [--speed 1.6 2.0]   # the shipped model's time_scale option

A small child's ECG is not an adult's at a faster rate: at 120-150 bpm its QRS lasts 45-60 ms and its PR 80-110 ms.
Played ``k`` times as fast (``scipy.signal.resample_poly`` to ``1 / k`` of the samples, the rate kept; the expert
marks and reference regions divided by ``k``), an adult lead of 65 bpm with a 92-ms QRS becomes one of 104 bpm and
58 ms at ``k`` = 1.6, of 130 bpm and 46 ms at ``k`` = 2 (a new-user trial's "uniform compression"; the
heart-rate warp of the training augmentation keeps adult QRS widths). Validation splits only (LUDB: every lead;
QTDB: both leads), raw and after ``nk.ecg_clean`` (NeuroKit's workflow); each model (the shipped one, then each
``MODEL_DIR`` written by ``nk_qrs_lstm.training.export``) through the same pipeline and decoding; F1 / mean / SD at
±150 ms. ``--time-scale`` scores the shipped model with each ``time_scale`` of ``ecg_delineate`` instead (the
network sees the lead that many times slower; the "raw" rows are the adult leads as they are: the cost of misuse).
"""

import argparse
import dataclasses
import warnings
from fractions import Fraction

import neurokit2 as nk
import numpy as np
import scipy.signal

import nk_qrs_lstm
from nk_qrs_lstm.evaluation.benchmark import evaluate
from sway_check import cells, validation_leads, write_table

SHOWN = ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets")


def played_faster(ecg, speed):
    """The AnnotatedECG ``ecg`` played ``speed`` times as fast at its own rate (marks and regions moved with it)."""
    ratio = Fraction(speed).limit_denominator(20)  # up / down of resample_poly: 1 / speed
    signal = scipy.signal.resample_poly(np.asarray(ecg.signal, dtype=np.float64), ratio.denominator, ratio.numerator)
    scale = ratio.denominator / ratio.numerator
    waves = {kind: np.asarray(w, dtype=np.float64) * scale for kind, w in ecg.waves.items()}
    regions = np.asarray(ecg.regions, dtype=np.float64) * scale
    regions = np.stack([np.floor(regions[:, 0]), np.minimum(np.ceil(regions[:, 1]), len(signal))], axis=1)
    return dataclasses.replace(ecg, signal=signal, waves=waves, regions=regions.astype(np.int64),
                               extra=dict(ecg.extra))


def cleaned(ecg):
    """The lead after NeuroKit's default cleaning (``nk.ecg_clean``), marks unchanged."""
    return dataclasses.replace(ecg, signal=nk.ecg_clean(ecg.signal, sampling_rate=ecg.sampling_rate),
                               extra=dict(ecg.extra))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/child_check.py", description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="model folders written by nk_qrs_lstm.training.export")
    parser.add_argument("--speed", nargs="+", type=float, default=[1.6, 2.0],
                        help="how many times as fast the leads are played (default: %(default)s)")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--time-scale", nargs="+", type=float, default=None,
                        help="score the shipped model with these time_scale values of ecg_delineate instead of models")
    args = parser.parse_args(argv)
    inputs = {}
    for speed in args.speed:
        inputs[f"x{speed:g}"] = lambda e, s=speed: played_faster(e, s)
        inputs[f"x{speed:g}, nk.ecg_clean"] = lambda e, s=speed: cleaned(played_faster(e, s))
    leads = validation_leads(inputs)
    command = " ".join(["python benchmarks/child_check.py", *args.models, "--speed", *(f"{s:g}" for s in args.speed)]
                       + (["--time-scale", *(f"{k:g}" for k in args.time_scale)] if args.time_scale else []))
    if args.time_scale:
        write_scale_table(command, args.time_scale, leads, args.markdown)
    else:
        write_table(command, args.models, leads, args.markdown)


def time_scaled(time_scale):
    """``func(signal, sampling_rate) -> waves``: the shipped model through ``ecg_delineate(..., time_scale=)``."""
    def delineate(signal, sampling_rate):
        return nk_qrs_lstm.ecg_delineate(signal, sampling_rate=sampling_rate, time_scale=time_scale)[1]

    delineate.__name__ = f"delineate_lstm_time_scale_{time_scale:g}"
    return delineate


def write_scale_table(command, scales, leads, markdown=None):
    """F1 / mean / SD per boundary for every input x ``time_scale`` (the sway check's table layout)."""
    lines = [f"Command: `{command}`", "", "| input | time_scale | " + " | ".join(f"{k} F1 / mean / SD (ms)" for k in
                                                                            SHOWN) + " |",
             "|---|---|" + "---|" * len(SHOWN)]
    for (database, condition), ecgs in leads.items():
        for scale in scales:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                summary = evaluate("lstm", time_scaled(scale), ecgs, database=database).summary
            lines.append(f"| {database} validation, {condition} | {scale:g} | " + " | ".join(cells(summary, SHOWN))
                         + " |")
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if markdown:
        with open(markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
