"""WFDB records in: every layout read as one float array of the ECG leads.

Single-segment records, multi-segment records of fixed layout and of
variable layout (a layout segment naming every channel, segments that hold
only some channels, null ``~`` segments) all read the same way: one column
per lead in physical units, NaN where a segment lacks the channel or the
record holds WFDB's "missing" value. Channels with the same name get unique
names (``ECG``, ``ECG_2``). The segments of a multi-segment record may
give a channel in different voltage units (one in mV, the next in uV): each
is converted to the channel's unit in the layout segment, or else in the
first segment holding it, so that a column is in one unit throughout.

By default only the ECG channels are read: a channel is an ECG lead by its
name (``II``, ``aVR``, ``V5``, ``MLII``, ``ECG1``...) or, when its name says
nothing and no channel of the record is named like a lead, by its units (a
voltage). EEG, EOG and EMG electrodes (``C4-A1``, ``ROC-LOC``) are not leads.
Units that are given and name no voltage (``mL``, ``L/min``, ``cm/s``,
``mmHg``...) veto the name: ``Volume`` in mL is not lead V. Other biosignals
(ABP, PLETH, RESP...) are skipped with a warning. Leads holding several
samples per frame (multi-frequency records) are read at their own rate
(:mod:`nk_qrs_lstm.wfdb_io.frames`).
"""

import numbers
import os
import re
from typing import NamedTuple

import numpy as np
import wfdb

from .._checks import _join, warn
from .frames import expanded_physical, shared_frame_samples
from .segments import (NULL_SEGMENT, VOLTAGE_UNITS, join_segments, physical, restore_micro_units,
                       segment_lines_problem, unit_key, written_micro_units)

#: Channel names read as ECG leads (whole name, any case).
ECG_NAME = re.compile(r"i{1,3}|a?v[rlf]|v(?!ent|ol|co2).*|ml.*|mcl.*|cm.*|cc.*|d\d+|di{1,3}|ecg.*|ekg.*|lead.*",
                      re.IGNORECASE)  # not a ventilator's volume, flow or CO2 (Vent, Vol..., VCO2)
#: Channel names of other biosignals, never read as ECG whatever their units (start of the name, any case).
OTHER_NAME = re.compile(r"abp|art|ao|n?bp|pap|cvp|icp|lap|rap|pawp|uap|pleth|ppg|spo2|sao2|so2|resp|thor|abd|"
                        r"chest|airflow|flow|nasal|oral|co2|etco2|eeg|eog|emg|eda|gsr|temp|pulse|hr\b|sv\b",
                        re.IGNORECASE)
#: EEG / EOG / EMG electrodes of a sleep study, alone or as a pair (``C4-A1``, ``Fp2-F4``, ``ROC-LOC``, ``E1:M2``,
#: ``DX1-DX2``; 10-20 system names, any case): never ECG leads.
_ELECTRODE = r"(?:fp|af|fc|ft|cp|tp|po|[fctpoam])(?:\d{1,2}|z)|loc|roc|e[12]|chin\d*|[dls]x\d*|[lr]?leg\d*|[lr]at"
ELECTRODE_NAME = re.compile(rf"(?:{_ELECTRODE})(?:\s*[-:/]\s*(?:{_ELECTRODE}))?", re.IGNORECASE)
#: Units that say nothing of what a channel measures (lower case; absent units read as ""): no veto of its name.
PLACEHOLDER_UNITS = frozenset({"", "nu", "n.u.", "adu", "au", "a.u.", "arb", "arb.u.", "unit", "units", "none",
                               "dimensionless", "unknown", "?", "-", "na", "n/a", "count", "counts", "digit", "digits"})
_EXTENSIONS = (".hea", ".dat")  # stripped from a record path


class RecordSignals(NamedTuple):
    """What :func:`read_signals` returns."""

    signal: np.ndarray  #: (n_samples, n_leads) float64, physical units, NaN where missing
    sampling_rate: float  #: Hz
    lead_names: list  #: unique names of the columns
    channels: list  #: signal number of each column in the record
    record_name: str  #: the record's name (the path's last part, without extension)
    units: list  #: units of each column as the header writes them (a ``µV`` that wfdb reads as ``V`` restored)
    frame_samples: int = 1  #: samples per frame of the leads (> 1: read at ``fs * frame_samples``, not averaged)


