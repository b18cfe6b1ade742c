"""benchmarks/conduction_check.py: the constructions' truth and the per-beat scoring."""

import os

import numpy as np
import pandas as pd
import pytest

from nk_qrs_lstm.runtime import MODEL_DIR_ENV

from benchmark_scripts import load_script

RATE = 250


@pytest.fixture(scope="module")
def cc():
    """The script as a module."""
    return load_script("conduction_check")


def _labels(n_beats=8, pr=30, p=25, qrs=25, t=60, rest=110, edge=130):
    """Labels at 250 Hz: unlabelled edges, then beats of background, P, background, QRS, background, T, background."""
    beat = np.repeat([0, 1, 0, 2, 0, 3, 0], [20, p, pr - p + 10, qrs, 20, t, rest])
    return np.r_[np.full(edge, -1), np.tile(beat, n_beats), np.full(edge, -1)].astype(np.int8)


def test_truth_beats_skip_the_edges_and_find_each_beats_own_p(cc):
    """Check the scored beats lie > 0.5 s inside the labelled span and carry the P onset just before their QRS."""
    y = _labels()
    beats = cc.truth_beats(y, RATE)
    labelled = np.flatnonzero(y != -1)
    assert len(beats) and (beats[:, 0] > labelled[0] + 0.5 * RATE).all()
    assert (beats[:, 0] < labelled[-1] - 0.5 * RATE).all()
    np.testing.assert_array_equal(beats[:, 0] - beats[:, 1], 25 + 15)  # P onset to QRS onset


def test_no_p_construction_has_no_own_p(cc):
    """Check ``noP``'s truth beats have no P onset and ``pr400`` moves each own P to 400 ms before its QRS."""
    y = _labels()
    x = np.where(y == 2, 1.0, 0.0) + np.where(y == 1, 0.15, 0.0)
    _, y_no = cc.construct(x, y, "noP")
    assert np.isnan(cc.truth_beats(y_no, RATE)[:, 1]).all()
    _, y_pr = cc.construct(x, y, "pr400")
    beats = cc.truth_beats(y_pr, RATE)
    np.testing.assert_allclose(beats[:, 0] - beats[:, 1], 0.4 * RATE, atol=1)


def test_a_beat_is_right_only_with_its_own_p(cc, monkeypatch):
    """Check the scoring on a stubbed table: a P 60 ms off is found but not right, a missing QRS is not scored."""
    y = _labels()
    truth = cc.truth_beats(y, RATE)
    q, p = truth[:, 0].copy(), truth[:, 1].copy()
    p[0] += 0.060 * RATE  # found, not right
    p[1] = np.nan  # not found
    table = pd.DataFrame({"ECG_R_Onsets": np.r_[q[:-1], np.nan], "ECG_P_Onsets": p})
    monkeypatch.setattr(cc.nk_qrs_lstm, "ecg_delineate_table", lambda signal, sampling_rate: table)
    n, q_found, p_found, p_right, own = cc.score_lead(np.zeros(len(y)), y, "raw", RATE)
    assert (n, q_found, own) == (len(truth), len(truth) - 1, len(truth))
    assert (p_found, p_right) == (len(truth) - 2, len(truth) - 3)


def test_run_uses_a_model_only_while_it_scores_and_main_refuses_a_folder_twice(cc, monkeypatch):
    """Check that scoring another model folder switches ``NK_QRS_LSTM_MODEL_DIR`` while its leads are scored (the
    shipped model: unset) and leaves it as the caller set it, and that a folder named twice (its column would be
    overwritten) is refused."""
    seen = []
    monkeypatch.setattr(cc, "construct", lambda x, y, name: (x, y))
    monkeypatch.setattr(cc, "score_lead", lambda x, y, inp: seen.append(os.environ.get(MODEL_DIR_ENV))
                        or np.zeros(5, int))
    monkeypatch.setenv(MODEL_DIR_ENV, "mine")
    data = [("1", "ii", np.zeros(10), np.zeros(10, int))]
    for model in ("elsewhere", None):
        assert cc.run(model, data, ["control"], ["raw"])[("control", "raw")].tolist() == [0] * 5
    assert seen == ["elsewhere", None] and os.environ[MODEL_DIR_ENV] == "mine"
    with pytest.raises(SystemExit):
        cc.main(["a", "a"])
