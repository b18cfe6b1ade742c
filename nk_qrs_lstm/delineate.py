"""The front door: NeuroKit-compatible ``ecg_delineate`` and friends.

Validates once, picks the method from the one registry
(:mod:`nk_qrs_lstm.registry`), runs the one pipeline
(:mod:`nk_qrs_lstm.pipeline`) for the learned methods, then formats, applies
``check`` and plots once. NeuroKit2's own methods (``"dwt"``, ``"cwt"``,
``"peak"``, ``"prominence"`` and their aliases) are passed to
:func:`neurokit2.ecg_delineate` unchanged, so one call site can switch
between classical and learned methods.
"""

import numbers

import numpy as np
import pandas as pd

from ._checks import check_flag, check_option, check_time_scale, warn
from ._validation import check_method_kwargs, check_method_table, refuse_learned_options, validate_input
from .defaults import BEAT_KEYS, BEAT_WINDOW_S, CLASSES, CONFIDENCE_KEYS
from .neurokit import (
    NO_RPEAKS_MESSAGE,
    SHOW_TYPES,
    check_table,
    empty_result,
    filter_confidence,
    table_to_frame,
    to_neurokit,
)
from .mains import shared_spectra
from .pipeline import delineate_lead, resample_proba
from .quality import warn_delineated
from .registry import available_methods, get_method, register_delineator  # noqa: F401 (public here too)

#: NeuroKit's plot keywords that ``ecg_delineate(..., show=True)`` takes beside a learned method's own.
PLOT_KWARGS = ("window_start", "window_end")
PROBA_COLUMNS = tuple(f"ECG_Proba_{c.capitalize() if c == 'background' else c}" for c in CLASSES)


# --------------------------------------------------------------------------- the learned method
@register_delineator("lstm")
def lstm(ecg, rpeaks, sampling_rate, backend="onnx", time_scale=1.0, rhythm_gate=True):
    """The shipped Conv + BiLSTM network, through the one pipeline.

    Parameters
    ----------
    ecg : ndarray
        Validated lead.
    rpeaks : ndarray of int or None
    sampling_rate : float
    backend : {"onnx", "tensorflow"}
        Runtime of the network.
    time_scale : float
        How many times shorter the waves are than an adult's (1 to 3; e.g.
        1.5 for a small child's ECG): the network sees the lead that many
        times slower. Indices stay the caller's samples.
    rhythm_gate : bool
        Refuse P waves in stretches whose rhythm has none (atrial
        fibrillation, flutter: irregular RR with weak P evidence, or no wave
        repeated before the QRS complexes). ``False`` keeps every P wave the
        network sees, for a rhythm known to have them whose RR varies a lot
        (a marked sinus arrhythmia, multifocal atrial rhythms).

    Returns
    -------
    dict of str -> ndarray of float
        Per-beat table (:func:`nk_qrs_lstm.alignment.align`).
    """
    return delineate_lead(ecg, sampling_rate, rpeaks, backend=backend, time_scale=check_time_scale(time_scale),
                          rhythm_gate=check_flag("rhythm_gate", rhythm_gate))[0]


#: The shipped method's options, checked before the input (its warnings would come before the option's error).
_OPTION_CHECKS = {"time_scale": check_time_scale, "rhythm_gate": lambda value: check_flag("rhythm_gate", value)}


def _learned_table(method, ecg_cleaned, rpeaks, sampling_rate, kwargs):
    """Validated input -> the learned method's per-beat table (None when there are no R-peaks)."""
    check_method_kwargs(method, kwargs)
    for key in _OPTION_CHECKS.keys() & kwargs.keys() if method.func is lstm else ():
        _OPTION_CHECKS[key](kwargs[key])
    with shared_spectra():  # the quality check's spectra serve the pipeline's mains search
        ecg, rpeaks, rate = validate_input(ecg_cleaned, rpeaks, sampling_rate)
        if rpeaks is not None and not len(rpeaks):
            warn(NO_RPEAKS_MESSAGE)
            return ecg, rate, None
        table = check_method_table(method, method.func(ecg, rpeaks, rate, **kwargs), rpeaks)
    warn_delineated(ecg, rate, table)
    if rpeaks is None and not len(table["ECG_R_Peaks"]):
        warn(NO_RPEAKS_MESSAGE)
        return ecg, rate, None
    return ecg, rate, table


