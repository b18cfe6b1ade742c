"""Tests of nk_qrs_lstm.fusion: the leads of one record fused at the probability level or from their boundaries."""

import numpy as np
import pandas as pd
import pytest

from nk_qrs_lstm.boundaries import delineate_proba
from nk_qrs_lstm.examples import example_record_path
from nk_qrs_lstm.fusion import ProbaMean, active_samples, fuse_leads, fuse_proba
from nk_qrs_lstm.preprocess import RateMap
from nk_qrs_lstm.record import delineate_record

RATE = 250
RR = 250  # [samples] 1 s
N_BEATS = 10
TRUE_PR = 30  # [samples] P peak -> QRS onset (120 ms)
NOISE_PR = 60  # [samples] a lead's own spurious P bump (240 ms)


def _bump(n, centre, height, sigma):
    t = np.arange(n)
    return height * np.exp(-0.5 * ((t - centre) / sigma) ** 2)


def _tracks(noise_on_even):
    """One lead: QRS and T certain; a weak true P (0.4) before every QRS, and on every other beat a
    slightly stronger spurious P bump (0.45) of this lead only, at another distance from the QRS."""
    n = N_BEATS * RR + 100
    p, qrs, t = np.zeros(n), np.zeros(n), np.zeros(n)
    onsets = 100 + RR * np.arange(N_BEATS)
    for k, on in enumerate(onsets):
        qrs[on : on + 25] = 1.0
        t += _bump(n, on + 90, 0.9, 12)
        p += _bump(n, on - TRUE_PR, 0.4, 5)
        if (k % 2 == 0) == noise_on_even:
            p += _bump(n, on - NOISE_PR, 0.45, 4)
    t[qrs > 0] = 0
    p[qrs > 0] = 0
    proba = np.stack([np.zeros(n), p, qrs, t], axis=1)
    proba[:, 0] = 1 - proba[:, 1:].sum(axis=1)
    return proba.astype(np.float32), onsets


def _signal(n, onsets):
    x = np.zeros(n)
    x[onsets + 12] = 1.0
    return x


def _p_found(beats, onsets):
    """Beats whose P onset lies just before the true P peak (not at the spurious bump)."""
    p_on = np.asarray(beats["ECG_P_Onsets"], dtype=float)
    r = np.asarray(beats["ECG_R_Onsets"], dtype=float)
    true_peak = r - TRUE_PR
    return np.sum(np.isfinite(p_on) & (p_on > true_peak - 15) & (p_on < true_peak)), len(onsets)


def test_p_weak_in_each_lead_is_found_in_their_mean():
    """Check that a P wave too weak to stand out in either of two leads (each lead's own spurious bumps win and
    the rhythm gate refuses them) is found on every beat by the probability-level fusion."""
    a, onsets = _tracks(noise_on_even=True)
    b, _ = _tracks(noise_on_even=False)
    signal = _signal(len(a), onsets)
    rate_map = RateMap.for_rate(RATE)
    for lead in (a, b):
        found, total = _p_found(delineate_proba(lead, signal, RATE, rate=RATE), onsets)
        assert found <= total // 2
    mean = ProbaMean(len(a))
    mean.add(a, np.zeros(len(a), bool))
    mean.add(b, np.zeros(len(b), bool))
    fused = fuse_proba(*mean.result(), signal, rate_map)
    found, total = _p_found(fused, onsets)
    assert len(fused) == N_BEATS and found == total
    assert (fused["n_leads"] == 2).all()


