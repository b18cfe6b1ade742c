"""Fusing the leads of one record into one delineation.

Two rules, chosen with ``delineate_record(..., fusion=...)``; both use the
probabilities of the one network run per lead that gives the per-lead tables.

``"proba"``: the leads' class-probability tracks (model rate,
sample-synchronous within a record) are averaged, at each sample over the
leads whose input is finite there (a gap in one lead does not blank the
others), and the mean track is decoded once by
:func:`nk_qrs_lstm.boundaries.delineate_proba`. Presence of P, QRS and T is
thus decided from the leads together: a P wave whose probability bump is too
weak to pass the decoder in any single lead but clear in their mean is kept.
The peaks (R, Q, S, P, T) need a signal: that of the lead with the largest
robust amplitude (1st-99th percentile of its first difference, so baseline
wander does not count), its gaps filled by the next leads in that order;
that lead, prepared as the network's input, also gives the rhythm gate its
stretches before the QRS (:func:`nk_qrs_lstm.rhythm.p_coherence`). Memory: the
running sum, the count of finite leads and one lead's track,
about 40 kB per second of record whatever the number of leads (a 3-hour
record: about 0.5 GB).

``"percentile"`` (default, chosen on validation): QRS complexes found in different leads are grouped when
their centres lie within ``FUSE_WINDOW_S`` of each other; a group found in at
least half of the leads is a beat. Its fused onsets and offsets are
percentiles over leads (``FUSE_PERCENTILES``: the median P limits and T onset,
the 35th / 65th percentile of the QRS limits, the 80th of the T offset) and its
peaks the median; a P or T wave needs ``FUSE_WAVE_FRACTION`` of the beat's
leads.

Both are measured in ``docs/benchmarks.md`` (``benchmarks/fusion.py``).
"""

import numpy as np
import pandas as pd

from .conditioning import input_fixes, without_mains
from .defaults import BLOCK_MARGIN_S, BLOCK_S, CLASSES, CONFIDENCE_KEYS
from .neurokit import NK_KEYS
from .pipeline import decode_blocks, track_blocks
from .preprocess import prepare

FUSIONS = ("proba", "percentile")
FUSE_WINDOW_S = 0.10  # [s] QRS centres closer than this across leads are one beat
FUSE_HALF_QRS_S = 0.05  # [s] centre of a complex known by one limit only (cut by the edge): that far inside
FUSE_WAVE_FRACTION = 0.25  # [-] fraction of a beat's leads that must find its P (T) wave (benchmarks/tune_fusion.py)
FUSE_QUIET_LEAD = 0.05  # [-] a lead whose range in a second is below this fraction of the widest lead's is silent
FUSE_QUIET_WARN_SHARE = 0.5  # [-] delineate_record warns where a lead is silent in this share of its seconds or more
#                              (LUDB / QTDB train + validation: at most 0.1 % of any lead's seconds)
FUSE_LOUD_MV = 50.0  # [mV] a lead (units known) whose range in a second exceeds this, where at least half the leads
#                      do not, is no ECG in mV there (uV labelled mV, trial 29): left out, and not the widest lead
#: wave -> (onset, offset) percentile over leads (benchmarks/tune_fusion.py --percentiles, validation)
FUSE_PERCENTILES = {"P": (50, 50), "R": (35, 65), "T": (50, 80)}
FUSED_COLUMNS = ["ECG_R_Peaks"] + list(NK_KEYS)
_BACKGROUND = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)