# --------------------------------------------------------------------------- public functions
def ecg_delineate(ecg_cleaned, rpeaks=None, sampling_rate=1000, method="lstm", show=False, show_type="peaks",
                  check=False, **kwargs):
    """Delineate the P wave, QRS complex and T wave of every beat.

    A drop-in for :func:`neurokit2.ecg_delineate` with the same signature
    and return values. ``method="lstm"`` (the default) uses a Conv + BiLSTM
    network that classifies every sample as P, QRS, T or background
    (trained on LUDB and QTDB); boundaries are read off those probabilities.
    Any NeuroKit2 method name is passed to NeuroKit2 unchanged.

    Parameters
    ----------
    ecg_cleaned : list, ndarray, Series or DataFrame
        One ECG lead (a DataFrame must have an ``ECG_Clean`` column). The
        learned method also accepts raw signals: it removes baseline wander
        itself.
    rpeaks : array-like or dict, optional
        R-peak sample indices, or NeuroKit's info dict. ``None`` with
        ``method="lstm"``: one entry per QRS complex found by the network
        (no R-peak detector needed); with a NeuroKit method, NeuroKit's
        ``ecg_peaks`` is run.
    sampling_rate : float
        Hz, at least 50 for ``"lstm"``, below 100 with a warning (any rate is resampled). Indices are
        returned at this rate.
    method : str
        ``"lstm"``, ``"dwt"``, ``"cwt"``, ``"peak"`` or ``"prominence"``
        (NeuroKit2's aliases are accepted too).
    show : bool
        Plot the delineation as NeuroKit2 does.
    show_type : {"peaks", "bounds_R", "bounds_T", "bounds_P", "all"}
        What to plot.
    check : bool
        Set to NaN the points whose distance to their R-peak is an outlier
        (``|z| > 3``), NeuroKit's intended check.
    **kwargs
        ``backend="onnx"`` (default) or ``"tensorflow"`` for ``"lstm"``, and
        ``time_scale`` (1 to 3, default 1): how many times shorter the waves
        are than an adult's, for infants' and small children's ECGs (e.g.
        1.5 where the QRS lasts about 60 ms): the network, trained on adults,
        then sees the lead that many times slower (indices stay the lead's
        samples; see ``docs/api.md``), and ``rhythm_gate`` (default True;
        ``False`` keeps the P waves the rhythm gate would refuse as atrial
        fibrillation or flutter, for a rhythm known to have P waves whose RR
        varies a lot); with ``show=True``, NeuroKit's plot window ``window_start`` and
        ``window_end`` (seconds around the R-peak; -0.35 and 0.55);
        NeuroKit's keyword arguments for its methods. An R-peak is given the
        QRS complex nearest to it within 150 ms and half its RR interval
        (:func:`nk_qrs_lstm.alignment.match_rpeaks`).

    Returns
    -------
    signals : DataFrame
        One int64 column of 0/1 per fiducial, one row per input sample.
    waves : dict of str -> list
        Keys ``ECG_P_Onsets``, ``ECG_P_Peaks``, ``ECG_P_Offsets``,
        ``ECG_Q_Peaks``, ``ECG_R_Onsets``, ``ECG_R_Offsets``, ``ECG_S_Peaks``,
        ``ECG_T_Onsets``, ``ECG_T_Peaks``, ``ECG_T_Offsets``: one entry per
        R-peak, a sample index or ``np.nan`` where that beat has no such wave.
        With ``rpeaks=None`` and a learned method, the rows are the QRS
        complexes the network found and ``waves`` starts with
        ``ECG_R_Peaks``, each row's R-peak: pair rows with these (e.g. for
        RR intervals), not with a separate ``nk.ecg_peaks`` call, which may
        find other beats.

    Warns
    -----
    NKQRSLSTMWarning
        NeuroKit's "No R-peaks were detected..." when ``rpeaks`` is empty, or
        ``None`` and no QRS complex is found (the result is then NeuroKit's
        empty one: zero ``signals`` and empty float arrays); also for gaps,
        flat and clipped signals, noise, band-pass-cleaned input and 1-4 Hz
        sway under the P waves (:mod:`nk_qrs_lstm.quality`). A subclass of
        ``NeuroKitWarning``.

    See Also
    --------
    neurokit2.ecg_delineate, ecg_delineate_proba, ecg_delineate_table, delineate_record

    Notes
    -----
    ``ecg_cleaned`` may be raw or cleaned: the moving average of NeuroKit's
    default cleaning (``nk.ecg_clean``) is recognised and undone before the
    network (``nk_qrs_lstm.unsmooth``), so both give the same boundaries.

    References
    ----------
    * Kalyakulina A.I. et al. (2020). LUDB: A New Open-Access Validation Tool
      for Electrocardiogram Delineation Algorithms. IEEE Access 8:186181-186190.
    * Laguna P. et al. (1997). A Database for Evaluation of Algorithms for
      Measurement of QT and Other Waveform Intervals in the ECG. Computers in
      Cardiology 24:673-676.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> import nk_qrs_lstm
    >>> ecg = nk.ecg_simulate(duration=10, sampling_rate=500, heart_rate=70, random_state=1)
    >>> cleaned = nk.ecg_clean(ecg, sampling_rate=500)
    >>> _, info = nk.ecg_peaks(cleaned, sampling_rate=500)
    >>> signals, waves = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500)
    >>> len(waves["ECG_R_Onsets"]) == len(info["ECG_R_Peaks"])
    True
    >>> list(signals.columns) == list(waves)
    True

    Without R-peaks, each row comes with the R-peak of its complex:

    >>> signals, waves = nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500)
    >>> len(waves["ECG_R_Peaks"]) == len(waves["ECG_T_Offsets"])
    True
    """
    method = get_method(method)
    if show and (not isinstance(show_type, str) or show_type not in SHOW_TYPES):
        check_option("show_type", show_type, SHOW_TYPES)
    if method.kind == "neurokit":
        refuse_learned_options(method, kwargs)
        return method.func(ecg_cleaned, rpeaks, sampling_rate, show, show_type, check, **kwargs)
    window = {key: kwargs.pop(key) for key in PLOT_KWARGS if key in kwargs}
    if show:
        _check_window(**window)
    ecg, rate, table = _learned_table(method, ecg_cleaned, rpeaks, sampling_rate, kwargs)
    own_beats = rpeaks is None  # the rows are the complexes the method found: say which R-peak each is
    if table is None:
        return empty_result(len(ecg), with_rpeaks=own_beats)
    if check:
        table = check_table(table)
    signals, waves = to_neurokit(table, len(ecg), with_rpeaks=own_beats)
    if show:
        from .plotting import plot_delineation

        plot_delineation(ecg, table, rate, show_type, **window)
    return signals, waves


