"""Whole WFDB records: every lead delineated, plus one fused multi-lead delineation.

Fusion rule (documented, measured in ``docs/benchmarks.md``): QRS complexes
found in different leads are grouped when their centres lie within
``FUSE_WINDOW_S`` of each other; a group found in at least half of the leads
is a beat. Its fused onsets are the 20th percentile over leads (an early but
outlier-robust onset), its offsets the 80th percentile (a late, robust
offset) and its peaks the median.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._checks import _join
from .defaults import BEAT_KEYS, NK_KEYS
from .delineate import PROBA_COLUMNS, validate_input
from .neurokit import table_to_frame, to_neurokit
from .pipeline import delineate_lead, resample_proba

FUSE_WINDOW_S = 0.10  # [s] QRS centres closer than this across leads are one beat
ONSET_PERCENTILE = 20
OFFSET_PERCENTILE = 80


@dataclass
class RecordDelineation:
    """Delineation of a multi-lead record.

    Attributes
    ----------
    record_name : str
    sampling_rate : float
    n_samples : int
    tables : dict of str -> DataFrame
        Per lead, one row per beat (see :func:`nk_qrs_lstm.ecg_delineate_table`).
    fused : DataFrame
        One row per beat seen in at least half of the leads, fused over leads,
        with a column ``n_leads``.
    proba : dict of str -> DataFrame or None
        Per lead, the class probabilities at the record's rate (columns
        ``ECG_Proba_*``), from the same network run, when
        ``delineate_record(..., keep_proba=True)``.
    channels : dict of str -> int or None
        Per lead, its signal number in the record (``10`` for V5 of a
        12-lead record): the ``chan`` of its WFDB annotations.
    """

    record_name: str
    sampling_rate: float
    n_samples: int
    tables: dict
    fused: pd.DataFrame
    proba: dict = None
    channels: dict = None

    def __repr__(self):
        beats = {lead: len(table) for lead, table in self.tables.items()}
        return (f"RecordDelineation(record={self.record_name!r}, sampling_rate={self.sampling_rate:g}, "
                f"n_samples={self.n_samples}, beats={beats}, fused_beats={len(self.fused)})")

    def _table(self, lead):
        if lead is None:
            return self.fused
        if lead not in self.tables:
            raise ValueError(f"Invalid lead {lead!r}. Available leads are {_join(self.tables)} "
                             "(or None for the fused delineation).")
        return self.tables[lead]

    def neurokit(self, lead=None):
        """NeuroKit's ``(signals, waves)`` for one lead, or for the fused delineation (``lead=None``)."""
        table = self._table(lead)
        return to_neurokit({k: table[k].to_numpy(dtype=float, na_value=np.nan) for k in NK_KEYS}, self.n_samples)

    def to_frame(self):
        """One tidy table: record, lead (``"fused"`` for the fusion), beat, every fiducial.

        Fiducials are sample indices as nullable integers (``Int64``,
        ``<NA>`` where a point is missing).
        """
        parts = []
        for lead, table in list(self.tables.items()) + [("fused", self.fused)]:
            part = table.drop(columns=[c for c in ("n_leads",) if c in table]).copy()
            part.insert(0, "beat", np.arange(len(part)))
            part.insert(0, "lead", lead)
            parts.append(part)
        frame = pd.concat(parts, ignore_index=True)
        frame.insert(0, "record", self.record_name)
        fiducials = [k for k in BEAT_KEYS if k in frame]
        frame[fiducials] = frame[fiducials].astype("Float64").round().astype("Int64")
        return frame

    def to_wfdb(self, write_dir=".", extension="lstm", lead=None):
        """Write one delineation as a WFDB annotation file (see :func:`nk_qrs_lstm.wfdb_io.write_annotations`).

        A lead's annotations carry its signal number in the record as
        ``chan`` (``10`` for V5 of a 12-lead record); the fused delineation
        (``lead=None``), which belongs to no single signal, is written with
        ``chan`` 0, as in QTDB.
        """
        from .wfdb_io import write_annotations

        table = self._table(lead)
        chan = 0 if lead is None or self.channels is None else self.channels[lead]
        waves = {k: table[k].to_numpy(dtype=float, na_value=np.nan).tolist() for k in table.columns
                 if k.startswith("ECG_")}
        return write_annotations(self.record_name, extension, waves, self.sampling_rate, write_dir=write_dir,
                                 lead=chan)


