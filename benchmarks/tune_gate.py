"""Choose the rhythm gate's P-coherence test on the VALIDATION splits only (never on test).

    python benchmarks/tune_gate.py [--cache /tmp/nkdec] [--input raw|clean] [--out /tmp/nkdec/results]
    python benchmarks/tune_gate.py --leads          # the coherence of every LUDB train / validation lead
    python benchmarks/tune_gate.py --rhythm         # the RR / PR / height arms, LUDB train + validation
    python benchmarks/tune_gate.py --robust         # motion-proofing, with wearable devices' input
    python benchmarks/tune_gate.py --override       # a high P coherence overruling the RR arm

Uses the probabilities cached by ``python benchmarks/tune_decoding.py cache``. Each lead is decoded once without
the gate; then, for every setting of the grid, the shipped gate (``rhythm.rhythm_gate``) is applied with
:func:`nk_qrs_lstm.rhythm.p_coherence` computed from the network's model-rate input over the context in the
grid, and the P onsets and offsets are scored as in ``tune_decoding.py`` (one-to-one matching at ±150 ms; P
waves in AF / paced leads without expert P marks are false positives), with true / missed / false P onsets per
LUDB rhythm stratum. The grid: the coherence below which a stretch shows no repeated atrial wave
(``GATE_MIN_COHERENCE``), the mean P height that still overrules it (``GATE_COHERENT_HEIGHT``) and the context
(``GATE_COHERENCE_CONTEXT_S``) and the stretch before the QRS onset (``GATE_COHERENCE_WINDOW_S``, from-to in s);
``min_coherence=-1`` is the gate without the test. Results and the choice are in
``docs/decoding.md``.

``--leads`` checks the threshold on more records than validation has: the coherence needs no network output
(only the QRS onsets, which the network finds on every split alike), so the LUDB train split's 15 AF / flutter /
paced records can be used too. It prints, per split, the share of leads without expert P marks whose median
coherence is below each threshold, and how many leads with P marks are.

``--band`` (2026-11-30) chooses the coherence's second view (``p_coherence``: where more than ``noise_share`` of
the stretches' energy lies outside ``band_hz``, the larger of the coherences of the signal as it is and
band-passed; grid ``BAND_SWEEP``, band None: the signal as it is only, the gate before) with the threshold, on both
validation splits for raw, cleaned and noisy input (``tune_decoding.py cache --parts validation --inputs noisy``:
mains hum 0.1 mV and 20-120 Hz noise 0.03 mV RMS added to the raw leads, seeded) and, as signal-only evidence, the
LUDB train split's non-sinus records (raw, cleaned): the highest mean P-onset F1 over the six validation cells
among the settings with at most 10 % more false P onsets on those train records than the gate without a second
view. Without it, 0.05 mV of hum refused the P waves of whole leads (a new-user trial).

``--robust`` (2026-11-30) makes the gate hold on wearable-like leads, where a new-user trial (12) found it refusing
the P waves of whole leads: the coherence's detrending (``detrend``: degree 1 or 2), the loud stretches it leaves out
(``energy_ratio``: above that many times their context's median energy; None: none) and the RR arm's beats left out
(``min_likeness``: RR changes around a QRS less alike its neighbours' than this, ``ectopic.qrs_likeness``; None:
none), grid ``ROBUST_SWEEP``, on both validation splits raw, cleaned, noisy and as ``wearable.py``'s four devices
record them (``tune_decoding.py cache --parts validation --inputs raw clean noisy watch strap handheld patch``), and
the LUDB train split raw and cleaned (``--parts train``). Rule (stated before the run): the fewest P-onset errors
(missed + false) over the device inputs, among the settings that make no more errors than the gate of 2026-11-30
over the validation splits' raw, cleaned and noisy inputs and at most 10 % more false P onsets on the LUDB train
split's non-sinus records.

``--override`` (2026-11-30, later the same day) tries letting a high P coherence overrule the RR arm
(``coherent_override``, grid ``OVERRIDE_GRID``; None: never), after a new-user trial (15) found LUDB record 72 lead iii
without a P wave although the expert marked 7: its P bumps are faint and two complexes the network added make the RR
irregular, while the stretches before its QRS complexes repeat one wave (coherence 0.54-0.63; fibrillation stays
under 0.12). Same sets as ``--robust``, the shipped gate otherwise. Rule (stated before the run): the fewest P-onset
errors over the validation splits' raw, cleaned and noisy inputs, among the settings with no more device-input errors
than without the override and at most 466 false P onsets on the LUDB train split's non-sinus records (1.1 x the 424 of
the gate before this session's changes: the budget of ``--robust``); ties: None, then the highest threshold.

``--sway`` (2026-11-30, tenth session) tries a third view of the coherence against continuous 1-3 Hz sway (a walking
subject; a new-user trial (16) lost half of the P waves; on lead II of the LUDB validation records the gate refused 44 %
of those the network saw, the coherence falling 0.94 -> 0.13): the stretches band-passed above the sway (``sway_band_hz``), taken where more than ``sway_share`` of their
energy lies below that band (grid ``SWAY_GRID``; None: no such view, the gate before), the shipped gate otherwise,
on both validation splits raw, cleaned, noisy and swaying (``tune_decoding.py cache --parts validation --inputs
sway``) and the LUDB train split raw and cleaned. Rule (stated before the run): the fewest P-onset errors over the
two sway cells, among the settings with no more errors than the gate before over the six other validation cells and
at most 10 % more false P onsets on the LUDB train split's non-sinus records; a setting must save at least 10 % of
the gate's sway errors, or nothing changes; ties: the gate before, then the band nearest 1-15 Hz.

``--rhythm`` re-chooses the gate's RR arm (``GATE_CONTEXT_S``, ``GATE_RR_STEP``, ``GATE_IRREGULAR_FRACTION``;
grid ``RHYTHM_GRID``) on more non-sinus records than validation has: the LUDB train split (``tune_decoding.py
cache --parts train``) beside both validation splits, raw and cleaned. A second check guards sinus rhythm with an
isolated irregularity: on every LUDB train / validation sinus lead with expert P marks (raw), the gate is rerun on
the lead's evidence with its middle beat removed (a pause) and, separately, moved 30 % of an RR interval earlier
with no P bump (a premature beat), and the beats it refused only after the change are counted. Rule: the fewest
P-onset errors (missed + false) pooled over the three sets and both inputs, among the settings that make no more
errors than the shipped gate on the validation splits alone and refuse no more sinus beats after a pause or a
premature beat than the gate of 2026-11-29 did (179 of 33,566; `docs/decoding.md`); within 1 % of the fewest, the
largest ``rr_step`` (the farthest from sinus rhythm's own beat-to-beat changes). On train the network's P
evidence is in-sample (stronger than on unseen leads); the RR evidence and the QRS onsets are not, and the
validation constraint guards against choosing from that bias.
"""

