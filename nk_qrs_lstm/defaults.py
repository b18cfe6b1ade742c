"""Constants used across the package, in one place, with their units.

Durations are in seconds; sample counts are always derived from them with
:func:`n_samples`, never written as raw numbers.
"""

# --- the model's world -------------------------------------------------------
MODEL_RATE = 250  # [Hz] internal sampling rate of the network
MODEL_STRIDE = 4  # [-] time reduction of the recurrent part (must divide the window); a model card's own wins
MODEL_STRIDES = (1, 2, 4, 8)  # [-] the reductions the network builder and the runtime know
TRAIN_WINDOW_S = 8.192  # [s] training crops (2048 samples at 250 Hz)
POOL_BATCH_TIMEOUT_S = 600.0  # [s] longest wait for one training batch from a worker process (then an error)
POOL_STOP_TIMEOUT_S = 60.0  # [s] longest wait for the batches drawn ahead when training ends (then terminate)
QTDB_BEAT_GAP_S = 2.0  # [s] QTDB: annotated beats with less silence between them are one region ...
QTDB_RR_FRACTION = 0.8  # [-] ... if the gap is also shorter than this share of the median RR interval
QTDB_MATCH_S = 0.15  # [s] a reference beat this close to an annotated QRS peak is that beat
WINDOW_S = 16.384  # [s] inference windows (4096 samples): same validation accuracy as 8.192 s, fewer overlaps
OVERLAP_S = 1.024  # [s] overlap kept on each side when stitching windows
HIGHPASS_HZ = 0.5  # [Hz] baseline-removal cut-off applied before the network
NORM_BLOCK_S = 1.0  # [s] blocks of the per-second amplitude scale (normalisation "second")
NORM_SPREAD_BLOCKS = 2  # [blocks] each block's scale is the largest of it and the one before: a QRS every 2-3 s
#                         (20-30 bpm, pauses) still sets the median, which a QRS-free second did (2026-11-30)

# --- accepted input ----------------------------------------------------------
TIME_SCALE_MAX = 3.0  # [-] largest time_scale: the network sees a lead at most this many times slower (children)
MIN_RATE = 50  # [Hz] lowest accepted sampling rate (higher rates are resampled) ...
CHECKED_RATE = 100  # [Hz] below it (in the network's time: rate / time_scale) a warning says wave limits are less
#                      precise (LUDB / QTDB validation leads at 50-80 Hz, 2026-11-30: docs/api.md)
RATIO_MAX_DENOMINATOR = 1000  # [-] largest up/down factor of the rational rate conversion
MAX_RATE = MODEL_RATE * RATIO_MAX_DENOMINATOR  # [Hz] ... and the highest (250 kHz: the conversion's largest factor)
MIN_DURATION_S = 1.0  # [s] shortest signal the model can delineate
FLAT_GAP_S = 2.0  # [s] a run of identical samples this long is a gap (lead off, a rail): raw LUDB / QTDB leads hold
#                   at most 0.58 s, quantised to 0.05 mV at most 1.33 s (train + validation)
# a run of identical samples touching a lead's first or last sample is padding (a gap; EDF's last data record, a
# recorder's fill) from EDGE_PAD_S on, or from EDGE_PAD_MIN_S on where its level lies beyond the rest of the lead by
# more than EDGE_PAD_BEYOND of the rest's 0.5-99.5th percentile range. LUDB / QTDB train + validation leads: such runs
# last at most 0.15 s raw and 0.82 s quantised to 0.05 mV, and lie beyond the rest by at most 0.16 of its range
EDGE_PAD_S = 1.0  # [s]
EDGE_PAD_MIN_S = 0.05  # [s]
EDGE_PAD_BEYOND = 0.5  # [-]

