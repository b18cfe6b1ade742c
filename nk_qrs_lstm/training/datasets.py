"""Readers for the expert-annotated reference databases LUDB and QTDB.

This module turns WFDB files into :class:`AnnotatedECG` objects (signal,
reference waves and the regions where the reference is valid), builds
per-sample training labels from them and holds the fixed record-level split.

Both databases are published by PhysioNet under ODC-By 1.0. Where the network
is reachable they can be fetched with ``wfdb.dl_database("ludb", PATH)`` or
``wfdb.dl_database("qtdb", PATH)``; this module itself only reads local files.

References
----------
* Kalyakulina A.I. et al. (2020). LUDB: A New Open-Access Validation Tool for
  Electrocardiogram Delineation Algorithms. IEEE Access 8:186181-186190.
* Laguna P., Mark R.G., Goldberger A.L., Moody G.B. (1997). A Database for
  Evaluation of Algorithms for Measurement of QT and Other Waveform Intervals
  in the ECG. Computers in Cardiology 24:673-676.
* Goldberger A. et al. (2000). PhysioBank, PhysioToolkit, and PhysioNet.
  Circulation 101(23):e215-e220.
"""

import csv
import json
import os
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from .annotations import BEAT_SYMBOLS, make_labels, parse_waves  # noqa: F401 (re-exported)
from .qtdb_regions import _unannotated_beats, qtdb_beats, qtdb_regions  # noqa: F401 (re-exported)


LUDB_LEADS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")
_SPLIT_FILE = "splits.json"
# the databases: $NK_QRS_LSTM_DATA/<database> where that is set (as the tests read them), else ../shared/data/<database>
DATA_ROOT = os.environ.get("NK_QRS_LSTM_DATA", os.path.join("..", "shared", "data"))
DEFAULT_LUDB = os.path.join(DATA_ROOT, "ludb")
DEFAULT_QTDB = os.path.join(DATA_ROOT, "qtdb")


@dataclass
class AnnotatedECG:
    """One lead of ECG with its expert reference.

    Attributes
    ----------
    record : str
        Record name (``"1"`` for LUDB, ``"sel100"`` for QTDB).
    lead : str
        Lead name as in the WFDB header.
    signal : ndarray, shape (n_samples,)
        Voltage in mV.
    sampling_rate : float
        Sampling rate in Hz.
    waves : dict of str -> ndarray, shape (n_waves, 3)
        For ``"P"``, ``"QRS"`` and ``"T"`` (and ``"U"`` and ``"?"``, waves of
        unknown kind, see :func:`parse_waves`): onset, peak and offset sample
        indices (float; NaN where that point is not annotated).
    regions : ndarray, shape (n_regions, 2)
        ``[start, stop)`` sample ranges where the reference is complete: a
        wave of any kind inside a region is annotated, so anything else there
        is background. Outside the regions nothing is known.
    """

    record: str
    lead: str
    signal: np.ndarray
    sampling_rate: float
    waves: dict
    regions: np.ndarray
    database: str = ""
    extra: dict = field(default_factory=dict)

    def fiducials(self):
        """Return the reference fiducials in NeuroKit's naming.

        Returns
        -------
        dict of str -> ndarray of int64
            Keys ``ECG_P_Onsets``, ``ECG_P_Peaks``, ``ECG_P_Offsets``,
            ``ECG_R_Onsets``, ``ECG_R_Peaks``, ``ECG_R_Offsets``,
            ``ECG_T_Onsets``, ``ECG_T_Peaks``, ``ECG_T_Offsets``; each holds the
            annotated points only (NaN dropped), sorted.
        """
        out = {}
        for wave, prefix in (("P", "P"), ("QRS", "R"), ("T", "T")):
            for col, point in enumerate(("Onsets", "Peaks", "Offsets")):
                values = self.waves[wave][:, col]
                out[f"ECG_{prefix}_{point}"] = np.sort(values[np.isfinite(values)]).astype(np.int64)
        return out

    def labels(self):
        """Per-sample labels, see :func:`make_labels`."""
        return make_labels(len(self.signal), self.waves, self.regions, self.extra.get("masks"), self.sampling_rate)


# --------------------------------------------------------------------------- LUDB
def _wfdb():
    import wfdb

    return wfdb


def _check_dir(path, name):
    if not os.path.isdir(path):
        raise FileNotFoundError(
            f"{name} folder {path!r} does not exist. Download the database with "
            f"wfdb.dl_database({name.lower()!r}, PATH) and pass PATH."
        )
    return path


