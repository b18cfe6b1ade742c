"""The front door: NeuroKit-compatible ``ecg_delineate`` and the method registry.

``method="lstm"`` runs the learned delineator; NeuroKit2's own methods
(``"dwt"``, ``"cwt"``, ``"peak"``, ``"prominence"`` and their aliases) are
passed to :func:`neurokit2.ecg_delineate` unchanged, so one call site can
switch between classical and learned methods.
"""

import numpy as np
import pandas as pd

from ._checks import check_ecg, check_option, check_rpeaks, check_sampling_rate, warn
from .boundaries import delineate_proba
from .defaults import CLASSES, MIN_DURATION_S, MODEL_RATE
from .runtime import BATCH_WINDOWS, predict_windows
from .neurokit import (
    NK_KEYS,
    SHOW_TYPES,
    align_to_rpeaks,
    check_waves,
    neurokit_delineate,
    plot_delineation,
    to_neurokit,
)
from .preprocess import keep_slices, make_windows, normalise, prepare, window_plan

_DELINEATORS = {}
#: NeuroKit2's method names (and the aliases it accepts), passed through.
NEUROKIT_METHODS = {
    "dwt": ("dwt", "discrete wavelet transform"),
    "cwt": ("cwt", "continuous wavelet transform"),
    "peak": ("peak", "peaks", "derivative", "gradient"),
    "prominence": ("prominence", "peak-prominence", "emrich", "emrich2024"),
}
PROBA_COLUMNS = tuple(f"ECG_Proba_{c.capitalize() if c == 'background' else c}" for c in CLASSES)


def register_delineator(name):
    """Decorator adding a delineator to the registry under ``name``.

    The function is called as ``f(ecg_cleaned, rpeaks, sampling_rate, show,
    show_type, check, **kwargs)`` and returns ``(signals, waves)``.
    """

    def decorator(func):
        _DELINEATORS[name] = func
        return func

    return decorator


def available_methods():
    """Canonical names accepted by :func:`ecg_delineate`.

    Examples
    --------
    >>> available_methods()
    ['cwt', 'dwt', 'lstm', 'peak', 'prominence']
    """
    return sorted(set(_DELINEATORS) | set(NEUROKIT_METHODS))


def _neurokit_method(canonical):
    def delineator(ecg_cleaned, rpeaks, sampling_rate, show, show_type, check, **kwargs):
        return neurokit_delineate()(ecg_cleaned, rpeaks=rpeaks, sampling_rate=sampling_rate, method=canonical,
                                    show=show, show_type=show_type, check=check, **kwargs)

    return delineator


_ALIASES = {alias: canonical for canonical, aliases in NEUROKIT_METHODS.items() for alias in aliases}
for _canonical in NEUROKIT_METHODS:
    register_delineator(_canonical)(_neurokit_method(_canonical))


def _resolve(method):
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {type(method).__name__} {method!r}.")
    key = _ALIASES.get(method.lower(), method.lower())
    if key not in _DELINEATORS:
        check_option("method", method, available_methods())
    return key


# --------------------------------------------------------------------------- the learned method
def predict_proba(signal, sampling_rate, backend="onnx"):
    """Per-sample class probabilities of one lead, at the model rate.

    The signal is resampled to :data:`MODEL_RATE`, high-passed, cut into
    overlapping windows normalised one by one, run through the network in
    batches of ``BATCH_WINDOWS`` windows (memory stays bounded for any
    length) and stitched back. Gaps (NaN/inf input) and flat windows are
    background.

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        Validated single-lead signal.
    sampling_rate : float
        Hz.
    backend : {"onnx", "tensorflow"}

    Returns
    -------
    ndarray of float32, shape (n_model, 4)
    """
    return _predict(signal, sampling_rate, backend)[0]