def fuse_leads(tables, sampling_rate, min_fraction=0.5, wave_fraction=FUSE_WAVE_FRACTION, percentiles=None,
               active=None):
    """Fuse per-lead delineations into one set of boundaries per beat (the ``"percentile"`` rule).

    Parameters
    ----------
    tables : dict of str -> DataFrame
        Per-lead tables from :func:`nk_qrs_lstm.ecg_delineate_table`.
    sampling_rate : float
        Hz.
    min_fraction : float
        A beat must be found in at least this fraction of the leads (of
        those with a signal there, when ``active`` is given).
    wave_fraction : float
        Its P (or T) wave must be found in at least this fraction of the
        leads that found the beat (its peak known); otherwise the fused beat
        has none. 0: a wave found in any one lead is kept.
    percentiles : dict of str -> (float, float), optional
        Onset and offset percentiles over leads per wave (``"P"``, ``"R"``,
        ``"T"``); default ``FUSE_PERCENTILES``.
    active : dict of str -> ndarray of bool, optional
        Per lead (the keys of ``tables``), the samples where it carries a
        signal (:func:`active_samples`): a flat, disconnected or missing
        lead neither counts against the leads that see a beat nor votes for
        what it found there. By default every lead counts everywhere.

    Returns
    -------
    DataFrame
        ``ECG_R_Peaks`` and every NeuroKit key (rounded samples), the
        confidences :data:`~nk_qrs_lstm.defaults.CONFIDENCE_KEYS` (median over
        the leads that found the wave; NaN where the fused beat has none or the
        tables carry none), plus ``n_leads``.

    Examples
    --------
    >>> a = pd.DataFrame({"ECG_R_Peaks": [100.0], "ECG_R_Onsets": [90.0], "ECG_R_Offsets": [110.0]})
    >>> b = pd.DataFrame({"ECG_R_Peaks": [102.0], "ECG_R_Onsets": [94.0], "ECG_R_Offsets": [118.0]})
    >>> fused = fuse_leads({"i": a, "ii": b}, 500)
    >>> fused[["ECG_R_Onsets", "ECG_R_Offsets", "n_leads"]].values.tolist()
    [[91.0, 115.0, 2.0]]
    """
    columns = FUSED_COLUMNS
    frames = []
    for i, table in enumerate(tables.values()):
        frame = table.reindex(columns=columns + list(CONFIDENCE_KEYS)).astype(float)
        frame["lead"] = i
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=columns + list(CONFIDENCE_KEYS) + ["n_leads"])
    allb = pd.concat(frames, ignore_index=True)
    # a complex cut by the signal's edge has one limit: its centre is then its R peak, or half a QRS from that limit
    half = FUSE_HALF_QRS_S * sampling_rate
    allb["centre"] = ((allb["ECG_R_Onsets"] + allb["ECG_R_Offsets"]) / 2).fillna(allb["ECG_R_Peaks"]).fillna(
        allb["ECG_R_Onsets"] + half).fillna(allb["ECG_R_Offsets"] - half)
    allb = allb[np.isfinite(allb["centre"])]
    if active is not None:  # a lead's "beats" where it carries no signal (noise of a disconnected lead) do not vote
        keep = np.zeros(len(allb), dtype=bool)
        lead, centre = allb["lead"].to_numpy(), allb["centre"].to_numpy()
        for i, name in enumerate(tables):
            rows = lead == i
            keep[rows] = _at(active[name], centre[rows])
        allb = allb[keep]
    allb = allb.sort_values("centre", kind="stable")
    centre = allb["centre"].to_numpy()
    # a new beat starts where the gap to the previous centre exceeds the window
    allb["beat"] = np.concatenate([[0], np.cumsum(np.diff(centre) > FUSE_WINDOW_S * sampling_rate)]) if len(centre) else []
    allb = allb.drop_duplicates(["beat", "lead"])
    groups = allb.groupby("beat")
    out = pd.DataFrame({"n_leads": groups["lead"].nunique().astype(float)})
    present = {w: groups[f"ECG_{w}_Peaks"].count() >= wave_fraction * out["n_leads"] for w in ("P", "T")}
    percentiles = {**FUSE_PERCENTILES, **(percentiles or {})}
    for col in columns + list(CONFIDENCE_KEYS):  # peaks and confidences: the median of the leads that found them
        wave = col.split("_")[1]
        if col.endswith("Onsets"):
            out[col] = groups[col].quantile(percentiles[wave][0] / 100)
        elif col.endswith("Offsets"):
            out[col] = groups[col].quantile(percentiles[wave][1] / 100)
        else:
            out[col] = groups[col].median()
        if wave in present:
            out.loc[~present[wave], col] = np.nan
    voters = len(tables) if active is None else _voters(groups["centre"].median().to_numpy(), active.values())
    out = out[out["n_leads"] >= np.maximum(1.0, min_fraction * voters)]
    out[columns] = in_beat_order(out[columns]).round()
    out[list(CONFIDENCE_KEYS)] = out[list(CONFIDENCE_KEYS)].round(4)  # a median of two 4-decimal values: 4 decimals
    return out[columns + list(CONFIDENCE_KEYS) + ["n_leads"]].reset_index(drop=True).astype(float)