import argparse
import itertools
import os
import sys
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tune_decoding as td  # noqa: E402

from nk_qrs_lstm import rhythm  # noqa: E402

GRID = {"min_coherence": [-1.0, 0.05, 0.08, 0.1, 0.12, 0.15, 0.18, 0.2, 0.25],
        "coherent_height": [0.7, 0.8, 0.85, 0.9, 1.01],
        "coherence_context_s": [5.0, 7.5],
        "window_s": [(0.2, 0.01), (0.2, 0.03), (0.25, 0.01), (0.25, 0.03), (0.3, 0.01), (0.3, 0.03)]}


BAND_SWEEP = {"band_hz": [None, (0.5, 20.0), (1.0, 15.0), (2.0, 15.0)],  # [Hz] p_coherence's second view
              "noise_share": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6],  # [-] from which it counts
              "min_coherence": [0.1, 0.12, 0.15], "coherent_height": [0.85]}
BAND_SETS = (("ludb", "validation", ("raw", "clean", "noisy")), ("qtdb", "validation", ("raw", "clean", "noisy")),
             ("ludb", "train", ("raw", "clean")))
ROBUST_SWEEP = {"detrend": [1, 2], "energy_ratio": [None, 2.0, 3.0, 4.0, 6.0],  # p_coherence's motion-proofing
                "min_likeness": [None, 0.3, 0.4, 0.5]}  # the RR arm's: RR changes around an unlike QRS left out
