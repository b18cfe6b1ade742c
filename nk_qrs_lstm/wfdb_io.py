"""The one adapter between nk_qrs_lstm and the WFDB format (wfdb-python).

Nothing else in the package writes annotation files. Guarded pitfalls:
``wrann`` wants sorted ``int64`` samples, refuses extensions with digits
(``"q1c"``) and raises cryptic errors; ``rdann`` with ``sampfrom`` but no
``sampto`` does not filter and its ``sampto`` is inclusive; marks tied on one
sample must keep onset, peak, offset order or a bracket changes wave. Marks
follow QTDB's ``q1c`` files: ``(`` onset, peak (``p``, ``N``, ``t``), ``)``
offset, with the wave type in ``num`` (0 P, 1 QRS, 2 T).

References
----------
* Laguna P., Mark R.G., Goldberger A.L., Moody G.B. (1997). A Database for
  Evaluation of Algorithms for Measurement of QT and Other Waveform Intervals
  in the ECG. Computers in Cardiology 24:673-676.
* Moody G.B. WFDB Programmer's Guide, "Annotation files" (PhysioNet).
"""

import numbers
import os
import re
import tempfile

import numpy as np
import wfdb

from ._checks import _join, check_sampling_rate, warn
from .training.annotations import parse_waves

# (wave name in parse_waves, NeuroKit prefix, peak symbol, num = wave type)
_WAVES = (("P", "P", "p", 0), ("QRS", "R", "N", 1), ("T", "T", "t", 2))
_POINTS = ("Onsets", "Peaks", "Offsets")
WAVE_KEYS = tuple(f"ECG_{prefix}_{point}" for _, prefix, _, _ in _WAVES for point in _POINTS)
_OPTIONAL_KEYS = ("ECG_R_Peaks",)
# WFDB's beat codes (ecgcodes.h, isqrs): the marks read as a QRS peak
_BEAT_SYMBOLS = frozenset("NLRBAaJSVrFejnE/fQ?")
_DELINEATION_SYMBOLS = _BEAT_SYMBOLS | {"(", ")", "p", "t", "u"}
_RESERVED_EXTENSIONS = ("hea", "dat")  # header and signal files of the record
_PLACEHOLDER_EXTENSION = "nkqrslstm"  # letters only, renamed once written


# --------------------------------------------------------------------------- records
def read_record(record, leads=None):
    """Read a WFDB record as a float array in physical units.

    Parameters
    ----------
    record : wfdb.Record or str or os.PathLike
        A record already read by wfdb, or the path of a local record without
        extension (``"../shared/data/ludb/data/1"``). A trailing ``.hea`` or
        ``.dat`` is dropped.
    leads : str or int or list of (str or int), optional
        Leads to return, by name (as in the header; matched ignoring case when
        the exact name is absent and the match is unique) or by index. All
        leads by default.

    Returns
    -------
    signal : ndarray of float64, shape (n_samples, n_leads)
        Physical values (the header's units, usually mV); NaN where the
        record holds WFDB's "missing" value.
    sampling_rate : float
        Sampling rate in Hz.
    lead_names : list of str
        Names of the returned leads, in the order of the columns.

    Raises
    ------
    FileNotFoundError
        If ``<record>.hea`` does not exist.
    ValueError
        If a lead is unknown (the message lists the available ones).

    See Also
    --------
    write_annotations, read_annotations

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
    >>> signal, fs, names = read_record(os.path.join(folder, "sim"), leads="V1")
    >>> signal.shape, names
    ((5000, 1), ['v1'])
    """
    if isinstance(record, wfdb.Record):
        names = _record_names(record)
        index = _lead_indices(leads, names)
        signal = _physical(record)[:, index]
        rate = record.fs
    elif isinstance(record, (str, os.PathLike)):
        path = os.fspath(record)
        root, ext = os.path.splitext(path)
        if ext in (".hea", ".dat"):
            path = root
        if not os.path.isfile(path + ".hea"):
            raise FileNotFoundError(f"WFDB header {path + '.hea'!r} does not exist; pass the record path "
                                    "without extension, e.g. '../shared/data/ludb/data/1'.")
        names = [str(n) for n in wfdb.rdheader(path).sig_name]
        index = _lead_indices(leads, names)
        channels = sorted(set(index))
        rec = wfdb.rdrecord(path, channels=channels)
        signal = _physical(rec)[:, [channels.index(i) for i in index]]
        rate = rec.fs
    else:
        raise TypeError("record must be a wfdb.Record or the path of a WFDB record (str or os.PathLike), "
                        f"got {type(record).__name__}.")
    if rate is None or not np.isfinite(float(rate)) or float(rate) <= 0:
        raise ValueError(f"record.fs == {rate!r}, must be a sampling rate > 0 (Hz).")
    return np.ascontiguousarray(signal, dtype=np.float64), float(rate), [names[i] for i in index]


