"""Answer files: written as each answer is given, resumed, loaded back, and refused for another design."""

from __future__ import annotations

import json

import pytest

import gp_widgets as gp
from gp_widgets.ratings.answers import AnswersFileError, AnswerSheet, WrongDesignError
from gp_widgets.ratings.sources import rate_design


def test_each_answer_is_on_disk_at_once_and_a_rater_resumes_where_they_stopped(study, tmp_path):
    design = rate_design(study, "q", "2afc")
    design.save(tmp_path / "s.2afc.rating.json")
    sheet = AnswerSheet.open(design, "ada")
    assert sheet.path == tmp_path / "s.2afc.rating.answers" / "ada.json"
    sheet.answer(0, "left", rt_ms=812.34)
    sheet.answer(1, "right")
    on_disk = json.loads(sheet.path.read_text())
    assert on_disk["design"] == design.id and [a["response"] for a in on_disk["answers"]] == ["left", "right"]
    assert not list(sheet.path.parent.glob(".tmp-*"))
    again = AnswerSheet.open(design, "ada")
    assert again.next_trial == 2 and again.answers[0].rt_ms == 812.3
    with pytest.raises(AnswersFileError, match="not an answer"):
        again.answer(2, 3)


def test_load_ratings_finds_the_design_and_refuses_another_designs_file(study, tmp_path):
    one = rate_design(study, "q", "2afc", seed=1)
    one.save(tmp_path / "one.rating.json")
    other = rate_design(study, "q", "2afc", seed=2)
    other.save(tmp_path / "other.rating.json")
    for name in ("ada", "bob"):
        sheet = AnswerSheet.open(one, name)
        for t in one.trials:
            sheet.answer(t.index, "left")
    stray = AnswerSheet.open(other, "cy")
    stray.answer(0, "right")
    ratings = gp.load_ratings(one.answers_dir())
    assert ratings.design.id == one.id and len(ratings.responses(all_raters=True)) == 2 * len(one.trials)
    with pytest.raises(WrongDesignError):
        gp.load_ratings([one.answers_dir() / "ada.json", stray.path])
    with pytest.raises(WrongDesignError, match="answers design"):
        gp.load_ratings([stray.path], design=one)
    (tmp_path / "junk.json").write_text('{"format": "something else"}')
    with pytest.raises(AnswersFileError, match="not a rating answer file"):
        gp.load_ratings([tmp_path / "junk.json"], design=one)
