"""Plots: the ECG with the per-sample probabilities and the boundaries chosen."""

import numpy as np

from .defaults import BEAT_WINDOW_S

_COLOURS = {"P": "tab:green", "QRS": "tab:red", "T": "tab:blue"}


def plot_proba(signal, proba, sampling_rate, waves=None, ax=None, title=None, start=0.0):
    """Plot one lead, its class probabilities and the onsets/offsets found.

    The ECG is drawn in black on the left axis, the P, QRS and T
    probabilities as shaded areas on the right axis (0 to 1), the onsets and
    offsets of ``waves`` as dotted lines; the legend sits above the axes,
    right-aligned, so that it hides no beat (the title is left-aligned).

    Parameters
    ----------
    signal : array-like
        The ECG lead.
    proba : DataFrame
        Output of :func:`nk_qrs_lstm.ecg_delineate_proba` (same length as
        ``signal``; columns ``ECG_Proba_P``, ``ECG_Proba_QRS`` and
        ``ECG_Proba_T`` are drawn).
    sampling_rate : float
        Hz.
    waves : dict, optional
        ``waves`` of :func:`nk_qrs_lstm.ecg_delineate`, as sample indices into
        ``signal``; onsets and offsets are drawn as dotted lines, NaN skipped.
    ax : matplotlib Axes, optional
        Where to draw (default: a new 12 x 4 inch figure).
    title : str, optional
        Title, left-aligned above the axes.
    start : float
        Time in seconds of ``signal``'s first sample, when it is a window cut
        from a longer record: the time axis then reads record time.

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
    t = start + np.arange(len(signal)) / sampling_rate
    if ax is None:
        fig, ax = plt.subplots(figsize=(12, 4))
    else:
        fig = ax.figure
    ax.plot(t, signal, color="black", lw=1, label="ECG")
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("ECG")
    if len(t) > 1:
        ax.set_xlim(t[0], t[-1])
    ax2 = ax.twinx()
    for wave, colour in _COLOURS.items():
        ax2.fill_between(t, 0, proba[f"ECG_Proba_{wave}"].to_numpy(dtype=float), color=colour, alpha=0.25, lw=0,
                         label=f"P({wave})")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("Probability")
    if waves is not None:
        prefixes = {"P": "ECG_P", "QRS": "ECG_R", "T": "ECG_T"}
        for wave, prefix in prefixes.items():
            for key in (f"{prefix}_Onsets", f"{prefix}_Offsets"):
                values = np.asarray(waves.get(key, []), dtype=float)
                for v in values[np.isfinite(values)]:
                    ax.axvline(start + v / sampling_rate, color=_COLOURS[wave], ls=":", lw=1)
    # one legend for both axes, above the plot (right), out of the way of the last beat
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax2.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(handles), fontsize=8,
               frameon=False, borderaxespad=0.2)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    fig.tight_layout()
    return fig


#: What each NeuroKit ``show_type`` draws: fiducial keys.
SHOW_KEYS = {
    "peaks": ("ECG_P_Peaks", "ECG_Q_Peaks", "ECG_S_Peaks", "ECG_T_Peaks"),
    "bounds_R": ("ECG_R_Onsets", "ECG_R_Offsets"),
    "bounds_P": ("ECG_P_Onsets", "ECG_P_Offsets"),
    "bounds_T": ("ECG_T_Onsets", "ECG_T_Offsets"),
}
SHOW_KEYS["all"] = tuple(k for keys in SHOW_KEYS.values() for k in keys)


def plot_delineation(signal, table, sampling_rate, show_type="peaks", ax=None, window_start=BEAT_WINDOW_S[0],
                     window_end=BEAT_WINDOW_S[1]):
    """Every beat overlaid around its R-peak, with the chosen fiducials marked.

    The figure ``ecg_delineate(..., show=True)`` draws, in the manner of
    NeuroKit2's: heartbeats from ``window_start`` to ``window_end`` around
    each R-peak, one marker per fiducial of ``show_type``.

    Parameters
    ----------
    signal : ndarray
        The lead.
    table : dict of str -> ndarray
        Per-beat table (``ECG_R_Peaks`` and NeuroKit's keys, NaN where absent).
    sampling_rate : float
        Hz.
    show_type : {"peaks", "bounds_R", "bounds_T", "bounds_P", "all"}
    ax : matplotlib Axes, optional
    window_start, window_end : float
        Seconds before (negative) and after the R-peak drawn, as in NeuroKit2
        (-0.35 and 0.55 by default).

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold one line per beat and one marker collection per
        fiducial key, labelled with the key.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import neurokit2 as nk
    >>> import nk_qrs_lstm
    >>> ecg = nk.ecg_simulate(duration=5, sampling_rate=500, random_state=0)
    >>> table = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500)
    >>> fig = plot_delineation(ecg, {k: table[k].to_numpy(float) for k in table}, 500, "bounds_R")
    >>> sorted(c.get_label() for c in fig.axes[0].collections)
    ['ECG_R_Offsets', 'ECG_R_Onsets']
    """
    import matplotlib.pyplot as plt

    signal = np.asarray(signal, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 5))
    else:
        fig = ax.figure
    rpeaks = np.asarray(table["ECG_R_Peaks"], dtype=float)
    beats = np.flatnonzero(np.isfinite(rpeaks))
    lo, hi = (int(round(s * sampling_rate)) for s in (window_start, window_end))
    for b in beats:
        r = int(rpeaks[b])
        a, z = max(r + lo, 0), min(r + hi, len(signal))
        ax.plot((np.arange(a, z) - r) / sampling_rate, signal[a:z], color="grey", lw=0.6, alpha=0.5)
    cmap = plt.get_cmap("tab10")
    for j, key in enumerate(SHOW_KEYS[show_type]):
        values = np.asarray(table[key], dtype=float)[beats]
        ok = np.isfinite(values)
        idx = values[ok].astype(np.int64)
        ax.scatter((idx - rpeaks[beats][ok]) / sampling_rate, signal[idx], s=14, color=cmap(j % 10), label=key,
                   zorder=3)
    ax.set_xlabel("Time relative to the R-peak (s)")
    ax.set_ylabel("ECG")
    ax.set_title("Delineated heartbeats")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    return fig
