"""Reliability diagram of the shipped confidences on the validation splits (docs/figures/reliability.png).

    python benchmarks/tune_decoding.py calibrate --cache /tmp/nkdec3 --out /tmp/nkdec3/results
    python benchmarks/reliability_figure.py /tmp/nkdec3/results/decoding_calibration_raw.csv

The first command writes every decoded wave of the LUDB and QTDB validation splits with its evidence (peak
probability) and whether it is correct (onset of P / QRS or offset of T within 50 / 40 / 100 ms of an expert
mark). Here each wave's confidence is recomputed with the shipped tables
(:data:`nk_qrs_lstm.defaults.CONFIDENCE_TABLES`) and binned at its deciles per wave and split: mean confidence
against fraction correct, with the diagonal of perfect calibration and the expected calibration error.
"""

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from nk_qrs_lstm.defaults import CONFIDENCE_TABLES  # noqa: E402

WAVES = {"P": "P wave (onset, 50 ms)", "R": "QRS (onset, 40 ms)", "T": "T wave (offset, 100 ms)"}
SPLITS = {"ludb": "LUDB validation", "qtdb": "QTDB validation"}


def binned(confidence, correct, n_bins=10):
    """Mean confidence, fraction correct and count per decile bin of the confidence; the ECE over those bins."""
    edges = np.unique(np.quantile(confidence, np.linspace(0, 1, n_bins + 1)))
    idx = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, max(len(edges) - 2, 0))
    rows = [(confidence[idx == b].mean(), correct[idx == b].mean(), (idx == b).sum())
            for b in np.unique(idx)]
    conf, frac, count = (np.array(v, dtype=float) for v in zip(*rows))
    ece = float(np.sum(count * np.abs(conf - frac)) / count.sum())
    return conf, frac, count, ece


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calibration", help="decoding_calibration_<input>.csv from tune_decoding.py calibrate")
    parser.add_argument("--out", default="docs/figures/reliability.png")
    args = parser.parse_args(argv)
    data = pd.read_csv(args.calibration)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4), constrained_layout=True)
    for ax, (wave, title) in zip(axes, WAVES.items()):
        part = data[data.wave == wave]
        lo = 1.0
        for database, label in SPLITS.items():
            sub = part[part.database == database]
            confidence = np.interp(sub.height.to_numpy(), *CONFIDENCE_TABLES[wave])
            conf, frac, count, ece = binned(confidence, sub.correct.to_numpy(dtype=float))
            ax.plot(conf, frac, "o-", label=f"{label}: n {len(sub)}, ECE {ece:.3f}")
            lo = min(lo, conf.min(), frac.min())
        lo = max(0.0, np.floor(lo * 20) / 20)
        ax.plot([lo, 1], [lo, 1], "k--", lw=0.8, label="perfect calibration")
        ax.set(xlim=(lo, 1.002), ylim=(lo, 1.002), xlabel="confidence (decile bins)", ylabel="fraction correct",
               title=title)
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Reliability of the per-wave confidences, validation splits, raw input")
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