def test_gap_in_one_lead_does_not_blank_the_fused_beat():
    """Check that a gap (NaN input) in one lead leaves the fused beats there, decoded from the other lead."""
    a, onsets = _tracks(noise_on_even=True)
    b, _ = _tracks(noise_on_even=True)
    signal = _signal(len(a), onsets)
    gap = np.zeros(len(a), bool)
    gap[RR * 4 : RR * 7] = True  # beats 4, 5 and 6 of lead b are missing
    b[gap] = [1, 0, 0, 0]  # what the pipeline gives a gap
    mean = ProbaMean(len(a))
    mean.add(a, np.zeros(len(a), bool))
    mean.add(b, gap)
    proba, count = mean.result()
    assert np.array_equal(proba[gap], a[gap]) and (count[gap] == 1).all()
    fused = fuse_proba(proba, count, signal, RateMap.for_rate(RATE))
    r_on = fused["ECG_R_Onsets"].to_numpy()
    assert len(fused) == N_BEATS and np.allclose(r_on, onsets, atol=2)
    in_gap = gap[onsets]
    assert (fused["n_leads"].to_numpy()[in_gap] == 1).all() and (fused["n_leads"].to_numpy()[~in_gap] == 2).all()
    assert np.isfinite(fused["ECG_T_Offsets"].to_numpy()[in_gap]).all()


def test_gap_in_one_lead_of_a_record_keeps_the_fused_beats():
    """Check that a NaN stretch in one lead of a real record does not remove the "proba"-fused beats there."""
    import wfdb

    from nk_qrs_lstm import NKQRSLSTMWarning

    rec = wfdb.rdrecord(example_record_path(), channel_names=["ii", "v5"])
    whole = delineate_record(rec, fusion="proba")
    rec.p_signal[1000:3000, 1] = np.nan
    with pytest.warns(NKQRSLSTMWarning, match="non-finite samples"):
        gapped = delineate_record(rec, fusion="proba")
    inside = whole.fused["ECG_R_Peaks"].between(1100, 2900).to_numpy()
    assert inside.sum() >= 2
    kept = gapped.fused["ECG_R_Peaks"].between(1100, 2900)
    assert kept.sum() == inside.sum() and (gapped.fused.loc[kept, "n_leads"] == 1).all()


@pytest.mark.parametrize("fusion", ["proba", "percentile"])
def test_network_runs_once_per_lead_with_either_fusion(network_calls, fusion):
    """Check that delineate_record runs the network once per lead with either fusion, with or without probabilities."""
    calls = network_calls
    for keep_proba in (False, True):
        calls.clear()
        result = delineate_record(example_record_path(), leads=["ii", "v5"], fusion=fusion, keep_proba=keep_proba)
        assert len(calls) == 2
        assert len(result.fused) and (result.fused["n_leads"] == 2).all()


def test_unknown_fusion_is_refused():
    """Check that an unknown fusion gets a message naming the parameter, the allowed values and the value."""
    with pytest.raises(ValueError, match=r"^Invalid value for the 'fusion' parameter\. Allowed values are 'percentile' and "
                                         r"'proba', but got 'mean' instead\.$"):
        delineate_record(example_record_path(), leads=["ii"], fusion="mean")


def test_a_p_wave_of_one_lead_in_twelve_is_not_the_record_s():
    """Check the percentile rule's vote: a P wave found by one lead of twelve (a spurious bump) is dropped from the
    fused beat; found by a quarter of the leads (FUSE_WAVE_FRACTION) it is kept; ``wave_fraction=0`` keeps any."""
    import pandas as pd

    from nk_qrs_lstm.fusion import FUSE_WAVE_FRACTION, fuse_leads

    def lead(with_p):
        row = {"ECG_R_Peaks": 510.0, "ECG_R_Onsets": 500.0, "ECG_R_Offsets": 540.0, "ECG_T_Peaks": 700.0,
               "ECG_T_Onsets": 650.0, "ECG_T_Offsets": 760.0}
        if with_p:
            row.update(ECG_P_Onsets=400.0, ECG_P_Peaks=430.0, ECG_P_Offsets=460.0)
        return pd.DataFrame([row])

    one = {f"l{i}": lead(i == 0) for i in range(12)}
    assert np.isnan(fuse_leads(one, 500)["ECG_P_Onsets"]).all()
    assert np.isfinite(fuse_leads(one, 500)["ECG_T_Offsets"]).all()
    assert np.isfinite(fuse_leads(one, 500, wave_fraction=0)["ECG_P_Onsets"]).all()
    enough = int(np.ceil(FUSE_WAVE_FRACTION * 12))
    some = {f"l{i}": lead(i < enough) for i in range(12)}
    fused = fuse_leads(some, 500)
    assert fused[["ECG_P_Onsets", "ECG_P_Peaks", "ECG_P_Offsets"]].notna().all(axis=None)