def read_record(record, leads=None):
    """Read a WFDB record as a float array in physical units.

    Parameters
    ----------
    record : wfdb.Record or wfdb.MultiRecord or str or os.PathLike
        A record already read by wfdb, or the path of a local record without
        extension (``"../shared/data/ludb/data/1"``); single- or
        multi-segment. A trailing ``.hea`` or ``.dat`` is dropped.
    leads : str or int or list of (str or int), optional
        Leads to return, by name (as returned, see below; matched ignoring
        case when the exact name is absent and the match is unique) or by
        signal number (an int, or a string of digits that names no channel,
        as typed on a command line). By default, every ECG channel: a channel named like
        an ECG lead (``I``, ``II``, ``III``, ``aVR``, ``aVL``, ``aVF``,
        ``V1``-``V6``, ``V*``, ``MLII``, ``ML*``, ``MCL*``, ``CM5``, ``D1``,
        ``ECG*``, ``EKG*``, ``lead*``, any case) or, when the name is none of
        these nor another biosignal's (ABP, PLETH, RESP, EEG, electrodes
        such as ``C4-A1``...), whose units are a voltage (mV, uV...), the
        latter only in a record where no channel is named like a lead. A
        channel whose units are given and name no voltage (mL, L/min, cm/s,
        mmHg...) is not read by default, whatever its name.

    Returns
    -------
    signal : ndarray of float64, shape (n_samples, n_leads)
        Physical values (the header's units, usually mV); NaN where the
        record holds WFDB's "missing" value, in null segments, and where a
        segment of a variable-layout record lacks the channel. In a
        multi-segment record, a segment giving a channel in another voltage
        unit (V, mV, uV, nV) is converted to the channel's unit in the layout
        segment or, without one, in the first segment holding the channel.
    sampling_rate : float
        Sampling rate in Hz: the record's ``fs``, or ``fs * k`` where the
        leads of a multi-frequency record hold k samples per frame (read at
        their own rate, not averaged to the frame rate as
        ``wfdb.rdrecord(..., smooth_frames=True)`` does).
    lead_names : list of str
        Names of the returned leads, in the order of the columns. Channels
        sharing a name are told apart by a suffix: ``ECG``, ``ECG_2``.

    Raises
    ------
    FileNotFoundError
        If ``<record>.hea`` does not exist.
    ValueError
        If a lead is unknown (the message lists the available ones), if
        ``leads`` is None and no channel looks like an ECG lead, or if the
        segment lines of a multi-segment header cannot be read.

    Warns
    -----
    NKQRSLSTMWarning
        When channels share a name (and are renamed), when ``leads`` is
        None and some channels are skipped as not ECG, or when the segments
        of a multi-segment record give a channel in units that cannot be
        converted to one another (its values are then joined as they are).

    See Also
    --------
    nk_qrs_lstm.wfdb_io.write_annotations, nk_qrs_lstm.wfdb_io.read_annotations

    Examples
    --------
    >>> import os, tempfile
    >>> import neurokit2 as nk
    >>> import wfdb
    >>> ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)
    >>> folder = tempfile.mkdtemp()
    >>> wfdb.wrsamp("sim", fs=500, units=["mV", "mV"], sig_name=["ii", "v1"],
    ...             p_signal=np.column_stack([ecg, -ecg]), fmt=["16", "16"], write_dir=folder)
    >>> signal, fs, names = read_record(os.path.join(folder, "sim"))
    >>> signal.shape, fs, names
    ((5000, 2), 500.0, ['ii', 'v1'])
    >>> signal, fs, names = read_record(os.path.join(folder, "sim.hea"), leads="V1")
    >>> signal.shape, names
    ((5000, 1), ['v1'])
    """
    return tuple(read_signals(record, leads))[:3]


