"""Scores of a delineator against an expert reference: one-to-one matching of fiducials.

A fiducial (a wave onset, peak or offset) found by a method is a true positive
(TP) when it is paired with a reference point of the same kind within a
tolerance; each reference point and each prediction belongs to at most one
pair, so ``TP + FN`` is the number of reference points and ``TP + FP`` the
number of predictions, always. The errors of the pairs (prediction minus
reference) give the bias (mean) and the spread (SD) of a method.

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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..defaults import CSE_2SD_S, TOLERANCE_S

DEFAULT_KEYS = (
    "ECG_P_Onsets",
    "ECG_P_Peaks",
    "ECG_P_Offsets",
    "ECG_R_Onsets",
    "ECG_R_Offsets",
    "ECG_T_Onsets",
    "ECG_T_Peaks",
    "ECG_T_Offsets",
)
SUMMARY_COLUMNS = (
    "provided", "n_ref", "tp", "fp", "fn", "se", "ppv", "f1", "mean_ms", "sd_ms", "cse_2sd_ms",
)
_COUNT_COLUMNS = ("n_ref", "tp", "fp", "fn")
_EPS = 1e-9  # [samples] slack on the tolerance test against float rounding (0.15 * 250 ...)


# --------------------------------------------------------------------------- result type
@dataclass(frozen=True, eq=False)
class Match:
    """Result of matching predicted fiducials to reference fiducials.

    Attributes
    ----------
    tp : int
        Reference points paired with a prediction.
    fp : int
        Predictions paired with no reference point.
    fn : int
        Reference points paired with no prediction.
    errors : ndarray of float, shape (tp,)
        ``predicted - reference`` of each pair, in samples, in reference order.
    sampling_rate : float or None
        Sampling rate (Hz) the sample indices refer to; needed by
        :attr:`errors_ms` and used by :func:`summarise`.

    Examples
    --------
    >>> m = Match(tp=2, fp=1, fn=0, errors=[1, -1], sampling_rate=500)
    >>> m.n_ref, m.n_pred, m.se, m.ppv
    (2, 3, 1.0, 0.666...)
    >>> m.errors_ms
    array([ 2., -2.])
    """

    tp: int
    fp: int
    fn: int
    errors: np.ndarray
    sampling_rate: float = None

    def __post_init__(self):
        for name in ("tp", "fp", "fn"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < 0:
                raise ValueError(f"{name} == {value!r}, must be a whole number >= 0.")
            object.__setattr__(self, name, int(value))
        errors = np.array(self.errors, dtype=np.float64).reshape(-1)
        if errors.size != self.tp:
            raise ValueError(
                f"errors has {errors.size} values, must have one per true positive (tp == {self.tp})."
            )
        errors.setflags(write=False)
        object.__setattr__(self, "errors", errors)
        if self.sampling_rate is not None:
            rate = float(self.sampling_rate)
            if not np.isfinite(rate) or rate <= 0:
                raise ValueError(
                    f"sampling_rate == {self.sampling_rate!r}, must be a finite number > 0 (Hz)."
                )
            object.__setattr__(self, "sampling_rate", rate)

    def __eq__(self, other):
        if not isinstance(other, Match):
            return NotImplemented
        return (
            (self.tp, self.fp, self.fn, self.sampling_rate)
            == (other.tp, other.fp, other.fn, other.sampling_rate)
            and np.array_equal(self.errors, other.errors)
        )

    @property
    def n_ref(self):
        """Number of reference points (``tp + fn``)."""
        return self.tp + self.fn

    @property
    def n_pred(self):
        """Number of predictions (``tp + fp``)."""
        return self.tp + self.fp

    @property
    def se(self):
        """Sensitivity ``tp / (tp + fn)`` (fraction; NaN without reference points)."""
        return _ratio(self.tp, self.n_ref)

    @property
    def ppv(self):
        """Positive predictive value ``tp / (tp + fp)`` (fraction; NaN without predictions)."""
        return _ratio(self.tp, self.n_pred)

    @property
    def f1(self):
        """F1 score ``2 tp / (2 tp + fp + fn)`` (fraction; NaN when both sets are empty)."""
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def errors_ms(self):
        """Errors converted to milliseconds with this match's own sampling rate."""
        if self.sampling_rate is None:
            raise ValueError("This Match has no sampling_rate; errors cannot be converted to ms.")
        return self.errors * (1000.0 / self.sampling_rate)


