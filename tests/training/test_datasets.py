"""Tests for nk_qrs_lstm.training.datasets (LUDB / QTDB readers, labels, splits)."""

import os
import re
from collections import Counter

import numpy as np
import pytest
import wfdb

from nk_qrs_lstm.training.datasets import (
    AnnotatedECG,
    load_split,
    load_splits,
    ludb_records,
    make_labels,
    make_splits,
    parse_waves,
    qtdb_beats,
    qtdb_records,
    read_ludb,
    read_qtdb,
)
from nk_qrs_lstm.defaults import UNLABELLED

NAN = np.nan
EMPTY = np.empty((0, 3))


# --------------------------------------------------------------------------- parse_waves
def test_parse_waves_full_and_missing_brackets():
    """Check that peaks take the adjacent brackets only, and a missing bracket is NaN."""
    w = parse_waves(
        [10, 20, 30, 50, 60, 100, 130, 140, 200],
        ["(", "p", ")", "N", ")", "(", "t", "(", "N"],
    )
    assert w["P"].tolist() == [[10.0, 20.0, 30.0]]
    np.testing.assert_array_equal(w["QRS"], [[NAN, 50, 60], [140, 200, NAN]])
    np.testing.assert_array_equal(w["T"], [[100, 130, NAN]])  # the "(" at 140 belongs to the QRS


def test_parse_waves_beat_codes_are_qrs():
    """Check that beat codes such as V, A and B are read as QRS and u as a U wave."""
    w = parse_waves([10, 20, 30, 40, 50, 60, 70], ["(", "V", ")", "A", "B", "u", ")"])
    np.testing.assert_array_equal(w["QRS"], [[10, 20, 30], [NAN, 40, NAN], [NAN, 50, NAN]])
    np.testing.assert_array_equal(w["U"], [[NAN, 60, 70]])
    assert w["P"].shape == (0, 3) and w["T"].shape == (0, 3)


def test_parse_waves_brackets_without_peak():
    """Check that a peak-less pair is a wave of unknown kind, a lone bracket is nothing, and empty input is empty."""
    w = parse_waves([1, 2, 3], ["(", ")", ")"])
    np.testing.assert_array_equal(w["?"], [[1.0, NAN, 2.0]])
    assert all(v.shape == (0, 3) for k, v in w.items() if k != "?")
    w = parse_waves([], [])
    assert sorted(w) == ["?", "P", "QRS", "T", "U"] and all(v.shape == (0, 3) for v in w.values())


def test_parse_waves_ignores_non_wave_symbols():
    """Check that rhythm, noise and comment marks are not read as QRS complexes."""
    w = parse_waves([1, 2, 3, 4, 5], ["+", "(", "N", ")", "~"])
    assert w["QRS"].tolist() == [[2.0, 3.0, 4.0]]


# --------------------------------------------------------------------------- make_labels
def test_make_labels_regions_and_classes():
    """Check that labels are -1 outside the regions, the wave class on [onset, offset] and 0 elsewhere."""
    waves = {"P": np.array([[2.0, 3.0, 4.0]]), "QRS": np.array([[6.0, 7.0, 8.0]]), "T": np.array([[11.0, 13.0, 15.0]])}
    labels = make_labels(20, waves, np.array([[1, 17]]))
    assert labels.dtype == np.int8
    assert labels.tolist() == [-1, 0, 1, 1, 1, 0, 2, 2, 2, 0, 0, 3, 3, 3, 3, 3, 0, -1, -1, -1]


def test_make_labels_missing_side_and_masks():
    """Check that an unknown onset leaves a wave-length before the peak unlabelled and masks are applied."""
    waves = {"P": EMPTY, "QRS": EMPTY, "T": np.array([[NAN, 10.0, 13.0]])}
    labels = make_labels(20, waves, np.array([[0, 20]]), masks=np.array([[0, 2]]))
    assert labels.tolist() == [-1, -1, 0, 0, 0, 0, -1, -1, -1, -1, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0]


