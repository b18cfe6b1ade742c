"""Tests of nk_qrs_lstm.batch: whole databases, serially and on Dask, with failing records."""

import os
import re
import shutil
import sys

import numpy as np
import pandas as pd
import pytest
import wfdb

from nk_qrs_lstm import NKQRSLSTMWarning
from nk_qrs_lstm.batch import FIDUCIALS, TABLE_COLUMNS, delineate_database, find_records
from nk_qrs_lstm.cli import main
from wfdb_records import variable_layout_record

RECORDS = ["data/1", "data/2", "data/3"]
LEADS = ["ii", "v5"]
RATE = 500.0  # [Hz] LUDB


@pytest.fixture(scope="module")
def serial(ludb_path, tmp_path_factory):
    """Serial run on three LUDB records, two leads."""
    out = tmp_path_factory.mktemp("serial")
    return delineate_database(ludb_path, out, records=RECORDS, leads=LEADS, progress=False)


def _copy_records(ludb_path, folder, numbers):
    """Copy LUDB records (header and signal only) into ``folder/data``; return their paths."""
    os.makedirs(folder / "data")
    for n in numbers:
        for ext in ("hea", "dat"):
            shutil.copyfile(os.path.join(ludb_path, "data", f"{n}.{ext}"), folder / "data" / f"{n}.{ext}")
    return [folder / "data" / str(n) for n in numbers]


def _truncate_signal(record):
    with open(f"{record}.dat", "r+b") as f:
        f.truncate(1000)


def _garble_header(record):
    with open(f"{record}.hea", "w") as f:
        f.write("this is not a WFDB header\n")


def _check_failure_kept_others(result, serial, failed, error):
    assert list(result.failures.columns) == ["record", "error", "message"]
    assert result.failures["record"].tolist() == [failed]
    assert result.failures["error"].tolist() == [error]
    assert pd.read_csv(result.failures_path)["record"].tolist() == [failed]
    assert list(result.annotation_paths) == ["data/1"]
    expected = serial.table[serial.table["record"] == "data/1"].reset_index(drop=True)
    pd.testing.assert_frame_equal(result.table, expected)
    pd.testing.assert_frame_equal(pd.read_parquet(result.table_path), expected)


