"""Tests for nk_qrs_lstm.wfdb_io (the WFDB adapter)."""

import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
import wfdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nk_qrs_lstm._checks import NKQRSLSTMWarning
from nk_qrs_lstm.record import delineate_record
from nk_qrs_lstm.training.datasets import parse_waves
from nk_qrs_lstm.wfdb_io import (WAVE_KEYS, is_ecg_channel, read_annotations, read_record, read_signals,
                                 write_annotations)
from wfdb_records import example_leads, variable_layout_record, write_multisegment, write_record

NAN = np.nan
LUDB_LEADS = ["i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6"]


def _waves(p, qrs, t):
    """NeuroKit dict from three lists of (onset, peak, offset) rows."""
    out = {}
    for prefix, rows in (("P", p), ("R", qrs), ("T", t)):
        rows = np.asarray(rows, dtype=float).reshape(-1, 3)
        for col, point in enumerate(("Onsets", "Peaks", "Offsets")):
            out[f"ECG_{prefix}_{point}"] = rows[:, col].tolist()
    return out


def _same(a, b):
    """Compare two NeuroKit dicts, NaN equal to NaN."""
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_array_equal(np.asarray(a[key], float), np.asarray(b[key], float), err_msg=key)


def _left_out(n, name="rec.lstm"):
    """The whole warning for n boundary points left out, as a regular expression."""
    return "^" + re.escape(
        f"{n} boundary point(s) were not written to {name}: a boundary is kept only next to its own "
        "wave's peak (or, without a peak, as an onset-offset pair), so overlapping waves and lone "
        "boundaries are left out."
    ) + "$"


def _base(path):
    return path[: -len(os.path.splitext(path)[1])]


EXAMPLE = _waves(
    p=[[100, 120, 140], [NAN, 520, 545], [900, 915, NAN]],
    qrs=[[160, 180, 200], [560, 580, 600], [NAN, 960, 990]],
    t=[[NAN, 300, 340], [650, 700, NAN], [1050, 1100, 1150]],
)


# --------------------------------------------------------------------------- writing
def test_round_trip_is_identical(tmp_path):
    """Check that waves written and read back are identical, NaN parts included."""
    path = write_annotations("rec", "q1c", EXAMPLE, 250, write_dir=tmp_path)
    assert path == os.path.join(str(tmp_path), "rec.q1c")
    back = read_annotations(_base(path), "q1c")
    _same(back, EXAMPLE)
    assert all(isinstance(v, float) for values in back.values() for v in values)


