"""
Per-sample class probabilities
==============================

The network gives, for every sample, the probability of background, P wave, QRS complex and T wave
(:func:`nk_qrs_lstm.ecg_delineate_proba`); onsets and offsets are read off these curves.
:func:`nk_qrs_lstm.plotting.plot_proba` draws them under the boundaries that
:func:`nk_qrs_lstm.ecg_delineate` chose.
"""

import matplotlib.pyplot as plt
import neurokit2 as nk

import nk_qrs_lstm
from nk_qrs_lstm.plotting import plot_proba

# %%
# A simulated ECG (8 s at 500 Hz, a little noise)
# -----------------------------------------------
rate = 500
ecg = nk.ecg_simulate(duration=8, sampling_rate=rate, heart_rate=70, noise=0.05, random_state=42)

proba = nk_qrs_lstm.ecg_delineate_proba(ecg, sampling_rate=rate)
print(proba.round(3).iloc[::500])  # one row per sample; every 500th shown

# %%
# Probabilities and boundaries
# ----------------------------
# ``rpeaks=None``: the learned method finds the QRS complexes itself (one entry per complex).
signals, waves = nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=rate)
fig = plot_proba(ecg, proba, rate, waves=waves, title="Simulated ECG: class probabilities and boundaries")
plt.show()
