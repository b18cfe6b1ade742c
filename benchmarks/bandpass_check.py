"""How often the band-pass warning fires, per cleaning method, on the validation splits.

Usage::

    python benchmarks/bandpass_check.py

Every third LUDB validation lead and lead 0 of every QTDB validation record, raw and after each
``nk.ecg_clean`` method; prints the share of signals whose
:func:`nk_qrs_lstm.quality.bandpass_ratio` is below ``BANDPASS_MAX_RATIO`` (they get the warning).
"""

import warnings

import neurokit2 as nk
import numpy as np

from nk_qrs_lstm.defaults import BANDPASS_MAX_RATIO
from nk_qrs_lstm.quality import bandpass_ratio
from nk_qrs_lstm.training.datasets import load_split

METHODS = ("raw", "neurokit", "biosppy", "pantompkins1985", "hamilton2002", "elgendi2010", "engzeemod2012")


def main():
    leads = list(load_split("ludb", "validation"))[::3] + list(load_split("qtdb", "validation"))
    ratios = {m: [] for m in METHODS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ecg in leads:
            x = np.asarray(ecg.signal, dtype=float)
            x = x[:, 0] if x.ndim == 2 else x
            for m in METHODS:
                y = x if m == "raw" else nk.ecg_clean(x, sampling_rate=ecg.sampling_rate, method=m)
                ratios[m].append(bandpass_ratio(y, ecg.sampling_rate))
    print(f"{len(leads)} validation signals; warning when ratio < {BANDPASS_MAX_RATIO}")
    print("| cleaning | warned | min ratio | median ratio |\n|---|---|---|---|")
    for m, v in ratios.items():
        v = np.asarray(v)
        print(f"| {m} | {100 * np.mean(v < BANDPASS_MAX_RATIO):.0f} % | {v.min():.4f} | {np.median(v):.4f} |")


if __name__ == "__main__":
    main()
