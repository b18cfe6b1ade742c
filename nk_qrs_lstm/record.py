"""Whole WFDB records: every lead delineated, plus one fused multi-lead delineation.

Two fusion rules (``fusion="proba"``, the leads' probabilities averaged and
decoded once, or ``"percentile"``, a percentile of per-lead boundaries) live in
:mod:`nk_qrs_lstm.fusion`; both are measured in ``docs/benchmarks.md``.
"""

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._checks import _join, check_flag, check_option, check_sampling_rate, check_time_scale, warn
from ._validation import validate_input
from .defaults import BEAT_KEYS
from .delineate import PROBA_COLUMNS
from .quality import warn_delineated
from .neurokit import table_to_frame, to_neurokit
from .fusion import FUSIONS, fuse_leads
from .fusion import (FUSE_LOUD_MV, FUSE_QUIET_LEAD, FUSE_QUIET_WARN_SHARE, ProbaMean, active_samples, fuse_proba,
                     peak_signal)
from .mains import shared_spectra
from .pipeline import delineate_lead, resample_proba, warn_low_rate
from .preprocess import model_rate_gaps

DEFAULT_FUSION = "percentile"  # proba: lower P Se on LUDB validation, no better elsewhere (docs/benchmarks.md)


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
        One row per beat of the multi-lead fusion (see
        :mod:`nk_qrs_lstm.fusion`), with a column ``n_leads`` (leads that
        found the beat, or leads averaged there).
    proba : dict of str -> DataFrame or None
        Per lead, the class probabilities at the record's rate (columns
        ``ECG_Proba_*``), from the same network run, when
        ``delineate_record(..., keep_proba=True)``.
    channels : dict of str -> int or None
        Per lead, its signal number in the record (``10`` for V5 of a
        12-lead record): the ``chan`` of its WFDB annotations.
    frame_samples : int
        Samples per frame of the leads in the record (k > 1 in a
        multi-frequency record: the leads were read at ``k`` times the frame
        rate, and samples count at that rate).
    in_memory : bool
        The record was given as a ``wfdb.Record`` (which remembers neither
        where it starts in the record on disk nor the channels left out), not
        as a path.
    """

    record_name: str
    sampling_rate: float
    n_samples: int
    tables: dict
    fused: pd.DataFrame
    proba: dict = None
    channels: dict = None
    frame_samples: int = 1
    in_memory: bool = False

    def __repr__(self):
        beats = {lead: len(table) for lead, table in self.tables.items()}
        return (f"RecordDelineation(record={self.record_name!r}, sampling_rate={self.sampling_rate:g}, "
                f"n_samples={self.n_samples}, beats={beats}, fused_beats={len(self.fused)})")

    def _lead(self, lead):
        """The name of ``lead`` in ``tables``: as given, else its one match ignoring case (as the leads were read)."""
        if lead is None or lead in self.tables:
            return lead
        folded = [name for name in self.tables if isinstance(lead, str) and name.lower() == lead.lower()]
        if len(folded) != 1:
            raise ValueError(f"Invalid lead {lead!r}. Available leads are {_join(self.tables)} "
                             "(or None for the fused delineation).")
        return folded[0]

    def _table(self, lead):
        lead = self._lead(lead)
        return self.fused if lead is None else self.tables[lead]

    def neurokit(self, lead=None):
        """NeuroKit's ``(signals, waves)`` for one lead, or for the fused delineation (``lead=None``).

        The rows are the beats found in the record, so ``waves`` starts with
        their R-peaks (``ECG_R_Peaks``), as ``ecg_delineate`` without R-peaks.
        """
        table = self._table(lead)
        return to_neurokit({k: table[k].to_numpy(dtype=float, na_value=np.nan) for k in BEAT_KEYS}, self.n_samples,
                           with_rpeaks=True)

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

    def to_wfdb(self, write_dir=".", extension="lstm", lead=None, sampfrom=None, overwrite=False):
        """Write one delineation as a WFDB annotation file (see :func:`nk_qrs_lstm.wfdb_io.write_annotations`).

        A lead's annotations carry its signal number in the record as
        ``chan`` (``10`` for V5 of a 12-lead record; where the record's
        header is in ``write_dir``, the number of the channel of that name
        there, so a lead read alone keeps its number); the fused delineation
        (``lead=None``), which belongs to no single signal, is written with
        ``chan`` 0, as in QTDB.

        Parameters
        ----------
        lead : str or list of str, optional
            The lead to write; None: the fused delineation; a list of leads
            (``list(result.tables)``: every lead): their marks in one file,
            each with its lead's ``chan``, as QTDB's ``pu`` files
            (:func:`nk_qrs_lstm.wfdb_io.write_lead_annotations`).
        sampfrom : int, optional
            Sample of the record where the delineated signal starts (the
            ``sampfrom`` it was read with, ``wfdb.rdrecord(..., sampfrom=)``):
            added to every annotation so that it lines up with the record on
            disk; 0 by default. A ``wfdb.Record`` does not remember it: when
            it is not given, a warning says so where the record's header in
            ``write_dir`` is longer than the delineated signal, and, for a
            record given as a ``wfdb.Record``, where ``write_dir`` holds no
            header to check against (pass ``sampfrom=0`` for a Record read
            from the start). In a multi-frequency record
            it counts frames, as in ``wfdb.rdrecord``, and the annotations
            count samples at ``sampling_rate`` (``frame_samples`` per frame,
            WFDB's high-resolution annotations; their ``fs`` says so).
        overwrite : bool
            Replace an existing ``<record>.<extension>`` in ``write_dir``
            (refused by default: next to the record it may be an expert's
            annotations, LUDB's ``.ii`` or QTDB's ``.q1c``; with one file per
            extension, another lead's).
        """
        from .wfdb_io import write_lead_annotations
        from .wfdb_io.annotations import check_range

        several = isinstance(lead, (list, tuple))
        if several and not lead:
            raise ValueError("lead == [], must name at least one lead (or be None for the fused delineation).")
        leads = [self._lead(name) for name in lead] if several else [self._lead(lead)]
        if several and None in leads:
            raise ValueError("lead lists leads to write into one file; the fused delineation (None) has a file of "
                             "its own.")
        given = sampfrom is not None
        sampfrom, _ = check_range(0 if sampfrom is None else sampfrom, None)
        shift = sampfrom * self.frame_samples
        by_chan = {}
        for name in leads:
            chan = 0 if name is None or self.channels is None else self.channels[name]
            # a missing sampfrom is warned about once per file, at its first lead
            chan = self._check_on_disk(write_dir, name, chan, sampfrom, given or name != leads[0], extension)
            table = self._table(name)
            by_chan[chan] = {k: (table[k].to_numpy(dtype=float, na_value=np.nan) + shift).tolist()
                             for k in BEAT_KEYS if k in table.columns}
        if len(by_chan) < len(leads):
            raise ValueError(f"leads {_join(map(str, leads))} share signal numbers: one file cannot tell their marks "
                             "apart; write them to files of their own.")
        return write_lead_annotations(self.record_name, extension, by_chan, self.sampling_rate, write_dir=write_dir,
                                      overwrite=overwrite)

    def _check_on_disk(self, write_dir, lead, chan, sampfrom, given=True, extension="lstm"):
        """``chan`` as the record's header in ``write_dir`` numbers ``lead`` (if it is there); warn or refuse
        where the delineated samples cannot be the record's from ``sampfrom``, or may not be (``sampfrom`` not
        ``given`` for a record held in memory, with no header to check)."""
        from .wfdb_io.records import header_summary

        path = os.path.join(os.fspath(write_dir), self.record_name)
        if not os.path.isfile(path + ".hea"):
            if self.in_memory and not given:
                place = ("" if lead is None else " and each lead's chan is its place in the Record (0 for the first "
                         "channel read: not its signal number in the record where the Record holds only some of the "
                         "record's channels, wfdb.rdrecord(..., channels=...); write beside the record's header to "
                         "number the leads from it)")
                warn(f"{self.record_name}.{extension} is written from a wfdb.Record, with no {self.record_name}.hea "
                     f"in {os.fspath(write_dir)!r} to check it against: its marks count from the Record's first "
                     f"sample{place}. If it was read from a later sample (wfdb.rdrecord(..., sampfrom=S)), pass "
                     "to_wfdb(..., sampfrom=S); pass sampfrom=0 if it starts where the record does.")
            return chan
        length, names = header_summary(path)
        k = self.frame_samples
        if length is not None and (sampfrom + -(-self.n_samples // k)) > length:
            raise ValueError(f"sampfrom == {sampfrom} puts the {self.n_samples} delineated samples past the end "
                             f"of record {path!r} ({length} {'frames' if k > 1 else 'samples'}).")
        if length is not None and not given and self.n_samples < length * k:
            warn(f"Record {path!r} has {length * k} samples and this delineation {self.n_samples}: if the signal was "
                 "read from a later sample (wfdb.rdrecord(..., sampfrom=S)), pass to_wfdb(..., sampfrom=S) so that "
                 "the annotations line up with the record.")
        return names.index(lead) if lead is not None and names.count(lead) == 1 else chan


def _warn_quiet(names, shares, loud=None):
    """Name the leads silent beside the others, or too loud for an ECG in mV, in most of the record: the fusion
    leaves them out there."""
    loud = np.zeros(len(names)) if loud is None else np.asarray(loud, dtype=float)
    with np.errstate(invalid="ignore"):
        too_loud = loud >= FUSE_QUIET_WARN_SHARE
        silent = np.asarray(shares, dtype=float) >= FUSE_QUIET_WARN_SHARE
    if too_loud.any():
        listed = ", ".join(f"{n!r} ({100 * q:.0f} %)" for n, q, s in zip(names, loud, too_loud) if s)
        warn(f"lead(s) {listed} of the record span more than {FUSE_LOUD_MV:g} mV within a second in that share of "
             "their seconds, which no ECG does: units read wrong (a lead stored in uV but labelled mV?). They are "
             "left out of the fused delineation there (each lead's own table is unaffected): check the record's "
             "units.")
    if not silent.any() or len(names) < 2:
        return
    quiet = ", ".join(f"{n!r} ({100 * q:.0f} %)" for n, q, s in zip(names, shares, silent) if s)
    others = ", ".join(repr(n) for n, s, s_loud in zip(names, silent, too_loud) if not s and not s_loud)
    warn(f"lead(s) {quiet} of the record are under {100 * FUSE_QUIET_LEAD:g} % of the widest lead's range in that "
         f"share of their seconds, beside {others or 'the other leads'}, and are left out of the fused delineation "
         "there (each lead's own table is unaffected): a disconnected lead's noise, or units read wrong on one side "
         "(leads stored in uV but labelled mV are the loud ones): check the record's units.")


def delineate_record(record, leads=None, backend="onnx", record_name=None, keep_proba=False, fusion=DEFAULT_FUSION,
                     time_scale=1.0, rhythm_gate=True):
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
    fusion : {"percentile", "proba"}
        Default ``"percentile"`` (chosen on validation, see
        ``docs/benchmarks.md``). ``"proba"``: the leads' probability tracks averaged (over the leads
        finite at each sample) and decoded once, so a wave weak in every lead
        but clear in their mean is found; ``"percentile"``: percentiles of the
        per-lead boundaries of beats found by at least half of the leads
        (:func:`nk_qrs_lstm.fusion.fuse_leads`; a lead that is flat or missing
        around a beat does not count). See :mod:`nk_qrs_lstm.fusion`.
    time_scale : float
        1 to 3: how many times shorter the waves are than an adult's (e.g.
        1.5 for a small child's ECG); as in :func:`nk_qrs_lstm.ecg_delineate`.
    rhythm_gate : bool
        ``False`` keeps the P waves the rhythm gate would refuse as atrial
        fibrillation or flutter (a rhythm known to have P waves whose RR
        varies a lot); as in :func:`nk_qrs_lstm.ecg_delineate`.

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
    from .wfdb_io.segments import millivolt_scale

    check_option("fusion", fusion, FUSIONS)
    time_scale, rhythm_gate = check_time_scale(time_scale), check_flag("rhythm_gate", rhythm_gate)
    if record_name is not None and not isinstance(record_name, str):
        raise TypeError(f"record_name must be a str (the annotation files' record name), got "
                        f"{type(record_name).__name__} {record_name!r}.")
    signal, rate, names, channels, read_name, units, frame_samples = read_signals(record, leads=leads)
    record_name, channels = read_name if record_name is None else record_name, dict(zip(names, channels))
    tables, probas, ecgs, mean, rate_map = {}, ({} if keep_proba else None), [], None, None
    # flat, missing or silent beside the others (compared in mV where the units say)
    active, quiet, loud = active_samples(signal, rate, scale=millivolt_scale(units, signal), return_quiet=True)
    active = dict(zip(names, active.T))
    _warn_quiet(names, quiet, loud)
    warn_low_rate(check_sampling_rate(rate), time_scale)  # once for the record (a bad rate refused first)
    for j, name in enumerate(names):
        with shared_spectra():  # the quality check's spectra serve the pipeline's mains search
            ecg, _, rate = validate_input(signal[:, j], None, rate, name=f"lead {name!r}")
            table, proba, rate_map = delineate_lead(ecg, rate, backend=backend,
                                                    keep_proba=keep_proba or fusion == "proba",
                                                    time_scale=time_scale, warn_rate=False, rhythm_gate=rhythm_gate)
        warn_delineated(ecg, rate, table, name=f"lead {name!r}")
        tables[name] = table_to_frame(table)
        if fusion == "proba":  # the same probabilities, summed over leads as they come
            mean = ProbaMean(len(proba)) if mean is None else mean
            mean.add(proba, model_rate_gaps(~active[name], rate_map))  # flat or missing: not averaged in
            ecgs.append(ecg)
        if keep_proba:
            probas[name] = pd.DataFrame(resample_proba(proba, rate_map, len(ecg)), columns=list(PROBA_COLUMNS))
        del proba
    if fusion == "proba" and mean is not None:
        fused = fuse_proba(*mean.result(), peak_signal(ecgs), rate_map, apply_rhythm_gate=rhythm_gate)
    else:
        fused = fuse_leads(tables, rate, active=active)
    return RecordDelineation(record_name, rate, signal.shape[0], tables, fused, probas, channels, frame_samples,
                             in_memory=not isinstance(record, (str, os.PathLike)))
