"""
A WFDB record and its fused delineation
=======================================

:func:`nk_qrs_lstm.record.delineate_record` delineates every lead of a WFDB record and fuses them: QRS
complexes found in at least half of the leads are beats, with robust onsets (20th percentile over leads) and
offsets (80th percentile). The fused delineation is written as a WFDB annotation file (QTDB's
``( p ) ( N ) ( t )`` convention) and read back with :func:`nk_qrs_lstm.wfdb_io.read_annotations`.

The bundled record is LUDB record 3 (12 leads, 500 Hz, 10 s; ODC-By 1.0).
"""

import tempfile

import matplotlib.pyplot as plt
import numpy as np

from nk_qrs_lstm.examples import example_record_path
from nk_qrs_lstm.record import delineate_record
from nk_qrs_lstm.wfdb_io import read_annotations, read_record

# %%
# Every lead, then the fusion
# ---------------------------
path = example_record_path()
result = delineate_record(path)
print(f"{result.record_name}: {len(result.tables)} leads, {len(result.fused)} fused beats")
print(result.fused[["ECG_P_Onsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets", "n_leads"]].head())

# %%
# Write the fused delineation as a WFDB annotation file, read it back
# -------------------------------------------------------------------
out = tempfile.mkdtemp()
annotation = result.to_wfdb(write_dir=out, extension="lstm")
back = read_annotations(annotation[: -len(".lstm")], "lstm")
print(annotation.replace(out, "<tmp>"))
print({key: values[:3] for key, values in back.items() if key.startswith("ECG_R")})

# %%
# Six leads with the fused P, QRS and T waves
# -------------------------------------------
# Shaded: each fused wave, from its onset to its offset (read back from the annotation file); every lead is
# drawn against the same fused boundaries, which is what a multi-lead delineation gives.
signal, rate, names = read_record(path, leads=["i", "ii", "avr", "v1", "v3", "v5"])
t = np.arange(signal.shape[0]) / rate
colours = {"P": "tab:green", "R": "tab:red", "T": "tab:blue"}
fig, axes = plt.subplots(len(names), 1, figsize=(10, 8), sharex=True)
for ax, name, lead in zip(axes, names, signal.T):
    ax.plot(t, lead, color="black", lw=0.8)
    for wave, colour in colours.items():
        for onset, offset in zip(back[f"ECG_{wave}_Onsets"], back[f"ECG_{wave}_Offsets"]):
            if np.isfinite(onset) and np.isfinite(offset):
                ax.axvspan(onset / rate, offset / rate, color=colour, alpha=0.2, lw=0)
    ax.set_ylabel(name, rotation=0, ha="right", va="center")
    ax.set_yticks([])
axes[0].set_title("LUDB record 3: fused delineation (P green, QRS red, T blue)", loc="left")
axes[-1].set_xlabel("Time (s)")
axes[-1].set_xlim(0, t[-1])
fig.tight_layout()
plt.show()