ROBUST_SETS = BAND_SETS + tuple(("ludb", "validation", (device,)) for device in td.DEVICE_INPUTS) + tuple(
    ("qtdb", "validation", (device,)) for device in td.DEVICE_INPUTS)
SWAY_GRID = {"sway_band_hz": [(3.0, 15.0), (4.0, 15.0)],  # [Hz] p_coherence's sway view ...
             "sway_share": [None, 0.3, 0.4, 0.5, 0.6, 0.7]}  # [-] ... and the share of energy below it from which it counts
SWAY_SETS = (("ludb", "validation", ("raw", "clean", "noisy", "sway")),
             ("qtdb", "validation", ("raw", "clean", "noisy", "sway")), ("ludb", "train", ("raw", "clean")))
OVERRIDE_GRID = [None, 0.3, 0.4, 0.5, 0.6, 0.7]  # [-] coherence from which the RR arm refuses nothing
OVERRIDE_FP_LIMIT = 466  # LUDB train non-sinus false P onsets: 1.1 x those of the gate before 2026-11-30's changes
RHYTHM_GRID = {"context_s": [7.5], "rr_step": [0.05, 0.08, 0.1, 0.12], "irregular_fraction": [0.35, 0.4, 0.45, 0.5]}
RHYTHM_SETS = (("ludb", "train"), ("ludb", "validation"), ("qtdb", "validation"))
ISOLATED_LIMIT = 179  # sinus beats refused after one pause / premature beat by the gate of 2026-11-29 (2.5 s, mean)


def with_coherence(decoded, context_s, window_s):
    """``decoded`` (from ``tune_decoding._decoded``) with each table's P coherence over ``context_s``."""
    out = []
    for ecg, table, rate_map, ignore in decoded:
        table = dict(table)
        table["evidence_p_coherence"] = rhythm.p_coherence(ecg.extra["x"], table["evidence_qrs_on"],
                                                          rate_map.model_rate, context_s=context_s,
                                                          window_s=window_s)
        out.append((ecg, table, rate_map, ignore))
    return out


def decoded_sets(cache, sets):
    """``(database, part, kind, decoded)`` for every (database, part, input kinds) of ``sets``: the cached leads
    decoded once without the gate (``tune_decoding._decoded``), for the sweeps to apply each setting to."""
    for database, part, kinds in sets:
        for kind in kinds:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                decoded = td._decoded(td.read_cache(cache, database, part, kind))
            yield database, part, kind, decoded  # outside the filter: the caller's warnings are its own


def band_sweep(cache):
    """The coherence's second view (``BAND_SWEEP``: its pass band and the noise share from which it counts) with the
    threshold, at the shipped context, stretch and height: P-onset F1 and errors per (set, input) on both
    validation splits (raw, cleaned, noisy input) and the LUDB train split (raw, cleaned; signal-only evidence)."""
    strata = td.strata()
    rows = []
    for database, part, kind, decoded in decoded_sets(cache, BAND_SETS):
        for band, share in itertools.product(BAND_SWEEP["band_hz"], BAND_SWEEP["noise_share"]):
            if band is None and share != BAND_SWEEP["noise_share"][0]:
                continue  # no second view: the share plays no part
            scored = []
            for ecg, table, rate_map, ignore in decoded:
                table = dict(table)
                table["evidence_p_coherence"] = rhythm.p_coherence(
                    ecg.extra["x"], table["evidence_qrs_on"], rate_map.model_rate, band_hz=band,
                    noise_share=share)
                scored.append((ecg, table, rate_map, ignore))
            for c, h in itertools.product(BAND_SWEEP["min_coherence"], BAND_SWEEP["coherent_height"]):
                gate_kw = {"min_coherence": c, "coherent_height": h}
                row = {"set": f"{database} {part}", "input": kind, "band_hz": str(band), "noise_share": share,
                       **gate_kw}
                row.update(td.score_p(scored, strata if database == "ludb" else {}, gate_kw))
                rows.append(row)
    return pd.DataFrame(rows)


