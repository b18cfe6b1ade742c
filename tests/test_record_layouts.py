"""Tests of nk_qrs_lstm.wfdb_io.records on unusual records: units that change between segments, channels named
like leads but measuring something else, faulty multi-segment headers, channels named by digits (CLI)."""

import re
import warnings

import neurokit2 as nk
import numpy as np
import pandas as pd
import pytest
import wfdb

from nk_qrs_lstm import NKQRSLSTMWarning
from nk_qrs_lstm.cli import main
from nk_qrs_lstm.record import delineate_record
from nk_qrs_lstm.wfdb_io import is_ecg_channel, read_record

FS = 500  # [Hz]


@pytest.fixture(scope="module")
def ecg():
    """Two synthetic leads (10 s at 500 Hz, mV) rounded to 1 uV, the resolution of the records below."""
    lead = nk.ecg_simulate(duration=10, sampling_rate=FS, random_state=0)
    return np.round(np.column_stack([lead, -0.5 * lead]) * 1000) / 1000


def _segment(folder, name, signal, units, sig_name=("ii", "v5")):
    """Write a single-segment record of ``signal`` (mV) in ``units`` (mV: gain 1000/mV; uV, NU: gain 1)."""
    n = len(sig_name)
    scale = {"mV": 1.0, "uV": 1000.0, "\u00b5V": 1000.0, "\u03bcV": 1000.0, "NU": 1000.0}[units]
    wfdb.wrsamp(name, fs=FS, units=[units] * n, sig_name=list(sig_name), p_signal=signal * scale, fmt=["16"] * n,
                adc_gain=[1000.0 / scale] * n, baseline=[0] * n, write_dir=str(folder))


def _multi(folder, name, lines, n_sig=2, sig_len=5000, n_seg=None):
    """Write a multi-segment header from its segment lines; return the record's path."""
    n_seg = len(lines) if n_seg is None else n_seg
    (folder / f"{name}.hea").write_text(f"{name}/{n_seg} {n_sig} {FS} {sig_len}\n" + "".join(f"{s}\n" for s in lines))
    return str(folder / name)


def _layout(folder, name, units="mV", sig_name=("ii", "v5")):
    """Write the layout header of a variable-layout record."""
    (folder / f"{name}.hea").write_text(f"{name} {len(sig_name)} {FS} 0\n"
                                        + "".join(f"~ 0 200/{units} 16 0 0 0 0 {s}\n" for s in sig_name))


@pytest.fixture
def mixed(tmp_path, ecg):
    """Segment ``ua`` (first 5 s, mV), segment ``ub`` (last 5 s, uV), and an all-mV single-segment record."""
    _segment(tmp_path, "ua", ecg[:2500], "mV")
    _segment(tmp_path, "ub", ecg[2500:], "uV")
    _segment(tmp_path, "allmv", ecg, "mV")
    _layout(tmp_path, "lay")
    return tmp_path


# --------------------------------------------------------------------------- units across segments
@pytest.mark.parametrize("layout", ["fixed", "variable"])
def test_segments_in_mv_and_uv_read_in_one_unit(mixed, ecg, layout):
    """Check that a segment in uV after one in mV is converted to mV, by path and as a MultiRecord."""
    lines = ["ua 2500", "ub 2500"] if layout == "fixed" else ["lay 0", "ua 2500", "ub 2500"]
    path = _multi(mixed, "mix", lines)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NKQRSLSTMWarning)
        for record in (path, wfdb.rdrecord(path, m2s=False), wfdb.rdrecord(path, m2s=False, physical=False)):
            got, rate, names = read_record(record)
            assert names == ["ii", "v5"] and rate == FS
            np.testing.assert_allclose(got, ecg, atol=1e-9)
            halves = np.median(np.abs(got[:2500]), axis=0), np.median(np.abs(got[2500:]), axis=0)
            np.testing.assert_allclose(halves[0], halves[1], rtol=0.2)  # same amplitude either side of the join
        got, _, names = read_record(path, leads=["v5"])
    assert names == ["v5"]
    np.testing.assert_allclose(got[:, 0], ecg[:, 1], atol=1e-9)


@pytest.mark.parametrize("micro", ["\u00b5V", "\u03bcV"])
def test_a_segment_in_micro_sign_volts_is_not_read_as_volts(tmp_path, ecg, micro):
    """Check a segment whose header says µV (as wfdb.wrsamp writes it; wfdb reads it back as V) is converted as uV."""
    _segment(tmp_path, "ua", ecg[:2500], "mV")
    _segment(tmp_path, "ub", ecg[2500:], micro)
    assert wfdb.rdheader(str(tmp_path / "ub")).units == ["V", "V"]  # wfdb drops the micro sign
    got, _, _ = read_record(_multi(tmp_path, "mix", ["ua 2500", "ub 2500"]))
    np.testing.assert_allclose(got, ecg, atol=1e-9)