# --- undoing NeuroKit's powerline smoothing (nk_qrs_lstm/unsmooth.py) -----------
# nk.ecg_clean's default powerline filter is a moving average over one mains period, applied forward and backward
POWERLINE_HZ = (50.0, 60.0)  # [Hz] mains frequencies whose moving-average filter is looked for
NEUROKIT_POWERLINE_MIN_RATE = 100  # [Hz] NeuroKit averages int(rate / powerline) samples from this rate up, else 2
SMOOTHING_NULLS = 2  # [-] nulls of the average checked (the first ones below 45 % of the rate); all must be deep
SMOOTHING_NULL_HALF_WIDTH_HZ = 0.5  # [Hz] half-width of the band averaged at a null
SMOOTHING_NEAR_HZ = (3.0, 6.0)  # [Hz] distance of the bands on each side of a null giving the reference power
SMOOTHING_NOTCH_RATIO = 0.5  # [-] a null must also be below this fraction of its lower side (not a stopband)
SMOOTHING_FLOOR = 1e-12  # [-] sides weaker than this times the spectrum's peak are not judged (nothing there)
SMOOTHING_DETECT_S = 300.0  # [s] at most this much of the signal (its start) is analysed for the filter
SMOOTHING_NULL_RATIO = 0.06  # [-] power at the filter's nulls / power 3-6 Hz beside them, below which it is found
SMOOTHING_NYQUIST_RATIO = 0.005  # [-] the same for a 2-sample average's one null, at the Nyquist frequency (rates
#   100-149 Hz at 50 Hz mains): judged on its lower side only, so deeper (120 LUDB validation leads resampled to 100,
#   120, 130 Hz: raw >= 0.04, after nk.ecg_clean <= 0.0013)
UNSMOOTH_LAMBDA = 0.01  # [-] regularisation of the inverse filter (chosen on the validation splits)
UNSMOOTH_HALF_S = 0.1  # [s] half-length of the FIR inverse filter

# --- removing mains hum (nk_qrs_lstm/mains.py) ----------------------------------
MAINS_SEARCH_HZ = 1.0  # [Hz] a line is looked for this close to 50 / 60 Hz and to their harmonics
MAINS_FLANK_HZ = (2.0, 6.0)  # [Hz] distance of the bands on each side of a line giving the reference power
MAINS_LINE_RATIO = 10.0  # [-] a line's peak power over its flanks' median above which it is mains hum ...
MAINS_ISOLATION = 3.0  # [-] ... if also this many times above its flanks' largest (a heart rate's harmonics are not)
MAINS_NOTCH_Q = 30.0  # [-] quality factor of each notch (-3 dB width 1.7 Hz at 50 Hz)
MAINS_MIN_HZ = 8.0  # [Hz] lone tones are looked for from here (railway 16.7 Hz, mains 50 / 60 Hz, their harmonics) ...
MAINS_TOP_HZ = 125.0  # [Hz] ... to here (the resampling to 250 Hz removes what is above)
MAINS_MAX_LINES = 6  # [-] at most this many tones are found (the strongest) ...
MAINS_NOTCH_MIN_HZ = 40.0  # [Hz] ... and those from here up removed (a notch lower distorts the P and T waves)
STRETCH_S = 60.0  # [s] the whole lead's spectrum is taken stretch by stretch (mains lines, the noise warning) ...
STRETCH_SEGMENT_S = 4.0  # [s] ... in Welch segments of this length (0.25-Hz resolution)

# --- streaming -----------------------------------------------------------------
BLOCK_S = 3600.0  # [s] longest stretch of signal turned into probabilities at once
BLOCK_MARGIN_S = 30.0  # [s] probabilities decoded beyond each block edge: > three contexts (GATE_CONTEXT_S, of beats
#                        whose wide-premature flags compare them with the on-time beats within ECTOPIC_CONTEXT_S,
#                        each on time by its own ECTOPIC_CONTEXT_S) + PR_MAX_S + a wave (20 s before the width arm)
FILTER_MARGIN_S = 40.0  # [s] signal filtered beyond each block edge (the 0.5-Hz high-pass forgets in ~1 s)

# --- classes of the per-sample segmentation ----------------------------------
CLASSES = ("background", "P", "QRS", "T")
UNLABELLED = -1  # label value masked out of the loss and the scores

