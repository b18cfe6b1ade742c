"""Tests of nk_qrs_lstm.boundaries: probabilities -> waves."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nk_qrs_lstm.boundaries import assemble_beats, delineate_proba, segments
from nk_qrs_lstm.peaks import extremum
from nk_qrs_lstm.defaults import BEAT_KEYS, BEAT_ORDER, CONFIDENCE_KEYS

RATE = 250


def _proba(n, runs):
    """One-hot probabilities: background except the given (class, start, stop) runs."""
    p = np.zeros((n, 4))
    p[:, 0] = 1
    for cls, start, stop in runs:
        p[start:stop] = np.eye(4)[cls]
    return p


def test_segments_finds_runs_and_drops_short_ones():
    """Check that runs become segments and runs shorter than the minimum duration are dropped."""
    p = _proba(200, [(1, 10, 25), (2, 30, 50), (3, 80, 81), (3, 100, 140)])
    segs = segments(p, RATE, refine=False)
    assert segs[1].tolist() == [[10, 24]]
    assert segs[2].tolist() == [[30, 49]]
    assert segs[3].tolist() == [[100, 139]]  # the 1-sample T blip is gone


def test_segments_closes_short_gaps():
    """Check that a gap of a few samples inside a wave is closed."""
    p = _proba(200, [(3, 50, 70), (3, 72, 100)])
    assert segments(p, RATE, refine=False)[3].tolist() == [[50, 99]]


def test_segments_refines_to_the_probability_crossing():
    """Check that a boundary moves to where the class margin crosses zero."""
    p = _proba(100, [(2, 40, 60)])
    # sample 39 is almost QRS: the crossing is close to 39 -> onset close to 39.5
    p[39] = [0.52, 0, 0.48, 0]
    on, off = segments(p, RATE, refine=True)[2][0]
    assert 39.4 < on < 40.0
    assert off == 59.0  # crisp edge: crossing halfway between 59 and 60, minus half a sample


def test_assemble_beats_keeps_physiological_order():
    """Check that P attaches to the following QRS and T to the preceding one, within range."""
    segs = {
        1: np.array([[10.0, 25], [220, 235]]),
        2: np.array([[40.0, 60], [250, 270]]),
        3: np.array([[100.0, 150], [300, 360]]),
    }
    beats = assemble_beats(segs, RATE)
    assert beats.tolist() == [[10, 25, 40, 60, 100, 150], [220, 235, 250, 270, 300, 360]]


def test_assemble_beats_rejects_out_of_range_waves():
    """Check that a P too far before its QRS and a T past the next QRS are not attached."""
    segs = {
        1: np.array([[0.0, 20]]),  # 140 samples = 560 ms before the QRS onset: > PR max
        2: np.array([[140.0, 160], [200, 220]]),
        3: np.array([[190.0, 240]]),  # overlaps the next QRS
    }
    beats = assemble_beats(segs, RATE)
    assert np.isnan(beats[0, 0]) and np.isnan(beats[0, 4])


def test_assemble_beats_keeps_last_p_and_first_t():
    """Check that with two candidate P waves the one nearest the QRS is kept (and the first T)."""
    segs = {1: np.array([[10.0, 20], [40, 50]]), 2: np.array([[60.0, 80]]),
            3: np.array([[100.0, 130], [140, 170]])}
    assert assemble_beats(segs, RATE)[0].tolist() == [40, 50, 60, 80, 100, 130]


def test_extremum_handles_both_polarities_and_nan():
    """Check that the deviation peak finds negative waves and NaN limits give NaN."""
    x = np.zeros(50)
    x[10:20] = -np.hanning(10)
    assert extremum(x, np.array([8.0, np.nan]), np.array([22.0, 30.0])).tolist()[1] != 0
    assert np.isnan(extremum(x, np.array([np.nan]), np.array([30.0]))[0])
    assert extremum(x, np.array([8.0]), np.array([22.0]))[0] in (14.0, 15.0)


@st.composite
def _random_tracks(draw):
    n = draw(st.integers(50, 3000))
    classes = draw(st.lists(st.integers(0, 3), min_size=1, max_size=80))
    lengths = draw(st.lists(st.integers(1, 120), min_size=len(classes), max_size=len(classes)))
    track = np.repeat(classes, lengths)[:n]
    track = np.pad(track, (0, max(0, n - len(track))))
    noise = draw(st.floats(0, 0.4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    p = np.eye(4)[track] + noise * rng.random((n, 4))
    return p / p.sum(axis=1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(_random_tracks(), st.sampled_from([100, 250, 360, 500, 1000]))
def test_delineate_proba_contract(proba, rate):
    """Check that for any probabilities, fiducials are in range and in physiological order within a beat."""
    n_out = int(np.ceil(len(proba) * rate / RATE))
    signal = np.sin(np.arange(n_out) / 7.0)
    table = delineate_proba(proba, signal, rate)
    assert set(table) == set(BEAT_KEYS) | set(CONFIDENCE_KEYS) | {"span_on", "span_off", "owner"}
    lengths = {len(v) for v in table.values()}
    assert len(lengths) == 1
    assert np.all(np.isfinite(table["span_on"])) and np.all(table["span_off"] >= table["span_on"])
    for values in (table[k] for k in BEAT_KEYS):
        finite = values[np.isfinite(values)]
        assert np.all((finite >= 0) & (finite < n_out))
        assert np.all(finite == np.round(finite))
    stacked = np.stack([table[k] for k in BEAT_ORDER], axis=1)
    for row in stacked:
        present = row[np.isfinite(row)]
        assert np.all(np.diff(present) >= 0), row
    both = np.isfinite(table["ECG_R_Onsets"]) & np.isfinite(table["ECG_R_Offsets"])
    assert np.all(table["ECG_R_Offsets"][both] > table["ECG_R_Onsets"][both])
    assert np.all(np.isfinite(table["ECG_R_Onsets"]) | np.isfinite(table["ECG_R_Offsets"]))


def test_missing_waves_stay_nan():
    """Check that a beat without P or T wave has NaN for every P or T point, never the QRS limits."""
    p = _proba(600, [(2, 100, 125), (3, 170, 240), (1, 330, 350), (2, 370, 395)])
    table = delineate_proba(p, np.sin(np.arange(1200) / 9.0), 500)
    assert np.isnan(table["ECG_P_Onsets"][0]) and np.isnan(table["ECG_P_Offsets"][0]) and np.isnan(table["ECG_P_Peaks"][0])
    assert np.isnan(table["ECG_T_Onsets"][1]) and np.isnan(table["ECG_T_Offsets"][1]) and np.isnan(table["ECG_T_Peaks"][1])
    assert table["ECG_P_Offsets"][1] == 2 * 349 and table["ECG_T_Onsets"][0] == 2 * 170


def test_extremum_of_a_flat_wave_is_nan():
    """Check that a wave lying on the line joining its limits (a flat stretch) has no peak, not a peak at onset."""
    x = np.array([0.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.0, 0.0])
    assert np.isnan(extremum(x, np.array([2.0]), np.array([5.0]))).all()
    assert extremum(x, np.array([0.0]), np.array([3.0])).tolist() == [1.0]


def test_boundaries_near_the_edges_are_unknown():
    """Check that no boundary is reported within ``EDGE_MARGIN_S`` of the track's ends: the wave may go on there."""
    from nk_qrs_lstm.defaults import EDGE_MARGIN_S

    margin = int(np.ceil(EDGE_MARGIN_S * RATE))
    for start in range(0, 6):  # a QRS run starting `start` samples into the track, a T wave ending as far from its end
        p = _proba(300, [(2, start, start + 25), (3, 60, 120), (2, 200, 225), (3, 260, 300 - start)])
        out = delineate_proba(p, np.zeros(300), RATE, refine=False, decoder="argmax")
        known = np.concatenate([out[k] for k in BEAT_KEYS if k.endswith(("Onsets", "Offsets"))])
        known = known[np.isfinite(known)]
        assert np.all((known >= margin) & (known <= 299 - margin))
        assert np.isnan(out["ECG_R_Onsets"][0]) == (start < margin)
        assert np.isnan(out["ECG_T_Offsets"][-1]) == (start < margin)


