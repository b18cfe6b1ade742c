"""Tests of nk_qrs_lstm.record: WFDB records in, fused delineation, annotations out."""

import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import wfdb

from nk_qrs_lstm import NKQRSLSTMWarning
from nk_qrs_lstm.wfdb_io import read_annotations
from nk_qrs_lstm.cli import main
from nk_qrs_lstm.defaults import BEAT_KEYS
from nk_qrs_lstm.examples import example_record_path
from nk_qrs_lstm.neurokit import NK_KEYS
from nk_qrs_lstm.record import delineate_record, fuse_leads
from wfdb_records import example_leads, variable_layout_record, write_record


@pytest.fixture(scope="module")
def two_leads():
    """The bundled record's leads ii and v5, delineated."""
    return delineate_record(example_record_path(), leads=["ii", "v5"])


def test_record_path_and_record_object_agree():
    """Check that a record path and a wfdb.Record give the same per-lead tables."""
    by_path = delineate_record(example_record_path(), leads=["i", "v1"])
    rec = wfdb.rdrecord(example_record_path(), channel_names=["i", "v1"])
    by_object = delineate_record(rec)
    assert list(by_path.tables) == list(by_object.tables) == ["i", "v1"]
    for lead in by_path.tables:
        pd.testing.assert_frame_equal(by_path.tables[lead], by_object.tables[lead])
    assert by_object.record_name == "3"


def test_all_leads_and_fusion():
    """Check that all 12 leads are delineated and the fusion has one row per beat seen by most leads."""
    result = delineate_record(example_record_path())
    assert len(result.tables) == 12
    counts = [len(t) for t in result.tables.values()]
    assert min(counts) - 1 <= len(result.fused) <= max(counts)
    assert (result.fused["n_leads"] >= 6).all()
    signals, waves = result.neurokit()
    assert list(waves) == ["ECG_R_Peaks"] + list(NK_KEYS) and len(signals) == result.n_samples
    assert list(signals.columns) == list(NK_KEYS)
    np.testing.assert_array_equal(np.asarray(waves["ECG_R_Peaks"], float),
                                  result.fused["ECG_R_Peaks"].to_numpy(dtype=float, na_value=np.nan))
    frame = result.to_frame()
    assert set(frame["lead"]) == set(result.tables) | {"fused"}
    assert {"record", "lead", "beat", "ECG_R_Onsets"} <= set(frame.columns)


def test_fused_annotation_round_trip(tmp_path):
    """Check that the fused delineation written as WFDB annotations reads back with wfdb.rdann."""
    result = delineate_record(example_record_path(), leads=["ii", "v5"])
    result.to_wfdb(write_dir=str(tmp_path), extension="lstm")
    ann = wfdb.rdann(str(tmp_path / "3"), "lstm")
    onsets = [s for s, sym, nxt in zip(ann.sample, ann.symbol, ann.symbol[1:]) if sym == "(" and nxt == "N"]
    expected = result.fused["ECG_R_Onsets"].dropna().astype(int).tolist()
    assert onsets == expected


def test_fuse_leads_needs_half_the_leads():
    """Check that a QRS seen in only one of three leads is not a fused beat."""
    def table(on):
        return pd.DataFrame({"ECG_R_Peaks": [on + 10.0], "ECG_R_Onsets": [float(on)], "ECG_R_Offsets": [on + 40.0]})

    fused = fuse_leads({"a": table(100), "b": table(104), "c": pd.concat([table(102), table(900)])}, 500)
    assert fused["ECG_R_Onsets"].tolist() == [101.0]
    assert np.isnan(fused["ECG_P_Onsets"]).all()


