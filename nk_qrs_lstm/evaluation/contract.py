"""The output contract of ``ecg_delineate``, checked on any ``(signals, waves)``.

One function lists every way an output breaks the contract, so that tests,
benchmarks and users check the same thing, for our method and NeuroKit's.

The contract:

* ``waves`` is a dict with exactly the keys of :data:`~nk_qrs_lstm.defaults.NK_KEYS`,
  in that order; each value is a list, all lists have the same length (one
  entry per R-peak, ``n_beats`` when known). Where no R-peaks were given
  (``n_beats`` None), ``ECG_R_Peaks`` may come first: the R-peak of each row
  of a method that found the beats itself
  (:data:`~nk_qrs_lstm.defaults.BEAT_KEYS`);
* every entry is an int sample index in ``[0, n_samples)`` or NaN (a float
  such as ``12.0`` is not an index);
* within a beat, wherever present: P onset <= P peak <= P offset <= QRS onset
  <= Q peak <= S peak <= QRS offset <= T onset <= T peak <= T offset, and QRS
  onset < QRS offset;
* ``signals`` is a DataFrame with ``n_samples`` rows and one int64 column of
  0/1 per key (same names, same order), whose 1s mark exactly the indices of
  the matching list.
"""

import numbers

import numpy as np

from ..defaults import BEAT_KEYS, BEAT_ORDER, NK_KEYS  # within a beat: the keys of BEAT_ORDER that waves has

#: Kinds of violation, the first word of :func:`contract_violations` codes.
KINDS = ("waves_type", "keys", "list_type", "lengths", "n_beats", "value_type", "range", "order",
         "qrs_width", "signals_type", "columns", "rows", "dtype", "binary", "signals_mismatch")
MAX_EXAMPLES = 3  # [-] offending entries quoted in one message


def _examples(items):
    if not len(items):
        return "none"
    shown = ", ".join(str(i) for i in items[:MAX_EXAMPLES])
    return shown + (f" and {len(items) - MAX_EXAMPLES} more" if len(items) > MAX_EXAMPLES else "")


def _is_nan(value):
    return isinstance(value, (float, np.floating)) and np.isnan(value)


def _is_index(value):
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def _entry(value):
    """An entry as a float for the other checks (NaN for NaN and for anything not a real number).

    A float such as ``12.0`` is reported once as a wrong type, then checked
    for range, order and agreement with ``signals`` by its value.
    """
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_)):
        try:
            return float(value)
        except (TypeError, ValueError, OverflowError):
            return np.nan
    return np.nan