def _ratio(num, den):
    return float(num) / den if den > 0 else float("nan")


# --------------------------------------------------------------------------- matching
def _as_points(values, name):
    """Flatten ``values`` into a float array of finite sample indices (NaN/None dropped)."""
    if values is None:
        return np.zeros(0)
    if np.isscalar(values):
        values = [values]
    try:
        arr = np.array(
            [np.nan if v is None else v for v in np.asarray(values, dtype=object).reshape(-1)],
            dtype=np.float64,
        )
    except (TypeError, ValueError):
        raise TypeError(f"{name} must contain sample indices (numbers, NaN or None).") from None
    return arr[np.isfinite(arr)]


def _pair_indices(reference, predicted, tolerance):
    """Pair ``reference`` and ``predicted`` (1-D float arrays) one-to-one, optimally.

    Among the one-to-one pairings with ``|predicted - reference| <= tolerance``
    this returns one with the most pairs and, among those, the smallest total
    ``|predicted - reference|``. In one dimension such a pairing never crosses
    (sorting both sides keeps the pairs in order), so it is found by a
    sequence-alignment dynamic programme, run separately on each stretch of
    points that no gap wider than the tolerance interrupts.

    Returns
    -------
    ref_idx, pred_idx : ndarray of int
        Indices of the paired points, sorted by reference index.
    """
    empty = np.zeros(0, dtype=np.int64)
    if reference.size == 0 or predicted.size == 0:
        return empty, empty
    ref_order = np.argsort(reference, kind="stable")
    pred_order = np.argsort(predicted, kind="stable")
    ref_sorted, pred_sorted = reference[ref_order], predicted[pred_order]
    # stretches: cut the merged, sorted points wherever a gap exceeds the tolerance
    merged = np.sort(np.concatenate([ref_sorted, pred_sorted]))
    cuts = merged[1:][np.diff(merged) > tolerance + _EPS]
    ref_chunk = np.searchsorted(cuts, ref_sorted, side="right")
    pred_chunk = np.searchsorted(cuts, pred_sorted, side="right")
    ref_bounds = np.searchsorted(ref_chunk, np.arange(cuts.size + 2))
    pred_bounds = np.searchsorted(pred_chunk, np.arange(cuts.size + 2))
    pairs_r, pairs_p = [], []
    for c in range(cuts.size + 1):
        r0, r1 = ref_bounds[c], ref_bounds[c + 1]
        p0, p1 = pred_bounds[c], pred_bounds[c + 1]
        if r0 == r1 or p0 == p1:
            continue
        i, j = _align(ref_sorted[r0:r1], pred_sorted[p0:p1], tolerance)
        pairs_r.append(ref_order[r0 + i])
        pairs_p.append(pred_order[p0 + j])
    if not pairs_r:
        return empty, empty
    ref_idx, pred_idx = np.concatenate(pairs_r), np.concatenate(pairs_p)
    order = np.argsort(ref_idx, kind="stable")
    return ref_idx[order].astype(np.int64), pred_idx[order].astype(np.int64)


def _align(ref, pred, tolerance):
    """Order-preserving optimal pairing of two sorted arrays (most pairs, then least error).

    ``score[i, j]`` is the best value using the first ``i`` reference and
    first ``j`` predicted points, a pair being worth ``big - |error|`` with
    ``big`` larger than any possible total error, so that the number of pairs
    comes first.
    """
    n, m = ref.size, pred.size
    big = (tolerance + 1.0) * (min(n, m) + 1)
    score = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        distance = np.abs(pred - ref[i - 1])
        gain = np.where(distance <= tolerance + _EPS, big - distance, -np.inf)
        row = np.maximum(score[i - 1, 1:], score[i - 1, :-1] + gain)
        score[i, 1:] = np.maximum.accumulate(row)
    ref_idx, pred_idx = [], []
    i, j = n, m
    while i > 0 and j > 0:
        if score[i, j] == score[i, j - 1]:
            j -= 1
        elif score[i, j] == score[i - 1, j]:
            i -= 1
        else:  # the pair (i - 1, j - 1) was taken
            ref_idx.append(i - 1)
            pred_idx.append(j - 1)
            i -= 1
            j -= 1
    return np.array(ref_idx[::-1], dtype=np.int64), np.array(pred_idx[::-1], dtype=np.int64)