def in_beat_order(points):
    """Fused points put back in a beat's order: P onset <= peak <= offset <= QRS onset, QRS offset <= T onset <=
    peak <= offset, and a T offset no later than the next beat's start (its P onset, or QRS onset without P).

    Percentiles over leads are taken point by point, so one can pass another where the leads disagree (the 14
    QTDB validation records: 24 fused P offsets after their QRS onset, 23 T offsets after the next P onset; in
    sel44 18 QRS onsets were then left out of the annotation file, a new-user trial, 20): an annotation file
    cannot hold such a beat (:func:`nk_qrs_lstm.wfdb_io.write_annotations`
    leaves its boundaries out). The QRS complex stays where it is; a P point is moved back to the one after it,
    a T point forward to the one before it, a T offset back to the next beat's start (unless the T onset or peak
    lies after that too: the beats then stay as they are). NaN stays NaN.

    Examples
    --------
    >>> beat = pd.DataFrame({"ECG_P_Onsets": [80.0], "ECG_P_Peaks": [95.0], "ECG_P_Offsets": [104.0],
    ...                      "ECG_R_Onsets": [100.0], "ECG_R_Offsets": [140.0], "ECG_T_Onsets": [np.nan],
    ...                      "ECG_T_Peaks": [200.0], "ECG_T_Offsets": [250.0]})
    >>> in_beat_order(beat)[["ECG_P_Offsets", "ECG_R_Onsets"]].values.tolist()
    [[100.0, 100.0]]
    """
    out = points.copy()
    # outward from the QRS complex, each point bounded by the nearest known point between it and the QRS
    for anchor, chain, nearest in (("ECG_R_Onsets", ("ECG_P_Offsets", "ECG_P_Peaks", "ECG_P_Onsets"), np.fmin),
                                   ("ECG_R_Offsets", ("ECG_T_Onsets", "ECG_T_Peaks", "ECG_T_Offsets"), np.fmax)):
        if anchor not in out:
            continue
        bound = out[anchor].to_numpy(dtype=float)
        for col in (c for c in chain if c in out):
            value = nearest(out[col].to_numpy(dtype=float), bound)  # NaN only where both are
            value[np.isnan(out[col].to_numpy(dtype=float))] = np.nan
            out[col] = value
            bound = nearest(bound, value)
    if "ECG_T_Offsets" in out and "ECG_P_Onsets" in out and len(out) > 1:
        t_off = out["ECG_T_Offsets"].to_numpy(dtype=float).copy()
        first = out["ECG_P_Onsets"].to_numpy(dtype=float)
        if "ECG_R_Onsets" in out:  # a beat without P starts at its QRS onset
            first = np.where(np.isfinite(first), first, out["ECG_R_Onsets"].to_numpy(dtype=float))
        next_start = np.append(first[1:], np.nan)
        before = np.fmax(*(out[c].to_numpy(dtype=float) if c in out else np.full(len(out), np.nan)
                           for c in ("ECG_T_Onsets", "ECG_T_Peaks")))  # the T wave's own points stay before it
        with np.errstate(invalid="ignore"):
            late = (t_off > next_start) & ~(before > next_start)
        t_off[late] = next_start[late]
        out["ECG_T_Offsets"] = t_off
    return out


def _at(mask, positions):
    """``mask`` (bool per sample) at fractional ``positions``, rounded and kept inside it (False if empty)."""
    mask = np.asarray(mask, dtype=bool)
    if not len(mask):
        return np.zeros(len(positions), dtype=bool)
    return mask[np.clip(np.round(positions).astype(np.int64), 0, len(mask) - 1)]


def _voters(centres, active):
    """Per beat centre (samples), how many of the ``active`` masks are True there."""
    return np.sum([_at(mask, centres) for mask in active], axis=0) if len(active) else np.zeros(len(centres))