def test_fused_beats_carry_the_median_confidence_of_their_leads():
    """Check that the percentile rule gives each fused wave the median confidence of the leads that found it
    (NaN where the fused beat has no such wave), and that both rules put confidences in the record's tidy table."""
    import pandas as pd

    from nk_qrs_lstm.fusion import fuse_leads

    def lead(p_conf):
        row = {"ECG_R_Peaks": 510.0, "ECG_R_Onsets": 500.0, "ECG_R_Offsets": 540.0, "ECG_R_Confidence": 0.99,
               "ECG_T_Peaks": 700.0, "ECG_T_Onsets": 650.0, "ECG_T_Offsets": 760.0, "ECG_T_Confidence": 0.9}
        if p_conf is not None:
            row.update(ECG_P_Onsets=400.0, ECG_P_Peaks=430.0, ECG_P_Offsets=460.0, ECG_P_Confidence=p_conf)
        return pd.DataFrame([row])

    fused = fuse_leads({"a": lead(0.6), "b": lead(0.8), "c": lead(0.95), "d": lead(None)}, 500)
    assert fused["ECG_P_Confidence"].tolist() == [0.8]
    assert fused["ECG_R_Confidence"].tolist() == [0.99]
    alone = fuse_leads({f"l{i}": lead(0.9 if i == 0 else None) for i in range(12)}, 500)
    assert np.isnan(alone["ECG_P_Confidence"]).all() and np.isnan(alone["ECG_P_Onsets"]).all()
    for fusion in ("percentile", "proba"):
        frame = delineate_record(example_record_path(), leads=["ii", "v5"], fusion=fusion).to_frame()
        fused_rows = frame[frame.lead == "fused"]
        conf = fused_rows["ECG_R_Confidence"].to_numpy(dtype=float)
        assert len(conf) and np.all((conf >= 0) & (conf <= 1)), fusion


def test_a_complex_cut_by_the_edge_is_kept_by_fusion():
    """Check that a complex with one known limit (cut by the signal's edge) is fused, also from a single lead."""
    cut = pd.DataFrame({"ECG_R_Peaks": [np.nan, 600.0], "ECG_R_Onsets": [np.nan, 560.0],
                        "ECG_R_Offsets": [20.0, 610.0], "ECG_T_Onsets": [60.0, np.nan],
                        "ECG_T_Peaks": [110.0, np.nan], "ECG_T_Offsets": [160.0, np.nan]})
    fused = fuse_leads({"ii": cut}, 500)
    assert fused["ECG_R_Offsets"].tolist() == [20.0, 610.0]
    assert fused.loc[0, "ECG_T_Offsets"] == 160.0
    other = cut.assign(ECG_R_Offsets=[24.0, 614.0])
    assert len(fuse_leads({"i": cut, "ii": other}, 500)) == 2


