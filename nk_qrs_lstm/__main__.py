"""``python -m nk_qrs_lstm``: the command line (:func:`nk_qrs_lstm.cli.main`), as the ``nk-qrs-lstm`` script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
