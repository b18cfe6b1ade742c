"""Choose the decoding of :mod:`nk_qrs_lstm.decoding` on the VALIDATION splits only (never on test).

One sub-command per step (``docs/decoding.md`` has their results)::

    python benchmarks/tune_decoding.py cache [--parts validation test train] [--inputs raw clean] [--cache /tmp/nkdec]
    python benchmarks/tune_decoding.py sweep        # acceptance threshold x rhythm gate
    python benchmarks/tune_decoding.py levels       # where the P limits sit on the bump
    python benchmarks/tune_decoding.py calibrate    # confidence tables, reliability, ECE
    python benchmarks/tune_decoding.py report --part validation   # (--part test: once, at the end)
    python benchmarks/tune_decoding.py speed        # 1 h of ECG, argmax vs this decoding

``cache`` runs the shipped network once per lead (LUDB validation: 40 records x 12 leads; QTDB validation: 14
records x 2 leads; ``--parts test`` adds the LUDB test split) on the raw signal and after ``nk.ecg_clean``
(NeuroKit's workflow), and saves the model-rate probabilities as .npz under ``--cache`` (never committed).
``--inputs noisy`` adds mains hum and 20-120 Hz noise (``--hum-mv``, ``--emg-mv``); ``--inputs sway`` continuous 1-3
Hz baseline sway (``sway_signal``: a walking subject); ``--inputs watch strap handheld
patch`` are the leads as ``benchmarks/wearable.py``'s devices record them (motion, rate, on-board filter, ADC; the
marks moved to the device's rate); ``--no-mains-removal``
turns the pipeline's removal of mains hum off (an ablation: give it to ``cache`` and to ``report``).
``sweep`` and ``levels`` score grids on the cached validation probabilities (Se / PPV of P onsets and offsets,
counts by LUDB rhythm stratum); ``calibrate`` fits the confidence tables; ``report`` scores argmax decoding
(``decoder="argmax"``) against this decoding with the shipped constants. CSV results go to ``--out``.

Scoring is the benchmark's (:func:`nk_qrs_lstm.evaluation.benchmark.evaluate`: one-to-one matching at
±150 ms, predictions in AF / paced leads without expert P marks are false positives).
"""

import argparse
import collections
import itertools
import os
import pickle
import time
import warnings
import zlib

import numpy as np
import pandas as pd

from nk_qrs_lstm import boundaries
from nk_qrs_lstm.defaults import NK_KEYS, STRICT_TOLERANCE_S
from nk_qrs_lstm.evaluation.benchmark import evaluate, unmarked_ranges
from nk_qrs_lstm.evaluation.metrics import restrict_to_regions, score_record, summarise
from nk_qrs_lstm.pipeline import predict_proba
from nk_qrs_lstm.conditioning import input_fixes
from nk_qrs_lstm.preprocess import RateMap, prepare
from nk_qrs_lstm.rhythm import rhythm_gate
from nk_qrs_lstm.training import datasets

PARTS = {"validation": [("ludb", "validation"), ("qtdb", "validation")], "test": [("ludb", "test")],
         "train": [("ludb", "train")]}  # train: the network has seen these leads (for signal-only evidence)
DEVICE_INPUTS = ("watch", "strap", "handheld", "patch")  # wearable.py's devices: motion, rate, filter, ADC
INPUTS = ("raw", "clean", "noisy", "sway") + DEVICE_INPUTS  # noisy: raw + hum and muscle-like noise; sway: sway_signal
DEFAULT_INPUTS = ("raw", "clean")
NOISE_HUM_MV = 0.1  # [mV] amplitude of the mains hum added for the "noisy" input (50 Hz LUDB, 60 Hz QTDB)
NOISE_EMG_MV = 0.03  # [mV] RMS of the 20-120 Hz noise added too
SWAY_MV = 0.15  # [mV] amplitude of each of the two 1-3 Hz sinusoids of the "sway" input (a walking subject)
SCORED = ["ECG_P_Onsets", "ECG_P_Offsets", "ECG_R_Onsets", "ECG_R_Offsets", "ECG_T_Onsets",
          "ECG_T_Offsets"]


