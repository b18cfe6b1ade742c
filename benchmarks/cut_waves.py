"""How far the other boundary of a wave cut by the signal's edge can be trusted, on the VALIDATION splits.

    python benchmarks/cut_waves.py [--database ludb|qtdb] [--leads ii v5] [--seed 11]

Leads II and V5 of every LUDB validation record are delineated whole and cut (24 start cuts and 24 end cuts each,
seeded, 80 ms to 4.8 s; multiples of 8 samples at 500 Hz, so the network's grid keeps its phase); with ``--database
qtdb``, both leads of every QTDB validation record, 20 s from minute 10 as the whole lead (multiples of 4 samples at
250 Hz). A wave of the cut signal whose boundary on the edge's side is NaN (cut: an onset at a start cut, an offset
at an end cut) and whose other boundary is known is a cut wave; that boundary's distance to the edge is how much of
the wave is in view. Its error is its distance to the nearest boundary of the same kind in the whole lead. Prints,
per length in view, how many such boundaries there are, the share off by more than 10 ms and their mean error
(signed: away from the edge is positive); and for comparison the boundaries of whole waves at the same distance from
the edge.
"""

import argparse
import warnings

import numpy as np
import pandas as pd

import nk_qrs_lstm
from nk_qrs_lstm.training import datasets

CUTS = 24  # per side and lead
WRONG_MS = 10.0  # [ms] a boundary farther than this from the whole lead's is wrong
WAVES = {"P": ("ECG_P_Onsets", "ECG_P_Offsets"), "QRS": ("ECG_R_Onsets", "ECG_R_Offsets"),
         "T": ("ECG_T_Onsets", "ECG_T_Offsets")}
BINS_MS = [20, 40, 60, 80, 100, 120, 140, 160, 300]


def _leads(database, leads):
    """(record, lead, signal, rate) of the validation leads: LUDB's named ``leads``, or 20 s of each QTDB lead."""
    for record in datasets.load_splits()[database]["validation"]:
        if database == "ludb":
            for ecg in datasets.read_ludb(record, leads=leads):
                yield record, ecg.lead, ecg.signal, ecg.sampling_rate
        else:
            for ecg in datasets.read_qtdb(record):
                start = int(600 * ecg.sampling_rate)
                yield record, ecg.lead, ecg.signal[start:start + int(20 * ecg.sampling_rate)], ecg.sampling_rate


def boundaries_in_cut_signals(database="ludb", leads=("ii", "v5"), seed=11):
    """One row per known boundary within 300 ms of a cut: wave, whether its wave is cut, distance to the edge (ms),
    signed error away from the edge and absolute error against the whole lead (ms)."""
    rng = np.random.default_rng(seed)
    rows = []
    for record, lead, x, rate in _leads(database, list(leads)):
        n = len(x)
        grid = int(round(4 * rate / 250))  # the network's stride at its 250 Hz, in samples of the lead
        whole = nk_qrs_lstm.ecg_delineate_table(x, sampling_rate=rate)
        for side in ("start", "end"):
            for _ in range(CUTS):
                cut = grid * int(rng.integers(5, 300))
                y, shift = (x[cut:], cut) if side == "start" else (x[: n - cut], 0)
                table = nk_qrs_lstm.ecg_delineate_table(y, sampling_rate=rate)
                for wave, (on_key, off_key) in WAVES.items():
                    on, off = (table[k].to_numpy(dtype=float) for k in (on_key, off_key))
                    # the boundary away from the edge, and whether the one on the edge's side is missing
                    kept, lost, key = (off, on, off_key) if side == "start" else (on, off, on_key)
                    for value, cut_wave in zip(kept, np.isnan(lost)):
                        if np.isnan(value):
                            continue
                        distance = 1000 * (value if side == "start" else len(y) - 1 - value) / rate
                        reference = whole[key].dropna().to_numpy(dtype=float)
                        if distance > 300 or not len(reference):
                            continue
                        nearest = reference[np.argmin(np.abs(reference - (value + shift)))]
                        signed = 1000 * (value + shift - nearest) / rate * (1 if side == "start" else -1)
                        rows.append((record, lead, side, wave, bool(cut_wave), distance, signed, abs(signed)))
    return pd.DataFrame(rows, columns=["record", "lead", "side", "wave", "cut", "distance_ms", "away_ms",
                                       "error_ms"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("ludb", "qtdb"), default="ludb")
    parser.add_argument("--leads", nargs="+", default=["ii", "v5"], help="LUDB leads")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    frame = boundaries_in_cut_signals(args.database, args.leads, args.seed)
    frame["bin"] = pd.cut(frame.distance_ms, BINS_MS, right=False)
    summary = frame.groupby(["cut", "bin"], observed=True).agg(
        boundaries=("error_ms", "count"), wrong_pct=("error_ms", lambda e: round(100 * np.mean(e > WRONG_MS), 1)),
        mean_away_ms=("away_ms", lambda e: round(float(np.mean(e)), 1)))
    print(f"boundaries of cut waves (cut=True) and of whole waves, by distance to the edge (ms); wrong: > "
          f"{WRONG_MS:g} ms from the whole lead's")
    print(summary.to_string())
    print(frame[frame.cut].groupby(["wave", "bin"], observed=True).agg(
        boundaries=("error_ms", "count"),
        wrong_pct=("error_ms", lambda e: round(100 * np.mean(e > WRONG_MS), 1))).to_string())


if __name__ == "__main__":
    main()
