"""
Learned delineation against NeuroKit's methods
==============================================

Delineate lead II of the bundled LUDB record 3 (500 Hz, 10 s) with ``method="lstm"`` and with NeuroKit2's
``"dwt"`` and ``"prominence"`` through one call site, :func:`nk_qrs_lstm.ecg_delineate`, and compare each
method's QRS onsets and offsets with the expert annotation that ships with the record.

LUDB record 3 is ODC-By 1.0 (Kalyakulina et al., 2020, IEEE Access 8:186181; PhysioNet).
"""

import warnings

import matplotlib.pyplot as plt
import neurokit2 as nk
import numpy as np
import pandas as pd

import nk_qrs_lstm
from nk_qrs_lstm.examples import example_record_path
from nk_qrs_lstm.wfdb_io import read_annotations, read_record

# %%
# The record, its R-peaks, and the expert's delineation of lead II
# -----------------------------------------------------------------
path = example_record_path()
signal, rate, names = read_record(path, leads=["ii"])
ecg = signal[:, 0]
cleaned = nk.ecg_clean(ecg, sampling_rate=rate)
_, info = nk.ecg_peaks(cleaned, sampling_rate=rate)
reference = read_annotations(path, "ii")  # the expert marks, in NeuroKit's format

# %%
# One call site, three methods
# ----------------------------
# The classical methods go straight to ``neurokit2.ecg_delineate``. NeuroKit's methods may warn on this record;
# the warnings are silenced here to keep the output short.
methods = ("lstm", "dwt", "prominence")
waves = {}
for method in methods:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, waves[method] = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=rate, method=method)


def errors_ms(found, expected):
    """Signed error (ms) of the point nearest to each expert mark (NaN beyond 150 ms)."""
    found = np.asarray(found, dtype=float)
    found = found[np.isfinite(found)]
    out = []
    for mark in np.asarray(expected, dtype=float)[np.isfinite(expected)]:
        nearest = found[np.argmin(np.abs(found - mark))] if found.size else np.nan
        error = (nearest - mark) * 1000 / rate
        out.append(error if abs(error) <= 150 else np.nan)
    return np.array(out)


rows = []
for key, name in (("ECG_R_Onsets", "QRS onset"), ("ECG_R_Offsets", "QRS offset"), ("ECG_T_Offsets", "T offset")):
    for method in methods:
        e = errors_ms(waves[method][key], reference[key])
        rows.append({"fiducial": name, "method": method, "found": int(np.isfinite(e).sum()), "of": len(e),
                     "mean |error| (ms)": np.nanmean(np.abs(e)) if np.isfinite(e).any() else np.nan})
table = pd.DataFrame(rows)
print(table.round(1).to_string(index=False))

# %%
# The marks of each method on the signal
# --------------------------------------
# One row of marks per method under the ECG: QRS onsets and offsets as ticks, the expert's on top.
t = np.arange(len(ecg)) / rate
fig, ax = plt.subplots(figsize=(10, 4.5))
ax.plot(t, cleaned, color="black", lw=0.8)
low, high = np.nanmin(cleaned), np.nanmax(cleaned)
step = 0.15 * (high - low)
rows = {"expert": reference, **waves}
colours = {"expert": "black", "lstm": "tab:red", "dwt": "tab:blue", "prominence": "tab:green"}
for i, (label, marks) in enumerate(rows.items()):
    y = low - (i + 1) * step
    for key, marker in (("ECG_R_Onsets", 5), ("ECG_R_Offsets", 4)):
        values = np.asarray(marks[key], dtype=float)
        values = values[np.isfinite(values)]
        ax.plot(values / rate, np.full(values.size, y), ls="none", marker=marker, ms=7, color=colours[label])
    ax.text(-0.05, y, label, ha="right", va="center", fontsize=9, color=colours[label],
            transform=ax.get_yaxis_transform())
ax.set_xlim(0, t[-1])
ax.set_yticks([])
ax.set_xlabel("Time (s)")
ax.set_title("LUDB record 3, lead II: QRS onsets (▶) and offsets (◀)", loc="left")
fig.tight_layout()
plt.show()
