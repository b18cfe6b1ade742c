"""Tests of the nk-qrs-lstm command line (in-process: ``cli.main([...])``)."""

import importlib.util
import shutil
import sys

import matplotlib.figure
import numpy as np
import pandas as pd
import pytest
import wfdb

import nk_qrs_lstm
from nk_qrs_lstm import cli, runtime
from nk_qrs_lstm.cli import main
from nk_qrs_lstm.examples import example_record_path

COMMANDS = ["delineate", "example", "delineate-db", "train", "export", "benchmark"]


def _one_error_line(capsys, command):
    """The single stderr line of a user error (and check it is one line without traceback)."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"nk-qrs-lstm {command}: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def database(tmp_path):
    """A WFDB database folder holding the bundled record as ``data/3`` (12 leads, 10 s)."""
    folder = tmp_path / "db" / "data"
    folder.mkdir(parents=True)
    for suffix in (".hea", ".dat"):
        shutil.copy(example_record_path() + suffix, folder / f"3{suffix}")
    (tmp_path / "db" / "RECORDS").write_text("data/3\n")
    return tmp_path / "db"


def test_example_command(tmp_path, capsys):
    """Check that `nk-qrs-lstm example` prints a table and writes the CSV asked for."""
    csv = tmp_path / "out.csv"
    assert main(["example", "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "QRS_ms" in out and "fused" in out
    frame = pd.read_csv(csv)
    assert set(frame["lead"]) == {"ii", "v2", "v5", "fused"}
    # delineate-db's table: the rate and the intervals in ms beside the samples (a trial mixed 250 / 500-Hz files)
    from nk_qrs_lstm.database import TABLE_COLUMNS

    assert list(frame.columns) == list(TABLE_COLUMNS) and (frame["sampling_rate"] == 500).all()
    row = frame.dropna(subset=["QRS_ms"]).iloc[0]
    assert row["QRS_ms"] == pytest.approx((row["ECG_R_Offsets"] - row["ECG_R_Onsets"]) * 2.0)


def test_delineate_command_writes_annotations(tmp_path, capsys):
    """Check that `nk-qrs-lstm delineate RECORD --out-annotation EXT` writes a WFDB annotation file."""
    assert main(["delineate", example_record_path(), "--leads", "0", "--out-annotation", "lstm",
                 "--annotation-dir", str(tmp_path)]) == 0
    assert (tmp_path / "3.lstm").exists()
    written = (tmp_path / "3.lstm").read_bytes()
    # a second run (or an expert's file of that extension) is refused in one line naming the option, before the
    # network runs (a trial waited for the delineation to be told), then replaced
    capsys.readouterr()
    assert main(["delineate", example_record_path(), "--leads", "1", "--out-annotation", "lstm",
                 "--annotation-dir", str(tmp_path)]) == 2
    out = capsys.readouterr()
    assert "pass overwrite=True (--overwrite on the command line)" in out.err and "Record 3" not in out.out
    assert (tmp_path / "3.lstm").read_bytes() == written
    assert main(["delineate", example_record_path(), "--leads", "1", "--out-annotation", "lstm",
                 "--annotation-dir", str(tmp_path), "--overwrite"]) == 0
    assert (tmp_path / "3.lstm").read_bytes() != written


def test_per_lead_annotations_from_the_command_line(tmp_path, capsys):
    """Check `delineate --out-annotation EXT --per-lead`: every lead's marks in RECORD.EXT with their chan (ii: 1,
    v5: 10 in the 12-lead record), and --per-lead without --out-annotation refused in one line."""
    import wfdb

    assert main(["delineate", example_record_path(), "--leads", "ii", "v5", "--out-annotation", "lstm",
                 "--annotation-dir", str(tmp_path), "--per-lead"]) == 0
    assert sorted(set(wfdb.rdann(str(tmp_path / "3"), "lstm").chan.tolist())) == [1, 10]
    assert main(["delineate", example_record_path(), "--per-lead"]) == 2
    assert "--per-lead sets what --out-annotation writes" in capsys.readouterr().err


def test_version(capsys):
    """Check that --version prints the program name and the package version."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"nk-qrs-lstm {nk_qrs_lstm.__version__}\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(command, capsys):
    """Check that `nk-qrs-lstm COMMAND --help` prints that command's usage, under this program's name."""
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: nk-qrs-lstm {command} ")
    assert "python -m" not in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_is_described(command):
    """Check that every option and argument of every command has a help text."""
    if command in cli.DELEGATED:
        parser = cli.subcommand_parser(command)
    else:
        parser = cli.build_parser()._subparsers._group_actions[0].choices[command]
    undescribed = [a.dest for a in parser._actions if not a.help]
    assert undescribed == []


def test_example_help_names_its_record_and_leads(capsys):
    """Check that `example --help` describes the bundled record, not `delineate`'s RECORD argument."""
    main(["example", "--help"])
    out = capsys.readouterr().out
    assert "LUDB record 3" in out and "default: ii v2 v5" in out and "record " not in out.split("\n")[0]


