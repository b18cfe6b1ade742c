"""Plots: the ECG with the per-sample probabilities and the boundaries chosen."""

import numpy as np

_COLOURS = {"P": "tab:green", "QRS": "tab:red", "T": "tab:blue"}


def plot_proba(signal, proba, sampling_rate, waves=None, ax=None, title=None):
    """Plot one lead, its class probabilities and the onsets/offsets found.

    Parameters
    ----------
    signal : array-like
        The ECG lead.
    proba : DataFrame
        Output of :func:`nk_qrs_lstm.ecg_delineate_proba` (same length).
    sampling_rate : float
        Hz.
    waves : dict, optional
        ``waves`` of :func:`nk_qrs_lstm.ecg_delineate`; onsets and offsets are
        drawn as dotted lines.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import neurokit2 as nk
    >>> import nk_qrs_lstm
    >>> ecg = nk.ecg_simulate(duration=4, sampling_rate=500, random_state=0)
    >>> proba = nk_qrs_lstm.ecg_delineate_proba(ecg, sampling_rate=500)
    >>> fig = plot_proba(ecg, proba, 500)
    """
    import matplotlib.pyplot as plt

    signal = np.asarray(signal, dtype=float)
    t = np.arange(len(signal)) / sampling_rate
    if ax is None:
        fig, ax = plt.subplots(figsize=(12, 4))
    else:
        fig = ax.figure
    ax.plot(t, signal, color="black", lw=1, label="ECG")
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("ECG")
    ax2 = ax.twinx()
    for wave, colour in _COLOURS.items():
        ax2.fill_between(t, 0, proba[f"ECG_Proba_{wave}"].to_numpy(), color=colour, alpha=0.25, lw=0,
                         label=f"P({wave})")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("Probability")
    if waves is not None:
        prefixes = {"P": "ECG_P", "QRS": "ECG_R", "T": "ECG_T"}
        for wave, prefix in prefixes.items():
            for key in (f"{prefix}_Onsets", f"{prefix}_Offsets"):
                for v in waves.get(key, []):
                    if np.isfinite(v):
                        ax.axvline(v / sampling_rate, color=_COLOURS[wave], ls=":", lw=1)
    ax2.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