def choose_band(frame):
    """The highest mean P-onset F1 over the validation (database, input) cells, among the settings that make no more
    than 10 % more false P onsets on the LUDB train split's non-sinus records than the gate without a second view
    (ties: the threshold nearest the shipped one); the table of every setting, best first."""
    keys = ["band_hz", "noise_share", "min_coherence", "coherent_height"]
    valid = frame[frame.set.str.endswith("validation")]
    wide = valid.pivot_table(index=keys, columns=["set", "input"], values="onsets_f1")
    wide[("mean_f1", "")] = wide.mean(axis=1)
    train = frame[frame.set == "ludb train"]
    false_p = train.groupby(keys)[["paced_fp", "af_fp"]].sum().sum(axis=1)
    wide[("train non-sinus false P", "")] = false_p.reindex(wide.index)
    before = false_p.xs("None", level="band_hz").min()
    allowed = wide[("train non-sinus false P", "")] <= 1.1 * before
    settings = wide.index.to_frame(index=False)
    order = np.lexsort([(settings.min_coherence - rhythm.GATE_MIN_COHERENCE).abs().to_numpy(),
                        -wide[("mean_f1", "")].round(6).to_numpy(), ~allowed.to_numpy()])
    wide = wide.iloc[order]
    return wide, wide.index[0]


def robust_sweep(cache):
    """P-onset errors per (set, input) of each ``ROBUST_SWEEP`` setting of :func:`nk_qrs_lstm.rhythm.p_coherence`
    (the shipped gate otherwise), and of no gate at all (``detrend`` NaN): both validation splits raw, cleaned, noisy
    and as ``wearable.py``'s devices record them, and the LUDB train split raw and cleaned (signal-only evidence)."""
    strata, rows = td.strata(), []
    settings = [dict(zip(ROBUST_SWEEP, v)) for v in itertools.product(*ROBUST_SWEEP.values())]
    for database, part, kind, decoded in decoded_sets(cache, ROBUST_SETS):
        strata_map = strata if database == "ludb" else {}
        base = {"set": f"{database} {part}", "input": kind}
        row = td.score_p(decoded, strata_map, None)
        rows.append({**base, **{k: np.nan for k in ROBUST_SWEEP}, "errors": _onset_errors(row), **row})
        coherence = {}
        for setting in settings:
            key = (setting["detrend"], setting["energy_ratio"])
            if key not in coherence:
                coherence[key] = [rhythm.p_coherence(ecg.extra["x"], table["evidence_qrs_on"],
                                                     rate_map.model_rate, detrend=key[0], energy_ratio=key[1])
                                  for ecg, table, rate_map, _ in decoded]
            scored = []
            for (ecg, table, rate_map, ignore), coh in zip(decoded, coherence[key]):
                scored.append((ecg, {**table, "evidence_p_coherence": coh}, rate_map, ignore))
            gate_kw = {"likeness": None} if setting["min_likeness"] is None else {
                "min_likeness": setting["min_likeness"]}
            row = td.score_p(scored, strata_map, gate_kw, likeness=True)
            rows.append({**base, **setting, "errors": _onset_errors(row), **row})
        print(f"{database} {part} {kind}: {len(settings)} settings", flush=True)
    return pd.DataFrame(rows)


def choose_robust(frame):
    """The fewest P-onset errors (missed + false) over the device inputs, among the settings that make no more errors
    than the shipped setting over the validation splits' raw, cleaned and noisy inputs and at most 10 % more false P
    onsets on the LUDB train split's non-sinus records; the table of every setting, best first."""
    frame = frame.fillna({k: -1 for k in ROBUST_SWEEP})  # all -1: no gate; otherwise -1: None (the arm off)
    keys = list(ROBUST_SWEEP)
    devices = frame.input.isin(td.DEVICE_INPUTS)
    table = pd.DataFrame({
        "devices": frame[devices].groupby(keys).errors.sum(),
        "validation": frame[~devices & frame.set.str.endswith("validation")].groupby(keys).errors.sum(),
        "train_nonsinus_fp": frame[frame.set == "ludb train"].groupby(keys)[["paced_fp", "af_fp"]].sum().sum(axis=1),
        "device_f1": frame[devices].groupby(keys).onsets_f1.mean(),
        "validation_f1": frame[~devices & frame.set.str.endswith("validation")].groupby(keys).onsets_f1.mean()})
    shipped = table.loc[(1, -1, -1)]  # the gate of 2026-11-30: linear detrending, no stretch or RR change left out
    allowed = table[(table.validation <= shipped.validation)
                    & (table.train_nonsinus_fp <= 1.1 * shipped.train_nonsinus_fp)].drop(index=(-1, -1, -1),
                                                                                       errors="ignore")
    best = allowed.sort_values(["devices", "validation"]).index[0]
    return table.sort_values("devices"), best, shipped


