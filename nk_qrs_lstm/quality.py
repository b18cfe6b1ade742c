"""Signal checks that warn, never fail: gaps, flat and clipped signals, noise, band-pass-cleaned input, sway,
pacemaker spikes (calibration pulses: :mod:`nk_qrs_lstm.calibration`).

The band-pass check needs the heart rate, the sway and pacing checks the QRS complexes, so the front door runs
them after delineation.

Pure numpy/scipy; each check takes a validated lead and emits an
:class:`~nk_qrs_lstm.NKQRSLSTMWarning` at the caller's line.
"""

import numpy as np

from ._checks import _where, warn
from .defaults import (
    BANDPASS_LOW_HZ,
    BANDPASS_MAX_BPM,
    BANDPASS_MAX_RATIO,
    BANDPASS_MID_HZ,
    BANDPASS_SEGMENT_S,
    BANDPASS_WINDOW_S,
    CLIPPED_FRACTION,
    EDGE_PAD_S,
    FLAT_GAP_S,
    GATE_COHERENCE_SWAY_BAND_HZ,
    GATE_COHERENCE_WINDOW_S,
    MAINS_FLANK_HZ,
    MAINS_NOTCH_MIN_HZ,
    NOISE_ECG_HZ,
    NOISE_HIGH_HZ,
    NOISE_BURST_MIN_STRETCHES,
    NOISE_BURST_RATIO,
    NOISE_MAX_RATIO,
    NOISE_SMOOTHED_MIN_GAIN,
    PACING_MIN_BEATS,
    PACING_MIN_RATE,
    PACING_WARN_FRACTION,
    QUANT_MIN_LEVELS,
    STRETCH_S,
    SWAY_WARN_CONTEXT_S,
    n_samples,
)
from .mains import detect_tones, lead_spectra
from .pacing import spiked_beats
from .sway import lead_low_share, swaying
from .levels import is_rail, quantisation_levels
from .spectra import constant_runs, longest_finite_run, padding_runs, runs, welch
from .unsmooth import detect_smoothing, smoothing_gain