def test_leads_in_other_units_are_compared_in_one_unit():
    """Check the silent-lead test compares leads in mV where their units say (a lead in uV beside leads in mV is
    not louder, one in V not silent) and a lead of unknown units only with itself; a 12-lead record with lead i in
    uV keeps every lead in its fused beats."""
    rng = np.random.default_rng(0)
    wave = np.sin(np.arange(5000) / 10.0)
    leads = np.column_stack([wave * 1000, wave, wave * 1e-3, 0.001 * rng.normal(size=5000), wave * 1e-5])
    on = active_samples(leads, 500, scale=[1e-3, 1.0, 1e3, 1.0, np.nan]).all(axis=0)
    assert on.tolist() == [True, True, True, False, True]
    assert active_samples(leads, 500).all(axis=0).tolist() == [True, False, False, False, False]
    with pytest.raises(ValueError, match="scale has 2 factor"):
        active_samples(leads, 500, scale=[1.0, 1.0])
    import wfdb

    record = wfdb.rdrecord(example_record_path())
    signal, units = record.p_signal.copy(), list(record.units)
    signal[:, 0], units[0] = signal[:, 0] * 1000, "uV"
    mixed = wfdb.Record(record_name="mixed", fs=record.fs, sig_name=record.sig_name, units=units, p_signal=signal,
                        n_sig=record.n_sig, sig_len=record.sig_len)
    result = delineate_record(mixed, fusion="percentile")
    assert len(result.fused) == len(result.tables["ii"]) > 5 and (result.fused["n_leads"] == 12).all()


def test_leads_without_data_do_not_outvote_the_leads_with_data():
    """Check the percentile rule's beat vote counts only the leads with a signal at the beat: 7 dead leads of 12 or 7
    leads missing from the second half keep every beat of the live ones; among live leads, a beat found by a
    minority is still dropped; a record with 7 flat leads, 7 leads of digitiser noise or 7 leads missing half the
    time keeps its fused beats."""
    rate, centres = 500, 250.0 + 500 * np.arange(10)

    def lead(keep):
        c = centres[keep]
        return pd.DataFrame({"ECG_R_Peaks": c, "ECG_R_Onsets": c - 20, "ECG_R_Offsets": c + 20})

    every, half, n = np.ones(10, dtype=bool), np.arange(10) < 5, 5000
    on = {f"l{i}": np.ones(n, dtype=bool) if i < 5 else np.zeros(n, dtype=bool) for i in range(12)}
    dead = {f"l{i}": lead(every if i < 5 else ~every) for i in range(12)}
    assert fuse_leads(dead, rate).empty  # without masks every lead votes
    assert fuse_leads(dead, rate, active=on)["ECG_R_Peaks"].tolist() == centres.tolist()
    first_half = {k: v if k in ("l0", "l1", "l2", "l3", "l4") else np.arange(n) < 2500 for k, v in on.items()}
    missing = {f"l{i}": lead(every if i < 5 else half) for i in range(12)}
    assert fuse_leads(missing, rate, active=first_half)["ECG_R_Peaks"].tolist() == centres.tolist()
    spurious = {f"l{i}": lead(every) for i in range(12)}
    spurious["l0"] = pd.concat([lead(every), pd.DataFrame({"ECG_R_Peaks": [2000.0], "ECG_R_Onsets": [1980.0],
                                                            "ECG_R_Offsets": [2020.0]})], ignore_index=True)
    assert 2000.0 not in fuse_leads(spurious, rate, active=on)["ECG_R_Peaks"].tolist()  # 1 of 5 live leads
    import wfdb

    record = wfdb.rdrecord(example_record_path())
    signal = record.p_signal.copy()
    signal[:, 5:] = 0.0  # 7 of 12 leads disconnected
    flat = wfdb.Record(record_name="flat", fs=record.fs, sig_name=record.sig_name, units=record.units,
                       p_signal=signal, n_sig=record.n_sig, sig_len=record.sig_len)
    from nk_qrs_lstm._checks import NKQRSLSTMWarning

    for fusion in ("percentile", "proba"):
        with pytest.warns(NKQRSLSTMWarning, match="is flat"):
            result = delineate_record(flat, fusion=fusion)
        assert len(result.fused) == len(result.tables["ii"]) > 5, fusion
    signal[:, 5:] = 0.005 * np.random.default_rng(0).integers(-1, 2, size=signal[:, 5:].shape)  # 5-uV counts
    noisy = wfdb.Record(record_name="noisy", fs=record.fs, sig_name=record.sig_name, units=record.units,
                        p_signal=signal, n_sig=record.n_sig, sig_len=record.sig_len)
    for fusion in ("percentile", "proba"):
        result = delineate_record(noisy, fusion=fusion)
        assert len(result.fused) == len(result.tables["ii"]) > 5, fusion
    signal = record.p_signal.copy()
    signal[2500:, 5:] = np.nan
    gaps = wfdb.Record(record_name="gaps", fs=record.fs, sig_name=record.sig_name, units=record.units,
                       p_signal=signal, n_sig=record.n_sig, sig_len=record.sig_len)
    with pytest.warns(NKQRSLSTMWarning):
        result = delineate_record(gaps)
    peaks = result.fused["ECG_R_Peaks"].to_numpy()
    assert np.sum(peaks > 2600) == np.sum(result.tables["ii"]["ECG_R_Peaks"].to_numpy() > 2600) > 2


