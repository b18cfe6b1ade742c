"""Statistics of each beat's context: the beats within a distance of it, and the signal's stretches before them.

The shared, pure helpers of :mod:`nk_qrs_lstm.rhythm` (the rhythm gate and the P coherence),
:mod:`nk_qrs_lstm.ectopic` and :mod:`nk_qrs_lstm.sway`: window means and SDs over beats with cumulative sums,
the stretches before each QRS onset, and the mean correlation between them.
"""

import warnings

import numpy as np
from scipy.signal import butter, sosfiltfilt

from .defaults import ONSET_TOLERANCE


def _context(times, half):
    """For each beat, the range ``[lo, hi)`` of the beats within ``half`` of it (``times`` sorted; NaN: none).

    A beat exactly ``half`` away is inside, also where a block's arithmetic left its time 1e-10 off
    (``ONSET_TOLERANCE``): the context must not depend on where the pipeline's blocks fall.
    """
    times = np.nan_to_num(times, nan=-np.inf)
    return (np.searchsorted(times, times - half - ONSET_TOLERANCE, side="left"),
            np.searchsorted(times, times + half + ONSET_TOLERANCE, side="right"))


def _window_stats(times, values, weights, half, inner=0):
    """Weighted mean and SD of ``values`` over the beats within ``half`` of each beat, and how many beats count.

    ``inner=1`` leaves out the first and last beat of each window (a value that
    involves both neighbours of its beat then stays inside the window); ``inner=2`` the first two and last two (an
    empty window where fewer beats are in it).
    """
    lo, hi = _context(times, half)
    lo = np.minimum(lo + inner, len(times))  # a window of fewer than 2 * inner beats is empty, not out of range
    hi = np.maximum(hi - inner, lo)
    sums = [np.concatenate([[0.0], np.cumsum(a)]) for a in (weights, weights * values, weights * values**2,
                                                            weights > 0)]
    w, s1, s2, count = (c[hi] - c[lo] for c in sums)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / w
        sd = np.sqrt(np.maximum(s2 / w - mean * mean, 0))
    return mean, sd, count


PAD_PERIODS = 1.0  # [-] the filter's edge padding, in periods of the band's low edge


def band_pass(x, rate, band_hz):
    """Zero-phase 2nd-order Butterworth band-pass of ``x`` (NaN read as 0; a high-pass where ``band_hz[1]`` is
    None), edges padded by a period of the low edge; ``x`` as it is where it is shorter than that padding."""
    pad = int(PAD_PERIODS * rate / band_hz[0])
    if len(x) <= pad:
        return x
    sos = (butter(2, band_hz[0], btype="highpass", fs=rate, output="sos") if band_hz[1] is None else
           butter(2, band_hz, btype="bandpass", fs=rate, output="sos"))
    return sosfiltfilt(sos, np.nan_to_num(x), padlen=pad)


def _stretches(x, qrs_on, rate, window_s, detrend=1):
    """Each beat's stretch ``x[on - window_s[0] : on - window_s[1]]`` without its least-squares polynomial of degree
    ``detrend`` (0: its mean; 1: its linear trend; 2: also its curvature), and which stretches are whole (not cut by
    the start or end of ``x``; ``x`` not empty)."""
    m = len(x)
    w0, w1 = int(round(window_s[0] * rate)), int(round(window_s[1] * rate))
    length = w0 - w1
    # the tolerance puts an onset a block's arithmetic left 1e-10 under a sample on that sample, as in the whole track
    start = np.floor(np.nan_to_num(qrs_on, nan=-1.0) + ONSET_TOLERANCE).astype(np.int64) - w0
    ok = np.isfinite(qrs_on) & (start >= 0) & (start + length <= m)
    seg = x[np.clip(start[:, None] + np.arange(length), 0, m - 1)]
    basis, _ = np.linalg.qr(np.vander(np.linspace(-1.0, 1.0, length), int(detrend) + 1))  # orthonormal columns
    seg -= (seg @ basis) @ basis.T
    return seg, ok


def _context_median(values, ok, lo, hi):
    """Median of ``values[ok]`` over each beat's context ``[lo, hi)`` (NaN where none; vectorised over a
    beats x widest-context array)."""
    width = int(max(np.max(hi - lo, initial=0), 1))
    idx = lo[:, None] + np.arange(width)
    inside = idx < hi[:, None]
    idx = np.minimum(idx, len(values) - 1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a context without a whole stretch: NaN
        return np.nanmedian(np.where(inside & ok[idx], values[idx], np.nan), axis=1)


def _unit_rows(seg, ok, scale):
    """The whole, non-flat stretches (norm above ``1e-12 * scale``) scaled to unit norm, zero rows for the others,
    and which rows those are."""
    norm = np.linalg.norm(seg, axis=1)
    ok = ok & (norm > 1e-12 * scale)
    return np.where(ok[:, None], seg / np.where(ok, norm, 1.0)[:, None], 0.0), ok


def _pairs_mean(z, ok, lo, hi, min_beats):
    """Mean correlation between every two unit rows ``z[ok]`` of each beat's context ``[lo, hi)`` (NaN: too few)."""
    cum_z = np.vstack([np.zeros(z.shape[1]), np.cumsum(z, axis=0)])
    cum_n = np.concatenate([[0], np.cumsum(ok)])
    total, count = cum_z[hi] - cum_z[lo], cum_n[hi] - cum_n[lo]
    out = np.full(len(z), np.nan)
    enough = count >= max(min_beats, 2)
    out[enough] = ((total[enough] ** 2).sum(axis=1) - count[enough]) / (count[enough] * (count[enough] - 1.0))
    return out


def _mean_correlation(seg, ok, lo, hi, min_beats, scale, alternate=False):
    """Mean correlation between every two whole, non-flat stretches of each beat's context (NaN: too few); for the
    beats ``alternate`` marks (True: all; an array: per beat), the larger of that and the mean among the stretches
    of every other beat (its own parity)."""
    z, ok = _unit_rows(seg, ok, scale)
    out = _pairs_mean(z, ok, lo, hi, min_beats)
    marked = np.broadcast_to(np.asarray(alternate, dtype=bool), out.shape)
    if marked.any():
        parity = np.arange(len(z)) % 2
        for p in (0, 1):
            mine = parity == p
            own = _pairs_mean(np.where(mine[:, None], z, 0.0), ok & mine, lo, hi, min_beats)
            out[mine & marked] = np.fmax(out[mine & marked], own[mine & marked])
    return out
