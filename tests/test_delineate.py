"""Tests of the front door: nk_qrs_lstm.ecg_delineate against neurokit2.ecg_delineate."""

import os
import warnings
from pathlib import Path

import neurokit2 as nk
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nk_qrs_lstm
from nk_qrs_lstm.defaults import EDGE_MARGIN_S
from nk_qrs_lstm.delineate import available_methods, ecg_delineate_proba, ecg_delineate_table
from nk_qrs_lstm.examples import example_record_path
from nk_qrs_lstm.neurokit import NK_KEYS
from nk_qrs_lstm.preprocess import RateMap, resample

LUDB = Path(os.environ.get("NK_QRS_LSTM_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")) / "ludb"
needs_ludb = pytest.mark.skipif(not LUDB.is_dir(), reason="LUDB not found in ../shared/data")


def _simulated(rate, duration=10, heart_rate=70, seed=1):
    ecg = nk.ecg_simulate(duration=duration, sampling_rate=rate, heart_rate=heart_rate, random_state=seed)
    cleaned = nk.ecg_clean(ecg, sampling_rate=rate)
    _, info = nk.ecg_peaks(cleaned, sampling_rate=rate)
    return cleaned, info


@pytest.mark.parametrize("rate", [250, 500, 1000])
def test_output_contract_matches_neurokit(rate):
    """Check that keys, columns, dtypes, lengths and NaN semantics are NeuroKit's."""
    cleaned, info = _simulated(rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nk_signals, nk_waves = nk.ecg_delineate(cleaned, info, sampling_rate=rate, method="prominence")
    signals, waves = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=rate)
    assert list(waves) == list(nk_waves) == list(NK_KEYS)
    assert list(signals.columns) == list(nk_signals.columns)
    assert (signals.dtypes == nk_signals.dtypes).all()
    assert len(signals) == len(nk_signals) == len(cleaned)
    assert set(np.unique(signals.to_numpy())) <= {0, 1}
    n_beats = len(info["ECG_R_Peaks"])
    for key, values in waves.items():
        assert isinstance(values, list) and len(values) == n_beats
        assert all((isinstance(v, int)) or (isinstance(v, float) and np.isnan(v)) for v in values)
        present = [v for v in values if not (isinstance(v, float) and np.isnan(v))]
        assert signals[key].sum() == len(set(present))
        assert all(0 <= v < len(cleaned) for v in present)
    # on a clean simulated ECG every beat but the edge ones has every wave
    inner = slice(1, -1)
    for key in ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets"):
        assert not np.isnan(np.asarray(waves[key], dtype=float)[inner]).any(), key


def test_inputs_neurokit_accepts():
    """Check that list, ndarray, Series, a DataFrame with ECG_Clean and rpeaks as array or dict give the same result."""
    cleaned, info = _simulated(500, duration=6)
    ref = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500)[1]
    variants = [
        (list(cleaned), info),
        (pd.Series(cleaned), info["ECG_R_Peaks"]),
        (pd.DataFrame({"ECG_Raw": cleaned, "ECG_Clean": cleaned}), list(info["ECG_R_Peaks"])),
    ]
    for ecg, rpeaks in variants:
        got = nk_qrs_lstm.ecg_delineate(ecg, rpeaks, sampling_rate=500)[1]
        assert got.keys() == ref.keys()
        for key in ref:
            np.testing.assert_array_equal(np.asarray(got[key], dtype=float), np.asarray(ref[key], dtype=float))


@pytest.mark.parametrize("method", available_methods("neurokit") + ["DWT", "emrich"])  # + capitals, an alias
def test_neurokit_methods_pass_through_unchanged(method):
    """Check that a NeuroKit method name returns exactly NeuroKit's own output."""
    cleaned, info = _simulated(500, duration=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours_s, ours_w = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500, method=method)
        nk_s, nk_w = nk.ecg_delineate(cleaned, info, sampling_rate=500, method=method)
    pd.testing.assert_frame_equal(ours_s, nk_s)
    assert ours_w.keys() == nk_w.keys()
    for key in nk_w:
        np.testing.assert_array_equal(np.asarray(ours_w[key], dtype=float), np.asarray(nk_w[key], dtype=float))