def test_delineate_db_help_names_both_formats(capsys):
    """Check that `delineate-db --help` names parquet and csv and the automatic choice."""
    main(["delineate-db", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "{auto,parquet,csv}" in out and "auto: parquet when pyarrow is installed, else csv" in out


@pytest.mark.parametrize("args, message", [
    (["delineate", "no/such/record"], "WFDB header 'no/such/record.hea' does not exist"),
    (["example", "--leads", "ii", "x2"], "Invalid lead 'x2'. Available leads are 'i', 'ii'"),
    (["example", "--annotation-dir", "no/such/dir"], "argument --annotation-dir: 'no/such/dir' is not an existing "
                                                     "folder."),
    (["example", "--out-annotation", "a.b"], "argument --out-annotation: extension == 'a.b', must contain only "
                                             "letters and digits."),
    (["example", "--plot", "out.png", "--start", "-1"], "argument --start: must be a number of seconds >= 0, "
                                                       "got '-1'."),
    (["example", "--plot", "out.png", "--duration", "0"], "argument --duration: must be a number of seconds > 0, "
                                                         "got '0'."),
    (["example", "--plot", "out.png", "--start", "12"], "--start == 12, must be less than the record's duration "
                                                       "(10 s)."),
    (["example", "--start", "2"], "--start and --duration set the window of --plot, which is not given; add "
                                  "--plot FILE."),
    (["example", "--plot", "out.xyz"], "argument --plot: 'out.xyz' must end in one of "),
    (["delineate-db", "no/such/folder", "--out", "out"], "folder 'no/such/folder' is not an existing folder."),
    (["benchmark", "--methods", "lsmt"], "Invalid value for the 'method' parameter. Allowed values are 'cwt', "
                                         "'dwt', 'lstm', 'peak' and 'prominence', but got 'lsmt' instead. Did you "
                                         "mean 'lstm'?"),
])
def test_user_errors_are_one_line_with_status_2(args, message, capsys, tmp_path, monkeypatch):
    """Check that a user error prints one line naming the option and value on stderr and exits with status 2."""
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    line = _one_error_line(capsys, args[0])
    assert message in line


def test_usage_error_is_one_line(capsys):
    """Check that an argparse usage error (unknown command) is one line pointing at --help, status 2."""
    assert main(["delinate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("nk-qrs-lstm: error: argument COMMAND: invalid choice: 'delinate'")
    assert err.rstrip().endswith("(see 'nk-qrs-lstm --help')")


def test_debug_shows_the_traceback():
    """Check that --debug, anywhere on the line, lets the exception through (with its traceback)."""
    with pytest.raises(FileNotFoundError, match="no/such/record.hea"):
        main(["delineate", "no/such/record", "--debug"])
    with pytest.raises(FileNotFoundError):
        main(["--debug", "delineate", "no/such/record"])


def test_out_annotation_checked_before_delineation(monkeypatch, capsys):
    """Check that a bad --out-annotation stops the command before any delineation."""
    import nk_qrs_lstm.record

    def fail(*args, **kwargs):
        raise AssertionError("delineate_record was called")

    monkeypatch.setattr(nk_qrs_lstm.record, "delineate_record", fail)
    assert main(["example", "--out-annotation", "hea"]) == 2
    assert "must not be 'hea' or 'dat'" in _one_error_line(capsys, "example")


@pytest.mark.parametrize("command, args", [("train", ["--out", "run"]), ("export", ["model.keras"])])
def test_training_commands_without_keras(command, args, monkeypatch, capsys, tmp_path):
    """Check that train/export on an install without keras end in one line naming the train extra, status 2."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "keras", None)  # import keras -> ModuleNotFoundError, find_spec -> None
    assert main([command, *args]) == 2
    line = _one_error_line(capsys, command)
    assert line == (f"nk-qrs-lstm {command}: error: {command} needs keras, which is not installed; install the "
                    'train extra: pip install "nk-qrs-lstm[train]"')


def test_benchmark_exits_0_and_prints_no_results(ludb_path, monkeypatch, capsys, tmp_path):
    """Check that a successful `benchmark` exits with status 0 and does not dump its result objects."""
    from nk_qrs_lstm.defaults import BEAT_KEYS
    from nk_qrs_lstm.registry import register_delineator, unregister_delineator

    @register_delineator("tiny")
    def tiny(ecg, rpeaks, sampling_rate):
        n = 0 if rpeaks is None else len(rpeaks)
        return {key: np.full(n, np.nan) for key in BEAT_KEYS}

    try:
        status = main(["benchmark", "--methods", "tiny", "--databases", "ludb", "--limit", "1", "--ludb", ludb_path,
                       "--results", str(tmp_path / "res")])
    finally:
        unregister_delineator("tiny")
    assert status == 0
    captured = capsys.readouterr()
    assert "BenchmarkResult" not in captured.out + captured.err
    assert (tmp_path / "res" / "ludb_tiny.json").exists()


def test_delineate_db_defaults_to_csv_without_pyarrow(database, tmp_path, monkeypatch, capsys):
    """Check that `delineate-db FOLDER --out DIR` works with its defaults when pyarrow is not installed (CSV)."""
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "pyarrow" else find_spec(name, *args))
    assert main(["delineate-db", str(database), "--out", str(tmp_path / "out"), "--quiet", "--leads", "ii"]) == 0
    assert "Delineated 1 of 1 records" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "out" / "delineation.csv")
    assert set(table["record"]) == {"data/3"} and set(table["lead"]) == {"ii", "fused"}
    assert (tmp_path / "out" / "data" / "3.lstm").exists()


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow is not installed")
def test_delineate_db_defaults_to_parquet_with_pyarrow(database, tmp_path, capsys):
    """Check that `delineate-db` writes Parquet by default when pyarrow is installed."""
    assert main(["delineate-db", str(database), "--out", str(tmp_path / "out"), "--quiet", "--leads", "ii"]) == 0
    assert (tmp_path / "out" / "delineation.parquet").exists()


def test_warnings_print_as_one_line(tmp_path, capsys):
    """Check that a warning prints as one 'nk-qrs-lstm: warning: ...' line, without a source line."""
    record = wfdb.rdrecord(example_record_path(), channel_names=["ii"])
    signal = np.column_stack([record.p_signal[:, 0], np.zeros(record.sig_len)])
    wfdb.wrsamp("flat", fs=record.fs, units=["mV", "mV"], sig_name=["ii", "flat"], p_signal=signal,
                fmt=["16", "16"], write_dir=str(tmp_path))
    assert main(["delineate", str(tmp_path / "flat")]) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines and all(line.startswith("nk-qrs-lstm: warning: ") for line in lines), lines
    assert any("flat" in line for line in lines)


def test_plot_window_one_panel_per_lead(tmp_path, monkeypatch, capsys):
    """Check that --plot draws one panel per lead over --start/--duration, running the network once per lead."""
    figures, calls = [], []
    savefig, get_runner = matplotlib.figure.Figure.savefig, runtime.get_runner

    def keep(fig, *args, **kwargs):
        figures.append(fig)
        return savefig(fig, *args, **kwargs)

    def counted(*args, **kwargs):
        calls.append(args)
        return get_runner(*args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", keep)
    monkeypatch.setattr(runtime, "get_runner", counted)
    png = tmp_path / "out.png"
    assert main(["example", "--leads", "ii", "v5", "--plot", str(png), "--start", "2", "--duration", "4"]) == 0
    assert png.stat().st_size > 10_000
    assert len(calls) == 2  # one network run per lead, shared by delineation and plot
    (fig,) = figures
    panels = [ax for ax in fig.axes if ax.get_ylabel() == "ECG"]
    assert [ax.get_title(loc="left") for ax in panels] == ["lead ii", "lead v5"]
    start, end = panels[0].get_xlim()
    assert start == pytest.approx(2.0) and end == pytest.approx(6.0, abs=0.01)


def test_plot_default_window_is_first_10_s(tmp_path, monkeypatch):
    """Check that --plot without --start/--duration shows the first 10 s (the window cut at the record's end)."""
    figures = []
    savefig = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda fig, *a, **k: (figures.append(fig), savefig(fig, *a, **k))[1])
    assert main(["example", "--leads", "ii", "--plot", str(tmp_path / "out.svg")]) == 0
    (panel,) = [ax for ax in figures[0].axes if ax.get_ylabel() == "ECG"]
    assert panel.get_xlim() == pytest.approx((0.0, 9.998))


def test_time_scale_option(tmp_path, capsys):
    """Check that --time-scale reaches the delineation (another table than the default) and that a value outside
    1-3 is refused by argparse, naming the option."""
    plain, scaled = tmp_path / "plain.csv", tmp_path / "scaled.csv"
    assert main(["example", "--leads", "ii", "--csv", str(plain)]) == 0
    assert main(["example", "--leads", "ii", "--csv", str(scaled), "--time-scale", "1.5"]) == 0
    assert plain.read_text() != scaled.read_text()
    assert main(["example", "--time-scale", "0.5"]) == 2  # argparse's usage error
    assert "--time-scale == 0.5, must be from 1 to 3" in capsys.readouterr().err


def test_python_dash_m_runs_the_command_line():
    """Check that ``python -m nk_qrs_lstm`` is the command line, as the ``nk-qrs-lstm`` script (a new-user trial,
    20, found no ``__main__``)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "nk_qrs_lstm", "--version"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "nk-qrs-lstm" in done.stdout + done.stderr, done.stderr[-2000:]


def test_no_rhythm_gate_option(tmp_path, ludb_path):
    """Check that --no-rhythm-gate reaches the delineation: the AF record 88 of LUDB gets P waves with it, none
    without."""
    record = f"{ludb_path}/data/88"
    gated, kept = tmp_path / "gated.csv", tmp_path / "kept.csv"
    assert main(["delineate", record, "--leads", "ii", "--csv", str(gated)]) == 0
    assert main(["delineate", record, "--leads", "ii", "--csv", str(kept), "--no-rhythm-gate"]) == 0
    assert pd.read_csv(gated)["ECG_P_Onsets"].notna().sum() == 0 < pd.read_csv(kept)["ECG_P_Onsets"].notna().sum()