def read_signals(record, leads=None):
    """:func:`read_record`, plus the signal number of each lead and the record's name.

    Returns
    -------
    RecordSignals
        ``signal``, ``sampling_rate``, ``lead_names`` (as
        :func:`read_record`), ``channels`` (signal number of each column in
        the record, e.g. 10 for V5 of a 12-lead record), ``record_name``
        (``record.record_name``, or the path's last part without extension),
        ``units`` (of each column; ``uV`` where the header writes ``µV``,
        which wfdb reads as ``V``; a record read by wfdb keeps wfdb's units)
        and ``frame_samples`` (k > 1 where the leads of a multi-frequency
        record hold k samples per frame: they are read at ``fs * k``, not
        averaged to the frame rate, and ``sampling_rate`` is ``fs * k``).
    """
    if isinstance(record, wfdb.MultiRecord):
        record = join_segments(record)
    if isinstance(record, wfdb.Record):
        if record.sig_name is None:
            raise ValueError("record.sig_name is None; the record must name its leads.")
        name = record.record_name or "record"
        names = _unique_names(record.sig_name, name)
        index = _choose(leads, names, record.units, name, header_names=_channel_names(record.sig_name))
        units, k = [record.units[i] if record.units else None for i in index], 1
        if record.p_signal is None and record.d_signal is None:  # read with smooth_frames=False
            signal = expanded_physical(record, index)
            k = int(record.samps_per_frame[index[0]]) if record.samps_per_frame and index else 1
        else:
            shared_frame_samples(record.samps_per_frame, index, names, name, smoothed=True)  # warns if averaged
            signal = physical(record)[:, index]
        rate = record.fs * k if record.fs is not None else None
    elif isinstance(record, (str, os.PathLike)):
        path = record_path(record)
        name = os.path.basename(path)
        try:
            header = wfdb.rdheader(path)
        except ValueError as err:  # wfdb's HeaderSyntaxError among them
            raise ValueError(f"header {path + '.hea'!r} cannot be read: wfdb fails with {type(err).__name__}: "
                             f"{err}.") from None
        if getattr(header, "sig_len", None) == 0:
            raise ValueError(f"record {path!r} has no samples (its header gives a length of 0).")
        sig_name, units = _header_channels(path, header)
        names = _unique_names(sig_name, name)
        index = _choose(leads, names, units, name, header_names=_channel_names(sig_name))
        channels = sorted(index)
        k = 1 if isinstance(header, wfdb.MultiRecord) else shared_frame_samples(header.samps_per_frame, index,
                                                                                names, name)
        try:  # multi-segment: the segments as they are, joined (units converted) by join_segments
            rec = wfdb.rdrecord(path, channels=channels, m2s=False, physical=True, smooth_frames=k == 1)
        except IndexError as err:  # wfdb's answer to segment lines that disagree with the record line
            raise ValueError(segment_lines_problem(path, err)) from None
        except ValueError as err:
            short = "not loaded correctly" in str(err)  # wfdb's words for a signal file shorter than its header
            raise ValueError(f"record {path!r} cannot be read: wfdb fails with {err}" + (
                "; check that its signal file(s) hold as many samples as its header says." if short else ".")
            ) from None
        if isinstance(rec, wfdb.MultiRecord):
            rec = join_segments(restore_micro_units(rec, os.path.dirname(path)))
            units = rec.units
        else:
            units = written_micro_units(rec.units or [], path)
        columns = [channels.index(i) for i in index]
        signal = expanded_physical(rec, columns) if k > 1 else physical(rec)[:, columns]
        units, rate = [units[c] if units else None for c in columns], rec.fs * k
    else:
        raise TypeError("record must be a wfdb.Record, a wfdb.MultiRecord or the path of a WFDB record (str or "
                        f"os.PathLike), got {type(record).__name__}.")
    if rate is None or not np.isfinite(float(rate)) or float(rate) <= 0:
        raise ValueError(f"record.fs == {rate!r}, must be a sampling rate > 0 (Hz).")
    return RecordSignals(np.ascontiguousarray(signal, dtype=np.float64), float(rate), [names[i] for i in index],
                         index, name, units, k)