def test_an_earlier_run_is_not_replaced_without_overwrite(ludb_path, tmp_path, capsys):
    """Check that a second run into the same out (here on fewer records: it would replace the whole table), or into
    the database folder itself with its experts' extension, is refused before any record is read, naming the files
    and the fix, and leaves them as they were; overwrite=True / --overwrite replaces them."""
    out = tmp_path / "out"
    first = delineate_database(ludb_path, out, records=["data/1", "data/2"], leads=["ii"], table_format="csv",
                               progress=False)
    before = {p: open(p, "rb").read() for p in [first.table_path, *first.annotation_paths.values()]}
    with pytest.raises(FileExistsError, match=re.escape("already holds 4 file(s) this run would replace: "
                                                        "'delineation.csv', 'failures.csv', 'warnings.csv' and "
                                                        "1 more")):
        delineate_database(ludb_path, out, records=["data/2"], leads=["ii"], table_format="csv", progress=False)
    assert {p: open(p, "rb").read() for p in before} == before
    assert main(["delineate-db", str(ludb_path), "--out", str(out), "--records", "data/2", "--leads", "ii",
                 "--format", "csv", "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    again = delineate_database(ludb_path, out, records=["data/2"], leads=["ii"], table_format="csv",
                               progress=False, overwrite=True)
    assert again.table["record"].unique().tolist() == ["data/2"]
    copy = tmp_path / "db"
    _copy_records(ludb_path, copy, [1])
    shutil.copyfile(os.path.join(ludb_path, "data", "1.ii"), copy / "data" / "1.ii")
    with pytest.raises(FileExistsError, match=re.escape("'data/1.ii'")):
        delineate_database(copy, copy, leads=["ii"], annotation_extension="ii", table_format="csv", progress=False)
    assert (copy / "data" / "1.ii").read_bytes() == open(os.path.join(ludb_path, "data", "1.ii"), "rb").read()


def test_per_lead_annotation_files(ludb_path, tmp_path):
    """Check per_lead=True: each record's file holds every lead's marks with its chan (ii 1, v5 10), the same marks
    as that lead's table; a non-bool is refused before any work."""
    from nk_qrs_lstm.wfdb_io import read_annotations

    result = delineate_database(ludb_path, tmp_path / "out", records=["data/1"], leads=LEADS, table_format="csv",
                                progress=False, per_lead=True)
    path = result.annotation_paths["data/1"][: -len(".lstm")]
    assert sorted(set(wfdb.rdann(path, "lstm").chan.tolist())) == [1, 10]
    ii = result.table[(result.table["lead"] == "ii")]["ECG_R_Onsets"].dropna().to_numpy(dtype=float)
    assert np.array_equal(np.asarray(read_annotations(path, "lstm", chan=1)["ECG_R_Onsets"], dtype=float), ii)
    with pytest.raises(TypeError, match=r"^per_lead == 'yes', must be True or False\.$"):
        delineate_database(ludb_path, tmp_path / "other", per_lead="yes", progress=False)
    assert not (tmp_path / "other").exists()


def test_serial_table_and_annotations(serial, tmp_path):
    """Check that a serial run writes the tidy table and one readable annotation file per record."""
    table = serial.table
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert table["record"].unique().tolist() == RECORDS
    assert set(table["lead"]) == {*LEADS, "fused"}
    assert (table["sampling_rate"] == RATE).all()
    assert serial.failures.empty and pd.read_csv(serial.failures_path).empty
    pd.testing.assert_frame_equal(pd.read_parquet(serial.table_path), table)
    assert sorted(serial.annotation_paths) == RECORDS
    for record, path in serial.annotation_paths.items():
        assert path == os.path.join(os.path.dirname(serial.table_path), f"{record}.lstm")
        ann = wfdb.rdann(path[: -len(".lstm")], "lstm")
        fused = table[(table["record"] == record) & (table["lead"] == "fused")]
        assert ann.symbol.count("N") == np.isfinite(fused["ECG_R_Peaks"]).sum() > 5
        assert ann.fs == RATE
    for lead_table in table.groupby(["record", "lead"]):
        assert lead_table[1]["beat"].tolist() == list(range(len(lead_table[1])))


def test_seconds_and_intervals_follow_fiducials(serial):
    """Check that seconds are samples / rate and PR, QRS and QT (ms) are the fiducial differences, NaN where missing."""
    table = serial.table.astype({key: float for key in FIDUCIALS})
    for key in FIDUCIALS:
        np.testing.assert_allclose(table[f"{key}_s"], table[key] / RATE, equal_nan=True)
    ms = 1000.0 / RATE
    np.testing.assert_allclose(table["PR_ms"], (table["ECG_R_Onsets"] - table["ECG_P_Onsets"]) * ms, equal_nan=True)
    np.testing.assert_allclose(table["QRS_ms"], (table["ECG_R_Offsets"] - table["ECG_R_Onsets"]) * ms,
                               equal_nan=True)
    np.testing.assert_allclose(table["QT_ms"], (table["ECG_T_Offsets"] - table["ECG_R_Onsets"]) * ms, equal_nan=True)
    assert table.loc[table["ECG_P_Onsets"].isna(), "PR_ms"].isna().all()
    assert table.loc[table["ECG_T_Offsets"].isna(), "QT_ms"].isna().all()
    full = table.dropna(subset=["PR_ms", "QRS_ms", "QT_ms"])
    assert len(full) > 0.5 * len(table)
    assert (full["PR_ms"] > 0).all() and (full["QRS_ms"] > 0).all() and (full["QT_ms"] > full["QRS_ms"]).all()


def test_dask_local_cluster_equals_serial(serial, ludb_path, tmp_path):
    """Check that a Dask LocalCluster of two workers gives the same table and annotation files as the serial run."""
    pytest.importorskip("distributed")
    result = delineate_database(ludb_path, tmp_path, records=RECORDS, leads=LEADS, scheduler="local",
                                n_workers=2, progress=False)
    pd.testing.assert_frame_equal(result.table, serial.table)
    assert result.failures.empty
    for record in RECORDS:
        with open(result.annotation_paths[record], "rb") as a, open(serial.annotation_paths[record], "rb") as b:
            assert a.read() == b.read()


def test_corrupt_record_serial(serial, ludb_path, tmp_path):
    """Check that a serial run reports a truncated signal file and keeps the other record's results."""
    folder = tmp_path / "db"
    paths = _copy_records(ludb_path, folder, [1, 2])
    _truncate_signal(paths[1])
    assert find_records(folder) == ["data/1", "data/2"]  # no RECORDS file: every *.hea
    with pytest.warns(NKQRSLSTMWarning, match=r"^1 of 2 records failed and were skipped \(first: data/2, "):
        result = delineate_database(folder, tmp_path / "out", leads=LEADS, progress=False)
    _check_failure_kept_others(result, serial, "data/2", "ValueError")
    assert os.path.isfile(tmp_path / "out" / "data" / "1.lstm")
    assert not os.path.exists(tmp_path / "out" / "data" / "2.lstm")


def test_corrupt_record_dask(serial, ludb_path, tmp_path):
    """Check that on a running Dask cluster (by address) a garbled header is reported and the other record kept."""
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "db"
    paths = _copy_records(ludb_path, folder, [1, 2])
    _garble_header(paths[1])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address="127.0.0.1:0") as cluster:
        with pytest.warns(NKQRSLSTMWarning, match=r"^1 of 2 records failed"):
            result = delineate_database(folder, tmp_path / "out", leads=LEADS, scheduler=cluster.scheduler_address,
                                        progress=False)
    _check_failure_kept_others(result, serial, "data/2", "ValueError")
    assert "HeaderSyntaxError" in result.failures["message"].iloc[0]  # wfdb's reason, named


