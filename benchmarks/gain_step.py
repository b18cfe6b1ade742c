"""What a gain change inside a window costs: lead II of LUDB train / validation records, one half rescaled.

    python benchmarks/gain_step.py [--records 1 5 20 50 77 102 150 180] [--factors 2 3 5 10]

For each record, the raw lead II (median removed) is delineated as it is and with the samples after (``up``) or
before (``down``) the middle multiplied by each factor; printed: QRS complexes and P waves found as-is minus those
found after the change, summed over the records (negative: more found). Records of the test split are refused.
"""

import argparse
import os
import warnings

import numpy as np
import wfdb

import nk_qrs_lstm
from nk_qrs_lstm.training.datasets import DEFAULT_LUDB, load_splits


def counts(signal):
    waves = nk_qrs_lstm.ecg_delineate(signal, sampling_rate=500)[1]
    return [int(np.isfinite(np.asarray(waves[k], dtype=float)).sum()) for k in ("ECG_R_Onsets", "ECG_P_Onsets")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", nargs="+", default=["1", "5", "20", "50", "77", "102", "150", "180"])
    parser.add_argument("--factors", nargs="+", type=float, default=[2, 3, 5, 10])
    args = parser.parse_args(argv)
    test = {str(r) for r in load_splits()["ludb"]["test"]}
    if test & set(args.records):
        raise SystemExit(f"records {sorted(test & set(args.records))} are in the LUDB test split (not used here)")
    warnings.simplefilter("ignore")
    lost = {}
    for record in args.records:
        x = wfdb.rdrecord(os.path.join(DEFAULT_LUDB, "data", record), channel_names=["ii"]).p_signal[:, 0]
        x = x - np.median(x)
        base, half = counts(x), len(x) // 2
        for factor in args.factors:
            for side in ("up", "down"):
                y = x.copy()
                y[half:] *= factor if side == "up" else 1
                y[:half] *= factor if side == "down" else 1
                qrs, p = counts(y)
                total = lost.setdefault((factor, side), [0, 0, 0])
                total[0] += base[0] - qrs
                total[1] += base[1] - p
                total[2] += base[1]
    for (factor, side), (qrs, p, n_p) in lost.items():
        print(f"x{factor:g} {side}: QRS lost {qrs}, P lost {p} of {n_p}")


if __name__ == "__main__":
    main()
