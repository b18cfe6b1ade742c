"""Tests of nk_qrs_lstm.record: WFDB records in, fused delineation, annotations out."""

import numpy as np
import pandas as pd
import wfdb

from nk_qrs_lstm.examples import example_record_path
from nk_qrs_lstm.neurokit import NK_KEYS
from nk_qrs_lstm.record import delineate_record, fuse_leads


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
    assert list(waves) == list(NK_KEYS) and len(signals) == result.n_samples
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