# --------------------------------------------------------------------------- data and cache
def strata():
    """LUDB record -> rhythm stratum (sinus / af / paced / other), from ludb.csv."""
    meta = datasets.ludb_metadata(datasets.DEFAULT_LUDB)
    return {rec: datasets._ludb_stratum(row) for rec, row in meta.items()}


def load(database, part):
    return datasets.load_split(database, part)


def configure_noise(hum_mv, emg_mv, mains_removal=True):
    """Set the noisy input's levels and, for an ablation, turn the pipeline's mains-hum removal off."""
    global NOISE_HUM_MV, NOISE_EMG_MV
    NOISE_HUM_MV, NOISE_EMG_MV = hum_mv, emg_mv
    if not mains_removal:
        from nk_qrs_lstm import conditioning

        conditioning.detect_mains = lambda *args, **kwargs: ()  # read by input_fixes, hence by the pipeline and here


def noisy_signal(ecg):
    """The raw lead with mains hum (50 Hz where recorded in Russia, LUDB; 60 Hz in the US, QTDB; random phase) and
    muscle-like noise (white noise band-passed to 20-120 Hz), seeded by the record and lead."""
    from scipy.signal import butter, sosfiltfilt

    rate = float(ecg.sampling_rate)
    rng = np.random.default_rng(zlib.crc32(f"{ecg.database}/{ecg.record}/{ecg.lead}".encode()))
    t = np.arange(len(ecg.signal)) / rate
    hum = NOISE_HUM_MV * np.sin(2 * np.pi * (50.0 if ecg.database == "ludb" else 60.0) * t + rng.uniform(0, 2 * np.pi))
    emg = sosfiltfilt(butter(4, (20.0, min(120.0, 0.45 * rate)), btype="bandpass", fs=rate, output="sos"),
                      rng.normal(size=len(t)))
    return ecg.signal + hum + NOISE_EMG_MV * emg / emg.std()


def sway_signal(ecg):
    """The raw lead with continuous motion sway throughout (``sway_check.continuous_sway``: two sinusoids of
    ``SWAY_MV`` at 1-3 Hz, seeded by the lead), inside the P and T band (no high-pass removes it)."""
    import sway_check

    return sway_check.continuous_sway(ecg, SWAY_MV).signal


def lead_for(ecg, kind):
    """The lead as input ``kind`` has it: a device's recording (its rate, marks moved to it) or the lead itself."""
    if kind in DEVICE_INPUTS:
        import wearable

        return wearable.device_lead(ecg, kind)
    return ecg


def signal_for(ecg, kind):
    if kind == "raw" or kind in DEVICE_INPUTS:  # a device's lead (lead_for) is its recording as it is
        return ecg.signal
    if kind == "noisy":
        return noisy_signal(ecg)
    if kind == "sway":
        return sway_signal(ecg)
    import neurokit2 as nk

    rate = int(ecg.sampling_rate) if float(ecg.sampling_rate).is_integer() else ecg.sampling_rate
    return np.asarray(nk.ecg_clean(ecg.signal, sampling_rate=rate), dtype=np.float64)


def cache_path(cache, database, part, kind):
    return os.path.join(cache, f"{database}_{part}_{kind}.npz")


def phase_averaged_proba(signal, rate_map, phases):
    """Probabilities averaged over the network's stride phases: the lead started ``k`` model samples later for each
    ``k`` in ``range(phases)``, each track aligned back (an experiment: the network's stride-4 front end makes its
    answer depend on where the recording starts, modulo 4 samples at 250 Hz)."""
    total = rate_map.n_model(len(signal))
    per = rate_map.sampling_rate / rate_map.model_rate
    acc, count, bad = np.zeros((total, 4)), np.zeros(total), None
    for k in range(phases):
        proba, b = predict_proba(signal[int(round(k * per)):], rate_map)
        n = min(len(proba), total - k)
        acc[k : k + n] += proba[:n]
        count[k : k + n] += 1
        bad = b if k == 0 else bad
    return (acc / count[:, None]).astype(np.float32), bad