def test_unknown_method_message():
    """Check that a misspelt method gets MNE's message with a suggestion."""
    with pytest.raises(ValueError) as err:
        nk_qrs_lstm.ecg_delineate(np.zeros(1000), sampling_rate=500, method="lsmt")
    assert str(err.value) == (
        "Invalid value for the 'method' parameter. Allowed values are 'cwt', 'dwt', 'lstm', 'peak' and "
        "'prominence', but got 'lsmt' instead. Did you mean 'lstm'?"
    )
    assert available_methods() == ["cwt", "dwt", "lstm", "peak", "prominence"]


def test_without_rpeaks_uses_model_qrs():
    """Check that with rpeaks=None there is one entry per QRS found, each with an onset before its offset."""
    cleaned, info = _simulated(500, heart_rate=60)
    _, waves = nk_qrs_lstm.ecg_delineate(cleaned, sampling_rate=500)
    on = np.asarray(waves["ECG_R_Onsets"], dtype=float)
    off = np.asarray(waves["ECG_R_Offsets"], dtype=float)
    complete = np.isfinite(on) & np.isfinite(off)
    assert abs(complete.sum() - len(info["ECG_R_Peaks"])) <= 1
    assert np.all(off[complete] > on[complete])
    # only complexes cut by the signal's edges may miss a boundary
    assert set(np.flatnonzero(~complete)) <= {0, len(on) - 1}
    table = ecg_delineate_table(cleaned, sampling_rate=500)
    assert len(table) == len(on) and "ECG_R_Peaks" in table


def test_proba_aligned_and_normalised():
    """Check that per-sample probabilities have one row per input sample and sum to one."""
    cleaned, _ = _simulated(360, duration=5)
    proba = ecg_delineate_proba(cleaned, sampling_rate=360)
    assert proba.shape == (len(cleaned), 4)
    assert list(proba.columns) == ["ECG_Proba_Background", "ECG_Proba_P", "ECG_Proba_QRS", "ECG_Proba_T"]
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-4)


def test_check_true_sets_outliers_to_nan_and_keeps_alignment():
    """Check that check=True keeps one entry per R-peak and only removes values."""
    cleaned, info = _simulated(500, duration=20)
    _, plain = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500)
    _, checked = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500, check=True)
    for key in NK_KEYS:
        assert len(checked[key]) == len(plain[key])
        a, b = np.asarray(plain[key], dtype=float), np.asarray(checked[key], dtype=float)
        kept = np.isfinite(b)
        np.testing.assert_array_equal(a[kept], b[kept])


def _ludb_lead(record=3, lead="ii"):
    from nk_qrs_lstm.training.datasets import read_ludb

    return read_ludb(record, path=str(LUDB), leads=[lead])[0]


@needs_ludb
@pytest.mark.parametrize("rate", [100, 250, 360, 500, 1000])
def test_real_record_at_several_rates(rate):
    """Check that QRS onsets of a real LUDB test record are found at any sampling rate, at that rate's indices."""
    ecg = _ludb_lead()
    m = RateMap.for_rate(500, model_rate=rate)
    signal = resample(ecg.signal, m.up, m.down)
    _, waves = nk_qrs_lstm.ecg_delineate(signal, sampling_rate=rate)
    ref = ecg.fiducials()["ECG_R_Onsets"] * rate / 500
    got = np.asarray(waves["ECG_R_Onsets"], dtype=float)
    got = got[np.isfinite(got)]
    err_ms = np.array([np.min(np.abs(got - r)) for r in ref]) * 1000 / rate
    assert np.all(err_ms <= 40), err_ms  # every reference QRS onset found within 40 ms
    assert np.median(err_ms) <= 12 + 1000 / rate, err_ms


def test_bundled_example_delineates_with_reference_accuracy():
    """Check that the shipped model delineates the bundled (test-split) LUDB record close to its expert reference."""
    from nk_qrs_lstm.examples import example_record_path
    from nk_qrs_lstm.training.datasets import parse_waves
    import wfdb

    path = example_record_path()
    rec = wfdb.rdrecord(path, channel_names=["ii"])
    ann = wfdb.rdann(path, "ii")
    ref = parse_waves(ann.sample, ann.symbol)["QRS"][:, 0]
    _, waves = nk_qrs_lstm.ecg_delineate(rec.p_signal[:, 0], sampling_rate=500)
    got = np.asarray(waves["ECG_R_Onsets"], dtype=float)
    err_ms = np.array([np.min(np.abs(got[np.isfinite(got)] - r)) for r in ref[np.isfinite(ref)]]) * 2
    assert np.all(err_ms <= 40) and np.median(err_ms) <= 12, err_ms