# --- the one list of fiducial names -------------------------------------------
#: NeuroKit's ``waves`` keys, in the order of its ``prominence`` / ``cwt`` methods.
NK_KEYS = (
    "ECG_P_Onsets", "ECG_P_Peaks", "ECG_P_Offsets", "ECG_Q_Peaks", "ECG_R_Onsets",
    "ECG_R_Offsets", "ECG_S_Peaks", "ECG_T_Onsets", "ECG_T_Peaks", "ECG_T_Offsets",
)
#: One row of a beat table: the R-peak, then every key of :data:`NK_KEYS`.
BEAT_KEYS = ("ECG_R_Peaks",) + NK_KEYS
#: Fiducials in time order within one beat (P onset first, T offset last).
BEAT_ORDER = (
    "ECG_P_Onsets", "ECG_P_Peaks", "ECG_P_Offsets", "ECG_R_Onsets", "ECG_Q_Peaks", "ECG_R_Peaks",
    "ECG_S_Peaks", "ECG_R_Offsets", "ECG_T_Onsets", "ECG_T_Peaks", "ECG_T_Offsets",
)
#: Seconds before (negative) and after each R-peak that ``ecg_delineate(..., show=True)`` draws, as NeuroKit's plot.
BEAT_WINDOW_S = (-0.35, 0.55)  # [s]
#: Wave name -> key prefix (``"QRS"`` is ``ECG_R_*`` as in NeuroKit).
WAVE_PREFIX = {"P": "ECG_P", "QRS": "ECG_R", "T": "ECG_T"}

# --- matching the caller's R-peaks to the QRS complexes found -----------------
RPEAK_REACH_S = 0.150  # [s] farthest an R-peak may lie outside the QRS it is given ...
RPEAK_REACH_RR = 0.5  # [-] ... and never past this fraction of its RR intervals
# caller's R-peaks that leave QRS complexes undelineated (pipeline.warn_unmatched): measured with nk.ecg_peaks on
# the LUDB / QTDB validation leads (it fires where NeuroKit's detector misses beats: 11 of 480 LUDB, 3 of 28 QTDB)
RPEAK_MISS_EDGE_S = 1.0  # [s] complexes this close to the signal's ends are not counted (detectors skip edge beats)
RPEAK_MISS_MIN = 2  # [-] warn from this many complexes without an R-peak ...
RPEAK_MISS_FRACTION = 0.05  # [-] ... making at least this fraction of the complexes
RPEAK_MISS_CONFIDENCE = 0.9  # [-] complexes the network doubts (QRS confidence under it; every LUDB / QTDB validation
#                               complex: 0.99 or more) are no sign of a missed beat and are not counted

# --- physiological limits used to clean segments -----------------------------
# chosen on the validation split by benchmarks/tune_postprocessing.py (results/tuning_validation.csv)
P_MIN_S = 0.045  # [s] shortest P wave kept
QRS_MIN_S = 0.045  # [s] shortest QRS complex kept
T_MIN_S = 0.075  # [s] shortest T wave kept
GAP_MERGE_S = 0.040  # [s] gaps up to this long inside one wave are closed
PR_MAX_S = 0.400  # [s] longest P-onset -> QRS-onset distance attached to a beat
QT_MAX_S = 0.700  # [s] longest QRS-onset -> T-offset distance attached to a beat
QS_MIN_DEPTH = 0.1  # [-] Q and S lie at least this share of the QRS peak-to-peak amplitude below R (else NaN)
P_PEAK_INVERTED_RATIO = 2.0  # [-] a P peak is the highest point above the line joining the wave's limits unless
#                                the lowest below it is this many times farther (an inverted P wave); chosen on the
#                                validation splits (docs/decoding.md, "P peaks")
R_PEAK_INVERTED_RATIO = 20.0  # [-] an R peak is the highest point above the line joining the QRS limits unless the
#                                 lowest below it is this many times farther (a QS complex): the R wave, as LUDB's
#                                 experts and NeuroKit's ecg_peaks place it, not a deeper S (V1-V3); chosen on the
#                                 validation splits (benchmarks/tune_r_peak.py: within 10 ms of the expert's 58 -> 83 %)
EDGE_MARGIN_S = 0.024  # [s] a boundary this close (or closer) to the signal's ends or a gap is unknown (NaN): the
#                        wave may go on where the network saw nothing; up to 24 ms from a cut, 20-41 % of boundaries
#                        were off by > 10 ms, beyond it 6-14 % (LUDB validation, benchmarks/edge_margin.py)