def test_qs_peaks_of_a_complex_cut_by_the_edge_use_its_visible_part():
    """Check that an S peak is judged against the visible part of a complex whose onset is unknown."""
    from nk_qrs_lstm.peaks import qs_peaks

    x = np.array([5.0, 0, -1, 4, -2, 0, 0, 1, -5, 1, 0])  # x[0] lies outside the complex: it must not count
    out = qs_peaks(x, np.array([np.nan, 6.0]), np.array([3.0, 8.0]), np.array([5.0, 10.0]))
    assert np.isnan(out["ECG_Q_Peaks"]).all()
    assert out["ECG_S_Peaks"][0] == 4.0 and np.isnan(out["ECG_S_Peaks"][1])


def test_p_peak_of_a_fast_rhythm_is_the_hump_not_the_dip_before_it():
    """Check that at 180 bpm, where a P wave starts on the T wave's down-slope, the P peak is mostly the highest
    point of the wave (the farthest point from the chord was the dip before it in 31 of 36 beats)."""
    import neurokit2 as nk

    import nk_qrs_lstm

    x = nk.ecg_clean(nk.ecg_simulate(duration=12, sampling_rate=500, heart_rate=180, random_state=1), sampling_rate=500)
    waves = nk_qrs_lstm.ecg_delineate(x, sampling_rate=500)[1]
    on, peak, off = (np.asarray(waves[f"ECG_P_{k}"], dtype=float) for k in ("Onsets", "Peaks", "Offsets"))
    ok = np.isfinite(on) & np.isfinite(peak) & np.isfinite(off)
    highest = np.array([a + np.argmax(x[int(a):int(b) + 1]) for a, b in zip(on[ok], off[ok])])
    assert ok.sum() > 30 and np.sum(np.abs(peak[ok] - highest) > 5) <= ok.sum() / 3