@pytest.mark.parametrize("show_type", ["peaks", "bounds_R", "bounds_T", "bounds_P", "all"])
def test_show_draws_like_neurokit(show_type):
    """Check that show=True draws a figure for every NeuroKit show_type and returns the same result."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nk_qrs_lstm.plotting import SHOW_KEYS

    cleaned, info = _simulated(500, duration=6)
    plt.close("all")
    _, shown = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500, show=True, show_type=show_type)
    assert len(plt.get_fignums()) == 1
    ax = plt.gcf().axes[0]
    # one marker collection per fiducial of show_type, one marker per beat where it exists, at that sample
    markers = {c.get_label(): c.get_offsets() for c in ax.collections}
    assert sorted(markers) == sorted(SHOW_KEYS[show_type])
    rpeaks = np.asarray(info["ECG_R_Peaks"], float)
    for key, xy in markers.items():
        values = np.asarray(shown[key], float)
        ok = np.isfinite(values)
        assert len(xy) == ok.sum() > 0
        np.testing.assert_allclose(xy[:, 0], (values[ok] - rpeaks[ok]) / 500)
        np.testing.assert_allclose(xy[:, 1], cleaned[values[ok].astype(int)])
    _, plain = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500)
    assert shown == plain
    plt.close("all")


def test_plot_window_keywords_are_neurokits():
    """Check that show=True takes NeuroKit's window_start / window_end (seconds around each R-peak), that a bad window
    is refused naming the parameter, and that without a plot they are ignored, as NeuroKit ignores them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cleaned, info = _simulated(500, duration=6)
    plt.close("all")
    _, shown = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500, show=True, show_type="all",
                                         window_start=-0.5, window_end=0.7)
    lines = plt.gcf().axes[0].lines
    starts = [line.get_xdata()[0] for line in lines]
    ends = [line.get_xdata()[-1] for line in lines]
    assert min(starts) == pytest.approx(-0.5) and max(ends) == pytest.approx(0.7 - 1 / 500)
    plt.close("all")
    _, plain = nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500, window_start=-0.5, window_end=0.7)
    assert plain == shown
    with pytest.raises(ValueError, match=r"window_start == 0.7 must be less than window_end == 0.5"):
        nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500, show=True, window_start=0.7, window_end=0.5)
    with pytest.raises(ValueError, match=r"window_end == 'x', must be a finite number of seconds"):
        nk_qrs_lstm.ecg_delineate(cleaned, info, sampling_rate=500, show=True, window_end="x")
    assert not plt.get_fignums()


def test_rows_without_rpeaks_carry_their_own_rpeaks():
    """Check that with rpeaks=None each row comes with its complex's R-peak (waves["ECG_R_Peaks"], first key), the
    same as ecg_delineate_table's (NaN for a complex cut by the edge), inside that row's QRS; signals keep NeuroKit's
    columns; given R-peaks, no copy."""
    ecg = nk.ecg_simulate(duration=12, sampling_rate=500, heart_rate=75, random_state=4)[380:]  # a complex cut
    signals, waves = nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500)
    assert list(waves) == ["ECG_R_Peaks"] + list(NK_KEYS)
    assert list(signals.columns) == list(NK_KEYS)
    table = ecg_delineate_table(ecg, sampling_rate=500)
    r = np.asarray(waves["ECG_R_Peaks"], float)
    np.testing.assert_array_equal(r, table["ECG_R_Peaks"].to_numpy(dtype=float, na_value=np.nan))
    assert np.isnan(r[0]) and np.isfinite(r[1:-1]).all()  # the first complex is cut by the start
    assert all(isinstance(v, int) for v in waves["ECG_R_Peaks"] if not np.isnan(v))
    r = r[np.isfinite(r)]
    waves = {k: np.asarray(v, float)[np.isfinite(np.asarray(waves["ECG_R_Peaks"], float))] for k, v in waves.items()}
    on, off = (np.asarray(waves[k], float) for k in ("ECG_R_Onsets", "ECG_R_Offsets"))
    inside = np.isfinite(on) & np.isfinite(off)
    assert inside.sum() >= len(r) - 2 and np.all((on[inside] <= r[inside]) & (r[inside] <= off[inside]))
    _, given = nk_qrs_lstm.ecg_delineate(ecg, {"ECG_R_Peaks": r.astype(int)}, sampling_rate=500)
    assert list(given) == list(NK_KEYS) and len(given["ECG_R_Onsets"]) == len(r)