def _predict(signal, sampling_rate, backend):
    """:func:`predict_proba` and the model-rate mask of gap samples."""
    x, bad = prepare(signal, sampling_rate)
    starts, window = window_plan(len(x))
    lo, hi = keep_slices(starts, window)
    out = np.empty((len(x), len(CLASSES)), dtype=np.float32)
    for c in range(0, len(starts), BATCH_WINDOWS):
        chunk = starts[c : c + BATCH_WINDOWS]
        windows, flat = normalise(make_windows(x, chunk, window), return_flat=True)
        proba = predict_windows(windows, backend=backend)
        proba[flat] = (1.0, 0.0, 0.0, 0.0)
        for i, start in enumerate(chunk):
            j = c + i
            stop = min(start + hi[j], len(x))
            out[start + lo[j] : stop] = proba[i, lo[j] : stop - start]
    out[bad] = (1.0, 0.0, 0.0, 0.0)
    return out, bad


def _lstm_table(ecg, sampling_rate, rpeaks, backend):
    """Validated input -> aligned fiducials (one row per R-peak or per QRS)."""
    proba, bad = _predict(ecg, sampling_rate, backend)
    table = delineate_proba(proba, ecg, sampling_rate, unknown=bad)
    if not len(table["R_Onsets"]):
        warn("No QRS complex was found in the signal: every wave is NaN.")
    return align_to_rpeaks(table, rpeaks, sampling_rate, ecg)


def _validate(ecg_cleaned, rpeaks, sampling_rate):
    ecg = check_ecg(ecg_cleaned, name="ecg_cleaned")
    rate = check_sampling_rate(sampling_rate)
    if len(ecg) < MIN_DURATION_S * rate:
        raise ValueError(
            f"ecg_cleaned has {len(ecg)} samples ({len(ecg) / rate:.3g} s at {rate:g} Hz), "
            f"must be at least {MIN_DURATION_S:g} s long."
        )
    _warn_quality(ecg)
    return ecg, check_rpeaks(rpeaks, len(ecg)), rate


CLIPPED_FRACTION = 0.01  # [-] share of samples at the extreme values above which a signal looks clipped


def _warn_quality(ecg):
    """Warn (never fail) about gaps, flat and clipped signals."""
    finite = np.isfinite(ecg)
    if not finite.all():
        warn(f"ecg_cleaned has {int((~finite).sum())} non-finite samples (NaN or inf): they are treated as "
             "gaps, and a wave boundary next to a gap is NaN.")
    if not finite.any():
        return
    values = ecg if finite.all() else np.where(finite, ecg, np.nan)  # no copy in the usual case
    lo, hi = np.nanmin(values), np.nanmax(values)
    if lo == hi:
        warn("ecg_cleaned is flat (constant): no wave can be found, every result is NaN.")
        return
    at_extremes = np.count_nonzero((ecg == lo) | (ecg == hi)) / np.count_nonzero(finite)
    if at_extremes > CLIPPED_FRACTION:
        warn(f"ecg_cleaned looks clipped ({100 * at_extremes:.1f}% of its samples sit at its minimum or "
             "maximum): waves in saturated stretches may be missed.")