def warn_quality(ecg, sampling_rate, name="ecg_cleaned"):
    """Warn about gaps, flat stretches, clipped or coarsely quantised signals and noise, saying where in a long lead.

    Parameters
    ----------
    ecg : ndarray of float
        One lead (NaN/inf allowed: they are gaps).
    sampling_rate : float
        Hz.
    name : str
        How the lead is named in the messages.
    """
    finite = np.isfinite(ecg)
    if not finite.all():
        warn(f"{name} has {int((~finite).sum())} non-finite samples (NaN or inf){_where(runs(~finite), sampling_rate)}: "
             "they are treated as gaps, and a wave boundary next to a gap is NaN.")
    if not finite.any():
        return
    values = ecg if finite.all() else np.where(finite, ecg, np.nan)  # no copy in the usual case
    lo, hi = np.nanmin(values), np.nanmax(values)
    if lo == hi:
        warn(f"{name} is flat (constant): no wave can be found, every result is NaN.")
        return
    flat = constant_runs(ecg, n_samples(FLAT_GAP_S, sampling_rate))
    if len(flat):
        warn(f"{name} holds one value for {FLAT_GAP_S:g} s or more{_where(flat, sampling_rate)} (a lead off, a "
             "saturated amplifier, or a pause recorded without any noise): those stretches are treated as gaps.")
    padding = padding_runs(ecg, sampling_rate)  # a run held 2 s or more is named above already
    padding = padding[(padding[:, 1] - padding[:, 0]) < n_samples(FLAT_GAP_S, sampling_rate)]
    if len(padding):
        warn(f"{name} is padded at its start or end with one held value{_where(padding, sampling_rate)} (e.g. an "
             f"EDF file's last data record: {EDGE_PAD_S:g} s or more of one value, or less far outside the rest of "
             "the lead): treated as a gap.")
        values = values.copy()
        for start, stop in padding:  # the padding is no rail: the clipping check looks at the rest
            values[start:stop] = np.nan
        finite = np.isfinite(values)
        if not finite.any():
            return
        lo, hi = np.nanmin(values), np.nanmax(values)
    at_lo, at_hi = np.count_nonzero(values == lo), np.count_nonzero(values == hi)
    at_extremes = (at_lo + at_hi) / np.count_nonzero(finite)
    # a rail holds many more samples than the level next to it; the top of a coarsely quantised peak does not
    if at_extremes > CLIPPED_FRACTION and any(is_rail(values, level, count, inward, hi - lo)
                                             for level, count, inward in ((hi, at_hi, -1), (lo, at_lo, 1))):
        warn(f"{name} looks clipped ({100 * at_extremes:.1f}% of its samples sit at its minimum or "
             "maximum): waves in saturated stretches may be missed.")
    levels, step = quantisation_levels(ecg[: n_samples(BANDPASS_SEGMENT_S, sampling_rate)], sampling_rate)
    if levels < QUANT_MIN_LEVELS:
        warn(f"{name} is coarsely quantised: its beats span {levels:.0f} steps of {step:.3g} (the recorder's "
             "resolution, or a low gain), so a P wave, a tenth of it, spans a few: P waves may be missed and "
             "boundaries less precise. Record at a finer resolution or a higher gain if you can.")
    stretches = lead_spectra(ecg, sampling_rate)  # one pass over the lead for the tones and the noise
    tones = detect_tones(ecg, sampling_rate, stretches=stretches)
    inside = [f for f in tones if f < MAINS_NOTCH_MIN_HZ]
    if inside:
        listed = ", ".join(f"{f:.1f} Hz" for f in inside)
        warn(f"{name} carries a pure tone at {listed} (railway or other interference) inside the ECG's band: it is not "
             "removed (a notch there would distort the waves), and wave boundaries may be off by 10 ms or more; "
             "remove its source if you can.")
    if len(flat) or len(padding):  # gaps: no noise of their own to lower the median minute, nor a step into them
        judged = np.array(ecg, dtype=float)
        for start, stop in np.concatenate([flat, padding]):
            judged[start:stop] = np.nan
        stretches = lead_spectra(judged, sampling_rate)
    starts, ratios, high = noise_ratios(ecg, sampling_rate, mains_hz=_with_harmonics(tones), with_power=True,
                                        stretches=stretches, smoothing_taps=detect_smoothing(ecg, sampling_rate))
    long_enough = len(ecg) >= NOISE_BURST_MIN_STRETCHES * n_samples(STRETCH_S, sampling_rate)
    burst = high / np.median(high) if long_enough and np.median(high) > 0 else 0 * high
    noisy = (ratios > NOISE_MAX_RATIO) | (burst > NOISE_BURST_RATIO)
    if noisy.any():
        stretch = n_samples(STRETCH_S, sampling_rate)
        spans = np.stack([starts[noisy], np.minimum(starts[noisy] + stretch, len(ecg))], axis=1)
        louder = f", up to {burst.max():.0f} times the lead's median minute" if (burst > NOISE_BURST_RATIO).any() else ""
        warn(f"{name} carries much power at {NOISE_HIGH_HZ[0]:g} Hz and above (up to {ratios.max():.1f} times that "
             f"of its {NOISE_ECG_HZ[0]:g}-{NOISE_ECG_HZ[1]:g} Hz band{louder}, mains hum lines left out: muscle or "
             f"other noise){_where(_merged(spans), sampling_rate)}: wave boundaries there may be up to twice less "
             "precise.")


