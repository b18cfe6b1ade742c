"""Is one model's boundary SD different from another's beyond record-to-record chance? A paired bootstrap.

    python benchmarks/paired_bootstrap.py CACHE_A CACHE_B [--database qtdb] [--input raw] [--part validation]

``CACHE_A`` and ``CACHE_B`` are folders of cached probabilities of two models on the same leads
(``benchmarks/tune_decoding.py cache`` with ``NK_QRS_LSTM_MODEL_DIR`` set for each). Each record is scored alone with
the shipped decoding; the records are resampled with replacement (2,000 times, seeded), and for each resample the
pooled SD of B minus that of A is computed from the records' counts, means and SDs. Prints, per boundary, both
pooled SDs, the 95 % interval of the difference, and the records whose SD changed most.
"""

import argparse
import os
import sys
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
import tune_decoding  # noqa: E402 (the cache reader and scorer of the tuning script)

KEYS = ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets")
RESAMPLES = 2000


def per_record(cache, database, part, kind):
    """Per record and boundary: matched pairs, mean and SD of the error (ms)."""
    ecgs = tune_decoding.read_cache(cache, database, part, kind)
    rows = []
    for record in sorted({e.record for e in ecgs}):
        summary = tune_decoding.score([e for e in ecgs if e.record == record], database).summary
        for key in KEYS:
            r = summary.loc[key]
            rows.append((record, key, r.tp, r.mean_ms, r.sd_ms))
    return pd.DataFrame(rows, columns=["record", "key", "n", "mean", "sd"]).fillna(0.0)


def pooled_sd(frame):
    """SD of all pairs of the records in ``frame`` (within- plus between-record variance)."""
    n, mean, sd = frame.n.to_numpy(float), frame["mean"].to_numpy(float), frame.sd.to_numpy(float)
    grand = (n * mean).sum() / n.sum()
    return float(np.sqrt((((n - 1) * sd**2).sum() + (n * (mean - grand) ** 2).sum()) / (n.sum() - 1)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache_a")
    parser.add_argument("cache_b")
    parser.add_argument("--database", default="qtdb", choices=["ludb", "qtdb"])
    parser.add_argument("--part", default="validation")
    parser.add_argument("--input", default="raw", choices=tune_decoding.INPUTS)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    a, b = (per_record(c, args.database, args.part, args.input).set_index("record") for c in (args.cache_a,
                                                                                                args.cache_b))
    rng = np.random.default_rng(0)
    records = np.array(sorted(set(a.index)))
    for key in KEYS:
        ka, kb = a[a.key == key], b[b.key == key]
        diffs = [pooled_sd(kb.loc[pick]) - pooled_sd(ka.loc[pick])
                 for pick in (rng.choice(records, len(records)) for _ in range(RESAMPLES))]
        lo, hi = np.percentile(diffs, [2.5, 97.5])
        change = (kb.sd - ka.sd).sort_values()
        print(f"{key}: A {pooled_sd(ka):.2f} ms, B {pooled_sd(kb):.2f} ms, B - A 95 % interval [{lo:+.2f}, {hi:+.2f}]; "
              f"largest per-record SD changes {change.iloc[-2:].round(1).to_dict()} {change.iloc[:2].round(1).to_dict()}")


if __name__ == "__main__":
    main()
