"""What a lead brings that the network must not see, found once on the whole caller-rate lead.

The pipeline (:func:`nk_qrs_lstm.pipeline.iter_proba`) asks :func:`input_fixes`
once per lead what :func:`nk_qrs_lstm.preprocess.prepare` must undo block by
block: NeuroKit's mains moving average (:mod:`nk_qrs_lstm.unsmooth`) and mains
hum (:mod:`nk_qrs_lstm.mains`); :func:`gap_mask` says which samples carry no
ECG (non-finite, a flat run of ``FLAT_GAP_S`` or more, padding at the ends); :func:`without_mains`
gives the lead the peaks are read on. Pure functions of the caller-rate signal.
"""

import numpy as np

from .defaults import FLAT_GAP_S, n_samples
from .mains import detect_mains, remove_mains
from .spectra import constant_runs, padding_runs
from .unsmooth import detect_smoothing


def gap_mask(signal, sampling_rate):
    """Caller samples that carry no ECG: non-finite ones, flat runs of ``FLAT_GAP_S`` or more (lead off, a rail),
    and padding at either end (:func:`nk_qrs_lstm.spectra.padding_runs`).

    Examples
    --------
    >>> x = np.sin(np.arange(3000) / 10.0)
    >>> x[1000:2200] = 0.0  # 2.4 s of zeros at 500 Hz
    >>> x[2500] = np.nan
    >>> mask = gap_mask(x, 500)
    >>> int(mask.sum()), bool(mask[1000] and mask[2199] and mask[2500] and not mask[999])
    (1201, True)
    """
    bad = ~np.isfinite(signal)
    for start, stop in np.concatenate([constant_runs(signal, n_samples(FLAT_GAP_S, sampling_rate)),
                                       padding_runs(signal, sampling_rate)]):
        bad[start:stop] = True
    return bad


def bridge_gaps(signal, bad):
    """A float copy of ``signal`` with the samples ``bad`` interpolated linearly between their neighbours (0 where no
    sample is good), for the filters.

    Examples
    --------
    >>> bridge_gaps(np.array([1.0, np.nan, 3.0, 7.0]), np.array([False, True, False, True])).tolist()
    [1.0, 2.0, 3.0, 3.0]
    """
    x = np.array(signal, dtype=np.float64)
    good = np.flatnonzero(~bad)
    x[bad] = np.interp(np.flatnonzero(bad), good, x[good]) if good.size else 0.0
    return x


def without_mains(signal, sampling_rate, mains_hz):
    """``signal`` with the mains lines ``mains_hz`` notched out (:func:`nk_qrs_lstm.mains.remove_mains`), gaps kept.

    Non-finite samples are bridged for the filter and NaN again after it; the
    signal itself where ``mains_hz`` is empty (no copy).
    """
    if not len(mains_hz):
        return signal
    bad = ~np.isfinite(signal)
    x = remove_mains(bridge_gaps(signal, bad), sampling_rate, mains_hz)
    x[bad] = np.nan
    return x


def input_fixes(signal, sampling_rate):
    """What :func:`nk_qrs_lstm.preprocess.prepare` undoes in a lead, detected once on the whole caller-rate lead.

    NeuroKit's mains moving average (:func:`nk_qrs_lstm.unsmooth.detect_smoothing`) and mains hum
    (:func:`nk_qrs_lstm.mains.detect_mains`).

    Returns
    -------
    dict
        ``smoothing_taps`` and ``mains_hz``, the keyword arguments of :func:`nk_qrs_lstm.preprocess.prepare`.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=20, sampling_rate=500, random_state=0)
    >>> input_fixes(ecg, 500)
    {'smoothing_taps': None, 'mains_hz': ()}
    >>> input_fixes(nk.ecg_clean(ecg, sampling_rate=500), 500)["smoothing_taps"]
    10
    """
    return {"smoothing_taps": detect_smoothing(signal, sampling_rate), "mains_hz": detect_mains(signal, sampling_rate)}
