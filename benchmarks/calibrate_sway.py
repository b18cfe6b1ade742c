"""Fit the P confidence's factor under 1-4 Hz sway (``CONFIDENCE_SWAY``) on the VALIDATION splits only.

    python benchmarks/calibrate_sway.py [--cache /tmp/nkdec9]

Needs ``python benchmarks/tune_decoding.py cache --parts validation --inputs raw clean noisy sway``. Under
continuous sway (two 0.15-mV sinusoids at 1-3 Hz, a walking subject) the P waves are found but their onsets are
less often within 50 ms of the expert's: on LUDB validation 74 % against a mean confidence of 0.93 (expected
calibration error 0.186, target 0.05). The decoder's P confidence (:func:`nk_qrs_lstm.decoding.confidence`) is the
peak-probability table's value times a factor of the beat's sway share (:func:`nk_qrs_lstm.rhythm.p_coherence`'s
share of the stretches' energy below 4 Hz, over the beats within 7.5 s). The factor is fitted on the P onsets of the
raw, cleaned, noisy and sway inputs of both splits: share bins ``EDGES``, per bin the sum of correct over the sum of
the table's confidences, held at 1 below ``HOLD`` (where 97 % of the P waves without sway lie), made non-increasing
(pool-adjacent-violators) and capped at 1. The rule (stated before the fit): the worse of the cross-split sway ECEs
(fit on one database, score the other) below 0.10 (LUDB) and 0.05 (QTDB), and no raw / cleaned / noisy cell's ECE
up by more than 0.01. Prints the cross-split table and ``CONFIDENCE_SWAY``; results in ``docs/decoding.md``.
"""

import argparse
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tune_decoding as td  # noqa: E402

from nk_qrs_lstm.defaults import CONFIDENCE_TABLES  # noqa: E402

KINDS = ("raw", "clean", "noisy", "sway")
EDGES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)  # [-] share bins: below the first, between, from the last
HOLD = 0.5  # [-] the factor is 1 below this share


def p_rows(cache):
    """One row per judged P onset: database, input, the table's confidence (without the sway factor), the sway
    share, correct (within 50 ms of an expert P onset)."""
    rows = []
    for database, kind, ecg, table, ignore in td.validation_leads(cache, KINDS):
        ok, correct = td.judged(ecg, table["ECG_P_Onsets"], table["ECG_P_Confidence"], "ECG_P_Onsets", "P", ignore)
        height = table["evidence_p_height"][ok]
        rows.append(pd.DataFrame({"database": database, "kind": kind, "correct": correct,
                                  "conf": np.interp(np.nan_to_num(height), *CONFIDENCE_TABLES["P"]),
                                  "share": table["evidence_p_sway"][ok]}))
    return pd.concat(rows, ignore_index=True)


def _bins(share):
    return np.searchsorted(EDGES, np.nan_to_num(share, nan=-1.0), side="right")


def fit(rows):
    """The factor per share bin (``len(EDGES) + 1`` values)."""
    factor, weight = td.bin_factors(_bins(rows.share.to_numpy()), rows.correct.to_numpy(), rows.conf.to_numpy(),
                                    len(EDGES) + 1)
    held = np.r_[-np.inf, EDGES][: len(factor)] < HOLD  # bins starting below HOLD
    factor[held] = 1.0
    return np.minimum(-td._pav(-factor, weight), 1.0)  # the non-increasing fit: tune_decoding's, mirrored


def scaled(rows, factor):
    return rows.conf.to_numpy() * factor[_bins(rows.share.to_numpy())]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default="/tmp/nkdec")
    args = parser.parse_args(argv)
    rows = p_rows(args.cache)
    out = []
    for fit_on, score_on in (("ludb", "qtdb"), ("qtdb", "ludb"), ("both", "ludb"), ("both", "qtdb")):
        factor = fit(rows if fit_on == "both" else rows[rows.database == fit_on])
        for kind in KINDS:
            sub = rows[(rows.database == score_on) & (rows.kind == kind)]
            _, before = td.reliability(sub.conf.to_numpy(), sub.correct.to_numpy())
            _, after = td.reliability(scaled(sub, factor), sub.correct.to_numpy())
            out.append({"fitted_on": fit_on, "scored_on": score_on, "input": kind, "n": len(sub),
                        "correct": sub.correct.mean(), "ece_before": before, "ece_after": after})
    table = pd.DataFrame(out)
    print(table.round(3).to_string(index=False))
    cross = table[table.fitted_on != "both"]
    sway = cross[cross.input == "sway"].set_index("scored_on").ece_after
    others = cross[cross.input != "sway"]
    passed = sway["ludb"] < 0.10 and sway["qtdb"] < 0.05 and (others.ece_after - others.ece_before).max() <= 0.01
    factor = fit(rows)
    thresholds = tuple(e for e in EDGES if e >= HOLD)
    factors = (1.0,) + tuple(round(float(f), 3) for f, e in zip(factor[1:], EDGES) if e >= HOLD)
    print("rule:", "passed" if passed else "failed")
    print("CONFIDENCE_SWAY =", (thresholds, factors) if passed else ((), (1.0,)))


if __name__ == "__main__":
    main()