def _record_names(record):
    if record.sig_name is None:
        raise ValueError("record.sig_name is None; the record must name its leads.")
    return [str(n) for n in record.sig_name]


def _physical(record):
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


def _lead_indices(leads, names):
    """Turn ``leads`` (None, name, index or a list of them) into column indices."""
    if leads is None:
        return list(range(len(names)))
    if isinstance(leads, (str, numbers.Integral)):
        leads = [leads]
    elif isinstance(leads, np.ndarray):
        leads = leads.tolist()
    if not isinstance(leads, (list, tuple)):
        raise TypeError("leads must be a lead name, a lead index or a list of them, "
                        f"got {type(leads).__name__}.")
    if len(leads) == 0:
        raise ValueError("leads is empty; pass None for all leads.")
    index = []
    for lead in leads:
        if isinstance(lead, bool) or not isinstance(lead, (str, numbers.Integral)):
            raise TypeError(f"each lead must be a name (str) or an index (int), got {type(lead).__name__} "
                            f"{lead!r}.")
        if isinstance(lead, str):
            folded = [i for i, n in enumerate(names) if n.lower() == lead.lower()]
            if lead not in names and len(folded) != 1:
                raise ValueError(f"Invalid lead {lead!r}. Available leads are {_join(names)}.")
            index.append(names.index(lead) if lead in names else folded[0])
        elif not 0 <= int(lead) < len(names):
            raise ValueError(f"lead index {int(lead)} is out of range; the record has {len(names)} leads "
                             f"(indices 0 to {len(names) - 1}).")
        else:
            index.append(int(lead))
    return index


# --------------------------------------------------------------------------- names
def _check_extension(extension):
    if not isinstance(extension, str):
        raise TypeError(f"extension must be a str, got {type(extension).__name__}.")
    if not (extension.isascii() and extension.isalnum()):
        raise ValueError(f"extension == {extension!r}, must contain only letters and digits.")
    if extension.lower() in _RESERVED_EXTENSIONS:
        raise ValueError(f"extension == {extension!r}, must not be 'hea' or 'dat' (the record's header "
                         "and signal files).")
    return extension


def _check_record_name(record_name):
    if not isinstance(record_name, str):
        raise TypeError(f"record_name must be a str, got {type(record_name).__name__}.")
    if not re.fullmatch(r"[-A-Za-z0-9_]+", record_name):
        raise ValueError(f"record_name == {record_name!r}, must contain only letters, digits, hyphens "
                         "and underscores (give the folder as write_dir).")
    return record_name


def _check_lead(lead):
    if lead is None:
        return 0
    if isinstance(lead, bool) or not isinstance(lead, numbers.Integral):
        raise TypeError(f"lead must be an int (the signal number) or None, got {type(lead).__name__}.")
    if not 0 <= int(lead) <= 255:
        raise ValueError(f"lead == {lead!r}, must be between 0 and 255 (WFDB's chan field).")
    return int(lead)


