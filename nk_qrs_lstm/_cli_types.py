"""Option types and the one-line-error parser of the ``nk-qrs-lstm`` command line (:mod:`nk_qrs_lstm.cli`).

Each type checks one option's value and raises ``argparse.ArgumentTypeError`` with the rule and the value, which
the parser prints as one line, ``nk-qrs-lstm COMMAND: error: ...``, with status 2.
"""

import argparse
import os

import numpy as np


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line on stderr, status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _one_line_errors(parser):
    """Make a parser built elsewhere report usage errors like :class:`_Parser`."""
    parser.error = _Parser.error.__get__(parser)
    return parser


# --------------------------------------------------------------------------- option types
def _type(check):
    """An argparse ``type`` from a check that raises ValueError/TypeError with a clear message."""

    def convert(value):
        try:
            return check(value)
        except (TypeError, ValueError) as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    convert.__name__ = check.__name__
    return convert


def _seconds(minimum, strict):
    def seconds(value):
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"must be a number of seconds, got {value!r}.") from None
        if not np.isfinite(number) or number < minimum or (strict and number == minimum):
            raise ValueError(f"must be a number of seconds {'>' if strict else '>='} {minimum:g}, got {value!r}.")
        return number

    return _type(seconds)


def _time_scale(value):
    from ._checks import check_time_scale

    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"--time-scale must be a number, got {value!r}.") from None
    return check_time_scale(number, name="--time-scale")


def _extension(value):
    from .wfdb_io import _check_extension

    return _check_extension(value)


def _folder(value):
    if not os.path.isdir(value):
        raise ValueError(f"{value!r} is not an existing folder.")
    return value


def _output_file(value):
    folder = os.path.dirname(os.path.abspath(value))
    if not os.path.isdir(folder):
        raise ValueError(f"the folder of {value!r} ({folder!r}) does not exist.")
    return value


def _plot_file(value):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    _output_file(value)
    suffix = os.path.splitext(value)[1].lstrip(".").lower()
    formats = FigureCanvasAgg.get_supported_filetypes()
    if suffix not in formats:
        raise ValueError(f"{value!r} must end in one of .{', .'.join(sorted(formats))} (the image format), "
                         f"got {'.' + suffix if suffix else 'no extension'}.")
    return value


def _leads(values):
    """Lead names as given (the reader takes digits that name no channel as an index)."""
    return list(values) if values else None
