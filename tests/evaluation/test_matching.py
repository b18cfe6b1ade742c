"""Tests of nk_qrs_lstm.evaluation.matching: one-to-one, optimal pairing of fiducials and regions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nk_qrs_lstm.evaluation.matching import Match, _pair_indices, match_fiducials, pair_fiducials, restrict_to_regions

REF = np.array([100, 600, 1100, 1600])


# --------------------------------------------------------------------------- matching
def test_missed_wave_is_one_false_negative():
    """Check that a wave absent from the prediction counts as fn=1."""
    m = match_fiducials(REF, REF[[0, 1, 3]], tolerance=10)
    assert (m.tp, m.fp, m.fn) == (3, 0, 1)


def test_extra_wave_is_one_false_positive():
    """Check that a prediction far from every reference point counts as fp=1."""
    m = match_fiducials(REF, np.r_[REF, 350], tolerance=10)
    assert (m.tp, m.fp, m.fn) == (4, 1, 0)


def test_two_predictions_near_one_reference_match_once():
    """Check that of two predictions near one reference point only the closer is paired."""
    m = match_fiducials([100], [96, 103], tolerance=10)
    assert (m.tp, m.fp, m.fn) == (1, 1, 0)
    assert m.errors.tolist() == [3]


def test_nearest_pairs_are_taken_first():
    """Check that a prediction between two references goes to the closer one."""
    m = match_fiducials([100, 110], [108], tolerance=10)
    assert (m.tp, m.fp, m.fn) == (1, 0, 1)
    assert m.errors.tolist() == [-2]


def test_matching_maximises_pairs():
    """Check that pairing a-with-y and b-with-x is preferred to a lone nearest pair."""
    m = match_fiducials([0, 10], [-5, 5], tolerance=5)
    assert (m.tp, m.fp, m.fn) == (2, 0, 0)
    assert m.errors.tolist() == [-5, -5]


def test_nan_none_and_order_are_ignored():
    """Check that NaN and None entries are dropped and the order does not matter."""
    m = match_fiducials(REF, [1601, None, np.nan, 99, 602, 1100], tolerance=5)
    assert (m.tp, m.fp, m.fn) == (4, 0, 0)
    assert m.errors.tolist() == [-1, 2, 0, 1]


def test_match_rejects_inconsistent_counts():
    """Check that a Match with as many errors as true positives is required."""
    with pytest.raises(ValueError, match=r"errors has 1 values, must have one per true positive"):
        Match(tp=2, fp=0, fn=0, errors=[1])
    with pytest.raises(ValueError, match=r"fp == -1, must be a whole number >= 0\."):
        Match(tp=0, fp=-1, fn=0, errors=[])


def test_negative_tolerance_is_rejected():
    """Check that a negative tolerance raises a message naming it."""
    with pytest.raises(ValueError, match=r"tolerance == -1\.0, must be a finite number >= 0\."):
        match_fiducials([1], [1], tolerance=-1.0)


# --------------------------------------------------------------------------- regions
def test_restrict_to_regions_is_half_open():
    """Check that regions keep [start, stop) and drop NaN."""
    kept = restrict_to_regions([9, 10, 19, 20, np.nan, 35, 41], [[10, 20], [30, 40]])
    assert kept.tolist() == [10, 19, 35]


# --------------------------------------------------------------------------- properties
points = st.lists(st.integers(min_value=0, max_value=300), max_size=30)


@settings(max_examples=300, deadline=None)
@given(ref=points, pred=points, tolerance=st.integers(min_value=0, max_value=40))
def test_matching_invariants(ref, pred, tolerance):
    """Check that tp+fn and tp+fp equal the input sizes, errors lie within tolerance, one-to-one."""
    m = match_fiducials(ref, pred, tolerance)
    assert m.tp + m.fn == len(ref)
    assert m.tp + m.fp == len(pred)
    assert min(m.tp, m.fp, m.fn) >= 0
    assert np.all(np.abs(m.errors) <= tolerance)
    # one-to-one: no reference point and no prediction is used twice
    r_idx, p_idx = _pair_indices(np.asarray(ref, float), np.asarray(pred, float), float(tolerance))
    assert len(set(r_idx.tolist())) == len(r_idx) == m.tp
    assert len(set(p_idx.tolist())) == len(p_idx) == m.tp
    errors = np.asarray(pred, float)[p_idx] - np.asarray(ref, float)[r_idx]
    assert np.array_equal(errors, m.errors)


@settings(max_examples=200, deadline=None)
@given(ref=st.lists(st.one_of(st.integers(0, 300), st.just(np.nan), st.none()), max_size=20),
       pred=st.lists(st.one_of(st.integers(0, 300), st.just(np.nan), st.none()), max_size=20),
       tolerance=st.integers(min_value=0, max_value=40))
def test_pair_fiducials_indexes_the_inputs_as_given(ref, pred, tolerance):
    """Check that the pairs index the inputs with their NaN / None entries, as match_fiducials pairs them."""
    r_idx, p_idx = pair_fiducials(ref, pred, tolerance)
    m = match_fiducials(ref, pred, tolerance)
    as_float = [np.array([np.nan if v is None else v for v in x], dtype=float) for x in (ref, pred)]
    assert len(r_idx) == len(p_idx) == m.tp
    assert np.all(np.isfinite(as_float[0][r_idx])) and np.all(np.isfinite(as_float[1][p_idx]))
    assert np.array_equal(as_float[1][p_idx] - as_float[0][r_idx], m.errors)


@settings(max_examples=200, deadline=None)
@given(ref=st.lists(st.integers(0, 60), max_size=6), pred=st.lists(st.integers(0, 60), max_size=6),
       tolerance=st.integers(min_value=0, max_value=10))
def test_matching_is_optimal(ref, pred, tolerance):
    """Check that the matching has the most pairs and then the least total error (brute force)."""
    m = match_fiducials(ref, pred, tolerance)

    def best(i, free):  # (pairs, -total error) over refs i.. with predictions `free`
        if i == len(ref):
            return (0, 0)
        options = [best(i + 1, free)]
        for p in free:
            if abs(pred[p] - ref[i]) <= tolerance:
                n, cost = best(i + 1, free - {p})
                options.append((n + 1, cost - abs(pred[p] - ref[i])))
        return max(options)

    assert (m.tp, -np.abs(m.errors).sum()) == best(0, frozenset(range(len(pred))))


@settings(max_examples=200, deadline=None)
@given(ref=points, pred=points, tolerance=st.integers(min_value=0, max_value=40))
def test_matching_is_symmetric_in_count(ref, pred, tolerance):
    """Check that swapping reference and prediction keeps tp and swaps fp and fn."""
    a = match_fiducials(ref, pred, tolerance)
    b = match_fiducials(pred, ref, tolerance)
    assert a.tp == b.tp and a.fp == b.fn and a.fn == b.fp
