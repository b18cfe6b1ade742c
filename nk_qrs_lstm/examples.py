"""The example record bundled with the package (LUDB record 3, ODC-By; see ``data/ludb_example/README.md``)."""

import os
from importlib import resources


def example_record_path():
    """Local WFDB path (no extension) of the bundled LUDB record 3.

    A 10-s, 12-lead, 500 Hz record from the LUDB test split, with its expert
    annotations per lead (annotation extensions ``i`` ... ``v6``).

    Examples
    --------
    >>> import wfdb
    >>> wfdb.rdheader(example_record_path()).sig_name[:3]
    ['i', 'ii', 'iii']
    """
    return os.path.join(str(resources.files("nk_qrs_lstm").joinpath("data").joinpath("ludb_example")), "3")
