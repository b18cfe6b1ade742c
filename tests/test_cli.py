"""Tests of the nk-qrs-lstm command line."""

import pandas as pd

from nk_qrs_lstm.cli import main
from nk_qrs_lstm.examples import example_record_path


def test_example_command(tmp_path, capsys):
    """Check that `nk-qrs-lstm example` prints a table and writes the CSV and plot asked for."""
    csv, png = tmp_path / "out.csv", tmp_path / "out.png"
    assert main(["example", "--csv", str(csv), "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "QRS_ms" in out and "fused" in out
    frame = pd.read_csv(csv)
    assert set(frame["lead"]) == {"ii", "v2", "v5", "fused"}
    assert png.stat().st_size > 10_000


def test_delineate_command_writes_annotations(tmp_path, capsys):
    """Check that `nk-qrs-lstm delineate RECORD --out-annotation EXT` writes a WFDB annotation file."""
    assert main(["delineate", example_record_path(), "--leads", "0", "--out-annotation", "lstm",
                 "--annotation-dir", str(tmp_path)]) == 0
    assert (tmp_path / "3.lstm").exists()
