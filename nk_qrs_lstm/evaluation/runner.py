"""Running the benchmark: registered methods on the expert-annotated leads, scored one-to-one.

Which methods: those of the one registry (:mod:`nk_qrs_lstm.registry`),
every one by default, each run as a user runs it through
:func:`nk_qrs_lstm.ecg_delineate` (:func:`run_method`): a learned method on the
raw lead and, as ``"<method>+ecg_clean"``, after ``nk.ecg_clean`` (NeuroKit's
workflow, :data:`WORKFLOWS`); NeuroKit's methods once, in their own workflow.
Which leads: the LUDB test split (12 leads per record) and the QTDB validation
split (both leads, scored against the shared ``q1c`` reference). How they are scored:
:mod:`nk_qrs_lstm.evaluation.metrics` at ±150 ms and at the stricter per-wave
tolerances, crashes counted (:func:`evaluate`).
"""

import contextlib
import datetime
import io
import logging
import platform
import time
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._checks import check_option
from ..defaults import STRICT_TOLERANCE_S, TOLERANCE_S, n_samples
from ..delineate import ecg_delineate
from ..registry import available_methods, get_method
from ..training.datasets import DEFAULT_LUDB, DEFAULT_QTDB, load_splits, read_ludb, read_qtdb
from .matching import Match, _as_points, restrict_to_regions
from .metrics import DEFAULT_KEYS, score_record, summarise
from .results import BenchmarkResult

logger = logging.getLogger("nk_qrs_lstm")

DATABASES = {
    "ludb": {"part": "test", "reader": read_ludb, "path": DEFAULT_LUDB,
             "label": "LUDB test split"},
    "qtdb": {"part": "validation", "reader": read_qtdb, "path": DEFAULT_QTDB,
             "label": "QTDB validation split (q1c reference)"},
}

#: Inputs a learned method is benchmarked on: the raw lead, and the lead after ``nk.ecg_clean``.
WORKFLOWS = ("raw", "ecg_clean")
#: Suffix of the result name of a learned method run after ``nk.ecg_clean`` (``"lstm+ecg_clean"``).
CLEAN_SUFFIX = "+ecg_clean"


# --------------------------------------------------------------------------- methods, from the registry
def method_names(methods=None):
    """Canonical names of ``methods`` (any case or alias), checked against the registry.

    Parameters
    ----------
    methods : list of str, optional
        Method names; by default every registered method, the learned ones
        first, then NeuroKit's.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For a name that is not registered (the message lists the allowed
        names and the closest one).

    Examples
    --------
    >>> method_names(["LSTM", "emrich"])
    ['lstm', 'prominence']
    >>> method_names() == available_methods("learned") + available_methods("neurokit")
    True
    """
    if methods is None:
        return available_methods("learned") + available_methods("neurokit")
    if isinstance(methods, str):
        methods = [methods]
    return list(dict.fromkeys(get_method(m).name for m in methods))


def result_name(method, clean=False):
    """Name of the result of ``method``: its canonical name, plus :data:`CLEAN_SUFFIX` for a cleaned learned one.

    ``clean`` is ignored for a NeuroKit method (it always cleans).

    Examples
    --------
    >>> result_name("LSTM", clean=True), result_name("lstm"), result_name("emrich", clean=True)
    ('lstm+ecg_clean', 'lstm', 'prominence')
    """
    spec = get_method(method)
    return spec.name + CLEAN_SUFFIX if clean and spec.kind == "learned" else spec.name