@register_delineator("lstm")
def _lstm(ecg_cleaned, rpeaks, sampling_rate, show, show_type, check, backend="onnx"):
    ecg, rpeaks, rate = _validate(ecg_cleaned, rpeaks, sampling_rate)
    aligned = _lstm_table(ecg, rate, rpeaks, backend)
    signals, waves = to_neurokit(aligned, len(ecg))
    used_rpeaks = aligned["ECG_R_Peaks"]
    if check:
        waves = check_waves(waves, used_rpeaks)
        signals = to_neurokit({**aligned, **{k: np.asarray(v, dtype=float) for k, v in waves.items()}}, len(ecg))[0]
    if show:
        plot_delineation(ecg, used_rpeaks[np.isfinite(used_rpeaks)], signals, rate, show_type)
    return signals, waves


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
        Hz, from 100 to 2000 for ``"lstm"``. Indices are returned at this rate.
    method : str
        ``"lstm"``, ``"dwt"``, ``"cwt"``, ``"peak"`` or ``"prominence"``
        (NeuroKit2's aliases are accepted too).
    show : bool
        Plot the delineation as NeuroKit2 does.
    show_type : {"peaks", "bounds_R", "bounds_T", "bounds_P", "all"}
        What to plot.
    check : bool
        Set to NaN the points whose distance to their R-peak is an outlier
        (|z| > 3), NeuroKit's intended check.
    **kwargs
        ``backend="onnx"`` (default) or ``"tensorflow"`` for ``"lstm"``;
        NeuroKit's keyword arguments for its methods.

    Returns
    -------
    signals : DataFrame
        One int64 column of 0/1 per fiducial, one row per input sample.
    waves : dict of str -> list
        Keys ``ECG_P_Onsets``, ``ECG_P_Peaks``, ``ECG_P_Offsets``,
        ``ECG_Q_Peaks``, ``ECG_R_Onsets``, ``ECG_R_Offsets``, ``ECG_S_Peaks``,
        ``ECG_T_Onsets``, ``ECG_T_Peaks``, ``ECG_T_Offsets``: one entry per
        R-peak, a sample index or ``np.nan`` where that beat has no such wave.

    Warns
    -----
    NKQRSLSTMWarning
        When no QRS complex is found.

    See Also
    --------
    neurokit2.ecg_delineate, ecg_delineate_proba, ecg_delineate_table, delineate_record

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
    """
    key = _resolve(method)
    if not isinstance(show_type, str) or show_type not in SHOW_TYPES:
        check_option("show_type", show_type, SHOW_TYPES)
    return _DELINEATORS[key](ecg_cleaned, rpeaks, sampling_rate, show, show_type, check, **kwargs)


def ecg_delineate_proba(ecg_cleaned, sampling_rate=1000, backend="onnx", show=False):
    """Per-sample probabilities of P wave, QRS complex, T wave and background.

    Parameters
    ----------
    ecg_cleaned : array-like
        One ECG lead.
    sampling_rate : float
        Hz (100 to 2000).
    backend : {"onnx", "tensorflow"}
    show : bool
        Plot the signal with the probability curves and the boundaries found.

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
    ecg, _, rate = _validate(ecg_cleaned, None, sampling_rate)
    proba = predict_proba(ecg, rate, backend=backend)
    frame = pd.DataFrame(resample_proba(proba, rate, len(ecg)), columns=list(PROBA_COLUMNS))
    if show:
        from .plotting import plot_proba

        plot_proba(ecg, frame, rate, waves=ecg_delineate(ecg, sampling_rate=rate, backend=backend)[1])
    return frame


def resample_proba(proba, sampling_rate, n_samples):
    """Probabilities at the model rate -> ``n_samples`` rows at ``sampling_rate`` (linear)."""
    pos = np.arange(n_samples) * (MODEL_RATE / sampling_rate)
    grid = np.arange(len(proba))
    return np.stack([np.interp(pos, grid, proba[:, j]) for j in range(proba.shape[1])], axis=1)


def ecg_delineate_table(ecg_cleaned, rpeaks=None, sampling_rate=1000, backend="onnx"):
    """The learned delineation as a tidy table, one row per beat.

    Parameters
    ----------
    ecg_cleaned, rpeaks, sampling_rate
        As in :func:`ecg_delineate`.
    backend : {"onnx", "tensorflow"}

    Returns
    -------
    DataFrame
        Columns ``ECG_R_Peaks`` and every key of :func:`ecg_delineate`'s
        ``waves``, as float sample indices (NaN where absent).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=8, sampling_rate=500, heart_rate=60, random_state=3)
    >>> table = ecg_delineate_table(ecg, sampling_rate=500)
    >>> 6 <= len(table) <= 9
    True
    """
    ecg, rpeaks, rate = _validate(ecg_cleaned, rpeaks, sampling_rate)
    aligned = _lstm_table(ecg, rate, rpeaks, backend)
    return pd.DataFrame({k: aligned[k] for k in ("ECG_R_Peaks",) + NK_KEYS})