def make_cache(cache, parts, kinds=DEFAULT_INPUTS, phases=1):
    os.makedirs(cache, exist_ok=True)
    for part in parts:
        for database, split in PARTS[part]:
            ecgs = load(database, split)
            for kind in kinds:
                path = cache_path(cache, database, split, kind)
                if os.path.exists(path):
                    print(f"{path}: exists", flush=True)
                    continue
                t0, arrays = time.time(), {}
                for ecg in ecgs:
                    ecg = lead_for(ecg, kind)
                    sig = signal_for(ecg, kind)
                    rate_map = RateMap.for_rate(ecg.sampling_rate)
                    proba, bad = (predict_proba(sig, rate_map) if phases == 1 else
                                  phase_averaged_proba(sig, rate_map, phases))
                    arrays[f"{ecg.record}/{ecg.lead}/proba"] = proba
                    arrays[f"{ecg.record}/{ecg.lead}/bad"] = bad
                np.savez_compressed(path, **arrays)
                print(f"{path}: {len(ecgs)} leads in {time.time() - t0:.0f} s", flush=True)


def read_cache(cache, database, part, kind):
    """AnnotatedECG list with ``extra['proba']``, ``extra['bad']``, ``extra['input']`` (cleaned runs) and
    ``extra['x']`` (the network's model-rate input, for the rhythm gate's P coherence) from the cache."""
    data = np.load(cache_path(cache, database, part, kind))
    ecgs = [lead_for(ecg, kind) for ecg in load(database, part)]
    for ecg in ecgs:
        ecg.extra["proba"] = data[f"{ecg.record}/{ecg.lead}/proba"]
        ecg.extra["bad"] = data[f"{ecg.record}/{ecg.lead}/bad"]
        if kind not in ("raw",) + DEVICE_INPUTS:
            ecg.extra["input"] = signal_for(ecg, kind)
        sig = ecg.extra.get("input", ecg.signal)
        rate_map = RateMap.for_rate(ecg.sampling_rate)
        ecg.extra["x"], _ = prepare(sig, rate_map, **input_fixes(sig, ecg.sampling_rate))
    return ecgs


# --------------------------------------------------------------------------- scoring
def method_for(ecgs, **decode_kw):
    """``func(signal, rate) -> waves`` decoding the cached probabilities of each lead (one block)."""
    by_id = {id(e.signal): e for e in ecgs}

    def method(signal, sampling_rate):
        ecg = by_id[id(signal)]
        sig = ecg.extra.get("input", signal)
        rate_map = RateMap.for_rate(sampling_rate)
        table = boundaries.delineate_proba(ecg.extra["proba"], sig, sampling_rate, rate=rate_map.model_rate,
                                           unknown=ecg.extra["bad"], ratio=rate_map.ratio, x=ecg.extra["x"],
                                           **decode_kw)
        return {k: table[k] for k in NK_KEYS}

    return method