# --------------------------------------------------------------------------- writing
def write_annotations(record_name, extension, waves, sampling_rate, write_dir=".", lead=None):
    """Write one lead's delineation as a WFDB annotation file in QTDB's style.

    Each wave becomes ``(`` onset, peak, ``)`` offset with the peak symbols
    ``p`` (P), ``N`` (QRS) and ``t`` (T) and the wave type in ``num``
    (0 P, 1 QRS, 2 T), as in QTDB's ``q1c`` files. Nothing is invented:

    * a missing onset or offset (NaN) is left out: its bracket is omitted;
    * a wave without peak but with onset and offset is written as the
      brackets alone, both naming the wave (``"P"``, ``"QRS"``, ``"T"``) in
      ``aux_note``; this is how QRS complexes are written when ``waves`` has
      no ``ECG_R_Peaks``;
    * a wave without peak and with one boundary is not written (it could not
      be told from its neighbours' boundaries when read back), nor is a wave
      with every point missing (absent).

    Marks are sorted by sample; ties keep onset, peak, offset and the order
    of the waves. A boundary that would read back as another wave's (waves
    that overlap, a boundary on the wrong side of its peak) is left out.

    Parameters
    ----------
    record_name : str
        Record name (letters, digits, ``-`` and ``_``); the file is
        ``<write_dir>/<record_name>.<extension>``.
    extension : str
        Annotator name of letters and digits (``"q1c"`` is accepted, although
        wfdb-python's own ``wrann`` refuses digits).
    waves : dict of str -> list
        NeuroKit-format delineation of one lead: ``ECG_P_Onsets``,
        ``ECG_P_Peaks``, ``ECG_P_Offsets``, ``ECG_R_Onsets``, ``ECG_R_Peaks``
        (optional), ``ECG_R_Offsets``, ``ECG_T_Onsets``, ``ECG_T_Peaks``,
        ``ECG_T_Offsets``: sample indices, NaN (or None) where missing. The
        three lists of one wave have the same length (one entry per wave);
        other keys are ignored.
    sampling_rate : float
        Sampling rate in Hz, stored in the file.
    write_dir : str or os.PathLike, optional
        Existing folder to write into (the current folder by default).
    lead : int, optional
        Signal number the marks refer to, stored in each mark's ``chan``
        field; 0 (as in QTDB) by default.

    Returns
    -------
    str
        Path of the file written (an empty delineation writes a valid empty
        annotation file).

    Warns
    -----
    NKQRSLSTMWarning
        When some boundaries cannot be written faithfully and are left out.

    See Also
    --------
    read_annotations

    Examples
    --------
    >>> import tempfile
    >>> waves = {"ECG_P_Onsets": [100, np.nan], "ECG_P_Peaks": [120, 520],
    ...          "ECG_P_Offsets": [140, 545], "ECG_R_Onsets": [160, 560],
    ...          "ECG_R_Peaks": [180, 580], "ECG_R_Offsets": [200, 600],
    ...          "ECG_T_Onsets": [np.nan, np.nan], "ECG_T_Peaks": [300, 700],
    ...          "ECG_T_Offsets": [340, 740]}
    >>> folder = tempfile.mkdtemp()
    >>> path = write_annotations("sim", "q1c", waves, 250, write_dir=folder)
    >>> os.path.basename(path)
    'sim.q1c'
    >>> ann = wfdb.rdann(os.path.join(folder, "sim"), "q1c")
    >>> "".join(ann.symbol)
    '(p)(N)t)p)(N)t)'
    >>> read_annotations(os.path.join(folder, "sim"), "q1c")["ECG_P_Onsets"]
    [100.0, nan]
    """
    record_name = _check_record_name(record_name)
    extension = _check_extension(extension)
    sampling_rate = check_sampling_rate(sampling_rate)
    chan = _check_lead(lead)
    if not isinstance(write_dir, (str, os.PathLike)):
        raise TypeError(f"write_dir must be a str or os.PathLike, got {type(write_dir).__name__}.")
    write_dir = os.fspath(write_dir)
    if not os.path.isdir(write_dir):
        raise FileNotFoundError(f"write_dir {write_dir!r} is not an existing folder.")
    table = _waves_table(waves)
    samples, symbols, nums, aux, n_left_out = _encode(table)
    if n_left_out:
        warn(f"{n_left_out} boundary point(s) were not written to {record_name}.{extension}: a boundary "
             "is kept only next to its own wave's peak (or, without a peak, as an onset-offset pair), "
             "so overlapping waves and lone boundaries are left out.")
    path = os.path.join(write_dir, f"{record_name}.{extension}")
    # wfdb refuses extensions with digits: write under a letters-only name in a
    # private folder next to the target, then move the file into place at once.
    with tempfile.TemporaryDirectory(dir=write_dir) as tmp:
        written = os.path.join(tmp, f"{record_name}.{_PLACEHOLDER_EXTENSION}")
        if len(samples):
            wfdb.wrann(record_name, _PLACEHOLDER_EXTENSION, samples, symbol=symbols, num=nums, aux_note=aux,
                       chan=np.full(len(samples), chan, dtype=np.int64), fs=sampling_rate, write_dir=tmp)
        else:  # wfdb cannot write zero marks; an empty file is just the terminator
            with open(written, "wb") as f:
                f.write(bytes([0, 0]))
        os.replace(written, path)
    return path