def _check_waves(waves, n_samples, n_beats):
    """Violations of the ``waves`` dict; also the per-key float arrays of valid entries."""
    out = []
    if not isinstance(waves, dict):
        return [("waves_type", f"waves must be a dict, got {type(waves).__name__}.")], {}
    keys = list(waves)
    expected = list(BEAT_KEYS if n_beats is None and "ECG_R_Peaks" in keys else NK_KEYS)
    if keys != expected:
        missing = [k for k in expected if k not in waves]
        extra = [k for k in keys if k not in expected]
        if missing or extra:
            out.append(("keys", f"waves keys differ from the contract's: missing {missing}, unexpected {extra}."))
        else:
            out.append(("keys", f"waves keys are in the wrong order: {keys}, expected {expected}."))
    columns = {}
    lengths = {}
    for key in keys:
        values = waves[key]
        empty_array = isinstance(values, np.ndarray) and values.ndim == 1 and values.size == 0
        if not isinstance(values, list) and not empty_array:  # NeuroKit's no-R-peak answer: empty arrays
            out.append(("list_type", f"waves[{key!r}] must be a list (or, without R-peaks, an empty array), "
                                     f"got {type(values).__name__}."))
            try:
                values = list(values)
            except TypeError:
                continue
        lengths[key] = len(values)
        bad_type = [i for i, v in enumerate(values) if not (_is_index(v) or _is_nan(v))]
        if bad_type:
            quoted = _examples([f"[{i}] = {values[i]!r}" for i in bad_type])
            out.append(("value_type", f"waves[{key!r}] has {len(bad_type)} entries that are neither an int index "
                                      f"nor NaN: {quoted}."))
        col = np.array([_entry(v) for v in values], dtype=float)
        outside = np.flatnonzero(np.isfinite(col) & ((col < 0) | (col >= n_samples)))
        if len(outside):
            quoted = _examples([f"[{i}] = {col[i]:g}" for i in outside])
            out.append(("range", f"waves[{key!r}] has {len(outside)} indices outside [0, {n_samples}): {quoted}."))
        inf = np.flatnonzero(np.isinf(col))
        if len(inf):
            out.append(("range", f"waves[{key!r}] has {len(inf)} infinite entries: {_examples(inf.tolist())}."))
        columns[key] = col
    if len(set(lengths.values())) > 1:
        out.append(("lengths", "waves lists differ in length: "
                    + ", ".join(f"{k} {n}" for k, n in lengths.items()) + "."))
    if n_beats is not None:
        wrong = {k: n for k, n in lengths.items() if n != n_beats}
        if wrong:
            out.append(("n_beats", f"{len(wrong)} waves lists do not have one entry per R-peak ({n_beats}): "
                        + _examples([f"{k} {n}" for k, n in wrong.items()]) + "."))
    out.extend(_check_order(columns))
    return out, columns


def _check_order(columns):
    """Within-beat order of the fiducials present (only rows that every list has)."""
    out = []
    present = [k for k in BEAT_ORDER if k in columns]  # ECG_R_Peaks too where waves has it
    if not present:
        return out
    n = min(len(columns[k]) for k in present)
    table = np.stack([columns[k][:n] for k in present], axis=1) if n else np.empty((0, len(present)))
    bad = []
    for beat, row in enumerate(table):
        keep = np.flatnonzero(np.isfinite(row))
        for a, b in zip(keep[:-1], keep[1:]):
            if row[a] > row[b]:
                bad.append(f"beat {beat}: {present[a]} {row[a]:g} > {present[b]} {row[b]:g}")
    if bad:
        out.append(("order", f"{len(bad)} fiducials are out of order within their beat: {_examples(bad)}."))
    if "ECG_R_Onsets" in columns and "ECG_R_Offsets" in columns:
        on, off = columns["ECG_R_Onsets"][:n], columns["ECG_R_Offsets"][:n]
        both = np.flatnonzero(np.isfinite(on) & np.isfinite(off) & (off <= on))
        if len(both):
            quoted = _examples([f"beat {i}: {on[i]:g} >= {off[i]:g}" for i in both])
            out.append(("qrs_width", f"{len(both)} QRS onsets are not before their QRS offset: {quoted}."))
    return out


def _check_signals(signals, waves, columns, n_samples):
    """Violations of the ``signals`` DataFrame and of its agreement with ``waves``."""
    import pandas as pd

    if not isinstance(signals, pd.DataFrame):
        return [("signals_type", f"signals must be a pandas DataFrame, got {type(signals).__name__}.")]
    out = []
    if list(signals.columns) != list(NK_KEYS):
        out.append(("columns", f"signals columns {list(signals.columns)} are not NK_KEYS in order."))
    if len(signals) != n_samples:
        out.append(("rows", f"signals has {len(signals)} rows, expected one per sample ({n_samples})."))
    wrong = {str(c): str(t) for c, t in signals.dtypes.items() if t != np.dtype("int64")}
    if wrong:
        out.append(("dtype", f"{len(wrong)} signals columns are not int64: "
                    + _examples([f"{c} {t}" for c, t in wrong.items()]) + "."))
    not_binary, mismatch = [], []
    for key in signals.columns:
        try:
            col = np.asarray(signals[key], dtype=float)
        except (TypeError, ValueError):
            not_binary.append(str(key))
            continue
        if not np.all((col == 0) | (col == 1)):
            not_binary.append(str(key))
        if key not in columns:
            continue
        values = columns[key]
        marked = np.flatnonzero(col != 0)
        listed = np.unique(values[np.isfinite(values) & (values >= 0) & (values < len(col))
                                  & (values == np.round(values))]).astype(np.int64)
        if not np.array_equal(marked, listed):
            extra = np.setdiff1d(marked, listed)
            missing = np.setdiff1d(listed, marked)
            mismatch.append(f"{key} (marked not listed: {_examples(extra.tolist())}; "
                            f"listed not marked: {_examples(missing.tolist())})")
    if not_binary:
        out.append(("binary", f"{len(not_binary)} signals columns hold values other than 0 and 1: "
                    f"{_examples(not_binary)}."))
    if mismatch:
        out.append(("signals_mismatch", f"{len(mismatch)} signals columns disagree with waves: {_examples(mismatch)}."))
    return out


