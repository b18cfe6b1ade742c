"""Wearable-like leads: the validation splits as a watch, a chest strap, a handheld recorder or a patch records them.

    python benchmarks/wearable.py [MODEL_DIR ...] [--devices watch strap ...] [--markdown FILE]

A new-user trial (2026-11-30, trial 12) built these from LUDB validation leads and found whole leads' P waves
refused by the rhythm gate with no warning. Each device applies, in this order, to a raw validation lead:

1. the ECG's size where the device sits (and the strap worn upside down: inverted);
2. motion (seeded by the lead): two baseline jumps of 0.5-1 mV decaying with a 1.5-s time constant, one faded 4-s
   stretch of 0.2-0.4 mV sway at 1-3 Hz, and two 0.1-0.25-s bursts of 8 mV (a knock on the electrode);
3. resampling to the device's rate (polyphase);
4. its on-board causal 2nd-order Butterworth band-pass;
5. its ADC: quantisation step and bits (values beyond the rails clip).

``DEVICES`` lists them (watch 512 Hz, 0.5x, 0.5-40 Hz, 12 bits of 5 uV; strap 130 Hz, inverted, 1-40 Hz, 10 bits of
10 uV; handheld 300 Hz, 0.5-40 Hz, 10 bits of 10 uV; patch 250 Hz, 0.4x, 0.5-40 Hz, 8 bits of 20 uV). The expert
marks are moved to the device's rate; nothing is left out around the bursts. Scored with the benchmark's scorer
(±150 ms one to one, F1 / mean / SD), every lead of the LUDB and QTDB validation splits, for the shipped model and
each ``MODEL_DIR``. :func:`device_lead` is also the ``watch`` / ``strap`` / ``handheld`` / ``patch`` input of
``tune_decoding.py cache`` (the rhythm gate's choices, ``tune_gate.py --robust``).
"""

import argparse
import dataclasses
import os
import sys
import zlib
from fractions import Fraction

import numpy as np
import scipy.signal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sway_check import validation_leads, write_table  # noqa: E402  (the same leads and table as the sway check's)


@dataclasses.dataclass(frozen=True)
class Device:
    rate: float  # [Hz]
    gain: float  # [-] size of the ECG where the device sits (negative: worn upside down)
    band_hz: tuple  # [Hz] causal 2nd-order Butterworth band-pass
    step_mv: float  # [mV] ADC quantisation step
    bits: int  # ADC bits (rails at +-step * 2 ** (bits - 1))


DEVICES = {
    "watch": Device(512.0, 0.5, (0.5, 40.0), 0.005, 12),
    "strap": Device(130.0, -1.0, (1.0, 40.0), 0.010, 10),
    "handheld": Device(300.0, 1.0, (0.5, 40.0), 0.010, 10),
    "patch": Device(250.0, 0.4, (0.5, 40.0), 0.020, 8),
}
JUMP_MV, JUMP_TAU_S = (0.5, 1.0), 1.5  # [mV], [s]
SWAY_MV, SWAY_HZ, SWAY_S = (0.2, 0.4), (1.0, 3.0), 4.0  # [mV], [Hz], [s]
BURST_MV, BURST_S = 8.0, (0.1, 0.25)  # [mV], [s]


def motion(x, rate, rng):
    """``x`` with two decaying baseline jumps, one faded 4-s stretch of 1-3 Hz sway and two short 8-mV bursts."""
    n = len(x)
    t = np.arange(n) / rate
    y = np.array(x, dtype=np.float64)
    for _ in range(2):
        t0 = rng.uniform(0, t[-1])
        y += np.where(t >= t0, rng.choice([-1.0, 1.0]) * rng.uniform(*JUMP_MV) * np.exp(-(t - t0) / JUMP_TAU_S), 0.0)
    m = min(int(SWAY_S * rate), n)
    at = int(rng.integers(0, n - m + 1))
    wave = np.sin(2 * np.pi * rng.uniform(*SWAY_HZ) * t[:m] + rng.uniform(0, 2 * np.pi))
    y[at : at + m] += rng.uniform(*SWAY_MV) * wave * scipy.signal.windows.tukey(m, 0.5)
    for _ in range(2):
        length = max(int(rng.uniform(*BURST_S) * rate), 1)
        at = int(rng.integers(0, max(n - length, 1)))
        y[at : at + length] += rng.choice([-1.0, 1.0]) * BURST_MV * np.hanning(length + 2)[1:-1]
    return y


def record(x, rate, device):
    """What ``device`` stores of the voltage ``x`` (mV at ``rate``): resampling, causal band-pass, ADC."""
    ratio = Fraction(device.rate / rate).limit_denominator(1000)
    y = scipy.signal.resample_poly(np.asarray(x, dtype=np.float64), ratio.numerator, ratio.denominator)
    y = scipy.signal.sosfilt(scipy.signal.butter(2, device.band_hz, btype="bandpass", fs=device.rate, output="sos"), y)
    half = 2 ** (device.bits - 1)
    return np.clip(np.round(y / device.step_mv), -half, half - 1) * device.step_mv


def device_lead(ecg, name):
    """The AnnotatedECG ``ecg`` as device ``name`` records it (motion first; marks and regions at the device's rate)."""
    device = DEVICES[name]
    rng = np.random.default_rng(zlib.crc32(f"{name}/{ecg.database}/{ecg.record}/{ecg.lead}".encode()))
    signal = record(motion(device.gain * np.asarray(ecg.signal, dtype=np.float64), ecg.sampling_rate, rng),
                    ecg.sampling_rate, device)
    scale = device.rate / ecg.sampling_rate
    waves = {kind: np.asarray(w, dtype=np.float64) * scale for kind, w in ecg.waves.items()}
    regions = np.minimum(np.round(np.asarray(ecg.regions, dtype=np.float64) * scale), len(signal)).astype(np.int64)
    return dataclasses.replace(ecg, signal=signal, sampling_rate=device.rate, waves=waves, regions=regions,
                               extra=dict(ecg.extra))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/wearable.py", description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="model folders written by nk_qrs_lstm.training.export")
    parser.add_argument("--devices", nargs="+", choices=list(DEVICES), default=list(DEVICES))
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    leads = validation_leads({name: (lambda e, name=name: device_lead(e, name)) for name in args.devices})
    write_table(" ".join(["python benchmarks/wearable.py", *args.models, "--devices", *args.devices]), args.models,
                leads, args.markdown)


if __name__ == "__main__":
    main()