def _points(waves, key, length=None):
    """Return ``waves[key]`` as a 1-D float array of whole samples or NaN."""
    value = waves.get(key)
    if value is None:  # only reached for the optional keys
        return np.full(length, np.nan)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"waves[{key!r}] must be a list of sample indices (NaN where missing).") from None
    if arr.ndim != 1:
        raise ValueError(f"waves[{key!r}] must be one-dimensional, got shape {arr.shape}.")
    known = arr[~np.isnan(arr)]
    bad = known[~np.isfinite(known) | (known < 0) | (known != np.round(known))]
    if bad.size:
        raise ValueError(f"waves[{key!r}] must hold whole sample indices >= 0 (NaN where missing), "
                         f"got {float(bad[0])!r}.")
    return arr


def _waves_table(waves):
    """Return a list of ``(wave_type, onset, peak, offset)`` arrays per wave."""
    if not isinstance(waves, dict):
        raise TypeError("waves must be a dict of NeuroKit delineation lists (ECG_P_Onsets, ...), "
                        f"got {type(waves).__name__}.")
    missing = [k for k in WAVE_KEYS if k not in waves and k not in _OPTIONAL_KEYS]
    if missing:
        raise ValueError(f"waves is missing the key(s) {_join(missing)}; expected NeuroKit's delineation "
                         f"keys {_join(WAVE_KEYS)} (ECG_R_Peaks optional).")
    table = []
    for num, (_, prefix, _, _) in enumerate(_WAVES):
        keys = [f"ECG_{prefix}_{point}" for point in _POINTS]
        onset = _points(waves, keys[0])
        offset = _points(waves, keys[2])
        peak = _points(waves, keys[1], length=len(onset))
        if not len(onset) == len(peak) == len(offset):
            raise ValueError(f"waves[{keys[0]!r}], waves[{keys[1]!r}] and waves[{keys[2]!r}] must have the "
                             f"same length (one entry per wave), got {len(onset)}, {len(peak)} and "
                             f"{len(offset)}.")
        table.append(np.column_stack([onset, peak, offset]))
    return table