def active_samples(ecg, sampling_rate, scale=None, return_quiet=False):
    """Samples of each lead that carry a signal: finite, in a second whose range is not zero nor below
    ``FUSE_QUIET_LEAD`` of the widest lead's range in that second (a disconnected lead's digitiser noise), nor, where
    ``scale`` puts the lead in mV, above ``FUSE_LOUD_MV`` while at least half of the leads of known units carrying a
    signal are not (units misread: such a lead is not the widest either, so one lead in uV labelled mV does not
    silence the others; a record whose leads are mostly that loud is compared as it is).

    Parameters
    ----------
    ecg : ndarray, shape (n,) or (n, n_leads)
    sampling_rate : float
    scale : array-like of float, shape (n_leads,), optional
        Factor putting each lead in mV (from the record's units: a lead in uV beside leads in mV is not quiet); NaN
        where a lead's units are not known (``NU``, ``adu``): that lead is compared with itself only (finite and
        not constant). By default the leads are taken to be in one unit, and none is too loud.

    return_quiet : bool
        Also return, per lead, the share of the seconds where it carries a signal (finite, not constant) in which
        it is silent beside the widest lead (near 1 for a lead whose units were misread: a lead in mV beside leads
        in uV, all labelled alike), and the share in which it is too loud (a lead in uV labelled mV); NaN where it
        carries none.

    Returns
    -------
    ndarray of bool, the shape of ``ecg``
    quiet, loud : ndarray of float, shape (n_leads,)
        With ``return_quiet``.

    Examples
    --------
    >>> x = np.sin(np.arange(2000) / 10.0); x[1000:] = 0.0; x[100] = np.nan
    >>> on = active_samples(x, 500)
    >>> bool(on[:1000].sum() == 999), bool(on[1000:].any())
    (True, False)
    >>> noise = 0.001 * np.random.default_rng(0).normal(size=2000)  # beside a lead of amplitude 1
    >>> active_samples(np.column_stack([np.sin(np.arange(2000) / 10.0), noise]), 500).all(axis=0).tolist()
    [True, False]
    >>> active_samples(np.column_stack([np.sin(np.arange(2000) / 10.0), 1000 * noise]), 500,  # mV and uV
    ...                scale=[1.0, 1e-3]).all(axis=0).tolist()
    [True, False]
    >>> t = np.arange(5000) / 500.0
    >>> ecg = np.column_stack([np.sin(t), 1000 * np.sin(t), np.zeros(5000)])  # mV, uV read as mV, flat
    >>> _, quiet, loud = active_samples(ecg, 500, return_quiet=True)  # one unit, none too loud: the mV lead silent
    >>> quiet.tolist(), loud.tolist()
    ([1.0, 0.0, nan], [0.0, 0.0, nan])
    >>> _, quiet, loud = active_samples(ecg, 500, scale=[1.0, 1.0, 1.0], return_quiet=True)  # all said to be mV
    >>> quiet.tolist(), loud.tolist()
    ([0.0, 0.0, nan], [0.0, 1.0, nan])
    """
    x = np.asarray(ecg, dtype=np.float64)
    leads = x.reshape(len(x), -1)
    block = max(1, int(round(sampling_rate)))
    spread, live, loud = _second_levels(leads, block, scale)
    active = (np.repeat(live, block, axis=0)[: len(x)] & np.isfinite(leads)).reshape(x.shape)
    return (active, _share(spread, ~live & ~loud), _share(spread, loud)) if return_quiet else active


def _share(spread, flagged):
    """Per lead, the share of its seconds with a range (``spread > 0``) that are ``flagged``."""
    carrying = (spread > 0).sum(axis=0)
    return np.where(carrying > 0, (flagged & (spread > 0)).sum(axis=0) / np.maximum(carrying, 1), np.nan)


