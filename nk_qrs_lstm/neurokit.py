"""The NeuroKit2 adapter: our waves <-> NeuroKit's formats, and opt-in registration.

Everything that knows NeuroKit2's conventions lives here: the ``waves`` dict
(one list entry per R-peak, NaN where absent), the 0/1 ``signals`` DataFrame,
``check=True``, plots, ``ecg_process`` and patching NeuroKit itself.
"""

import sys

import numpy as np
import pandas as pd

from .boundaries import qs_peaks

#: NeuroKit's keys, in the order of its ``prominence`` / ``cwt`` methods.
NK_KEYS = (
    "ECG_P_Onsets", "ECG_P_Peaks", "ECG_P_Offsets", "ECG_Q_Peaks", "ECG_R_Onsets",
    "ECG_R_Offsets", "ECG_S_Peaks", "ECG_T_Onsets", "ECG_T_Peaks", "ECG_T_Offsets",
)
SHOW_TYPES = ("peaks", "bounds_R", "bounds_T", "bounds_P", "all")
RPEAK_TOLERANCE_S = 0.05  # [s] an R-peak this far outside a QRS segment still belongs to it


def _nk():
    import neurokit2

    return neurokit2


def match_rpeaks(rpeaks, onsets, offsets, centres, sampling_rate):
    """Row of the QRS complex each R-peak falls in (-1 if none).

    Each QRS is given to at most one R-peak (the closest to its centre);
    other R-peaks in the same complex get -1.
    """
    rpeaks = np.asarray(rpeaks, dtype=float)
    rows = np.full(len(rpeaks), -1, dtype=np.int64)
    if not len(onsets) or not len(rpeaks):
        return rows
    tol = RPEAK_TOLERANCE_S * sampling_rate
    k = np.searchsorted(centres, rpeaks)
    left, right = np.clip(k - 1, 0, len(centres) - 1), np.clip(k, 0, len(centres) - 1)
    nearest = np.where(np.abs(rpeaks - centres[left]) <= np.abs(rpeaks - centres[right]), left, right)
    inside = (rpeaks >= onsets[nearest] - tol) & (rpeaks <= offsets[nearest] + tol)
    cand = np.flatnonzero(inside)
    dist = np.abs(rpeaks[cand] - centres[nearest[cand]])
    order = np.lexsort((dist, nearest[cand]))  # by row, then by distance
    _, first = np.unique(nearest[cand][order], return_index=True)
    winners = cand[order][first]
    rows[winners] = nearest[winners]
    return rows


def align_to_rpeaks(table, rpeaks, sampling_rate, signal):
    """One row per R-peak: attach each R-peak to the QRS complex it falls in.

    Parameters
    ----------
    table : dict of str -> ndarray
        Output of :func:`nk_qrs_lstm.boundaries.delineate_proba` (one value
        per QRS found by the model).
    rpeaks : ndarray of int or None
        The caller's R-peaks. ``None``: one row per QRS complex found by the
        model, in time order, with the model's R-peaks.
    sampling_rate : float
    signal : ndarray
        The caller's signal (Q and S peaks are searched around each R-peak).

    Returns
    -------
    dict of str -> ndarray of float
        ``ECG_``-prefixed keys of :data:`NK_KEYS` plus ``ECG_R_Peaks``, all
        of the same length; NaN where a beat has no such wave (an R-peak that
        falls in no QRS complex has all NaN but its R-peak).
    """
    if rpeaks is None:
        return {f"ECG_{k}": np.asarray(v, dtype=float) for k, v in table.items()}
    centres = (table["R_Onsets"] + table["R_Offsets"]) / 2
    rows = match_rpeaks(rpeaks, table["R_Onsets"], table["R_Offsets"], centres, sampling_rate)
    ok = rows >= 0
    out = {}
    for key, values in table.items():
        col = np.full(len(rpeaks), np.nan)
        col[ok] = values[rows[ok]]
        out[f"ECG_{key}"] = col
    # Q and S are taken around the caller's R-peak, inside the QRS
    r = np.where(ok, np.asarray(rpeaks, dtype=float), np.nan)
    qs = qs_peaks(np.where(np.isfinite(signal), signal, 0.0), out["ECG_R_Onsets"], r, out["ECG_R_Offsets"])
    out["ECG_Q_Peaks"], out["ECG_S_Peaks"] = qs["Q_Peaks"], qs["S_Peaks"]
    out["ECG_R_Peaks"] = np.asarray(rpeaks, dtype=float)
    return out