def record_path(record):
    """The path of a record without extension: ``"data/1.hea"`` -> ``"data/1"`` (the one place it is stripped).

    Raises FileNotFoundError if the record's header does not exist.

    Examples
    --------
    >>> from nk_qrs_lstm.examples import example_record_path
    >>> record_path(example_record_path() + ".dat") == example_record_path()
    True
    """
    path = os.fspath(record)
    root, ext = os.path.splitext(path)
    if ext in _EXTENSIONS:
        path = root
    if not os.path.isfile(path + ".hea"):
        if ext.lower() == ".edf" and os.path.isfile(os.fspath(record)):
            raise FileNotFoundError(f"{os.fspath(record)!r} is an EDF file, not a WFDB record (no {path + '.hea'!r}): "
                                    "read it with wfdb.io.convert.edf.read_edf(path) (or MNE, pyedflib) and pass the "
                                    "wfdb.Record or the signal.")
        raise FileNotFoundError(f"WFDB header {path + '.hea'!r} does not exist; pass the record path "
                                "without extension, e.g. 'mitdb/100' for mitdb/100.hea.")
    return path


def header_summary(path):
    """Length (samples, None if the header does not say) and channel names of the record at ``path``."""
    header = wfdb.rdheader(path)
    return header.sig_len, _channel_names(_header_channels(path, header)[0])


def _header_channels(path, header=None):
    """Channel names and units of a record's header (``header``, read from ``path`` if not given), whatever its
    layout."""
    header = wfdb.rdheader(path) if header is None else header
    if isinstance(header, wfdb.MultiRecord):
        if header.seg_name and header.seg_name[0] == NULL_SEGMENT and header.seg_len[0] == 0:
            raise ValueError(f"multi-segment record {path!r} starts with a null segment of length 0 ('~ 0'); a "
                             "first segment of length 0 is the layout segment of a variable layout and must name "
                             "a header, not '~'.")
        # variable layout: the first segment is the layout naming every channel; fixed: any segment does
        segments = [s for s in header.seg_name if s != NULL_SEGMENT]
        if not segments:
            raise ValueError(f"multi-segment record {path!r} has only null segments ('~'); there is no signal "
                             "to read.")
        header = wfdb.rdheader(os.path.join(os.path.dirname(path), segments[0]))
    if header.sig_name is None:
        raise ValueError(f"record {path!r} has no signal (its header names no channel).")
    return header.sig_name, header.units


def _channel_names(sig_name):
    """The header's channel names as strings; a channel without one is ``signal k`` (its number in the record,
    WFDB's way of naming it), not ``None``."""
    return [f"signal {k}" if n is None or not str(n).strip() else str(n) for k, n in enumerate(sig_name)]


def _unique_names(sig_name, record_name):
    """Channel names made unique (``ECG``, ``ECG_2``), with a warning when some are renamed."""
    names = _channel_names(sig_name)
    taken, unique = set(names), []
    for name in names:
        if name not in unique:
            unique.append(name)
            continue
        k = 2
        while f"{name}_{k}" in taken:
            k += 1
        taken.add(f"{name}_{k}")
        unique.append(f"{name}_{k}")
    if unique != names:
        shared = sorted({n for n in names if names.count(n) > 1})
        warn(f"Record {record_name!r} has several channels named {_join(shared)}; they are read as "
             f"{_join(u for u, n in zip(unique, names) if n in shared)} (pass these names as leads).")
    return unique


def is_ecg_channel(name, units=None):
    """Whether a channel is an ECG lead, by its name or, failing that, by its units.

    Units that are given and name no voltage (no ``V`` in them: ``mL``,
    ``L/min``, ``cm/s``, ``mmHg``...) say the channel is something else,
    whatever its name: ``Volume``, ``Vt`` or ``CCO`` are not leads V or CC5.
    Placeholder units (none, ``NU``, ``adu``...) and voltages written
    otherwise (``0.1mV``, ``mVolt``) leave the decision to the name; a
    channel whose name says nothing is an ECG lead when its units are a
    voltage (mV, uV, V, millivolts...) and it is not an EEG, EOG or EMG
    electrode of a sleep study (``C4-A1``, ``Fp2-F4``, ``ROC-LOC``...). In
    a record, such a channel is read only where no channel is named as a
    lead (:func:`read_record`).

    Examples
    --------
    >>> [is_ecg_channel(n, u) for n, u in [("MLII", None), ("aVR", "mV"), ("ABP", "mmHg"), ("sig", "uV"),
    ...                                    ("EEG C4-A1", "uV"), ("PLETH", "NU"), ("V5", "NU"), ("Volume", "mL"),
    ...                                    ("ii", "0.1mV"), ("CH1", "millivolts"), ("Fp2-F4", "uV"), ("ROC-LOC", "uV")]]
    [True, True, False, True, False, False, True, False, True, True, False, False]
    """
    return _channel_kind(name, units) in ("lead", "voltage")


