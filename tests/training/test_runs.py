"""An interrupted run continues only with the recipe it started with."""

import json

import pytest

from nk_qrs_lstm.training.runs import RECIPE_KEYS, check_resume, finished_epochs, write_config

RECIPE = {"seed": 3, "lr": 1e-3, "model_kwargs": {"stride": 8, "units": (32, 32)}, "augment": "v8",
          "teacher_sha256": "ab" * 32, "label_share": 0.5, "epochs": 40, "max_minutes": 60, "workers": 2}


def _interrupted(out, epochs=3, config=RECIPE):
    (out / "backup").mkdir(parents=True)
    (out / "backup" / "training_metadata.json").write_text(json.dumps({"epoch": epochs, "batch": -1}))
    write_config(str(out), config)


def test_a_new_run_starts_at_epoch_zero_whatever_its_folder_holds(tmp_path):
    """Check that a folder without a backup (a new or a finished run) is never refused."""
    write_config(str(tmp_path), RECIPE)
    assert finished_epochs(str(tmp_path)) == 0
    assert check_resume(str(tmp_path), {**RECIPE, "seed": 4}) == 0


def test_the_same_recipe_continues_and_may_change_its_time_and_epochs(tmp_path):
    """Check that a resume with the written recipe (tuples written as lists) gets the finished epochs."""
    _interrupted(tmp_path, epochs=7)
    assert check_resume(str(tmp_path), RECIPE) == 7
    assert check_resume(str(tmp_path), {**RECIPE, "epochs": 80, "max_minutes": 30, "workers": 0}) == 7


@pytest.mark.parametrize("key, value", [("teacher_sha256", "cd" * 32), ("label_share", 0.2), ("augment", "v4"),
                                        ("model_kwargs", {"stride": 4, "units": [32, 32]}), ("seed", None),
                                        ("teacher_disagreement", "labels")])
def test_another_recipe_is_refused_naming_what_changed(tmp_path, key, value):
    """Check that each changed recipe entry is named with the started and the new value."""
    assert key in RECIPE_KEYS
    _interrupted(tmp_path)
    with pytest.raises(ValueError, match=rf"interrupted after 3 epochs with another recipe \({key}: .* -> "
                                         rf"{value!r}\)".replace("[", r"\[").replace("{", r"\{")):
        check_resume(str(tmp_path), {**RECIPE, key: value})


def test_train_refuses_the_resume_before_reading_any_data(tmp_path):
    """Check that ``train`` refuses a changed teacher's resume although its databases do not exist."""
    from nk_qrs_lstm.training.train import train

    _interrupted(tmp_path / "run", config={"seed": 0, "label_share": None, "teacher_sha256": None})
    with pytest.raises(ValueError, match=r"with another recipe \(.*seed: 0 -> 1"):
        train(str(tmp_path / "run"), ludb_path=str(tmp_path / "none"), qtdb_path=str(tmp_path / "none"), seed=1)


def test_a_run_written_without_model_kwargs_continues_with_the_empty_ones(tmp_path):
    """Check that a run whose configuration says ``model_kwargs: null`` (as before this check) is not refused."""
    _interrupted(tmp_path, config={**RECIPE, "model_kwargs": None})
    assert check_resume(str(tmp_path), {**RECIPE, "model_kwargs": {}}) == 3


def test_a_run_written_without_teacher_disagreement_continues_mixing(tmp_path):
    """Check that a distillation written before ``teacher_disagreement`` existed continues as ``"mix"`` only."""
    _interrupted(tmp_path)
    assert check_resume(str(tmp_path), {**RECIPE, "teacher_disagreement": "mix"}) == 3
    with pytest.raises(ValueError, match=r"teacher_disagreement: None -> 'labels'"):
        check_resume(str(tmp_path), {**RECIPE, "teacher_disagreement": "labels"})