def test_a_complex_cut_by_the_end_has_an_unknown_offset_at_any_rate(ludb_path):
    """Check that the QRS cut by the end of LUDB 121 lead II has a NaN offset at 100 Hz too (it was the last sample)."""
    import scipy.signal
    import wfdb

    x = wfdb.rdrecord(os.path.join(ludb_path, "data", "121"), channel_names=["ii"]).p_signal[:, 0]
    for rate, y in ((500, x), (100, scipy.signal.resample_poly(x, 1, 5))):
        table = ecg_delineate_table(y, None, sampling_rate=rate)
        last = table.iloc[-1]
        assert pd.isna(last["ECG_R_Offsets"]) and last["ECG_R_Onsets"] < len(y) - 1, rate
        values = table.filter(regex="Onsets|Offsets").to_numpy(dtype=float)
        edge = np.ceil(EDGE_MARGIN_S * rate)  # no boundary this close to either end, whichever side it faces
        assert not ((values < edge) | (values > len(y) - 1 - edge)).any(), rate


def test_a_complex_cut_by_the_start_gets_no_onset_inside_the_signal(ludb_path):
    """Check that a QRS cut 34 ms after its onset (LUDB 23 lead II from sample 716; the onset is at 699) has a NaN
    onset (the network placed it 14 ms inside the cut signal, a 102-ms QRS for a 140-ms one, under the old 12-ms
    margin) and its visible offset stays within 20 ms of the whole lead's."""
    import wfdb

    x = wfdb.rdrecord(os.path.join(ludb_path, "data", "23"), channel_names=["ii"]).p_signal[:, 0]
    whole = ecg_delineate_table(x, None, sampling_rate=500)
    cut = ecg_delineate_table(x[716:], None, sampling_rate=500)
    assert pd.isna(cut["ECG_R_Onsets"].iloc[0]) and pd.isna(cut["ECG_R_Peaks"].iloc[0])  # R at 720: 8 ms in
    first = whole.loc[(whole["ECG_R_Offsets"] > 716).idxmax()]
    assert abs(cut["ECG_R_Offsets"].iloc[0] + 716 - first["ECG_R_Offsets"]) <= 10  # the visible end: within 20 ms


def test_q_and_s_are_never_beside_a_negative_r():
    """Check that an inverted ECG gets no Q / S peak next to its (negative) largest deflection."""
    ecg = nk.ecg_simulate(duration=12, sampling_rate=500, heart_rate=70, random_state=3)
    for x in (ecg, -ecg):
        table = ecg_delineate_table(x, None, sampling_rate=500)
        for key in ("ECG_Q_Peaks", "ECG_S_Peaks"):
            found = table[key].dropna().to_numpy(dtype=int)
            r = table.loc[table[key].notna(), "ECG_R_Peaks"].to_numpy(dtype=int)
            assert np.all(x[found] < x[r])
            assert np.all(np.abs(found - r) > 1)