def _check_window(window_start=BEAT_WINDOW_S[0], window_end=BEAT_WINDOW_S[1]):
    """NeuroKit's plot window: two finite numbers of seconds, ``window_start < window_end``."""
    for name, value in (("window_start", window_start), ("window_end", window_end)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(f"{name} == {value!r}, must be a finite number of seconds around the R-peak.")
    if not window_start < window_end:
        raise ValueError(f"window_start == {window_start!r} must be less than window_end == {window_end!r}.")


def ecg_delineate_proba(ecg_cleaned, sampling_rate=1000, backend="onnx", show=False, time_scale=1.0,
                        rhythm_gate=True):
    """Per-sample probabilities of P wave, QRS complex, T wave and background.

    Parameters
    ----------
    ecg_cleaned : array-like
        One ECG lead.
    sampling_rate : float
        Hz (100 or more; the signal is resampled to the network's 250 Hz and the probabilities back).
    backend : {"onnx", "tensorflow"}
    show : bool
        Plot the signal with the probability curves and the boundaries found.
    time_scale : float
        1 to 3: how many times shorter the waves are than an adult's (as in
        :func:`ecg_delineate`).
    rhythm_gate : bool
        For the boundaries plotted with ``show``: as in :func:`ecg_delineate`
        (the probabilities do not depend on it).

    Returns
    -------
    DataFrame
        Columns ``ECG_Proba_Background``, ``ECG_Proba_P``, ``ECG_Proba_QRS``,
        ``ECG_Proba_T``; one row per input sample (rows sum to 1).

    See Also
    --------
    ecg_delineate, nk_qrs_lstm.plotting.plot_proba

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=5, sampling_rate=250, random_state=2)
    >>> proba = ecg_delineate_proba(ecg, sampling_rate=250)
    >>> proba.shape
    (1250, 4)
    >>> bool(np.allclose(proba.sum(axis=1), 1, atol=1e-4))
    True
    """
    time_scale, rhythm_gate = check_time_scale(time_scale), check_flag("rhythm_gate", rhythm_gate)
    with shared_spectra():
        ecg, _, rate = validate_input(ecg_cleaned, None, sampling_rate)
        table, proba, rate_map = delineate_lead(ecg, rate, backend=backend, keep_proba=True, time_scale=time_scale,
                                                rhythm_gate=rhythm_gate)
    frame = pd.DataFrame(resample_proba(proba, rate_map, len(ecg)), columns=list(PROBA_COLUMNS))
    if show:  # the boundaries of the same network run
        from .plotting import plot_proba

        plot_proba(ecg, frame, rate, waves=table)
    return frame


def ecg_delineate_table(ecg_cleaned, rpeaks=None, sampling_rate=1000, method="lstm", min_confidence=None,
                        **kwargs):
    """The learned delineation as a tidy table, one row per beat.

    Parameters
    ----------
    ecg_cleaned, rpeaks, sampling_rate
        As in :func:`ecg_delineate`.
    method : str
        A learned method (``"lstm"``, or one added with
        :func:`register_delineator`).
    min_confidence : float, optional
        Drop (set to ``<NA>``) the fiducials of every wave whose confidence
        is below this value (see Returns); one row per beat stays.
    **kwargs
        The method's options (``backend="onnx"`` or ``"tensorflow"``, and
        ``time_scale`` for infants' and small children's ECGs, and
        ``rhythm_gate``, for ``"lstm"``: see :func:`ecg_delineate`).

    Returns
    -------
    DataFrame
        Columns ``ECG_R_Peaks`` and every key of :func:`ecg_delineate`'s
        ``waves``, as nullable integer sample indices (``Int64``, ``<NA>``
        where absent); then, for ``"lstm"``, ``ECG_P_Confidence``,
        ``ECG_R_Confidence`` and ``ECG_T_Confidence``: each wave's confidence
        in [0, 1], calibrated on the validation splits (``docs/decoding.md``;
        NaN where the wave is absent). Memory beyond the input and the table stays bounded
        for any length (the signal is processed in blocks of one hour).

    See Also
    --------
    ecg_delineate, nk_qrs_lstm.record.delineate_record

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=8, sampling_rate=500, heart_rate=60, random_state=3)
    >>> table = ecg_delineate_table(ecg, sampling_rate=500)
    >>> 6 <= len(table) <= 9
    True
    """
    method = get_method(method)
    if method.kind != "learned":
        check_option("method", method.name, available_methods("learned"))
    if min_confidence is not None and (isinstance(min_confidence, bool) or not isinstance(min_confidence, numbers.Real)
                                       or not 0 <= min_confidence <= 1):
        raise ValueError(f"min_confidence == {min_confidence!r}, must be a number in [0, 1].")
    _, _, table = _learned_table(method, ecg_cleaned, rpeaks, sampling_rate, kwargs)
    if table is None:
        table = {k: np.zeros(0) for k in BEAT_KEYS}
    if min_confidence is not None:
        table = filter_confidence(table, min_confidence)
    return table_to_frame(table, BEAT_KEYS + tuple(k for k in CONFIDENCE_KEYS if k in table))