def _second_levels(leads, block, scale):
    """Each lead's range per ``block`` of samples (0 where nothing finite), whether it carries a signal there
    beside the widest lead, and whether it is too loud there (:func:`active_samples`)."""
    padded = np.full((-(-len(leads) // block) * block, leads.shape[1]), np.nan)
    padded[: len(leads)] = leads
    blocks = padded.reshape(-1, block, leads.shape[1])
    finite = np.isfinite(blocks)
    spread = np.where(finite, blocks, -np.inf).max(axis=1) - np.where(finite, blocks, np.inf).min(axis=1)
    spread = np.nan_to_num(spread, nan=0.0, neginf=0.0, posinf=0.0)
    given = scale is not None
    scale = np.ones(leads.shape[1]) if scale is None else np.asarray(scale, dtype=float).reshape(-1)
    if scale.shape != (leads.shape[1],):
        raise ValueError(f"scale has {scale.size} factor(s), must have one per lead ({leads.shape[1]}).")
    known = np.isfinite(scale)
    level = spread * np.where(known, scale, 1.0)
    loud = (level > FUSE_LOUD_MV) & known if given else np.zeros(level.shape, dtype=bool)
    # too loud beside the leads that are not, at least half of those carrying a signal: a record all in uV labelled
    # mV (perhaps with a dead channel's noise) has no lead to compare with, so none is
    carrying = known & (spread > 0)
    loud &= (2 * (carrying & loud).sum(axis=1, keepdims=True) <= carrying.sum(axis=1, keepdims=True))
    judged = known & ~loud
    widest = np.where(judged, level, 0.0).max(axis=1, keepdims=True)
    reference = np.where(known, widest, level)  # a lead of unknown units: against itself
    return spread, (spread > 0) & ~loud & (level >= FUSE_QUIET_LEAD * reference), loud


def robust_amplitude(ecg):
    """Spread (1st to 99th percentile) of a lead's first difference: QRS slopes, not baseline wander."""
    d = np.diff(np.asarray(ecg, dtype=float))
    d = d[np.isfinite(d)]
    if d.size == 0:
        return 0.0
    lo, hi = np.percentile(d, [1, 99])
    return float(hi - lo)


def peak_signal(leads):
    """The lead with the largest robust amplitude, its non-finite samples filled from the next leads in that order.

    Parameters
    ----------
    leads : list of ndarray
        The leads' validated signals (same length).

    Examples
    --------
    >>> small, big = np.sin(np.arange(100.0)), 3 * np.sin(np.arange(100.0))
    >>> big[:10] = np.nan
    >>> out = peak_signal([small, big])
    >>> bool(np.allclose(out[:10], small[:10]) and np.allclose(out[10:], big[10:]))
    True
    """
    order = np.argsort([-robust_amplitude(x) for x in leads], kind="stable")
    out = np.array(leads[order[0]], dtype=float)
    for j in order[1:]:
        fill = ~np.isfinite(out)
        if not fill.any():
            break
        out[fill] = leads[j][fill]
    return out


class ProbaMean:
    """Running mean of the leads' model-rate probability tracks, over the leads finite at each sample.

    Holds one sum and one count per sample (not every lead's track).

    Examples
    --------
    >>> mean = ProbaMean(3)
    >>> mean.add(np.array([[0.5, 0, 0.5, 0]] * 3), np.array([False, False, True]))
    >>> mean.add(np.array([[0.9, 0, 0.1, 0]] * 3), np.array([False, True, True]))
    >>> proba, count = mean.result()
    >>> proba[:, 2].astype(float).round(2).tolist(), count.tolist()
    ([0.3, 0.5, 0.0], [2, 1, 0])
    """

    def __init__(self, n_model):
        self.total = np.zeros((n_model, len(CLASSES)), dtype=np.float32)
        self.count = np.zeros(n_model, dtype=np.int16)

    def add(self, proba, bad):
        n = min(len(self.count), len(proba))
        ok = ~np.asarray(bad[:n], dtype=bool)
        self.total[:n][ok] += proba[:n][ok]
        self.count[:n] += ok

    def result(self):
        """``(mean, count)``: the mean track (background where no lead is finite) and the leads averaged."""
        seen = self.count > 0
        mean = np.empty_like(self.total)
        mean[seen] = self.total[seen] / self.count[seen, None]
        mean[~seen] = _BACKGROUND
        return mean, self.count


def fuse_proba(mean, count, signal, rate_map, block_s=BLOCK_S, margin_s=BLOCK_MARGIN_S, **decode_kw):
    """Decode the leads' mean probability track into one row per beat (the ``"proba"`` rule).

    Parameters
    ----------
    mean : ndarray, shape (n_model, 4)
        Mean of the leads' probabilities at ``rate_map.model_rate`` (:class:`ProbaMean`).
    count : ndarray of int, shape (n_model,)
        Leads averaged at each sample; 0 is a gap in every lead (boundaries there are unknown).
    signal : ndarray, shape (n_samples,)
        Caller-rate signal for the peaks (:func:`peak_signal`).
    rate_map : RateMap
    block_s, margin_s : float
        Decoded in blocks of ``block_s`` with ``margin_s`` on each side (s), as one lead is.
    **decode_kw
        Passed to :func:`nk_qrs_lstm.boundaries.delineate_proba`.

    Returns
    -------
    DataFrame
        ``ECG_R_Peaks``, every NeuroKit key (float, NaN where absent), the
        confidences :data:`~nk_qrs_lstm.defaults.CONFIDENCE_KEYS` of the mean
        track's waves (its tables were fitted on single leads) and ``n_leads``
        (leads averaged at the beat's QRS onset).
    """
    total = len(mean)
    signal = np.asarray(signal, dtype=float)
    fixes = input_fixes(signal, rate_map.sampling_rate)
    x, _ = prepare(signal, rate_map, **fixes)
    x = np.pad(x[:total], (0, max(total - len(x), 0)), mode="edge")
    blocks = track_blocks(mean, count == 0, rate_map, block_s=block_s, margin_s=margin_s, signal=x)
    beats = decode_blocks(blocks, without_mains(signal, rate_map.sampling_rate, fixes["mains_hz"]), rate_map,
                          **decode_kw)
    if beats is None:
        return pd.DataFrame({k: np.zeros(0) for k in FUSED_COLUMNS + list(CONFIDENCE_KEYS) + ["n_leads"]})
    out = pd.DataFrame({k: beats[k].astype(float) for k in FUSED_COLUMNS}).round()
    for key in CONFIDENCE_KEYS:
        out[key] = beats[key].astype(float)
    out["n_leads"] = count[np.clip(beats["owner"].astype(int), 0, total - 1)].astype(float)
    return out
