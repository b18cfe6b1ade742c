"""WFDB delineation marks <-> waves: pure functions on annotation samples and symbols (no file I/O).

Marks follow QTDB's ``q1c`` files: ``(`` onset, peak (``p``, ``N``, ``t``),
``)`` offset, with the wave type in the ``num`` of the brackets (0 P, 1 QRS,
2 T, as ecgpuwave writes them) and ``num`` 0 on the peaks (on a ``t`` it is
ecgpuwave's T-wave shape, 0 "normal", which is not classified here). Used by
:mod:`nk_qrs_lstm.wfdb_io.annotations` to write and read annotation files,
and by the training data readers (:func:`parse_waves`).
"""

import numpy as np

from .._checks import _join

# (wave name in parse_waves, NeuroKit prefix, peak symbol, num = wave type)
WAVES = (("P", "P", "p", 0), ("QRS", "R", "N", 1), ("T", "T", "t", 2))
POINTS = ("Onsets", "Peaks", "Offsets")
#: NeuroKit keys written and read, wave by wave (onset, peak, offset).
WAVE_KEYS = tuple(f"ECG_{prefix}_{point}" for _, prefix, _, _ in WAVES for point in POINTS)
_OPTIONAL_KEYS = ("ECG_R_Peaks",)
#: WFDB beat codes (ecgcodes.h, isqrs): any of them marks a QRS complex in a delineation file.
BEAT_SYMBOLS = frozenset("NLRBAaJSVrFejnE/fQ?")
_PEAK_SYMBOLS = {"p": "P", "t": "T", "u": "U"}  # beat codes are QRS, see BEAT_SYMBOLS
#: Marks that belong to a delineation (the others, rhythm ``+``, noise ``~``, comments, are skipped).
DELINEATION_SYMBOLS = BEAT_SYMBOLS | {"(", ")", "p", "t", "u"}


def parse_waves(samples, symbols):
    """Group WFDB delineation marks into waves.

    A peak symbol (``p``, ``t``, ``u`` or a beat code such as ``N``, ``V``)
    takes the ``(`` immediately before it as onset and the ``)`` immediately
    after it as offset. Consecutive ``p`` (``t``, ``u``) marks are one wave
    with two peaks, as a biphasic wave is marked (``( t t )``): it keeps
    the first peak. A ``( )`` pair with no peak inside takes the peak
    just before or after it when that peak has no brackets of its own (some
    LUDB marks put the peak one sample before the onset); otherwise it is a
    wave of unknown kind (``"?"``). Other symbols (rhythm, noise, comments)
    are ignored.

    Parameters
    ----------
    samples : array-like of int
        Annotation sample indices.
    symbols : sequence of str
        Annotation symbols, same length.

    Returns
    -------
    dict of str -> ndarray, shape (n, 3)
        Keys ``"P"``, ``"QRS"``, ``"T"``, ``"U"`` and ``"?"``; columns onset,
        peak, offset (NaN where missing), rows sorted by peak (by onset for
        ``"?"``).

    Examples
    --------
    >>> w = parse_waves([10, 20, 30, 50, 60], ["(", "p", ")", "N", ")"])
    >>> w["P"].tolist(), w["QRS"].tolist()
    ([[10.0, 20.0, 30.0]], [[nan, 50.0, 60.0]])
    >>> parse_waves([5, 6, 30], ["N", "(", ")"])["QRS"].tolist()
    [[6.0, 5.0, 30.0]]
    >>> parse_waves([300, 340, 400, 450], ["(", "t", "t", ")"])["T"].tolist()  # biphasic T
    [[300.0, 340.0, 450.0]]
    """
    samples = np.asarray(samples, dtype=np.int64)
    symbols = list(symbols)
    # a wave marked with two peaks in a row (biphasic): keep the first, whose neighbour becomes the last mark
    second = {i for i in range(1, len(symbols)) if symbols[i] in _PEAK_SYMBOLS and symbols[i] == symbols[i - 1]}
    if second:
        samples, symbols = np.delete(samples, sorted(second)), [s for i, s in enumerate(symbols) if i not in second]
    n = len(symbols)
    kinds = [_PEAK_SYMBOLS.get(s, "QRS" if s in BEAT_SYMBOLS else None) for s in symbols]
    on = [i - 1 if kinds[i] and i > 0 and symbols[i - 1] == "(" else None for i in range(n)]
    off = [i + 1 if kinds[i] and i + 1 < n and symbols[i + 1] == ")" else None for i in range(n)]
    used = {j for j in on + off if j is not None}
    unknown = []
    for i in range(n - 1):
        if symbols[i] != "(" or symbols[i + 1] != ")" or i in used or i + 1 in used:
            continue
        # a peak-less pair: adopt a neighbouring peak that has no bracket at all
        for peak in (i - 1, i + 2):
            if 0 <= peak < n and kinds[peak] and on[peak] is None and off[peak] is None:
                on[peak], off[peak] = i, i + 1
                break
        else:
            unknown.append((samples[i], np.nan, samples[i + 1]))
        used.update((i, i + 1))
    out = {k: [] for k in ("P", "QRS", "T", "U")}
    for i in range(n):
        if kinds[i]:
            out[kinds[i]].append((samples[on[i]] if on[i] is not None else np.nan, samples[i],
                                  samples[off[i]] if off[i] is not None else np.nan))
    out["?"] = unknown
    return {k: np.asarray(v, dtype=float).reshape(-1, 3) for k, v in out.items()}


