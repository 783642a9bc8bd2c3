"""A study's paper figures and tables from its tidy table alone: trade-off, accuracy at an identity budget,
leakage matrix, means ± interval as Markdown and LaTeX, vector figures with fonts embedded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_compare import MOVES, PARAMS, make_study

from gp_widgets.studies import effects
from gp_widgets.studies.study import Study


@pytest.fixture(scope="module")
def study() -> Study:
    return make_study(np.random.default_rng(0))


def known(successes: list[bool], identity: list[float]) -> pd.DataFrame:
    n = len(successes)
    return pd.DataFrame({"photo": range(n), "face": 0, "move": "smile", "param": 1.0, "status": "complete",
                         "smile": [0.5 if s else 0.0 for s in successes], "identity": identity})


def test_accuracy_counts_target_and_identity_together() -> None:
    frame = known([True, True, True, False], [0.1, 0.1, 0.9, 0.1])  # the third moved but lost identity
    row = effects.accuracy(frame, "smile", "identity", delta=0.2, threshold=0.6).iloc[0]
    assert (row["successes"], row["n"], row["accuracy"]) == (2, 4, 0.5)
    assert row["low"] < 0.5 < row["high"]
    negative = frame.assign(param=-1.0, smile=-frame["smile"])
    assert effects.accuracy(negative, "smile", "identity", delta=0.2, threshold=0.6)["accuracy"].iloc[0] == 0.5
    cp = effects.accuracy(frame, "smile", "identity", delta=0.2, threshold=0.6, method="clopper-pearson").iloc[0]
    assert cp["low"] < row["low"] and cp["high"] > row["high"]  # exact is the wider


def test_tradeoff_means_match_the_aggregate_curves(study: Study) -> None:
    table = study.tradeoff(targets={"age": "mad_outside"})
    assert len(table) == len(MOVES) * len(PARAMS)
    curves = {(p.move, p.param, p.metric): p.interval for p in study.curves()}
    for row in table.itertuples():
        target = {"smile": "smile", "age": "mad_outside"}[row.move]
        assert row.target == target
        assert row.y == pytest.approx(curves[(row.move, row.param, target)].mean)
        assert (row.x_low, row.x_high) == pytest.approx((curves[(row.move, row.param, "identity")].low,
                                                         curves[(row.move, row.param, "identity")].high))


def test_each_move_is_scored_by_its_own_target_and_age_has_none(study: Study) -> None:
    assert study.targets() == {"smile": "smile", "age": None}
    assert study.targets({"smile": None}) == {"smile": None, "age": None}  # a researcher may say: none
    table = study.tradeoff()
    age = table[table["move"] == "age"]
    assert age["target"].isna().all() and age["y"].isna().all() and age["x"].notna().all()
    accuracy = study.accuracy()
    age = accuracy[accuracy["move"] == "age"]
    assert age["accuracy"].isna().all() and (age["n"] == 16).all()
    assert age["note"].str.contains("no target measure for age").all()
    assert "targets={'age'" in age["note"].iloc[0]
    smile = accuracy[accuracy["move"] == "smile"]
    assert (smile["target"] == "smile").all() and smile["accuracy"].notna().all() and (smile["note"] == "").all()

    def mad_outside(original, variant, box):  # the researcher's own metric, named as the study measured it
        return 0.0

    own = study.accuracy(delta={"smile": 0.02, "age": 0.005}, targets={"age": mad_outside})
    assert (own[own["move"] == "age"]["target"] == "mad_outside").all()
    assert own[own["move"] == "age"]["accuracy"].notna().all()
    with pytest.raises(ValueError, match="did not measure"):
        study.accuracy(targets={"age": "gender_score"})
    figure = study.accuracy_figure()
    texts = " ".join(t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text")))
    assert "no target measure for age" in texts and "smile (n=16), by smile" in texts
    trade = study.tradeoff_figure()
    texts = " ".join(t.get_text() for t in trade.findobj(lambda a: hasattr(a, "get_text")))
    assert "no target measure for age" in texts and "age (n=" not in texts


def test_leakage_is_the_standardised_mean_change(study: Study) -> None:
    matrix = study.leakage(param=1.0)
    assert list(matrix.columns) == ["smile", "mad_outside"] and list(matrix.index) == ["age", "smile"]
    frame = study.to_dataframe()
    at = frame[(frame["move"] == "smile") & (frame["param"] == 1.0)]["smile"]
    assert matrix.loc["smile", "smile"] == pytest.approx(at.mean() / at.std())


def test_paper_tables(study: Study) -> None:
    md = study.paper_table()
    assert md.splitlines()[0].startswith("| move") and "±" in md and md.count("\n") == 2 + len(MOVES) * len(PARAMS) - 1
    tex = study.paper_table("latex", metrics=["smile"], labels={"smile": r"$\Delta$ smile"})
    assert r"\toprule" in tex and r"$\pm$" in tex and r"$\Delta$ smile" in tex and r"\bottomrule" in tex


def test_figures_render_and_save_as_vector_with_embedded_fonts(study: Study, tmp_path) -> None:
    figures = {"tradeoff": study.tradeoff_figure(), "accuracy": study.accuracy_figure(delta=0.3),
               "leakage": study.leakage_figure()}
    for name, fig in figures.items():
        fig.savefig(tmp_path / f"{name}.png", dpi=110)
    pdf = Study.save_figure(figures["tradeoff"], tmp_path / "tradeoff.pdf")
    data = pdf.read_bytes()
    assert b"/FontFile2" in data and b"/Type3" not in data  # TrueType embedded, not Type 3
    svg = Study.save_figure(figures["leakage"], tmp_path / "leakage.svg", width="page").read_text()
    assert "<text" in svg  # text kept as text
    assert 'width="504pt"' in svg  # drawn again for the page: 7 in
    assert [c.get_label() for c in figures["tradeoff"].axes[0].containers] == ["smile (n=16)"]


def test_reports_work_from_a_loaded_parquet(study: Study, tmp_path) -> None:
    study.save(tmp_path / "s.parquet")
    loaded = Study.load(tmp_path / "s.parquet")
    pd.testing.assert_frame_equal(loaded.accuracy(), study.accuracy())
    assert loaded.paper_table() == study.paper_table()
