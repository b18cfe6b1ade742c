"""Copy the measured metrics of the shipped model into its model card.

Reads the cached benchmark results of method "lstm" (LUDB test split, QTDB validation split; written by
``python -m nk_qrs_lstm.evaluation.benchmark --methods lstm``) and the validation-split tuning table (written by
``benchmarks/tune_postprocessing.py``), and stores them under ``"metrics"`` in ``nk_qrs_lstm/models/model_card.json``.
The weight files and their hashes are not touched.

    python benchmarks/card_metrics.py
"""

import json
import os

import pandas as pd

from nk_qrs_lstm.runtime import model_dir

RESULTS = os.path.join("benchmarks", "results")
COLUMNS = ["n_ref", "se", "ppv", "f1", "f1_strict", "mean_ms", "sd_ms", "cse_2sd_ms"]


def main():
    path = os.path.join(model_dir(), "model_card.json")
    with open(path) as f:
        card = json.load(f)
    metrics = {"tolerance": "±150 ms one-to-one matching; f1_strict at P ±50, QRS ±40, T ±100 ms",
               "command": "python -m nk_qrs_lstm.evaluation.benchmark --methods lstm --markdown docs/benchmarks.md"}
    for database, label in (("ludb", "LUDB test split (40 records x 12 leads)"),
                            ("qtdb", "QTDB validation split (14 records x 2 leads, q1c)")):
        frame = pd.read_csv(os.path.join(RESULTS, f"{database}_lstm.csv"), index_col=0)
        metrics[label] = {key: {c: (None if pd.isna(row[c]) else round(float(row[c]), 3)) for c in COLUMNS}
                          for key, row in frame.iterrows()}
    tuning = os.path.join(RESULTS, "tuning_validation.csv")
    if os.path.exists(tuning):
        metrics["post-processing chosen on"] = "validation split (benchmarks/tune_postprocessing.py)"
    card["metrics"] = metrics
    with open(path, "w") as f:
        json.dump(card, f, indent=1, sort_keys=True)
    print(json.dumps(metrics, indent=1)[:2000])


if __name__ == "__main__":
    main()
