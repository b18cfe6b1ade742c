"""benchmarks/rhythm_check.py: the RR generators, the re-timed cycles, the seeding and the scoring (no network)."""

import numpy as np
import pytest

from benchmark_scripts import load_script

RATE = 500


@pytest.fixture(scope="module")
def rc():
    """The script as a module."""
    return load_script("rhythm_check")


def _cycle(pr=80, qrs=45, st=250):
    """A cycle as ``cycles_of`` cuts it: 20-sample pad, P (onset at 20, 50 samples), QRS, T, 20-sample pad."""
    pad = 20
    q0 = pad + pr
    n = q0 + qrs + st + pad
    t = np.arange(n, dtype=float)
    w = (0.15 * np.exp(-0.5 * ((t - (pad + 25)) / 8.0) ** 2) + np.exp(-0.5 * ((t - (q0 + 20)) / 5.0) ** 2)
         + 0.3 * np.exp(-0.5 * ((t - (q0 + qrs + 120)) / 25.0) ** 2))
    return {"wave": w - np.linspace(w[0], w[-1], n), "p_on": pad, "p_off": pad + 50, "qrs_on": q0, "qrs_off": q0 + qrs}


def test_condition_names_parse(rc):
    """Check the faint-P suffix and the regular rebuilt control."""
    assert rc.parse_condition("rsa40_p50") == ("rsa40", 0.5)
    assert rc.parse_condition("reg_p30") == ("control_rebuilt", 0.3)
    assert rc.parse_condition("tachy_rand20") == ("tachy_rand20", 1.0)
    assert rc.parse_condition("control_tiled") == ("control_tiled", 1.0)


@pytest.mark.parametrize("depth", [10, 20, 30, 40])
def test_rsa_modulates_the_rr_by_its_depth(rc, depth):
    """Check RSA's RR swings to RR0 (1 +- depth) over 3-6-s periods."""
    rr_fn = rc.rr_function(f"rsa{depth}", 0.8, np.random.default_rng(depth))
    rr = np.array([rr_fn(t) for t in np.linspace(0, 30, 3001)])
    assert rr.max() == pytest.approx(0.8 * (1 + depth / 100), rel=1e-3)
    assert rr.min() == pytest.approx(0.8 * (1 - depth / 100), rel=1e-3)
    crossings = np.flatnonzero(np.diff(np.sign(rr - 0.8)) > 0)  # upward crossings: one per period
    assert 3.0 <= np.median(np.diff(crossings)) * 0.01 <= 6.0


@pytest.mark.parametrize("name, low, high", [("rand15", 0.85 * 0.8, 1.15 * 0.8), ("rand25", 0.75 * 0.8, 1.25 * 0.8),
                                             ("wap", 0.8 * 0.8, 1.2 * 0.8), ("mat", 0.6 * 0.8 / 1.3, 72 / 100.0),
                                             ("tachy_rand20", 0.8 * 60 / 130, 1.2 * 60 / 100)])
def test_random_rr_stays_in_its_range_and_fills_it(rc, name, low, high):
    """Check random RRs lie in their range and use most of it."""
    rr_fn = rc.rr_function(name, 0.8, np.random.default_rng(1))
    rr = np.array([rr_fn(t) for t in range(400)])
    assert low <= rr.min() and rr.max() <= high
    if name.startswith("rand") or name == "wap":
        assert rr.min() < low + 0.1 * (high - low) and rr.max() > high - 0.1 * (high - low)
    assert np.std(rr) > 0


def test_fixed_rhythms(rc):
    """Check the regular tachycardia is 100-130 bpm and steady, brady-tachy alternates 50 / 110 bpm each 10 s,
    pauses of 2-3 s fall at the 10-s marks, and the QRS times stop before the end."""
    rng = np.random.default_rng(0)
    rr = rc.rr_function("tachy_reg", 0.8, rng)
    assert rr(0.0) == rr(7.3) and 60 / 130 <= rr(0.0) <= 60 / 100
    times, rrs = rc.qrs_times(rc.rr_function("brady_tachy", 0.8, rng))
    assert set(np.round(rrs, 3)) == {1.2, round(60 / 110, 3)}
    assert len({round(r, 3) for t, r in zip(times, rrs) if 10 <= t < 20}) == 1
    times, rrs = rc.qrs_times(rc.rr_function("pauses", 0.8, rng))
    long = times[rrs > 1.0]
    assert len(long) >= 2 and np.all((rrs[rrs > 1.0] >= 2.0) & (rrs[rrs > 1.0] <= 3.0))
    assert np.array_equal((times - rc.FIRST_QRS_S) % 10 > 10 - 0.8, rrs > 1.0)  # the beats just before a 10-s mark
    assert times[0] == rc.FIRST_QRS_S and times[-1] + rc.END_S <= rc.DURATION_S
    assert np.allclose(np.diff(times), rrs[:-1])


