"""The caller's R-peaks and the complexes found: matching, and the warning for R-peaks that leave beats out."""

import warnings

import neurokit2 as nk
import numpy as np
import pytest

import nk_qrs_lstm
from nk_qrs_lstm._checks import NKQRSLSTMWarning
from nk_qrs_lstm.alignment import match_rpeaks, unmatched_complexes

RATE = 500


@pytest.fixture(scope="module")
def ecg_and_rpeaks():
    ecg = nk.ecg_simulate(duration=40, sampling_rate=RATE, heart_rate=75, random_state=1)
    _, info = nk.ecg_peaks(nk.ecg_clean(ecg, sampling_rate=RATE), sampling_rate=RATE)
    return ecg, np.asarray(info["ECG_R_Peaks"])


def _missed_warnings(ecg, rpeaks):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        waves = nk_qrs_lstm.ecg_delineate(ecg, rpeaks, sampling_rate=RATE)[1]
    return waves, [str(w.message) for w in caught
                   if issubclass(w.category, NKQRSLSTMWarning) and str(w.message).startswith("rpeaks has no R-peak")]


def test_r_peaks_that_miss_beats_are_named_and_the_beats_are_still_one_row_per_r_peak(ecg_and_rpeaks):
    """Check that R-peaks from a detector that missed every other beat give one row per R-peak, as NeuroKit's
    contract asks, and a warning counting the beats left out, where they are, and the way to get them."""
    ecg, rpeaks = ecg_and_rpeaks
    half = rpeaks[::2]
    waves, messages = _missed_warnings(ecg, half)
    assert len(waves["ECG_R_Onsets"]) == len(half)
    on, off = _spans(ecg)
    missed, counted = unmatched_complexes(match_rpeaks(half, on, off, RATE), on, off, len(ecg), RATE)
    assert len(messages) == 1 and len(missed) >= 20
    assert messages[0].startswith(f"rpeaks has no R-peak for {len(missed)} of the {counted} QRS complexes found "
                                  "more than 1 s from the signal's ends (at ")
    assert messages[0].endswith("those beats are not delineated. Pass rpeaks=None to delineate every QRS complex "
                                "found (one row each), or check the R-peak detector (ecg_process takes "
                                "nk.ecg_peaks' R-peaks: there, call ecg_delineate on the cleaned signal without "
                                "them).")


def test_no_warning_for_a_detector_that_found_every_beat_or_skipped_the_edge_beats(ecg_and_rpeaks):
    """Check that NeuroKit's own R-peaks on a clean ECG, and the same without the beats of the first and last
    second (which detectors skip), raise no such warning; one interior beat missed in 50 neither."""
    ecg, rpeaks = ecg_and_rpeaks
    assert _missed_warnings(ecg, rpeaks)[1] == []
    inner = rpeaks[(rpeaks > RATE) & (rpeaks < len(ecg) - RATE)]
    assert _missed_warnings(ecg, inner)[1] == []
    assert _missed_warnings(ecg, np.delete(rpeaks, len(rpeaks) // 2))[1] == []


def _spans(ecg):
    from nk_qrs_lstm.pipeline import find_beats
    from nk_qrs_lstm.preprocess import RateMap

    beats, _ = find_beats(np.asarray(ecg, float), RateMap.for_rate(RATE))
    return beats["span_on"], beats["span_off"]


def test_unmatched_complexes_leave_out_the_edges_and_count_each_complex_once():
    """Check the counting: complexes within the edge margin are not counted, a complex two R-peaks reach is
    taken once, and an R-peak that reaches no complex takes none."""
    on = np.arange(1, 10) * 500.0
    off = on + 40
    missed, counted = unmatched_complexes(match_rpeaks(np.array([1010, 1020, 3010, 9000]), on, off, RATE), on, off,
                                          5000, RATE)
    assert counted == 8 and missed.tolist() == [0, 2, 3, 4, 6, 7]
    missed, counted = unmatched_complexes(match_rpeaks(np.array([], dtype=int), on, off, RATE), on, off, 5000, RATE,
                                          edge_s=0)
    assert counted == 9 and len(missed) == 9


def test_complexes_the_network_doubts_are_no_missed_beats():
    """Check that complexes with a QRS confidence under RPEAK_MISS_CONFIDENCE are not counted as beats the R-peak
    detector missed (a trial: nk.ecg_simulate(method="simple") at 50 bpm, whose flat diastole the network gave
    complexes at confidence 0.4-0.5, was told that rpeaks had missed 5 of 11 beats), while sure ones still warn."""
    from nk_qrs_lstm.alignment import warn_unmatched

    on = np.arange(1, 10) * 500.0
    off = on + 40
    rows = match_rpeaks(on[::2] + 10, on, off, RATE)  # every other complex without an R-peak
    doubted = np.where(np.arange(9) % 2 == 1, 0.45, 0.99)
    missed, counted = unmatched_complexes(rows, on, off, 5000, RATE, sure=doubted >= 0.9)
    assert missed.tolist() == [] and counted == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_unmatched(rows, on, off, 5000, RATE, confidence=doubted)
    with pytest.warns(Warning, match="rpeaks has no R-peak for 4 of the 8"):
        warn_unmatched(rows, on, off, 5000, RATE, confidence=np.full(9, 0.99))
