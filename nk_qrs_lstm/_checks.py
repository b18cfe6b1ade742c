"""Input validation used at every public boundary (one helper, one wording).

Each check returns a clean value; code behind the boundary trusts it.
Messages name the parameter, the expectation and the value received.
"""

import difflib
import numbers
import os
import sys
import warnings

import numpy as np
from neurokit2.misc import NeuroKitWarning

from .defaults import MAX_RATE, MIN_RATE, TIME_SCALE_MAX


class NKQRSLSTMWarning(NeuroKitWarning):
    """The one warning class of nk_qrs_lstm (raised at the caller's line).

    A subclass of NeuroKit2's ``NeuroKitWarning``, so filters set for
    NeuroKit's warnings apply to ours too.
    """


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def warn(message, category=NKQRSLSTMWarning):
    """Emit a :class:`NKQRSLSTMWarning` pointing at the user's call site.

    The stack level is the first frame outside this package, so the warning
    shows the user's line whichever public function raised it.
    """
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _join(values):
    values = [repr(v) for v in values]
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + " and " + values[-1]


def _where(spans, sampling_rate, shown=3):
    """``' in 2 stretches (12.0-14.5 s, 60.0-61.0 s)'``: where ``[start, stop)`` sample spans lie, in seconds."""
    listed = ", ".join(f"{a / sampling_rate:.1f}-{b / sampling_rate:.1f} s" for a, b in spans[:shown])
    more = f", and {len(spans) - shown} more" if len(spans) > shown else ""
    return f" in {len(spans)} stretch{'es' if len(spans) > 1 else ''} ({listed}{more})"


def check_option(name, value, allowed):
    """Check that ``value`` is one of ``allowed`` (MNE-style message).

    Examples
    --------
    >>> check_option("method", "lstm", ("dwt", "lstm"))
    'lstm'
    """
    if value in allowed:
        return value
    msg = (
        f"Invalid value for the {name!r} parameter. Allowed values are "
        f"{_join(sorted(allowed))}, but got {value!r} instead."
    )
    if isinstance(value, str):
        close = difflib.get_close_matches(value, [str(a) for a in allowed], n=1)
        if close:
            msg += f" Did you mean {close[0]!r}?"
    raise ValueError(msg)


def check_flag(name, value):
    """Check that ``value`` is True or False (a NumPy bool too).

    Examples
    --------
    >>> check_flag("overwrite", False)
    False
    >>> check_flag("overwrite", "yes")
    Traceback (most recent call last):
    ...
    TypeError: overwrite == 'yes', must be True or False.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} == {value!r}, must be True or False.")
    return bool(value)


def check_time_scale(time_scale, name="time_scale"):
    """Return ``time_scale`` as a float from 1 to ``TIME_SCALE_MAX`` (how many times shorter the waves are than an
    adult's).

    Examples
    --------
    >>> check_time_scale(1.5)
    1.5
    >>> check_time_scale(0.5)
    Traceback (most recent call last):
    ...
    ValueError: time_scale == 0.5, must be from 1 to 3 (how many times shorter the waves are than an adult's, e.g. 1.5 for a small child's ECG).
    """
    if isinstance(time_scale, bool) or not isinstance(time_scale, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(time_scale).__name__} {time_scale!r}.")
    if not 1.0 <= float(time_scale) <= TIME_SCALE_MAX:
        raise ValueError(f"{name} == {time_scale!r}, must be from 1 to {TIME_SCALE_MAX:g} (how many times shorter the "
                         "waves are than an adult's, e.g. 1.5 for a small child's ECG).")
    return float(time_scale)


def check_sampling_rate(sampling_rate, name="sampling_rate"):
    """Return ``sampling_rate`` as a float from ``MIN_RATE`` to ``MAX_RATE`` Hz (resampled to the model's rate)."""
    if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, numbers.Real):
        raise TypeError(
            f"{name} must be a number (Hz), got {type(sampling_rate).__name__} "
            f"{sampling_rate!r}."
        )
    rate = float(sampling_rate)
    if not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"{name} == {sampling_rate!r}, must be a finite number > 0 (Hz).")
    if rate < MIN_RATE:
        raise ValueError(f"{name} == {sampling_rate!r}, must be at least {MIN_RATE} Hz.")
    if rate > MAX_RATE:
        raise ValueError(f"{name} == {sampling_rate!r}, must be at most {MAX_RATE} Hz (decimate the signal first, "
                         "e.g. scipy.signal.decimate).")
    return rate


