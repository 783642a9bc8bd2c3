"""Metrics by name wherever a metric is taken, a script's metric saved with its name, definition and unit,
and the ``study`` extra named when pandas is missing."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from test_compare import make_study

import gp_widgets as gp
from gp_widgets.analysis.metrics import identity, metric_list, smile
from gp_widgets.measure.pipeline import Pipeline
from gp_widgets.studies import effects
from gp_widgets.studies.compare import compare
from gp_widgets.studies.study import Study, StudyRunner
from gp_widgets.studies.tidy import metric_definition


def test_names_are_the_built_ins_wherever_metrics_are_taken() -> None:
    assert metric_list(["identity", "smile"]) == (identity, smile)
    assert Pipeline(["smile"]).metrics == (smile,)
    runner = StudyRunner([np.zeros((8, 8, 3), np.uint8)], "smile", [1.0], metrics=["identity", "smile"])
    assert runner.result.metric_names == ["identity", "smile"]
    assert runner.result.metrics[0]["unit"] == "descriptor distance"
    with pytest.raises(ValueError, match="unknown metric 'smiles'"):
        metric_list(["smiles"])


@gp.metric(unit="years", role="target", moves=["age"], higher_is_better=True)
def apparent_age(original, variant, face_box):
    """Change of the apparent age my model estimates.

    More lines that a manifest does not need.
    """
    return 1.0


def test_a_scripts_metric_is_saved_with_its_name_definition_and_unit(tmp_path) -> None:
    assert apparent_age(None, None, (0, 0, 1, 1)) == 1.0
    definition = metric_definition(apparent_age)
    assert definition == {"name": "apparent_age", "unit": "years", "higher_is_better": True, "role": "target",
                          "moves": ["age"], "definition": "Change of the apparent age my model estimates."}
    plain = metric_definition(metric_list([lambda o, v, b: 0.0])[0])
    assert "FunctionMetric" not in plain["definition"] and "class" not in plain["definition"]
    assert repr(apparent_age) == "<metric apparent_age (years): Change of the apparent age my model estimates.>"
    study = make_study(np.random.default_rng(0), photos=4)
    for record in study.records:
        record.metrics["apparent_age"] = record.cell.param
    study.metrics = [*study.metrics, definition]
    study.save(tmp_path / "s.parquet")
    loaded = Study.load(tmp_path / "s.parquet")
    assert loaded.metrics[-1] == definition
    assert loaded.targets() == {"smile": "smile", "age": "apparent_age"}  # declared for age: age's own target
    assert "apparent_age (years)" in loaded.paper_table().splitlines()[0]
    assert effects.metric_name(apparent_age) == "apparent_age"


def test_compare_without_pandas_names_the_study_extra(monkeypatch) -> None:
    study = make_study(np.random.default_rng(1), photos=3)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=r"gp_widgets\[study\]"):
        compare(study, study)
