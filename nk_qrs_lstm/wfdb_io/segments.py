"""WFDB signals in physical units: one record, or the segments of a multi-segment record joined into one.

A multi-segment record (fixed layout, or variable layout with a layout
segment naming every channel) becomes one column per channel: NaN in null
``~`` segments and where a variable-layout segment lacks the channel; digital
segments are converted; a segment giving a channel in another voltage unit
(V, mV, uV, nV) is scaled to the channel's unit in the layout segment, or
else in the first segment holding it. Used by
:mod:`nk_qrs_lstm.wfdb_io.records`.
"""

import os

import numpy as np
import wfdb

from .._checks import _join, warn

#: Voltage units (lower case) and their size [V]: segments of a multi-segment record are converted between them.
VOLTAGE_UNITS = {"v": 1.0, "volt": 1.0, "volts": 1.0, "mv": 1e-3, "millivolt": 1e-3, "millivolts": 1e-3,
                 "uv": 1e-6, "\u03bcv": 1e-6, "\u00b5v": 1e-6, "microvolt": 1e-6, "microvolts": 1e-6,
                 "nv": 1e-9, "nanovolt": 1e-9, "nanovolts": 1e-9}
NULL_SEGMENT = "~"
IMPLAUSIBLE_VOLTS = 10.0  # [V] no ECG channel in volts reaches it


def restore_micro_units(multi, directory):
    """Put back the ``uV`` that wfdb reads as ``V``: it drops the non-ASCII ``µ``/``μ`` of a header's units (the
    ones ``wfdb.wrsamp`` writes), which would make a microvolt segment a million times too large beside a millivolt
    one. Reads each segment's header in ``directory`` for its units as written; changes ``multi`` in place."""
    for segment in multi.segments:
        if segment is not None and segment.units:
            segment.units = written_micro_units(segment.units, os.path.join(directory, segment.record_name))
    return multi


def written_micro_units(units, path):
    """``units`` read by wfdb from the header of the record at ``path`` (no extension), with ``uV`` put back
    where wfdb read a ``µV``/``μV`` as ``V``."""
    units = list(units)
    if "v" not in [unit_key(u) for u in units]:
        return units
    written = _written_units(path + ".hea", len(units))
    if written is None:
        return units
    return ["uV" if unit_key(u) == "v" and unit_key(w) in ("\u00b5v", "\u03bcv") else u
            for u, w in zip(units, written)]


def millivolt_scale(units, signal):
    """Factor putting each column of ``signal`` in mV: NaN where its units are not a voltage, or are ``V`` with
    values no ECG has in volts (over 10 V: a ``µV`` header read by wfdb as ``V``, with no file to tell)."""
    scale = np.array([VOLTAGE_UNITS.get(unit_key(u), np.nan) / 1e-3 for u in units], dtype=float)
    extent = np.nanmax(np.abs(signal), axis=0, initial=0.0)
    scale[(scale == 1e3) & (extent > IMPLAUSIBLE_VOLTS)] = np.nan
    return scale