def ludb_records(path=DEFAULT_LUDB):
    """Return LUDB record names (``"1"`` .. ``"200"``) listed in ``RECORDS``."""
    _check_dir(path, "LUDB")
    with open(os.path.join(path, "RECORDS")) as f:
        return [os.path.basename(line.strip()) for line in f if line.strip()]


def read_ludb(record, path=DEFAULT_LUDB, leads=None):
    """Read one LUDB record, one :class:`AnnotatedECG` per lead.

    Parameters
    ----------
    record : str or int
        Record name, ``1`` to ``200``.
    path : str
        Folder holding LUDB (with ``RECORDS`` and ``data/``).
    leads : list of str, optional
        Lead names (``"i"``, ``"ii"``, ..., ``"v6"``); all 12 by default.

    Returns
    -------
    list of AnnotatedECG
        The labelled region of each lead runs from its first to its last
        annotation mark: the unannotated first and last seconds are *not*
        background.

    Examples
    --------
    >>> ecg = read_ludb(1, leads=["ii"])[0]  # doctest: +SKIP
    >>> ecg.fiducials()["ECG_R_Onsets"][:2]  # doctest: +SKIP
    array([ 644, 1324])
    """
    wfdb = _wfdb()
    base = os.path.join(_check_dir(path, "LUDB"), "data", str(record))
    rec = wfdb.rdrecord(base)
    leads = list(rec.sig_name) if leads is None else list(leads)
    out = []
    for lead in leads:
        if lead not in rec.sig_name:
            raise ValueError(f"lead {lead!r} is not in LUDB record {record}; leads are {rec.sig_name}.")
        ann = wfdb.rdann(base, lead)
        waves = parse_waves(ann.sample, ann.symbol)
        region = np.array([[ann.sample.min(), ann.sample.max() + 1]])
        out.append(
            AnnotatedECG(
                record=str(record),
                lead=lead,
                signal=rec.p_signal[:, rec.sig_name.index(lead)].astype(np.float64),
                sampling_rate=float(rec.fs),
                waves=waves,
                regions=region,
                database="ludb",
            )
        )
    return out


def ludb_metadata(path=DEFAULT_LUDB):
    """Return ``ludb.csv`` as a dict ``record -> {column: value}``."""
    with open(os.path.join(_check_dir(path, "LUDB"), "ludb.csv"), newline="") as f:
        return {row["ID"].strip(): {k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)}


# --------------------------------------------------------------------------- QTDB
def qtdb_records(path=DEFAULT_QTDB):
    """Return the QTDB record names listed in ``RECORDS``."""
    _check_dir(path, "QTDB")
    with open(os.path.join(path, "RECORDS")) as f:
        return [line.strip() for line in f if line.strip()]


def read_qtdb(record, path=DEFAULT_QTDB, annotator="q1c"):
    """Read one QTDB record, one :class:`AnnotatedECG` per lead.

    QTDB marks were placed looking at both leads, so both leads share one
    reference. Only the annotated beats are labelled: a region runs from the
    first to the last mark of a run of annotated beats. A T wave whose onset
    is not marked (the usual ``t)`` pattern) has the T onset *not annotated*,
    not absent: the ST segment before its peak is left unlabelled.

    Parameters
    ----------
    record : str
        Record name, e.g. ``"sel100"``.
    path : str
        Folder holding QTDB.
    annotator : {"q1c", "q2c"}
        Which cardiologist's second-pass annotation to read.

    Returns
    -------
    list of AnnotatedECG
        ``extra["beats"]`` holds :func:`qtdb_beats` and ``extra["masks"]`` the
        unknown ST stretches.
    """
    wfdb = _wfdb()
    base = os.path.join(_check_dir(path, "QTDB"), record)
    if not os.path.exists(f"{base}.{annotator}"):
        raise FileNotFoundError(f"QTDB record {record!r} has no {annotator!r} annotation file.")
    rec = wfdb.rdrecord(base)
    ann = wfdb.rdann(base, annotator)
    waves = parse_waves(ann.sample, ann.symbol)
    beats = qtdb_beats(waves)
    other = _unannotated_beats(wfdb, base, waves["QRS"], rec.fs)
    regions = qtdb_regions(beats, rec.fs, other)
    # unknown stretches: the ST segment when the T onset is not marked
    masks = []
    for b in beats:
        if np.isnan(b[6]) and np.isfinite(b[7]):
            start = b[5] + 1 if np.isfinite(b[5]) else b[4] + 1
            masks.append([start, b[7]])
    masks = np.asarray(masks, dtype=np.int64).reshape(-1, 2)
    out = []
    for j, lead in enumerate(rec.sig_name):
        out.append(
            AnnotatedECG(
                record=record,
                lead=lead,
                signal=rec.p_signal[:, j].astype(np.float64),
                sampling_rate=float(rec.fs),
                waves=waves,
                regions=regions,
                database="qtdb",
                extra={"beats": beats, "masks": masks, "annotator": annotator},
            )
        )
    return out


