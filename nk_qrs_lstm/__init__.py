"""nk_qrs_lstm: a learned ECG delineator for NeuroKit2 and WFDB.

A Conv + bidirectional-LSTM network classifies every sample of an ECG as P
wave, QRS complex, T wave or background; onsets, peaks and offsets are read
off those probabilities and returned in NeuroKit2's formats.
"""

from ._checks import NKQRSLSTMWarning
from .delineate import ecg_delineate, ecg_delineate_proba, ecg_delineate_table
from .integration import ecg_process, register, unregister
from .record import delineate_record
from .registry import available_methods, register_delineator

__version__ = "0.1.0"

__all__ = [
    "NKQRSLSTMWarning",
    "available_methods",
    "ecg_delineate",
    "ecg_delineate_proba",
    "ecg_delineate_table",
    "delineate_record",
    "ecg_process",
    "register",
    "register_delineator",
    "unregister",
]