def test_mixed_units_delineate_like_one_unit(mixed):
    """Check that the record in mV then uV gives the R onsets of the same signal all in mV."""
    expected = delineate_record(str(mixed / "allmv"))
    for lines in (["ua 2500", "ub 2500"], ["lay 0", "ua 2500", "ub 2500"]):
        got = delineate_record(_multi(mixed, "mix", lines))
        for lead in ("ii", "v5"):
            assert len(expected.tables[lead]) >= 10
            np.testing.assert_array_equal(got.tables[lead]["ECG_R_Onsets"].to_numpy(dtype=float),
                                          expected.tables[lead]["ECG_R_Onsets"].to_numpy(dtype=float))


def test_variable_layout_converts_to_the_layout_unit(tmp_path, ecg):
    """Check that a variable layout in uV reads segments in mV and in uV (channels in another order) as uV."""
    _segment(tmp_path, "ua", ecg[:2500], "mV")
    _segment(tmp_path, "ub", ecg[3000:, ::-1], "uV", sig_name=("v5", "ii"))
    _layout(tmp_path, "lay", units="uV")
    path = _multi(tmp_path, "mix", ["lay 0", "ua 2500", "~ 500", "ub 2000"])
    expected = ecg * 1000
    expected[2500:3000] = np.nan
    got, _, names = read_record(path)
    assert names == ["ii", "v5"]
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_fixed_layout_converts_to_the_first_segment_unit(tmp_path, ecg):
    """Check that a fixed layout reads in the first segment's unit (uV), NaN in a null segment."""
    _segment(tmp_path, "ub", ecg[:2000], "uV")
    _segment(tmp_path, "ua", ecg[2500:], "mV")
    path = _multi(tmp_path, "mix", ["ub 2000", "~ 500", "ua 2500", "~ 0"])
    expected = ecg * 1000
    expected[2000:2500] = np.nan
    got, _, _ = read_record(path)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_units_that_cannot_be_converted_are_joined_with_a_warning(tmp_path, ecg):
    """Check that a channel in mV in one segment and NU in the next is joined as is, with a warning naming all."""
    _segment(tmp_path, "ua", ecg[:2500], "mV")
    _segment(tmp_path, "un", ecg[2500:], "NU")
    path = _multi(tmp_path, "mixnu", ["ua 2500", "un 2500"])
    messages = [f"Record 'mixnu': channel {lead!r} is in 'mV' in segment(s) 'ua' and 'NU' in segment(s) 'un'; "
                "these units cannot be converted to one another, so its values are joined as they are."
                for lead in ("ii", "v5")]
    with pytest.warns(NKQRSLSTMWarning) as record:
        got, _, _ = read_record(path)
    assert [str(w.message) for w in record] == messages
    np.testing.assert_allclose(got, np.vstack([ecg[:2500], ecg[2500:] * 1000]), atol=1e-9)


# --------------------------------------------------------------------------- ECG channels by name and units
@pytest.mark.parametrize("name, units", [("Volume", "mL"), ("Vt", "mL"), ("VELOCITY", "cm/s"),
                                         ("Ventilation", "L/min"), ("CCO", "L/min"), ("II", "mmHg"),
                                         ("V1", "%")])
def test_non_voltage_units_veto_an_ecg_name(name, units):
    """Check that a lead-like name with units that are not a voltage is not an ECG channel."""
    assert not is_ecg_channel(name, units)


@pytest.mark.parametrize("name, units", [("aVR", "mV"), ("MLII", None), ("V5", "mV"), ("II", ""), ("ECG1", "uV"),
                                         ("V2", "NU"), ("I", "adu"), ("V3", "V"), ("II", "\u00b5V"), ("V4", " nV ")])
def test_voltage_and_placeholder_units_keep_an_ecg_name(name, units):
    """Check that an ECG lead name with voltage units, no units or placeholder units is an ECG channel."""
    assert is_ecg_channel(name, units)