# --------------------------------------------------------------------------- splits
def _ludb_stratum(row):
    rhythm = row.get("Rhythms", "").lower()
    if row.get("Cardiac pacing", ""):
        return "paced"
    if "fibrillation" in rhythm or "flutter" in rhythm:
        return "af"
    if "sinus" in rhythm:
        return "sinus"
    return "other"


def _qtdb_stratum(record):
    # QTDB records come from different source databases; the name tells which.
    for prefix, name in (("sele", "st"), ("sel14", "nsr"), ("sel15", "nsr"), ("sel16", "nsr"),
                         ("sel17", "nsr"), ("sel8", "svdb"), ("sel3", "sddb"), ("sel4", "sddb"),
                         ("sel5", "sddb")):
        if record.startswith(prefix):
            return name
    return "mitdb"


def _stratified(records, strata, fractions, rng):
    """Split ``records`` in parts of the given fractions within each stratum."""
    parts = [[] for _ in fractions]
    for s in sorted(set(strata)):
        group = [r for r, g in zip(records, strata) if g == s]
        rng.shuffle(group)
        n = len(group)
        cuts = np.round(np.cumsum(fractions)[:-1] * n).astype(int)
        for i, chunk in enumerate(np.split(np.asarray(group, dtype=object), cuts)):
            parts[i].extend(chunk.tolist())
    return [sorted(p, key=_natural) for p in parts]


def _natural(name):
    return (len(name), name)


def make_splits(ludb_path=DEFAULT_LUDB, qtdb_path=DEFAULT_QTDB, seed=20261129):
    """Compute the record-level splits from the databases' metadata.

    LUDB is split 60/20/20 into train/validation/test within each rhythm
    stratum (sinus, AF/flutter, paced, other, from ``ludb.csv``); the QTDB
    records present are split 75/25 into train/validation within each source
    database. The result is what ``nk_qrs_lstm/data/splits.json`` stores.
    """
    rng = np.random.default_rng(seed)
    meta = ludb_metadata(ludb_path)
    records = ludb_records(ludb_path)
    strata = [_ludb_stratum(meta[r]) for r in records]
    train, val, test = _stratified(records, strata, [0.6, 0.2, 0.2], rng)
    q = qtdb_records(qtdb_path)
    qtrain, qval = _stratified(q, [_qtdb_stratum(r) for r in q], [0.75, 0.25], rng)
    return {
        "seed": seed,
        "ludb": {"train": train, "validation": val, "test": test},
        "qtdb": {"train": qtrain, "validation": qval},
        "ludb_strata": dict(zip(records, strata)),
    }


def load_splits():
    """Return the fixed record-level split shipped with the package.

    Returns
    -------
    dict
        ``splits["ludb"]["train" | "validation" | "test"]`` and
        ``splits["qtdb"]["train" | "validation"]``: lists of record names.
    """
    text = resources.files("nk_qrs_lstm").joinpath("data").joinpath(_SPLIT_FILE).read_text()
    return json.loads(text)


def load_split(database, part, path=None):
    """Read every lead of every record in one split part.

    Parameters
    ----------
    database : {"ludb", "qtdb"}
    part : {"train", "validation", "test"}
    path : str, optional
        Database folder (defaults to ``$NK_QRS_LSTM_DATA/<database>`` where that variable was set when the
        package was imported, else ``../shared/data/<database>``).

    Returns
    -------
    list of AnnotatedECG
    """
    splits = load_splits()
    if database not in ("ludb", "qtdb") or part not in splits[database]:
        raise ValueError(
            f"Unknown split {database!r}/{part!r}; available: "
            + ", ".join(f"{d}/{p}" for d in ("ludb", "qtdb") for p in splits[d])
        )
    reader = read_ludb if database == "ludb" else read_qtdb
    path = path or (DEFAULT_LUDB if database == "ludb" else DEFAULT_QTDB)
    out = []
    for rec in splits[database][part]:
        out.extend(reader(rec, path=path))
    return out


