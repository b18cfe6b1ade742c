"""Fused QTDB validation errors record by record: which records carry the pooled SD.

    python benchmarks/fusion_records.py [--leave-out sele0704]

For every QTDB validation record, the fused (percentile) delineation of ``delineate_record`` is matched to each
lead's q1c reference (the benchmark's ±150 ms one-to-one matching inside the annotated regions), and the signed
errors (ms) of QRS onset, QRS offset and T offset are printed per record (mean ± SD, n), then pooled over all
records and without the records given to ``--leave-out``.
"""

import argparse
import os

import numpy as np

from nk_qrs_lstm.evaluation.matching import match_fiducials, restrict_to_regions
from nk_qrs_lstm.fusion import active_samples, fuse_leads
from nk_qrs_lstm.record import delineate_record
from nk_qrs_lstm.training import datasets
from nk_qrs_lstm.wfdb_io import read_record

KEYS = ("ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets")
TOLERANCE_S = 0.150


def record_errors(record, path=datasets.DEFAULT_QTDB):
    """Signed errors (ms) of the fused delineation of one record against each lead's reference, per key."""
    wfdb_path = os.path.join(path, record)
    result = delineate_record(wfdb_path)
    signal, rate, names = read_record(wfdb_path)
    fused = fuse_leads(result.tables, rate, active=dict(zip(names, active_samples(signal, rate).T)))
    errors = {key: [] for key in KEYS}
    for ecg in datasets.read_qtdb(record, path=path):
        for key in KEYS:
            reference = restrict_to_regions(ecg.fiducials()[key], ecg.regions)
            predicted = restrict_to_regions(fused[key].to_numpy(dtype=float), ecg.regions)
            errors[key].append(match_fiducials(reference, predicted, TOLERANCE_S * rate).errors * 1000 / rate)
    return {key: np.concatenate(values) for key, values in errors.items()}


def _summary(errors):
    return f"{errors.mean():+.1f} ± {errors.std(ddof=1):.1f} (n {errors.size})" if errors.size > 1 else "-"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leave-out", nargs="*", default=["sele0704"], help="records left out of the second pool")
    args = parser.parse_args(argv)
    per_record = {record: record_errors(record) for record in datasets.load_splits()["qtdb"]["validation"]}
    print("| record | " + " | ".join(KEYS) + " |", "|---|" + "---|" * len(KEYS), sep="\n")
    for record, errors in per_record.items():
        print(f"| {record} | " + " | ".join(_summary(errors[k]) for k in KEYS) + " |")
    kept = [r for r in per_record if r not in args.leave_out]
    for label, records in (("all records", list(per_record)), (f"without {', '.join(args.leave_out)}", kept)):
        pooled = {k: np.concatenate([per_record[r][k] for r in records]) for k in KEYS}
        print(f"| {label} | " + " | ".join(_summary(pooled[k]) for k in KEYS) + " |")


if __name__ == "__main__":
    main()
