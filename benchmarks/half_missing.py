"""A lead missing for half of its record: do the beats of the other half stay as they were?

    python benchmarks/half_missing.py [--leads i ii v1 v5]

Every LUDB validation record (10 s, 500 Hz): each lead is delineated whole and with its second half set to NaN;
printed: how many leads' QRS onsets in the first 4.8 s differ (another count, or an onset moved by more than 3
samples). Validation split only.
"""

import argparse
import json
import os
import warnings

import numpy as np
import wfdb

import nk_qrs_lstm
from nk_qrs_lstm.training.datasets import DEFAULT_LUDB, load_splits


def onsets(signal):
    found = np.asarray(nk_qrs_lstm.ecg_delineate(signal, sampling_rate=500)[1]["ECG_R_Onsets"], dtype=float)
    return found[np.isfinite(found) & (found < 2400)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", nargs="+", default=["i", "ii", "v1", "v5"])
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    changed = total = 0
    for record in load_splits()["ludb"]["validation"]:
        rec = wfdb.rdrecord(os.path.join(DEFAULT_LUDB, "data", str(record)), channel_names=args.leads)
        for x in rec.p_signal.T:
            half = x.copy()
            half[len(x) // 2:] = np.nan
            a, b = onsets(x), onsets(half)
            total += 1
            changed += len(a) != len(b) or np.abs(a - b).max(initial=0) > 3
    print(json.dumps({"leads": total, "first_half_changed": int(changed)}))


if __name__ == "__main__":
    main()
