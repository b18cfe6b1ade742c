"""How short a lead may be: each VALIDATION lead cut into segments, each delineated alone, scored on the whole lead.

    python benchmarks/segment_length.py [--lengths 2.5 5 10] [--inputs raw clean] [--out DIR]

A printed 12-lead ECG shows each lead for 2.5 s (3 x 4 layout) beside a 10-s rhythm strip; digitised, each
2.5-s piece is a lead of its own. The rhythm gate (:func:`nk_qrs_lstm.rhythm.rhythm_gate`) judges P presence
from the beats within 7.5 s of each beat, so a short lead gives it little to judge. Every LUDB validation lead
(raw, or after ``nk.ecg_clean``) is cut into back-to-back segments of each length, every segment delineated
alone with :func:`nk_qrs_lstm.ecg_delineate_table`, the points put back at their place in the lead and scored
against the expert's marks of the whole lead (±150 ms, inside the annotated regions; a wave the cut splits is
lost to both segments: that is part of what a short lead costs). Rows: records whose rhythm (header) is atrial
fibrillation or flutter, where every P onset found is false, and the other records.
"""

import argparse
import os
import re
import warnings

import neurokit2 as nk
import numpy as np
import pandas as pd

import nk_qrs_lstm
from nk_qrs_lstm.evaluation.metrics import score_record, summarise
from nk_qrs_lstm.evaluation.runner import load_leads, unmarked_ranges
from nk_qrs_lstm.training.datasets import DEFAULT_LUDB, load_splits

KEYS = ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_T_Offsets")


def rhythm(record, path=DEFAULT_LUDB):
    """The rhythm named in a LUDB header ("Sinus rhythm.", "Atrial fibrillation." ...)."""
    with open(os.path.join(path, "data", f"{record}.hea")) as f:
        found = re.search(r"Rhythm: ([^\n]*)", f.read())
    return found.group(1).strip() if found else ""


def delineate_in_segments(signal, rate, length_s):
    """Each back-to-back segment of ``length_s`` delineated alone (a last piece shorter than 1 s is left out): the
    points of :data:`KEYS` at their place in the lead."""
    step = int(round(length_s * rate))
    points = {key: [] for key in KEYS}
    for start in range(0, len(signal), step):
        piece = signal[start:start + step]
        if len(piece) < rate:
            continue
        table = nk_qrs_lstm.ecg_delineate_table(piece, sampling_rate=rate)
        for key in KEYS:
            points[key].append(table[key].to_numpy(dtype=float) + start)
    return {key: np.concatenate(v) if v else np.zeros(0) for key, v in points.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=float, nargs="+", default=[2.5, 5.0, 10.0])
    parser.add_argument("--inputs", nargs="+", choices=("raw", "clean"), default=["raw", "clean"])
    parser.add_argument("--out", default=None, help="also write the table as CSV here")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    records = list(load_splits()["ludb"]["validation"])
    leads = load_leads("ludb", records)
    fibrillation = {r for r in records if re.search("fibrillation|flutter", rhythm(r), re.I)}
    rows = []
    for kind in args.inputs:
        for length in args.lengths:
            matches = {True: [], False: []}
            for ecg in leads:
                x = ecg.signal if kind == "raw" else nk.ecg_clean(ecg.signal, sampling_rate=ecg.sampling_rate)
                points = delineate_in_segments(x, ecg.sampling_rate, length)
                matches[ecg.record in fibrillation].append(score_record(
                    ecg.fiducials(), points, ecg.regions, ecg.sampling_rate, keys=KEYS, ignore=unmarked_ranges(ecg)))
            for af in (True, False):
                table = summarise(matches[af], keys=KEYS)
                row = {"input": kind, "length_s": length, "records": "AF / flutter" if af else "others",
                       "leads": len(matches[af])}
                for key in KEYS:
                    name = key[4:].lower()
                    row[f"{name}_fp"] = int(table.loc[key, "fp"])
                    row[f"{name}_f1"] = round(float(table.loc[key, "f1"]), 2)
                    row[f"{name}_sd_ms"] = round(float(table.loc[key, "sd_ms"]), 1)
                rows.append(row)
            print(pd.DataFrame(rows[-2:]).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        table.to_csv(os.path.join(args.out, "segment_length.csv"), index=False)


if __name__ == "__main__":
    main()