def _encode(table):
    """Turn the per-wave table into sorted WFDB marks.

    Returns samples (int64), symbols, num (int64), aux notes and the number
    of boundary points left out.
    """
    left_out = 0
    marks = []  # (sample, wave id, position 0/1/2)
    waves = []  # (num, row) for each wave written
    for num, rows in enumerate(table):
        for onset, peak, offset in rows:
            known = ~np.isnan([onset, peak, offset])
            if not known.any():
                continue
            if known[1]:
                if known[0] and onset > peak:
                    onset, known[0], left_out = np.nan, False, left_out + 1
                if known[2] and offset < peak:
                    offset, known[2], left_out = np.nan, False, left_out + 1
            elif not (known[0] and known[2]) or onset > offset:
                left_out += int(known.sum())
                continue
            waves.append((num, (onset, peak, offset)))
    # rank the waves in time: first known point, last known point, type
    firsts = [np.nanmin(row) for _, row in waves]
    lasts = [np.nanmax(row) for _, row in waves]
    kinds = [num for num, _ in waves]
    order = np.lexsort((kinds, lasts, firsts)) if waves else np.zeros(0, dtype=int)
    for rank, w in enumerate(order):
        for pos, value in enumerate(waves[w][1]):
            if not np.isnan(value):
                marks.append((int(value), rank, pos))
    marks.sort()
    # keep a boundary only if it sits right next to its anchor (the peak, or the
    # partner bracket of a peak-less pair); removing marks never breaks that
    # adjacency for the others, so one pass suffices.
    keep = [True] * len(marks)
    by_rank = {}
    for i, (_, rank, pos) in enumerate(marks):
        by_rank.setdefault(rank, {})[pos] = i
    for rank, where in by_rank.items():
        if 1 in where:
            for pos in (0, 2):
                if pos in where and abs(where[pos] - where[1]) != 1:
                    keep[where[pos]] = False
                    left_out += 1
        elif where[2] - where[0] != 1:
            keep[where[0]] = keep[where[2]] = False
            left_out += 2
    samples, symbols, nums, aux = [], [], [], []
    for (sample, rank, pos), kept in zip(marks, keep):
        if not kept:
            continue
        num = waves[order[rank]][0]
        name, _, peak_symbol, _ = _WAVES[num]
        peakless = 1 not in by_rank[rank]
        samples.append(sample)
        symbols.append(("(", peak_symbol, ")")[pos])
        nums.append(num)
        aux.append(name if peakless else "")
    return np.asarray(samples, dtype=np.int64), symbols, np.asarray(nums, dtype=np.int64), aux, left_out