def _with_harmonics(lines, top=NOISE_HIGH_HZ[1], lowest=NOISE_HIGH_HZ[0]):
    """The tones removed, and the harmonics up to ``top`` of those from ``lowest`` up (a square-ish mains hum's
    150-Hz harmonic is no muscle noise; the resampling to the model's rate removes it)."""
    return tuple(lines) + tuple(k * f for f in lines if f >= lowest for k in range(2, int(top // f) + 1))


def _merged(spans):
    """Touching ``[start, stop)`` spans joined."""
    out = [list(spans[0])]
    for start, stop in spans[1:]:
        if start <= out[-1][1]:
            out[-1][1] = stop
        else:
            out.append([start, stop])
    return np.asarray(out)


def warn_bandpassed(ecg, sampling_rate, qrs_positions, name="ecg_cleaned"):
    """Warn when the lead looks band-pass cleaned (:func:`bandpass_ratio`), at heart rates where that is telling.

    Above ``BANDPASS_MAX_BPM`` the heart's own fundamental leaves the 0.5-3 Hz band almost empty in raw ECGs
    too, so faster signals are not judged.

    Parameters
    ----------
    ecg : ndarray
    sampling_rate : float
    qrs_positions : ndarray
        Sample positions of the QRS complexes found (for the heart rate).
    name : str
    """
    qrs = np.asarray(qrs_positions, dtype=float)
    qrs = qrs[np.isfinite(qrs)]
    if len(qrs) < 3 or 60.0 * sampling_rate / np.median(np.diff(qrs)) > BANDPASS_MAX_BPM:
        return
    ratio = bandpass_ratio(ecg, sampling_rate)
    if ratio < BANDPASS_MAX_RATIO:
        warn(f"{name} looks band-pass filtered (power at {BANDPASS_LOW_HZ[0]:g}-{BANDPASS_LOW_HZ[1]:g} Hz is "
             f"{ratio:.3f} of that at {BANDPASS_MID_HZ[0]:g}-{BANDPASS_MID_HZ[1]:g} Hz, below "
             f"{BANDPASS_MAX_RATIO:g}): such cleaning (e.g. nk.ecg_clean's 'pantompkins1985', 'hamilton2002', "
             "'elgendi2010') flattens P and T waves and widens the QRS for the network. Pass the raw signal, or "
             "nk.ecg_clean(..., method='neurokit').")


def sway_spans(ecg, sampling_rate, qrs_onsets):
    """Where the lead sways under its P waves (:func:`nk_qrs_lstm.sway.swaying`), as merged sample spans.

    Parameters
    ----------
    ecg : ndarray
    sampling_rate : float
    qrs_onsets : ndarray
        QRS onsets found (samples; NaN ignored).

    Returns
    -------
    spans : ndarray of int, shape (n, 2)
        ``[start, stop)``: from the P stretch of the first beat in sway to the QRS onset of the last, spans less
        than ``SWAY_WARN_CONTEXT_S`` apart joined.
    share : float
        Median :func:`~nk_qrs_lstm.sway.low_share` of the beats in sway (NaN: none).
    """
    on = np.asarray(qrs_onsets, dtype=float)
    on = np.sort(on[np.isfinite(on)])
    share = lead_low_share(ecg, on, sampling_rate)
    flagged = swaying(share, on, sampling_rate)
    if not flagged.any():
        return np.zeros((0, 2), dtype=np.int64), np.nan
    start = np.maximum(on[flagged] - GATE_COHERENCE_WINDOW_S[0] * sampling_rate, 0).astype(np.int64)
    stop = on[flagged].astype(np.int64)
    gap = SWAY_WARN_CONTEXT_S * sampling_rate
    spans = _merged(np.stack([start, np.maximum(stop, start + 1) + int(gap)], axis=1))
    spans[:, 1] = np.minimum(spans[:, 1] - int(gap), len(ecg))
    return spans, float(np.median(share[flagged]))  # beats in sway have a share of their own


def warn_sway(ecg, sampling_rate, qrs_onsets, name="ecg_cleaned"):
    """Warn where 1-4 Hz sway lies under the P waves (a walking subject, a loose electrode): the P waves are still
    found there, their limits and the T wave's less precisely (:func:`sway_spans`)."""
    spans, share = sway_spans(ecg, sampling_rate, qrs_onsets)
    if len(spans):
        warn(f"{name} sways at 1-4 Hz under its P waves{_where(spans, sampling_rate)} (a walking subject, breathing "
             f"on a loose electrode: {100 * share:.0f}% of the energy before each QRS lies below "
             f"{GATE_COHERENCE_SWAY_BAND_HZ[0]:g} Hz): P waves are still found there, but their limits are about "
             "twice as scattered and T offsets less precise. No filter removes such sway without distorting the P "
             "wave, which shares its band: check the electrodes' contact.")


def warn_pacing(ecg, sampling_rate, qrs_onsets, qrs_offsets, name="ecg_cleaned"):
    """Warn where spikes like a pacemaker's stimuli come before at least ``PACING_WARN_FRACTION`` of the QRS
    complexes (:func:`nk_qrs_lstm.pacing.spiked_beats`; at least ``PACING_MIN_BEATS`` of them): a paced rhythm,
    whose P waves and QRS limits the network reads less well. A recorder that filters the stimuli away leaves
    nothing to find. Not judged below ``PACING_MIN_RATE``: a sample then spans twice a stimulus's step
    (``PACING_STEP_S``) or more, and the QRS slopes of sinus leads look as abrupt (docs/api.md)."""
    on = np.asarray(qrs_onsets, dtype=float)
    n = int(np.isfinite(on).sum())
    if n < PACING_MIN_BEATS or sampling_rate < PACING_MIN_RATE:
        return
    spiked = int(spiked_beats(ecg, on, qrs_offsets, sampling_rate).sum())
    if spiked >= PACING_WARN_FRACTION * n:
        warn(f"{name} has narrow spikes like a pacemaker's stimuli before {spiked} of its {n} QRS complexes (a "
             "paced rhythm): paced QRS complexes are wide and their limits less precise, a P wave under an atrial "
             "stimulus may be missed or placed late, and in atrial fibrillation under ventricular pacing (a "
             "regular RR) P waves may be reported where there are none; check the P waves of paced beats "
             "(docs/api.md, 'Recordings unlike adult resting ECGs').")


def warn_delineated(ecg, sampling_rate, table, name="ecg_cleaned"):
    """The checks that need the delineation: band-pass-cleaned input (:func:`warn_bandpassed`, from the R-peaks'
    heart rate), sway under the P waves (:func:`warn_sway`, from the QRS onsets) and pacemaker spikes
    (:func:`warn_pacing`, from the QRS complexes); ``table`` as :func:`nk_qrs_lstm.alignment.align` returns it."""
    warn_bandpassed(ecg, sampling_rate, table["ECG_R_Peaks"], name=name)
    warn_sway(ecg, sampling_rate, table["ECG_R_Onsets"], name=name)
    warn_pacing(ecg, sampling_rate, table["ECG_R_Onsets"], table["ECG_R_Offsets"], name=name)


def noise_ratios(ecg, sampling_rate, mains_hz=(), with_power=False, stretches=None, smoothing_taps=None):
    """Power above the ECG's band over power in it, per ``STRETCH_S`` of the lead: mains hum and muscle noise.

    The Welch power in ``NOISE_HIGH_HZ`` (40-150 Hz, capped at 0.45 x the
    sampling rate) over that in ``NOISE_ECG_HZ`` (1-40 Hz), on each stretch of
    ``STRETCH_S`` (60 s; its longest finite run, at least one
    ``STRETCH_SEGMENT_S`` Welch segment; ``stretches``: their spectra,
    :func:`nk_qrs_lstm.mains.lead_spectra`, where the caller has them already). ``mains_hz``: hum lines
    (:func:`nk_qrs_lstm.mains.detect_mains`) left out of the sums, within
    ``MAINS_FLANK_HZ[0]`` of each (the pipeline removes them). ``smoothing_taps``: NeuroKit's moving average
    found in the lead (:func:`nk_qrs_lstm.unsmooth.detect_smoothing`), which hides most of the band above 40 Hz
    (a trial, 29: heavy muscle noise 2.65 raw, 0.003 after ``nk.ecg_clean``): each bin is divided by the
    average's power gain, the bins it all but erased (gain under ``NOISE_SMOOTHED_MIN_GAIN``) left out and each
    band's sum scaled to its width, so the ratio is the raw lead's again (2.84 there).

    Returns
    -------
    starts : ndarray of int
        First sample of each stretch judged.
    ratios : ndarray of float
        Its ratio (0 where the sampling rate leaves no band above 40 Hz).
    high : ndarray of float
        With ``with_power``: its power in ``NOISE_HIGH_HZ`` (for bursts: a minute far louder than the lead's others,
        which a tall QRS's own 1-40 Hz power hides from the ratio).
    """
    top = min(NOISE_HIGH_HZ[1], 0.45 * sampling_rate)
    starts, ratios, powers = [], [], []
    for start, f, p, *_ in lead_spectra(ecg, sampling_rate) if stretches is None else stretches:
        if len(mains_hz):
            p = np.where(np.min(np.abs(f[:, None] - np.asarray(mains_hz)[None, :]), axis=1) < MAINS_FLANK_HZ[0],
                         0.0, p)
        ecg_band = (f >= NOISE_ECG_HZ[0]) & (f < NOISE_ECG_HZ[1])
        high_band = (f >= NOISE_HIGH_HZ[0]) & (f <= top)
        if smoothing_taps:
            gain = smoothing_gain(int(smoothing_taps), f, sampling_rate)
            kept = gain >= NOISE_SMOOTHED_MIN_GAIN
            p = np.where(kept, p / np.where(kept, gain**2, 1.0), 0.0)
            widen = [band.sum() / max((band & kept).sum(), 1) for band in (ecg_band, high_band)]
        else:
            widen = (1.0, 1.0)
        ecg_power = p[ecg_band].sum() * widen[0]
        high = p[high_band].sum() * widen[1]
        starts.append(start)
        ratios.append(high / ecg_power if ecg_power > 0 and top > NOISE_HIGH_HZ[0] else 0.0)
        powers.append(high if top > NOISE_HIGH_HZ[0] else 0.0)
    out = np.asarray(starts, dtype=np.int64), np.asarray(ratios, dtype=float)
    return (*out, np.asarray(powers, dtype=float)) if with_power else out


def noise_ratio(ecg, sampling_rate, mains_hz=()):
    """The largest of :func:`noise_ratios` (0 where no stretch can be judged): above ``NOISE_MAX_RATIO`` warns.

    Raw LUDB and QTDB leads (train and validation, 2026 leads) stay under 0.75;
    0.1 mV RMS of 20-120 Hz noise brings a fifth of the LUDB validation leads
    above 1 (``docs/api.md``).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=20, sampling_rate=500, random_state=0)
    >>> hum = 0.5 * np.sin(2 * np.pi * 50 * np.arange(len(ecg)) / 500)  # 0.5 mV of mains hum
    >>> bool(noise_ratio(ecg, 500) < 1), bool(noise_ratio(ecg + hum, 500) > 1)
    (True, True)
    >>> bool(noise_ratio(ecg + hum, 500, mains_hz=[50.0]) < 1)  # the hum line left out
    True
    """
    _, ratios = noise_ratios(ecg, sampling_rate, mains_hz)
    return float(ratios.max()) if len(ratios) else 0.0


def bandpass_ratio(ecg, sampling_rate, segment_s=BANDPASS_SEGMENT_S):
    """Spectral signature of band-pass cleaning: low-band over mid-band power.

    The Welch power in ``BANDPASS_LOW_HZ`` (0.5-3 Hz: P and T waves) over that
    in ``BANDPASS_MID_HZ`` (5-15 Hz: the QRS), on the longest finite stretch
    of the first ``segment_s`` seconds (as the smoothing check does). Raw and
    ``nk.ecg_clean(method="neurokit")`` / ``"biosppy"`` signals of LUDB and
    QTDB validation leads are all above 0.04; band-pass cleaners bring it far
    below (see ``docs/api.md``).

    Returns
    -------
    float
        ``inf`` when the mid band is empty (nothing to judge).

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=20, sampling_rate=500, random_state=0)
    >>> bool(bandpass_ratio(ecg, 500) > 0.04)
    True
    >>> bool(bandpass_ratio(nk.ecg_clean(ecg, sampling_rate=500, method="elgendi2010"), 500) < 0.04)
    True
    """
    spectrum = _head_spectrum(ecg, sampling_rate, segment_s)
    if spectrum is None:
        return np.inf
    f, p = spectrum
    mid = p[(f >= BANDPASS_MID_HZ[0]) & (f < BANDPASS_MID_HZ[1])].sum()
    low = p[(f >= BANDPASS_LOW_HZ[0]) & (f < BANDPASS_LOW_HZ[1])].sum()
    return low / mid if mid > 0 else np.inf


def _head_spectrum(ecg, sampling_rate, segment_s):
    """Welch spectrum (``BANDPASS_WINDOW_S`` segments) of the longest finite stretch of the first ``segment_s``
    seconds; None where that stretch is shorter than one segment."""
    x = longest_finite_run(np.asarray(ecg[: n_samples(segment_s, sampling_rate)], dtype=float))
    window = n_samples(BANDPASS_WINDOW_S, sampling_rate)
    return None if len(x) < window else welch(x, sampling_rate, window, robust=True)  # a burst is no filter
