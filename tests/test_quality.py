"""Tests of the input checks that warn: band-pass-cleaned input."""

import warnings

import neurokit2 as nk
import numpy as np
import pytest

import nk_qrs_lstm
from nk_qrs_lstm import NKQRSLSTMWarning
from nk_qrs_lstm.quality import bandpass_ratio


@pytest.mark.parametrize("method", ["elgendi2010", "hamilton2002"])
def test_bandpass_cleaned_input_warns_with_the_fix(method):
    """Check that a band-pass-cleaned ECG gets a warning naming the raw signal and the neurokit cleaner."""
    ecg = nk.ecg_simulate(duration=20, sampling_rate=500, heart_rate=70, random_state=0)
    cleaned = nk.ecg_clean(ecg, sampling_rate=500, method=method)
    with pytest.warns(NKQRSLSTMWarning, match=r"looks band-pass filtered .* Pass the raw signal, or "
                                              r"nk.ecg_clean\(\.\.\., method='neurokit'\)\.$"):
        nk_qrs_lstm.ecg_delineate(cleaned, sampling_rate=500)


@pytest.mark.parametrize("method", [None, "neurokit", "biosppy"])
def test_raw_and_gentle_cleaning_do_not_warn(method):
    """Check that raw, neurokit- and biosppy-cleaned ECGs get no band-pass warning."""
    ecg = nk.ecg_simulate(duration=20, sampling_rate=500, heart_rate=70, noise=0.05, random_state=1)
    signal = ecg if method is None else nk.ecg_clean(ecg, sampling_rate=500, method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NKQRSLSTMWarning)
        nk_qrs_lstm.ecg_delineate(signal, sampling_rate=500)


def test_short_or_empty_band_is_not_judged():
    """Check that a signal shorter than one Welch window, or a constant, is not judged (ratio inf)."""
    assert bandpass_ratio(np.sin(np.arange(1000) / 5.0), 500) == np.inf
    assert bandpass_ratio(np.zeros(5000), 500) == np.inf


def test_fast_raw_ecg_is_not_called_band_passed():
    """Check that a raw 180-bpm ECG (little 0.5-3 Hz power of its own) gets no band-pass warning."""
    ecg = nk.ecg_simulate(duration=20, sampling_rate=500, heart_rate=180, random_state=0)
    assert bandpass_ratio(ecg, 500) < 0.03  # the spectrum alone would be fooled
    with warnings.catch_warnings():
        warnings.simplefilter("error", NKQRSLSTMWarning)
        nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500)


def test_a_gap_does_not_join_two_stretches_into_one_spectrum():
    """Check that the band-pass check reads the longest finite stretch: samples on both sides of a gap are not
    spliced (a splice is a step, whose broadband power would move the ratio)."""
    ecg = nk.ecg_simulate(duration=20, sampling_rate=500, heart_rate=70, random_state=0)
    gapped = ecg.copy()
    gapped[3000:3500] = np.nan
    gapped[3500:] += 2.0  # the recording resumes on another baseline
    after = ecg[3500:] + 2.0  # 13 s after the gap, 6 s before it
    assert bandpass_ratio(gapped, 500) == bandpass_ratio(after, 500)
    spliced = np.concatenate([ecg[:3000], after])
    assert bandpass_ratio(gapped, 500) != bandpass_ratio(spliced, 500)