def to_neurokit(aligned, n_samples):
    """Format aligned fiducials as NeuroKit's ``(signals, waves)``.

    Parameters
    ----------
    aligned : dict of str -> ndarray
        Output of :func:`align_to_rpeaks`.
    n_samples : int
        Signal length.

    Returns
    -------
    signals : DataFrame
        One int64 0/1 column per key of :data:`NK_KEYS`, ``n_samples`` rows.
    waves : dict of str -> list
        Exactly the keys of :data:`NK_KEYS`; one entry per R-peak (int sample
        index, or ``np.nan``).
    """
    waves = {key: _as_list(aligned[key]) for key in NK_KEYS}
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


def check_waves(waves, rpeaks):
    """NeuroKit's ``check=True``, done as intended.

    A fiducial whose distance to its beat's R-peak has an absolute z-score
    above 3 (mean and SD over the beats where it exists) is set to NaN. The
    lists keep one entry per R-peak.
    """
    rpeaks = np.asarray(rpeaks, dtype=float)
    out = dict(waves)
    for key in NK_KEYS:
        values = np.asarray(waves[key], dtype=float)
        dist = values - rpeaks
        finite = np.isfinite(dist)
        if finite.sum() < 3:
            continue
        sd = np.std(dist[finite], ddof=1)
        if not sd > 0:
            continue
        z = np.abs(dist - np.mean(dist[finite])) / sd
        out[key] = [np.nan if (np.isfinite(zi) and zi > 3) else w for zi, w in zip(z, waves[key])]
    return out


def plot_delineation(signal, rpeaks, signals, sampling_rate, show_type="peaks"):
    """Draw the delineation as ``neurokit2.ecg_delineate(..., show=True)`` does."""
    _nk()  # the module is shadowed by the function of the same name: reach it through sys.modules
    sys.modules["neurokit2.ecg.ecg_delineate"]._ecg_delineate_plot(
        signal, rpeaks=np.asarray(rpeaks, dtype=np.int64), signals=signals,
        signal_features_type=show_type, sampling_rate=sampling_rate,
    )


# --------------------------------------------------------------------------- registration
_ORIGINALS = {}


def neurokit_delineate():
    """NeuroKit's own ``ecg_delineate`` (the original, even after :func:`register`)."""
    return _ORIGINALS.get("ecg_delineate") or _nk().ecg_delineate