def _check_tolerance(tolerance, name):
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.number)):
        raise TypeError(f"{name} must be a number, got {type(tolerance).__name__} {tolerance!r}.")
    if not np.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"{name} == {tolerance!r}, must be a finite number >= 0.")
    return float(tolerance)


def match_fiducials(reference, predicted, tolerance, sampling_rate=None):
    """Match predicted fiducials to reference fiducials one-to-one.

    Every pair whose distance is at most ``tolerance`` is a candidate; each
    point is used at most once and the pairing is optimal: the most pairs,
    then the smallest total ``|predicted - reference|`` (so of two
    predictions near one reference point the closer one is paired). Order of
    the inputs does not matter and NaN / None entries are ignored.

    Parameters
    ----------
    reference : array-like of float
        Reference sample indices.
    predicted : array-like of float
        Predicted sample indices (any order, NaN or None allowed).
    tolerance : float
        Largest accepted ``|predicted - reference|``, in samples (inclusive).
    sampling_rate : float, optional
        Stored on the result (Hz), so that its errors can be read in ms.

    Returns
    -------
    Match
        ``tp + fn == len(reference)`` and ``tp + fp == len(predicted)``
        (finite entries); ``errors`` are ``predicted - reference`` in samples.

    See Also
    --------
    score_record : matching of every fiducial of one record-lead.

    Examples
    --------
    >>> m = match_fiducials([100, 200, 300], [103, 198, 250, 420], tolerance=5)
    >>> m.tp, m.fp, m.fn, m.errors.tolist()
    (2, 2, 1, [3.0, -2.0])

    Two predictions near one reference point: only the closer one is paired.

    >>> match_fiducials([100], [98, 101], tolerance=5)
    Match(tp=1, fp=1, fn=0, errors=array([1.]), sampling_rate=None)
    """
    reference = _as_points(reference, "reference")
    predicted = _as_points(predicted, "predicted")
    tolerance = _check_tolerance(tolerance, "tolerance")
    ref_idx, pred_idx = _pair_indices(reference, predicted, tolerance)
    return Match(
        tp=ref_idx.size,
        fp=predicted.size - pred_idx.size,
        fn=reference.size - ref_idx.size,
        errors=predicted[pred_idx] - reference[ref_idx],
        sampling_rate=sampling_rate,
    )


def _as_regions(regions):
    regions = np.asarray(regions, dtype=np.float64)
    if regions.size == 0:
        return np.zeros((0, 2))
    if regions.ndim == 1 and regions.size == 2:
        regions = regions.reshape(1, 2)
    if regions.ndim != 2 or regions.shape[1] != 2:
        raise ValueError(f"regions must have shape (n_regions, 2), got shape {regions.shape}.")
    return regions


def _inside(points, regions, margin=0.0):
    """Boolean mask of ``points`` lying in any ``[start - margin, stop + margin)``."""
    mask = np.zeros(points.shape, dtype=bool)
    for start, stop in regions:
        mask |= (points >= start - margin) & (points < stop + margin)
    return mask


def restrict_to_regions(points, regions, margin=0):
    """Keep the points that lie inside ``[start, stop)`` regions.

    Parameters
    ----------
    points : array-like of float
        Sample indices (NaN and None are dropped).
    regions : array-like, shape (n_regions, 2)
        ``[start, stop)`` sample ranges.
    margin : float
        Widen every region by this many samples on both sides.

    Returns
    -------
    ndarray of float
        The kept points, in their input order.

    Examples
    --------
    >>> restrict_to_regions([5, 10, 19, 20, np.nan, 35], [[10, 20], [30, 40]]).tolist()
    [10.0, 19.0, 35.0]
    >>> restrict_to_regions([5, 20], [[10, 20]], margin=5).tolist()
    [5.0, 20.0]
    """
    points = _as_points(points, "points")
    return points[_inside(points, _as_regions(regions), float(margin))]


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
