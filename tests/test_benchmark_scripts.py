"""Rules of the benchmark scripts that decide what runs (benchmarks/*.py, imported by path)."""

import numpy as np
import pytest

from benchmark_scripts import load_script


@pytest.fixture(scope="module")
def speed():
    return load_script("speed")


def test_24h_run_is_skipped_when_its_time_or_memory_would_not_fit(speed):
    """Check the 24-h skip rule: time x 24 over the limit, or memory growth x 24 over half the machine's memory."""
    hour = {"status": "ok", "median_s": 19.0, "peak_rss_mb": 1724.0, "base_rss_mb": 601.0}  # NeuroKit's dwt
    assert speed._skip_24h(hour, 300)[:30] == "skipped (24 x its 1-h time = 8"
    assert "memory increase = 26 GB > half of 24 GB" in speed._skip_24h(hour, 600, memory_mb=24 * 1024)
    assert speed._skip_24h(hour, 600, memory_mb=128 * 1024) is None
    light = {"status": "ok", "median_s": 1.0, "peak_rss_mb": 601.0, "base_rss_mb": 601.0}
    assert speed._skip_24h(light, 600, memory_mb=24 * 1024) is None
    assert speed._skip_24h({"status": "error"}, 600).startswith("skipped (no 1-h time")


def test_qrs_width_bins_errors_by_duration(ludb_path):
    """Check that the QRS-width breakdown matches expert complexes and bins them (one LUDB validation record)."""
    module = load_script("qrs_width")
    frame = module.errors("ludb", "validation", limit=1)
    assert len(frame) > 50 and frame[["onset_error_ms", "offset_error_ms"]].abs().max().max() <= 150
    assert (frame.found_duration_ms - frame.duration_ms
            == frame.offset_error_ms - frame.onset_error_ms).all()
    text = module.table(frame, "duration_ms")
    assert text.splitlines()[-1].startswith(f"| all | {len(frame)} |")


def test_wearable_devices_record_at_their_rate_with_the_marks_moved(ludb_path):
    """Check benchmarks/wearable.py: each device's lead is at its rate, quantised to its step within its rails, the
    expert marks and regions moved to that rate, the same for the same lead (seeded) and different across leads."""
    module = load_script("wearable")
    import numpy as np

    from nk_qrs_lstm.training.datasets import load_split

    first, second = load_split("ludb", "validation")[:2]
    for name, device in module.DEVICES.items():
        lead = module.device_lead(first, name)
        scale = device.rate / first.sampling_rate
        assert lead.sampling_rate == device.rate and abs(len(lead.signal) - scale * len(first.signal)) <= 1
        steps = lead.signal / device.step_mv
        assert np.allclose(steps, np.round(steps)) and np.abs(steps).max() <= 2 ** (device.bits - 1)
        np.testing.assert_allclose(lead.waves["QRS"], first.waves["QRS"] * scale)
        assert np.abs(lead.regions - first.regions * scale).max() <= 1
        np.testing.assert_array_equal(module.device_lead(first, name).signal, lead.signal)
        assert not np.array_equal(module.device_lead(second, name).signal[:1000], lead.signal[:1000])


def test_child_check_plays_a_lead_faster_with_its_marks(ludb_path):
    """Check benchmarks/child_check.py: played 2x (1.6x) as fast, a lead keeps its rate with half (5/8) of its samples,
    its QRS complexes and the expert marks and regions are moved alike (the R peak stays on the marked one)."""
    module = load_script("child_check")
    import numpy as np

    from nk_qrs_lstm.training.datasets import load_split

    ecg = load_split("ludb", "validation")[0]
    for speed, share in ((2.0, 1 / 2), (1.6, 5 / 8)):
        fast = module.played_faster(ecg, speed)
        assert fast.sampling_rate == ecg.sampling_rate and abs(len(fast.signal) - share * len(ecg.signal)) <= 1
        np.testing.assert_allclose(fast.waves["QRS"], ecg.waves["QRS"] * share)
        assert np.abs(fast.regions - ecg.regions * share).max() <= 1
        peaks = ecg.waves["QRS"][:, 1]
        peaks = peaks[np.isfinite(peaks)].astype(int)
        # the marked R peak is still the largest deflection of its neighbourhood in the faster lead
        moved = np.round(peaks * share).astype(int)
        lo = np.maximum(moved - 3, 0)
        near = [np.abs(fast.signal[a : a + 7]).max() for a in lo]
        assert np.allclose(near, np.abs(fast.signal[moved]), atol=0.15 * np.ptp(ecg.signal))


