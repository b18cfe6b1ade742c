"""Count calibration pulses (:func:`nk_qrs_lstm.calibration.calibration_pulses`) on real leads, where there are none.

    python benchmarks/pulse_check.py

The LUDB and QTDB train and validation leads (signals only; the test split is not looked at), raw and after
``nk.ecg_clean``: a rectangle found on a real ECG would be an ECG stretch bridged away. Prints the count per
database, split and input, and every lead with a pulse (2026-11-30: none on the 2,026 leads, raw or cleaned).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tune_decoding as td  # noqa: E402

from nk_qrs_lstm.calibration import calibration_pulses  # noqa: E402


def main():
    for database in ("ludb", "qtdb"):
        for part in ("train", "validation"):
            for kind in ("raw", "clean"):
                leads = found = 0
                for ecg in td.load(database, part):
                    pulses = calibration_pulses(td.signal_for(ecg, kind), float(ecg.sampling_rate))
                    leads, found = leads + 1, found + len(pulses)
                    if len(pulses):
                        print(f"  pulse: {database} {part} {kind} {ecg.record} {ecg.lead} {pulses.tolist()}")
                print(f"{database} {part} {kind}: {leads} leads, {found} pulses", flush=True)


if __name__ == "__main__":
    main()