def register():
    """Make NeuroKit2 itself use the learned delineator (opt-in).

    After this call ``neurokit2.ecg_delineate(..., method="lstm")`` runs
    nk_qrs_lstm, every other method still runs NeuroKit's, and
    ``neurokit2.ecg_process`` delineates with ``"lstm"``. Undo with
    :func:`unregister`.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> import nk_qrs_lstm
    >>> nk_qrs_lstm.register()
    >>> nk.ecg_delineate.__module__
    'nk_qrs_lstm.neurokit'
    >>> nk_qrs_lstm.unregister()
    >>> nk.ecg_delineate.__module__
    'neurokit2.ecg.ecg_delineate'
    """
    nk = _nk()
    if _ORIGINALS:
        return
    from .delineate import ecg_delineate as ours

    process_mod = sys.modules["neurokit2.ecg.ecg_process"]
    _ORIGINALS.update(ecg_delineate=nk.ecg_delineate, process_delineate=process_mod.ecg_delineate)

    def ecg_delineate(ecg_cleaned, rpeaks=None, sampling_rate=1000, method="dwt", show=False,
                      show_type="peaks", check=False, **kwargs):
        return ours(ecg_cleaned, rpeaks=rpeaks, sampling_rate=sampling_rate, method=method, show=show,
                    show_type=show_type, check=check, **kwargs)

    def process_delineate(ecg_cleaned, rpeaks=None, sampling_rate=1000, method="lstm", **kwargs):
        return ours(ecg_cleaned, rpeaks=rpeaks, sampling_rate=sampling_rate, method=method, **kwargs)

    ecg_delineate.__doc__ = ours.__doc__
    for target in (nk, nk.ecg, sys.modules["neurokit2.ecg.ecg_delineate"]):
        target.ecg_delineate = ecg_delineate
    process_mod.ecg_delineate = process_delineate


def unregister():
    """Undo :func:`register`: NeuroKit2 is as it was."""
    if not _ORIGINALS:
        return
    nk = _nk()
    for target in (nk, nk.ecg, sys.modules["neurokit2.ecg.ecg_delineate"]):
        target.ecg_delineate = _ORIGINALS["ecg_delineate"]
    sys.modules["neurokit2.ecg.ecg_process"].ecg_delineate = _ORIGINALS["process_delineate"]
    _ORIGINALS.clear()


def ecg_process(ecg_signal, sampling_rate=1000, method="neurokit", delineate_method="lstm"):
    """NeuroKit's ``ecg_process`` with the learned delineation.

    The same steps and outputs as :func:`neurokit2.ecg_process` (cleaning,
    R-peaks with artifact correction, rate, quality), with the delineation
    done by ``delineate_method`` and the cardiac phases computed from it.
    NeuroKit's own delineation is not run (it is slow and can crash).

    Parameters
    ----------
    ecg_signal : array-like
        Raw ECG.
    sampling_rate : float
        Hz.
    method : str
        NeuroKit's processing method (cleaning and R-peaks).
    delineate_method : str
        Any method of :func:`nk_qrs_lstm.ecg_delineate`.

    Returns
    -------
    signals : DataFrame
        Columns of ``neurokit2.ecg_process``.
    info : dict
        NeuroKit's info dict with the delineation keys.

    See Also
    --------
    neurokit2.ecg_process, nk_qrs_lstm.ecg_delineate

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)
    >>> signals, info = ecg_process(ecg, sampling_rate=500)
    >>> "ECG_P_Onsets" in signals and "ECG_Phase_Atrial" in signals
    True
    """
    from .delineate import ecg_delineate

    nk = _nk()
    ecg_signal = nk.signal_sanitize(ecg_signal)
    cleaned = nk.ecg_clean(ecg_signal, sampling_rate=sampling_rate, method=method)
    instant_peaks, info = nk.ecg_peaks(cleaned, sampling_rate=sampling_rate, method=method,
                                       correct_artifacts=True)
    rate = nk.signal_rate(info, sampling_rate=sampling_rate, desired_length=len(cleaned))
    quality = nk.ecg_quality(cleaned, rpeaks=info["ECG_R_Peaks"], sampling_rate=sampling_rate)
    signals = pd.DataFrame({"ECG_Raw": ecg_signal, "ECG_Clean": cleaned, "ECG_Rate": rate, "ECG_Quality": quality})
    delin_signals, waves = ecg_delineate(cleaned, rpeaks=info["ECG_R_Peaks"], sampling_rate=sampling_rate,
                                         method=delineate_method)
    info.update(waves)
    phase = nk.ecg_phase(cleaned, rpeaks=info["ECG_R_Peaks"], delineate_info=waves, sampling_rate=sampling_rate)
    return pd.concat([signals, instant_peaks, delin_signals, phase], axis=1), info
