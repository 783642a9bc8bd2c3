"""Known answers with simulated raters: preference recovered with honest intervals, Bradley–Terry order,
MOS, catch-trial failers excluded, Krippendorff's alpha, the same-person midpoint, joins to study tables."""

from __future__ import annotations

import numpy as np
import pytest

from gp_widgets.ratings.ratings import Ratings
from gp_widgets.ratings.sources import rate_design
from gp_widgets.ratings.stats import bradley_terry, logistic_midpoint
from gp_widgets.studies.compare import compare

from .on_disk import make_study
from .simulate import prefer_second, rater, stimulus


def test_a_true_preference_of_0_7_is_covered_by_about_95_percent_of_intervals(tmp_path):
    design = rate_design(make_study(tmp_path / "cache", photos=3, params=(0.0, 1.0)), "q", "2afc", repeats=2)
    rng = np.random.default_rng(1)
    choose = prefer_second(design, 0.7)
    covered, shares = 0, []
    for _ in range(200):
        sheets = [rater(design, f"r{i}", choose, rng) for i in range(10)]  # 60 judgments in the one cell
        row = Ratings(design, sheets).preference().iloc[0]
        assert row["n"] == 60
        covered += row["low"] <= 0.7 <= row["high"]
        shares.append(row["share_b"])
    assert 0.90 <= covered / 200 <= 0.99
    assert abs(np.mean(shares) - 0.7) < 0.02


def test_catch_failers_are_excluded_and_reported(study):
    design = rate_design(study, "q", "2afc", catch=4)
    rng = np.random.default_rng(2)
    honest = [rater(design, f"r{i}", prefer_second(design, 0.9), rng) for i in range(4)]
    cheat = rater(design, "clicker", lambda t, r: "left", rng, catch_right=False)
    ratings = Ratings(design, [*honest, cheat])
    table = ratings.raters().set_index("rater")
    assert ratings.excluded() == ["clicker"]
    assert table.loc["clicker", "consistency"] == 0.0  # always "left": each pair, shown both ways, split
    assert table.loc["clicker", "catch_right"] == 0 and table.loc["r0", "catch_right"] == 4
    assert set(ratings.responses()["rater"]) == {"r0", "r1", "r2", "r3"}
    assert "clicker" in set(ratings.responses(all_raters=True)["rater"])
    assert (ratings.preference()["share_b"] > 0.7).all()  # the clicker's "left" would have pulled it to ½


def test_agreement_near_one_for_identical_raters_and_near_zero_for_random_ones(study):
    design = rate_design(study, "q", "2afc", repeats=4)
    rng = np.random.default_rng(3)
    fixed = {t.index: ("left" if rng.random() < 0.5 else "right") for t in design.trials}
    same = [rater(design, f"r{i}", lambda t, r: fixed[t.index], rng) for i in range(5)]
    assert Ratings(design, same).agreement() == pytest.approx(1.0)
    steady = [rater(design, "steady", prefer_second(design, 1.0), rng)]
    assert Ratings(design, steady).raters()["consistency"].item() == 1.0
    coin = [rater(design, f"r{i}", lambda t, r: "left" if r.random() < 0.5 else "right", rng) for i in range(30)]
    assert abs(Ratings(design, coin).agreement()) < 0.05


def test_bradley_terry_recovers_the_order_and_covers_the_true_strengths():
    rng = np.random.default_rng(4)
    truth = np.array([-1.0, 0.0, 1.0])
    truth -= truth.mean()
    winners, losers = [], []
    for _ in range(3000):
        i, j = rng.choice(3, 2, replace=False)
        p = 1 / (1 + np.exp(truth[j] - truth[i]))
        win, lose = (i, j) if rng.random() < p else (j, i)
        winners.append(win)
        losers.append(lose)
    fit = bradley_terry(3, winners, losers)
    assert list(np.argsort(fit.theta)) == [0, 1, 2]
    assert np.all(fit.low <= truth) and np.all(truth <= fit.high)
    assert np.all(fit.se < 0.1)


def test_strengths_of_three_params_of_a_study(study):
    design = rate_design(study, "Which smiles more?", "2afc", repeats=2)
    rng = np.random.default_rng(5)
    sheets = [rater(design, f"r{i}", prefer_second(design, 0.8), rng) for i in range(20)]
    table = Ratings(design, sheets).strengths()
    assert list(table["condition"]) == ["-1", "0", "1"]
    assert table["theta"].is_monotonic_increasing and (table["low"] < table["theta"]).all()


def test_mos_means_with_t_intervals(study):
    design = rate_design(study, "How natural?", "mos", repeats=2)
    rng = np.random.default_rng(6)
    truth = {-1.0: 2.0, 0.0: 4.5, 1.0: 3.0}

    def score(t, r):
        return int(np.clip(round(truth[stimulus(design, t).param] + r.normal(0, 0.7)), 1, 5))

    table = Ratings(design, [rater(design, f"r{i}", score, rng) for i in range(15)]).mos()
    assert list(table["param"]) == [-1.0, 0.0, 1.0]
    for _, row in table.iterrows():
        assert row["n"] == 90 and row["low"] < row["mean"] < row["high"]
        assert abs(row["mean"] - truth[row["param"]]) < 0.35


def test_same_person_midpoint_recovers_the_distance_where_half_stop_recognising(tmp_path):
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, 4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(0.6 - x) * 12))).astype(float)
    mid = logistic_midpoint(x, y, resamples=300)
    assert mid.low < 0.6 < mid.high and abs(mid.x50 - 0.6) < 0.03 and mid.b1 < 0


def test_same_person_through_a_study_and_its_identity_column(tmp_path):
    study = make_study(tmp_path / "cache", photos=4, params=(-1.0, -0.5, 0.0, 0.5, 1.0), identity_slope=1.0)
    design = rate_design(study, "Same person?", "same-person", repeats=3)
    identity = {r.variant_id: r.metrics["identity"] for r in study.records}
    rng = np.random.default_rng(8)

    def answer(t, r):
        d = identity[stimulus(design, t).variant_id]
        return "yes" if r.random() < 1 / (1 + np.exp((d - 0.6) * 10)) else "no"

    ratings = Ratings(design, [rater(design, f"r{i}", answer, rng) for i in range(12)])
    shares = ratings.same_person()
    assert shares.set_index("param").loc[0.0, "share"] > 0.9 > shares.set_index("param").loc[1.0, "share"]
    mid = ratings.recognition(study, resamples=200)
    assert mid.low < mid.x50 < mid.high and 0.4 < mid.x50 < 0.8
    joined = ratings.join(study)
    assert {"identity", "human_mean", "human_n"} <= set(joined.columns) and joined["human_n"].max() == 36


def test_comparison_table_gets_the_human_columns(tmp_path):
    a = make_study(tmp_path / "cache")
    b = make_study(tmp_path / "cache", prefix="w", identity_slope=0.5)
    cmp = compare(a, b)
    design = rate_design(cmp, "Which smiles more?", "2afc", repeats=2)
    rng = np.random.default_rng(9)
    ratings = Ratings(design, [rater(design, f"r{i}", prefer_second(design, 0.75), rng) for i in range(8)])
    table = ratings.preference()
    assert list(table["param"]) == [-1.0, 0.0, 1.0] and (table["n"] == 48).all()
    assert ratings.strengths().empty  # two conditions: the shares say it all
    joined = ratings.join(cmp)
    assert {"diff", "human_share_b", "human_low", "human_high", "human_p_adj"} <= set(joined.columns)
    assert joined["human_share_b"].notna().all()