def test_volume_channel_is_skipped_by_default(tmp_path, ecg):
    """Check that a channel named Volume in mL is skipped with a warning, and leads= still reads it."""
    signal = np.column_stack([ecg[:, 0], 500 + ecg[:, 1]])
    wfdb.wrsamp("vent", fs=FS, units=["mV", "mL"], sig_name=["II", "Volume"], p_signal=signal, fmt=["16", "16"],
                write_dir=str(tmp_path))
    message = ("Record 'vent': channel(s) 'Volume (mL)' do not look like ECG leads and are skipped; pass leads= to "
               "choose the channels to delineate.")
    with pytest.warns(NKQRSLSTMWarning, match="^" + re.escape(message) + "$"):
        got, _, names = read_record(str(tmp_path / "vent"))
    assert names == ["II"]
    np.testing.assert_allclose(got[:, 0], ecg[:, 0], atol=1e-3)
    assert read_record(str(tmp_path / "vent"), leads="Volume")[2] == ["Volume"]


# --------------------------------------------------------------------------- faulty multi-segment headers
def test_segment_count_that_leaves_out_a_null_segment_is_a_clear_error(mixed, capsys):
    """Check that a header counting 2 segments but listing 3 (one '~ 0') raises a ValueError, one line in the CLI."""
    path = _multi(mixed, "bad", ["ua 2500", "ub 2500", "~ 0"], n_seg=2)
    message = (f"multi-segment record {path!r} declares 2 segment(s) on its record line ('bad/2') but lists 3 "
               "segments (a null segment '~', even of length 0, counts as one); correct the number after the '/'.")
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        read_record(path)
    assert main(["delineate", path]) == 2
    err = capsys.readouterr().err
    assert err == f"nk-qrs-lstm delineate: error: {message}\n"
    # counted right, the same segments read
    got, _, _ = read_record(_multi(mixed, "good", ["ua 2500", "ub 2500", "~ 0"]))
    assert got.shape == (5000, 2) and not np.isnan(got).any()


def test_null_first_segment_of_length_zero_is_a_clear_error(mixed):
    """Check that a header starting with '~ 0' (read as a layout segment) raises a ValueError saying so."""
    path = _multi(mixed, "nolay", ["~ 0", "ua 2500", "ub 2500"])
    message = (f"multi-segment record {path!r} starts with a null segment of length 0 ('~ 0'); a first segment of "
               "length 0 is the layout segment of a variable layout and must name a header, not '~'.")
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        read_record(path)


# --------------------------------------------------------------------------- CLI --leads with digit names
@pytest.fixture
def digits(tmp_path, ecg):
    """A record whose channels are named "1" (lead ii) and "0" (lead v5)."""
    wfdb.wrsamp("digits", fs=FS, units=["mV", "mV"], sig_name=["1", "0"], p_signal=ecg, fmt=["16", "16"],
                write_dir=str(tmp_path))
    return str(tmp_path / "digits")


@pytest.mark.parametrize("leads, expected", [(["1"], ["1"]), (["0"], ["0"]), (["0", "1"], ["0", "1"])])
def test_cli_leads_that_name_a_channel_are_that_channel(digits, tmp_path, capsys, leads, expected):
    """Check that `--leads 1` delineates the channel named "1", not signal 1 (named "0")."""
    csv = tmp_path / "out.csv"
    assert main(["delineate", digits, "--leads", *leads, "--csv", str(csv)]) == 0
    assert f"leads {', '.join(expected)}" in capsys.readouterr().out
    assert set(pd.read_csv(csv, dtype={"lead": str})["lead"]) == {*expected, "fused"}


def test_cli_digits_that_name_no_channel_are_indices(mixed, digits, tmp_path, capsys):
    """Check that `--leads 1` is still signal 1 of a record whose channels are not digits."""
    assert main(["delineate", str(mixed / "allmv"), "--leads", "1"]) == 0
    assert "leads v5" in capsys.readouterr().out
    assert main(["delineate", digits, "--leads", "2"]) == 2
    assert capsys.readouterr().err == ("nk-qrs-lstm delineate: error: lead index 2 is out of range; the record has "
                                       "2 leads (indices 0 to 1).\n")


def test_cli_database_leads_by_digit_name(mixed, digits, tmp_path):
    """Check that delineate-db reads a digit lead per record: the channel of that name, else that index."""
    (tmp_path / "RECORDS").write_text("digits\n")
    assert main(["delineate-db", str(tmp_path), "--out", str(tmp_path / "out"), "--quiet", "--leads", "1",
                 "--format", "csv"]) == 0
    table = pd.read_csv(tmp_path / "out" / "delineation.csv", dtype={"lead": str})
    assert set(table["lead"]) == {"1", "fused"}