def sway_sweep(cache):
    """P-onset errors per (set, input) of each ``SWAY_GRID`` setting of the coherence's sway view (the shipped gate
    otherwise) on ``SWAY_SETS``."""
    strata, rows = td.strata(), []
    settings = [dict(zip(SWAY_GRID, v)) for v in itertools.product(*SWAY_GRID.values())]
    for database, part, kind, decoded in decoded_sets(cache, SWAY_SETS):
        for setting in settings:
            scored = [(ecg, {**table, "evidence_p_coherence": rhythm.p_coherence(
                ecg.extra["x"], table["evidence_qrs_on"], rate_map.model_rate, **setting)}, rate_map, ignore)
                for ecg, table, rate_map, ignore in decoded]
            row = td.score_p(scored, strata if database == "ludb" else {}, {}, likeness=True)
            rows.append({"set": f"{database} {part}", "input": kind, "sway_band_hz": str(setting["sway_band_hz"]),
                         "sway_share": -1 if setting["sway_share"] is None else setting["sway_share"],
                         "errors": _onset_errors(row), **row})
        print(f"{database} {part} {kind}: {len(settings)} settings", flush=True)
    return pd.DataFrame(rows)


def choose_sway(frame):
    """(table per setting, the chosen setting) by the rule of ``--sway``: the fewest P-onset errors over the sway
    cells among the settings with no more errors than the gate without a sway view over the validation raw / clean /
    noisy cells and at most 10 % more false P onsets on the LUDB train split's non-sinus records; a setting must save
    at least 10 % of that gate's sway errors to be chosen over it; ties: that gate, then the band nearest 1-15 Hz."""
    keys = list(SWAY_GRID)
    valid = frame.set.str.endswith("validation")
    table = pd.DataFrame({
        "sway": frame[valid & (frame.input == "sway")].groupby(keys).errors.sum(),
        "validation": frame[valid & (frame.input != "sway")].groupby(keys).errors.sum(),
        "train_nonsinus_fp": frame[frame.set == "ludb train"].groupby(keys)[["paced_fp", "af_fp"]].sum().sum(axis=1),
        "sway_f1": frame[valid & (frame.input == "sway")].groupby(keys).onsets_f1.mean(),
        "validation_f1": frame[valid & (frame.input != "sway")].groupby(keys).onsets_f1.mean()})
    shipped = table.loc[(str(SWAY_GRID["sway_band_hz"][0]), -1)]  # no sway view (sway_share None: -1), the gate before
    allowed = table[(table.validation <= shipped.validation)
                    & (table.train_nonsinus_fp <= 1.1 * shipped.train_nonsinus_fp)]
    fewest = allowed[allowed.sway == allowed.sway.min()]
    if shipped.name in fewest.index:
        return table.sort_values("sway"), shipped.name
    bands = [str(band) for band in SWAY_GRID["sway_band_hz"]]  # in the grid's order: nearest 1-15 Hz first
    best = min(fewest.index, key=lambda setting: bands.index(setting[0]))
    if table.loc[best, "sway"] > 0.9 * shipped.sway:
        best = shipped.name
    return table.sort_values("sway"), best