def test_make_labels_clips_to_the_signal():
    """Check that regions and waves reaching past the signal are clipped, not wrapped."""
    waves = {"P": EMPTY, "QRS": np.array([[-3.0, 1.0, 2.0], [8.0, 9.0, 14.0]]), "T": EMPTY}
    labels = make_labels(10, waves, np.array([[-5, 30]]))
    assert labels.tolist() == [2, 2, 2, 0, 0, 0, 0, 0, 2, 2]


def test_make_labels_peak_only_wave_is_not_background():
    """Check that a wave with neither onset nor offset leaves its surroundings unlabelled, not background."""
    waves = {"P": EMPTY, "QRS": np.array([[NAN, 20.0, NAN]]), "T": EMPTY}
    labels = make_labels(40, waves, np.array([[0, 40]]), sampling_rate=100)
    assert labels[20] == 2
    assert np.all(labels[10:31] != 0)  # 0.10 s either side at 100 Hz


# --------------------------------------------------------------------------- LUDB
def test_ludb_has_200_records(ludb_path):
    """Check that LUDB lists the 200 records '1' .. '200'."""
    assert ludb_records(ludb_path) == [str(i) for i in range(1, 201)]


def test_read_ludb_record_1_lead_ii(ludb1_ii):
    """Check that LUDB record 1 lead ii has its known first annotations and labelled region."""
    ecg = ludb1_ii
    assert isinstance(ecg, AnnotatedECG)
    assert (ecg.record, ecg.lead, ecg.database, ecg.sampling_rate) == ("1", "ii", "ludb", 500.0)
    assert ecg.signal.shape == (5000,) and ecg.signal.dtype == np.float64
    assert ecg.waves["QRS"][0].tolist() == [644.0, 662.0, 682.0]
    assert ecg.waves["T"][0].tolist() == [776.0, 843.0, 878.0]
    assert ecg.waves["P"][0].tolist() == [1250.0, 1278.0, 1302.0]
    assert ecg.regions.tolist() == [[644, 3997]]


def test_ludb_labels_record_1_lead_ii(ludb1_ii):
    """Check that labels are -1 outside [644, 3997) and the expected classes inside."""
    labels = ludb1_ii.labels()
    assert labels.shape == (5000,)
    assert np.all(labels[:644] == UNLABELLED) and np.all(labels[3997:] == UNLABELLED)
    assert np.all(labels[644:3997] >= 0)
    assert np.all(labels[644:683] == 2)
    assert np.all(labels[683:776] == 0)
    assert np.all(labels[776:879] == 3)
    assert np.all(labels[879:1250] == 0)
    assert np.all(labels[1250:1303] == 1)
    assert set(np.unique(labels).tolist()) == {-1, 0, 1, 2, 3}


def test_ludb_fiducials_record_1_lead_ii(ludb1_ii):
    """Check that fiducials() gives NeuroKit's keys with sorted int64 samples."""
    fid = ludb1_ii.fiducials()
    assert sorted(fid) == sorted(
        f"ECG_{w}_{p}" for w in ("P", "R", "T") for p in ("Onsets", "Peaks", "Offsets")
    )
    assert fid["ECG_R_Onsets"][:2].tolist() == [644, 1324]
    assert all(v.dtype == np.int64 and np.all(np.diff(v) > 0) for v in fid.values())


def test_read_ludb_all_leads_and_errors(ludb_path, tmp_path):
    """Check that all 12 leads are read by default, and an unknown lead or folder gets a clear message."""
    ecgs = read_ludb("1", path=ludb_path)
    assert [e.lead for e in ecgs] == ["i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6"]
    with pytest.raises(ValueError, match=re.escape(
        "lead 'II' is not in LUDB record 1; leads are ['i', 'ii', 'iii', 'avr', 'avl', 'avf', 'v1', "
        "'v2', 'v3', 'v4', 'v5', 'v6']."
    )):
        read_ludb(1, path=ludb_path, leads=["II"])
    missing = str(tmp_path / "ludb")
    with pytest.raises(FileNotFoundError, match=re.escape(
        f"LUDB folder {missing!r} does not exist. Download the database with "
        "wfdb.dl_database('ludb', PATH) and pass PATH."
    )):
        read_ludb(1, path=missing)