def test_registering_a_method_refuses_taken_names_and_checks_its_table():
    """Check that register_delineator refuses a name or alias another method (NeuroKit's included) has, takes a
    single alias string as one alias, replaces a method registered again under its own name, and that the front
    door refuses a table that is not one row per R-peak with every key, naming the method."""
    from nk_qrs_lstm.defaults import BEAT_KEYS
    from nk_qrs_lstm.registry import get_method, register_delineator, unregister_delineator

    def rows(n):
        return lambda ecg, rpeaks, rate: {k: np.full(n, np.nan) for k in BEAT_KEYS}

    for name, aliases in (("mine", "lstm"), ("dwt", ()), ("mine", ("peaks",))):
        with pytest.raises(ValueError, match="already names the"):
            register_delineator(name, aliases)(rows(3))
    with pytest.raises(ValueError, match="cannot be unregistered"):
        unregister_delineator("dwt")
    ecg = nk.ecg_simulate(duration=8, sampling_rate=500, random_state=1)
    rpeaks = nk.ecg_peaks(ecg, sampling_rate=500)[1]["ECG_R_Peaks"]
    try:
        register_delineator("mine", "mi")(rows(3))
        assert get_method("mi").name == "mine" and get_method("mi").aliases == ("mi",)
        with pytest.raises(ValueError, match=f"method 'mine' returned 3 beats for {len(rpeaks)} R-peaks"):
            nk_qrs_lstm.ecg_delineate(ecg, rpeaks, sampling_rate=500, method="mine")
        register_delineator("mine", "mi")(rows(len(rpeaks)))  # again: replaced
        assert len(nk_qrs_lstm.ecg_delineate(ecg, rpeaks, sampling_rate=500, method="mi")[1]["ECG_P_Onsets"]) == len(rpeaks)
        register_delineator("mine")(lambda ecg, rpeaks, rate: {"ECG_R_Peaks": np.zeros(len(rpeaks))})
        with pytest.raises(ValueError, match="method 'mine' returned a table without 'ECG_P_Onsets'"):
            nk_qrs_lstm.ecg_delineate(ecg, rpeaks, sampling_rate=500, method="mine")
    finally:
        unregister_delineator("mine")
    assert "mine" not in nk_qrs_lstm.available_methods()