def _channel_kind(name, units):
    """``"lead"`` (named as an ECG lead), ``"voltage"`` (a name that says nothing, in a voltage unit) or
    ``"other"``."""
    name = str(name).strip()
    unit = unit_key(units)
    if "v" not in unit and unit not in PLACEHOLDER_UNITS:
        return "other"
    if ECG_NAME.fullmatch(name):
        return "lead"
    if OTHER_NAME.match(name) or ELECTRODE_NAME.fullmatch(name):
        return "other"
    return "voltage" if unit in VOLTAGE_UNITS else "other"


def _choose(leads, names, units, record_name, header_names=None):
    """Column indices of ``leads``; without leads, the ECG channels (warning about the others), judged by the
    names in the header (``header_names``: a second ``II`` is a lead although it is read as ``II_2``)."""
    if leads is not None:
        return _lead_indices(leads, names)
    units = list(units) if units is not None else [None] * len(names)
    kinds = [_channel_kind(name, unit) for name, unit in zip(names if header_names is None else header_names, units)]
    # a name that says nothing is a lead by its voltage units only where no channel is named as a lead
    taken = ("lead",) if "lead" in kinds else ("lead", "voltage")
    index = [i for i, kind in enumerate(kinds) if kind in taken]
    described = [f"{n} ({u})" if u else n for n, u in zip(names, units)]
    if not index:
        raise ValueError(f"Record {record_name!r} has no ECG channel: none of its channels "
                         f"{_join(described)} is named like an ECG lead (I, II, V1, MLII, ECG...) or in a voltage "
                         "unit (mV, uV...). Pass leads= to choose the channels to delineate.")
    if len(index) < len(names):
        skipped = [described[i] for i in range(len(names)) if i not in index]
        warn(f"Record {record_name!r}: channel(s) {_join(skipped)} do not look like ECG leads and are "
             "skipped; pass leads= to choose the channels to delineate.")
    by_units = [described[i] for i in index if kinds[i] == "voltage"]
    if by_units and len(index) > 1:  # one lead alone votes with no other; among several, a sensor would
        warn(f"Record {record_name!r}: no channel is named like an ECG lead, so channel(s) {_join(by_units)} are "
             "read as leads by their voltage units alone, and each votes in the fused delineation; a sensor "
             "recorded in volts (a pulse, respiration) would be delineated as ECG. Pass leads= to choose.")
    return index


def _lead_indices(leads, names):
    """Turn ``leads`` (a name, an index or a list of them) into column indices."""
    if isinstance(leads, (str, numbers.Integral)):
        leads = [leads]
    elif isinstance(leads, np.ndarray):
        leads = leads.tolist()
    if not isinstance(leads, (list, tuple)):
        raise TypeError("leads must be a lead name, a lead index or a list of them, "
                        f"got {type(leads).__name__}.")
    if len(leads) == 0:
        raise ValueError("leads is empty; pass None for every ECG lead.")
    index = []
    for lead in leads:
        if isinstance(lead, bool) or not isinstance(lead, (str, numbers.Integral)):
            raise TypeError(f"each lead must be a name (str) or an index (int), got {type(lead).__name__} "
                            f"{lead!r}.")
        if isinstance(lead, str):
            folded = [i for i, n in enumerate(names) if n.lower() == lead.lower()]
            if lead in names or len(folded) == 1:
                index.append(names.index(lead) if lead in names else folded[0])
                continue
            if not lead.isdecimal():
                raise ValueError(f"Invalid lead {lead!r}. Available leads are {_join(names)}.")
            lead = int(lead)  # digits that name no channel (as typed on a command line): an index
        if not 0 <= int(lead) < len(names):
            raise ValueError(f"lead index {int(lead)} is out of range; the record has {len(names)} leads "
                             f"(indices 0 to {len(names) - 1}).")
        else:
            index.append(int(lead))
    repeated = [names[i] for i in dict.fromkeys(index) if index.count(i) > 1]
    if repeated:
        raise ValueError(f"leads == {list(leads)!r} names the lead(s) {_join(repeated)} more than once; each lead "
                         "is read once.")
    return index
