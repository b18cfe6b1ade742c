"""One-to-one matching of predicted fiducials to reference fiducials.

A fiducial (a wave onset, peak or offset) found by a method is a true positive
(TP) when it is paired with a reference point of the same kind within a
tolerance; each reference point and each prediction belongs to at most one
pair, so ``TP + FN`` is the number of reference points and ``TP + FP`` the
number of predictions, always. The pairing is optimal: the most pairs, then
the smallest total error. :class:`Match` holds the counts and the errors of
the pairs (prediction minus reference).

Pure numpy: nothing here imports NeuroKit or pandas. Scoring whole records
and summarising them is :mod:`nk_qrs_lstm.evaluation.metrics`.
"""

from dataclasses import dataclass

import numpy as np

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
def _as_floats(values, name):
    """Flatten ``values`` into a float array of sample indices (None as NaN)."""
    if values is None:
        return np.zeros(0)
    if np.isscalar(values):
        values = [values]
    try:
        return np.array(
            [np.nan if v is None else v for v in np.asarray(values, dtype=object).reshape(-1)],
            dtype=np.float64,
        )
    except (TypeError, ValueError):
        raise TypeError(f"{name} must contain sample indices (numbers, NaN or None).") from None


def _as_points(values, name):
    """Flatten ``values`` into a float array of finite sample indices (NaN/None dropped)."""
    arr = _as_floats(values, name)
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
    nk_qrs_lstm.evaluation.metrics.score_record : matching of every fiducial of one record-lead.

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


def pair_fiducials(reference, predicted, tolerance):
    """Indices of the pairs :func:`match_fiducials` makes, into ``reference`` and ``predicted`` as given.

    Use it to compare whole beats (rows) paired by one fiducial, e.g. intervals of the beats whose QRS onsets pair.

    Parameters
    ----------
    reference, predicted : array-like of float
        Sample indices (any order; NaN or None entries are never paired).
    tolerance : float
        Largest accepted ``|predicted - reference|``, in samples (inclusive).

    Returns
    -------
    ref_idx, pred_idx : ndarray of int
        Positions in the inputs of the paired points, in the order of ``ref_idx``.

    See Also
    --------
    match_fiducials : the counts and errors of the same pairing.

    Examples
    --------
    >>> pair_fiducials([100, float("nan"), 300], [298, 103], tolerance=5)
    (array([0, 2]), array([1, 0]))
    """
    ref, pred = _as_floats(reference, "reference"), _as_floats(predicted, "predicted")
    ref_pos, pred_pos = np.flatnonzero(np.isfinite(ref)), np.flatnonzero(np.isfinite(pred))
    ref_idx, pred_idx = _pair_indices(ref[ref_pos], pred[pred_pos], _check_tolerance(tolerance, "tolerance"))
    return ref_pos[ref_idx], pred_pos[pred_idx]


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
