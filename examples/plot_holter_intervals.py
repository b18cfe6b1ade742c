"""
Intervals over one hour
=======================

For Holter-length signals, :func:`nk_qrs_lstm.ecg_delineate_table` returns one row per beat (nullable integer
sample indices) instead of NeuroKit's one row per sample, with memory bounded by blocks of one hour. Here one
hour of simulated ECG at 250 Hz, with the heart rate stepping from 60 to 110 bpm every 10 minutes, gives the
RR, PR, QRS and QT intervals of every beat, summarised per 10-minute segment.
"""

import matplotlib.pyplot as plt
import neurokit2 as nk
import numpy as np
import pandas as pd

import nk_qrs_lstm

# %%
# One hour of ECG, six heart rates
# --------------------------------
# NeuroKit's ECGSYN model takes a few seconds per simulated minute, so each 10-minute segment repeats one
# simulated minute (cut between two beats, so that the copies join smoothly) under fresh noise and baseline
# wander.
rate = 250
heart_rates = [60, 70, 80, 90, 100, 110]
segment_s = 600
rng = np.random.default_rng(0)


def segment(heart_rate, seed):
    """Ten minutes at ``heart_rate`` (bpm): one simulated minute, repeated, with new noise each time."""
    minute = nk.ecg_simulate(duration=62, sampling_rate=rate, heart_rate=heart_rate, random_state=seed)
    _, info = nk.ecg_peaks(minute, sampling_rate=rate)
    peaks = info["ECG_R_Peaks"]
    beats = minute[(peaks[0] + peaks[1]) // 2:(peaks[-2] + peaks[-1]) // 2]  # mid-RR to mid-RR
    copies = np.tile(beats, int(np.ceil(segment_s * rate / len(beats))))[: segment_s * rate]
    t = np.arange(len(copies)) / rate
    wander = 0.1 * np.sin(2 * np.pi * 0.15 * t + rng.uniform(0, 2 * np.pi))
    return copies + wander + rng.normal(0, 0.02, len(copies))


ecg = np.concatenate([segment(hr, seed) for seed, hr in enumerate(heart_rates)])
print(f"{len(ecg)} samples, {len(ecg) / rate / 3600:.1f} h")

# %%
# One row per beat
# ----------------
table = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=rate)
print(table.head())
samples = table.astype(float)  # <NA> -> NaN, for arithmetic
ms = 1000.0 / rate
beats = pd.DataFrame({
    "time_min": samples["ECG_R_Onsets"] / rate / 60,
    "RR_ms": samples["ECG_R_Onsets"].diff() * ms,
    "PR_ms": (samples["ECG_R_Onsets"] - samples["ECG_P_Onsets"]) * ms,
    "QRS_ms": (samples["ECG_R_Offsets"] - samples["ECG_R_Onsets"]) * ms,
    "QT_ms": (samples["ECG_T_Offsets"] - samples["ECG_R_Onsets"]) * ms,
})
beats["segment_bpm"] = np.array(heart_rates)[np.clip((beats["time_min"] * 60 // segment_s).fillna(0).astype(int),
                                                      0, len(heart_rates) - 1)]

# %%
# PR, QRS and QT per segment (median and interquartile range, ms)
# ---------------------------------------------------------------
summary = beats.groupby("segment_bpm")[["RR_ms", "PR_ms", "QRS_ms", "QT_ms"]].quantile([0.25, 0.5, 0.75])
print(summary.unstack().round(0).to_string())
print(f"{len(beats)} beats; PR found in {beats['PR_ms'].notna().mean():.1%}, "
      f"QT in {beats['QT_ms'].notna().mean():.1%} of them")

# %%
# QT against RR
# -------------
fig, (ax_time, ax_qt) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1.6, 1]})
for column, colour in (("QT_ms", "tab:blue"), ("PR_ms", "tab:green"), ("QRS_ms", "tab:red")):
    ax_time.plot(beats["time_min"], beats[column], ".", ms=1, color=colour, alpha=0.4)
    smooth = beats[column].rolling(101, center=True, min_periods=20).median()
    ax_time.plot(beats["time_min"], smooth, color=colour, lw=1.5, label=column.replace("_ms", ""))
ax_time.set_xlabel("Time (min)")
ax_time.set_ylabel("Interval (ms)")
ax_time.legend(ncol=3, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
ax_qt.scatter(beats["RR_ms"], beats["QT_ms"], c=beats["segment_bpm"], s=2, cmap="viridis")
ax_qt.set_xlabel("RR (ms)")
ax_qt.set_ylabel("QT (ms)")
ax_qt.set_xlim(400, 1200)
fig.tight_layout()
plt.show()