def test_multi_segment_record_is_delineated(tmp_path):
    """Check that a variable-layout multi-segment record is delineated, through the API and the CLI."""
    path, expected = variable_layout_record(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = delineate_record(path)
    # the null segment (500 samples) is a gap in both leads, and v5 is absent from the last segment
    assert [str(w.message).split(":")[0] for w in caught] == [
        "lead 'ii' has 500 non-finite samples (NaN or inf) in 1 stretch (5.0-6.0 s)",
        "lead 'v5' has 2500 non-finite samples (NaN or inf) in 1 stretch (5.0-10.0 s)"]
    assert result.record_name == "multi" and result.n_samples == len(expected) == 5000
    assert list(result.tables) == ["ii", "v5"] and result.channels == {"ii": 0, "v5": 1}
    # v5 exists in the first 5 s only, ii in the first 5 s and the last 4 s
    assert len(result.tables["ii"]) > len(result.tables["v5"]) > 3
    assert result.tables["v5"]["ECG_R_Offsets"].max() < 2500
    assert main(["delineate", path, "--out-annotation", "lstm", "--annotation-dir", str(tmp_path)]) == 0
    assert wfdb.rdann(str(tmp_path / "multi"), "lstm").symbol.count("N") == len(result.fused)


@pytest.mark.parametrize("suffix", [".hea", ".dat"])
def test_path_with_a_file_extension_writes_annotations(two_leads, tmp_path, suffix):
    """Check that a record path ending in .hea or .dat is named without it, so its annotations can be written."""
    result = delineate_record(example_record_path() + suffix, leads=["ii", "v5"])
    assert result.record_name == "3"
    assert result.to_wfdb(write_dir=tmp_path) == str(tmp_path / "3.lstm")
    pd.testing.assert_frame_equal(result.fused, two_leads.fused)


def test_lead_annotations_carry_the_lead_channel(two_leads, tmp_path):
    """Check that a lead's annotations are written with its signal number as chan, the fused ones with 0."""
    assert two_leads.channels == {"ii": 1, "v5": 10}
    for lead, chan in (("v5", 10), ("ii", 1), (None, 0)):
        two_leads.to_wfdb(write_dir=tmp_path, extension="lstm", lead=lead, overwrite=lead != "v5")
        ann = wfdb.rdann(str(tmp_path / "3"), "lstm")
        assert set(ann.chan.tolist()) == {chan}
        table = two_leads.fused if lead is None else two_leads.tables[lead]
        assert ann.symbol.count("N") == table["ECG_R_Peaks"].notna().sum()
    with pytest.raises(ValueError, match="^" + re.escape(
        "Invalid lead 'v1'. Available leads are 'ii' and 'v5' (or None for the fused delineation)."
    ) + "$"):
        two_leads.to_wfdb(write_dir=tmp_path, lead="v1")


def test_a_record_read_from_a_later_sample_is_annotated_where_it_lies(tmp_path):
    """Check to_wfdb(sampfrom=) for a wfdb.Record read with sampfrom and one channel: beside the record's header the
    marks land on the record's samples with the channel's number there; without sampfrom a warning names the fix,
    and a sampfrom past the record's end is refused."""
    import shutil

    for ext in (".hea", ".dat"):
        shutil.copy(example_record_path() + ext, tmp_path / ("3" + ext))
    whole = delineate_record(str(tmp_path / "3"), leads=["v5"])
    part = delineate_record(wfdb.rdrecord(str(tmp_path / "3"), sampfrom=1000, channel_names=["v5"]))
    assert part.channels == {"v5": 0}
    part.to_wfdb(write_dir=tmp_path, extension="lstm", lead="v5", sampfrom=1000)
    ann = wfdb.rdann(str(tmp_path / "3"), "lstm")
    assert set(ann.chan.tolist()) == {10}
    written = ann.sample[np.asarray(ann.symbol) == "N"]
    found = whole.tables["v5"]["ECG_R_Peaks"].dropna().to_numpy()
    inner = written[(written > 1100) & (written < 4900)]  # away from the cut, where both runs see the same beats
    assert len(inner) > 5 and np.all(np.min(np.abs(inner[:, None] - found[None, :]), axis=1) <= 1)
    with pytest.warns(NKQRSLSTMWarning, match=r"pass to_wfdb\(\.\.\., sampfrom=S\)"):
        part.to_wfdb(write_dir=tmp_path, extension="lstm", lead="v5", overwrite=True)
    with pytest.raises(ValueError, match=r"^sampfrom == 1001 puts the 4000 delineated samples past the end"):
        part.to_wfdb(write_dir=tmp_path, extension="lstm", lead="v5", sampfrom=1001, overwrite=True)
    with pytest.raises(ValueError, match=r"^sampfrom == -1, must be >= 0\.$"):
        part.to_wfdb(write_dir=tmp_path, extension="lstm", lead="v5", sampfrom=-1)


def test_a_record_in_memory_written_away_from_its_header_warns_until_sampfrom_is_given(tmp_path):
    """Check that annotations of a wfdb.Record (which does not remember its sampfrom) written where no header can
    check them warn, naming sampfrom (a trial: a Record read from sample 150000 was written 150000 samples early,
    silently); an explicit sampfrom=0 confirms, and a record read from its path needs nothing."""
    path = example_record_path()
    part = delineate_record(wfdb.rdrecord(path, sampfrom=1000, channel_names=["v5"]))
    assert part.in_memory and not delineate_record(path, leads=["v5"]).in_memory
    with pytest.warns(NKQRSLSTMWarning, match=r"is written from a wfdb\.Record, with no 3\.hea .* pass "
                                              r"to_wfdb\(\.\.\., sampfrom=S\); pass sampfrom=0 if"):
        part.to_wfdb(write_dir=tmp_path, extension="lstm", lead="v5")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        part.to_wfdb(write_dir=tmp_path, extension="lstm", lead="v5", sampfrom=1000, overwrite=True)
        delineate_record(path, leads=["v5"]).to_wfdb(write_dir=tmp_path, extension="pth", lead="v5")
    assert not [w for w in caught if "wfdb.Record" in str(w.message)]
    marks = wfdb.rdann(str(tmp_path / "3"), "lstm").sample
    assert marks.min() >= 1000


def test_a_lead_of_a_record_in_memory_written_away_from_its_header_names_its_chan(tmp_path):
    """Check a new-user trial's case (20): v5 read alone into a wfdb.Record is chan 0 of that Record, not the
    record's signal number; written where no header can number it, the warning (until sampfrom is given) says
    that its chan is its place in the Record and where to write instead; written beside the record's header, the
    header's number is used, silently."""
    path = example_record_path()
    part = delineate_record(wfdb.rdrecord(path, channel_names=["v5"]))
    with pytest.warns(NKQRSLSTMWarning, match=r"each lead's chan is its place in the Record \(0 for the first "
                                              r"channel read.* write beside the record's header"):
        part.to_wfdb(write_dir=tmp_path, extension="lstm", lead="v5")
    assert set(wfdb.rdann(str(tmp_path / "3"), "lstm").chan) == {0}
    header = wfdb.rdheader(path)
    header.wrheader(write_dir=str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        part.to_wfdb(write_dir=tmp_path, extension="lst2", lead="v5", sampfrom=0)
    assert not [w for w in caught if "chan" in str(w.message)]
    assert set(wfdb.rdann(str(tmp_path / "3"), "lst2").chan) == {header.sig_name.index("v5")}


def test_channels_with_the_same_name_are_both_delineated(tmp_path):
    """Check that two channels named ECG give two leads, ECG and ECG_2, with a warning, each delineated as its lead
    (within one sample: writing the record re-quantises the signal with another gain)."""
    signal, _ = example_leads(("ii", "v5"))
    path = write_record(tmp_path, "twice", signal, ["ECG", "ECG"])
    with pytest.warns(NKQRSLSTMWarning, match=r"^Record 'twice' has several channels named 'ECG'; "):
        result = delineate_record(path)
    assert list(result.tables) == ["ECG", "ECG_2"] and result.channels == {"ECG": 0, "ECG_2": 1}
    reference = delineate_record(example_record_path(), leads=["ii", "v5"])
    for name, lead in (("ECG", "ii"), ("ECG_2", "v5")):
        got, want = (t[name_]["ECG_R_Onsets"].to_numpy(float) for t, name_ in ((result.tables, name),
                                                                                 (reference.tables, lead)))
        assert len(got) == len(want) and np.nanmax(np.abs(got - want)) <= 1


def test_a_repeated_limb_lead_name_is_a_lead_too(tmp_path):
    """Check a new-user trial's case (20): channels ii, v5, ii give three leads (ii, v5, ii_2): the second ii is
    judged by the name in the header, not skipped as a channel that does not look like ECG because it is read as
    ii_2."""
    signal, _ = example_leads(("ii", "v5"))
    path = write_record(tmp_path, "again", np.column_stack([signal, signal[:, 0]]), ["ii", "v5", "ii"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = delineate_record(path)
    assert list(result.tables) == ["ii", "v5", "ii_2"]
    assert not [w for w in caught if "do not look like ECG" in str(w.message)]


def test_channels_read_as_leads_by_their_units_alone_are_named(tmp_path):
    """Check a new-user trial's case (20): with no channel named like a lead (CH1, CH2, Sensor, all in mV) every
    channel is read as a lead by its units, and a warning names them and leads=; named leads warn nothing of it."""
    signal, _ = example_leads(("ii", "v5"))
    path = write_record(tmp_path, "generic", np.column_stack([signal, np.zeros(len(signal))]),
                        ["CH1", "CH2", "Sensor"])
    with pytest.warns(NKQRSLSTMWarning, match=r"no channel is named like an ECG lead, so channel\(s\) 'CH1 \(mV\)', "
                                              r"'CH2 \(mV\)' and 'Sensor \(mV\)' are read as leads .* leads="):
        delineate_record(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        delineate_record(example_record_path(), leads=None)
    assert not [w for w in caught if "voltage units alone" in str(w.message)]


def test_non_ecg_channels_are_not_delineated_by_default(tmp_path):
    """Check that noise in an ABP channel neither becomes a lead nor changes the fused beats; leads= still wins."""
    ecg, _ = example_leads(("ii", "v5"))
    noise = np.random.default_rng(0).standard_normal(len(ecg))
    path = write_record(tmp_path, "icu", np.column_stack([ecg, noise]), ["ii", "v5", "ABP"],
                        units=["mV", "mV", "mmHg"])
    with pytest.warns(NKQRSLSTMWarning, match=r"^Record 'icu': channel\(s\) 'ABP \(mmHg\)' do not look like ECG "):
        result = delineate_record(path)
    assert list(result.tables) == ["ii", "v5"]
    reference = delineate_record(example_record_path(), leads=["ii", "v5"])
    got, want = (r.fused["ECG_R_Onsets"].to_numpy(float) for r in (result, reference))
    assert len(got) == len(want) and np.nanmax(np.abs(got - want)) <= 1  # (the written record re-quantises)
    assert list(delineate_record(path, leads=["ii", "ABP"]).tables) == ["ii", "ABP"]


def test_leads_silent_beside_the_others_in_most_of_the_record_are_named(tmp_path):
    """Check a new-user trial's case (20): a lead stored in mV beside one in uV, both labelled uV, looks silent; the
    fusion leaves it out there, and a warning names it, its share and the units to check. The same leads in one
    unit warn nothing of the kind."""
    signal, _ = example_leads(("ii", "v5"))
    path = write_record(tmp_path, "mixed", signal * [1.0, 1000.0], ["ii", "v5"], units=["uV", "uV"])
    with pytest.warns(NKQRSLSTMWarning, match=r"lead\(s\) 'ii' \(100 %\) of the record are under 5 % of the "
                                              r"widest lead's range .* beside 'v5', .* check the record's units"):
        result = delineate_record(path)
    assert set(result.fused["n_leads"]) == {1.0}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        delineate_record(example_record_path(), leads=["ii", "v5"])
    assert not [w for w in caught if "widest lead" in str(w.message) or "no ECG does" in str(w.message)]


def test_a_lead_in_uv_labelled_mv_is_left_out_not_the_others():
    """Check trial 29's case: one lead of twelve stored in uV but labelled mV; the fusion kept it alone (the eleven
    others looked silent beside it). It is now the one left out, named in a warning, and the fused beats are those
    of the eleven others."""
    import wfdb

    record = wfdb.rdrecord(example_record_path())
    signal = record.p_signal.copy()
    signal[:, -1] *= 1000.0  # v6 in uV, labelled mV
    loud = wfdb.Record(record_name="loud", fs=record.fs, sig_name=record.sig_name, units=list(record.units),
                       p_signal=signal, n_sig=record.n_sig, sig_len=record.sig_len)
    with pytest.warns(NKQRSLSTMWarning, match=r"lead\(s\) 'v6' \(100 %\) of the record span more than 50 mV "
                                              r"within a second .* check the record's units"):
        result = delineate_record(loud, fusion="percentile")
    reference = delineate_record(example_record_path(), leads=list(record.sig_name[:-1]), fusion="percentile")
    assert (result.fused["n_leads"] == 11).all()
    for key in ("ECG_P_Onsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Offsets"):
        np.testing.assert_array_equal(result.fused[key].to_numpy(float), reference.fused[key].to_numpy(float))


def test_repr_is_one_short_line(two_leads):
    """Check that the repr gives the record, rate, samples, beats per lead and fused beats, never a table."""
    n_ii, n_v5, n_fused = len(two_leads.tables["ii"]), len(two_leads.tables["v5"]), len(two_leads.fused)
    assert repr(two_leads) == (f"RecordDelineation(record='3', sampling_rate=500, n_samples=5000, "
                               f"beats={{'ii': {n_ii}, 'v5': {n_v5}}}, fused_beats={n_fused})")


def test_to_frame_has_integer_sample_indices(two_leads):
    """Check that to_frame gives every fiducial as nullable integers, fused rows included."""
    frame = two_leads.to_frame()
    assert all(frame[k].dtype == "Int64" for k in BEAT_KEYS)
    assert frame["beat"].dtype == np.int64
    fused = frame[frame["lead"] == "fused"].reset_index(drop=True)
    np.testing.assert_array_equal(fused["ECG_R_Onsets"].to_numpy(dtype=float, na_value=np.nan),
                                  two_leads.fused["ECG_R_Onsets"].to_numpy())


def test_result_leads_are_found_as_they_were_read_and_record_name_is_a_string(tmp_path):
    """Check that a lead read ignoring case (leads=["II"] for "ii") is found the same way in the result's
    neurokit() and to_wfdb(), and that a record_name that is not a str is refused before delineating."""
    result = delineate_record(example_record_path(), leads=["II"])
    assert list(result.tables) == ["ii"]
    assert result.neurokit("II")[1] == result.neurokit("ii")[1]
    path = result.to_wfdb(write_dir=tmp_path, extension="lstm", lead="II")
    assert set(wfdb.rdann(os.path.splitext(path)[0], "lstm").chan) == {1}
    with pytest.raises(ValueError, match="Invalid lead 'v9'"):
        result.neurokit("v9")
    with pytest.raises(TypeError, match="record_name must be a str"):
        delineate_record(example_record_path(), leads=["ii"], record_name=5)


def test_several_leads_go_into_one_file_each_with_its_chan(two_leads, tmp_path):
    """Check to_wfdb(lead=[...]): every listed lead's marks in one file, each with its lead's chan, read back per chan
    exactly as the lead's own file; one missing sampfrom warned once; the fused delineation and an empty list are
    refused."""
    path = two_leads.to_wfdb(write_dir=tmp_path, extension="both", lead=["ii", "v5"])
    assert sorted(set(wfdb.rdann(path[: -len(".both")], "both").chan.tolist())) == [1, 10]
    for lead, chan in (("ii", 1), ("v5", 10)):
        alone = two_leads.to_wfdb(write_dir=tmp_path, extension=f"one{chan}", lead=lead)
        own = read_annotations(alone[: -len(f".one{chan}")], f"one{chan}")
        assert read_annotations(path[: -len(".both")], "both", chan=chan) == own
    with pytest.raises(ValueError, match=r"^lead == \[\], must name at least one lead"):
        two_leads.to_wfdb(write_dir=tmp_path, extension="none", lead=[])
    with pytest.raises(ValueError, match=r"the fused delineation \(None\) has a file of its own"):
        two_leads.to_wfdb(write_dir=tmp_path, extension="none", lead=["ii", None])


def test_a_printed_ecg_s_calibration_pulse_is_bridged_in_every_lead_of_a_record(tmp_path):
    """Check the record path (trial 19's paper ECG): a 1-mV calibration pulse before two leads of the bundled record
    is named per lead, no complex is found on it in either lead nor in the fused table, and the beats after it are
    those of the same record with a flat lead-in instead of the pulse."""
    record = wfdb.rdrecord(example_record_path(), channel_names=["ii", "v5"])
    rate = record.fs
    lead_in = np.repeat(record.p_signal[:1], int(0.4 * rate), axis=0)
    marked, flat = lead_in.copy(), lead_in.copy()
    marked[int(0.1 * rate):int(0.3 * rate)] += 1.0
    for name, head in (("marked", marked), ("flat", flat)):
        wfdb.wrsamp(name, fs=rate, units=["mV", "mV"], sig_name=["ii", "v5"], fmt=["16", "16"],
                    p_signal=np.vstack([head, record.p_signal]), write_dir=str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = delineate_record(str(tmp_path / "marked"))
    named = [str(w.message) for w in caught if "calibration pulse" in str(w.message)]
    assert sorted(m.split(" holds")[0] for m in named) == ["lead 'ii'", "lead 'v5'"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = delineate_record(str(tmp_path / "flat"))
    for lead in ("ii", "v5"):
        onsets = result.tables[lead]["ECG_R_Onsets"].dropna().to_numpy(float)
        assert onsets.min() > 0.3 * rate
        pd.testing.assert_series_equal(result.tables[lead]["ECG_R_Onsets"], reference.tables[lead]["ECG_R_Onsets"])
    assert result.fused["ECG_R_Onsets"].dropna().min() > 0.3 * rate


def test_a_record_all_in_uv_labelled_mv_is_fused_as_it_is():
    """Check the review's case: every lead stored in uV but labelled mV (no lead to compare with) keeps its fused
    beats (none is left out as too loud, no such warning), as one lead in uV beside leads in mV does not."""
    import wfdb

    record = wfdb.rdrecord(example_record_path())
    loud = wfdb.Record(record_name="all_uv", fs=record.fs, sig_name=record.sig_name, units=list(record.units),
                       p_signal=record.p_signal * 1000.0, n_sig=record.n_sig, sig_len=record.sig_len)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = delineate_record(loud, fusion="percentile")
    assert not [w for w in caught if "no ECG does" in str(w.message)]
    reference = delineate_record(example_record_path(), fusion="percentile")
    assert len(result.fused) == len(reference.fused) > 5 and (result.fused["n_leads"] == 12).all()
    signal = np.column_stack([record.p_signal * 1000.0, np.random.default_rng(0).normal(0, 0.005, record.sig_len)])
    with_dead = wfdb.Record(record_name="all_uv_dead", fs=record.fs, sig_name=[*record.sig_name, "v7"],
                            units=[*record.units, "mV"], p_signal=signal, n_sig=record.n_sig + 1, sig_len=record.sig_len)
    with warnings.catch_warnings():  # a dead channel among them: the twelve are compared as they are, it is silent
        warnings.simplefilter("ignore")
        dead = delineate_record(with_dead, fusion="percentile")
    assert len(dead.fused) == len(reference.fused) and (dead.fused["n_leads"] == 12).all()