def _points(waves, key, length=None):
    """Return ``waves[key]`` as a 1-D float array of whole samples or NaN."""
    value = waves.get(key)
    if value is None:  # only reached for the optional keys
        return np.full(length, np.nan)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"waves[{key!r}] must be a list of sample indices (NaN where missing).") from None
    if arr.ndim != 1:
        raise ValueError(f"waves[{key!r}] must be one-dimensional, got shape {arr.shape}.")
    known = arr[~np.isnan(arr)]
    bad = known[~np.isfinite(known) | (known < 0) | (known != np.round(known))]
    if bad.size:
        raise ValueError(f"waves[{key!r}] must hold whole sample indices >= 0 (NaN where missing), "
                         f"got {float(bad[0])!r}.")
    return arr


def waves_table(waves):
    """Return a list of ``(wave_type, onset, peak, offset)`` arrays per wave."""
    if not isinstance(waves, dict):
        raise TypeError("waves must be a dict of NeuroKit delineation lists (ECG_P_Onsets, ...), "
                        f"got {type(waves).__name__}.")
    missing = [k for k in WAVE_KEYS if k not in waves and k not in _OPTIONAL_KEYS]
    if missing:
        raise ValueError(f"waves is missing the key(s) {_join(missing)}; expected NeuroKit's delineation "
                         f"keys {_join(WAVE_KEYS)} (ECG_R_Peaks optional).")
    table = []
    for num, (_, prefix, _, _) in enumerate(WAVES):
        keys = [f"ECG_{prefix}_{point}" for point in POINTS]
        onset = _points(waves, keys[0])
        offset = _points(waves, keys[2])
        peak = _points(waves, keys[1], length=len(onset))
        if not len(onset) == len(peak) == len(offset):
            raise ValueError(f"waves[{keys[0]!r}], waves[{keys[1]!r}] and waves[{keys[2]!r}] must have the "
                             f"same length (one entry per wave), got {len(onset)}, {len(peak)} and "
                             f"{len(offset)}.")
        table.append(np.column_stack([onset, peak, offset]))
    return table


def encode(table):
    """Turn the per-wave table into sorted WFDB marks.

    Returns samples (int64), symbols, num (int64), aux notes and the number
    of boundary points left out.
    """
    left_out = 0
    marks = []  # (sample, wave id, position 0/1/2)
    waves = []  # (num, row) for each wave written
    for num, rows in enumerate(table):
        for onset, peak, offset in rows:
            known = ~np.isnan([onset, peak, offset])
            if not known.any():
                continue
            if known[1]:
                if known[0] and onset > peak:
                    onset, known[0], left_out = np.nan, False, left_out + 1
                if known[2] and offset < peak:
                    offset, known[2], left_out = np.nan, False, left_out + 1
            elif not (known[0] and known[2]) or onset > offset:
                left_out += int(known.sum())
                continue
            waves.append((num, (onset, peak, offset)))
    # rank the waves in time: first known point, last known point, type
    firsts = [np.nanmin(row) for _, row in waves]
    lasts = [np.nanmax(row) for _, row in waves]
    kinds = [num for num, _ in waves]
    order = np.lexsort((kinds, lasts, firsts)) if waves else np.zeros(0, dtype=int)
    for rank, w in enumerate(order):
        for pos, value in enumerate(waves[w][1]):
            if not np.isnan(value):
                marks.append((int(value), rank, pos))
    marks.sort()
    # keep a boundary only if it sits right next to its anchor (the peak, or the
    # partner bracket of a peak-less pair); removing marks never breaks that
    # adjacency for the others, so one pass suffices.
    keep = [True] * len(marks)
    by_rank = {}
    for i, (_, rank, pos) in enumerate(marks):
        by_rank.setdefault(rank, {})[pos] = i
    for rank, where in by_rank.items():
        if 1 in where:
            for pos in (0, 2):
                if pos in where and abs(where[pos] - where[1]) != 1:
                    keep[where[pos]] = False
                    left_out += 1
        elif where[2] - where[0] != 1:
            keep[where[0]] = keep[where[2]] = False
            left_out += 2
    samples, symbols, nums, aux = [], [], [], []
    for (sample, rank, pos), kept in zip(marks, keep):
        if not kept:
            continue
        num = waves[order[rank]][0]
        name, _, peak_symbol, _ = WAVES[num]
        peakless = 1 not in by_rank[rank]
        samples.append(sample)
        symbols.append(("(", peak_symbol, ")")[pos])
        nums.append(0 if pos == 1 else num)  # a peak's num is not its wave type (on a t: the T-wave shape)
        aux.append(name if peakless else "")
    return np.asarray(samples, dtype=np.int64), symbols, np.asarray(nums, dtype=np.int64), aux, left_out


def decode(samples, symbols, aux):
    """Group marks into waves: parse_waves plus the named peak-less pairs."""
    names = [name for name, _, _, _ in WAVES]
    extra = {name: [] for name in names}
    symbols = list(symbols)
    for i in range(len(symbols) - 1):
        if symbols[i] == "(" and symbols[i + 1] == ")" and aux[i] in names and aux[i + 1] == aux[i]:
            extra[aux[i]].append((samples[i], np.nan, samples[i + 1]))
            # hide the named pair from parse_waves (which would give it to a neighbouring peak),
            # keeping a placeholder so that no other mark becomes adjacent through it
            symbols[i] = symbols[i + 1] = '"'
    grouped = parse_waves(samples, symbols)
    out = {}
    for name in names:
        rows = np.vstack([grouped[name], np.asarray(extra[name], dtype=float).reshape(-1, 3)])
        key = np.where(np.isnan(rows[:, 1]), rows[:, 0], rows[:, 1])
        out[name] = rows[np.argsort(key, kind="stable")]
    return out
