"""Small WFDB records written for the tests: multi-segment layouts, shared names, non-ECG channels.

Signals come from the bundled LUDB record 3 (10 s at 500 Hz), so that the
records can be delineated.
"""

import os

import numpy as np
import wfdb

from nk_qrs_lstm.examples import example_record_path


def example_leads(names=("ii", "v5")):
    """Leads of the bundled record: physical signal of shape (5000, len(names)) and the rate (500 Hz)."""
    record = wfdb.rdrecord(example_record_path(), channel_names=list(names))
    return record.p_signal, float(record.fs)


def write_record(folder, name, signal, sig_name, fs=500, units=None):
    """Write a single-segment record (16-bit samples); return its path without extension.

    Channel names may repeat (wfdb's ``wrsamp`` refuses that, so the header
    is edited after writing, as such files exist in the wild).
    """
    signal = np.asarray(signal, dtype=float).reshape(len(signal), -1)
    n = signal.shape[1]
    placeholders = [f"nkchannel{i}" for i in range(n)]
    wfdb.wrsamp(name, fs=fs, units=list(units or ["mV"] * n), sig_name=placeholders, p_signal=signal,
                fmt=["16"] * n, write_dir=str(folder))
    header = os.path.join(str(folder), f"{name}.hea")
    with open(header) as f:
        lines = f.read().splitlines()
    for i, sig in enumerate(sig_name):  # the channel name ends each signal line
        assert lines[1 + i].endswith(" " + placeholders[i])
        lines[1 + i] = lines[1 + i][: -len(placeholders[i])] + sig
    with open(header, "w") as f:
        f.write("\n".join(lines) + "\n")
    return os.path.join(str(folder), name)


def write_multisegment(folder, name, segments, sig_name, fs=500, layout="variable"):
    """Write a multi-segment record from single-segment ones; return its path without extension.

    ``segments`` lists ``(segment name, signal, channel names)`` tuples, or
    ``("~", n_samples)`` for a null segment. A variable layout gets a layout
    segment ``<name>_layout`` naming ``sig_name``; a fixed layout has none
    (every segment must then hold ``sig_name``).
    """
    lines, total = [], 0
    for segment in segments:
        if segment[0] == "~":
            lines.append(f"~ {segment[1]}")
            total += segment[1]
            continue
        seg_name, signal, names = segment
        write_record(folder, seg_name, signal, names, fs=fs)
        lines.append(f"{seg_name} {len(signal)}")
        total += len(signal)
    if layout == "variable":
        with open(os.path.join(str(folder), f"{name}_layout.hea"), "w") as f:
            f.write(f"{name}_layout {len(sig_name)} {fs} 0\n")
            f.writelines(f"~ 0 200/mV 16 0 0 0 0 {s}\n" for s in sig_name)
        lines.insert(0, f"{name}_layout 0")
    with open(os.path.join(str(folder), f"{name}.hea"), "w") as f:
        f.write(f"{name}/{len(lines)} {len(sig_name)} {fs} {total}\n")
        f.writelines(line + "\n" for line in lines)
    return os.path.join(str(folder), name)


def variable_layout_record(folder, name="multi"):
    """A variable-layout record of the example's ii and v5: 5 s of both, 1 s null, 4 s of ii alone.

    Returns the path and the expected (5000, 2) signal, NaN where no segment holds the lead.
    """
    signal, fs = example_leads(("ii", "v5"))
    first, second = signal[:2500], signal[3000:]
    path = write_multisegment(folder, name, [(f"{name}_1", first, ["ii", "v5"]), ("~", 500),
                                             (f"{name}_2", second[:, :1], ["ii"])], ["ii", "v5"], fs=fs)
    expected = np.vstack([first, np.full((500, 2), np.nan), np.column_stack([second[:, 0], np.full(2000, np.nan)])])
    return path, expected
