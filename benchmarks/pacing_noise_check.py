"""The pacing warning under broadband noise: choose ``PACING_NOISE_FLOOR`` on signals and expert QRS marks only.

    python benchmarks/pacing_noise_check.py [--floors 4 5 6 8]

A new-user trial (session 18) found the pacing warning (:func:`nk_qrs_lstm.quality.warn_pacing`) firing on most
faint leads with white noise (LUDB validation leads ii / v1 / v5 at a tenth of their size with 10 uV RMS of white
noise): such noise makes abrupt 2-ms steps before every QRS. A stimulus must therefore also exceed a multiple
(the floor) of the lead's :func:`nk_qrs_lstm.pacing.step_noise`. For every lead of the LUDB train and validation
splits, raw, and for the validation leads with white noise of ``NOISE_MV`` RMS added (seeded), this script counts
the leads warned (:func:`nk_qrs_lstm.pacing.spiked_beats` at the shipped factor, window and fraction) at each
floor, with the experts' QRS onsets and offsets (no network: the floor alone is judged), paced records (LUDB
headers naming pacing or P-synchrony) apart. The rule (written in the maintainers' notes before the first run):
the smallest floor that leaves the warned paced leads on raw input as without a floor and warns at most
``MAX_FALSE`` of the non-paced noisy validation leads at every level. The test split is not read.
"""

import argparse
import datetime
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tune_pacing_warning import paced  # noqa: E402

from nk_qrs_lstm.defaults import PACING_MIN_BEATS, PACING_WARN_FRACTION  # noqa: E402
from nk_qrs_lstm.pacing import spiked_beats, stimulus_jumps  # noqa: E402
from nk_qrs_lstm.training import datasets  # noqa: E402

NOISE_MV = (0.02, 0.05, 0.1)  # [mV] RMS of the white noise added (LUDB at 500 Hz: flat to 250 Hz)
FLOORS = (4.0, 5.0, 6.0, 8.0)
MAX_FALSE = 0.01  # [-] warned share of the non-paced noisy validation leads at any level


def conditions(ecg, part, seed):
    """(name, signal): the raw lead, and on the validation split with each white noise added."""
    yield "raw", ecg.signal
    if part == "validation":
        noise = np.random.default_rng(seed).normal(size=len(ecg.signal))
        for level in NOISE_MV:
            yield f"white {level:g} mV", ecg.signal + level * noise


def warned(x, ecg, floor, jumps):
    marks = ecg.fiducials()
    on, off = np.asarray(marks["ECG_R_Onsets"], float), np.asarray(marks["ECG_R_Offsets"], float)
    n = min(len(on), len(off))  # the expert's complexes inside the labelled region come whole
    on, off = on[:n], off[:n]
    if n < PACING_MIN_BEATS:
        return False
    spiked = spiked_beats(x, on, off, ecg.sampling_rate, jumps=jumps, noise_floor=floor)
    return bool(spiked.sum() >= PACING_WARN_FRACTION * n)


def count(floors):
    """{(part, condition, paced): [leads, warned per floor (None first)]}."""
    splits, out = datasets.load_splits(), {}
    for part in ("train", "validation"):
        for i, record in enumerate(splits["ludb"][part]):
            is_paced = paced(record)
            for ecg in datasets.read_ludb(record):
                for name, x in conditions(ecg, part, seed=i):
                    jumps = stimulus_jumps(x, ecg.sampling_rate)
                    row = out.setdefault((part, name, is_paced), [0] + [0] * (len(floors) + 1))
                    row[0] += 1
                    for j, floor in enumerate((None, *floors)):
                        row[j + 1] += warned(x, ecg, floor, jumps)
    return out


def choose(rows, floors):
    """The rule of the module docstring: the chosen floor, or None."""
    paced_raw = [v for (part, name, is_paced), v in rows.items() if is_paced and name == "raw"]
    for j, floor in enumerate(floors, start=2):
        same = all(v[j] == v[1] for v in paced_raw)
        quiet = all(v[j] <= MAX_FALSE * v[0] for (part, name, is_paced), v in rows.items()
                    if part == "validation" and name != "raw" and not is_paced)
        if same and quiet:
            return floor
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floors", type=float, nargs="+", default=FLOORS)
    args = parser.parse_args(argv)
    floors = tuple(args.floors)
    rows = count(floors)
    print(f"Written by `python benchmarks/pacing_noise_check.py` on {datetime.date.today()} (LUDB train and "
          "validation, experts' QRS marks; leads warned):\n")
    print("| split | input | records | leads | no floor | " + " | ".join(f"floor {f:g}" for f in floors) + " |")
    print("|---|---|---|---:|---:|" + "---:|" * len(floors))
    for (part, name, is_paced), v in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1])):
        print(f"| {part} | {name} | {'paced' if is_paced else 'not paced'} | {v[0]} | "
              + " | ".join(str(c) for c in v[1:]) + " |")
    chosen = choose(rows, floors)
    print(f"\nChosen by the rule: {'none' if chosen is None else f'floor {chosen:g}'}")


if __name__ == "__main__":
    main()
