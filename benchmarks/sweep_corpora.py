"""The signals of the robustness sweep (``benchmarks/sweep.py``): real ECG, and real ECG damaged on purpose.

* ``ludb``: every lead of every LUDB record (200 x 12 leads, 500 Hz, 10 s);
* ``qtdb``: both leads of every QTDB record in the folder (15 min, 250 Hz);
* ``fuzz``: real leads damaged deterministically (seeded; see :data:`CASES`):
  gaps, inf, flat, clipped, noise only, inverted, other units, extreme heart
  rates, other sampling rates, short fragments, plus every lead of one AF and
  one paced LUDB record.

Every signal is an :class:`Item` with an id (``ludb/1/ii``, ``qtdb/sel100/MLII``,
``fuzz/nan_gap/ludb-17-v2``) from which :func:`find_item` rebuilds it alone.
"""

import zlib
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

SEED = 20261129
N_BASES = (6, 2)  # [-] LUDB and QTDB leads the fuzz cases are built from
QTDB_BASE_S = 20.0  # [s] length of a QTDB excerpt used as a fuzz base
#: fuzz case -> (description, outside our documented domain)
CASES = {
    "nan_gap": ("1.5-s NaN gap", False),
    "inf_samples": ("12 samples set to +-inf", False),
    "flat_line": ("constant signal", False),
    "flat_segment": ("2-s flat segment inside (value held)", False),
    "clipped": ("saturated at the 5th / 95th percentiles", False),
    "noise_white": ("white noise only, no ECG", False),
    "noise_emg": ("EMG-like noise only (20-150 Hz bursts), no ECG", False),
    "inverted": ("lead inverted", False),
    "microvolt": ("units uV (x1000)", False),
    "int16_adc": ("int16 ADC units (200 adu/mV, baseline 1024)", False),
    "hr_30": ("stretched in time to ~30 bpm", False),
    "hr_220": ("compressed in time to ~220 bpm", False),
    "rate_100": ("resampled to 100 Hz", False),
    "rate_1000": ("resampled to 1000 Hz", False),
    "rate_2000": ("resampled to 2000 Hz", False),
    "fragment_1.2s": ("1.2-s fragment", False),
    "fragment_0.5s": ("0.5-s fragment (outside: < 1 s)", True),
    "rate_50": ("resampled to 50 Hz (warned: < 100 Hz)", False),
    "af_record": ("every lead of one LUDB AF record", False),
    "paced_record": ("every lead of one LUDB paced record", False),
}


@dataclass
class Item:
    """One signal of a corpus."""

    id: str
    corpus: str
    signal: np.ndarray
    fs: float
    case: str = ""
    outside: bool = False
    record: str = ""
    index: int = 0  # rank of the record in its corpus


# --------------------------------------------------------------------------- corpora
def _ludb(record, ludb):
    from nk_qrs_lstm.training.datasets import read_ludb

    return read_ludb(record, path=ludb)


def ludb_items(ludb, records):
    for record in records:
        for ecg in _ludb(record, ludb):
            yield Item(f"ludb/{record}/{ecg.lead}", "ludb", ecg.signal, ecg.sampling_rate, record=record)


def qtdb_items(qtdb, records):
    from nk_qrs_lstm.training.datasets import read_qtdb

    for record in records:
        for ecg in read_qtdb(record, path=qtdb):
            yield Item(f"qtdb/{record}/{ecg.lead}", "qtdb", ecg.signal, ecg.sampling_rate, record=record)


def _rng(key):
    return np.random.default_rng([SEED, zlib.crc32(key.encode())])


def _heart_rate(ecg):
    peaks = np.sort(ecg.waves["QRS"][:, 1])
    rr = np.diff(peaks[np.isfinite(peaks)]) / ecg.sampling_rate
    rr = rr[rr < 2.0]
    return 60.0 / np.median(rr) if len(rr) else 70.0


def fuzz_bases(ludb, qtdb):
    """The real leads the fuzz cases are built from: (name, signal, fs, heart rate), chosen with the seed."""
    from nk_qrs_lstm.training.datasets import load_splits, ludb_records, qtdb_records, read_qtdb

    rng = _rng("bases")
    strata = load_splits()["ludb_strata"]
    sinus = [r for r in ludb_records(ludb) if strata.get(r) == "sinus"]
    bases = []
    for record in rng.choice(sinus, N_BASES[0], replace=False):
        leads = _ludb(record, ludb)
        ecg = leads[rng.integers(len(leads))]
        bases.append((f"ludb-{record}-{ecg.lead}", ecg.signal, ecg.sampling_rate, _heart_rate(ecg)))
    for record in rng.choice(qtdb_records(qtdb), N_BASES[1], replace=False):
        leads = read_qtdb(record, path=qtdb)
        ecg = leads[rng.integers(len(leads))]
        n = int(QTDB_BASE_S * ecg.sampling_rate)
        start = int(rng.integers(0, len(ecg.signal) - n))
        bases.append((f"qtdb-{record}-{ecg.lead}-{start}", ecg.signal[start:start + n], ecg.sampling_rate,
                      _heart_rate(ecg)))
    return bases