def test_r_peak_is_the_r_wave_where_the_s_wave_is_deeper(ludb_path):
    """Check the R-peak convention (R_PEAK_INVERTED_RATIO): in V1 and V2 of the first six LUDB validation records
    (rS complexes, where the S wave is deeper than the R wave) the R peak is where LUDB's experts (and NeuroKit's
    ecg_peaks) put it, the R wave, within 10 ms for more than half of the beats (QS complexes and an AF record
    included), where the farthest point from the line joining the QRS limits (the rule before) was for under a
    third; and the S peak follows the R peak."""
    from nk_qrs_lstm.evaluation.matching import match_fiducials
    from nk_qrs_lstm.peaks import extremum
    from nk_qrs_lstm.training.datasets import load_splits, read_ludb

    near, before = [], []
    for record in load_splits()["ludb"]["validation"][:6]:
        for ecg in read_ludb(record, path=ludb_path):
            if ecg.lead not in ("v1", "v2"):
                continue
            table = ecg_delineate_table(ecg.signal, sampling_rate=500)
            found, on, off, s = (table[k].to_numpy(dtype=float, na_value=np.nan)
                                 for k in ("ECG_R_Peaks", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_S_Peaks"))
            farthest = extremum(np.asarray(ecg.signal, dtype=float), on, off)
            for peaks, out in ((found, near), (farthest, before)):
                match = match_fiducials(ecg.fiducials()["ECG_R_Peaks"], peaks[np.isfinite(peaks)], 75,
                                        sampling_rate=500)
                out.extend(np.abs(match.errors_ms) <= 10)
            both = np.isfinite(s) & np.isfinite(found)
            assert np.all(s[both] > found[both])
    assert len(near) > 80 and np.mean(near) > 0.5 and np.mean(near) >= np.mean(before) + 0.2, (np.mean(near),
                                                                                               np.mean(before))


def _played_faster(ecg, k):
    """``ecg`` played ``k`` times as fast at its own rate (every wave and interval shorter alike)."""
    import scipy.signal

    return scipy.signal.resample_poly(ecg, 1, k)


def test_time_scale_reads_a_child_like_lead_as_the_adult_one_and_keeps_its_samples():
    """Check that a lead played twice as fast, delineated with time_scale=2, gives the adult lead's boundaries at
    half their sample positions (indices stay the lead's samples), where time_scale=1 misplaces its P onsets."""
    adult = nk.ecg_simulate(duration=40, sampling_rate=500, heart_rate=65, random_state=4)
    child = _played_faster(adult, 2)
    _, ref = nk_qrs_lstm.ecg_delineate(adult, sampling_rate=500)
    _, scaled = nk_qrs_lstm.ecg_delineate(child, sampling_rate=500, time_scale=2)
    for key in ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets"):
        a, c = np.asarray(ref[key], float) / 2, np.asarray(scaled[key], float)
        assert len(c) == len(a) and np.all(np.isnan(c) | ((c >= 0) & (c < len(child))))
        both = np.isfinite(a) & np.isfinite(c)
        assert both.mean() > 0.9 and np.median(np.abs(a[both] - c[both])) <= 2, key  # <= 4 ms at 500 Hz
    _, plain = nk_qrs_lstm.ecg_delineate(child, sampling_rate=500)
    assert _median_gap(plain, ref) > _median_gap(scaled, ref)


def _median_gap(waves, adult):
    """Median |P onset - the adult lead's P onset / 2| over the beats both have (samples)."""
    a, c = np.asarray(adult["ECG_P_Onsets"], float) / 2, np.asarray(waves["ECG_P_Onsets"], float)
    n = min(len(a), len(c))
    both = np.isfinite(a[:n]) & np.isfinite(c[:n])
    return float(np.median(np.abs(a[:n][both] - c[:n][both])))


@pytest.mark.parametrize("value, error", [(0.5, ValueError), (3.5, ValueError), ("2", TypeError), (True, TypeError)])
def test_time_scale_outside_one_to_three_is_refused_by_name(value, error):
    """Check that time_scale is validated at the boundary with its name, rule and value."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)
    with pytest.raises(error, match="time_scale"):
        nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500, time_scale=value)
    with pytest.raises(error, match="time_scale"):
        nk_qrs_lstm.delineate_record(example_record_path(), leads=["ii"], time_scale=value)


@settings(max_examples=12, deadline=None)
@given(time_scale=st.floats(1.0, 3.0), rate=st.sampled_from([100, 128, 250, 360, 500, 1000]),
       heart_rate=st.integers(60, 180), seed=st.integers(0, 1000))
def test_time_scale_keeps_the_contract(time_scale, rate, heart_rate, seed):
    """Check that any time_scale from 1 to 3 keeps NeuroKit's contract at any rate: every index inside the lead, in
    physiological order, one row per complex."""
    import scipy.signal

    from nk_qrs_lstm.evaluation.contract import contract_violations

    # simulated at 500 Hz and resampled: NeuroKit's ecgsyn can loop without end at 100 Hz (60 bpm, 12 s, seed 0)
    ecg = scipy.signal.resample_poly(nk.ecg_simulate(duration=12, sampling_rate=500, heart_rate=heart_rate,
                                                     random_state=seed), rate, 500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signals, waves = nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=rate, time_scale=time_scale)
    assert not contract_violations(signals, waves, len(ecg))


def test_learned_options_are_refused_for_neurokit_methods():
    """Check that time_scale (or backend) given with a NeuroKit method is refused by name instead of ignored (a
    new-user trial's method="dwt", time_scale=1.5 gave NeuroKit's answer unchanged)."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)
    with pytest.raises(TypeError, match=r"got time_scale=1\.5, an option of the learned method 'lstm', which "
                                        r"NeuroKit's 'dwt' would ignore"):
        nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500, method="dwt", time_scale=1.5)
    with pytest.raises(TypeError, match="backend"):
        nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500, method="peak", backend="onnx")


def test_ecg_process_takes_time_scale():
    """Check that ecg_process passes time_scale to the learned delineation (another answer than the default) and
    validates it before NeuroKit's cleaning."""
    ecg = nk.ecg_simulate(duration=15, sampling_rate=500, random_state=0)
    _, plain = nk_qrs_lstm.ecg_process(ecg, sampling_rate=500)
    _, scaled = nk_qrs_lstm.ecg_process(ecg, sampling_rate=500, time_scale=1.5)
    assert plain["ECG_R_Onsets"] != scaled["ECG_R_Onsets"] or plain["ECG_T_Offsets"] != scaled["ECG_T_Offsets"]
    with pytest.raises(ValueError, match="time_scale == 5"):
        nk_qrs_lstm.ecg_process(ecg, sampling_rate=500, time_scale=5)
    with pytest.raises(TypeError, match="time_scale"):
        nk_qrs_lstm.ecg_process(ecg, sampling_rate=500, delineate_method="dwt", time_scale=1.5)


