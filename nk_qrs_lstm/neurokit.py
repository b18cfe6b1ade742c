"""The NeuroKit2 adapter: per-beat tables <-> NeuroKit's ``(signals, waves)``.

Everything that knows NeuroKit2's output conventions lives here: the
``waves`` dict (one list entry per R-peak, NaN where absent), the 0/1
``signals`` DataFrame, ``check=True``, the empty result NeuroKit gives when
there are no R-peaks, and the handle on NeuroKit's own ``ecg_delineate``.
Registration into NeuroKit itself is :mod:`nk_qrs_lstm.integration`.
"""

import numpy as np
import pandas as pd

from .defaults import BEAT_KEYS, NK_KEYS

#: What NeuroKit2 warns, word for word, when a delineation gets no R-peaks.
NO_RPEAKS_MESSAGE = "No R-peaks were detected. Returning empty results for ECG delineation."
SHOW_TYPES = ("peaks", "bounds_R", "bounds_T", "bounds_P", "all")

_ORIGINALS = {}  # NeuroKit's functions replaced by nk_qrs_lstm.integration.register()


def _nk():
    import neurokit2

    return neurokit2


def neurokit_delineate():
    """NeuroKit's own ``ecg_delineate`` (the original, even after :func:`nk_qrs_lstm.register`)."""
    return _ORIGINALS.get("ecg_delineate") or _nk().ecg_delineate


def empty_result(n_samples, with_rpeaks=False):
    """NeuroKit's answer for no R-peaks: zero ``signals`` and empty float arrays.

    ``with_rpeaks``: ``waves`` starts with an empty ``ECG_R_Peaks`` too (as
    :func:`to_neurokit` gives it where the method found the beats itself).

    Examples
    --------
    >>> signals, waves = empty_result(3)
    >>> signals.shape, waves["ECG_R_Onsets"].dtype
    ((3, 10), dtype('float64'))
    >>> list(empty_result(3, with_rpeaks=True)[1])[0]
    'ECG_R_Peaks'
    """
    keys = BEAT_KEYS if with_rpeaks else NK_KEYS
    waves = {key: np.array([], dtype=float) for key in keys}
    return waves_to_signals(waves, n_samples), waves


def to_neurokit(aligned, n_samples, with_rpeaks=False):
    """Format aligned fiducials as NeuroKit's ``(signals, waves)``.

    Parameters
    ----------
    aligned : dict of str -> ndarray
        Per-beat table (:func:`nk_qrs_lstm.alignment.align`).
    n_samples : int
        Signal length.
    with_rpeaks : bool
        Start ``waves`` with ``ECG_R_Peaks``, the R-peak of each row: for
        rows that are the beats a method found itself (no R-peaks given), so
        that a caller pairs each row with its own beat (not with a separate
        R-peak detector's, which may find other beats).

    Returns
    -------
    signals : DataFrame
        One int64 0/1 column per key of :data:`NK_KEYS`, ``n_samples`` rows.
    waves : dict of str -> list
        The keys of :data:`NK_KEYS` (after ``ECG_R_Peaks`` if
        ``with_rpeaks``); one entry per beat (int sample index, or
        ``np.nan``).

    Examples
    --------
    >>> table = {k: np.array([np.nan]) for k in BEAT_KEYS}
    >>> table["ECG_R_Peaks"], table["ECG_R_Onsets"] = np.array([50.0]), np.array([45.0])
    >>> signals, waves = to_neurokit(table, 100, with_rpeaks=True)
    >>> waves["ECG_R_Peaks"], waves["ECG_R_Onsets"], list(signals.columns) == list(NK_KEYS)
    ([50], [45], True)
    """
    keys = BEAT_KEYS if with_rpeaks else NK_KEYS
    waves = {key: _as_list(aligned[key]) for key in keys}
    return waves_to_signals(waves, n_samples), waves


def _as_list(values):
    """Float array -> list of Python ints, with ``np.nan`` where missing (NeuroKit's element types)."""
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), np.nan, dtype=object)
    finite = np.isfinite(values)
    out[finite] = values[finite].astype(np.int64).tolist()
    return out.tolist()