# --- pacemaker spikes (nk_qrs_lstm/pacing.py, quality.warn_pacing) ------------------
# chosen on LUDB train + validation and QTDB (signal only) by benchmarks/tune_pacing_warning.py (docs/api.md)
PACING_STEP_S = 0.002  # [s] one step of a stimulus's edge (at least one sample)
PACING_ABRUPT = 0.3  # [-] a step counts where the step before it is less than this fraction of it
PACING_WINDOW_S = (0.30, 0.03)  # [s] a beat's spike may lie this long before, after its QRS onset
PACING_FACTOR = 0.3  # [-] a stimulus: an abrupt step above this fraction of the median QRS peak-to-peak
PACING_NOISE_FLOOR = 4.0  # [-] ... and above this many times the lead's robust SD of its 2-ms steps (white noise on a
#                           faint lead warned 248 of 456 LUDB validation leads, 0 with it: benchmarks/pacing_noise_check.py)
PACING_WARN_FRACTION = 0.7  # [-] a lead warns where at least this fraction of its beats is spiked ...
PACING_MIN_BEATS = 4  # [-] ... and it has at least this many beats
PACING_MIN_RATE = 200  # [Hz] not judged below: QRS slopes look abrupt there (sinus LUDB validation leads ii / v1 / v5
#                         warned 11 / 3 / 4 of 105 at 100 / 128 / 150 Hz, none at 200-500 Hz; scan of 2026-11-30)

# --- calibration pulses (nk_qrs_lstm/calibration.py): bridged ----------------------
PULSE_MIN_HEIGHT = 0.3  # [-] a pulse's step: at least this fraction of the lead's 0.5-99.5th percentile range ...
PULSE_MAX_HEIGHT = 4.0  # [-] ... and at most this many times it (a 20-mV knock is an artefact, not a 1-mV mark) ...
PULSE_WIDTH_S = (0.06, 0.5)  # [s] ... its step back this long after it (paper ECGs: about 0.2 s) ...
PULSE_RETURN = 0.2  # [-] ... of the same size within this fraction ...
PULSE_FLAT = 0.1  # [-] ... and the top between them within this fraction of the step
PULSE_MARGIN_S = 0.01  # [s] bridged on each side of a pulse