def test_retimed_cycles_keep_their_pr_and_move_their_marks(rc):
    """Check every re-timed beat keeps its cycle's P-QRS distance and its P-QRS waveform at the moved marks."""
    cycles = [_cycle(pr=80), _cycle(pr=100, qrs=50)]
    times, rrs = rc.qrs_times(rc.rr_function("rsa30", 1.0, np.random.default_rng(3)))
    y, truth = rc.rebuild(cycles, times, rrs, 1.0, np.random.default_rng(3), noise=0.0)
    assert len(truth) == len(times)
    for i, (t, b) in enumerate(zip(times, truth)):
        c = cycles[i % 2]
        assert b["qrs_on"] == int(round(t * RATE))
        assert b["qrs_on"] - b["p_on"] == c["qrs_on"] - c["p_on"]
        assert b["qrs_off"] - b["qrs_on"] == c["qrs_off"] - c["qrs_on"]
        start = b["p_on"] - c["p_on"]
        assert np.allclose(y[b["p_on"]:b["qrs_off"] + 1], c["wave"][c["p_on"]:c["qrs_off"] + 1], atol=1e-3)
        assert start >= 0


def test_st_t_scales_with_the_rr(rc):
    """Check the ST-T part is time-scaled by sqrt(RR / RR0), clipped, and the pre-QRS part untouched."""
    c = _cycle()
    n_st = len(c["wave"]) - c["qrs_off"]
    for rr, factor in ((1.0, 1.0), (0.64, 0.8), (0.2, 0.6), (2.0, 1.15)):
        wave, p_on, q0, q1 = rc.beat_wave(c, rr, 1.0)
        assert (p_on, q0, q1) == (c["p_on"], c["qrs_on"], c["qrs_off"])
        assert len(wave) - q1 == int(round((n_st - 1) * factor)) + 1


def test_donor_p_replaces_the_own_p_at_the_shifted_pr(rc):
    """Check a donor P lies ``shift`` samples before the cycle's P onset and the own P is gone."""
    c = _cycle()
    donor = -0.2 * np.hanning(40)
    wave, p_on, q0, q1 = rc.beat_wave(c, 1.0, 1.0, donor=donor, shift=15)
    assert q0 - p_on == c["qrs_on"] - c["p_on"] + 15
    assert np.allclose(wave[p_on:p_on + 40], donor, atol=0.02)
    assert np.abs(wave[p_on + 45:q0 - 5]).max() < 0.02  # the own P (upright, 0.15) is ramped away
    faint = rc.faint(c, 0.3)
    assert np.allclose(faint["wave"][c["p_on"]:c["p_off"] + 1], 0.3 * c["wave"][c["p_on"]:c["p_off"] + 1])
    assert np.array_equal(faint["wave"][c["qrs_on"]:], c["wave"][c["qrs_on"]:])


def test_seeds_are_stable_and_independent_of_the_condition_order(rc):
    """Check a condition's seed depends on record, lead and name only, and builds the same signal in any order."""
    assert rc.seed_of("143", "v1", "rsa40") == 248098640  # zlib.crc32(b"143/v1/rsa40"): stable across runs
    assert len({rc.seed_of(r, ld, c) for r in ("12", "143") for ld in ("ii", "v1") for c in ("rsa40", "mat")}) == 8
    material = {"cycles": [_cycle(), _cycle(pr=100)], "rr0": 0.9, "donors": [0.1 * np.hanning(30)] * 4,
                "tiled": (np.zeros(10), [])}
    built = {}
    for order in (["rsa20", "mat", "rand25_p50"], ["rand25_p50", "rsa20", "mat"]):
        for name in order:
            y, truth = rc.make_condition(name, material, rc.seed_of("12", "ii", name))
            if name in built:
                assert np.array_equal(built[name][0], y) and built[name][1] == truth
            built[name] = (y, truth)
    assert not np.array_equal(built["rsa20"][0][:1000], built["mat"][0][:1000])
    assert np.array_equal(material["cycles"][0]["wave"], _cycle()["wave"])  # faint P built on copies


def test_scoring_counts_40_ms_right_and_60_ms_wrong(rc):
    """Check a P onset 40 ms off is right, 60 ms off is wrong, an absent one missing, an unfound QRS neither."""
    truth = [{"p_on": 900 + 500 * k, "qrs_on": 1000 + 500 * k, "qrs_off": 1045 + 500 * k} for k in range(4)]
    rows = {"on": np.array([1000.0, 1500.0, 2000.0]), "off": np.array([1045.0, 1545.0, 2045.0]),
            "p_on": np.array([900.0 + 20, 1400.0 - 30, np.nan])}  # +40 ms, -60 ms, none; the 4th QRS not found
    assert rc.score(truth, rows) == {"n": 4, "right": 1, "missing": 1}
