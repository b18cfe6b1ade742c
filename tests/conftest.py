"""Shared fixtures: the reference databases, skipped cleanly when absent.

The databases live in ``../shared/data/{ludb,qtdb}`` relative to the project
root (the package's default paths); ``NK_QRS_LSTM_DATA`` may point elsewhere.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NK_QRS_LSTM_DATA", ROOT.parent / "shared" / "data"))


def _database(name, marker):
    path = DATA / name
    if not (path / marker).is_file():
        pytest.skip(f"{name.upper()} is not available at {path} (set NK_QRS_LSTM_DATA).")
    return str(path)


@pytest.fixture(scope="session")
def data_dir():
    """Folder holding the reference databases (skip the test if missing)."""
    if not DATA.is_dir():
        pytest.skip(f"reference data folder {DATA} is missing.")
    return str(DATA)


@pytest.fixture(scope="session")
def ludb_path():
    """Path of LUDB (``RECORDS``, ``ludb.csv``, ``data/``)."""
    return _database("ludb", "RECORDS")


@pytest.fixture(scope="session")
def qtdb_path():
    """Path of the QTDB subset (``RECORDS`` and the record files)."""
    return _database("qtdb", "RECORDS")


@pytest.fixture(scope="session")
def sel100(qtdb_path):
    """QTDB record sel100 read by :func:`nk_qrs_lstm.training.datasets.read_qtdb` (both leads)."""
    from nk_qrs_lstm.training.datasets import read_qtdb

    return read_qtdb("sel100", path=qtdb_path)


@pytest.fixture(scope="session")
def ludb1_ii(ludb_path):
    """Lead ii of LUDB record 1 read by :func:`nk_qrs_lstm.training.datasets.read_ludb`."""
    from nk_qrs_lstm.training.datasets import read_ludb

    return read_ludb(1, path=ludb_path, leads=["ii"])[0]


@pytest.fixture
def network_calls(monkeypatch):
    """List of the window counts of every network call the pipeline makes during the test."""
    from nk_qrs_lstm import pipeline

    calls = []
    real = pipeline.predict_windows

    def counting(windows, **kwargs):
        calls.append(len(windows))
        return real(windows, **kwargs)

    monkeypatch.setattr(pipeline, "predict_windows", counting)
    return calls
