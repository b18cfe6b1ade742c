"""NeuroKit2 itself with the learned delineator: opt-in registration and ``ecg_process``.

This module sits above the front door (:mod:`nk_qrs_lstm.delineate`) and is
imported by nothing inside the package but ``__init__``.
"""

import sys

import numpy as np
import pandas as pd

from ._checks import check_flag, check_sampling_rate, check_time_scale
from .defaults import NK_KEYS
from .delineate import ecg_delineate as _ours
from .neurokit import _ORIGINALS, _nk


def _process_order(keys=NK_KEYS):
    """NeuroKit's ``ecg_process`` column order (its default method): P and T peaks before their limits."""

    def rank(key):
        wave, point = key.split("_")[1:]
        group = {"P": 0, "T": 2}.get(wave, 1)
        return (group, not (group != 1 and point == "Peaks"), keys.index(key))

    return tuple(sorted(keys, key=rank))


#: Delineation columns in the order ``neurokit2.ecg_process`` gives them.
PROCESS_KEYS = _process_order()


def _process_waves(waves):
    """``waves`` with the delineation keys in ``ecg_process``'s order (its info dict's order; others after)."""
    return {**{k: waves[k] for k in PROCESS_KEYS if k in waves}, **{k: v for k, v in waves.items()
                                                                   if k not in PROCESS_KEYS}}


def register(default=False):
    """Make NeuroKit2 itself use the learned delineator (opt-in).

    After this call ``neurokit2.ecg_delineate(..., method="lstm")`` runs
    nk_qrs_lstm, every other method still runs NeuroKit's, and
    ``neurokit2.ecg_process`` (also inside ``neurokit2.bio_process``) is
    :func:`ecg_process`: NeuroKit's steps and columns, delineated with
    ``"lstm"``, samples missing in the raw signal delineated as gaps.
    NeuroKit's own modules that call ``ecg_delineate`` (``ecg_phase``...)
    get the same function. Undo with :func:`unregister`.

    Parameters
    ----------
    default : bool
        Also make ``"lstm"`` the default method of ``neurokit2.ecg_delineate``
        (NeuroKit's default, ``"dwt"``, is kept otherwise).

    See Also
    --------
    unregister, nk_qrs_lstm.ecg_delineate

    Examples
    --------
    >>> import neurokit2 as nk
    >>> import nk_qrs_lstm
    >>> nk_qrs_lstm.register()
    >>> nk.ecg_delineate.__module__
    'nk_qrs_lstm.integration'
    >>> nk_qrs_lstm.unregister()
    >>> nk.ecg_delineate.__module__
    'neurokit2.ecg.ecg_delineate'
    """
    nk = _nk()
    if _ORIGINALS:
        unregister()
    _ORIGINALS.update(ecg_delineate=nk.ecg_delineate, ecg_process=nk.ecg_process)
    default_method = "lstm" if default else "dwt"

    def ecg_delineate(ecg_cleaned, rpeaks=None, sampling_rate=1000, method=default_method, show=False,
                      show_type="peaks", check=False, **kwargs):
        return _ours(ecg_cleaned, rpeaks=rpeaks, sampling_rate=sampling_rate, method=method, show=show,
                     show_type=show_type, check=check, **kwargs)

    ecg_delineate.__doc__ = _ours.__doc__
    # every NeuroKit module holding the function by name (nk, nk.ecg, ecg_phase...; bio_process for ecg_process):
    # NeuroKit's ecg_process becomes ours, which delineates the samples its cleaning filled as gaps
    replaced = {"ecg_delineate": ecg_delineate, "ecg_process": ecg_process}
    _ORIGINALS["modules"] = [(module, name) for key, module in list(sys.modules.items())
                             if key == "neurokit2" or key.startswith("neurokit2.") for name in replaced
                             if getattr(module, name, None) is _ORIGINALS[name]]
    for module, name in _ORIGINALS["modules"]:
        setattr(module, name, replaced[name])


def unregister():
    """Undo :func:`register`: NeuroKit2 is as it was."""
    if not _ORIGINALS:
        return
    for module, name in _ORIGINALS["modules"]:
        setattr(module, name, _ORIGINALS[name])
    _ORIGINALS.clear()


def ecg_process(ecg_signal, sampling_rate=1000, method="neurokit", delineate_method="lstm", time_scale=1.0,
                rhythm_gate=True, **kwargs):
    """NeuroKit's ``ecg_process`` with the learned delineation.

    The same steps, outputs and column order as :func:`neurokit2.ecg_process`
    (cleaning, R-peaks with artifact correction, rate, quality, delineation,
    cardiac phases), with the delineation done by ``delineate_method``.
    NeuroKit's own delineation is not run (it is slow and can crash). Samples
    missing (NaN) in ``ecg_signal``, which NeuroKit's cleaning fills with a
    held value, are delineated as the gaps they are (no wave boundary in or
    next to them), not as signal.

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
    time_scale : float
        For the learned delineation: how many times shorter the waves are
        than an adult's (1 to 3; e.g. 1.5 for a small child's ECG), as in
        :func:`nk_qrs_lstm.ecg_delineate`.
    rhythm_gate : bool
        For the learned delineation: False keeps the P waves the rhythm gate
        would refuse as atrial fibrillation or flutter, as in
        :func:`nk_qrs_lstm.ecg_delineate`.
    **kwargs
        Passed to :func:`neurokit2.ecg_clean`, as NeuroKit does (e.g.
        ``powerline=60``).

    Returns
    -------
    signals : DataFrame
        Columns of ``neurokit2.ecg_process``, in its order.
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
    nk = _nk()
    check_sampling_rate(sampling_rate)  # before NeuroKit's cleaning, which fails obscurely on a bad rate
    time_scale, rhythm_gate = check_time_scale(time_scale), check_flag("rhythm_gate", rhythm_gate)
    ecg_signal = nk.signal_sanitize(ecg_signal)
    cleaned = nk.ecg_clean(ecg_signal, sampling_rate=sampling_rate, method=method, **kwargs)
    instant_peaks, info = nk.ecg_peaks(cleaned, sampling_rate=sampling_rate, method=method,
                                       correct_artifacts=True)
    rate = nk.signal_rate(info, sampling_rate=sampling_rate, desired_length=len(cleaned))
    quality = nk.ecg_quality(cleaned, rpeaks=info["ECG_R_Peaks"], sampling_rate=sampling_rate)
    signals = pd.DataFrame({"ECG_Raw": ecg_signal, "ECG_Clean": cleaned, "ECG_Rate": rate, "ECG_Quality": quality})
    options = {} if time_scale == 1.0 else {"time_scale": time_scale}  # NeuroKit's methods take neither
    if not rhythm_gate:
        options["rhythm_gate"] = False
    missing = np.isnan(np.asarray(ecg_signal, dtype=float))  # NeuroKit's cleaning filled them: not ECG
    delin_signals, waves = _ours(np.where(missing, np.nan, cleaned) if missing.any() else cleaned,
                                 rpeaks=info["ECG_R_Peaks"], sampling_rate=sampling_rate, method=delineate_method,
                                 **options)
    info.update(_process_waves(waves))  # NeuroKit's key order (P peaks before their limits)
    phase = nk.ecg_phase(cleaned, rpeaks=info["ECG_R_Peaks"], delineate_info=waves, sampling_rate=sampling_rate)
    delin_signals = delin_signals[[k for k in PROCESS_KEYS if k in delin_signals]]
    return pd.concat([signals, instant_peaks, delin_signals, phase], axis=1), info
