"""
Accuracy against NeuroKit's methods
===================================

The committed results of the accuracy benchmark (``benchmarks/results``, written by
``nk-qrs-lstm benchmark``; see the Benchmarks page for the protocol) on the LUDB test split: 40 records x
12 leads never used for training or tuning, fiducials matched one-to-one with the expert marks within
±150 ms. Bars: F1 and the SD of the signed error per fiducial; black ticks: the CSE working party's
2SD limits for expert agreement.

This example reads files of the source tree, so it runs from a checkout (not from an installed package).
"""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

try:
    ROOT = Path(__file__).resolve().parents[1]
except NameError:  # run interactively from the examples folder
    ROOT = Path.cwd().parent
RESULTS = ROOT / "benchmarks" / "results"

# %%
# Read the cached results
# -----------------------
# One JSON file per method (what was run, on which records, crashes, time) and one CSV of scores per
# fiducial: every method the benchmark wrote, the learned one first.
methods = sorted((p.stem[len("ludb_"):] for p in RESULTS.glob("ludb_*.json")), key=lambda m: (m != "lstm", m))
meta, scores = {}, {}
for method in methods:
    meta[method] = json.loads((RESULTS / f"ludb_{method}.json").read_text())
    scores[method] = pd.read_csv(RESULTS / f"ludb_{method}.csv", index_col="fiducial")
overview = pd.DataFrame({m: {"record-leads": meta[m]["n_leads"], "crashes": meta[m]["n_crashes"],
                             "s per record-lead": round(meta[m]["seconds_per_lead"], 3),
                             "date": meta[m]["date"][:10]} for m in methods}).T
print(meta["lstm"]["split"])
print(overview.to_string())

# %%
# F1 and error SD per fiducial
# ----------------------------
# A fiducial a method does not provide has no bar.
fiducials = {"ECG_P_Onsets": "P on", "ECG_P_Offsets": "P off", "ECG_R_Onsets": "QRS on",
             "ECG_R_Offsets": "QRS off", "ECG_T_Peaks": "T peak", "ECG_T_Offsets": "T off"}
x = np.arange(len(fiducials))
width = 0.8 / len(methods)
fig, (ax_f1, ax_sd) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
for j, method in enumerate(methods):
    table = scores[method].reindex(list(fiducials))
    provided = table["provided"].astype(bool).to_numpy()
    offset = (j - (len(methods) - 1) / 2) * width
    ax_f1.bar(x + offset, np.where(provided, table["f1"], np.nan), width, label=method)
    ax_sd.bar(x + offset, np.where(provided, table["sd_ms"], np.nan), width)
cse = scores["lstm"].reindex(list(fiducials))["cse_2sd_ms"].to_numpy(dtype=float)
ax_sd.scatter(x, cse, marker="_", s=500, color="black", zorder=3, label="CSE 2SD")
ax_f1.set_ylim(50, 100)
ax_f1.set_ylabel("F1 within ±150 ms (%)")
ax_sd.set_ylabel("SD of the error (ms)")
ax_sd.set_xticks(x, list(fiducials.values()))
ax_f1.legend(ncol=len(methods), loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, fontsize=9)
ax_sd.legend(loc="upper left", fontsize=8)
for ax in (ax_f1, ax_sd):
    ax.grid(axis="y", alpha=0.3)
fig.suptitle("LUDB test split, 40 records x 12 leads", x=0.01, ha="left")
fig.tight_layout()
plt.show()
