"""Tests of nk_qrs_lstm.evaluation.benchmark: running, crash accounting, caching and the report."""

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import neurokit2 as nk

from nk_qrs_lstm.defaults import BEAT_KEYS
from nk_qrs_lstm.evaluation import benchmark
from nk_qrs_lstm.evaluation.benchmark import (
    CLEAN_SUFFIX,
    FIDUCIAL_NAMES,
    MARK_END,
    MARK_START,
    BenchmarkResult,
    cached_results,
    delineator,
    evaluate,
    load_leads,
    method_label,
    method_names,
    replace_section,
    report_order,
    result_name,
    run_benchmark,
    run_method,
    split_records,
    unmarked_ranges,
    write_markdown,
)
from nk_qrs_lstm.evaluation.metrics import DEFAULT_KEYS, SUMMARY_COLUMNS, restrict_to_regions
from nk_qrs_lstm.registry import available_methods, register_delineator, unregister_delineator
from nk_qrs_lstm.training.datasets import AnnotatedECG

DATA = Path(os.environ.get("NK_QRS_LSTM_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
LUDB = DATA / "ludb"
needs_ludb = pytest.mark.skipif(not (LUDB / "RECORDS").exists(), reason="LUDB not found")
LEADS = ["ii", "v5"]


@pytest.fixture(scope="module")
def record():
    """First record of the LUDB test split."""
    return split_records("ludb", limit=1)


@pytest.fixture(scope="module")
def ecgs(record):
    if not (LUDB / "RECORDS").exists():
        pytest.skip("LUDB not found")
    return load_leads("ludb", record, path=str(LUDB), leads=LEADS)


@pytest.fixture(scope="module")
def prominence(record, ecgs):
    return run_benchmark(["prominence"], "ludb", path=str(LUDB), records=record, leads=LEADS)[
        "prominence"
    ]


def _n_ref(ecgs, key):
    return sum(restrict_to_regions(e.fiducials()[key], e.regions).size for e in ecgs)


@pytest.fixture
def tiny():
    """A learned method registered for one test ("Tiny"): one beat per lead, only its QRS onset; the calls."""
    calls = []

    @register_delineator("Tiny")
    def tiny_method(ecg, rpeaks, sampling_rate):
        calls.append(len(ecg))
        beat = {key: np.full(1, np.nan) for key in BEAT_KEYS}
        beat["ECG_R_Peaks"][0], beat["ECG_R_Onsets"][0] = 1010.0, 1000.0
        return beat

    yield calls
    unregister_delineator("tiny")


@pytest.fixture
def clean_spy(monkeypatch):
    """``nk.ecg_clean`` replaced by a spy that records its calls and adds 7 to the signal; the calls."""
    calls = []

    def ecg_clean(ecg_signal, sampling_rate=1000, **kwargs):
        calls.append((np.array(ecg_signal, dtype=float), sampling_rate))
        return np.asarray(ecg_signal, dtype=float) + 7.0

    monkeypatch.setattr(nk, "ecg_clean", ecg_clean)
    return calls


@pytest.fixture
def received():
    """A learned method registered for one test ("Spy"): the signals it received; one beat, its QRS onset."""
    signals = []

    @register_delineator("Spy")
    def spy_method(ecg, rpeaks, sampling_rate):
        signals.append((ecg.copy(), rpeaks))
        beat = {key: np.full(1, np.nan) for key in BEAT_KEYS}
        beat["ECG_R_Peaks"][0], beat["ECG_R_Onsets"][0] = 1010.0, 1000.0
        return beat

    yield signals
    unregister_delineator("spy")


# --------------------------------------------------------------------------- methods, from the registry
def test_default_methods_are_the_registry():
    """Check that the benchmark's default methods are every registered method, learned ones first."""
    assert method_names() == available_methods("learned") + available_methods("neurokit")
    assert set(method_names()) == set(available_methods())
    assert method_names(["LSTM", "emrich", "prominence"]) == ["lstm", "prominence"]
    assert report_order(["zz_old", "dwt", "lstm"]) == ["lstm", "dwt", "zz_old"]


def test_report_order_puts_the_cleaned_workflow_after_its_method():
    """Check that "lstm+ecg_clean" comes right after "lstm", before NeuroKit's methods, and alone too."""
    assert CLEAN_SUFFIX == "+ecg_clean"
    assert report_order(["prominence", "zz_old", "lstm+ecg_clean", "dwt", "lstm"]) == [
        "lstm", "lstm+ecg_clean", "dwt", "prominence", "zz_old"]
    assert report_order(["dwt", "lstm+ecg_clean"]) == ["lstm+ecg_clean", "dwt"]


def test_result_names_and_labels():
    """Check the result names of both workflows (NeuroKit's ignore clean) and their display labels."""
    assert result_name("LSTM") == "lstm" and result_name("lstm", clean=True) == "lstm+ecg_clean"
    assert result_name("emrich", clean=True) == "prominence" and result_name("dwt") == "dwt"
    assert delineator("lstm", clean=True).__name__ == "delineate_lstm+ecg_clean"
    assert delineator("lstm").__name__ == "delineate_lstm"
    assert delineator("dwt", clean=True).__name__ == "delineate_dwt"
    assert method_label("lstm+ecg_clean") == "lstm (nk.ecg_clean first)"
    assert method_label("lstm") == "lstm" and method_label("zz_old") == "zz_old"


def test_unknown_workflow_message():
    """Check that an unknown or empty workflow is refused with the one message, before any data is read."""
    with pytest.raises(ValueError, match=r"Invalid value for the 'workflows' parameter\. Allowed values "
                                         r"are 'ecg_clean' and 'raw', but got 'clean' instead\. "
                                         r"Did you mean 'ecg_clean'\?"):
        run_benchmark(["lstm"], "ludb", path="/nonexistent", records=["1"], workflows=("raw", "clean"))
    with pytest.raises(ValueError, match=r"workflows must name at least one"):
        run_benchmark(["lstm"], "ludb", path="/nonexistent", records=["1"], workflows=())


def test_unknown_method_message():
    """Check that a misspelt method gets MNE's message with a suggestion."""
    with pytest.raises(ValueError, match=r"Invalid value for the 'method' parameter\. .*"
                                         r"but got 'prominance' instead\. Did you mean 'prominence'\?"):
        run_benchmark(["prominance"], "ludb", records=[])


@needs_ludb
def test_benchmark_runs_a_method_registered_later(tiny, record):
    """Check that a method added with register_delineator is benchmarked by default and through its name."""
    assert "tiny" in method_names()
    results = run_benchmark(database="ludb", path=str(LUDB), records=record, leads=["ii"])
    learned = set(available_methods("learned"))
    assert list(results) == [n for m in method_names()
                             for n in ((m, m + "+ecg_clean") if m in learned else (m,))]
    assert {"tiny", "tiny+ecg_clean"} <= set(results) and "dwt+ecg_clean" not in results
    assert results["tiny"].n_leads == 1 and results["tiny"].crashes == [] and tiny == [5000, 5000]
    assert results["tiny+ecg_clean"].method == "tiny+ecg_clean" and results["dwt"].method == "dwt"
    results = run_benchmark(["TINY"], "ludb", path=str(LUDB), records=record, workflows=("raw",))
    assert list(results) == ["tiny"] and len(tiny) == 2 + 12
    summary = results["tiny"].summary
    assert summary.loc["ECG_R_Onsets", "provided"] and summary.loc["ECG_R_Onsets", "tp"] <= 12
    assert not summary.loc["ECG_P_Onsets", "provided"] and not summary.loc["ECG_R_Offsets", "provided"]


def test_unregistered_method_is_gone():
    """Check that a method removed with unregister_delineator is no longer run nor accepted."""
    register_delineator("Tiny")(lambda ecg, rpeaks, sampling_rate: {})
    unregister_delineator("tiny")
    assert "tiny" not in method_names()
    with pytest.raises(ValueError, match=r"but got 'tiny' instead"):
        run_benchmark(["tiny"], "ludb", records=[])


@pytest.mark.parametrize("method", available_methods("neurokit"))
def test_neurokit_methods_run_as_a_user_runs_them(method):
    """Check that a NeuroKit method runs as ecg_clean -> ecg_peaks -> ecg_delineate, with NeuroKit's output."""
    ecg = nk.ecg_simulate(duration=8, sampling_rate=500, heart_rate=70, random_state=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signals, waves, rpeaks = run_method(method, ecg, 500)
        cleaned = nk.ecg_clean(ecg, sampling_rate=500)
        _, info = nk.ecg_peaks(cleaned, sampling_rate=500)
        nk_signals, nk_waves = nk.ecg_delineate(cleaned, info, sampling_rate=500, method=method)
    np.testing.assert_array_equal(rpeaks, info["ECG_R_Peaks"])
    pd.testing.assert_frame_equal(signals, nk_signals)
    assert list(waves) == list(nk_waves)
    for key in nk_waves:
        np.testing.assert_array_equal(np.asarray(waves[key], float), np.asarray(nk_waves[key], float))


def test_learned_method_runs_on_the_raw_lead(tiny):
    """Check that a learned method gets the raw lead, no R-peaks, and returns one entry per beat it found."""
    signal = np.sin(np.arange(3000) / 50.0)
    signals, waves, rpeaks = run_method("tiny", signal, 500)
    assert rpeaks is None and tiny == [3000]
    assert waves["ECG_R_Onsets"] == [1000] and len(signals) == 3000


def test_learned_method_gets_the_cleaned_lead_in_the_neurokit_workflow(received, clean_spy):
    """Check that with clean=True a learned method receives nk.ecg_clean's output, with clean=False the raw lead."""
    signal = np.sin(np.arange(3000) / 50.0)
    signals, waves, rpeaks = run_method("spy", signal, 500, clean=True)
    assert len(clean_spy) == 1 and clean_spy[0][1] == 500
    np.testing.assert_array_equal(clean_spy[0][0], signal)
    (ecg, spy_rpeaks), = received
    np.testing.assert_array_equal(ecg, signal + 7.0)
    assert spy_rpeaks is None and rpeaks is None and waves["ECG_R_Onsets"] == [1000]
    run_method("spy", signal, 500)
    assert len(clean_spy) == 1 and len(received) == 2
    np.testing.assert_array_equal(received[1][0], signal)
    delineator("spy", clean=True)(signal, 500.0)
    assert len(clean_spy) == 2 and clean_spy[1][1] == 500 and isinstance(clean_spy[1][1], int)
    np.testing.assert_array_equal(received[2][0], signal + 7.0)
    delineator("spy")(signal, 500.0)
    assert len(clean_spy) == 2
    np.testing.assert_array_equal(received[3][0], signal)


def test_neurokit_method_ignores_clean(clean_spy):
    """Check that clean=True changes nothing for a NeuroKit method: it cleans once, in its own workflow."""
    ecg = nk.ecg_simulate(duration=8, sampling_rate=500, heart_rate=70, random_state=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, waves, rpeaks = run_method("prominence", ecg, 500, clean=True)
        assert len(clean_spy) == 1
        _, raw_waves, raw_rpeaks = run_method("prominence", ecg, 500)
    assert len(clean_spy) == 2
    np.testing.assert_array_equal(rpeaks, raw_rpeaks)
    for key in raw_waves:
        np.testing.assert_array_equal(np.asarray(waves[key], float), np.asarray(raw_waves[key], float))


@needs_ludb
def test_benchmark_workflows(received, clean_spy, record):
    """Check that a learned method runs once per workflow, on the cleaned lead in "ecg_clean", NeuroKit's once."""
    ecg = load_leads("ludb", record, path=str(LUDB), leads=["ii"])[0]
    results = run_benchmark(["spy", "peak"], "ludb", path=str(LUDB), records=record, leads=["ii"],
                            workflows=("ecg_clean",))
    assert list(results) == ["spy+ecg_clean", "peak"]
    assert len(received) == 1 and len(clean_spy) == 2  # once for spy, once in NeuroKit's workflow
    np.testing.assert_array_equal(received[0][0], ecg.signal + 7.0)
    results = run_benchmark(["spy", "peak"], "ludb", path=str(LUDB), records=record, leads=["ii"],
                            workflows="raw")
    assert list(results) == ["spy", "peak"] and len(received) == 2
    np.testing.assert_array_equal(received[1][0], ecg.signal)


def test_fiducial_names_come_from_the_one_list():
    """Check that every fiducial of a beat has a display name and the scored ones read as before."""
    assert list(FIDUCIAL_NAMES) == list(BEAT_KEYS)
    assert [FIDUCIAL_NAMES[k] for k in DEFAULT_KEYS] == [
        "P onset", "P peak", "P offset", "QRS onset", "QRS offset", "T onset", "T peak", "T offset"]


# --------------------------------------------------------------------------- running
@needs_ludb
def test_summary_columns_and_plausible_values(prominence, ecgs):
    """Check that the summary has one row per fiducial, the expected columns and sane values."""
    s = prominence.summary
    assert list(s.index) == list(DEFAULT_KEYS)
    assert list(s.columns) == list(SUMMARY_COLUMNS) + ["f1_strict"]
    assert s["provided"].all()
    assert s.loc["ECG_R_Onsets", "se"] > 50
    assert s.loc["ECG_R_Onsets", "n_ref"] == _n_ref(ecgs, "ECG_R_Onsets")
    assert (s["tp"] + s["fn"] == s["n_ref"]).all()
    assert (s["f1_strict"] <= s["f1"] + 1e-9).all()
    assert s["sd_ms"].between(0, 150).all()
    assert prominence.crashes == [] and prominence.n_leads == 2
    assert prominence.seconds > 0 and prominence.seconds_per_lead == prominence.seconds / 2
    assert set(prominence.per_lead["lead"]) == set(LEADS)


@needs_ludb
def test_crashing_method_misses_every_reference_wave(ecgs):
    """Check that a method that raises is counted as a crash with all its reference waves missed."""

    def boom(signal, sampling_rate):
        raise RuntimeError("no beats")

    result = evaluate("boom", boom, ecgs, database="ludb")
    assert len(result.crashes) == 2
    assert result.crashes[0]["error"] == "RuntimeError: no beats"
    s = result.summary
    for key in DEFAULT_KEYS:
        assert s.loc[key, "tp"] == 0 and s.loc[key, "fp"] == 0
        assert s.loc[key, "fn"] == _n_ref(ecgs, key)
        assert s.loc[key, "se"] == 0
    assert s["ppv"].isna().all()


@needs_ludb
def test_partial_crash_and_keys_not_provided(ecgs):
    """Check that a crash misses only provided keys and that absent keys are NaN rows."""
    by_signal = {e.signal.tobytes(): e for e in ecgs}

    def onsets_only(signal, sampling_rate):
        ecg = by_signal[np.asarray(signal).tobytes()]
        if ecg.lead == "v5":
            raise ValueError("bad lead")
        return {"ECG_R_Onsets": list(ecg.fiducials()["ECG_R_Onsets"]) + [np.nan, None]}

    s = evaluate("onsets_only", onsets_only, ecgs, database="ludb").summary
    ii = [e for e in ecgs if e.lead == "ii"]
    v5 = [e for e in ecgs if e.lead == "v5"]
    assert s.loc["ECG_R_Onsets", "tp"] == _n_ref(ii, "ECG_R_Onsets")
    assert s.loc["ECG_R_Onsets", "fn"] == _n_ref(v5, "ECG_R_Onsets")
    assert s.loc["ECG_R_Onsets", "fp"] == 0
    assert s.loc["ECG_R_Onsets", "mean_ms"] == 0 and s.loc["ECG_R_Onsets", "sd_ms"] == 0
    assert not s.loc["ECG_T_Peaks", "provided"] and np.isnan(s.loc["ECG_T_Peaks", "se"])


@needs_ludb
def test_empty_output_on_a_lead_is_missed_not_unprovided(ecgs):
    """Check that NeuroKit's all-keys-empty output (no R-peak) misses only the keys given elsewhere."""
    by_signal = {e.signal.tobytes(): e for e in ecgs}

    def silent_on_v5(signal, sampling_rate):
        ecg = by_signal[np.asarray(signal).tobytes()]
        if ecg.lead == "v5":
            return {key: np.array([]) for key in DEFAULT_KEYS}
        return {"ECG_R_Onsets": ecg.fiducials()["ECG_R_Onsets"], "ECG_T_Peaks": [np.nan]}

    result = evaluate("silent", silent_on_v5, ecgs, database="ludb")
    s = result.summary
    assert result.crashes == []
    assert s.loc["ECG_R_Onsets", "fn"] == _n_ref([e for e in ecgs if e.lead == "v5"], "ECG_R_Onsets")
    assert not s.loc["ECG_T_Peaks", "provided"] and not s.loc["ECG_P_Onsets", "provided"]


def test_non_dict_output_is_a_crash():
    """Check that a method returning something else than a dict is counted as a crash."""
    ecg = AnnotatedECG("x", "ii", np.zeros(1000), 500.0,
                       {w: np.array([[100.0, 110.0, 120.0]]) for w in ("P", "QRS", "T")},
                       np.array([[0, 1000]]))
    result = evaluate("list", lambda signal, sampling_rate: [1, 2], [ecg])
    assert len(result.crashes) == 1 and "returned a list" in result.crashes[0]["error"]
    assert result.summary.loc["ECG_P_Onsets", "fn"] == 1


def test_unmarked_ranges():
    """Check that a wave without a marked onset gives an ignore range before its peak."""
    waves = {"P": np.empty((0, 3)), "QRS": np.array([[np.nan, 500.0, 520.0]]),
             "T": np.array([[600.0, 650.0, np.nan]])}
    ecg = AnnotatedECG("x", "ii", np.zeros(1000), 500.0, waves, np.array([[0, 1000]]))
    ranges = unmarked_ranges(ecg, tolerance_s=0.1)
    assert ranges["ECG_R_Onsets"].tolist() == [[450.0, 501.0]]
    assert ranges["ECG_T_Offsets"].tolist() == [[650.0, 701.0]]
    assert ranges["ECG_T_Onsets"].shape == (0, 2)


# --------------------------------------------------------------------------- caching
@needs_ludb
def test_results_are_cached_and_reloaded(prominence, record, tmp_path):
    """Check that a saved result reads back equal and that other record sets are skipped."""
    prominence.save(tmp_path)
    back = BenchmarkResult.load(tmp_path, "ludb", "prominence")
    pd.testing.assert_frame_equal(back.summary, prominence.summary, check_dtype=False)
    assert back.records == list(record) and back.n_leads == 2
    assert back.meta["versions"]["neurokit2"]
    assert set(cached_results(tmp_path, "ludb", records=record)) == {"prominence"}
    assert cached_results(tmp_path, "ludb", records=["999"]) == {}
    (tmp_path / "ludb_other.json").write_text('{"not": "a result"}')
    assert set(cached_results(tmp_path, "ludb")) == {"prominence"}


# --------------------------------------------------------------------------- report
def test_replace_section_keeps_everything_else(tmp_path):
    """Check that only the text between the markers changes."""
    path = tmp_path / "b.md"
    before = f"# Title\n\nintro\n{MARK_START}\nold table\n{MARK_END}\n\n## Speed\nkept\n"
    path.write_text(before)
    replace_section(path, "new table")
    after = path.read_text()
    assert after == before.replace("old table", "new table")
    replace_section(path, "again\n")
    assert path.read_text() == before.replace("old table", "again")


def test_replace_section_creates_and_appends(tmp_path):
    """Check that a missing file is created with a title and a file without markers appended to."""
    new = tmp_path / "docs" / "new.md"
    replace_section(new, "x")
    assert new.read_text() == f"# Benchmarks\n\n{MARK_START}\nx\n{MARK_END}\n"
    plain = tmp_path / "plain.md"
    plain.write_text("# Other\n\ntext\n")
    replace_section(plain, "x")
    assert plain.read_text() == f"# Other\n\ntext\n\n{MARK_START}\nx\n{MARK_END}\n"
    plain.write_text(f"{MARK_START}\n{MARK_START}\n{MARK_END}\n")
    with pytest.raises(ValueError, match=r"must hold the markers .* once each, in that order; "
                                         r"found 2 and 1\."):
        replace_section(plain, "x")


@needs_ludb
def test_markdown_report(prominence, tmp_path):
    """Check that the report has the split, a table row per fiducial, timings and a figure."""
    path = tmp_path / "docs" / "benchmarks.md"
    path.parent.mkdir()
    path.write_text(f"# Benchmarks\n\nbefore\n{MARK_START}\n{MARK_END}\nafter\n")
    write_markdown(str(path), {"ludb": {"prominence": prominence}}, command="python -m x")
    text = path.read_text()
    assert text.startswith("# Benchmarks\n\nbefore\n") and text.endswith(f"{MARK_END}\nafter\n")
    assert "### LUDB test split: 1 record × 2 leads" in text
    assert "`python -m x`" in text and "neurokit2" in text
    assert text.count("| prominence |") == len(DEFAULT_KEYS) + 1
    assert "| QRS onset | prominence |" in text
    assert (tmp_path / "docs" / "figures" / "benchmark_accuracy_ludb.png").stat().st_size > 1000
    assert "](figures/benchmark_accuracy_ludb.png)" in text


@needs_ludb
def test_command_line(tiny, tmp_path, monkeypatch):
    """Check that the command line runs one registered method on one record and writes cache and report."""
    monkeypatch.chdir(tmp_path)
    out = benchmark.main(["--methods", "tiny", "--databases", "ludb", "--limit", "1",
                          "--ludb", str(LUDB), "--results", "res", "--markdown", "doc.md"])
    assert tiny == [5000] * 24  # both workflows by default
    assert sorted(os.listdir("res")) == ["ludb_tiny+ecg_clean.csv", "ludb_tiny+ecg_clean.json",
                                         "ludb_tiny+ecg_clean_leads.csv", "ludb_tiny.csv",
                                         "ludb_tiny.json", "ludb_tiny_leads.csv"]
    assert list(out["ludb"]) == ["tiny", "tiny+ecg_clean"]
    summary = out["ludb"]["tiny"].summary
    assert summary.loc["ECG_R_Onsets", "provided"] and not summary.loc["ECG_P_Peaks", "provided"]
    text = (tmp_path / "doc.md").read_text()
    assert "--methods tiny" in text and "| P onset | tiny | — | not provided |" in text
    assert "| P onset | tiny (nk.ecg_clean first) | — | not provided |" in text
    assert "| tiny (nk.ecg_clean first) | 12 |" in text and "tiny+ecg_clean" not in text
    assert text.index("| QRS onset | tiny |") < text.index("| QRS onset | tiny (nk.ecg_clean first) |")


@needs_ludb
def test_command_line_workflows_flag_merges_the_cached_clean_run(tiny, tmp_path, monkeypatch):
    """Check that --workflows runs only the named workflow and that a cached "+ecg_clean" result is merged in order."""
    monkeypatch.chdir(tmp_path)
    args = ["--methods", "tiny", "--databases", "ludb", "--limit", "1", "--ludb", str(LUDB),
            "--results", "res"]
    out = benchmark.main(args + ["--workflows", "ecg_clean"])
    assert tiny == [5000] * 12 and list(out["ludb"]) == ["tiny+ecg_clean"]
    assert sorted(os.listdir("res")) == ["ludb_tiny+ecg_clean.csv", "ludb_tiny+ecg_clean.json",
                                         "ludb_tiny+ecg_clean_leads.csv"]
    assert set(cached_results("res", "ludb")) == {"tiny+ecg_clean"}
    out = benchmark.main(args + ["--workflows", "raw", "--markdown", "doc.md"])
    assert tiny == [5000] * 24 and list(out["ludb"]) == ["tiny", "tiny+ecg_clean"]
    assert out["ludb"]["tiny+ecg_clean"].meta["command"].endswith("--workflows ecg_clean")
    text = (tmp_path / "doc.md").read_text()
    assert "| P onset | tiny (nk.ecg_clean first) | — | not provided |" in text
    with pytest.raises(SystemExit):
        benchmark.main(args + ["--workflows", "clean"])


def test_command_line_refuses_an_unknown_method():
    """Check that the command line stops on an unregistered method before reading any data."""
    with pytest.raises(ValueError, match=r"but got 'tiny' instead"):
        benchmark.main(["--methods", "tiny", "--databases", "ludb", "--ludb", "/nonexistent"])
