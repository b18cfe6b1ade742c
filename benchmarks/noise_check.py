"""Where the noise warning fires: ``quality.noise_ratio`` (mains hum lines found left out) on real leads.

    python benchmarks/noise_check.py

Prints, per (database, split, condition), the number of leads, the median / 90th / 99th percentile / largest
ratio and the share of leads above ``NOISE_MAX_RATIO`` (the warning). Conditions: every raw lead of the LUDB and
QTDB train and validation splits (the warning must stay silent there), and, on the validation leads, 50- and 60-Hz
hum of 0.05 / 0.15 / 0.3 mV and 20-120 Hz noise of 0.02 / 0.05 / 0.1 mV RMS added (seeded).
"""

import numpy as np
from scipy.signal import butter, sosfiltfilt

from nk_qrs_lstm.defaults import NOISE_MAX_RATIO
from nk_qrs_lstm.mains import detect_mains
from nk_qrs_lstm.quality import noise_ratio
from nk_qrs_lstm.training import datasets

HUM_MV = (0.05, 0.15, 0.3)  # [mV] amplitudes of the added mains hum
EMG_MV = (0.02, 0.05, 0.1)  # [mV] RMS of the added 20-120 Hz noise


def conditions(x, rate, rng):
    """The lead raw, then with each added noise."""
    yield "raw", x
    t = np.arange(len(x)) / rate
    for f0 in (50.0, 60.0):
        for a in HUM_MV:
            yield f"hum {f0:g} Hz {a:g} mV", x + a * np.sin(2 * np.pi * f0 * t)
    emg = sosfiltfilt(butter(4, (20.0, min(120.0, 0.45 * rate)), btype="bandpass", fs=rate, output="sos"),
                      rng.normal(size=len(x)))
    for a in EMG_MV:
        yield f"noise 20-120 Hz {a:g} mV", x + a * emg / emg.std()


def main():
    splits, rows = datasets.load_splits(), {}
    for database, reader, path in (("ludb", datasets.read_ludb, datasets.DEFAULT_LUDB),
                                   ("qtdb", datasets.read_qtdb, datasets.DEFAULT_QTDB)):
        for part in ("train", "validation"):
            for i, record in enumerate(splits[database][part]):
                for ecg in reader(record, path=path):
                    rng = np.random.default_rng(i)
                    for name, x in conditions(ecg.signal, ecg.sampling_rate, rng):
                        if part == "train" and name != "raw":
                            continue
                        rate = ecg.sampling_rate  # as the warning judges: hum lines found are left out
                        rows.setdefault((database, part, name), []).append(
                            noise_ratio(x, rate, mains_hz=detect_mains(x, rate)))
    print("| database | split | condition | leads | median | 90th | 99th | largest | warned |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for (database, part, name), values in rows.items():
        v = np.asarray(values)
        print(f"| {database} | {part} | {name} | {len(v)} | {np.median(v):.2f} | {np.quantile(v, 0.9):.2f} | "
              f"{np.quantile(v, 0.99):.2f} | {v.max():.2f} | {100 * np.mean(v > NOISE_MAX_RATIO):.0f} % |")


if __name__ == "__main__":
    main()