def fuse_leads(tables, sampling_rate, min_fraction=0.5):
    """Fuse per-lead delineations into one set of boundaries per beat.

    Parameters
    ----------
    tables : dict of str -> DataFrame
        Per-lead tables from :func:`nk_qrs_lstm.ecg_delineate_table`.
    sampling_rate : float
        Hz.
    min_fraction : float
        A beat must be found in at least this fraction of the leads.

    Returns
    -------
    DataFrame
        ``ECG_R_Peaks`` and every NeuroKit key, plus ``n_leads``.

    Examples
    --------
    >>> a = pd.DataFrame({"ECG_R_Peaks": [100.0], "ECG_R_Onsets": [90.0], "ECG_R_Offsets": [110.0]})
    >>> b = pd.DataFrame({"ECG_R_Peaks": [102.0], "ECG_R_Onsets": [94.0], "ECG_R_Offsets": [118.0]})
    >>> fused = fuse_leads({"i": a, "ii": b}, 500)
    >>> fused[["ECG_R_Onsets", "ECG_R_Offsets", "n_leads"]].values.tolist()
    [[91.0, 116.0, 2.0]]
    """
    columns = ["ECG_R_Peaks"] + [k for k in NK_KEYS]
    frames = []
    for i, table in enumerate(tables.values()):
        frame = table.reindex(columns=columns).astype(float)
        frame["lead"] = i
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=columns + ["n_leads"])
    allb = pd.concat(frames, ignore_index=True)
    allb["centre"] = (allb["ECG_R_Onsets"] + allb["ECG_R_Offsets"]) / 2
    allb = allb[np.isfinite(allb["centre"])].sort_values("centre", kind="stable")
    centre = allb["centre"].to_numpy()
    # a new beat starts where the gap to the previous centre exceeds the window
    allb["beat"] = np.concatenate([[0], np.cumsum(np.diff(centre) > FUSE_WINDOW_S * sampling_rate)]) if len(centre) else []
    allb = allb.drop_duplicates(["beat", "lead"])
    groups = allb.groupby("beat")
    out = pd.DataFrame({"n_leads": groups["lead"].nunique().astype(float)})
    for col in columns:
        if col.endswith("Onsets"):
            out[col] = groups[col].quantile(ONSET_PERCENTILE / 100)
        elif col.endswith("Offsets"):
            out[col] = groups[col].quantile(OFFSET_PERCENTILE / 100)
        else:
            out[col] = groups[col].median()
    out = out[out["n_leads"] >= max(1.0, min_fraction * len(tables))]
    return out[columns + ["n_leads"]].round().reset_index(drop=True).astype(float)


def delineate_record(record, leads=None, backend="onnx", record_name=None, keep_proba=False):
    """Delineate every lead of a WFDB record and fuse them.

    Parameters
    ----------
    record : wfdb.Record or wfdb.MultiRecord or str or PathLike
        A record read by ``wfdb.rdrecord`` or the local path of a record
        (single- or multi-segment; a trailing ``.hea`` or ``.dat`` is
        dropped), read by :func:`nk_qrs_lstm.wfdb_io.read_record`.
    leads : list of str or int, optional
        Leads to delineate (names or indices); by default every channel that
        looks like an ECG lead, by name or units (others are skipped with a
        warning).
    backend : {"onnx", "tensorflow"}
    record_name : str, optional
        Name used in tables and annotation files (default: the record's).
    keep_proba : bool
        Keep each lead's class probabilities on the result (``result.proba``),
        for plots: the network runs once per lead either way.

    Returns
    -------
    RecordDelineation

    See Also
    --------
    nk_qrs_lstm.ecg_delineate, nk_qrs_lstm.wfdb_io.write_annotations

    Examples
    --------
    >>> import nk_qrs_lstm
    >>> from nk_qrs_lstm.examples import example_record_path
    >>> result = delineate_record(example_record_path(), leads=["ii", "v5"])
    >>> sorted(result.tables)
    ['ii', 'v5']
    >>> signals, waves = result.neurokit("ii")
    >>> len(waves["ECG_R_Onsets"]) == len(result.tables["ii"])
    True
    """
    from .wfdb_io import read_signals

    signal, rate, names, channels, read_name = read_signals(record, leads=leads)
    record_name, channels = read_name if record_name is None else record_name, dict(zip(names, channels))
    tables, probas = {}, ({} if keep_proba else None)
    for j, name in enumerate(names):
        ecg, _, rate = validate_input(signal[:, j], None, rate, name=f"lead {name!r}")
        table, proba, rate_map = delineate_lead(ecg, rate, backend=backend, keep_proba=keep_proba)
        tables[name] = table_to_frame(table)
        if keep_proba:
            probas[name] = pd.DataFrame(resample_proba(proba, rate_map, len(ecg)), columns=list(PROBA_COLUMNS))
    return RecordDelineation(record_name, rate, signal.shape[0], tables, fuse_leads(tables, rate), probas,
                             channels)