def test_file_follows_qtdb_conventions(tmp_path):
    """Check that marks are sorted, use QTDB's symbols, num = wave type on the brackets and 0 on the peaks (as
    ecgpuwave and QTDB's q1c files: a t's num is its T-wave shape, 2 would say "positive monophasic"), and store fs
    and the lead."""
    path = write_annotations("rec", "q1c", EXAMPLE, 250, write_dir=tmp_path, lead=1)
    ann = wfdb.rdann(_base(path), "q1c")
    assert ann.sample.dtype == np.int64
    assert np.all(np.diff(ann.sample) >= 0)
    assert "".join(ann.symbol) == "(p)(N)t)p)(N)(t(pN)(t)"
    kinds, wave = {"p": 0, "N": 1, "t": 2}, None
    for i, sym in enumerate(ann.symbol):
        if sym in kinds:
            assert ann.num[i] == 0
            wave = kinds[sym]
        elif sym == ")" and wave is not None and i > 0 and ann.symbol[i - 1] in kinds:
            assert ann.num[i] == wave
    assert ann.num.tolist()[:6] == [0, 0, 0, 1, 0, 1]
    assert set(ann.chan.tolist()) == {1}
    assert ann.fs == 250


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(2, 40), st.integers(0, 7), st.integers(0, 7), st.integers(0, 7)),
        min_size=1,
        max_size=12,
    )
)
def test_round_trip_property(tmp_path, beats):
    """Check that any sequence of separate waves with random missing boundaries reads back unchanged."""
    rows = {"P": [], "R": [], "T": []}
    cursor = 0
    for gap, miss_p, miss_r, miss_t in beats:
        for kind, miss in (("P", miss_p), ("R", miss_r), ("T", miss_t)):
            cursor += gap
            onset, peak, offset = cursor, cursor + gap // 2, cursor + gap
            cursor += gap
            row = [onset if miss & 1 else NAN, peak, offset if miss & 2 else NAN]
            if miss == 4:  # a wave without peak, both boundaries known
                row = [onset, NAN, offset]
            rows[kind].append(row)
    waves = _waves(rows["P"], rows["R"], rows["T"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", NKQRSLSTMWarning)
        path = write_annotations("prop", "lstm", waves, 500, write_dir=tmp_path, overwrite=True)
    _same(read_annotations(_base(path), "lstm"), waves)


def test_qrs_without_r_peaks_is_written_as_brackets(tmp_path):
    """Check that QRS complexes without ECG_R_Peaks become named bracket pairs and read back with a NaN peak."""
    waves = dict(EXAMPLE)
    del waves["ECG_R_Peaks"]
    # the third QRS has neither peak nor onset: its lone offset 990 is left out
    with pytest.warns(NKQRSLSTMWarning, match=_left_out(1)):
        path = write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    ann = wfdb.rdann(_base(path), "lstm")
    assert "N" not in ann.symbol
    pairs = [(ann.sample[i], ann.aux_note[i]) for i, s in enumerate(ann.symbol) if ann.num[i] == 1]
    assert pairs == [(160, "QRS"), (200, "QRS"), (560, "QRS"), (600, "QRS")]
    back = read_annotations(_base(path), "lstm")
    assert back["ECG_R_Onsets"] == [160.0, 560.0]
    assert back["ECG_R_Offsets"] == [200.0, 600.0]
    assert np.isnan(back["ECG_R_Peaks"]).all()


def test_lone_boundary_without_peak_is_left_out_with_a_warning(tmp_path):
    """Check that a wave with no peak and one boundary is not written and a NKQRSLSTMWarning says so."""
    waves = _waves(p=[[100, NAN, NAN]], qrs=[[160, 180, 200]], t=[[NAN, NAN, 400]])
    with pytest.warns(NKQRSLSTMWarning, match=_left_out(2)):
        path = write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    assert "".join(wfdb.rdann(_base(path), "lstm").symbol) == "(N)"
    _same(read_annotations(_base(path), "lstm"), _waves(p=[], qrs=[[160, 180, 200]], t=[]))


def test_absent_waves_are_skipped_silently(tmp_path):
    """Check that an all-NaN wave (NeuroKit's missing beat) writes nothing and raises no warning."""
    waves = _waves(p=[[NAN, NAN, NAN], [500, 520, 540]], qrs=[[160, 180, 200], [560, 580, 600]], t=[])
    with warnings.catch_warnings():
        warnings.simplefilter("error", NKQRSLSTMWarning)
        path = write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    back = read_annotations(_base(path), "lstm")
    assert back["ECG_P_Peaks"] == [520.0]
    assert back["ECG_R_Peaks"] == [180.0, 580.0]


def test_ties_keep_onset_peak_offset_order(tmp_path):
    """Check that marks on the same sample keep onset < peak < offset and the order of the waves."""
    # P offset == QRS onset == QRS peak; T onset == T peak == T offset
    waves = _waves(p=[[100, 120, 150]], qrs=[[150, 150, 170]], t=[[200, 200, 200]])
    path = write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    ann = wfdb.rdann(_base(path), "lstm")
    assert list(zip(ann.sample.tolist(), ann.symbol)) == [
        (100, "("), (120, "p"), (150, ")"), (150, "("), (150, "N"), (170, ")"),
        (200, "("), (200, "t"), (200, ")"),
    ]
    _same(read_annotations(_base(path), "lstm"), waves)


def test_unsorted_input_is_sorted(tmp_path):
    """Check that waves given out of order are written sorted and read back in time order."""
    rng = np.random.default_rng(0)
    order = rng.permutation(3)
    shuffled = {k: list(np.asarray(v)[order]) for k, v in EXAMPLE.items()}
    path = write_annotations("rec", "lstm", shuffled, 250, write_dir=tmp_path)
    assert np.all(np.diff(wfdb.rdann(_base(path), "lstm").sample) >= 0)
    _same(read_annotations(_base(path), "lstm"), EXAMPLE)


def test_overlapping_waves_drop_the_contested_boundaries(tmp_path):
    """Check that a P offset after the QRS onset is not misread: both contested boundaries are left out."""
    waves = _waves(p=[[100, 120, 170]], qrs=[[160, 180, 200]], t=[])
    with pytest.warns(NKQRSLSTMWarning, match=_left_out(2)):
        path = write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    _same(read_annotations(_base(path), "lstm"), _waves(p=[[100, 120, NAN]], qrs=[[NAN, 180, 200]], t=[]))


def test_boundary_on_wrong_side_of_peak_is_left_out(tmp_path):
    """Check that an onset after its own peak is dropped rather than attached to the wrong wave."""
    waves = _waves(p=[], qrs=[[190, 180, 200]], t=[])
    with pytest.warns(NKQRSLSTMWarning, match=_left_out(1)):
        path = write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    _same(read_annotations(_base(path), "lstm"), _waves(p=[], qrs=[[NAN, 180, 200]], t=[]))


def test_empty_delineation_writes_an_empty_file(tmp_path):
    """Check that a delineation with no wave writes a valid, empty annotation file."""
    path = write_annotations("rec", "lstm", _waves([], [], []), 250, write_dir=tmp_path)
    assert wfdb.rdann(_base(path), "lstm").sample.size == 0
    assert read_annotations(_base(path), "lstm") == {k: [] for k in WAVE_KEYS}


def test_extra_keys_and_none_values_are_accepted(tmp_path):
    """Check that NeuroKit's extra keys are ignored and None counts as missing."""
    waves = _waves(p=[], qrs=[[160, 180, 200]], t=[])
    waves["ECG_Q_Peaks"] = [170]
    waves["ECG_R_Offsets"] = [None]
    path = write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    back = read_annotations(_base(path), "lstm")
    assert back["ECG_R_Onsets"] == [160.0] and np.isnan(back["ECG_R_Offsets"][0])


def test_existing_file_is_refused_or_replaced_without_leftovers(tmp_path):
    """Check that an existing file (an expert's q1c, say) is refused with a message naming the fix and left as it was,
    and that overwrite=True replaces it and leaves no temporary file behind."""
    write_annotations("rec", "q1c", EXAMPLE, 250, write_dir=tmp_path)
    before = (tmp_path / "rec.q1c").read_bytes()
    with pytest.raises(FileExistsError, match=re.escape("rec.q1c' exists (an expert's annotations, an earlier run's "
                                                        "or another lead's?): pass overwrite=True")):
        write_annotations("rec", "q1c", _waves([], [[10, 20, 30]], []), 250, write_dir=tmp_path)
    assert (tmp_path / "rec.q1c").read_bytes() == before and os.listdir(tmp_path) == ["rec.q1c"]
    with pytest.raises(TypeError, match=r"^overwrite == 'yes', must be True or False\.$"):
        write_annotations("rec", "q1c", EXAMPLE, 250, write_dir=tmp_path, overwrite="yes")
    write_annotations("rec", "q1c", _waves([], [[10, 20, 30]], []), 250, write_dir=tmp_path, overwrite=True)
    assert os.listdir(tmp_path) == ["rec.q1c"]
    assert read_annotations(str(tmp_path / "rec"), "q1c")["ECG_R_Peaks"] == [20.0]


def test_bad_extension_is_refused(tmp_path):
    """Check that an extension with other characters than letters and digits gets a clear message."""
    with pytest.raises(ValueError, match=r"^extension == 'q1c!', must contain only letters and digits\.$"):
        write_annotations("rec", "q1c!", EXAMPLE, 250, write_dir=tmp_path)
    with pytest.raises(ValueError, match=r"^extension == '', must contain only letters and digits\.$"):
        write_annotations("rec", "", EXAMPLE, 250, write_dir=tmp_path)
    with pytest.raises(ValueError, match=re.escape(
        "extension == 'hea', must not be 'hea' or 'dat' (the record's header and signal files)."
    )):
        write_annotations("rec", "hea", EXAMPLE, 250, write_dir=tmp_path)
    with pytest.raises(TypeError, match=r"^extension must be a str, got int\.$"):
        write_annotations("rec", 1, EXAMPLE, 250, write_dir=tmp_path)
    assert os.listdir(tmp_path) == []


def test_bad_record_name_and_folder_are_refused(tmp_path):
    """Check that a record name with a path or a dot, and a missing folder, get clear messages."""
    with pytest.raises(ValueError, match=re.escape(
        "record_name == 'a/b', must contain only letters, digits, hyphens and underscores "
        "(give the folder as write_dir)."
    )):
        write_annotations("a/b", "lstm", EXAMPLE, 250, write_dir=tmp_path)
    missing = str(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match=re.escape(f"write_dir {missing!r} is not an existing folder.")):
        write_annotations("rec", "lstm", EXAMPLE, 250, write_dir=missing)


def test_bad_waves_are_refused(tmp_path):
    """Check that missing keys, unequal lengths and non-sample values get messages naming the key."""
    waves = dict(EXAMPLE)
    del waves["ECG_T_Offsets"]
    keys = ", ".join(repr(k) for k in WAVE_KEYS[:-1]) + f" and {WAVE_KEYS[-1]!r}"
    with pytest.raises(ValueError, match=re.escape(
        f"waves is missing the key(s) 'ECG_T_Offsets'; expected NeuroKit's delineation keys {keys} "
        "(ECG_R_Peaks optional)."
    )):
        write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    waves = dict(EXAMPLE, ECG_P_Onsets=[100, NAN])
    with pytest.raises(ValueError, match=re.escape(
        "waves['ECG_P_Onsets'], waves['ECG_P_Peaks'] and waves['ECG_P_Offsets'] must have the same "
        "length (one entry per wave), got 2, 3 and 3."
    )):
        write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    for value in (120.5, -3, np.inf):
        waves = dict(EXAMPLE, ECG_P_Peaks=[value, 520, 915])
        with pytest.raises(ValueError, match="^" + re.escape(
            f"waves['ECG_P_Peaks'] must hold whole sample indices >= 0 (NaN where missing), got {float(value)!r}."
        ) + "$"):
            write_annotations("rec", "lstm", waves, 250, write_dir=tmp_path)
    with pytest.raises(TypeError, match=re.escape(
        "waves must be a dict of NeuroKit delineation lists (ECG_P_Onsets, ...), got list."
    )):
        write_annotations("rec", "lstm", [1, 2], 250, write_dir=tmp_path)
    with pytest.raises(ValueError, match=r"^sampling_rate == 0, must be a finite number > 0 \(Hz\)\.$"):
        write_annotations("rec", "lstm", EXAMPLE, 0, write_dir=tmp_path)
    with pytest.raises(TypeError, match=r"^lead must be an int \(the signal number\) or None, got str\.$"):
        write_annotations("rec", "lstm", EXAMPLE, 250, write_dir=tmp_path, lead="ii")


# --------------------------------------------------------------------------- reading annotations
def test_read_annotations_filters_the_range(tmp_path):
    """Check that sampfrom alone filters (unlike rdann), sampto is exclusive, and cut waves keep their inside points."""
    path = write_annotations("rec", "lstm", EXAMPLE, 250, write_dir=tmp_path)
    base = _base(path)
    later = read_annotations(base, "lstm", sampfrom=530)
    # the first P is dropped; the second keeps only its offset 545 (its peak 520 is outside)
    _same({k: v for k, v in later.items() if k.startswith("ECG_P")},
          {"ECG_P_Onsets": [NAN, 900.0], "ECG_P_Peaks": [NAN, 915.0], "ECG_P_Offsets": [545.0, NAN]})
    assert later["ECG_R_Peaks"] == [580.0, 960.0]
    early = read_annotations(base, "lstm", sampto=180)
    assert early["ECG_R_Onsets"] == [160.0] and np.isnan(early["ECG_R_Peaks"][0])  # 180 excluded
    window = read_annotations(base, "lstm", sampfrom=160, sampto=181)
    assert window["ECG_R_Peaks"] == [180.0] and window["ECG_P_Peaks"] == []


def test_read_annotations_skips_non_wave_marks(tmp_path):
    """Check that rhythm and comment marks neither become a QRS nor split a wave; V and A beats are QRS."""
    sample = np.array([5, 10, 20, 30, 40, 50, 60, 70], dtype=np.int64)
    symbol = ["+", "(", "~", "V", ")", '"', "A", ")"]
    wfdb.wrann("rec", "atr", sample, symbol, aux_note=["(N", "", "", "", "", "note", "", ""], write_dir=str(tmp_path))
    back = read_annotations(str(tmp_path / "rec"), "atr")
    assert back["ECG_R_Peaks"] == [30.0, 60.0]
    assert back["ECG_R_Onsets"][0] == 10.0 and back["ECG_R_Offsets"] == [40.0, 70.0]


def test_read_annotations_errors(tmp_path):
    """Check that a missing file and a bad range get clear messages."""
    base = str(tmp_path / "none")
    with pytest.raises(FileNotFoundError, match=re.escape(f"annotation file {base + '.q1c'!r} does not exist.")):
        read_annotations(base, "q1c")
    path = write_annotations("rec", "lstm", EXAMPLE, 250, write_dir=tmp_path)
    with pytest.raises(ValueError, match=r"^sampto == 10, must be greater than sampfrom \(10\)\.$"):
        read_annotations(_base(path), "lstm", sampfrom=10, sampto=10)
    with pytest.raises(ValueError, match=r"^sampfrom == -1, must be >= 0\.$"):
        read_annotations(_base(path), "lstm", sampfrom=-1)
    with pytest.raises(TypeError, match=r"^sampto must be an int \(a sample index\), got float\.$"):
        read_annotations(_base(path), "lstm", sampto=10.0)


def test_read_annotations_reads_one_signal_of_a_multi_signal_file(tmp_path):
    """Check that marks of two signals interleaved in one file (QTDB's pu) are never grouped across signals."""
    # signal 0: P (100, 110, 120); signal 1: P (95, 112, 125), its brackets falling between signal 0's marks
    sample = np.array([95, 100, 110, 112, 120, 125], dtype=np.int64)
    symbol = ["(", "(", "p", "p", ")", ")"]
    chan = np.array([1, 0, 0, 1, 0, 1])
    wfdb.wrann("rec", "pu", sample, symbol, chan=chan, write_dir=str(tmp_path))
    base = str(tmp_path / "rec")
    with pytest.raises(ValueError, match=r"holds the marks of signals 0 and 1; pass chan= one of them \(e\.g\. "
                                         r"chan=0\) to read one lead's waves\.$"):
        read_annotations(base, "pu")
    zero, one = read_annotations(base, "pu", chan=0), read_annotations(base, "pu", chan=1)
    assert (zero["ECG_P_Onsets"], zero["ECG_P_Peaks"], zero["ECG_P_Offsets"]) == ([100.0], [110.0], [120.0])
    assert (one["ECG_P_Onsets"], one["ECG_P_Peaks"], one["ECG_P_Offsets"]) == ([95.0], [112.0], [125.0])
    with pytest.raises(ValueError, match=r"has no marks of signal 2; it holds signals 0 and 1\.$"):
        read_annotations(base, "pu", chan=2)
    with pytest.raises(ValueError, match=r"^chan == -1, must be a signal number \(an int >= 0\)\.$"):
        read_annotations(base, "pu", chan=-1)
    path = write_annotations("one", "lstm", EXAMPLE, 250, write_dir=tmp_path, lead=3)
    _same(read_annotations(_base(path), "lstm", chan=3), read_annotations(_base(path), "lstm"))


def test_a_biphasic_wave_is_one_wave(tmp_path):
    """Check that a wave marked with two peaks, ( t t ), is one wave with the first peak (not two half waves)."""
    rows = parse_waves([10, 20, 30, 40, 50, 60, 70, 80, 90], ["(", "p", "p", ")", "N", "(", "t", "t", ")"])
    assert rows["P"].tolist() == [[10.0, 20.0, 40.0]] and rows["T"].tolist() == [[60.0, 70.0, 90.0]]
    np.testing.assert_array_equal(rows["QRS"], [[NAN, 50.0, NAN]])
    assert parse_waves([5, 6], ["N", "N"])["QRS"][:, 1].tolist() == [5.0, 6.0]  # two beats stay two
    wfdb.wrann("rec", "pu", np.array([300, 340, 400, 450]), ["(", "t", "t", ")"], write_dir=str(tmp_path))
    back = read_annotations(str(tmp_path / "rec"), "pu")
    assert (back["ECG_T_Onsets"], back["ECG_T_Peaks"], back["ECG_T_Offsets"]) == ([300.0], [340.0], [450.0])


def test_read_qtdb_sel100_q1c(qtdb_path):
    """Check that the real QTDB sel100.q1c gives the known first annotations."""
    waves = read_annotations(os.path.join(qtdb_path, "sel100"), "q1c")
    first = {k: v[0] for k, v in waves.items()}
    assert first["ECG_P_Onsets"] == 150272 and first["ECG_P_Peaks"] == 150290
    assert first["ECG_P_Offsets"] == 150297
    assert first["ECG_R_Onsets"] == 150316 and first["ECG_R_Peaks"] == 150330
    assert first["ECG_R_Offsets"] == 150334
    assert np.isnan(first["ECG_T_Onsets"])
    assert first["ECG_T_Peaks"] == 150394 and first["ECG_T_Offsets"] == 150419
    assert {len(v) for v in waves.values()} == {30}


def test_read_annotations_agrees_with_parse_waves(ludb_path):
    """Check that LUDB record 1 lead ii reads as datasets.parse_waves groups it."""
    base = os.path.join(ludb_path, "data", "1")
    ann = wfdb.rdann(base, "ii")
    expected = parse_waves(ann.sample, ann.symbol)
    waves = read_annotations(base, "ii")
    for name, prefix in (("P", "P"), ("QRS", "R"), ("T", "T")):
        got = np.column_stack([waves[f"ECG_{prefix}_{p}"] for p in ("Onsets", "Peaks", "Offsets")])
        np.testing.assert_array_equal(got, expected[name])


def test_real_annotations_survive_a_round_trip(qtdb_path, tmp_path):
    """Check that QTDB sel100.q1c read, written and read again is unchanged."""
    waves = read_annotations(os.path.join(qtdb_path, "sel100"), "q1c")
    path = write_annotations("sel100", "q1c", waves, 250, write_dir=tmp_path)
    _same(read_annotations(_base(path), "q1c"), waves)


# --------------------------------------------------------------------------- reading records
def test_read_record_ludb(ludb_path):
    """Check that LUDB record 1 reads as (5000, 12) float64 in mV at 500 Hz with its lead names."""
    signal, rate, names = read_record(os.path.join(ludb_path, "data", "1"))
    assert signal.shape == (5000, 12) and signal.dtype == np.float64
    assert rate == 500.0 and isinstance(rate, float)
    assert names == LUDB_LEADS
    assert np.all(np.isfinite(signal)) and 0.05 < np.abs(signal).max() < 20  # millivolts


def test_read_record_accepts_a_record_and_digital_signals(ludb_path):
    """Check that a wfdb.Record, physical or digital only, gives the same array as the path."""
    base = os.path.join(ludb_path, "data", "1")
    expected, _, _ = read_record(base)
    for physical in (True, False):
        rec = wfdb.rdrecord(base, physical=physical)
        signal, rate, names = read_record(rec)
        np.testing.assert_allclose(signal, expected, atol=1e-12)
        assert rate == 500.0 and names == LUDB_LEADS
    signal, rate, _ = read_record(wfdb.rdrecord(base, smooth_frames=False))  # one sample per frame: the same
    np.testing.assert_allclose(signal, expected, atol=1e-12)
    with pytest.raises(ValueError, match=re.escape(
        "record has no signal (neither p_signal, d_signal, e_p_signal nor e_d_signal)."
    )):
        read_record(wfdb.Record(record_name="x", fs=500, sig_name=["ii"], n_sig=1))


def test_read_record_selects_leads(ludb_path):
    """Check that leads select by name (any case), by index and by list, in the order asked."""
    base = os.path.join(ludb_path, "data", "1")
    full, _, _ = read_record(base)
    signal, _, names = read_record(base, leads="ii")
    assert names == ["ii"] and signal.shape == (5000, 1)
    np.testing.assert_array_equal(signal[:, 0], full[:, 1])
    signal, _, names = read_record(base, leads=["V5", 0, "avr"])
    assert names == ["v5", "i", "avr"]
    np.testing.assert_array_equal(signal, full[:, [10, 0, 3]])
    signal, _, names = read_record(wfdb.rdrecord(base), leads=np.int64(6))
    assert names == ["v1"]


def test_read_record_errors(ludb_path, tmp_path):
    """Check that a missing record, unknown leads and wrong types get clear messages."""
    base = os.path.join(ludb_path, "data", "1")
    with pytest.raises(ValueError, match=re.escape(
        "Invalid lead 'MLII'. Available leads are 'i', 'ii', 'iii', 'avr', 'avl', 'avf', 'v1', "
        "'v2', 'v3', 'v4', 'v5' and 'v6'."
    )):
        read_record(base, leads="MLII")
    with pytest.raises(ValueError, match=re.escape(
        "lead index 12 is out of range; the record has 12 leads (indices 0 to 11)."
    )):
        read_record(base, leads=12)
    with pytest.raises(TypeError, match=r"^each lead must be a name \(str\) or an index \(int\), got bool True\.$"):
        read_record(base, leads=[True])
    with pytest.raises(ValueError, match=r"^leads is empty; pass None for every ECG lead\.$"):
        read_record(base, leads=[])
    missing = str(tmp_path / "rec")
    with pytest.raises(FileNotFoundError, match=re.escape(
        f"WFDB header {missing + '.hea'!r} does not exist; pass the record path without extension, "
        "e.g. 'mitdb/100' for mitdb/100.hea."
    )):
        read_record(missing)
    edf = tmp_path / "night.edf"
    edf.write_bytes(b"0" * 256)  # an EDF file (its content is not read): the fix is wfdb's read_edf, not a path
    with pytest.raises(FileNotFoundError, match=r"is an EDF file, not a WFDB record .* read it with "
                                                r"wfdb\.io\.convert\.edf\.read_edf\(path\)"):
        read_record(str(edf))
    with pytest.raises(TypeError, match=re.escape(
        "record must be a wfdb.Record, a wfdb.MultiRecord or the path of a WFDB record (str or os.PathLike), "
        "got int."
    )):
        read_record(12)


def test_channels_without_a_name_are_named_by_their_number(tmp_path):
    """Check that a header whose signal lines carry no description (wfdb reads None) gives leads ``signal 0``,
    ``signal 1`` (WFDB's way of naming them; a new-user trial, 20, saw ``None`` and ``None_2``), read by their
    voltage units and delineated."""
    signal, _ = example_leads(("ii", "v5"))
    path = write_record(tmp_path, "bare", signal, ["ii", "v5"])
    with open(path + ".hea") as f:
        lines = f.read().splitlines()
    with open(path + ".hea", "w") as f:  # the description is a signal line's last field
        f.write("\n".join([lines[0]] + [" ".join(line.split()[:-1]) for line in lines[1:]]) + "\n")
    assert wfdb.rdheader(path).sig_name == [None, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, _, names = read_record(path)
        result = delineate_record(path)
    assert names == ["signal 0", "signal 1"] and list(result.tables) == names and result.channels == {
        "signal 0": 0, "signal 1": 1}


def test_read_record_strips_a_file_extension(ludb_path):
    """Check that a path ending in .hea or .dat reads the record."""
    base = os.path.join(ludb_path, "data", "1")
    for suffix in (".hea", ".dat"):
        _, _, names = read_record(base + suffix, leads=[0])
        assert names == ["i"]


def test_read_record_keeps_missing_samples_as_nan(tmp_path):
    """Check that WFDB's missing-value samples come back as NaN, from the file and from d_signal."""
    x = np.sin(np.linspace(0, 10, 1000))[:, None]
    x[100:110] = np.nan
    wfdb.wrsamp("gap", fs=250, units=["mV"], sig_name=["MLII"], p_signal=x, fmt=["16"], write_dir=str(tmp_path))
    base = str(tmp_path / "gap")
    for record in (base, wfdb.rdrecord(base, physical=False)):
        signal, rate, names = read_record(record)
        assert np.isnan(signal[100:110, 0]).all() and np.isfinite(signal[:100]).all()
        np.testing.assert_allclose(signal[:100, 0], x[:100, 0], atol=1e-3)
        assert rate == 250.0 and names == ["MLII"]


@pytest.mark.parametrize("rate", [50, 62.5, 4000])
def test_annotations_are_written_at_any_positive_rate(tmp_path, rate):
    """Check that annotations are written and read back at rates that cannot be delineated (50 Hz, 4 kHz)."""
    path = write_annotations("rec", "lstm", EXAMPLE, rate, write_dir=tmp_path)
    assert wfdb.rdann(_base(path), "lstm").fs == rate
    _same(read_annotations(_base(path), "lstm"), EXAMPLE)
    with pytest.raises(ValueError, match=r"^sampling_rate == inf, must be a finite number > 0 \(Hz\)\.$"):
        write_annotations("rec", "lstm", EXAMPLE, np.inf, write_dir=tmp_path)


# --------------------------------------------------------------------------- layouts
def test_multi_segment_fixed_layout_reads_as_one_record(tmp_path):
    """Check that a fixed-layout multi-segment record reads as its segments one after the other."""
    signal, _ = example_leads(("ii", "v5"))
    path = write_multisegment(tmp_path, "fixed", [("fixed_1", signal[:3000], ["ii", "v5"]),
                                                  ("fixed_2", signal[3000:], ["ii", "v5"])], ["ii", "v5"],
                              layout="fixed")
    got, rate, names = read_record(path)
    assert got.shape == (5000, 2) and rate == 500.0 and names == ["ii", "v5"]
    np.testing.assert_allclose(got, signal, atol=1e-3)
    got, _, names = read_record(path + ".hea", leads="v5")
    assert names == ["v5"]
    np.testing.assert_allclose(got[:, 0], signal[:, 1], atol=1e-3)


def test_multi_segment_variable_layout_is_nan_where_a_channel_is_absent(tmp_path):
    """Check that a variable layout reads every channel of its layout, NaN in null segments and missing channels."""
    path, expected = variable_layout_record(tmp_path)
    for record in (path, wfdb.rdrecord(path, m2s=False), wfdb.rdrecord(path, m2s=False, physical=False)):
        got, rate, names = read_record(record)
        assert names == ["ii", "v5"] and rate == 500.0
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
        np.testing.assert_allclose(got, expected, atol=1e-3)
    got, _, names = read_record(path, leads=["v5"])
    assert names == ["v5"] and np.isnan(got[2500:, 0]).all()


def test_channels_with_the_same_name_are_told_apart(tmp_path):
    """Check that two channels named ECG read as ECG and ECG_2, with a warning, and each can be chosen."""
    signal, _ = example_leads(("ii", "v5"))
    path = write_record(tmp_path, "twice", signal, ["ECG", "ECG"])
    message = ("Record 'twice' has several channels named 'ECG'; they are read as 'ECG' and 'ECG_2' (pass these "
               "names as leads).")
    for record in (path, wfdb.rdrecord(path)):
        with pytest.warns(NKQRSLSTMWarning, match="^" + re.escape(message) + "$"):
            got, _, names = read_record(record)
        assert names == ["ECG", "ECG_2"]
        np.testing.assert_allclose(got, signal, atol=1e-3)
    with pytest.warns(NKQRSLSTMWarning):
        got, _, names = read_record(path, leads="ECG_2")
    assert names == ["ECG_2"]
    np.testing.assert_allclose(got[:, 0], signal[:, 1], atol=1e-3)


def test_non_ecg_channels_are_skipped_by_default(tmp_path):
    """Check that ABP, PLETH and RESP are skipped with a warning naming them, and leads= still reads them; a
    channel whose name says nothing is read by its voltage units only where no channel is named as a lead."""
    ecg, _ = example_leads(("ii",))
    rng = np.random.default_rng(0)
    signal = np.column_stack([ecg[:, 0], 80 + rng.standard_normal(5000), rng.random(5000), rng.random(5000),
                              ecg[:, 0] * 1000])
    path = write_record(tmp_path, "icu", signal, ["II", "ABP", "PLETH", "RESP", "chan5"],
                        units=["mV", "mmHg", "NU", "Ohm", "uV"])
    message = ("Record 'icu': channel(s) 'ABP (mmHg)', 'PLETH (NU)', 'RESP (Ohm)' and 'chan5 (uV)' do not look "
               "like ECG leads and are skipped; pass leads= to choose the channels to delineate.")
    with pytest.warns(NKQRSLSTMWarning, match="^" + re.escape(message) + "$"):
        got, _, names = read_record(path)
    assert names == ["II"] and got.shape == (5000, 1)
    unnamed = write_record(tmp_path, "unnamed", signal, ["chan1", "ABP", "PLETH", "RESP", "chan5"],
                           units=["mV", "mmHg", "NU", "Ohm", "uV"])
    with pytest.warns(NKQRSLSTMWarning, match="'ABP \\(mmHg\\)', 'PLETH \\(NU\\)' and 'RESP \\(Ohm\\)' do not"):
        assert read_record(unnamed)[2] == ["chan1", "chan5"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", NKQRSLSTMWarning)
        _, _, names = read_record(path, leads=["ABP", "II"])
    assert names == ["ABP", "II"]


def test_a_record_without_ecg_channel_is_refused(tmp_path):
    """Check that a record with no ECG-looking channel raises a ValueError listing its channels."""
    path = write_record(tmp_path, "bp", np.random.default_rng(0).random((1000, 2)), ["ABP", "RESP"],
                        units=["mmHg", "Ohm"])
    with pytest.raises(ValueError, match="^" + re.escape(
        "Record 'bp' has no ECG channel: none of its channels 'ABP (mmHg)' and 'RESP (Ohm)' is named like an "
        "ECG lead (I, II, V1, MLII, ECG...) or in a voltage unit (mV, uV...). Pass leads= to choose the channels to "
        "delineate."
    ) + "$"):
        read_record(path)
    assert read_record(path, leads="RESP")[2] == ["RESP"]


@pytest.mark.parametrize("name", ["I", "ii", "III", "aVR", "avl", "AVF", "V1", "v6", "MLII", "ML5", "MCL1", "CM5",
                                  "D1", "DIII", "ECG", "ECG1", "ekg", "Lead II", "V", "vx"])
def test_ecg_lead_names_are_recognised(name):
    """Check that common ECG lead names are ECG channels whatever their units."""
    assert is_ecg_channel(name, None) and is_ecg_channel(name, "NU")


@pytest.mark.parametrize("name, units", [("ABP", "mmHg"), ("PLETH", "NU"), ("RESP", "Ohm"), ("EEG C4-A1", "uV"),
                                         ("EMG", "mV"), ("SpO2", "%"), ("chan1", None), ("chan1", "mmHg"),
                                         ("Vent", "NU"), ("Volume", None), ("VCO2", "NU")])
def test_other_channels_are_not_ecg(name, units):
    """Check that other biosignals are not ECG channels, even in uV, nor unnamed channels without ECG units."""
    assert not is_ecg_channel(name, units)


@pytest.mark.parametrize("name", ["C4-A1", "Fp2-F4", "O2-A1", "Fpz-Cz", "Pz-Oz", "C3:M2", "ROC-LOC", "E1-M2",
                                  "LOC", "DX1-DX2", "Chin1-Chin2", "LLEG1-LLEG2", "T3", "cz"])
def test_sleep_study_electrodes_are_not_ecg(name):
    """Check that EEG, EOG and EMG electrodes (10-20 names, alone or as a pair) are not ECG channels in uV."""
    assert not is_ecg_channel(name, "uV")


def test_a_sleep_study_reads_its_ecg_only(tmp_path):
    """Check that a polysomnography record (EEG in uV, ECG in mV) reads the ECG channel alone, with a warning."""
    ecg, _ = example_leads(("ii",))
    eeg = 30 * np.random.default_rng(0).standard_normal((5000, 4))
    path = write_record(tmp_path, "psg", np.column_stack([eeg, ecg[:, 0]]),
                        ["Fp2-F4", "C4-A1", "ROC-LOC", "DX1-DX2", "ECG1-ECG2"], units=["uV"] * 4 + ["mV"])
    with pytest.warns(NKQRSLSTMWarning, match="'Fp2-F4 \\(uV\\)', 'C4-A1 \\(uV\\)', 'ROC-LOC"):
        assert read_record(path)[2] == ["ECG1-ECG2"]


def test_units_of_each_lead_are_returned_as_written(tmp_path):
    """Check that read_signals gives each column's units, with the µV that wfdb reads as V put back."""
    ecg, _ = example_leads(("ii", "v1", "v5"))
    path = write_record(tmp_path, "units", ecg * [1000, 1, 1e-3], ["ii", "v1", "v5"], units=["\u00b5V", "mV", "V"])
    assert wfdb.rdheader(path).units[0] == "V"  # wfdb drops the µ
    assert read_signals(path).units == ["uV", "mV", "V"]
    assert read_signals(path, leads=["v5", "ii"]).units == ["V", "uV"]
    assert read_signals(wfdb.rdrecord(path), leads=["v5"]).units == ["V"]


@pytest.mark.parametrize("units", ["mV", "uV", "\u03bcV", "\u00b5V", " MV "])
def test_ecg_units_make_an_unknown_channel_ecg(units):
    """Check that a channel with an unknown name is an ECG channel when its units are mV or uV."""
    assert is_ecg_channel("chan1", units)


def test_a_lead_named_twice_is_refused(ludb_path):
    """Check that leads naming the same channel twice get a clear message."""
    with pytest.raises(ValueError, match="^" + re.escape(
        "leads == ['ii', 1] names the lead(s) 'ii' more than once; each lead is read once."
    ) + "$"):
        read_record(os.path.join(ludb_path, "data", "1"), leads=["ii", 1])


def test_reading_never_imports_training():
    """Check that the WFDB adapter and delineate_record never import the training subpackage."""
    code = ("import sys, nk_qrs_lstm.wfdb_io, nk_qrs_lstm.record, nk_qrs_lstm.batch\n"
            "print(sorted(m for m in sys.modules if m.startswith('nk_qrs_lstm.training')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unreadable_records_get_messages_naming_the_problem(ludb_path, tmp_path):
    """Check that a corrupt header, a record of length 0 and a signal file shorter than its header are refused
    with messages naming the file and the problem, not wfdb's bare words."""
    (tmp_path / "corrupt.hea").write_text("corrupt 2 500 abc\nthis is not a header\n")
    with pytest.raises(ValueError, match="corrupt.hea' cannot be read: wfdb fails with HeaderSyntaxError"):
        read_record(str(tmp_path / "corrupt"))
    (tmp_path / "empty.hea").write_text("empty 1 500 0\nempty.dat 16 200/mV 16 0 0 0 0 II\n")
    (tmp_path / "empty.dat").write_bytes(b"")
    with pytest.raises(ValueError, match="empty' has no samples"):
        read_record(str(tmp_path / "empty"))
    header = open(os.path.join(ludb_path, "data", "1.hea")).read().replace("1.dat", "short.dat")
    (tmp_path / "short.hea").write_text(header.replace("1 12 500 5000", "short 12 500 5000", 1))
    (tmp_path / "short.dat").write_bytes(open(os.path.join(ludb_path, "data", "1.dat"), "rb").read()[:24000])
    with pytest.raises(ValueError, match="hold as many samples as its header says"):
        read_record(str(tmp_path / "short"))