def _to_array(ecg, name):
    """Turn list / ndarray / Series / NeuroKit DataFrame into a float ndarray."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a core dependency
        pd = None
    if pd is not None and isinstance(ecg, pd.DataFrame):
        if "ECG_Clean" in ecg.columns:
            ecg = ecg["ECG_Clean"]
        elif ecg.shape[1] == 1:
            ecg = ecg.iloc[:, 0]
        else:
            raise ValueError(
                f"{name} is a DataFrame with columns {list(ecg.columns)[:5]}; expected a "
                "single column or an 'ECG_Clean' column (NeuroKit's ecg_process output)."
            )
    if pd is not None and isinstance(ecg, pd.Series):
        ecg = ecg.to_numpy()
    if isinstance(ecg, dict):  # NeuroKit's epochs (nk.epochs_create) or an info dict: not one continuous lead
        raise TypeError(
            f"{name} is a dict (keys: {list(ecg)[:3]}), e.g. NeuroKit's epochs; pass one continuous lead (a list, "
            "numpy array, pandas Series or a DataFrame with an 'ECG_Clean' column), or delineate each epoch's "
            "DataFrame on its own."
        )
    if isinstance(ecg, (str, bytes)) or not hasattr(ecg, "__len__") and not isinstance(
        ecg, np.ndarray
    ):
        raise TypeError(
            f"{name} must be an array-like of numbers (list, numpy array, pandas Series), "
            f"got {type(ecg).__name__}."
        )
    arr = np.asarray(ecg)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(
            f"{name} must contain numbers, got an array of dtype {arr.dtype}."
        )
    if arr.dtype == bool or np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must contain real numbers, got dtype {arr.dtype}.")
    return arr


def check_ecg(ecg, name="ecg_cleaned", ndim=1):
    """Return ``ecg`` as a float64 array of the expected dimensionality.

    ``ndim=1`` for a single lead (shape ``(n_samples,)``); ``ndim=2`` for
    several leads (shape ``(n_samples, n_leads)``; a 1-D input is promoted to
    one lead). NaN and inf are allowed here (they are gaps, handled later).
    """
    arr = _to_array(ecg, name)
    if ndim == 1:
        if arr.ndim == 2 and 1 in arr.shape:
            arr = arr.reshape(-1)
        if arr.ndim != 1:
            raise ValueError(
                f"{name} must be one-dimensional (one lead), got an array of shape "
                f"{arr.shape}. Pass one column, or use delineate_record() for several leads."
            )
    else:
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(
                f"{name} must be two-dimensional (n_samples, n_leads), got shape {arr.shape}."
            )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; expected at least one sample.")
    return arr.astype(np.float64, copy=False)


def check_rpeaks(rpeaks, n_samples, name="rpeaks", sampling_rate=None):
    """Return R-peak indices as a sorted, unique-checked int64 array.

    Accepts an array-like of sample indices or NeuroKit's info dict (key
    ``'ECG_R_Peaks'``; its ``'sampling_rate'``, where there is one, must be
    ``sampling_rate``: R-peaks found at another rate point elsewhere).
    ``None`` is returned unchanged.
    """
    if rpeaks is None:
        return None
    if isinstance(rpeaks, dict):
        if "ECG_R_Peaks" not in rpeaks:
            raise ValueError(
                f"{name} is a dict without an 'ECG_R_Peaks' key (keys: {sorted(rpeaks)[:5]}); "
                "pass NeuroKit's info dict or an array of sample indices."
            )
        info_rate = rpeaks.get("sampling_rate")
        if sampling_rate is not None and isinstance(info_rate, numbers.Real) and not isinstance(info_rate, bool) \
                and not np.isclose(float(info_rate), sampling_rate, rtol=1e-9, atol=0.0):
            raise ValueError(
                f"{name}['sampling_rate'] == {info_rate!r} but sampling_rate == {sampling_rate:g}: the R-peaks were "
                f"found at another rate than the signal's; pass sampling_rate={info_rate!r} (or R-peaks found at "
                f"{sampling_rate:g} Hz)."
            )
        rpeaks = rpeaks["ECG_R_Peaks"]
    arr = np.asarray(rpeaks)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.size == max(arr.shape, default=0) else arr
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}.")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.number) or arr.dtype == bool:
        raise TypeError(f"{name} must contain integer sample indices, got dtype {arr.dtype}.")
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        raise ValueError(f"{name} must contain whole, finite sample indices.")
    arr = arr.astype(np.int64)
    if arr.min() < 0 or arr.max() >= n_samples:
        raise ValueError(
            f"{name} must lie in [0, {n_samples - 1}] (the signal has {n_samples} samples), "
            f"got values from {arr.min()} to {arr.max()}."
        )
    if np.any(np.diff(arr) <= 0):
        if arr.size == n_samples and np.isin(arr, (0, 1)).all():  # e.g. the `signals` of nk.ecg_peaks
            hint = (" It looks like a 0/1 indicator of R-peaks (the `signals` returned by nk.ecg_peaks): pass its "
                    "`info` (or info['ECG_R_Peaks']) instead.")
        else:
            hint = f" Sort them and drop repeats first: np.unique({name})."
        raise ValueError(f"{name} must be strictly increasing sample indices.{hint}")
    return arr