def _written_units(path, n_sig):
    """The units of the ``n_sig`` signal lines of a header file as written (None if it cannot be read)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")][1:]
    if len(lines) < n_sig:
        return None
    fields = [line.split() for line in lines[:n_sig]]
    return [f[2].split("/", 1)[1] if len(f) > 2 and "/" in f[2] else "" for f in fields]


def segment_lines_problem(path, err):
    """What is wrong with a header that wfdb fails to read with an IndexError (the message of a ValueError)."""
    header = wfdb.rdheader(path)
    if isinstance(header, wfdb.MultiRecord) and header.n_seg != len(header.seg_name):
        return (f"multi-segment record {path!r} declares {header.n_seg} segment(s) on its record line "
                f"('{header.record_name}/{header.n_seg}') but lists {len(header.seg_name)} segments (a null segment "
                "'~', even of length 0, counts as one); correct the number after the '/'.")
    return f"record {path!r} cannot be read: wfdb fails with IndexError: {err}; check its header's lines."


def join_segments(multi):
    """A MultiRecord as one Record in physical units: the segments one after the other, a column per channel.

    The channels are the layout segment's (variable layout) or the first segment's (fixed layout); NaN in null
    segments and where a variable-layout segment lacks the channel. Digital segments are converted, and each
    channel is put in one unit (:func:`_channel_units`).
    """
    variable = (multi.layout or ("variable" if multi.seg_len[0] == 0 else "fixed")) == "variable"
    first = 1 if variable else 0
    parts = list(zip(multi.seg_name[first:], multi.seg_len[first:], multi.segments[first:]))
    present = [segment for _, _, segment in parts if segment is not None]
    if variable:
        names, layout_units = list(multi.segments[0].sig_name), list(multi.segments[0].units or [])
    elif present:
        names, layout_units = list(present[0].sig_name), []
    else:
        raise ValueError(f"multi-segment record {multi.record_name!r} has only null segments ('~'); there is no "
                         "signal to read.")
    columns = []  # per segment: the segment's channel of each column (None where it lacks it)
    for _, _, segment in parts:
        if segment is None:
            columns.append([None] * len(names))
        elif variable:  # by name, the k-th channel of a name to the k-th of the layout
            columns.append([_nth(segment.sig_name, name, names[:c].count(name)) for c, name in enumerate(names)])
        else:
            columns.append(list(range(len(names))))
    units, factors = _channel_units(multi.record_name, names, layout_units, parts, columns)
    signal = np.full((sum(length for _, length, _ in parts), len(names)), np.nan)
    start = 0
    for k, ((seg_name, length, segment), column) in enumerate(zip(parts, columns)):
        if segment is not None:
            values = physical(segment)
            if values.shape[0] != length or not (variable or values.shape[1] == len(names)):
                raise ValueError(f"segment {seg_name!r} of record {multi.record_name!r} holds {values.shape[0]} "
                                 f"samples of {values.shape[1]} channels, must hold {length} samples (its segment "
                                 "line)" + ("." if variable else f" of {len(names)} channels (fixed layout)."))
            for c, j in enumerate(column):
                if j is not None:
                    signal[start:start + length, c] = values[:, j] * factors[k][c]
        start += length
    return wfdb.Record(p_signal=signal, record_name=multi.record_name, n_sig=len(names), fs=multi.fs,
                       sig_len=signal.shape[0], base_time=multi.base_time, base_date=multi.base_date,
                       sig_name=names, units=units, comments=multi.comments)


def _nth(names, name, k):
    """Index of the ``k``-th (from 0) channel called ``name`` in ``names``, None if there is none."""
    found = [i for i, n in enumerate(names) if n == name]
    return found[k] if k < len(found) else None


def unit_key(units):
    """Units as compared: stripped, lower case; absent units are ''."""
    return units.strip().lower() if isinstance(units, str) else ""


def _channel_units(record_name, names, layout_units, parts, columns):
    """Unit of each channel of a multi-segment record and the factor that puts each segment's values in it.

    A channel's unit is its first voltage unit (V, mV, uV, nV) in the layout segment, then in the segments in
    order; a segment giving the channel in another voltage unit is scaled to it. Units that differ between
    segments and are not both voltages cannot be converted: a warning names them and the segments.
    """
    factors = [[1.0] * len(names) for _ in parts]
    units = []
    for c, name in enumerate(names):
        given = [(k, seg_name, segment.units[column[c]] if segment.units else None)
                 for k, ((seg_name, _, segment), column) in enumerate(zip(parts, columns)) if column[c] is not None]
        candidates = layout_units[c:c + 1] + [unit for _, _, unit in given]
        unit = next((u for u in candidates if unit_key(u) in VOLTAGE_UNITS), None)
        if unit is None:
            unit = next((u for u in candidates if unit_key(u)), None)
        units.append(unit)
        for k, _, segment_unit in given:
            if unit_key(segment_unit) in VOLTAGE_UNITS and unit_key(unit) in VOLTAGE_UNITS:
                factors[k][c] = VOLTAGE_UNITS[unit_key(segment_unit)] / VOLTAGE_UNITS[unit_key(unit)]
        groups = {}  # units as compared -> (units as written, segments giving them)
        for _, seg_name, segment_unit in given:
            groups.setdefault(unit_key(segment_unit), (segment_unit, []))[1].append(seg_name)
        if len(groups) > 1 and not all(key in VOLTAGE_UNITS for key in groups):
            described = [f"{u!r} in segment(s) {_join(segs)}" for u, segs in groups.values()]
            warn(f"Record {record_name!r}: channel {name!r} is in {', '.join(described[:-1])} and "
                 f"{described[-1]}; these units cannot be converted to one another, so its values are joined "
                 "as they are.")
    return units, factors


def physical(record):
    """Return the 2-D physical signal of a Record (converting digital values)."""
    if record.p_signal is not None:
        signal = np.asarray(record.p_signal, dtype=np.float64)
    elif record.d_signal is not None:
        signal = np.asarray(record.dac(expanded=False, return_res=64), dtype=np.float64)
    else:
        raise ValueError("record has neither p_signal nor d_signal; read it with "
                         "wfdb.rdrecord(..., smooth_frames=True).")
    if signal.ndim != 2:
        raise ValueError(f"record signal must be two-dimensional, got shape {signal.shape}.")
    return signal
