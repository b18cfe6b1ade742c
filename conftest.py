"""Root pytest configuration: skip doctest collection of training modules on a light install."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("keras") is None:
    collect_ignore += ["nk_qrs_lstm/training/model.py", "nk_qrs_lstm/training/train.py", "nk_qrs_lstm/training/export.py"]