def _resample(x, fs, target):
    from scipy.signal import resample_poly

    ratio = Fraction(target / fs).limit_denominator(1000)
    return resample_poly(x, ratio.numerator, ratio.denominator)


def _stretch(x, factor):
    """Resample ``x`` in time by ``factor`` (> 1: slower rhythm), same sampling rate."""
    from scipy.signal import resample

    return resample(x - np.median(x), int(round(len(x) * factor))) + np.median(x)


def _emg(n, fs, rng):
    from scipy.signal import butter, sosfiltfilt

    high = min(150.0, 0.45 * fs)
    noise = sosfiltfilt(butter(4, [20.0, high], btype="band", fs=fs, output="sos"), rng.standard_normal(n))
    bursts = np.convolve(rng.random(n) < 2.0 / fs, np.ones(int(0.3 * fs)), mode="same") > 0
    return noise * (0.2 + bursts)


def fuzz_signal(case, x, fs, hr, rng):
    """Damage one real lead ``x`` (fs Hz, heart rate ``hr``) as ``case`` says; returns (signal, fs)."""
    x = np.asarray(x, dtype=np.float64).copy()
    n, scale = len(x), np.std(x) or 1.0
    if case == "nan_gap":
        start = int(rng.integers(int(0.1 * n), int(0.7 * n)))
        x[start:start + int(1.5 * fs)] = np.nan
    elif case == "inf_samples":
        where = rng.choice(n, 12, replace=False)
        x[where] = np.where(np.arange(12) % 2, np.inf, -np.inf)
    elif case == "flat_line":
        x[:] = np.median(x)
    elif case == "flat_segment":
        start = int(rng.integers(int(0.1 * n), int(0.6 * n)))
        x[start:start + int(2 * fs)] = x[start]
    elif case == "clipped":
        x = np.clip(x, *np.percentile(x, [5, 95]))
    elif case == "noise_white":
        x = rng.standard_normal(n) * scale
    elif case == "noise_emg":
        emg = _emg(n, fs, rng)
        x = emg * scale / (np.std(emg) or 1.0)
    elif case == "inverted":
        x = -x
    elif case == "microvolt":
        x = x * 1000.0
    elif case == "int16_adc":
        x = np.clip(np.round(x * 200.0 + 1024.0), -32768, 32767).astype(np.int16)
    elif case in ("hr_30", "hr_220"):
        x = _stretch(x, hr / float(case.split("_")[1]))
    elif case.startswith("rate_"):
        target = float(case.split("_")[1])
        x, fs = _resample(x, fs, target), target
    elif case.startswith("fragment_"):
        length = int(round(float(case.split("_")[1].rstrip("s")) * fs))
        start = int(rng.integers(0, n - length))
        x = x[start:start + length]
    else:
        raise ValueError(f"unknown fuzz case {case!r}")
    return x, fs


def fuzz_items(ludb, qtdb, chosen=None):
    """The fuzz corpus, lazily; ``chosen`` (a dict) receives the base leads and records used."""
    from nk_qrs_lstm.training.datasets import load_splits

    chosen = {} if chosen is None else chosen
    bases = fuzz_bases(ludb, qtdb)
    chosen["bases"] = [name for name, *_ in bases]
    for case, (_, outside) in CASES.items():
        if case.endswith("_record"):
            continue
        for name, x, fs, hr in bases:
            item_id = f"fuzz/{case}/{name}"
            signal, rate = fuzz_signal(case, x, fs, hr, _rng(item_id))
            yield Item(item_id, "fuzz", signal, rate, case=case, outside=outside, record=name)
    strata = load_splits()["ludb_strata"]
    rng = _rng("records")
    for case, stratum in (("af_record", "af"), ("paced_record", "paced")):
        record = str(rng.choice(sorted((r for r, s in strata.items() if s == stratum), key=int)))
        chosen[case] = f"LUDB {record}"
        for ecg in _ludb(record, ludb):
            yield Item(f"fuzz/{case}/ludb-{record}-{ecg.lead}", "fuzz", ecg.signal, ecg.sampling_rate, case=case,
                       record=record)


def find_item(item_id, ludb, qtdb):
    """Rebuild one item from its id (``ludb/1/ii``, ``qtdb/sel100/MLII``, ``fuzz/nan_gap/ludb-17-v2``)."""
    corpus, record, rest = item_id.split("/", 2)
    if corpus == "ludb":
        return next(i for i in ludb_items(ludb, [record]) if i.id == item_id)
    if corpus == "qtdb":
        return next(i for i in qtdb_items(qtdb, [record]) if i.id == item_id)
    if record.endswith("_record"):
        _, rec, lead = rest.split("-", 2)
        ecg = next(e for e in _ludb(rec, ludb) if e.lead == lead)
        return Item(item_id, "fuzz", ecg.signal, ecg.sampling_rate, case=record, record=rec)
    for name, x, fs, hr in fuzz_bases(ludb, qtdb):
        if name == rest:
            signal, rate = fuzz_signal(record, x, fs, hr, _rng(item_id))
            return Item(item_id, "fuzz", signal, rate, case=record, outside=CASES[record][1], record=name)
    raise ValueError(f"no sweep item {item_id!r}.")