# --------------------------------------------------------------------------- reading
def read_annotations(record_path, extension, sampto=None, sampfrom=0):
    """Read a WFDB delineation file into NeuroKit's format.

    Waves are grouped with :func:`nk_qrs_lstm.training.datasets.parse_waves` (a peak
    takes the ``(`` right before it and the ``)`` right after it; any WFDB beat
    code such as ``N``, ``V`` or ``A`` is a QRS), plus the peak-less bracket
    pairs written by :func:`write_annotations` (named in ``aux_note``). Marks
    that are neither delineation nor beat codes (rhythm ``+``, noise ``~``,
    comments) are skipped. U waves are not returned.

    Parameters
    ----------
    record_path : str or os.PathLike
        Record path without extension (``"../shared/data/qtdb/sel100"``).
    extension : str
        Annotator name (``"q1c"``, ``"ii"``, ...).
    sampto : int, optional
        End of the range read, exclusive (as ``rdrecord``'s ``sampto``, not as
        ``rdann``'s, which is inclusive); the end of the file by default.
    sampfrom : int, optional
        Start of the range read, inclusive. Samples stay absolute (not shifted
        by ``sampfrom``).

    Returns
    -------
    dict of str -> list of float
        Keys ``ECG_P_Onsets``, ``ECG_P_Peaks``, ``ECG_P_Offsets``,
        ``ECG_R_Onsets``, ``ECG_R_Peaks``, ``ECG_R_Offsets``,
        ``ECG_T_Onsets``, ``ECG_T_Peaks``, ``ECG_T_Offsets``; one entry per
        wave, sorted in time, the three lists of a wave aligned, NaN where a
        point is not annotated. A wave cut by the range keeps its points inside
        the range only; a wave with no point inside is dropped.

    See Also
    --------
    write_annotations

    Examples
    --------
    >>> import tempfile
    >>> waves = {"ECG_P_Onsets": [np.nan], "ECG_P_Peaks": [120], "ECG_P_Offsets": [140],
    ...          "ECG_R_Onsets": [160], "ECG_R_Offsets": [200],
    ...          "ECG_T_Onsets": [250], "ECG_T_Peaks": [300], "ECG_T_Offsets": [340]}
    >>> path = write_annotations("rec", "test", waves, 500, write_dir=tempfile.mkdtemp())
    >>> back = read_annotations(path[: -len(".test")], "test")
    >>> back["ECG_P_Onsets"], back["ECG_R_Onsets"], back["ECG_R_Peaks"]
    ([nan], [160.0], [nan])
    >>> read_annotations(path[: -len(".test")], "test", sampfrom=150)["ECG_P_Peaks"]
    []
    """
    if not isinstance(record_path, (str, os.PathLike)):
        raise TypeError(f"record_path must be a str or os.PathLike, got {type(record_path).__name__}.")
    record_path = os.fspath(record_path)
    extension = _check_extension(extension)
    sampfrom, sampto = _check_range(sampfrom, sampto)
    path = f"{record_path}.{extension}"
    if not os.path.isfile(path):
        raise FileNotFoundError(f"annotation file {path!r} does not exist.")
    ann = wfdb.rdann(record_path, extension)
    aux = ann.aux_note if ann.aux_note is not None else [""] * len(ann.sample)
    # rhythm, noise and comment marks ('+', '~', '"', ...) are not waves: drop
    # them before grouping so they neither become a QRS nor split a wave
    kept = [i for i, sym in enumerate(ann.symbol) if sym in _DELINEATION_SYMBOLS]
    grouped = _decode(np.asarray(ann.sample, dtype=np.int64)[kept], [ann.symbol[i] for i in kept],
                      [aux[i] for i in kept])
    out = {}
    for name, prefix, _, _ in _WAVES:
        rows = grouped[name].copy()
        outside = (rows < sampfrom) | (rows >= (np.inf if sampto is None else sampto))
        rows[outside] = np.nan
        rows = rows[~np.all(np.isnan(rows), axis=1)]
        for col, point in enumerate(_POINTS):
            out[f"ECG_{prefix}_{point}"] = [float(v) for v in rows[:, col]]
    return out


def _check_range(sampfrom, sampto):
    for name, value in (("sampfrom", sampfrom), ("sampto", sampto)):
        if value is None and name == "sampto":
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an int (a sample index), got {type(value).__name__}.")
        if value < 0:
            raise ValueError(f"{name} == {value!r}, must be >= 0.")
    if sampto is not None and sampto <= sampfrom:
        raise ValueError(f"sampto == {sampto!r}, must be greater than sampfrom ({sampfrom}).")
    return int(sampfrom), None if sampto is None else int(sampto)


def _decode(samples, symbols, aux):
    """Group marks into waves: parse_waves plus the named peak-less pairs."""
    names = [name for name, _, _, _ in _WAVES]
    extra = {name: [] for name in names}
    symbols = list(symbols)
    for i in range(len(symbols) - 1):
        if symbols[i] == "(" and symbols[i + 1] == ")" and aux[i] in names and aux[i + 1] == aux[i]:
            extra[aux[i]].append((samples[i], np.nan, samples[i + 1]))
            # hide the named pair from parse_waves (which would give it to a neighbouring peak),
            # keeping a placeholder so that no other mark becomes adjacent through it
            symbols[i] = symbols[i + 1] = '"'
    grouped = parse_waves(samples, symbols)
    out = {}
    for name in names:
        rows = np.vstack([grouped[name], np.asarray(extra[name], dtype=float).reshape(-1, 3)])
        key = np.where(np.isnan(rows[:, 1]), rows[:, 0], rows[:, 1])
        out[name] = rows[np.argsort(key, kind="stable")]
    return out