def run_method(method, signal, sampling_rate, clean=False):
    """Run a registered method on one raw lead as a user would, through :func:`nk_qrs_lstm.ecg_delineate`.

    A learned method gets no R-peaks (it finds the QRS complexes itself) and
    the raw lead, or with ``clean=True`` the lead after
    ``nk.ecg_clean(signal, sampling_rate=rate)`` (NeuroKit's workflow). A
    NeuroKit method gets NeuroKit's own pipeline: ``ecg_clean`` ->
    ``ecg_peaks`` -> ``ecg_delineate(cleaned, info, method=...)``.

    Parameters
    ----------
    method : str
        A registered method name.
    signal : ndarray
        One raw lead.
    sampling_rate : float
        Hz.
    clean : bool
        Clean the lead with ``nk.ecg_clean`` before a learned method. Ignored
        for a NeuroKit method, whose pipeline always cleans (once).

    Returns
    -------
    signals : DataFrame
    waves : dict of str -> list
        ``ecg_delineate``'s two outputs.
    rpeaks : ndarray or None
        The R-peaks NeuroKit's ``ecg_peaks`` found (None for a learned method).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=1)
    >>> _, waves, rpeaks = run_method("prominence", ecg, 500)
    >>> len(waves["ECG_T_Offsets"]) == len(rpeaks)
    True
    >>> run_method("lstm", ecg, 500, clean=True)[2] is None
    True
    """
    import neurokit2 as nk

    spec = get_method(method)
    rate = int(sampling_rate) if float(sampling_rate).is_integer() else sampling_rate
    if spec.kind == "learned":
        ecg = nk.ecg_clean(signal, sampling_rate=rate) if clean else signal
        signals, waves = ecg_delineate(ecg, sampling_rate=rate, method=spec.name)
        return signals, waves, None
    cleaned = nk.ecg_clean(signal, sampling_rate=rate)
    _, info = nk.ecg_peaks(cleaned, sampling_rate=rate)
    signals, waves = ecg_delineate(cleaned, info, sampling_rate=rate, method=spec.name)
    return signals, waves, np.asarray(info["ECG_R_Peaks"])


def delineator(method, clean=False):
    """``func(signal, sampling_rate) -> waves`` running ``method`` with :func:`run_method`, for :func:`evaluate`.

    ``clean`` as in :func:`run_method` (ignored for a NeuroKit method); the
    function is named after :func:`result_name`.
    """
    name = get_method(method).name

    def delineate(signal, sampling_rate):
        return run_method(name, signal, sampling_rate, clean=clean)[1]

    delineate.__name__ = f"delineate_{result_name(name, clean)}"
    return delineate


# --------------------------------------------------------------------------- data
def split_records(database, limit=None):
    """Record names of the benchmark part of ``database`` (first ``limit`` of them)."""
    database = check_option("database", database, tuple(DATABASES))
    records = list(load_splits()[database][DATABASES[database]["part"]])
    return records if limit is None else records[:limit]


def load_leads(database, records, path=None, leads=None):
    """Read every lead (or the named ``leads``) of ``records`` as AnnotatedECG objects."""
    spec = DATABASES[check_option("database", database, tuple(DATABASES))]
    path = spec["path"] if path is None else path
    out = []
    for record in records:
        for ecg in spec["reader"](record, path=path):
            if leads is None or ecg.lead in leads:
                out.append(ecg)
    return out


def unmarked_ranges(ecg, tolerance_s=TOLERANCE_S):
    """Ranges where an expert left a fiducial of an annotated wave unmarked.

    A prediction there that pairs with nothing is not counted as a false
    positive. For a wave whose onset is unmarked the range runs from one
    tolerance before its peak (or offset) to it, likewise after the peak for
    an unmarked offset, and from onset to offset for an unmarked peak. For
    QTDB T onsets (usually unmarked) the ST stretches of ``extra["masks"]``
    are added.

    Returns
    -------
    dict of str -> ndarray, shape (n, 2)
        ``[start, stop)`` ranges per NeuroKit key.
    """
    reach = n_samples(tolerance_s, ecg.sampling_rate)
    out = {}
    for key in DEFAULT_KEYS:
        _, letter, point = key.split("_")
        wave = ecg.waves["QRS" if letter == "R" else letter]
        col = {"Onsets": 0, "Peaks": 1, "Offsets": 2}[point]
        ranges = []
        for onset, peak, offset in wave[~np.isfinite(wave[:, col])]:
            if col == 0:
                anchor = peak if np.isfinite(peak) else offset
                ranges.append([anchor - reach, anchor + 1])
            elif col == 2:
                anchor = peak if np.isfinite(peak) else onset
                ranges.append([anchor, anchor + reach + 1])
            else:
                lo = onset if np.isfinite(onset) else offset - reach
                hi = offset if np.isfinite(offset) else onset + reach
                ranges.append([lo, hi + 1])
        if key == "ECG_T_Onsets" and "masks" in ecg.extra:
            ranges.extend(np.asarray(ecg.extra["masks"]).reshape(-1, 2).tolist())
        ranges = np.asarray(ranges, dtype=np.float64).reshape(-1, 2)
        out[key] = ranges[np.all(np.isfinite(ranges), axis=1)]
    return out


