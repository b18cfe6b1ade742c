"""Scores of a delineator against an expert reference: every fiducial of a record, then summaries.

:func:`score_record` matches each fiducial kind of one record-lead one-to-one
(:func:`~nk_qrs_lstm.evaluation.matching.match_fiducials`) inside the regions
the experts annotated; :func:`summarise` pools the matches of many
record-leads into one row per fiducial: Se, PPV, F1 and the bias (mean) and
spread (SD) of the errors, beside the CSE limit.

Pure numpy / pandas: nothing here imports NeuroKit.

References
----------
* The CSE Working Party (1985). Recommendations for measurement standards in
  quantitative electrocardiography. European Heart Journal 6(10):815-825.
* Martinez J.P., Almeida R., Olmos S., Rocha A.P., Laguna P. (2004). A
  wavelet-based ECG delineator: evaluation on standard databases. IEEE
  Transactions on Biomedical Engineering 51(4):570-581.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..defaults import CSE_2SD_S, NK_KEYS, TOLERANCE_S, WAVE_PREFIX
from .matching import (  # noqa: F401 (public here too, as before the split)
    Match,
    _as_points,
    _as_regions,
    _check_tolerance,
    _inside,
    _pair_indices,
    _ratio,
    match_fiducials,
    restrict_to_regions,
)

#: Fiducials scored by default: onset, peak and offset of every wave the experts mark
#: (:data:`~nk_qrs_lstm.defaults.WAVE_PREFIX`: P, QRS as ``ECG_R_*``, T), in the order of
#: :data:`~nk_qrs_lstm.defaults.NK_KEYS`. NeuroKit's Q and S peaks have no expert reference.
DEFAULT_KEYS = tuple(key for key in NK_KEYS if key.rsplit("_", 1)[0] in WAVE_PREFIX.values())
SUMMARY_COLUMNS = (
    "provided", "n_ref", "tp", "fp", "fn", "se", "ppv", "f1", "mean_ms", "sd_ms", "cse_2sd_ms",
)
_COUNT_COLUMNS = ("n_ref", "tp", "fp", "fn")


# --------------------------------------------------------------------------- one record
def _tolerance_for(key, tolerance_s):
    """Tolerance (s) for ``key`` from a number or a dict keyed by key or wave letter."""
    if isinstance(tolerance_s, Mapping):
        if key in tolerance_s:
            return tolerance_s[key]
        wave = key.split("_")[1] if key.count("_") >= 2 else key
        if wave in tolerance_s:
            return tolerance_s[wave]
        raise ValueError(
            f"tolerance_s has no entry for {key!r} (nor for its wave {wave!r}); "
            f"keys are {sorted(tolerance_s)}."
        )
    return tolerance_s


def score_record(
    reference_fiducials,
    predicted_waves,
    regions,
    sampling_rate,
    tolerance_s=TOLERANCE_S,
    keys=None,
    ignore=None,
):
    """Score one record-lead: match every fiducial kind inside the reference regions.

    Predictions are flattened (NeuroKit's per-beat lists, NaN and None
    dropped) and matched regardless of their list position: NeuroKit's lists
    are not always aligned with the R-peaks.

    Only reference points inside ``regions`` are scored. Predictions outside
    the regions are not counted as false positives, but a prediction at most
    one tolerance outside a region may still pair with a reference point near
    the region's edge (LUDB regions start at the first expert mark, so an
    early prediction of that mark is not lost).

    Parameters
    ----------
    reference_fiducials : dict of str -> array-like
        Reference sample indices per key, e.g. :meth:`AnnotatedECG.fiducials`.
    predicted_waves : dict of str -> array-like
        A method's output in NeuroKit format (``ECG_P_Onsets`` ...).
    regions : array-like, shape (n_regions, 2)
        ``[start, stop)`` ranges where the reference is complete.
    sampling_rate : float
        Sampling rate of both the reference and the predictions (Hz).
    tolerance_s : float or dict
        Matching tolerance in seconds; a dict gives it per key
        (``"ECG_P_Onsets"``) or per wave letter (``"P"``, ``"R"``, ``"T"``),
        e.g. :data:`~nk_qrs_lstm.defaults.STRICT_TOLERANCE_S`.
    keys : sequence of str, optional
        Fiducials to score; by default the onsets, peaks and offsets of P and
        T and the onset and offset of QRS (``DEFAULT_KEYS``).
    ignore : dict of str -> array-like, shape (n, 2), optional
        Per key, ``[start, stop)`` ranges where an unpaired prediction is not
        a false positive (a point the expert left unmarked).

    Returns
    -------
    dict of str -> Match or None
        One :class:`Match` per key (errors in samples, ``sampling_rate`` set);
        ``None`` where ``predicted_waves`` has no such key (not provided,
        which is not the same as all missed).

    See Also
    --------
    match_fiducials, summarise

    Examples
    --------
    >>> ref = {"ECG_R_Onsets": [100, 600], "ECG_T_Peaks": [350, 850]}
    >>> pred = {"ECG_R_Onsets": [98, np.nan, 1500], "ECG_T_Peaks": [None, 852]}
    >>> res = score_record(ref, pred, [[50, 1000]], sampling_rate=500,
    ...                    keys=["ECG_R_Onsets", "ECG_T_Peaks", "ECG_P_Peaks"])
    >>> res["ECG_R_Onsets"].tp, res["ECG_R_Onsets"].fp, res["ECG_R_Onsets"].errors_ms
    (1, 0, array([-4.]))
    >>> res["ECG_T_Peaks"].fn, res["ECG_P_Peaks"] is None
    (1, True)
    """
    rate = float(sampling_rate)
    if not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"sampling_rate == {sampling_rate!r}, must be a finite number > 0 (Hz).")
    regions = _as_regions(regions)
    keys = DEFAULT_KEYS if keys is None else tuple(keys)
    ignore = {} if ignore is None else ignore
    out = {}
    for key in keys:
        if key not in predicted_waves:
            out[key] = None
            continue
        # a threshold in samples, not a count: kept exact (37.5 samples at 250 Hz)
        tol = _check_tolerance(_tolerance_for(key, tolerance_s), "tolerance_s") * rate
        reference = restrict_to_regions(reference_fiducials.get(key, []), regions)
        predicted = restrict_to_regions(predicted_waves[key], regions, margin=tol)
        ref_idx, pred_idx = _pair_indices(reference, predicted, tol)
        unpaired = np.ones(predicted.size, dtype=bool)
        unpaired[pred_idx] = False
        counted = unpaired & _inside(predicted, regions)
        if key in ignore:
            counted &= ~_inside(predicted, _as_regions(ignore[key]))
        out[key] = Match(
            tp=ref_idx.size,
            fp=int(counted.sum()),
            fn=reference.size - ref_idx.size,
            errors=predicted[pred_idx] - reference[ref_idx],
            sampling_rate=rate,
        )
    return out


# --------------------------------------------------------------------------- aggregation
def _by_key(matches):
    """Normalise the accepted input layouts to ``{key: [Match or None, ...]}``."""
    grouped = {}
    if isinstance(matches, Mapping):
        for key, value in matches.items():
            if value is None or isinstance(value, Match):
                value = [value]
            grouped[key] = list(value)
        return grouped
    for i, record in enumerate(matches):
        if not isinstance(record, Mapping):
            raise TypeError(
                "matches must be a dict key -> Match(es) or an iterable of such dicts "
                f"(one per record, as returned by score_record); item {i} is a "
                f"{type(record).__name__}."
            )
        for key, value in record.items():
            grouped.setdefault(key, []).append(value)
    return grouped


def _errors_ms(match, sampling_rate):
    rate = match.sampling_rate if match.sampling_rate is not None else sampling_rate
    if rate is None:
        raise ValueError(
            "A Match has no sampling_rate and summarise() got none: pass sampling_rate (Hz) "
            "or score with score_record(), which records each record's own rate."
        )
    return match.errors * (1000.0 / float(rate))


def summarise(matches, sampling_rate=None, keys=None):
    """Aggregate matches over many record-leads, one row per fiducial.

    Counts are summed over records (pooled), then Se, PPV and F1 are computed
    from the sums; the errors of all pairs are pooled for the mean and the SD.
    Errors are converted to ms with each match's own ``sampling_rate`` (so
    databases of different rates can be mixed); ``sampling_rate`` is only the
    fallback for matches that carry none.

    Parameters
    ----------
    matches : iterable of dict, or dict
        Either one dict per record-lead (``key -> Match or None``, as returned
        by :func:`score_record`), or a dict ``key -> list of Match``. ``None``
        entries (key not provided by the method) are skipped.
    sampling_rate : float, optional
        Rate (Hz) for matches without their own.
    keys : sequence of str, optional
        Rows to return, in this order (default: the keys met, in order).

    Returns
    -------
    pandas.DataFrame
        Indexed by fiducial key, columns ``provided`` (bool: at least one
        Match), ``n_ref``, ``tp``, ``fp``, ``fn``, ``se``, ``ppv`` and ``f1``
        (in %), ``mean_ms`` and ``sd_ms`` (signed error, prediction minus
        reference, sample SD with ddof=1) and ``cse_2sd_ms`` (the CSE limit
        for the SD where one is defined). Undefined values are NaN: a key
        never provided, Se without reference points, PPV without predictions,
        SD with fewer than two pairs.

    See Also
    --------
    score_record

    Examples
    --------
    >>> a = {"ECG_R_Onsets": Match(2, 0, 0, [1, 3], sampling_rate=500)}
    >>> b = {"ECG_R_Onsets": Match(1, 1, 1, [-2], sampling_rate=250)}
    >>> table = summarise([a, b])
    >>> table.loc["ECG_R_Onsets", ["tp", "fp", "fn"]].tolist()
    [3, 1, 1]
    >>> table.loc["ECG_R_Onsets", ["se", "ppv", "mean_ms", "cse_2sd_ms"]].tolist()
    [75.0, 75.0, 0.0, 6.5]
    >>> float(summarise([], keys=["ECG_P_Peaks"]).loc["ECG_P_Peaks", "se"])
    nan
    """
    grouped = _by_key(matches)
    keys = list(grouped) if keys is None else list(keys)
    rows = []
    for key in keys:
        found = [m for m in grouped.get(key, []) if m is not None]
        for m in found:
            if not isinstance(m, Match):
                raise TypeError(f"matches for {key!r} must be Match objects, got {type(m).__name__}.")
        short = key[4:] if key.startswith("ECG_") else key
        cse = CSE_2SD_S.get(short)
        row = {"fiducial": key, "provided": bool(found), "cse_2sd_ms": np.nan if cse is None else 1000.0 * cse}
        if not found:
            row.update({c: pd.NA for c in _COUNT_COLUMNS})
            row.update({c: np.nan for c in ("se", "ppv", "f1", "mean_ms", "sd_ms")})
            rows.append(row)
            continue
        tp, fp, fn = (sum(getattr(m, c) for m in found) for c in ("tp", "fp", "fn"))
        errors = np.concatenate([_errors_ms(m, sampling_rate) for m in found])
        row.update(
            n_ref=tp + fn, tp=tp, fp=fp, fn=fn,
            se=100.0 * _ratio(tp, tp + fn),
            ppv=100.0 * _ratio(tp, tp + fp),
            f1=100.0 * _ratio(2 * tp, 2 * tp + fp + fn),
            mean_ms=float(errors.mean()) if errors.size else np.nan,
            sd_ms=float(errors.std(ddof=1)) if errors.size > 1 else np.nan,
        )
        rows.append(row)
    table = pd.DataFrame(rows, columns=("fiducial",) + SUMMARY_COLUMNS).set_index("fiducial")
    for col in _COUNT_COLUMNS:
        table[col] = table[col].astype("Int64")
    for col in ("se", "ppv", "f1", "mean_ms", "sd_ms", "cse_2sd_ms"):
        table[col] = table[col].astype(np.float64)
    table["provided"] = table["provided"].astype(bool)
    return table