def test_ludb_peak_before_onset_keeps_the_wave(ludb_path):
    """Check that LUDB 7 v1's QRS marked N@1765 (@1766 )@1796 is not labelled background."""
    ecg = read_ludb(7, path=ludb_path, leads=["v1"])[0]
    labels = ecg.labels()
    assert np.all(labels[1767:1796] != 0)


def test_ludb_peakless_pair_is_not_background(ludb_path):
    """Check that LUDB 8 v5's unnamed wave (@1066 )@1138 is not labelled background."""
    labels = read_ludb(8, path=ludb_path, leads=["v5"])[0].labels()
    assert np.all(labels[1067:1138] != 0)


# --------------------------------------------------------------------------- QTDB
def test_qtdb_has_53_records(qtdb_path):
    """Check that the QTDB subset lists 53 records, sel100 first."""
    records = qtdb_records(qtdb_path)
    assert len(records) == 53 and len(set(records)) == 53 and records[0] == "sel100"


def test_read_qtdb_sel100(sel100):
    """Check sel100's leads, region, first beat, masks and labels (T onset not annotated)."""
    assert [e.lead for e in sel100] == ["MLII", "V5"]
    ecg = sel100[0]
    assert ecg.sampling_rate == 250.0 and ecg.signal.shape == (225000,) and ecg.database == "qtdb"
    assert ecg.regions.tolist() == [[150272, 156197]]
    beats = ecg.extra["beats"]
    assert beats.shape == (30, 9)
    np.testing.assert_array_equal(
        beats[0], [150272, 150290, 150297, 150316, 150330, 150334, NAN, 150394, 150419]
    )
    assert np.isnan(beats[:, 6]).all()  # no T onset is marked in sel100's q1c
    assert ecg.extra["masks"][0].tolist() == [150335, 150394]  # QRS offset + 1 .. T peak
    labels = ecg.labels()
    assert np.all(labels[:150272] == UNLABELLED) and np.all(labels[156197:] == UNLABELLED)
    assert np.all(labels[150272:150298] == 1)
    assert np.all(labels[150316:150335] == 2)
    assert np.all(labels[150335:150394] == UNLABELLED)  # the ST stretch is unknown
    assert np.all(labels[150394:150420] == 3)
    np.testing.assert_array_equal(sel100[1].waves["T"], ecg.waves["T"])  # one reference for both leads


def test_qtdb_beats_attach_p_and_t_to_their_qrs():
    """Check that qtdb_beats takes the last P before and the first T after each QRS."""
    waves = {
        "P": np.array([[0, 5, 8], [10, 15, 18]], dtype=float),
        "QRS": np.array([[20, 25, 30], [80, 85, 90]], dtype=float),
        "T": np.array([[NAN, 50, 60], [NAN, 70, 75]], dtype=float),
    }
    beats = qtdb_beats(waves)
    np.testing.assert_array_equal(beats[0], [10, 15, 18, 20, 25, 30, NAN, 50, 60])
    np.testing.assert_array_equal(beats[1], [NAN, NAN, NAN, 80, 85, 90, NAN, NAN, NAN])


def test_read_qtdb_missing_annotator(qtdb_path):
    """Check that asking for an annotation file the record lacks names the record and annotator."""
    assert not os.path.exists(os.path.join(qtdb_path, "sel14046.q2c"))
    with pytest.raises(FileNotFoundError, match=r"^QTDB record 'sel14046' has no 'q2c' annotation file\.$"):
        read_qtdb("sel14046", path=qtdb_path, annotator="q2c")