def test_find_records_reads_records_file(tmp_path):
    """Check that RECORDS lines (sub-folders, comments, sub-databases) are followed and *.hea sorted naturally."""
    (tmp_path / "RECORDS").write_text("# comment\ndata/1\n\ndata/10\nsub/\n")
    (tmp_path / "sub").mkdir()
    for name in ("2", "10", "1"):
        (tmp_path / "sub" / f"{name}.hea").write_text("")
    assert find_records(tmp_path) == ["data/1", "data/10", "sub/1", "sub/2", "sub/10"]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"scheduler": "lcoal"}, ValueError,
         "Invalid value for the 'scheduler' parameter. Allowed values are 'local' and 'tcp://HOST:PORT', but got "
         "'lcoal' instead. Did you mean 'local'?"),
        ({"n_workers": 2}, ValueError, "n_workers is only used with scheduler='local', got scheduler=None."),
        ({"table_format": "xlsx"}, ValueError,
         "Invalid value for the 'table_format' parameter. Allowed values are 'csv' and 'parquet', but got 'xlsx' "
         "instead."),
        ({"records": ["../other/1"]}, ValueError, "record '../other/1' must be a path inside folder (e.g. 'data/1')."),
        ({"records": []}, ValueError, "records is empty; pass None for every record of folder."),
    ],
)
def test_bad_arguments_fail_before_any_work(ludb_path, tmp_path, kwargs, error, message):
    """Check that bad arguments raise a clear error before anything is written."""
    with pytest.raises(error) as info:
        delineate_database(ludb_path, tmp_path / "out", progress=False, **kwargs)
    assert str(info.value) == message
    assert not (tmp_path / "out").exists()


def test_delineate_db_command(ludb_path, tmp_path, capsys):
    """Check that `nk-qrs-lstm delineate-db` writes the CSV table and the annotation files, and exits 0."""
    out = tmp_path / "out"
    code = main(["delineate-db", ludb_path, "--out", str(out), "--records", "data/1", "data/2", "--leads", "ii",
                 "--format", "csv", "--quiet"])
    assert code == 0
    assert "Delineated 2 of 2 records" in capsys.readouterr().out
    table = pd.read_csv(out / "delineation.csv")
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert set(table["record"]) == {"data/1", "data/2"}
    assert (out / "data" / "1.lstm").is_file() and (out / "data" / "2.lstm").is_file()
    assert main(["delineate-db", ludb_path, "--out", str(out), "--workers", "0"]) == 2
    assert "n_workers == 0, must be a whole number >= 1." in capsys.readouterr().err


def test_table_has_integer_sample_indices(serial, ludb_path, tmp_path):
    """Check that sample indices are nullable integers in the table and whole numbers in the CSV; seconds stay float."""
    table = serial.table
    assert all(table[key].dtype == "Int64" for key in FIDUCIALS)
    assert table["ECG_P_Onsets"].isna().any()  # missing points are <NA>, not a float NaN
    assert all(table[f"{key}_s"].dtype == np.float64 for key in FIDUCIALS)
    assert all(table[name].dtype == np.float64 for name in ("PR_ms", "QRS_ms", "QT_ms"))
    result = delineate_database(ludb_path, tmp_path, records=["data/1"], leads=["ii"], table_format="csv",
                                progress=False)
    with open(result.table_path) as f:
        header, *rows = [line.rstrip("\n").split(",") for line in f]
    for key in FIDUCIALS:
        column = [row[header.index(key)] for row in rows]
        assert all(re.fullmatch(r"\d*", value) for value in column), key  # 123 or empty, never 123.0
    assert result.table.dtypes.to_dict() == table.dtypes.to_dict()


def _unwritable(tmp_path):
    """Folders where no file can be written, even by root (/sys refuses new entries): an existing one, a new one."""
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        return ["/sys", "/sys/nk_qrs_lstm_out"]
    folder = tmp_path / "read_only"
    folder.mkdir(mode=0o500)
    return [str(folder), str(folder / "out")]