def override_sweep(cache):
    """P-onset errors per (set, input) of each ``OVERRIDE_GRID`` threshold (the shipped gate otherwise), on the sets of
    ``--robust``."""
    strata, rows = td.strata(), []
    for database, part, kind, decoded in decoded_sets(cache, ROBUST_SETS):
        for threshold in OVERRIDE_GRID:
            row = td.score_p(decoded, strata if database == "ludb" else {}, {"coherent_override": threshold})
            rows.append({"set": f"{database} {part}", "input": kind, "override": threshold,
                         "errors": _onset_errors(row), **row})
        print(f"{database} {part} {kind}: {len(OVERRIDE_GRID)} settings", flush=True)
    return pd.DataFrame(rows)


def choose_override(frame):
    """(table per threshold, the chosen threshold) by the rule of ``--override``."""
    frame = frame.fillna({"override": -1})  # -1: None
    devices = frame.input.isin(td.DEVICE_INPUTS)
    validation = ~devices & frame.set.str.endswith("validation")
    table = pd.DataFrame({
        "validation": frame[validation].groupby("override").errors.sum(),
        "devices": frame[devices].groupby("override").errors.sum(),
        "train_nonsinus_fp": frame[frame.set == "ludb train"].groupby("override")[["paced_fp", "af_fp"]].sum().sum(
            axis=1),
        "validation_f1": frame[validation].groupby("override").onsets_f1.mean()})
    allowed = table[(table.devices <= table.loc[-1, "devices"]) & (table.train_nonsinus_fp <= OVERRIDE_FP_LIMIT)]
    fewest = allowed.validation.min()
    ties = allowed[allowed.validation == fewest].index
    best = -1 if -1 in ties else max(ties)
    return table, (None if best == -1 else best)


def sweep(cache, kind):
    rhythm = td.strata()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decoded = {db: td._decoded(td.read_cache(cache, db, "validation", kind)) for db in ("ludb", "qtdb")}
    rows = []
    for context_s, window_s in itertools.product(GRID["coherence_context_s"], GRID["window_s"]):
        scored = {db: with_coherence(d, context_s, window_s) for db, d in decoded.items()}
        for c, h in itertools.product(GRID["min_coherence"], GRID["coherent_height"]):
            gate_kw = {"min_coherence": c, "coherent_height": h, "coherence_context_s": context_s}
            for db, d in scored.items():
                row = {"input": kind, **gate_kw, "window_s": f"{window_s[0]}-{window_s[1]}", "database": db}
                row.update(td.score_p(d, rhythm if db == "ludb" else {}, gate_kw))
                rows.append(row)
    return pd.DataFrame(rows)


def _onset_errors(row):
    """Missed + false P onsets of a :func:`tune_decoding.score_p` row (summed over its strata)."""
    return sum(v for k, v in row.items() if k.endswith(("_fn", "_fp")))


def isolated_irregularity(decoded, strata, gate_kw):
    """Beats of sinus leads with expert P marks that the gate allows, and how many of them it refuses once the
    lead's middle beat is removed (a pause) or moved 30 % of an RR earlier without a P bump (a premature beat)."""
    refused = allowed = 0
    for ecg, table, rate_map, _ in decoded:
        if strata.get(ecg.record) != "sinus" or not len(ecg.fiducials()["ECG_P_Onsets"]):
            continue
        on, height, peak, coh = (np.asarray(table[f"evidence_{k}"], dtype=float)
                                 for k in ("qrs_on", "p_height", "p_peak", "p_coherence"))
        if len(on) < 7:
            continue
        gate = lambda o, h, p, c: rhythm.rhythm_gate(o, h, p, rate_map.model_rate, coherence=c,  # noqa: E731
                                                       bigeminal=rhythm.bigeminal_beats(o, rate_map.model_rate),
                                                       **gate_kw)[0]
        base, k = gate(on, height, peak, coh), len(on) // 2
        others = np.arange(len(on)) != k
        pause = gate(on[others], height[others], peak[others], coh[others])
        early = 0.3 * (on[k] - on[k - 1])
        premature = gate(on - early * ~others, np.where(others, height, 0.05), peak - early * ~others, coh)
        refused += (base[others] & ~pause).sum() + (base[others] & ~premature[others]).sum()
        allowed += 2 * base[others].sum()
    return int(refused), int(allowed)