def waves_to_signals(waves, n_samples, keys=NK_KEYS):
    """NeuroKit's 0/1 DataFrame (int64 columns) marking each fiducial."""
    data = np.zeros((n_samples, len(keys)), dtype=np.int64)
    for j, key in enumerate(keys):
        idx = np.asarray(waves[key], dtype=float)
        idx = idx[np.isfinite(idx)].astype(np.int64)
        data[idx[(idx >= 0) & (idx < n_samples)], j] = 1
    return pd.DataFrame(data, columns=list(keys), copy=False)


def check_table(table):
    """NeuroKit's ``check=True``, done as intended, on a per-beat table.

    A fiducial whose distance to its beat's R-peak has an absolute z-score
    above 3 (mean and SD over the beats where it exists) is set to NaN. Rows
    are kept: one per R-peak.

    Parameters
    ----------
    table : dict of str -> ndarray of float
        ``ECG_R_Peaks`` and the keys of :data:`NK_KEYS`.

    Returns
    -------
    dict
        A new table (the input is not modified).

    Examples
    --------
    >>> r = np.arange(20) * 100.0
    >>> table = {"ECG_R_Peaks": r, "ECG_R_Onsets": r - 20}
    >>> table["ECG_R_Onsets"][4] = 5 * 100 - 90
    >>> bool(np.isnan(check_table(table)["ECG_R_Onsets"][4]))
    True
    """
    rpeaks = np.asarray(table["ECG_R_Peaks"], dtype=float)
    out = dict(table)
    for key in NK_KEYS:
        if key not in table:
            continue
        values = np.asarray(table[key], dtype=float)
        dist = values - rpeaks
        finite = np.isfinite(dist)
        if finite.sum() < 3:
            continue
        sd = np.std(dist[finite], ddof=1)
        if not sd > 0:
            continue
        with np.errstate(invalid="ignore"):
            outlier = np.abs(dist - np.mean(dist[finite])) / sd > 3
        out[key] = np.where(outlier, np.nan, values)
    return out


def table_to_frame(table, keys=None):
    """Per-beat table -> DataFrame of nullable integers (``Int64``; ``<NA>`` where absent).

    Examples
    --------
    >>> table_to_frame({"ECG_R_Peaks": np.array([10.0, np.nan])}, keys=["ECG_R_Peaks"]).dtypes.tolist()
    [Int64Dtype()]
    """
    keys = list(table) if keys is None else list(keys)
    return pd.DataFrame({k: pd.array(np.asarray(table[k], dtype=float), dtype="Float64").astype("Int64")
                         if k in BEAT_KEYS else np.asarray(table[k], dtype=float) for k in keys})


#: The fiducials each confidence vouches for.
CONFIDENCE_WAVES = {
    "ECG_P_Confidence": ("ECG_P_Onsets", "ECG_P_Peaks", "ECG_P_Offsets"),
    "ECG_R_Confidence": ("ECG_Q_Peaks", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_S_Peaks"),
    "ECG_T_Confidence": ("ECG_T_Onsets", "ECG_T_Peaks", "ECG_T_Offsets"),
}


def filter_confidence(table, min_confidence):
    """Set to NaN the fiducials of every wave whose confidence is below ``min_confidence``.

    A wave without a confidence (NaN, e.g. from ``decoder="argmax"``) is kept.
    R-peaks are never removed (one row per R-peak stays).

    Examples
    --------
    >>> t = {"ECG_P_Onsets": np.array([1.0, 2.0]), "ECG_P_Confidence": np.array([0.9, 0.2])}
    >>> filter_confidence(t, 0.5)["ECG_P_Onsets"].tolist()
    [1.0, nan]
    """
    out = dict(table)
    for conf_key, keys in CONFIDENCE_WAVES.items():
        if conf_key not in table:
            continue
        with np.errstate(invalid="ignore"):
            low = np.asarray(table[conf_key], dtype=float) < min_confidence
        for key in keys:
            if key in table:
                out[key] = np.where(low, np.nan, np.asarray(table[key], dtype=float))
    return out
