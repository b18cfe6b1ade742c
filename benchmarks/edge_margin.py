"""How close to a cut a boundary can be trusted: ``EDGE_MARGIN_S`` on the LUDB VALIDATION split.

    python benchmarks/edge_margin.py

Leads II and V5 of every LUDB validation record are delineated whole and cut (12 start cuts and 12 end cuts each,
80 ms to 4.8 s, seeded; cuts are multiples of 8 samples at 500 Hz, so the network's stride-4 grid at 250 Hz keeps
its phase and only the cut itself differs). Every boundary the cut signal reports within 150 ms of the cut edge is
compared with the nearest boundary of the same kind in the whole lead. The margin is lowered to one model sample
for the run, so boundaries closer than today's margin are seen too. Prints, per distance to the edge, how many
boundaries there are and the share off by more than 10 ms, and what each margin keeps and drops.
"""

import warnings

import numpy as np
import pandas as pd

import nk_qrs_lstm
from nk_qrs_lstm import boundaries
from nk_qrs_lstm.defaults import MODEL_RATE
from nk_qrs_lstm.training import datasets

KEYS = ["ECG_P_Onsets", "ECG_P_Offsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Onsets", "ECG_T_Offsets"]
CUTS = 12  # per side and lead
WRONG_MS = 10.0  # [ms] a boundary farther than this from the whole lead's is wrong
MARGINS_MS = (12, 16, 20, 24, 30, 40)


def boundaries_near_cuts(rate=500):
    """One row per boundary reported within 150 ms of a cut: distance to the edge and error (ms)."""
    rng = np.random.default_rng(7)
    rows = []
    for record in datasets.load_splits()["ludb"]["validation"]:
        for ecg in datasets.read_ludb(record, leads=["ii", "v5"]):
            x, n = ecg.signal, len(ecg.signal)
            whole = nk_qrs_lstm.ecg_delineate_table(x, sampling_rate=rate)
            reference = {k: whole[k].dropna().to_numpy(float) for k in KEYS}
            for side in ("start", "end"):
                for _ in range(CUTS):
                    cut = 8 * int(rng.integers(5, 300))
                    y, shift = (x[cut:], cut) if side == "start" else (x[: n - cut], 0)
                    table = nk_qrs_lstm.ecg_delineate_table(y, sampling_rate=rate)
                    for key in KEYS:
                        for value in table[key].dropna().to_numpy(float):
                            distance = 1000 * min(value, len(y) - 1 - value) / rate
                            if distance <= 150 and len(reference[key]):
                                error = 1000 * np.min(np.abs(reference[key] - (value + shift))) / rate
                                rows.append((record, ecg.lead, side, key, distance, error))
    return pd.DataFrame(rows, columns=["record", "lead", "side", "key", "distance_ms", "error_ms"])


def main():
    warnings.simplefilter("ignore")
    boundaries.EDGE_MARGIN_S = 1.0 / MODEL_RATE  # see everything the network places
    frame = boundaries_near_cuts()
    bins = pd.cut(frame.distance_ms, [0, 12, 16, 20, 24, 30, 40, 50, 75, 100, 150])
    table = frame.groupby(bins, observed=True).error_ms.agg(
        boundaries="count", wrong=lambda e: round(100 * np.mean(e > WRONG_MS), 1))
    print(f"share of boundaries off by > {WRONG_MS:g} ms (%), by distance to the cut (ms)")
    print(table.to_string())
    for margin in MARGINS_MS:
        kept, dropped = frame[frame.distance_ms > margin], frame[frame.distance_ms <= margin]
        print(f"margin {margin} ms: kept {len(kept)} ({int((kept.error_ms > WRONG_MS).sum())} wrong), dropped "
              f"{len(dropped)} ({int((dropped.error_ms > WRONG_MS).sum())} wrong)")


if __name__ == "__main__":
    main()
