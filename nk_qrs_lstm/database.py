"""A WFDB database: its records, and the one tidy table of their delineations.

:func:`find_records` lists the records of a folder, :func:`record_table`
turns one record's delineation into rows (fiducials in samples and seconds,
intervals in ms), and the helpers here check the arguments of
:func:`nk_qrs_lstm.batch.delineate_database` before any work is done.
"""

import os
import posixpath
import re
import tempfile

import numpy as np
import pandas as pd

from .defaults import BEAT_KEYS, CONFIDENCE_KEYS

#: Fiducial columns of the table, in samples (``<key>_s``: the same in seconds).
FIDUCIALS = BEAT_KEYS
#: Interval columns (ms): name -> (start fiducial, end fiducial).
INTERVALS = {
    "PR_ms": ("ECG_P_Onsets", "ECG_R_Onsets"),
    "QRS_ms": ("ECG_R_Onsets", "ECG_R_Offsets"),
    "QT_ms": ("ECG_R_Onsets", "ECG_T_Offsets"),
}
TABLE_COLUMNS = ("record", "lead", "beat", "sampling_rate", *FIDUCIALS, *(f"{k}_s" for k in FIDUCIALS),
                 *INTERVALS, *CONFIDENCE_KEYS)
FAILURE_COLUMNS = ("record", "error", "message")
TABLE_FORMATS = ("parquet", "csv")
_MS_PER_S = 1000.0


# --------------------------------------------------------------------------- records
def _natural_key(name):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def find_records(folder):
    """Records of a WFDB database folder, as paths relative to it.

    The folder's ``RECORDS`` file is read when there is one (its lines may
    hold sub-folders, ``data/1``; a line ending in ``/`` is a sub-database
    with its own records); otherwise every ``*.hea`` under the folder is a
    record, in natural order (``2`` before ``10``), except the segments of
    multi-segment records.

    Parameters
    ----------
    folder : str or os.PathLike
        Database folder.

    Returns
    -------
    list of str
        Record paths relative to ``folder``, ``/``-separated, without
        extension. Without a ``RECORDS`` file, the segments of a
        multi-segment record (its layout included) are not records of their
        own: only the multi-segment record is listed.

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> from nk_qrs_lstm.examples import example_record_path
    >>> folder = tempfile.mkdtemp()
    >>> for sub in ("a", "b"):
    ...     os.makedirs(os.path.join(folder, sub))
    ...     _ = shutil.copyfile(example_record_path() + ".hea", os.path.join(folder, sub, "3.hea"))
    >>> find_records(folder)
    ['a/3', 'b/3']
    """
    folder = check_folder(folder)
    listing = os.path.join(folder, "RECORDS")
    if os.path.isfile(listing):
        names = []
        with open(listing) as f:
            for line in f:
                name = line.strip()
                if not name or name.startswith("#"):
                    continue
                if name.endswith("/"):
                    names += [name + sub for sub in find_records(os.path.join(folder, name))]
                else:
                    names.append(name)
        return list(dict.fromkeys(names))
    names, segments = [], set()
    for root, _, files in os.walk(folder):
        rel = os.path.relpath(root, folder)
        for file in files:
            if file.endswith(".hea"):
                path = file[: -len(".hea")] if rel == "." else os.path.join(rel, file[: -len(".hea")])
                names.append(path.replace(os.sep, "/"))
                parent = posixpath.dirname(names[-1])
                segments.update(posixpath.join(parent, s) for s in _segment_names(os.path.join(root, file)))
    return sorted((n for n in names if n not in segments), key=_natural_key)


def _segment_names(header):
    """Segments (the layout included) named by a multi-segment header; none for any other header.

    The record line of a multi-segment header is ``name/n_segments n_signals
    ...``; each of the next ``n_segments`` lines starts with a segment name
    (``~`` for a null segment). A header that cannot be read names none: the
    record is then reported when it is delineated.
    """
    try:
        with open(header, encoding="latin-1") as f:
            lines = [line.split() for line in f if line.strip() and not line.lstrip().startswith("#")]
        count = lines[0][0].partition("/")[2]
        return [line[0] for line in lines[1 : 1 + int(count)] if line[0] != "~"] if count else []
    except (OSError, IndexError, ValueError):
        return []


def check_folder(folder):
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a str or os.PathLike, got {type(folder).__name__}.")
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"folder {folder!r} is not an existing folder.")
    return folder