def rhythm_sweep(cache):
    """P-onset errors of every ``RHYTHM_GRID`` setting (and the shipped gate: ``context_s`` NaN) per set and input,
    and the sinus beats each refuses after an isolated irregularity (set ``isolated``)."""
    strata, rows = td.strata(), []
    settings = [{}] + [dict(zip(RHYTHM_GRID, v)) for v in itertools.product(*RHYTHM_GRID.values())]
    for kind in td.DEFAULT_INPUTS:
        for db, part in RHYTHM_SETS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                decoded = td._decoded(td.read_cache(cache, db, part, kind))
            strata_map = strata if db == "ludb" else {}
            for gate_kw in settings:
                row = td.score_p(decoded, strata_map, gate_kw)
                rows.append({"input": kind, "set": f"{db}_{part}", **gate_kw, "errors": _onset_errors(row),
                             "onsets_f1": row["onsets_f1"]})
                if kind == "raw" and db == "ludb":
                    refused, allowed = isolated_irregularity(decoded, strata, gate_kw)
                    rows.append({"input": kind, "set": f"isolated_{part}", **gate_kw, "errors": refused,
                                 "onsets_f1": np.nan, "allowed": allowed})
            print(f"{kind} {db} {part}: {len(settings)} settings", flush=True)
    return pd.DataFrame(rows)


def choose_rhythm(frame):
    """(table of pooled errors per setting, the chosen setting) by the rule of ``--rhythm``."""
    keys = list(RHYTHM_GRID)
    frame = frame.fillna({k: -1.0 for k in keys})  # -1: the shipped gate
    wide = frame.pivot_table(index=keys, columns=["set", "input"], values="errors", aggfunc="sum")
    isolated = [c for c in wide.columns if c[0].startswith("isolated")]
    scored = wide.drop(columns=isolated)
    table = pd.DataFrame({"train": scored.xs("ludb_train", axis=1, level="set").sum(axis=1),
                          "validation": scored.drop(columns="ludb_train", level="set").sum(axis=1),
                          "isolated": wide[isolated].sum(axis=1)})
    for (set_, kind), col in scored.items():
        table[f"{set_}_{kind}"] = col
    table["pooled"] = table.train + table.validation
    shipped = table.loc[(-1.0,) * len(keys)]
    allowed = table[(table.validation <= shipped.validation) & (table.isolated <= ISOLATED_LIMIT)]
    # within 1 % of the fewest errors, the largest RR step: farthest from sinus rhythm's own beat-to-beat changes
    near = allowed[allowed.pooled <= 1.01 * allowed.pooled.min()].reset_index()
    best = near.sort_values(["rr_step", "pooled"], ascending=[False, True]).iloc[0]
    return table.sort_values("pooled"), tuple(best[k] for k in keys), shipped


def lead_coherence(parts=("train", "validation")):
    """Median P coherence of every LUDB lead of ``parts`` (QRS onsets from the shipped network, raw input)."""
    from nk_qrs_lstm.pipeline import find_beats
    from nk_qrs_lstm.conditioning import input_fixes
    from nk_qrs_lstm.preprocess import RateMap, prepare

    rows = []
    for part in parts:
        for ecg in td.load("ludb", part):
            rate_map = RateMap.for_rate(ecg.sampling_rate)
            beats, _ = find_beats(ecg.signal, rate_map)
            x, _ = prepare(ecg.signal, rate_map, **input_fixes(ecg.signal, ecg.sampling_rate))
            onsets = np.asarray(beats["ECG_R_Onsets"], dtype=float) / rate_map.ratio
            marked = np.isfinite(np.asarray(ecg.fiducials().get("ECG_P_Onsets", []), dtype=float)).any()
            rows.append({"part": part, "record": ecg.record, "lead": ecg.lead, "p_marked": marked,
                         "coherence": np.nanmedian(rhythm.p_coherence(x, onsets, rate_map.model_rate))})
    return pd.DataFrame(rows)


