"""nk_qrs_lstm: a learned ECG delineator for NeuroKit2 and WFDB."""
__version__ = "0.1.0"