# --- input checks that warn ----------------------------------------------------
CLIPPED_FRACTION = 0.01  # [-] share of samples at the extreme values above which a signal looks clipped
CLIPPED_PILE = 2.0  # [-] ... when an extreme also holds more than this many times the samples of the next level inward
CLIPPED_ENTRY = 0.01  # [-] ... and is reached and left by steps above this fraction of the range (median): LUDB train
#                         + validation 1-3-s excerpts called clipped for a flat baseline 0.0005-0.006, leads clipped on
#                         purpose 0.005 at least, 0.017 at the 5th percentile (docs/api.md)
QUANT_MIN_LEVELS = 30  # [-] a lead whose beats span fewer ADC steps warns: LUDB validation leads quantised to 40 / 25
#   / 15 steps of their range lost 0.7 / 1.6 / 3.1 points of P-onset F1 (SD +1.3 / +5.0 / +9.4 ms) and are warned
#   about in 3 / 96 / 100 % of the leads; raw LUDB / QTDB train and validation leads span at least 196 / 51
QUANT_WINDOW_S = 2.0  # [s] windows whose range is a beat's (each holds one down to 30 bpm) ...
QUANT_RANGE_PERCENTILE = 25  # [-] ... the quieter ones: motion widening up to 3 windows in 4 is left out
BANDPASS_LOW_HZ = (0.5, 3.0)  # [Hz] band of P and T waves, emptied by band-pass cleaners
BANDPASS_MID_HZ = (5.0, 15.0)  # [Hz] band of the QRS, kept by them
BANDPASS_MAX_RATIO = 0.03  # [-] low/mid power below this looks band-passed (validation leads: raw >= 0.074,
#                            nk.ecg_clean "neurokit" >= 0.079, "biosppy" >= 0.040)
BANDPASS_MAX_BPM = 120.0  # [1/min] faster signals are not judged (raw ECG has little 0.5-3 Hz power too)
BANDPASS_SEGMENT_S = 600.0  # [s] stretch analysed (the first ten minutes)
BANDPASS_WINDOW_S = 4.0  # [s] Welch segment (shorter signals are not judged)
WELCH_OUTLIER_RATIO = 4.0  # [-] spectra of the input checks leave out segments above this x the lower quartile's power
NOISE_HIGH_HZ = (40.0, 150.0)  # [Hz] band of mains hum and muscle noise (capped at 0.45 x the sampling rate) ...
NOISE_ECG_HZ = (1.0, 40.0)  # [Hz] ... against the ECG's own band
NOISE_MAX_RATIO = 1.0  # [-] high/ECG power above this warns (2026 raw LUDB / QTDB train + validation leads: <= 0.74)
NOISE_BURST_RATIO = 10.0  # [-] ... and so does a minute with this many times the lead's median minute's 40-150 Hz
#                          power (raw QTDB leads: 99th percentile 12, two leads of sel32 above; 0.1 / 0.3 mV RMS of
#                          20-120 Hz noise for a minute of a QTDB validation lead: median 36 / 314, smallest 8 / 62)
NOISE_BURST_MIN_STRETCHES = 3  # [-] ... judged in leads of this many minutes or more (flat stretches left out)
NOISE_SMOOTHED_MIN_GAIN = 0.01  # [-] after NeuroKit's moving average, spectrum bins it kept below this (amplitude,
#                                  forward-backward) are left out of the noise ratio, the others divided by its gain
#                                  (0.01 tracks the raw ratio at 250-1000 Hz and on child-like leads; 0.05 did not)

# --- scoring -----------------------------------------------------------------
TOLERANCE_S = 0.150  # [s] default matching tolerance
# CSE working party, 2 SD of expert disagreement [s]
CSE_2SD_S = {
    "P_Onsets": 0.0102,
    "P_Offsets": 0.0127,
    "R_Onsets": 0.0065,
    "R_Offsets": 0.0116,
    "T_Offsets": 0.0306,
}
# stricter tolerances where methods separate [s]
STRICT_TOLERANCE_S = {"P": 0.050, "R": 0.040, "T": 0.100}


def n_samples(seconds, sampling_rate):
    """Return ``round(seconds * sampling_rate)`` as an int (at least 1)."""
    return max(1, int(round(seconds * sampling_rate)))