def test_continuous_sway_is_seeded_by_lead_and_lies_at_1_to_3_hz(ludb_path):
    """Check benchmarks/sway_check.py's continuous sway (tune_decoding's "sway" input): the same for the same lead,
    different across leads, throughout the lead, within 2 x its amplitude, with its power at 1-3 Hz."""
    import numpy as np

    module = load_script("sway_check")
    from nk_qrs_lstm.training.datasets import load_split

    first, second = load_split("ludb", "validation")[:2]
    added = module.continuous_sway(first, 0.15).signal - first.signal
    np.testing.assert_array_equal(module.continuous_sway(first, 0.15).signal - first.signal, added)
    assert not np.allclose(module.continuous_sway(second, 0.15).signal - second.signal, added)
    assert np.abs(added).max() <= 0.3 + 1e-9 and np.abs(added[: len(added) // 4]).max() > 0.05
    spectrum = np.abs(np.fft.rfft(added)) ** 2
    freq = np.fft.rfftfreq(len(added), 1 / first.sampling_rate)
    assert spectrum[(freq >= 0.8) & (freq <= 3.2)].sum() > 0.9 * spectrum.sum()


def test_sway_warning_script_scores_one_to_one_inside_the_regions():
    """Check tune_sway_warning's P-onset errors (one-to-one, within 150 ms, expert marks outside the regions left
    out) and its per-lead decision (the package's ``sway.swaying`` on the cached shares)."""
    module = load_script("tune_sway_warning")
    row = {"rate": 500.0, "expert_p_on": np.array([100.0, 500.0, 2000.0]), "p_on": np.array([110.0, 120.0, 900.0]),
           "regions": np.array([[0, 1000]])}
    assert module.p_errors(row) == [20.0]  # 120 is taken by no second mark; 900 is 800 ms away; 2000 is outside
    on = np.arange(20) * 500.0
    steady = {"rate": 500.0, "qrs_on": on, "share": np.full(20, 0.3)}
    swaying = {"rate": 500.0, "qrs_on": on, "share": np.full(20, 0.95)}
    assert not module.warned(steady, 0.8, 0.7) and module.warned(swaying, 0.8, 0.7)
    assert not module.warned({"rate": 500.0, "qrs_on": np.zeros(0), "share": np.zeros(0)}, 0.8, 0.7)


def test_sway_calibration_factor_is_held_non_increasing_and_capped():
    """Check calibrate_sway's fit: 1 below HOLD, non-increasing above, never above 1, and each bin's sum of correct
    over sum of confidence where that is already non-increasing."""
    import pandas as pd

    module = load_script("calibrate_sway")
    share = np.repeat([0.1, 0.55, 0.65, 0.75, 0.85, 0.95], 100)
    right = {0.1: 1.0, 0.55: 0.9, 0.65: 0.95, 0.75: 0.6, 0.85: 0.5, 0.95: 0.4}  # 0.65 above 0.55: pooled, then 1
    correct = np.concatenate([np.arange(100) < 100 * right[s] for s in (0.1, 0.55, 0.65, 0.75, 0.85, 0.95)])
    rows = pd.DataFrame({"share": share, "conf": 0.8, "correct": correct})
    factor = module.fit(rows)
    assert len(factor) == len(module.EDGES) + 1
    held = np.r_[-np.inf, module.EDGES] < module.HOLD
    assert np.all(factor[held] == 1.0) and np.all(np.diff(factor) <= 0) and factor.max() <= 1.0
    bins = module._bins(np.array([0.55, 0.65, 0.75, 0.95]))
    assert np.isclose(factor[bins[0]], 1.0) and np.isclose(factor[bins[2]], 0.75) and np.isclose(factor[bins[3]], 0.5)


def test_likeness_calibration_factor_is_non_decreasing_capped_and_one_for_alike_complexes():
    """Check calibrate_likeness's fit: non-decreasing in the likeness, never above 1, 1 in the last bin, each bin's
    sum of correct over sum of confidence where that is already in order."""
    import pandas as pd

    module = load_script("calibrate_likeness")
    like = np.repeat([-0.5, 0.2, 0.5, 0.7, 0.85, 0.95], 100)
    right = {-0.5: 0.5, 0.2: 0.7, 0.5: 0.65, 0.7: 0.9, 0.85: 0.98, 0.95: 1.0}  # 0.5 below 0.2: pooled
    correct = np.concatenate([np.arange(100) < 100 * right[v] for v in (-0.5, 0.2, 0.5, 0.7, 0.85, 0.95)])
    factor = module.fit(pd.DataFrame({"likeness": like, "conf": 1.0, "correct": correct}))
    assert len(factor) == len(module.EDGES) + 1 and factor[-1] == 1.0
    assert np.all(np.diff(factor) >= 0) and factor.max() <= 1.0
    assert np.allclose(factor[:5], [0.5, 0.675, 0.675, 0.9, 0.98])


def test_pacing_warning_rule_takes_the_most_paced_leads_under_the_false_warning_limit():
    """Check tune_pacing_warning's rule: settings over MAX_FALSE on any input are out; among the others the most
    paced leads (raw + cleaned) win, ties to the larger factor then fraction; nothing ships under MIN_PACED."""
    module = load_script("tune_pacing_warning")

    def entry(factor, fraction, false, raw, clean=0):
        return {"factor": factor, "fraction": fraction, "false": {("ludb", "train", "raw"): false},
                "paced": {"raw": [raw, 96], "clean": [clean, 96]}}

    loud = entry(0.2, 0.3, 2 * module.MAX_FALSE, 90)
    tie_low, tie_high = entry(0.3, 0.5, 0.0, 50), entry(0.3, 0.7, 0.0, 50)
    assert module.choose([loud, tie_low, tie_high, entry(0.5, 0.7, 0.0, 40)]) is tie_high
    assert module.choose([entry(0.5, 0.7, 0.0, int(module.MIN_PACED * 96) - 1)]) is None
    assert module.choose([loud]) is None
    row = {"beats": 10, "spiked": {0.3: 7}}
    assert module.warned(row, 0.3, 0.7) and not module.warned(row, 0.3, 0.8)
    assert not module.warned({"beats": 3, "spiked": {0.3: 3}}, 0.3, 0.7)  # fewer than PACING_MIN_BEATS


def test_pacing_noise_floor_rule_takes_the_smallest_floor_keeping_paced_leads_and_quiet_in_noise():
    """Check pacing_noise_check's rule: a floor that changes a paced lead's warning on raw input, or warns on more
    than MAX_FALSE of the non-paced noisy validation leads, is out; the smallest other floor wins; None if none."""
    module = load_script("pacing_noise_check")
    floors = (4.0, 5.0, 6.0)
    rows = {("train", "raw", True): [72, 37, 36, 37, 37],  # floor 4 loses a paced lead
            ("validation", "raw", True): [24, 11, 11, 11, 11],
            ("validation", "white 0.1 mV", False): [456, 248, 0, 9, 0],  # floor 5 warns 2 %
            ("validation", "white 0.1 mV", True): [24, 24, 0, 0, 0],  # paced noisy leads: reported, not judged
            ("train", "raw", False): [1368, 1, 1, 1, 1]}
    assert module.choose(rows, floors) == 6.0
    rows[("validation", "white 0.1 mV", False)][4] = 10
    assert module.choose(rows, floors) is None
    assert [name for name, _ in module.conditions(type("E", (), {"signal": np.zeros(10)})(), "train", 0)] == ["raw"]


def test_sweep_counts_our_input_validation_as_a_refusal_and_nothing_else():
    """Check sweep._is_refusal: a ValueError from the front door's checks (a rate of 0 in _checks.py, a lead too
    short in _validation.validate_input) is a refusal; the same error raised elsewhere is a crash."""
    module = load_script("sweep")
    import nk_qrs_lstm

    for signal, rate in ((np.zeros(5000), 0), (np.zeros(10), 500)):
        with pytest.raises(ValueError) as info:
            nk_qrs_lstm.ecg_delineate(signal, sampling_rate=rate)
        assert module._is_refusal(info.value)
    try:
        raise ValueError("elsewhere")
    except ValueError as exc:
        assert not module._is_refusal(exc)


def test_paf_check_counts_sinus_p_and_af_beats_by_their_distance_to_a_change_of_rhythm():
    """Check paf_check: the chained pieces' P marks and changes of rhythm, the AF runs, and the counts: a sinus P
    right within 50 ms, missed, or within 0.3 s of a change (not counted); AF beats with and without a P wave, near a
    change (within the gate's context) or farther."""
    module = load_script("paf_check")
    pieces = [(np.zeros(4000), np.array([500.0, 3000.0])), (np.zeros(6000), None), (np.zeros(4000), None),
              (np.zeros(4000), np.array([100.0, 3000.0]))]
    pattern = ("sinus", "af", "af", "sinus")
    x, p_true, starts = module.chain(pieces)
    assert len(x) == 18000 and starts == [0, 4000, 10000, 14000]
    assert p_true.tolist() == [500.0, 3000.0, 14100.0, 17000.0]
    change_at = module.changes(starts, pattern)
    af = module.spans(starts, len(x), "af", pattern)
    assert change_at == [4000, 14000] and af == [(4000, 14000)]
    p_found = np.array([510.0, np.nan, 5000.0, np.nan, 9500.0, 17100.0])
    qrs_on = np.array([560.0, 3060.0, 5100.0, 8000.0, 9600.0, 17060.0])
    got = module.count(p_true, p_found, qrs_on, af, change_at, rate=500, context_s=7.5)
    # sinus: 500 right and 3000 missed lie within 7.5 s of the change at 4000; 14100 is within 0.3 s: left out;
    # 17000 (3 s after the change at 14000) is missed by 100 samples (200 ms)
    assert got["sinus near"] == [3, 1] and got["sinus far"] == [0, 0]
    # AF beats 150 samples or more inside the run: 5100 (P, 1100 from the change: near), 8000 (no P) and 9600 (P),
    # 4000 and 4400 from the changes: farther than 3750
    assert got["af near"] == [1, 1] and got["af far"] == [2, 1]
    got = module.count(p_true, p_found, qrs_on, af, change_at, rate=500, context_s=1.0)
    assert got["af far"] == [3, 2] and got["af near"] == [0, 0] and got["sinus far"] == [3, 1]


def test_cached_builds_once_and_reads_after(tmp_path):
    """Check tune_decoding.cached, which the warning-tuning scripts keep their per-lead work in: the first call
    builds and pickles, a later call reads the file without building."""
    module = load_script("tune_decoding")
    built = []

    def make():
        built.append(1)
        return [{"lead": "ii", "beats": 3}]

    path = tmp_path / "sub" / "rows.pkl"
    assert module.cached(str(path), make) == [{"lead": "ii", "beats": 3}] and path.exists()
    assert module.cached(str(path), make) == [{"lead": "ii", "beats": 3}] and len(built) == 1


def test_intervals_pair_each_expert_beat_with_its_own_p_and_t_and_summarise_per_lead():
    """Check the interval script's rules: an expert beat takes the last P onset since the previous QRS and the first
    T offset before the next; a method's beats count only where paired with an expert QRS onset; a missing lead is
    outside the tolerance of all leads but not of the compared ones."""
    intervals = load_script("intervals")
    nan = np.nan
    waves = {"QRS": np.array([[100.0, 110, 150], [600, 610, 650]]),
             "P": np.array([[20.0, 40, 60], [520, 540, 560], [530, 545, 570]]),
             "T": np.array([[300.0, 350, 400], [800, 850, 900]])}
    rows = intervals.expert_beats(waves)
    np.testing.assert_array_equal(rows, [[20, 100, 150, 400], [530, 600, 650, 900]])
    predicted = intervals.predicted_beats({"ECG_P_Onsets": [25, None, 2000], "ECG_R_Onsets": [104, 3000, 612],
                                           "ECG_R_Offsets": [150, 3050, 660], "ECG_T_Offsets": [395, nan, 905]})
    expert, found = intervals.paired(rows, predicted, rate=500)
    np.testing.assert_array_equal(found[:, 1], [104, 612])  # the beat at 3000 has no expert beat within 150 ms
    assert intervals.median_ms(found, "QRS", 500) == np.median([92.0, 96.0])
    summary = intervals.summarise([(100.0, 105.0), (100.0, 130.0), (100.0, nan), (nan, 90.0)], "PR")
    assert (summary["leads"], summary["within"], round(summary["within_all"], 1)) == (3, 50.0, 33.3)
