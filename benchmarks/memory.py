"""Peak memory of the per-beat table path on a Holter-length signal.

Usage::

    python benchmarks/memory.py [HOURS]      # default 24

Builds HOURS of one 500-Hz lead (one simulated minute tiled), runs
``nk_qrs_lstm.ecg_delineate_table`` and prints the number of beats, the time and
the process's peak RSS before and after (``resource.getrusage``; Linux reports
kilobytes). The peak includes the input itself and the imported libraries.
"""

import resource
import sys
import time

import neurokit2 as nk
import numpy as np

import nk_qrs_lstm

RATE = 500  # [Hz]


def _peak_gb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def main(hours=24.0):
    base = nk.ecg_simulate(duration=60, sampling_rate=RATE, heart_rate=70, random_state=0, noise=0.02)
    x = np.tile(base, int(round(hours * 60)))
    print(f"input: {x.nbytes / 1e9:.3f} GB ({hours:g} h at {RATE} Hz)", flush=True)
    before = _peak_gb()
    start = time.perf_counter()
    table = nk_qrs_lstm.ecg_delineate_table(x, sampling_rate=RATE)
    elapsed = time.perf_counter() - start
    print(f"{len(table)} beats in {elapsed:.1f} s; peak RSS before {before:.2f} GB, after {_peak_gb():.2f} GB")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 24.0)