# --- probability-aware decoding (nk_qrs_lstm/decoding.py) ----------------------
# chosen on the validation splits by benchmarks/tune_decoding.py (docs/decoding.md)
P_ACCEPT = 0.01  # [-] lowest peak P probability of an accepted P wave
P_LEVEL = (0.50, 0.50)  # [-] P onset, offset where its probability falls below this fraction of the peak ...
P_POWER = (0.5, 0.0)  # [-] ... times peak ** P_POWER (> 0: a faint P's limits lower on its flanks); model v4's
#                       (tune_decoding.py levels on its validation probabilities; v3's were (0.30, 0.50), (0.25, 0))
T_ACCEPT = 0.30  # [-] lowest peak T probability of an accepted T wave
T_LEVEL = 0.50  # [-] T limits where its probability falls below this fraction of the peak
# GATE_CONTEXT_S, GATE_RR_STEP, GATE_IRREGULAR_FRACTION: chosen with the LUDB train split's non-sinus records too
# (benchmarks/tune_gate.py --rhythm, no more errors on validation; docs/decoding.md "A longer rhythm context")
GATE_CONTEXT_S = 7.5  # [s] beats within this distance are the rhythm gate's context (< BLOCK_MARGIN_S - 1.5 s)
GATE_MIN_BEATS = 3  # [-] fewest beats with evidence for the gate to judge
GATE_MIN_HEIGHT = 0.6  # [-] mean P-bump height of the context below which its P evidence is weak
GATE_PR_SD_S = 0.040  # [s] SD of P-peak -> QRS-onset above which weak P bumps are not tied to the QRS
GATE_RR_STEP = 0.08  # [-] |successive RR difference| / RR above which a beat's RR is irregular ...
GATE_BIGEMINY_FRACTION = 0.9  # [-] share of beats whose RR changes alternate (short / long) from which a stretch is
#                               bigeminy: the RR arm refuses nothing and alternate beats' P waves are compared there
GATE_RR_MIN_LIKENESS = None  # [-] RR changes around a QRS less alike its neighbours' than this are not counted
#                              (None: all; 0.3-0.5 added validation errors, docs/decoding.md)
GATE_IRREGULAR_FRACTION = 0.35  # [-] ... and the fraction of such beats above which weak P bumps are refused
GATE_OWN_HEIGHT = 0.98  # [-] a beat whose own P bump reaches this is never refused (bigeminy's sinus beats)
ONSET_TOLERANCE = 1e-6  # [samples] a sub-sample QRS onset this close under a sample starts its stretch there, and
#                         a beat this much beyond a context's half-width is inside it (a block's and the whole
#                         track's arithmetic differ at 1e-10; the evidence must not)
GATE_COHERENCE_WINDOW_S = (0.25, 0.03)  # [s] before each QRS onset: from, to (the stretch a P wave occupies)
GATE_COHERENCE_BAND_HZ = (1.0, 15.0)  # [Hz] pass band of the coherence's second view (P waves; not mains hum) ...
GATE_COHERENCE_NOISE_SHARE = 0.3  # [-] ... taken where more than this share of the stretches' energy is outside it
GATE_COHERENCE_SWAY_BAND_HZ = (4.0, 15.0)  # [Hz] pass band of a third view, against 1-3 Hz sway (tune_gate.py --sway) ...
GATE_COHERENCE_SWAY_SHARE = 0.3  # [-] ... taken where more than this share of the energy lies below it (None: never)
# the sway warning (quality.warn_sway; benchmarks/tune_sway_warning.py, validation splits): a beat is in sway where
# more than SWAY_WARN_FRACTION of the beats within SWAY_WARN_CONTEXT_S have over SWAY_WARN_SHARE of their P stretch's
# energy below GATE_COHERENCE_SWAY_BAND_HZ[0] (sway.low_share)
SWAY_WARN_SHARE = 0.8  # [-]
SWAY_WARN_FRACTION = 0.7  # [-]
SWAY_WARN_CONTEXT_S = 7.5  # [s]
SWAY_ANALYSIS_RATE = 125.0  # [Hz] the share is computed on the lead block-averaged by rate // this (speed)
# GATE_COHERENCE_DETREND, GATE_COHERENCE_ENERGY_RATIO, GATE_RR_MIN_LIKENESS: benchmarks/tune_gate.py --robust
GATE_COHERENCE_DETREND = 1  # [-] degree of the polynomial taken out of each stretch before comparing them
GATE_COHERENCE_ENERGY_RATIO = 3.0  # [-] stretches above this many times their context's median energy left out
GATE_COHERENCE_CONTEXT_S = 7.5  # [s] beats within this distance are compared (< BLOCK_MARGIN_S - PR_MAX_S)
GATE_MIN_COHERENCE = 0.12  # [-] mean correlation of those stretches below which the atria show no repeated wave ...
GATE_COHERENT_OVERRIDE = None  # [-] a coherence this high overrules the RR arm (None: never; tune_gate.py --override)
GATE_COHERENT_HEIGHT = 0.85  # [-] ... and P bumps there are refused unless their mean height reaches this
# ventricular ectopic beats, without a P wave of their own (ectopic.ectopic_beats); chosen on the QTDB validation
# records' beat labels (.atr: V / A / S / N / F beats) and expert marks, LUDB validation (docs/decoding.md)
ECTOPIC_RR_RATIO = 0.85  # [-] premature: RR interval / the context's median RR, at most ...
ECTOPIC_MIN_LIKENESS = 0.4  # [-] ... and a QRS unlike its neighbours' (ectopic.qrs_likeness below this)
# a premature beat whose QRS is this much wider than the on-time beats' (median) without a P bump of its own reaching
# ECTOPIC_WEAK_P is ventricular enough for the rhythm gate to leave out its RR changes (trial 30: PVCs of the sinus
# beats' polarity); its own P is not refused on that ground (it took aberrant S beats' P on QTDB, docs/decoding.md)
ECTOPIC_WIDTH_RATIO = 1.2  # [-]
ECTOPIC_WEAK_P = 0.3  # [-]
QRS_LIKENESS_WINDOW_S = (0.03, 0.12)  # [s] the stretch compared between beats: before, after the QRS onset
ECTOPIC_CONTEXT_S = 7.5  # [s] beats within this distance are its context (< BLOCK_MARGIN_S - PR_MAX_S)
#: Per-beat confidence keys returned by ``boundaries.delineate_proba`` beside :data:`BEAT_KEYS`.
CONFIDENCE_KEYS = ("ECG_P_Confidence", "ECG_R_Confidence", "ECG_T_Confidence")
# wave -> (peak probability knots, fraction correct), fitted on the validation splits
# (benchmarks/tune_decoding.py calibrate; reliability tables in docs/decoding.md); the second knot is the lowest
# evidence of a validation wave, below which the confidence falls linearly to 0 at evidence 0 (never seen: not
# vouched for)
# the P confidence's factor under 1-4 Hz sway: (share thresholds, factors), share = p_coherence's sway share over the
# beat's context; chosen on the validation splits (benchmarks/calibrate_sway.py; docs/decoding.md)
CONFIDENCE_SWAY = ((0.5, 0.6, 0.7, 0.8, 0.9), (1.0, 0.948, 0.9, 0.772, 0.695, 0.522))
# the QRS confidence's factor where a complex is unlike its neighbours (motion): (likeness thresholds, factors),
# likeness = ectopic.qrs_likeness; chosen on the validation splits (benchmarks/calibrate_likeness.py; docs/decoding.md)
CONFIDENCE_LIKENESS = ((0.0, 0.4, 0.6, 0.8, 0.9), (0.619, 0.859, 0.926, 0.972, 0.988, 1.0))
CONFIDENCE_TABLES = {
    "P": ((0.0, 0.02169, 0.33383, 0.8318, 0.94656, 0.97381, 0.98547, 0.99168, 0.99517, 0.99685, 0.99771, 0.99889,
           0.99911, 0.99958),
          (0.0, 0.8927, 0.8927, 0.8927, 0.9624, 0.9774, 0.9812, 0.9906, 0.9906, 0.9925, 0.9962, 0.9962, 1.0, 1.0)),
    "R": ((0.0, 0.61996, 0.98885, 0.99857, 0.99965, 0.99974, 0.99989, 0.9999, 0.99997),
          (0.0, 0.9904, 0.9904, 0.9944, 0.9944, 0.9995, 0.9995, 1.0, 1.0)),
    "T": ((0.0, 0.53905, 0.91757, 0.97932, 0.99219, 0.99842, 0.99925, 0.99962, 0.99999),
          (0.0, 0.8682, 0.8682, 0.9085, 0.965, 0.965, 0.9864, 1.0, 1.0)),
}