def contract_violations(signals, waves, n_samples, n_beats=None, codes=False):
    """List the ways an ``ecg_delineate`` output breaks the output contract.

    Parameters
    ----------
    signals : DataFrame
        First value returned by ``ecg_delineate``.
    waves : dict of str -> list
        Second value returned by ``ecg_delineate``.
    n_samples : int
        Length of the delineated signal.
    n_beats : int, optional
        Number of R-peaks passed in; every list must then have that length.
        ``None``: only equal lengths are required.
    codes : bool
        Return ``(kind, message)`` pairs instead of messages; ``kind`` is one
        of :data:`KINDS`.

    Returns
    -------
    list of str
        One human-readable sentence per violation kind found (with up to
        three examples each); empty when the output meets the contract.
        This function never raises on malformed output.

    See Also
    --------
    check_contract, nk_qrs_lstm.ecg_delineate

    Examples
    --------
    >>> import numpy as np
    >>> from nk_qrs_lstm.neurokit import NK_KEYS, waves_to_signals
    >>> waves = {k: [np.nan] for k in NK_KEYS}
    >>> waves["ECG_R_Onsets"], waves["ECG_R_Offsets"] = [40], [60]
    >>> contract_violations(waves_to_signals(waves, 100), waves, 100, n_beats=1)
    []
    >>> waves["ECG_P_Onsets"] = [10.0]
    >>> for v in contract_violations(waves_to_signals(waves, 100), waves, 100):
    ...     print(v)
    waves['ECG_P_Onsets'] has 1 entries that are neither an int index nor NaN: [0] = 10.0.
    """
    found = []
    try:
        found, columns = _check_waves(waves, n_samples, n_beats)
        found += _check_signals(signals, waves, columns, n_samples)
    except Exception as exc:  # a malformed output must be reported, not crash the checker
        found.append(("waves_type", f"the output could not be inspected: {type(exc).__name__}: {exc}"))
    return found if codes else [message for _, message in found]


def check_contract(signals, waves, n_samples, n_beats=None):
    """Raise AssertionError listing the contract violations, if any.

    Parameters
    ----------
    signals, waves, n_samples, n_beats
        As in :func:`contract_violations`.

    Raises
    ------
    AssertionError
        When :func:`contract_violations` finds anything; the message holds
        one violation per line.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> import nk_qrs_lstm
    >>> ecg = nk.ecg_simulate(duration=5, sampling_rate=250, random_state=0)
    >>> signals, waves = nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=250)
    >>> check_contract(signals, waves, len(ecg))
    >>> check_contract(signals, dict(reversed(list(waves.items()))), len(ecg))
    Traceback (most recent call last):
    ...
    AssertionError: ecg_delineate output breaks the contract:
    - waves keys are in the wrong order: ...
    """
    found = contract_violations(signals, waves, n_samples, n_beats)
    if found:
        raise AssertionError("ecg_delineate output breaks the contract:\n" + "\n".join(f"- {v}" for v in found))