def test_qtdb_unannotated_beat_is_not_background(qtdb_path):
    """Check that sel840's beat at 158894 (in .atr, not annotated in q1c) is not labelled background."""
    ann = wfdb.rdann(os.path.join(qtdb_path, "sel840"), "atr", sampfrom=158800, sampto=159000)
    assert 158894 in ann.sample.tolist()
    labels = read_qtdb("sel840", path=qtdb_path)[0].labels()
    assert np.all(labels[158880:158910] == UNLABELLED)


# --------------------------------------------------------------------------- splits
def test_shipped_splits_are_disjoint_and_complete():
    """Check that no record is in two parts and every LUDB record is in exactly one, test about 20 %."""
    splits = load_splits()
    ludb = splits["ludb"]
    assert sorted(ludb) == ["test", "train", "validation"]
    everything = ludb["train"] + ludb["validation"] + ludb["test"]
    assert sorted(everything, key=int) == [str(i) for i in range(1, 201)]
    assert abs(len(ludb["test"]) / 200 - 0.2) <= 0.02
    assert abs(len(ludb["validation"]) / 200 - 0.2) <= 0.02
    qtdb = splits["qtdb"]
    assert sorted(qtdb) == ["train", "validation"]
    assert not set(qtdb["train"]) & set(qtdb["validation"])
    assert len(qtdb["train"]) + len(qtdb["validation"]) == 53


def test_shipped_splits_hold_af_and_paced_records_in_every_part():
    """Check that every LUDB part contains atrial fibrillation/flutter and paced records."""
    splits = load_splits()
    strata = splits["ludb_strata"]
    assert sorted(strata, key=int) == [str(i) for i in range(1, 201)]
    for part, records in splits["ludb"].items():
        counts = Counter(strata[r] for r in records)
        assert counts["af"] >= 1 and counts["paced"] >= 1, part


def test_shipped_splits_match_the_data(ludb_path, qtdb_path):
    """Check that make_splits() recomputed from the databases equals the shipped file."""
    shipped = load_splits()
    fresh = make_splits(ludb_path, qtdb_path, seed=shipped["seed"])
    assert fresh["ludb"] == shipped["ludb"]
    assert fresh["qtdb"] == shipped["qtdb"]
    assert fresh["ludb_strata"] == shipped["ludb_strata"]
    assert sorted(fresh["qtdb"]["train"] + fresh["qtdb"]["validation"]) == sorted(qtdb_records(qtdb_path))


def test_load_split_reads_a_part_and_refuses_unknown_parts(qtdb_path):
    """Check that load_split reads every lead of a QTDB part and names the available parts otherwise."""
    part = load_splits()["qtdb"]["validation"]
    ecgs = load_split("qtdb", "validation", path=qtdb_path)
    assert [e.record for e in ecgs[::2]] == part and len(ecgs) == 2 * len(part)
    with pytest.raises(ValueError, match=re.escape(
        "Unknown split 'qtdb'/'test'; available: ludb/train, ludb/validation, ludb/test, "
        "qtdb/train, qtdb/validation"
    )):
        load_split("qtdb", "test")


def test_default_database_folders_follow_nk_qrs_lstm_data(tmp_path):
    """Check that the default database folders are $NK_QRS_LSTM_DATA/<database> where that is set (as the tests
    read them; a new-user trial's load_split looked in ../shared/data however it was set), else ../shared/data."""
    import subprocess
    import sys

    code = "from nk_qrs_lstm.training.datasets import DEFAULT_LUDB, DEFAULT_QTDB; print(DEFAULT_LUDB, DEFAULT_QTDB)"
    env = {k: v for k, v in os.environ.items() if k != "NK_QRS_LSTM_DATA"}
    unset = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert unset.stdout.split() == [os.path.join("..", "shared", "data", d) for d in ("ludb", "qtdb")]
    given = subprocess.run([sys.executable, "-c", code], env={**env, "NK_QRS_LSTM_DATA": str(tmp_path)},
                           capture_output=True, text=True, check=True)
    assert given.stdout.split() == [str(tmp_path / "ludb"), str(tmp_path / "qtdb")]