def check_records(folder, records):
    if records is None:
        names = find_records(folder)
    else:
        if isinstance(records, (str, os.PathLike)):
            records = [records]
        if not isinstance(records, (list, tuple)):
            raise TypeError(f"records must be a list of record names, got {type(records).__name__}.")
        names = []
        for name in records:
            if not isinstance(name, (str, os.PathLike)):
                raise TypeError(f"each record must be a path relative to folder (str), got {name!r}.")
            name = os.fspath(name).replace(os.sep, "/")
            name = re.sub(r"\.(hea|dat)$", "", name)
            if os.path.isabs(name) or posixpath.normpath(name).startswith(".."):
                raise ValueError(f"record {name!r} must be a path inside folder (e.g. 'data/1').")
            names.append(posixpath.normpath(name))
        names = list(dict.fromkeys(names))
    if not names:
        raise ValueError(f"no record to delineate: folder {folder!r} has no RECORDS file and no *.hea file."
                         if records is None else "records is empty; pass None for every record of folder.")
    return names


def check_leads(leads):
    if leads is None:
        return None
    if isinstance(leads, (str, int)) and not isinstance(leads, bool):
        return [leads]
    if not isinstance(leads, (list, tuple)) or not leads:
        raise TypeError(f"leads must be None, a lead name or index, or a non-empty list of them, got {leads!r}.")
    return list(leads)


def check_out(out):
    """Create ``out`` if needed and check that files can be written in it (before any work is done).

    Raises the ``OSError`` met (``PermissionError``, ``NotADirectoryError``...)
    with a message naming ``out``.
    """
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a str or os.PathLike, got {type(out).__name__}.")
    out = os.fspath(out)
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        raise type(err)(f"out == {out!r}, must be a folder where files can be written "
                        f"({err.strerror or type(err).__name__}); choose another output folder.") from err
    return out


# --------------------------------------------------------------------------- the table
def record_table(result, record=None):
    """The tidy table of one delineated record: fiducials in samples and seconds, intervals in ms.

    Parameters
    ----------
    result : RecordDelineation
        Output of :func:`nk_qrs_lstm.record.delineate_record`.
    record : str, optional
        Value of the ``record`` column (default: ``result.record_name``).

    Returns
    -------
    DataFrame
        Columns :data:`TABLE_COLUMNS`: ``record``, ``lead`` (``"fused"`` for
        the fusion), ``beat``, ``sampling_rate`` (Hz), every fiducial in
        samples (nullable integers, ``Int64``, ``<NA>`` where missing) and,
        suffixed ``_s``, in seconds, and ``PR_ms`` (QRS onset - P onset),
        ``QRS_ms`` (QRS offset - onset), ``QT_ms`` (T offset - QRS onset);
        seconds and intervals are floats, NaN where a point is missing; then
        each wave's confidence (``ECG_P/R/T_Confidence``; for the fused rows
        the median over the leads that found the wave, see
        :func:`nk_qrs_lstm.fusion.fuse_leads`).

    Examples
    --------
    >>> from nk_qrs_lstm.examples import example_record_path
    >>> from nk_qrs_lstm.record import delineate_record
    >>> table = record_table(delineate_record(example_record_path(), leads=["ii"]))
    >>> sorted(set(table["lead"]))
    ['fused', 'ii']
    >>> table["ECG_R_Onsets"].dtype
    Int64Dtype()
    >>> row = table.iloc[0]
    >>> bool(np.isclose(row["QRS_ms"], (row["ECG_R_Offsets"] - row["ECG_R_Onsets"]) * 2.0))
    True
    """
    rate = float(result.sampling_rate)
    frame = result.to_frame().reindex(columns=["record", "lead", "beat", *FIDUCIALS, *CONFIDENCE_KEYS])
    frame["record"] = result.record_name if record is None else record
    frame.insert(3, "sampling_rate", rate)
    frame[list(FIDUCIALS)] = frame[list(FIDUCIALS)].astype("Int64")
    samples = {k: frame[k].to_numpy(dtype=float, na_value=np.nan) for k in FIDUCIALS}
    seconds = pd.DataFrame({f"{k}_s": samples[k] / rate for k in FIDUCIALS}, index=frame.index)
    ms = pd.DataFrame({name: (samples[end] - samples[start]) * _MS_PER_S / rate
                       for name, (start, end) in INTERVALS.items()}, index=frame.index)
    frame[list(CONFIDENCE_KEYS)] = frame[list(CONFIDENCE_KEYS)].astype(float)  # float even where all are NaN
    return pd.concat([frame, seconds, ms], axis=1)[list(TABLE_COLUMNS)]


def concat_tables(tables):
    """The records' tables as one (an empty table with the same columns and dtypes when there is none)."""
    if not tables:
        empty = {c: pd.Series(dtype=float) for c in TABLE_COLUMNS}
        empty.update({k: pd.Series(dtype="Int64") for k in FIDUCIALS})
        empty.update(record=pd.Series(dtype=str), lead=pd.Series(dtype=str), beat=pd.Series(dtype=np.int64))
        return pd.DataFrame(empty)[list(TABLE_COLUMNS)]
    return pd.concat(tables, ignore_index=True)[list(TABLE_COLUMNS)]
