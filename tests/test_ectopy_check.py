"""benchmarks/ectopy_check.py: the construction of the ectopic beats and the scoring (no network needed)."""

import numpy as np
import pytest

from benchmark_scripts import load_script

RATE = 500


@pytest.fixture(scope="module")
def ectopy():
    """The script as a module."""
    return load_script("ectopy_check")


def _lead(n_beats=24, rr=400, seed=0):
    """A sinus lead at 500 Hz (RR 800 ms) with its marks: P 80 ms, PR 160 ms, QRS 90 ms (upright), T to 340 ms."""
    t = np.arange(n_beats * rr + 2 * rr)
    x = 0.01 * np.random.default_rng(seed).standard_normal(len(t))
    beats = []
    for k in range(n_beats):
        on = rr + k * rr
        p_on, off, t_off = on - 80, on + 45, on + 170
        x += 0.15 * np.exp(-0.5 * ((t - (p_on + 20)) / 6.0) ** 2)
        x += 1.0 * np.exp(-0.5 * ((t - (on + 20)) / 5.0) ** 2) - 0.3 * np.exp(-0.5 * ((t - (on + 33)) / 4.0) ** 2)
        x += 0.3 * np.exp(-0.5 * ((t - (on + 120)) / 15.0) ** 2)
        beats.append({"qrs_on": on, "r": on + 20, "qrs_off": off, "p_on": p_on, "t_off": t_off})
    return x, beats


def test_patterns_mark_the_right_beats(ectopy):
    """Check which beats each pattern makes ectopic."""
    marked = {p: [i for i in range(16) if f(i)] for p, f in ectopy.PATTERNS.items()}
    assert marked == {"bigeminy": [1, 3, 5, 7, 9, 11, 13, 15], "trigeminy": [2, 5, 8, 11, 14], "isolated8": [4, 12],
                      "couplet": [2, 3, 7, 8, 12, 13], "pac_aberrant": [3, 7, 11, 15]}


def test_pvc_is_wider_than_its_template_discordant_and_inverted_on_demand(ectopy):
    """Check make_pvc: QRS stretched by the factor, zero at both ends, T opposite to the QRS, negated if inverted."""
    x, beats = _lead()
    beat = beats[5]
    pvc, n_qrs = ectopy.make_pvc(x, beat, 1.6, "same")
    width = beat["qrs_off"] - beat["qrs_on"]
    assert n_qrs == round(width * 1.6) > width
    assert abs(pvc[0]) < 1e-12 and abs(pvc[-1]) < 1e-12
    qrs, tw = pvc[:n_qrs + 1], pvc[n_qrs:]
    assert np.sign(tw[np.argmax(np.abs(tw))]) == -np.sign(qrs.sum())
    inverted, _ = ectopy.make_pvc(x, beat, 1.6, "inverted")
    np.testing.assert_allclose(inverted, -pvc)


@pytest.mark.parametrize("pattern, replaced", [("bigeminy", list(range(1, 23, 2))),
                                               ("couplet", [2, 3, 7, 8, 12, 13, 17, 18])])  # 22-23: no next beat
def test_pvcs_are_premature_by_the_drawn_coupling_and_120_to_160_ms_wide(ectopy, pattern, replaced):
    """Check build_lead: the marked beats are replaced by PVCs 120-160 ms wide (wider than the sinus QRS), each
    starting at its drawn coupling x RR after the previous QRS onset; the other beats and the signal before the
    first change are kept; the same seed gives the same lead."""
    x, beats = _lead()
    y, sinus, pvcs = ectopy.build_lead(x, beats, pattern, "same", 7, RATE)
    assert [p["replaced"] for p in pvcs] == replaced
    assert len(sinus) + len(pvcs) == len(beats)
    onsets = {b["qrs_on"]: b for b in beats}
    for k, p in enumerate(pvcs):
        width = p["qrs_off"] - p["qrs_on"]
        assert 0.120 * RATE - 1 <= width <= 0.160 * RATE + 1 and width > 45
        first = k == 0 or pvcs[k - 1]["replaced"] != p["replaced"] - 1
        before = beats[p["replaced"] - 1]["qrs_on"] if first else pvcs[k - 1]["qrs_on"]
        assert p["qrs_on"] - before == round(p["coupling"] * p["rr"])
        assert (0.55 <= p["coupling"] <= 0.70) if first else (0.60 <= p["coupling"] <= 0.75)
        assert p["qrs_on"] not in onsets and p["p_on"] is None
    np.testing.assert_array_equal(y[:beats[0]["t_off"]], x[:beats[0]["t_off"]])
    again, _, same = ectopy.build_lead(x, beats, pattern, "same", 7, RATE)
    np.testing.assert_array_equal(again, y)
    assert same == pvcs
    other = ectopy.build_lead(x, beats, pattern, "same", 8, RATE)[2]
    assert [p["coupling"] for p in other] != [p["coupling"] for p in pvcs]
    base, kept, none = ectopy.build_lead(x, beats, "baseline", "-", 7, RATE)
    assert base is x and kept == beats and none == []


def test_aberrant_pacs_keep_their_own_p_at_the_usual_pr(ectopy):
    """Check pac_aberrant: every 4th beat 20-30 % early, its P onset one PR (the template's) before its QRS, its QRS
    1.3-1.5x the template's, and the waveform there the template's P."""
    x, beats = _lead()
    y, sinus, pacs = ectopy.build_lead(x, beats, "pac_aberrant", "same", 3, RATE)
    assert [p["replaced"] for p in pacs] == [3, 7, 11, 15, 19]
    width = beats[0]["qrs_off"] - beats[0]["qrs_on"]
    for p in pacs:
        assert 0.70 <= p["coupling"] <= 0.80
        assert p["qrs_on"] - beats[p["replaced"] - 1]["qrs_on"] == round(p["coupling"] * p["rr"])
        assert p["qrs_on"] - p["p_on"] == 80
        assert 1.3 * width - 1 <= p["qrs_off"] - p["qrs_on"] <= 1.5 * width + 1
        bump = y[p["p_on"]:p["qrs_on"]]
        assert 0.1 < bump.max() - bump.min() < 0.25  # the P (0.15) on a flat baseline