def test_unwritable_out_fails_before_any_work(ludb_path, tmp_path, monkeypatch):
    """Check that an out folder where nothing can be written raises a clear error naming out, before any record."""
    import nk_qrs_lstm.record

    def never(*args, **kwargs):
        raise AssertionError("a record was delineated")

    monkeypatch.setattr(nk_qrs_lstm.record, "delineate_record", never)
    for out in _unwritable(tmp_path):
        with pytest.raises(PermissionError) as info:
            delineate_database(ludb_path, out, records=["data/1"], progress=False)
        assert re.fullmatch(re.escape(f"out == {out!r}, must be a folder where files can be written (") + r"[^)]+"
                            + re.escape("); choose another output folder."), str(info.value))
    a_file = tmp_path / "file.txt"
    a_file.write_text("")
    with pytest.raises(NotADirectoryError, match="^" + re.escape(
        f"out == {str(a_file / 'out')!r}, must be a folder where files can be written (Not a directory); "
        "choose another output folder."
    ) + "$"):
        delineate_database(ludb_path, a_file / "out", records=["data/1"], progress=False)


def test_multi_segment_database(tmp_path):
    """Check that a folder holding a multi-segment record lists and delineates it once, not its segments."""
    folder = tmp_path / "db"
    folder.mkdir()
    variable_layout_record(folder, "multi")
    assert sorted(os.listdir(folder)) == ["multi.hea", "multi_1.dat", "multi_1.hea", "multi_2.dat", "multi_2.hea",
                                          "multi_layout.hea"]
    assert find_records(folder) == ["multi"]
    with pytest.warns(NKQRSLSTMWarning, match=r"^1 of 1 records gave warnings \(first: multi: .*warnings.csv\.$"):
        result = delineate_database(folder, tmp_path / "out", table_format="csv", progress=False)
    assert result.failures.empty and list(result.annotation_paths) == ["multi"]
    assert set(result.table["lead"]) == {"ii", "v5", "fused"}
    assert os.path.isfile(tmp_path / "out" / "multi.lstm")
    assert result.warnings["message"].str.startswith("lead 'v5' has 2500 non-finite samples").any()
    written = pd.read_csv(tmp_path / "out" / "warnings.csv")  # the per-record warnings, kept for the user
    assert written["message"].tolist() == result.warnings["message"].tolist()


def test_time_scale_reaches_every_record(ludb_path, tmp_path):
    """Check that delineate_database(time_scale=) gives each record delineate_record's answer at that time_scale,
    and refuses a value outside 1-3 by name before any work."""
    from nk_qrs_lstm.record import delineate_record

    result = delineate_database(ludb_path, tmp_path / "out", records=["data/1"], leads=LEADS, table_format="csv",
                                progress=False, time_scale=1.5)
    one = delineate_record(os.path.join(ludb_path, "data", "1"), leads=LEADS, time_scale=1.5)
    ii = result.table[(result.table["lead"] == "ii")]["ECG_R_Onsets"].dropna().to_numpy(dtype=float)
    assert np.array_equal(ii, one.tables["ii"]["ECG_R_Onsets"].dropna().to_numpy(dtype=float))
    plain = delineate_record(os.path.join(ludb_path, "data", "1"), leads=LEADS)
    assert not plain.tables["ii"].equals(one.tables["ii"])
    with pytest.raises(ValueError, match=r"^time_scale == 4, must be from 1 to 3"):
        delineate_database(ludb_path, tmp_path / "other", time_scale=4, progress=False)
    assert not (tmp_path / "other").exists()


def test_rhythm_gate_reaches_every_record(ludb_path, tmp_path):
    """Check that delineate_database(rhythm_gate=False) gives the atrial-fibrillation record 88 the P waves that
    delineate_record(rhythm_gate=False) reports (and the default refuses), in the per-lead and fused rows alike
    (fusion="proba" gets the option too), and refuses a value that is not True or False before any work."""
    from nk_qrs_lstm.record import delineate_record

    path = os.path.join(ludb_path, "data", "88")
    result = delineate_database(ludb_path, tmp_path / "out", records=["data/88"], leads=LEADS, table_format="csv",
                                progress=False, rhythm_gate=False)
    kept, gated = (delineate_record(path, leads=LEADS, rhythm_gate=g) for g in (False, True))
    assert result.table["ECG_P_Onsets"].notna().sum() > 10
    assert result.table["ECG_P_Onsets"].notna().sum() == sum(
        t["ECG_P_Onsets"].notna().sum() for t in [*kept.tables.values(), kept.fused])
    assert sum(t["ECG_P_Onsets"].notna().sum() for t in [*gated.tables.values(), gated.fused]) == 0
    assert delineate_record(path, leads=LEADS, rhythm_gate=False, fusion="proba").fused["ECG_P_Onsets"].notna().any()
    assert not delineate_record(path, leads=LEADS, fusion="proba").fused["ECG_P_Onsets"].notna().any()
    with pytest.raises(TypeError, match=r"^rhythm_gate == 'no', must be True or False"):
        delineate_database(ludb_path, tmp_path / "other", rhythm_gate="no", progress=False)
    assert not (tmp_path / "other").exists()