# --------------------------------------------------------------------------- running
@contextlib.contextmanager
def _quiet():
    """Silence warnings, numpy floating-point messages and prints of a method."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()):
            yield


def _versions():
    import neurokit2

    return {"neurokit2": neurokit2.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "python": platform.python_version()}


def evaluate(method, func, ecgs, database="", records=None):
    """Run ``func`` on every lead of ``ecgs`` and score it.

    A fiducial is *provided* by the method if it returns values for it on at
    least one lead; the others are reported as NaN rows, not as misses. A
    lead on which ``func`` raises (or returns something else than a dict) is
    a crash: its reference points count as missed (fn) for every provided
    fiducial (for every fiducial if the method never returns anything).

    Parameters
    ----------
    method : str
        Name of the method (for the result).
    func : callable
        ``func(signal, sampling_rate) -> waves`` (NeuroKit format).
    ecgs : list of AnnotatedECG
    database : str
    records : list of str, optional
        Record names, stored with the result (default: from ``ecgs``).

    Returns
    -------
    BenchmarkResult
    """
    loose, strict, crashed, rows, crashes = [], [], [], [], []
    present, valued = set(), set()
    seconds = 0.0
    for i, ecg in enumerate(ecgs):
        reference = ecg.fiducials()
        start = time.perf_counter()
        try:
            with _quiet():
                waves = func(ecg.signal, ecg.sampling_rate)
            if not isinstance(waves, Mapping):
                raise TypeError(f"{method} returned a {type(waves).__name__}, not a dict of waves.")
            has_values = {k for k in DEFAULT_KEYS if k in waves and _as_points(waves[k], k).size}
        except Exception as exc:  # a crash is a result: count it and carry on
            seconds += time.perf_counter() - start
            crashes.append({"record": ecg.record, "lead": ecg.lead,
                            "error": f"{type(exc).__name__}: {exc}"[:300]})
            crashed.append(True)
            loose.append(None)
            strict.append(None)
            logger.debug("%s crashed on %s/%s: %r", method, ecg.record, ecg.lead, exc)
            continue
        seconds += time.perf_counter() - start
        present.update(k for k in DEFAULT_KEYS if k in waves)
        valued.update(has_values)
        ignore = unmarked_ranges(ecg)
        args = (reference, waves, ecg.regions, ecg.sampling_rate)
        loose.append(score_record(*args, tolerance_s=TOLERANCE_S, ignore=ignore))
        strict.append(score_record(*args, tolerance_s=STRICT_TOLERANCE_S, ignore=ignore))
        crashed.append(False)
        if (i + 1) % 50 == 0:
            logger.info("  %s: %d/%d record-leads, %.1f s", method, i + 1, len(ecgs), seconds)
    # A key is provided when the method returns values for it on some lead. Key
    # presence alone is not enough: NeuroKit returns every key, empty, when it
    # finds no R-peak, whatever the method.
    provided = valued or present or set(DEFAULT_KEYS)
    for i, ecg in enumerate(ecgs):
        reference = ecg.fiducials()
        for scores in (loose, strict):
            if scores[i] is None:
                scores[i] = dict.fromkeys(DEFAULT_KEYS)
            for key in DEFAULT_KEYS:
                if key not in provided:
                    scores[i][key] = None
                elif scores[i][key] is None:  # crashed, or silent on this lead: all missed
                    n_ref = restrict_to_regions(reference.get(key, []), ecg.regions).size
                    scores[i][key] = Match(0, 0, n_ref, [], sampling_rate=ecg.sampling_rate)
    for ecg, is_crash, lo, st in zip(ecgs, crashed, loose, strict):
        for key in DEFAULT_KEYS:
            if lo[key] is None:
                continue
            rows.append({"record": ecg.record, "lead": ecg.lead, "fiducial": key,
                         "crashed": is_crash, "tp": lo[key].tp, "fp": lo[key].fp,
                         "fn": lo[key].fn, "tp_strict": st[key].tp, "fp_strict": st[key].fp,
                         "fn_strict": st[key].fn})
    summary = summarise(loose, keys=DEFAULT_KEYS)
    summary["f1_strict"] = summarise(strict, keys=DEFAULT_KEYS)["f1"]
    per_lead = pd.DataFrame(rows, columns=["record", "lead", "fiducial", "crashed", "tp", "fp",
                                           "fn", "tp_strict", "fp_strict", "fn_strict"])
    if records is None:
        records = list(dict.fromkeys(ecg.record for ecg in ecgs))
    signal_s = float(sum(len(ecg.signal) / ecg.sampling_rate for ecg in ecgs))
    return BenchmarkResult(method=method, database=database, summary=summary,
                           per_lead=per_lead, crashes=crashes, seconds=seconds,
                           n_leads=len(ecgs), records=list(records),
                           meta={"signal_s": signal_s})


def run_benchmark(methods=None, database="ludb", path=None, limit=None, records=None,
                  leads=None, results_dir=None, command="", workflows=WORKFLOWS):
    """Benchmark ``methods`` on one database and cache the results.

    Parameters
    ----------
    methods : list of str, optional
        Registered method names, any case or alias (default: every
        registered method, :func:`method_names`); each runs through
        :func:`run_method`.
    database : {"ludb", "qtdb"}
    path : str, optional
        Database folder (default ``$NK_QRS_LSTM_DATA/<database>`` where set, else ``../shared/data/<database>``).
    limit : int, optional
        Only the first ``limit`` records of the split part.
    records : list of str, optional
        Explicit record names (instead of the split part).
    leads : list of str, optional
        Only these leads (default: all).
    results_dir : str, optional
        Where to write each result (nothing is written when None).
    command : str
        Command line stored with the results.
    workflows : sequence of {"raw", "ecg_clean"}
        Inputs of a learned method, each run once: the raw lead, and the lead
        after ``nk.ecg_clean`` (result ``"<method>+ecg_clean"``). A NeuroKit
        method runs once whatever ``workflows`` holds.

    Returns
    -------
    dict of str -> BenchmarkResult
        Keyed by :func:`result_name` (``"lstm"``, ``"lstm+ecg_clean"``, ``"dwt"``...).
    """
    names = method_names(methods)
    database = check_option("database", database, tuple(DATABASES))
    workflows = [workflows] if isinstance(workflows, str) else list(dict.fromkeys(workflows))
    if not workflows:
        raise ValueError(f"workflows must name at least one of {WORKFLOWS}, got none.")
    for workflow in workflows:
        check_option("workflows", workflow, WORKFLOWS)
    runs = {}  # result name -> (method, clean); a NeuroKit method has one name, so runs once
    for name in names:
        for workflow in workflows:
            runs.setdefault(result_name(name, workflow == "ecg_clean"), (name, workflow == "ecg_clean"))
    if records is None:
        records = split_records(database, limit)
    ecgs = load_leads(database, records, path=path, leads=leads)
    logger.info("%s: %d records, %d record-leads", database, len(records), len(ecgs))
    results = {}
    for name, (method, clean) in runs.items():
        logger.info("%s on %s ...", name, database)
        result = evaluate(name, delineator(method, clean), ecgs, database=database, records=records)
        result.meta.update({
            "split": DATABASES[database]["label"], "command": command,
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "versions": _versions(), "tolerance_s": TOLERANCE_S,
            "strict_tolerance_s": STRICT_TOLERANCE_S, "leads": leads,
        })
        logger.info("%s on %s: %.1f s, %d crashes", name, database, result.seconds,
                    len(result.crashes))
        if results_dir is not None:
            result.save(results_dir)
        results[name] = result
    return results
