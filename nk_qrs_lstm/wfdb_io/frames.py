"""Multi-frequency WFDB records: ECG channels read at their own rate, not averaged to the frame rate.

A WFDB channel may hold several samples per frame (``samps_per_frame`` k > 1: an ECG at 500 Hz in a record whose
frame rate is 125 Hz). ``wfdb.rdrecord`` averages such a channel to the frame rate by default
(``smooth_frames=True``), losing its resolution. The leads are read here at ``fs * k`` where they share one k;
annotations then count samples at that rate (WFDB's high-resolution mode), and a ``sampfrom`` given in frames (as
``wfdb.rdrecord`` takes it) is k of those samples. Used by :mod:`nk_qrs_lstm.wfdb_io.records`.
"""

import numpy as np

from .._checks import _join, warn


def shared_frame_samples(samps_per_frame, index, names, record_name, smoothed=False):
    """Samples per frame of the channels ``index``: their common k (1 when none is oversampled).

    Channels with different k are read at the frame rate (averaged), with a warning naming them; so is a record
    already read with ``smooth_frames=True`` (``smoothed``), whose oversampled channels were averaged by wfdb.
    """
    per_channel = [int(samps_per_frame[i]) if samps_per_frame is not None else 1 for i in index]
    if max(per_channel, default=1) == 1:
        return 1
    described = _join(f"{names[i]} ({k} per frame)" for i, k in zip(index, per_channel) if k > 1)
    if smoothed:
        warn(f"Record {record_name!r}: channel(s) {described} hold several samples per frame, averaged to the frame "
             "rate by wfdb.rdrecord(..., smooth_frames=True); pass the record's path, or a record read with "
             "smooth_frames=False, to delineate them at their own rate.")
        return 1
    if len(set(per_channel)) > 1:
        warn(f"Record {record_name!r}: the leads hold different numbers of samples per frame "
             f"({_join(f'{names[i]}: {k}' for i, k in zip(index, per_channel))}), so they are read at the frame "
             "rate (averaged); pass leads= sharing one rate to delineate them at it.")
        return 1
    return per_channel[0]


def expanded_physical(record, columns):
    """Physical values of the ``columns`` of a record read with ``smooth_frames=False``, one array (n, columns)."""
    if record.e_p_signal is not None:
        signals = [np.asarray(record.e_p_signal[c], dtype=np.float64) for c in columns]
    elif record.e_d_signal is not None:
        physical = record.dac(expanded=True, return_res=64)
        signals = [np.asarray(physical[c], dtype=np.float64) for c in columns]
    else:
        raise ValueError("record has no signal (neither p_signal, d_signal, e_p_signal nor e_d_signal).")
    lengths = {len(s) for s in signals}
    if len(lengths) > 1:
        raise ValueError(f"the channels read hold different numbers of samples ({_join(sorted(lengths))}); read "
                         "leads sharing one number of samples per frame, or the record with smooth_frames=True.")
    return np.column_stack(signals)