def test_fused_points_keep_the_beat_s_order_whatever_the_leads_say():
    """Check that percentiles over leads that disagree cannot put a fused P offset after the QRS onset, a T onset
    before the QRS offset, or a T offset after the next beat's start (a new-user trial, 20: QTDB sel44's annotation
    file lost 18 fused QRS onsets so), and that beats in order are unchanged."""
    def lead(p_off, t_on, t_off):
        return pd.DataFrame({"ECG_R_Peaks": [120.0, 520.0], "ECG_P_Onsets": [60.0, 440.0],
                             "ECG_P_Peaks": [80.0, 470.0], "ECG_P_Offsets": [p_off, 490.0],
                             "ECG_R_Onsets": [100.0, 500.0], "ECG_R_Offsets": [140.0, 540.0],
                             "ECG_T_Onsets": [t_on, 580.0], "ECG_T_Peaks": [300.0, 700.0],
                             "ECG_T_Offsets": [t_off, 760.0]})

    ordered = fuse_leads({"a": lead(95.0, 160.0, 400.0), "b": lead(96.0, 170.0, 410.0)}, 500)
    np.testing.assert_array_equal(ordered.loc[0, ["ECG_P_Offsets", "ECG_T_Onsets", "ECG_T_Offsets"]],
                                  [96.0, 165.0, 408.0])  # median, median, 80th percentile (rounded)
    disagree = {"a": lead(110.0, 130.0, 450.0), "b": lead(112.0, 135.0, 460.0), "c": lead(111.0, 132.0, 455.0)}
    fused = fuse_leads(disagree, 500)
    assert fused.loc[0, "ECG_P_Offsets"] == fused.loc[0, "ECG_R_Onsets"] == 100.0
    assert fused.loc[0, "ECG_T_Onsets"] == fused.loc[0, "ECG_R_Offsets"] == 140.0
    assert fused.loc[0, "ECG_T_Offsets"] == fused.loc[1, "ECG_P_Onsets"] == 440.0
    points = fused[["ECG_P_Onsets", "ECG_P_Peaks", "ECG_P_Offsets", "ECG_R_Onsets", "ECG_R_Peaks",
                    "ECG_R_Offsets", "ECG_T_Onsets", "ECG_T_Peaks", "ECG_T_Offsets"]].to_numpy().ravel()
    assert np.all(np.diff(points) >= 0)
    from nk_qrs_lstm.fusion import in_beat_order

    gaps = pd.DataFrame({"ECG_P_Onsets": [80.0], "ECG_P_Peaks": [110.0], "ECG_P_Offsets": [np.nan],
                         "ECG_R_Onsets": [100.0], "ECG_R_Offsets": [140.0], "ECG_T_Onsets": [np.nan],
                         "ECG_T_Peaks": [130.0], "ECG_T_Offsets": [300.0]})  # a NaN between a point and the QRS
    ordered = in_beat_order(gaps).iloc[0]
    assert ordered["ECG_P_Peaks"] == 100.0 and ordered["ECG_T_Peaks"] == 140.0
    assert np.isnan(ordered["ECG_P_Offsets"]) and np.isnan(ordered["ECG_T_Onsets"])