def score(ecgs, database, **decode_kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate("lstm", method_for(ecgs, **decode_kw), ecgs, database=database)


def by_stratum(result, rhythm):
    """P onset true / missed / false per LUDB rhythm stratum."""
    rows = result.per_lead[result.per_lead.fiducial == "ECG_P_Onsets"].copy()
    rows["stratum"] = rows.record.map(rhythm)
    return rows.groupby("stratum")[["tp", "fn", "fp"]].sum()


# --------------------------------------------------------------------------- sweep
P_KEYS = ["ECG_P_Onsets", "ECG_P_Offsets"]
ACCEPT = [0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5]
GATES = {"min_height": [0.5, 0.6, 0.7], "pr_sd_s": [0.015, 0.02, 0.025, 0.03, 0.04],
         "irregular_fraction": [0.25, 0.35, 0.5]}  # the RR arm's own grid: tune_gate.py --rhythm


def _decoded(ecgs, gate=False, **kw):
    """Per lead: (ecg, table with evidence, rate map, unmarked ranges); by default without the rhythm gate
    (:func:`score_p` applies it)."""
    out = []
    for ecg in ecgs:
        rate_map = RateMap.for_rate(ecg.sampling_rate)
        table = boundaries.delineate_proba(ecg.extra["proba"], ecg.extra.get("input", ecg.signal),
                                           ecg.sampling_rate, rate=rate_map.model_rate, unknown=ecg.extra["bad"],
                                           ratio=rate_map.ratio, gate=gate, evidence=True, x=ecg.extra["x"], **kw)
        out.append((ecg, table, rate_map, unmarked_ranges(ecg)))
    return out


def score_p(decoded, rhythm, gate_kw=None, likeness=False):
    """P onset / offset scores of pre-decoded leads with the rhythm gate ``gate_kw`` (None: no gate; ``likeness``:
    give it each beat's QRS likeness, as the decoder does)."""
    matches, strata_counts = [], collections.defaultdict(lambda: np.zeros(3, dtype=int))
    for ecg, table, rate_map, ignore in decoded:
        pred = {k: table[k] for k in P_KEYS}
        if gate_kw is not None:
            extra = {"likeness": table["evidence_qrs_likeness"]} if likeness else {}
            # as the decoder, with its own flags: the RR changes around ectopic (and wide premature) beats left out,
            # bigeminy's RR arm silent (its coherence, alternate beats' where bigeminal, is already the evidence's)
            ectopic = np.asarray(table["evidence_ectopic"], dtype=bool)
            allow, _ = rhythm_gate(table["evidence_qrs_on"], table["evidence_p_height"], table["evidence_p_peak"],
                                   rate_map.model_rate, coherence=table["evidence_p_coherence"],
                                   ectopic=np.asarray(table["evidence_wide_premature"], dtype=bool),
                                   bigeminal=np.asarray(table["evidence_bigeminal"], dtype=bool),
                                   **{**extra, **gate_kw})
            pred = {k: np.where(allow & ~ectopic, v, np.nan) for k, v in pred.items()}
        m = score_record(ecg.fiducials(), pred, ecg.regions, ecg.sampling_rate, keys=P_KEYS, ignore=ignore)
        matches.append(m)
        on = m["ECG_P_Onsets"]
        strata_counts[rhythm.get(ecg.record, "all")] += [on.tp, on.fn, on.fp]
    summary = summarise(matches, keys=P_KEYS)
    row = {}
    for key in P_KEYS:
        for col in ("se", "ppv", "f1", "mean_ms", "sd_ms"):
            row[f"{key[6:].lower()}_{col}"] = summary.loc[key, col]
    for stratum, (tp, fn, fp) in strata_counts.items():
        row.update({f"{stratum}_tp": tp, f"{stratum}_fn": fn, f"{stratum}_fp": fp})
    return row


def sweep(cache, out, kind="raw"):
    """Acceptance threshold x rhythm gate grid on both validation splits (P onsets and offsets)."""
    rhythm = strata()
    sets = {db: read_cache(cache, db, "validation", kind) for db in ("ludb", "qtdb")}
    rows = []
    grid = [None] + [dict(zip(GATES, v)) for v in itertools.product(*GATES.values())]
    for accept in ACCEPT:
        decoded = {db: _decoded(ecgs, p_accept=accept) for db, ecgs in sets.items()}
        for gate_kw in grid:
            for db in sets:
                row = {"input": kind, "p_accept": accept, "gate": gate_kw is not None, **(gate_kw or {}),
                       "database": db}
                row.update(score_p(decoded[db], rhythm if db == "ludb" else {}, gate_kw))
                rows.append(row)
        print(f"p_accept {accept}: done", flush=True)
    frame = pd.DataFrame(rows)
    frame.to_csv(out, index=False)
    return frame


def choose(frame):
    """The setting with the best mean P-onset F1 over the two validation splits (ties: lower SD)."""
    gated = frame[frame.gate]
    keys = ["p_accept"] + list(GATES)
    both = gated.pivot_table(index=keys, columns="database", values=["onsets_f1", "onsets_sd_ms"])
    score = both["onsets_f1"].mean(axis=1) - 0.01 * both["onsets_sd_ms"].mean(axis=1)
    best = score.idxmax()
    both[("score", "both")] = score
    return dict(zip(keys, best)), both.sort_values(("score", "both"), ascending=False)


LEVELS = {"on_level": [0.2, 0.3, 0.4, 0.5], "on_power": [0.0, 0.25, 0.5], "off_level": [0.5, 0.6],
          "off_power": [0.0, 0.25]}


def sweep_levels(cache, out, kind="raw"):
    """Where the P limits sit on the bump (relative level, faint-bump power), the shipped acceptance and gate."""
    sets = {db: read_cache(cache, db, "validation", kind) for db in ("ludb", "qtdb")}
    rows = []
    for values in itertools.product(*LEVELS.values()):
        cfg = dict(zip(LEVELS, values))
        kw = {"p_level": (cfg["on_level"], cfg["off_level"]), "p_power": (cfg["on_power"], cfg["off_power"])}
        for db, ecgs in sets.items():
            decoded = []
            for ecg in ecgs:
                rate_map = RateMap.for_rate(ecg.sampling_rate)
                table = boundaries.delineate_proba(ecg.extra["proba"], ecg.extra.get("input", ecg.signal),
                                                   ecg.sampling_rate, rate=rate_map.model_rate,
                                                   unknown=ecg.extra["bad"], ratio=rate_map.ratio,
                                                   x=ecg.extra["x"], **kw)
                decoded.append((ecg, table, rate_map, unmarked_ranges(ecg)))
            row = {"input": kind, **cfg, "database": db, **score_p(decoded, {})}
            strict = [score_record(e.fiducials(), {k: t[k] for k in P_KEYS}, e.regions, e.sampling_rate,
                                   tolerance_s=STRICT_TOLERANCE_S, keys=P_KEYS, ignore=ign)
                      for e, t, _, ign in decoded]
            table = summarise(strict, keys=P_KEYS)
            row.update({f"{k[6:].lower()}_f1_strict": table.loc[k, "f1"] for k in P_KEYS})
            rows.append(row)
    frame = pd.DataFrame(rows)
    frame.to_csv(out, index=False)
    cost = frame.assign(cost=(frame.onsets_sd_ms + frame.onsets_mean_ms.abs() + frame.offsets_sd_ms
                              + frame.offsets_mean_ms.abs()) / 2)
    ranking = cost.groupby(list(LEVELS))["cost"].mean().sort_values()
    return frame, dict(zip(LEVELS, ranking.index[0])), ranking


# --------------------------------------------------------------------------- calibration
CAL_POINTS = {"P": ("ECG_P_Onsets", "p"), "R": ("ECG_R_Onsets", "r"), "T": ("ECG_T_Offsets", "t")}


def judged(ecg, x, confidence, key, wave, ignore):
    """Which points ``x`` (fiducial ``key`` of ``wave``) are judged, and whether each judged one is correct.

    Judged: finite, with a finite confidence, inside the lead's reference regions and outside the ranges where
    the expert left ``key`` unmarked (``ignore``). Correct: within the strict tolerance of an expert mark.

    Returns
    -------
    ok : ndarray of bool, shape (len(x),)
    correct : ndarray of bool, shape (ok.sum(),)
    """
    x = np.asarray(x, dtype=float)
    ok = np.isfinite(x) & np.isfinite(np.asarray(confidence, dtype=float))
    inside = np.zeros(len(x), dtype=bool)
    for a, b in ecg.regions:
        inside |= (x >= a) & (x < b)
    for a, b in ignore.get(key, np.zeros((0, 2))):
        inside &= ~((x >= a) & (x < b))
    ok &= inside
    ref = np.sort(restrict_to_regions(ecg.fiducials()[key], ecg.regions, margin=1))
    if not len(ref):
        return ok, np.zeros(ok.sum(), dtype=bool)
    k = np.clip(np.searchsorted(ref, x[ok]), 1, max(len(ref) - 1, 1))
    dist = np.minimum(np.abs(ref[k - 1] - x[ok]), np.abs(ref[np.minimum(k, len(ref) - 1)] - x[ok]))
    return ok, dist <= STRICT_TOLERANCE_S[wave] * ecg.sampling_rate


def calibration_data(decoded):
    """One row per wave returned: its evidence (peak probability) and whether it is correct.

    Correct: the wave's onset (P, QRS) or offset (T) lies within the strict tolerance
    (:data:`~nk_qrs_lstm.defaults.STRICT_TOLERANCE_S`) of an expert mark of that kind. Waves outside the
    reference regions, or in a range where the expert left that point unmarked, are left out.
    """
    rows = []
    for ecg, table, rate_map, ignore in decoded:
        for wave, (key, short) in CAL_POINTS.items():
            ok, correct = judged(ecg, table[key], table[f"ECG_{wave}_Confidence"], key, wave, ignore)
            rows.append(pd.DataFrame({"database": ecg.database, "record": ecg.record, "wave": wave,
                                      "height": table[f"evidence_{short}_height"][ok],
                                      "confidence": table[f"ECG_{wave}_Confidence"][ok], "correct": correct}))
    return pd.concat(rows, ignore_index=True)


def validation_leads(cache, kinds, databases=("ludb", "qtdb")):
    """Each cached validation lead of each input, decoded with the rhythm gate (warnings silenced):
    ``(database, kind, ecg, table, ignore)``, ``ignore`` the ranges the expert left unmarked."""
    for database in databases:
        for kind in kinds:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                decoded = _decoded(read_cache(cache, database, "validation", kind), gate=True)
            for ecg, table, _, ignore in decoded:
                yield database, kind, ecg, table, ignore


def cached(path, make):
    """What ``make()`` returns, pickled at ``path`` the first time and read from there after (a benchmark's
    per-lead work, kept between runs)."""
    if not os.path.exists(path):
        value = make()
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            pickle.dump(value, f)
        print(f"cached {path} ({len(value)} rows)", flush=True)
    with open(path, "rb") as f:
        return pickle.load(f)


def bin_factors(bins, correct, conf, n_bins):
    """A confidence factor per evidence bin, before any ordering: the sum of ``correct`` over the sum of
    ``conf`` of the rows in bin ``b`` (1 where it is empty), and the rows' count (at least 1) as its weight for
    :func:`_pav`."""
    factor, weight = [], []
    for b in range(n_bins):
        sel = bins == b
        factor.append(correct[sel].sum() / conf[sel].sum() if sel.any() else 1.0)
        weight.append(max(int(sel.sum()), 1))
    return np.asarray(factor), weight


def _pav(y, w):
    """Pool-adjacent-violators: the non-decreasing fit of ``y`` with weights ``w``."""
    blocks = []  # [value, weight, count]
    for yi, wi in zip(y, w):
        blocks.append([yi, wi, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return np.concatenate([np.full(c, v) for v, _, c in blocks])


def fit_table(height, correct, n_bins=16):
    """Monotone calibration table: quantile bins of the evidence, isotonic fraction correct per bin.

    The first bin's value holds down to the lowest evidence of the validation waves; below it the table falls
    linearly to 0 at evidence 0 (knot ``(0, 0)``): evidence no validation wave had (a QRS run the network gives
    0.5, where every validation complex got 0.74 or more) is not vouched for.
    """
    edges = np.unique(np.quantile(height, np.linspace(0, 1, n_bins + 1)))
    idx = np.clip(np.searchsorted(edges, height, side="right") - 1, 0, len(edges) - 2)
    knots, frac, weight = [], [], []
    for b in range(len(edges) - 1):
        sel = idx == b
        if sel.any():
            knots.append(height[sel].mean())
            frac.append(correct[sel].mean())
            weight.append(sel.sum())
    values = _pav(np.array(frac), np.array(weight))
    knots = np.round(knots, 5)
    knots, first = np.unique(knots, return_index=True)  # equal knots after rounding: keep the first (monotone)
    values = np.round(values[first], 4)
    # the first and last knot of each plateau are enough for np.interp
    same = np.concatenate([[False], values[1:] == values[:-1]]) & np.concatenate([values[:-1] == values[1:], [False]])
    knots, values = knots[~same], values[~same]
    low = round(float(np.min(height)), 5)
    if 0.0 < low < knots[0]:
        knots, values = np.concatenate([[0.0, low], knots]), np.concatenate([[0.0, values[0]], values])
    return tuple(float(k) for k in knots), tuple(float(v) for v in values)


def reliability(confidence, correct, n_bins=10):
    """Reliability table (confidence bins: count, mean confidence, fraction correct) and the ECE."""
    edges = np.linspace(0, 1, n_bins + 1)
    idx = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        sel = idx == b
        if sel.any():
            rows.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": int(sel.sum()),
                         "confidence": confidence[sel].mean(), "correct": correct[sel].mean()})
    table = pd.DataFrame(rows)
    ece = float((table.n * (table.confidence - table.correct).abs()).sum() / max(table.n.sum(), 1))
    return table, ece


def calibrate(cache, kind="raw"):
    """Fit the confidence tables on both validation splits; ECE in-sample and crossed (fit on one, score other)."""
    data = pd.concat([calibration_data(_decoded(read_cache(cache, db, "validation", kind), gate=True))
                      for db in ("ludb", "qtdb")], ignore_index=True)
    tables, rows, curves = {}, [], []
    for wave, part in data.groupby("wave"):
        tables[wave] = fit_table(part.height.to_numpy(), part.correct.to_numpy())
        for db in ("ludb", "qtdb"):
            sub = part[part.database == db]
            curve, _ = reliability(np.interp(sub.height.to_numpy(), *tables[wave]), sub.correct.to_numpy())
            curves.append(curve.assign(wave=wave, database=db))
        for fit_on in ("both", "ludb", "qtdb"):
            fit = part if fit_on == "both" else part[part.database == fit_on]
            knots, values = fit_table(fit.height.to_numpy(), fit.correct.to_numpy())
            for db in ("ludb", "qtdb"):
                sub = part[part.database == db]
                conf = np.interp(sub.height.to_numpy(), knots, values)
                _, ece = reliability(conf, sub.correct.to_numpy())
                rows.append({"wave": wave, "fitted_on": fit_on, "scored_on": db, "n": len(sub),
                             "correct": sub.correct.mean(), "ece": ece})
    return tables, pd.DataFrame(rows), pd.concat(curves, ignore_index=True), data


# --------------------------------------------------------------------------- report
def report(cache, part, kinds=DEFAULT_INPUTS):
    """Argmax decoding vs probability-aware decoding (shipped constants) on one part, every input kind."""
    rhythm = strata()
    rows, strata_rows = [], []
    for database, split in PARTS[part]:
        for kind in kinds:
            ecgs = read_cache(cache, database, split, kind)
            for decoder in ("argmax", "proba"):
                result = score(ecgs, database, decoder=decoder)
                summary = result.summary
                for key in SCORED:
                    r = summary.loc[key]
                    rows.append({"split": f"{database} {split}", "input": kind, "decoder": decoder,
                                 "fiducial": key[4:], "se": r.se, "ppv": r.ppv, "f1": r.f1,
                                 "f1_strict": r.f1_strict, "mean_ms": r.mean_ms, "sd_ms": r.sd_ms})
                if database == "ludb":
                    counts = by_stratum(result, rhythm)
                    for stratum, c in counts.iterrows():
                        strata_rows.append({"split": f"{database} {split}", "input": kind, "decoder": decoder,
                                            "stratum": stratum, "true": c.tp, "missed": c.fn, "false": c.fp})
    return pd.DataFrame(rows), pd.DataFrame(strata_rows)


def speed(trials=4):
    """``ecg_delineate_table`` on 1 h of simulated ECG, argmax vs probability decoding alternated in one process."""
    import functools

    import neurokit2 as nk

    import nk_qrs_lstm
    from nk_qrs_lstm import pipeline

    ecg = nk.ecg_simulate(duration=3600, sampling_rate=500, random_state=0)
    decoders = {"argmax": functools.partial(boundaries.delineate_proba, decoder="argmax"),
                "proba": pipeline.delineate_proba}
    times = {name: [] for name in decoders}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nk_qrs_lstm.ecg_delineate_table(ecg[: 500 * 60], sampling_rate=500)  # warm-up
            for _ in range(trials):
                for name, func in decoders.items():
                    pipeline.delineate_proba = func
                    start = time.perf_counter()
                    nk_qrs_lstm.ecg_delineate_table(ecg, sampling_rate=500)
                    times[name].append(time.perf_counter() - start)
    finally:
        pipeline.delineate_proba = decoders["proba"]
    for name, values in times.items():
        print(f"{name}: best {min(values):.3f} s, median {np.median(values):.3f} s over {trials} runs")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["cache", "sweep", "levels", "calibrate", "report", "speed"])
    parser.add_argument("--cache", default="/tmp/nkdec", help="folder of the cached probabilities (.npz)")
    parser.add_argument("--parts", nargs="+", default=["validation"], choices=list(PARTS),
                        help="cache: split parts to cache (test only for the final report)")
    parser.add_argument("--inputs", nargs="+", default=list(DEFAULT_INPUTS), choices=INPUTS, help="cache, report: input kinds")
    parser.add_argument("--part", default="validation", choices=list(PARTS), help="report: part to score")
    parser.add_argument("--input", default="raw", choices=INPUTS, help="sweep / calibrate: input kind")
    parser.add_argument("--out", default="/tmp/nkdec/results", help="folder of the CSV results (not committed)")
    parser.add_argument("--hum-mv", type=float, default=NOISE_HUM_MV,
                        help="noisy input: amplitude of the mains hum [mV] (default: %(default)s; give the same to "
                             "cache and to the steps reading that cache)")
    parser.add_argument("--emg-mv", type=float, default=NOISE_EMG_MV,
                        help="noisy input: RMS of the 20-120 Hz noise [mV] (default: %(default)s)")
    parser.add_argument("--phases", type=int, default=1,
                        help="cache: average the probabilities over this many stride phases (experiment; default 1)")
    parser.add_argument("--no-mains-removal", action="store_true",
                        help="ablation: the pipeline's mains-hum removal off (nk_qrs_lstm.mains)")
    args = parser.parse_args(argv)
    configure_noise(args.hum_mv, args.emg_mv, mains_removal=not args.no_mains_removal)
    pd.set_option("display.width", 200)
    os.makedirs(args.out, exist_ok=True)
    if args.step == "cache":
        make_cache(args.cache, args.parts, args.inputs, args.phases)
    elif args.step == "sweep":
        frame = sweep(args.cache, os.path.join(args.out, f"decoding_sweep_{args.input}.csv"), args.input)
        best, ranking = choose(frame)
        print(ranking.head(15).round(2).to_string())
        print("chosen on validation:", best)
    elif args.step == "levels":
        frame, best, ranking = sweep_levels(args.cache, os.path.join(args.out, f"decoding_levels_{args.input}.csv"),
                                            args.input)
        print(ranking.head(10).round(2).to_string())
        print(frame.round(2).to_string(index=False))
        print("chosen on validation:", best)
    elif args.step == "calibrate":
        tables, ece, curves, data = calibrate(args.cache, args.input)
        data.to_csv(os.path.join(args.out, f"decoding_calibration_{args.input}.csv"), index=False)
        print("CONFIDENCE_TABLES =", tables)
        print(ece.round(4).to_string(index=False))
        print(curves.round(3).to_string(index=False))
    elif args.step == "speed":
        speed()
    else:
        table, counts = report(args.cache, args.part, args.inputs)
        table.to_csv(os.path.join(args.out, f"decoding_{args.part}.csv"), index=False)
        counts.to_csv(os.path.join(args.out, f"decoding_{args.part}_strata.csv"), index=False)
        print(table.round(2).to_string(index=False))
        print(counts.to_string(index=False))


if __name__ == "__main__":
    main()