def lead_table(frame, thresholds=(0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4)):
    rows = []
    for part, sub in frame.groupby("part"):
        none, marked = sub[~sub.p_marked], sub[sub.p_marked]
        for c in thresholds:
            rows.append({"part": part, "threshold": c, "leads without P below": f"{(none.coherence < c).mean():.2f}",
                         "leads with P below": f"{(marked.coherence < c).sum()} / {len(marked)}"})
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default="/tmp/nkdec", help="folder of the cached probabilities (.npz)")
    parser.add_argument("--input", default="raw", choices=td.INPUTS)
    parser.add_argument("--out", default="/tmp/nkdec/results", help="folder of the CSV results (not committed)")
    parser.add_argument("--leads", action="store_true", help="coherence per lead, LUDB train and validation")
    parser.add_argument("--rhythm", action="store_true", help="the RR / PR / height arms, LUDB train + validation")
    parser.add_argument("--band", action="store_true", help="the coherence's pass band, raw / clean / noisy input")
    parser.add_argument("--override", action="store_true",
                        help="a high P coherence overruling the RR arm, with wearable devices' input")
    parser.add_argument("--sway", action="store_true",
                        help="the coherence's sway view, under continuous 1-3 Hz sway (tune_decoding --inputs sway)")
    parser.add_argument("--robust", action="store_true",
                        help="the coherence's detrending and loud-stretch exclusion and the RR arm's unlike beats, "
                             "with wearable devices' input")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    pd.set_option("display.width", 220)
    if args.rhythm:
        frame = rhythm_sweep(args.cache)
        frame.to_csv(os.path.join(args.out, "gate_rhythm.csv"), index=False)
        table, best, shipped = choose_rhythm(frame)
        print(table.head(25).to_string())
        print("shipped gate:", shipped.to_dict())
        print("chosen:", dict(zip(RHYTHM_GRID, best)), table.loc[best].to_dict())
        return
    for name, (run, choose) in {"sway": (sway_sweep, choose_sway), "override": (override_sweep, choose_override)}.items():
        if getattr(args, name):  # sweeps whose choice is one setting: its table and the chosen one
            frame = run(args.cache)
            frame.to_csv(os.path.join(args.out, f"gate_{name}.csv"), index=False)
            table, best = choose(frame)
            print(table.round(2).to_string())
            print("chosen:", best)
            return
    if args.robust:
        frame = robust_sweep(args.cache)
        frame.to_csv(os.path.join(args.out, "gate_robust.csv"), index=False)
        table, best, shipped = choose_robust(frame)
        print(table.round(2).to_string())
        print("shipped:", shipped.round(2).to_dict())
        print("chosen:", dict(zip(ROBUST_SWEEP, best)), table.loc[best].round(2).to_dict())
        return
    if args.band:
        frame = band_sweep(args.cache)
        frame.to_csv(os.path.join(args.out, "gate_band.csv"), index=False)
        table, best = choose_band(frame)
        pd.set_option("display.max_rows", 300)
        print(table.round(2).to_string())
        print("chosen:", best, table.loc[best].round(2).to_dict())
        return
    if args.leads:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = lead_coherence()
        frame.to_csv(os.path.join(args.out, "gate_coherence_leads.csv"), index=False)
        print(lead_table(frame).to_string(index=False))
        no_p = frame[~frame.p_marked].groupby(["part", "record"]).coherence.median().round(2)
        print(no_p.sort_values().to_string())
        return
    frame = sweep(args.cache, args.input)
    frame.to_csv(os.path.join(args.out, f"gate_coherence_{args.input}.csv"), index=False)
    keys = ["window_s", "coherence_context_s", "min_coherence", "coherent_height"]
    wide = frame.pivot_table(index=keys, columns="database", values="onsets_f1")
    counts = frame[frame.database == "ludb"].set_index(keys)[[c for c in frame.columns if c.endswith(("_fn", "_fp"))]]
    table = wide.join(counts.dropna(axis=1, how="all"))
    table["mean_f1"] = wide.mean(axis=1)
    pd.set_option("display.max_rows", 300)
    print(table.sort_values("mean_f1", ascending=False).round(2).to_string())


if __name__ == "__main__":
    np.seterr(invalid="ignore")
    main()