def test_q_and_s_are_dips_inside_the_complex_not_its_limits():
    """Check that a QRS starting with its upstroke (ending with its downstroke) gets no Q (S) on its onset
    (offset) sample, while real dips inside the complex stay Q and S peaks."""
    from nk_qrs_lstm.peaks import qs_peaks

    upstroke = np.array([0, 0, 1, 3, 6, 3, 1, 0, 0], dtype=float)
    out = qs_peaks(upstroke, np.array([1.0]), np.array([4.0]), np.array([7.0]))
    assert np.isnan(out["ECG_Q_Peaks"]).all() and np.isnan(out["ECG_S_Peaks"]).all()
    qrs = np.array([0, 0, -1, 3, 6, 3, -2, 0, 0], dtype=float)
    out = qs_peaks(qrs, np.array([1.0]), np.array([4.0]), np.array([7.0]))
    assert out["ECG_Q_Peaks"].tolist() == [2.0] and out["ECG_S_Peaks"].tolist() == [6.0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=60))
def test_runs_cover_exactly_the_true_samples(values):
    """Check spectra.runs (used by boundaries and the input checks): sorted, disjoint, non-touching [start, stop)
    runs whose union is exactly the True samples."""
    from nk_qrs_lstm.spectra import runs

    mask = np.array(values, dtype=bool)
    found = runs(mask)
    assert found.shape[1] == 2 and found.dtype == np.int64
    rebuilt = np.zeros(len(mask), dtype=bool)
    for start, stop in found:
        assert start < stop and not rebuilt[start:stop].any()
        rebuilt[start:stop] = True
    assert np.array_equal(rebuilt, mask)
    assert np.all(found[1:, 0] > found[:-1, 1])  # a gap between runs: each run is maximal


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=40), st.integers(0, 8), st.booleans())
def test_near_unknown_is_any_unknown_or_outside_within_k(values, k, none_unknown):
    """Check boundaries._near_unknown against its definition (the k samples on either side, not the sample itself),
    with and without unknown samples (the no-gap case takes a shortcut)."""
    from nk_qrs_lstm.boundaries import _near_unknown

    unknown = np.zeros(len(values), dtype=bool) if none_unknown else np.array(values, dtype=bool)
    n = len(unknown)
    expected = [any(j < 0 or j >= n or unknown[j] for j in range(i - k, i + k + 1) if j != i) for i in range(n)]
    assert _near_unknown(unknown, k).tolist() == expected
