"""WFDB annotation files: one lead's delineation written and read in QTDB's style.

Nothing else in the package writes annotation files. Guarded pitfalls:
``wrann`` wants sorted ``int64`` samples, refuses extensions with digits
(``"q1c"``) and raises cryptic errors; ``rdann`` with ``sampfrom`` but no
``sampto`` does not filter and its ``sampto`` is inclusive; marks tied on one
sample must keep onset, peak, offset order or a bracket changes wave. Marks
follow QTDB's ``q1c`` files: ``(`` onset, peak (``p``, ``N``, ``t``), ``)``
offset, with the wave type in the brackets' ``num`` (0 P, 1 QRS, 2 T) and 0
in the peaks'; the marks <-> waves
logic lives in :mod:`nk_qrs_lstm.wfdb_io.marks`.

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

from .._checks import _join, check_flag, warn
from .marks import DELINEATION_SYMBOLS, POINTS, WAVES, decode, encode, waves_table

_RESERVED_EXTENSIONS = ("hea", "dat")  # header and signal files of the record
_PLACEHOLDER_EXTENSION = "nkqrslstm"  # letters only, renamed once written


def write_annotations(record_name, extension, waves, sampling_rate, write_dir=".", lead=None, overwrite=False):
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
        Sampling rate in Hz, stored in the file: any finite rate > 0 (the
        record's own, which may be below the rates that can be delineated).
    write_dir : str or os.PathLike, optional
        Existing folder to write into (the current folder by default).
    lead : int, optional
        Signal number the marks refer to, stored in each mark's ``chan``
        field; 0 (as in QTDB) by default.
    overwrite : bool
        Replace an existing ``<record_name>.<extension>`` (by default an
        existing file is refused: it may be an expert's annotations, such as
        LUDB's ``.ii`` or QTDB's ``.q1c``, or another lead's).

    Returns
    -------
    str
        Path of the file written (an empty delineation writes a valid empty
        annotation file).

    Raises
    ------
    FileExistsError
        If the file exists and ``overwrite`` is False (before anything is
        written).

    Warns
    -----
    NKQRSLSTMWarning
        When some boundaries cannot be written faithfully and are left out.

    See Also
    --------
    read_annotations, write_lead_annotations

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
    return _write(record_name, extension, {_check_lead(lead): waves}, sampling_rate, write_dir, overwrite)


def write_lead_annotations(record_name, extension, leads, sampling_rate, write_dir=".", overwrite=False):
    """Write several leads' delineations into one WFDB annotation file, each mark with its lead's ``chan``.

    As QTDB's ``pu`` files hold both leads' marks: each lead is written as by
    :func:`write_annotations`, and the marks of all leads are merged in time
    (a lead's own order kept). Read one lead back with
    ``read_annotations(path, extension, chan=k)``.

    Parameters
    ----------
    record_name, extension, sampling_rate, write_dir, overwrite
        As in :func:`write_annotations`.
    leads : dict of int -> dict
        Signal number (``chan``, 0-255) -> that lead's NeuroKit-format
        delineation.

    Returns
    -------
    str
        Path of the file written.

    Examples
    --------
    >>> import tempfile
    >>> none = {f"ECG_{w}_{p}": [] for w in "PT" for p in ("Onsets", "Peaks", "Offsets")}
    >>> ii = {**none, "ECG_R_Onsets": [100, 600], "ECG_R_Peaks": [110, 610], "ECG_R_Offsets": [140, 640]}
    >>> v5 = {**none, "ECG_R_Onsets": [98, 603], "ECG_R_Peaks": [112, 612], "ECG_R_Offsets": [138, 645]}
    >>> folder = tempfile.mkdtemp()
    >>> path = write_lead_annotations("rec", "lstm", {1: ii, 10: v5}, 500, write_dir=folder)
    >>> sorted(set(wfdb.rdann(os.path.join(folder, "rec"), "lstm").chan.tolist()))
    [1, 10]
    >>> read_annotations(os.path.join(folder, "rec"), "lstm", chan=10)["ECG_R_Onsets"]
    [98.0, 603.0]
    """
    if not isinstance(leads, dict) or not leads:
        raise TypeError(f"leads must be a non-empty dict of signal number -> waves, got {leads!r:.60}.")
    return _write(record_name, extension, {_check_lead(k): v for k, v in leads.items()}, sampling_rate, write_dir,
                  overwrite)


def _write(record_name, extension, by_chan, sampling_rate, write_dir, overwrite):
    """Validate once, then write the marks of every lead of ``by_chan`` (chan -> waves) into one file."""
    record_name = _check_record_name(record_name)
    extension = _check_extension(extension)
    sampling_rate = _check_rate(sampling_rate)
    if not isinstance(write_dir, (str, os.PathLike)):
        raise TypeError(f"write_dir must be a str or os.PathLike, got {type(write_dir).__name__}.")
    write_dir = os.fspath(write_dir)
    if not os.path.isdir(write_dir):
        raise FileNotFoundError(f"write_dir {write_dir!r} is not an existing folder.")
    path = os.path.join(write_dir, f"{record_name}.{extension}")
    check_free(path, overwrite)
    parts, n_left_out = [], 0
    for chan, waves in by_chan.items():
        samples, symbols, nums, aux, left_out = encode(waves_table(waves))
        parts.append((np.asarray(samples, dtype=np.int64), list(symbols), np.asarray(nums, dtype=np.int64),
                      list(aux), np.full(len(samples), chan, dtype=np.int64)))
        n_left_out += left_out
    if n_left_out:
        warn(f"{n_left_out} boundary point(s) were not written to {record_name}.{extension}: a boundary "
             "is kept only next to its own wave's peak (or, without a peak, as an onset-offset pair), "
             "so overlapping waves and lone boundaries are left out.")
    samples = np.concatenate([p[0] for p in parts])
    order = np.argsort(samples, kind="stable")  # in time; a lead's own order kept at equal samples
    symbols, aux = [s for p in parts for s in p[1]], [a for p in parts for a in p[3]]
    nums, chans = np.concatenate([p[2] for p in parts])[order], np.concatenate([p[4] for p in parts])[order]
    symbols, aux, samples = [symbols[i] for i in order], [aux[i] for i in order], samples[order]
    # wfdb refuses extensions with digits: write under a letters-only name in a
    # private folder next to the target, then move the file into place at once.
    with tempfile.TemporaryDirectory(dir=write_dir) as tmp:
        written = os.path.join(tmp, f"{record_name}.{_PLACEHOLDER_EXTENSION}")
        if len(samples):
            wfdb.wrann(record_name, _PLACEHOLDER_EXTENSION, samples, symbol=symbols, num=nums, aux_note=aux,
                       chan=chans, fs=sampling_rate, write_dir=tmp)
        else:  # wfdb cannot write zero marks; an empty file is just the terminator
            with open(written, "wb") as f:
                f.write(bytes([0, 0]))
        os.replace(written, path)
    return path


def check_free(path, overwrite):
    """Refuse to replace an existing file unless ``overwrite`` (an annotation file may be an expert's)."""
    if not check_flag("overwrite", overwrite) and os.path.exists(path):
        raise FileExistsError(f"{path!r} exists (an expert's annotations, an earlier run's or another lead's?): "
                              "pass overwrite=True (--overwrite on the command line) to replace it, or choose "
                              "another extension or folder.")


def read_annotations(record_path, extension, sampto=None, sampfrom=0, chan=None):
    """Read a WFDB delineation file into NeuroKit's format.

    Waves are grouped with :func:`nk_qrs_lstm.wfdb_io.marks.parse_waves` (a peak
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
    chan : int, optional
        Signal number whose marks are read. Needed when the file holds the
        marks of several signals (as QTDB's ``pu`` files: one lead's marks
        cannot be grouped with another's); by default the file's only one.

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

    Raises
    ------
    ValueError
        If the file holds the marks of several signals and ``chan`` is None,
        or none of signal ``chan``.
    """
    if not isinstance(record_path, (str, os.PathLike)):
        raise TypeError(f"record_path must be a str or os.PathLike, got {type(record_path).__name__}.")
    record_path = os.fspath(record_path)
    extension = _check_extension(extension)
    sampfrom, sampto = check_range(sampfrom, sampto)
    path = f"{record_path}.{extension}"
    if not os.path.isfile(path):
        raise FileNotFoundError(f"annotation file {path!r} does not exist.")
    ann = wfdb.rdann(record_path, extension)
    aux = ann.aux_note if ann.aux_note is not None else [""] * len(ann.sample)
    # rhythm, noise and comment marks ('+', '~', '"', ...) are not waves: drop
    # them before grouping so they neither become a QRS nor split a wave
    kept = [i for i, sym in enumerate(ann.symbol) if sym in DELINEATION_SYMBOLS]
    kept = _one_channel(kept, ann.chan, path, chan)
    grouped = decode(np.asarray(ann.sample, dtype=np.int64)[kept], [ann.symbol[i] for i in kept],
                      [aux[i] for i in kept])
    out = {}
    for name, prefix, _, _ in WAVES:
        rows = grouped[name].copy()
        outside = (rows < sampfrom) | (rows >= (np.inf if sampto is None else sampto))
        rows[outside] = np.nan
        rows = rows[~np.all(np.isnan(rows), axis=1)]
        for col, point in enumerate(POINTS):
            out[f"ECG_{prefix}_{point}"] = [float(v) for v in rows[:, col]]
    return out


def _one_channel(kept, chans, path, chan):
    """The marks of ``kept`` that belong to signal ``chan`` (the file's only signal when None)."""
    chans = np.zeros(len(kept), dtype=np.int64) if chans is None else np.asarray(chans, dtype=np.int64)[kept]
    present = sorted(int(c) for c in np.unique(chans))
    if chan is None:
        if len(present) > 1:
            raise ValueError(f"annotation file {path!r} holds the marks of signals {_join(present)}; pass chan= "
                             f"one of them (e.g. chan={present[0]}) to read one lead's waves.")
        return kept
    if isinstance(chan, bool) or not isinstance(chan, numbers.Integral) or chan < 0:
        raise ValueError(f"chan == {chan!r}, must be a signal number (an int >= 0).")
    if present and int(chan) not in present:
        raise ValueError(f"annotation file {path!r} has no marks of signal {int(chan)}; it holds signals "
                         f"{_join(present)}.")
    return [k for k, c in zip(kept, chans) if c == chan]


# --------------------------------------------------------------------------- checks
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



def _check_rate(sampling_rate):
    """Any finite rate > 0: annotations are written at the record's rate, whatever it is."""
    if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, numbers.Real):
        raise TypeError(f"sampling_rate must be a number (Hz), got {type(sampling_rate).__name__} "
                        f"{sampling_rate!r}.")
    if not np.isfinite(float(sampling_rate)) or float(sampling_rate) <= 0:
        raise ValueError(f"sampling_rate == {sampling_rate!r}, must be a finite number > 0 (Hz).")
    return float(sampling_rate)


def check_range(sampfrom, sampto):
    """``(sampfrom, sampto)`` as ints, checked: sample indices >= 0, ``sampto`` (None: the end) after ``sampfrom``."""
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