def test_tile_repeats_the_marked_cycles(ectopy):
    """Check read_beats on LUDB-style marks and tile: 4 copies of the stretch between the first and last diastolic
    cut, the marks shifted with them."""
    x, beats = _lead(n_beats=6)
    samples, symbols = [], []
    for b in beats:
        marks = ((b["p_on"], b["p_on"] + 20, b["qrs_on"] - 20, "p"), (b["qrs_on"], b["r"], b["qrs_off"], "N"),
                 (b["qrs_off"] + 40, b["r"] + 100, b["t_off"], "t"))
        for on, peak, off, s in marks:
            samples += [on, peak, off]
            symbols += ["(", s, ")"]
    read = ectopy.read_beats(np.array(samples), symbols, RATE)
    assert read == beats
    y, tiled = ectopy.tile(x, read)
    cuts = [(a["t_off"] + b["p_on"]) // 2 for a, b in zip(beats[:-1], beats[1:])]
    span = cuts[-1] - cuts[0]
    assert len(y) == len(x) + 3 * span and len(tiled) == 4 * 4  # beats 1-4 lie between the first and last cut
    assert tiled[4]["qrs_on"] == beats[1]["qrs_on"] + span
    np.testing.assert_allclose(y[tiled[5]["qrs_on"]:tiled[5]["qrs_off"]],
                               x[beats[2]["qrs_on"]:beats[2]["qrs_off"]], atol=0.02)
    assert ectopy.tile(x, beats[:2]) is None


def test_pairing_is_one_to_one_and_nearest(ectopy):
    """Check that two labelled beats inside one widened QRS take it once (the nearer one), and a beat between two
    rows pairs with the nearer."""
    rows = {"on": np.array([100.0, 300.0, 400.0]), "off": np.array([125.0, 325.0, 425.0])}
    # at 250 Hz, 40 ms = 10 samples: windows [90, 135], [290, 335], [390, 435]
    idx = ectopy.paired_rows([95, 114, 200, 333, 392], rows, 250)
    assert list(idx) == [-1, 0, -1, 1, 2]
    assert list(ectopy.pair([5.0, 5.0], [0.0, 0.0], [10.0, 10.0])) == [0, 1]


def test_p_onset_within_50_ms_is_right(ectopy):
    """Check the P-right metric: a 40-ms error is right, a 60-ms one wrong, none (NaN) wrong."""
    right = ectopy.p_right([1000, 1000, 1000, 1000], [1020, 980, 1030, np.nan], RATE)
    assert list(right) == [True, True, False, False]


def test_score_lead_counts_sinus_p_and_false_p(ectopy):
    """Check score_lead: sinus P right within 50 ms, a PVC given a P counted with its confidence, one unfound."""
    sinus = [{"qrs_on": 1000, "qrs_off": 1045, "p_on": 920}, {"qrs_on": 1400, "qrs_off": 1445, "p_on": 1320}]
    pvcs = [{"qrs_on": 1650, "qrs_off": 1720, "p_on": None}, {"qrs_on": 3000, "qrs_off": 3070, "p_on": None}]
    rows = {"on": np.array([1002.0, 1401.0, 1656.0]), "off": np.array([1046.0, 1440.0, 1710.0]),
            "p_on": np.array([900.0, 1350.0, 1580.0]), "p_conf": np.array([0.99, 0.95, 0.893])}
    score = ectopy.score_lead(sinus, pvcs, rows, RATE)
    assert score == {"sinus_p": 1, "sinus_n": 2, "ectopic_n": 2, "ectopic_found": 1, "pac_p": 0, "false_p": 1,
                     "conf": [0.893], "sinus_p_sure": 1, "false_p_sure": 0}  # min_confidence=0.9 drops the false P


def test_sinus_records_leave_out_blocks_and_ectopy(ectopy, ludb_path):
    """Check the LUDB records of the synthetic part (validation split, sinus, no block / extrasystole in the header)."""
    assert ectopy.sinus_records(ludb_path, 14) == ["12", "39", "40", "58", "62", "67", "73", "79", "91", "98", "119",
                                                    "133", "142", "143"]


def test_atr_report_counts_per_class_and_record(ectopy):
    """Check the .atr tables from two fake lead entries: classes pooled, P counted among the found beats only."""
    def entry(record, kind, symbols, found, p_on):
        return {"record": record, "input": kind, "symbol": np.array(symbols), "found": np.array(found),
                "p_on": np.array(p_on, dtype=float), "conf": np.full(len(symbols), 0.9), "warn": 1}
    leads = [entry("a", "raw", ["N", "V", "V", "J"], [True, True, False, True], [1, 2, 3, np.nan]),
             entry("b", "raw", ["N", "Q"], [True, True], [1, 1])]
    lines = ectopy.atr_report(leads, ["c"], "validation", ["raw"])
    assert "| raw | V | 2 | 1 | 1/1 (100.0 %) | 0.900 |" in lines
    assert "| raw | N | 2 | 2 | 2/2 (100.0 %) | 0.900 |" in lines
    assert "| raw | other (J, Q) | 2 | 2 | 1/2 (50.0 %) | 0.900 |" in lines
    assert "| a | 2 | 1 | 1 |" in lines and not any(line.startswith("| b |") for line in lines)
    assert "left out): c." in lines[2] and "Warnings given: raw 2." in lines[2]