def test_digit_strings_in_python_are_names_first_then_indices(digits, mixed):
    """Check read_record(leads=) with digit strings: a channel's name first, otherwise an index."""
    assert read_record(digits, leads=["1"])[2] == ["1"]
    assert read_record(str(mixed / "allmv"), leads="1")[2] == ["v5"]
    with pytest.raises(ValueError, match=r"^Invalid lead 'x'\. Available leads are '1' and '0'\.$"):
        read_record(digits, leads="x")


def _multi_frequency(folder, name, ecg, k):
    """A record whose frame rate is FS / k: the two ECG leads at FS (k samples per frame) and a RESP channel at the
    frame rate."""
    frames = len(ecg) // k
    leads = [np.round(ecg[: frames * k, j] * 1000).astype(np.int64) for j in range(2)]
    resp = np.round(1000 * np.sin(np.arange(frames) / 20.0)).astype(np.int64)
    signals = leads + [resp]
    record = wfdb.Record(record_name=name, n_sig=3, fs=FS / k, sig_len=frames, file_name=[f"{name}.dat"] * 3,
                         fmt=["16"] * 3, samps_per_frame=[k, k, 1], adc_gain=[1000.0] * 3, baseline=[0] * 3,
                         units=["mV", "mV", "NU"], sig_name=["ii", "v5", "RESP"], e_d_signal=signals,
                         adc_res=[16] * 3, adc_zero=[0] * 3, init_value=[int(s[0]) for s in signals],
                         checksum=[int(s.sum() % 65536) for s in signals], block_size=[0] * 3)
    record.wrsamp(write_dir=str(folder), expanded=True)
    return str(folder / name)


@pytest.mark.parametrize("k", [2, 8])
def test_multi_frequency_leads_are_read_at_their_own_rate(tmp_path, ecg, k):
    """Check that ECG leads holding k samples per frame are delineated at FS (not averaged to FS / k, which is
    under 100 Hz for k = 8: less precise, warned), from the path or a record read with smooth_frames=False, and that a record read with
    smooth_frames=True is warned about."""
    path = _multi_frequency(tmp_path, f"mf{k}", ecg, k)
    single = str(tmp_path / "single")
    wfdb.wrsamp("single", fs=FS, units=["mV", "mV"], sig_name=["ii", "v5"], p_signal=ecg, fmt=["16", "16"],
                adc_gain=[1000.0, 1000.0], baseline=[0, 0], write_dir=str(tmp_path))
    reference = delineate_record(single).tables["ii"]
    with pytest.warns(NKQRSLSTMWarning, match="RESP"):
        result = delineate_record(path)
    assert result.sampling_rate == FS and result.frame_samples == k and result.n_samples == len(ecg)
    pd.testing.assert_frame_equal(result.tables["ii"], reference)
    expanded = delineate_record(wfdb.rdrecord(path, channel_names=["ii", "v5"], smooth_frames=False))
    pd.testing.assert_frame_equal(expanded.tables["ii"], reference)
    with pytest.warns(NKQRSLSTMWarning, match="averaged to the frame rate") as record:
        delineate_record(wfdb.rdrecord(path, channel_names=["ii", "v5"]))
    assert sum("is below 100 Hz" in str(w.message) for w in record) == (k == 8)  # FS / 8: 62.5 Hz; once a record


def test_multi_frequency_annotations_count_samples_at_the_lead_rate(tmp_path, ecg):
    """Check that annotations of a multi-frequency record carry fs = FS and samples at FS, with sampfrom in frames
    (as wfdb.rdrecord takes it) and chan the lead's signal number."""
    path = _multi_frequency(tmp_path, "mf2", ecg, 2)
    part = delineate_record(wfdb.rdrecord(path, channel_names=["v5"], sampfrom=1000, smooth_frames=False))
    assert part.sampling_rate == FS and part.n_samples == len(ecg) - 2000
    part.to_wfdb(write_dir=tmp_path, extension="lstm", lead="v5", sampfrom=1000)
    ann = wfdb.rdann(path, "lstm")
    peaks = part.tables["v5"]["ECG_R_Peaks"].dropna().to_numpy() + 2000
    assert ann.fs == FS and set(ann.chan) == {1}
    np.testing.assert_array_equal(ann.sample[np.array(ann.symbol) == "N"], peaks)
    whole = delineate_record(path, leads=["v5"]).tables["v5"]["ECG_R_Peaks"].dropna().to_numpy()
    assert np.isin(peaks, whole).mean() > 0.8  # the same beats, where the record was read from its start