def test_time_scale_below_the_checked_rate_warns():
    """Check that a time_scale showing the network a rate below CHECKED_RATE (100 Hz at 1.5: 67 Hz) warns, naming the
    rate it shows, and that 500 Hz at 1.5 does not."""
    ecg = scipy_resample(nk.ecg_simulate(duration=12, sampling_rate=500, random_state=0), 100, 500)
    with pytest.warns(nk_qrs_lstm.NKQRSLSTMWarning, match=r"time_scale == 1\.5 at 100 Hz shows the network the lead "
                                                         r"as if recorded at 66\.7 Hz"):
        nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=100, time_scale=1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", nk_qrs_lstm.NKQRSLSTMWarning)
        nk_qrs_lstm.ecg_delineate(nk.ecg_simulate(duration=12, sampling_rate=500, random_state=0), sampling_rate=500,
                                  time_scale=1.5)


@pytest.mark.parametrize("rate", [50, 64, 90])
def test_rates_from_50_hz_are_delineated_with_a_warning(rate):
    """Check that 50-99 Hz (wearables, NeuroKit's own examples at 64 Hz) is delineated like the same ECG at 500 Hz,
    QRS onsets within 2 samples, with a warning naming the rate (they were refused: after register(), NeuroKit's
    own ecg_process raised on files it handles)."""
    ecg = nk.ecg_simulate(duration=12, sampling_rate=500, random_state=0)
    low = scipy_resample(ecg, rate, 500)
    with pytest.warns(nk_qrs_lstm.NKQRSLSTMWarning, match=f"sampling_rate == {rate} is below 100 Hz"):
        low_table = nk_qrs_lstm.ecg_delineate_table(low, sampling_rate=rate)
    high = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500)
    onsets = high["ECG_R_Onsets"].to_numpy(float) * rate / 500
    found = low_table["ECG_R_Onsets"].to_numpy(float)
    assert len(found) == len(onsets) and np.nanmax(np.abs(found - onsets)) <= 2


def scipy_resample(x, up, down):
    import scipy.signal

    return scipy.signal.resample_poly(x, up, down)


def test_rhythm_gate_false_keeps_the_p_waves_the_gate_refuses(ludb_path):
    """Check the option on an atrial-fibrillation lead (LUDB validation record 88, lead II): the gate reports no P
    wave there, rhythm_gate=False every P bump the network sees (a trial, 31, lost every P wave of a sinus lead with a
    marked sinus arrhythmia to the gate); the QRS complexes are the same either way, and the option is refused for
    NeuroKit's methods and for a value that is not True or False."""
    import wfdb

    ecg = wfdb.rdrecord(os.path.join(ludb_path, "data", "88"), channel_names=["ii"]).p_signal[:, 0]
    gated = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500)
    kept = nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500, rhythm_gate=False)
    assert gated["ECG_P_Onsets"].notna().sum() == 0 and kept["ECG_P_Onsets"].notna().sum() >= 0.8 * len(kept)
    pd.testing.assert_series_equal(gated["ECG_R_Onsets"], kept["ECG_R_Onsets"])
    with pytest.raises(TypeError, match="rhythm_gate"):
        nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500, method="dwt", rhythm_gate=False)
    with pytest.raises(TypeError, match=r"^rhythm_gate == 'no', must be True or False"):
        nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500, rhythm_gate="no")


@pytest.mark.parametrize("option", [{"rhythm_gate": "no"}, {"time_scale": 5}])
def test_a_bad_learned_option_is_refused_before_the_inputs_warnings(option):
    """Check that the shipped method's options are checked before the input (a review saw a gap warning come first,
    then the option's error)."""
    ecg = nk.ecg_simulate(duration=10, sampling_rate=500, random_state=0)
    ecg[1000:1100] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises((TypeError, ValueError), match=next(iter(option))):
            nk_qrs_lstm.ecg_delineate(ecg, sampling_rate=500, **option)
    assert not caught
