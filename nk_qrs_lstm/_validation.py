"""Validation at the front door: one lead and its rate, a method's keyword arguments, a learned method's table.

Used by :mod:`nk_qrs_lstm.delineate` and :mod:`nk_qrs_lstm.record`; the
checks of single values live in :mod:`nk_qrs_lstm._checks`.
"""

import inspect

import numpy as np

from ._checks import _join, check_ecg, check_rpeaks, check_sampling_rate
from .calibration import remove_pulses
from .defaults import BEAT_KEYS, MIN_DURATION_S
from .quality import warn_quality
from .registry import available_methods, get_method


def validate_input(ecg_cleaned, rpeaks, sampling_rate, name="ecg_cleaned"):
    """Check one lead, its R-peaks and rate once; bridge calibration pulses; warn about gaps, flat and clipped
    signals.

    Returns
    -------
    ecg : ndarray of float64
    rpeaks : ndarray of int64 or None
    sampling_rate : float
    """
    ecg = check_ecg(ecg_cleaned, name=name)
    rate = check_sampling_rate(sampling_rate)
    if len(ecg) < MIN_DURATION_S * rate:
        raise ValueError(
            f"{name} has {len(ecg)} samples ({len(ecg) / rate:.3g} s at {rate:g} Hz), "
            f"must be at least {MIN_DURATION_S:g} s long."
        )
    ecg, _ = remove_pulses(ecg, rate, name)  # a printed ECG's calibration mark is no beat
    warn_quality(ecg, rate, name)
    return ecg, check_rpeaks(rpeaks, len(ecg), sampling_rate=rate), rate


def check_method_kwargs(method, kwargs):
    """Refuse keyword arguments the learned method does not take, naming the allowed ones."""
    params = inspect.signature(method.func).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    allowed = [name for name in list(params)[3:]]
    for key in kwargs:
        if key not in allowed:
            listed = ", ".join(repr(a) for a in allowed) or "none"
            raise TypeError(f"ecg_delineate() got an unexpected keyword argument {key!r} for method "
                            f"{method.name!r}; its keyword arguments are: {listed}.")


def refuse_learned_options(method, kwargs):
    """Refuse the learned methods' own keyword arguments (``time_scale``, ``backend``) for a NeuroKit method, which
    would ignore them silently (a new-user trial's ``method="dwt", time_scale=1.5`` changed nothing)."""
    learned = {}
    for name in available_methods(kind="learned"):
        for option in list(inspect.signature(get_method(name).func).parameters)[3:]:
            learned.setdefault(option, []).append(name)
    for key in kwargs:
        if key in learned:
            raise TypeError(f"ecg_delineate() got {key}={kwargs[key]!r}, an option of the learned method "
                            f"{_join(learned[key])}, which NeuroKit's {method.name!r} would ignore; use "
                            f"method={learned[key][0]!r}, or leave {key} out.")


def check_method_table(method, table, rpeaks):
    """A learned method's per-beat table as the front door needs it: every fiducial key, one value per beat (one
    beat per R-peak where R-peaks were given)."""
    missing = [k for k in BEAT_KEYS if not hasattr(table, "__getitem__") or k not in table]
    if missing:
        raise ValueError(f"method {method.name!r} returned a table without {_join(missing)}; a learned method "
                         f"returns every key of BEAT_KEYS, one array per key.")
    lengths = {k: np.shape(table[k]) for k in BEAT_KEYS}
    if len(set(lengths.values())) > 1 or len(next(iter(lengths.values()))) != 1:
        raise ValueError(f"method {method.name!r} returned arrays of shapes {sorted(set(lengths.values()))}; each "
                         "key must hold one value per beat (one-dimensional, all of one length).")
    n = lengths["ECG_R_Peaks"][0]
    if rpeaks is not None and n != len(rpeaks):
        raise ValueError(f"method {method.name!r} returned {n} beats for {len(rpeaks)} R-peaks; given R-peaks, a "
                         "learned method returns one beat per R-peak (NaN where it found none).")
    return table
