"""Where mains hum is found (``mains.detect_mains``): real leads, raw and with hum added.

    python benchmarks/mains_check.py

Prints, per (database, split, condition), the number of leads, the median / 99th percentile / largest ratio of the
strongest 50- or 60-Hz line to its flanks' median (``mains.line_ratio``), and the leads where hum is found
(``mains.detect_mains``: that ratio above ``MAINS_LINE_RATIO``, the line alone in its flanks). Conditions: every raw lead of the LUDB and QTDB train and validation splits (where the
notch is harmless either way, what it finds there is reported), and, on the validation leads, 50- or 60-Hz hum (the
mains of LUDB's Russia / QTDB's US) of 0.005 / 0.01 / 0.02 / 0.05 mV added with a random phase (seeded).
"""

import numpy as np

from nk_qrs_lstm.defaults import MAINS_LINE_RATIO, STRETCH_SEGMENT_S, POWERLINE_HZ, n_samples
from nk_qrs_lstm.mains import detect_mains, line_ratio
from nk_qrs_lstm.spectra import longest_finite_run, welch
from nk_qrs_lstm.training import datasets

HUM_MV = (0.005, 0.01, 0.02, 0.05)  # [mV] amplitudes of the added mains hum


def strongest_line(x, rate):
    """The largest line-to-flanks ratio at 50 or 60 Hz."""
    freq, power = welch(longest_finite_run(x), rate, n_samples(STRETCH_SEGMENT_S, rate))
    return max(line_ratio(freq, power, f0)[0] for f0 in POWERLINE_HZ)


def main():
    splits, rows = datasets.load_splits(), {}
    for database, reader, path, f0 in (("ludb", datasets.read_ludb, datasets.DEFAULT_LUDB, 50.0),
                                       ("qtdb", datasets.read_qtdb, datasets.DEFAULT_QTDB, 60.0)):
        for part in ("train", "validation"):
            for i, record in enumerate(splits[database][part]):
                for ecg in reader(record, path=path):
                    rng = np.random.default_rng(i)
                    t = np.arange(len(ecg.signal)) / ecg.sampling_rate
                    conditions = [("raw", ecg.signal)] if part == "train" else [("raw", ecg.signal)] + [
                        (f"hum {f0:g} Hz {a:g} mV", ecg.signal + a * np.sin(2 * np.pi * f0 * t + rng.uniform(0, 7)))
                        for a in HUM_MV]
                    for name, x in conditions:
                        found = bool(detect_mains(x, ecg.sampling_rate))
                        rows.setdefault((database, part, name), []).append((strongest_line(x, ecg.sampling_rate),
                                                                            found))
    print(f"| database | split | condition | leads | median | 99th | largest | hum found (ratio > "
          f"{MAINS_LINE_RATIO:g}) |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for (database, part, name), values in rows.items():
        v = np.array([r for r, _ in values])
        found = int(np.sum([f for _, f in values]))
        print(f"| {database} | {part} | {name} | {len(v)} | {np.median(v):.1f} | {np.quantile(v, 0.99):.1f} | "
              f"{v.max():.1f} | {found} ({100 * found / len(v):.0f} %) |")


if __name__ == "__main__":
    main()
