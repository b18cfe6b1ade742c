"""The one adapter between nk_qrs_lstm and the WFDB format (wfdb-python).

* :mod:`~nk_qrs_lstm.wfdb_io.records`: records in, every layout
  (single-segment, multi-segment fixed or variable), ECG channels by default;
* :mod:`~nk_qrs_lstm.wfdb_io.annotations`: annotation files written and read
  in QTDB's style;
* :mod:`~nk_qrs_lstm.wfdb_io.marks`: the marks <-> waves logic behind them
  (pure functions, also used by the training data readers).

Nothing here imports the training subpackage: a light install can read
records and write annotations.
"""

from .annotations import _check_extension, read_annotations, write_annotations, write_lead_annotations
from .marks import BEAT_SYMBOLS, WAVE_KEYS, parse_waves
from .records import is_ecg_channel, read_record, read_signals, record_path

__all__ = [
    "BEAT_SYMBOLS",
    "WAVE_KEYS",
    "is_ecg_channel",
    "parse_waves",
    "read_annotations",
    "read_record",
    "read_signals",
    "record_path",
    "write_annotations",
    "write_lead_annotations",
]
