"""Delineate the bundled LUDB record (12 leads, 500 Hz) and compare with NeuroKit2's methods.

Run:  python examples/delineate_example.py [--out example.png]

Prints, for lead II, the QRS onsets of the expert reference, of method="lstm" and of NeuroKit2's "dwt" and
"prominence", then saves a plot of the signal with the per-sample probabilities and the boundaries found.
LUDB record 3 is ODC-By 1.0 (Kalyakulina et al., 2020, IEEE Access 8:186181; PhysioNet).
"""

import argparse
import warnings

import matplotlib

matplotlib.use("Agg")
import neurokit2 as nk  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import wfdb  # noqa: E402

import nk_qrs_lstm  # noqa: E402
from nk_qrs_lstm.training.datasets import parse_waves  # noqa: E402
from nk_qrs_lstm.examples import example_record_path  # noqa: E402
from nk_qrs_lstm.plotting import plot_proba  # noqa: E402


def main(out="example.png"):
    path = example_record_path()
    record = wfdb.rdrecord(path, channel_names=["ii"])
    ecg, rate = record.p_signal[:, 0], record.fs
    reference = parse_waves(*[getattr(wfdb.rdann(path, "ii"), a) for a in ("sample", "symbol")])["QRS"][:, 0]

    cleaned = nk.ecg_clean(ecg, sampling_rate=rate)
    _, info = nk.ecg_peaks(cleaned, sampling_rate=rate)
    onsets = {}
    for method in ("lstm", "dwt", "prominence"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, waves = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=rate, method=method)
        onsets[method] = np.asarray(waves["ECG_R_Onsets"], dtype=float)

    rows = []
    for ref in reference[np.isfinite(reference)]:
        row = {"reference": int(ref)}
        for method, values in onsets.items():
            values = values[np.isfinite(values)]
            nearest = values[np.argmin(np.abs(values - ref))] if values.size else np.nan
            row[f"{method}_error_ms"] = (nearest - ref) * 1000 / rate
        rows.append(row)
    table = pd.DataFrame(rows)
    print("QRS onsets of LUDB record 3, lead II (errors against the expert reference):")
    print(table.round(1).to_string(index=False))
    print("\nmean |error| (ms):", table.filter(like="error").abs().mean().round(1).to_dict())

    proba = nk_qrs_lstm.ecg_delineate_proba(ecg, sampling_rate=rate)
    _, waves = nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=rate)
    fig = plot_proba(ecg, proba, rate, waves=waves, title="LUDB record 3, lead II: method='lstm'")
    fig.savefig(out, dpi=110)
    print(f"saved {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example.png")
    main(parser.parse_args().out)
