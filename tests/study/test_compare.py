"""``gp.compare`` on tables whose truth is known: a copy with a shift in chosen cells, a copy with noise only,
the same study twice, and inputs that cannot be paired. No engine."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from gp_widgets.api.constants import CellStatus
from gp_widgets.studies.compare import CompareError, PairingWarning, compare
from gp_widgets.studies.study import Study, StudyPhoto
from gp_widgets.sweeps.records import CellRecord
from gp_widgets.sweeps.spec import Cell

METRICS = [{"name": "smile", "unit": "", "role": "target", "higher_is_better": True},
           {"name": "identity", "unit": "", "role": "identity", "higher_is_better": False},
           {"name": "mad_outside", "unit": "", "role": "leakage", "higher_is_better": False}]
MOVES = ("smile", "age")
PARAMS = (-1.0, -0.5, 0.5, 1.0)


def make_study(rng: np.random.Generator, photos: int = 16, shas: bool = True) -> Study:
    records = []
    for p in range(photos):
        base = rng.normal(0, 0.3)
        for move in MOVES:
            for x in PARAMS:
                values = {"smile": (x if move == "smile" else 0.1 * x) + base + rng.normal(0, 0.2),
                          "identity": 0.3 * abs(x) + rng.normal(0, 0.05),
                          "mad_outside": abs(rng.normal(0.01, 0.005))}
                records.append(CellRecord(Cell(p, 0, move, x), CellStatus.complete, metrics=values))
    names = [f"p{i}.jpg" for i in range(photos)]
    infos: list[StudyPhoto | None] = [StudyPhoto(i, n, f"sha{i}" if shas else None, f"d{i}", ((0, 0, 1, 1),), (0,))
                                      for i, n in enumerate(names)]
    return Study(MOVES, PARAMS, "largest", METRICS, names, infos, records)


def copy(study: Study, change) -> Study:
    records = [CellRecord(r.cell, r.status, metrics=change(r, dict(r.metrics))) for r in study.records]
    return Study(study.moves, study.params, study.faces, study.metrics, study.names, study.photos, records)


SHIFTED = {("smile", 0.5), ("smile", 1.0), ("age", -1.0)}


def shifted(noise: float, rng: np.random.Generator):
    def change(r: CellRecord, v: dict) -> dict:
        v = {k: x + rng.normal(0, noise) for k, x in v.items()}
        if (r.cell.move, r.cell.param) in SHIFTED:
            v["smile"] += 0.5
        return v
    return change


def flagged(table: pd.DataFrame) -> set[tuple[str, float, str]]:
    hits = table[table["significant"]]
    return set(zip(hits["move"], hits["param"], hits["metric"], strict=True))


def test_same_study_twice_gives_zero_and_nothing_significant() -> None:
    study = make_study(np.random.default_rng(0))
    result = compare(study, study)
    table = result.table()
    assert len(table) == len(MOVES) * len(PARAMS) * len(METRICS)
    assert (table["diff"] == 0).all() and (table["p_perm"] == 1).all() and not table["significant"].any()
    assert (table["n"] == 16).all()
    assert "0 of 24 cells differ" in result.describe()


@pytest.mark.parametrize("correction", ["bh", "holm"])
@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_shifted_cells_and_only_those_are_flagged(noise: float, correction: str) -> None:
    rng = np.random.default_rng(1)
    a = make_study(rng)
    b = copy(a, shifted(noise, rng))
    table = compare(a, b, correction=correction).table()  # type: ignore[arg-type]
    assert flagged(table) == {(m, x, "smile") for m, x in SHIFTED}
    hits = table[table["significant"]]
    assert hits["diff"].to_numpy() == pytest.approx(0.5, abs=0.1)
    assert ((hits["low"] < 0.5) & (hits["high"] > 0.5)).all() or noise == 0.0


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::gp_widgets.studies.compare.PairingWarning")  # one table, twice: same order
def test_noise_only_flags_nothing_in_95_percent_of_200_repetitions() -> None:
    rng = np.random.default_rng(2)
    a = make_study(rng, photos=12).to_dataframe()
    names = [m["name"] for m in METRICS]
    any_flagged = 0
    for rep in range(200):
        b = a.copy()
        b[names] += rng.normal(0, 0.1, size=(len(b), len(names)))
        any_flagged += bool(compare(a, b, seed=rep).table()["significant"].any())
    print(f"noise only: {any_flagged} of 200 repetitions flagged a cell")
    assert any_flagged <= 10


def test_loaded_parquet_compares_like_the_live_study(tmp_path) -> None:
    rng = np.random.default_rng(3)
    a = make_study(rng)
    b = copy(a, shifted(0.1, rng))
    a.save(tmp_path / "a.parquet")
    b.save(tmp_path / "b.csv")
    live = compare(a, b).table()
    loaded = compare(tmp_path / "a.parquet", tmp_path / "b.csv").table()
    pd.testing.assert_frame_equal(live, loaded)


def test_photos_pair_by_content_not_by_index() -> None:
    rng = np.random.default_rng(4)
    a = make_study(rng, photos=6)
    order = [5, 4, 3, 2, 1, 0]
    b = copy(a, lambda r, v: v)
    for r in b.records:
        r.cell = dataclasses.replace(r.cell, image=order[r.cell.image])
    b.photos = [a.photos[order.index(i)] for i in range(6)]
    assert not compare(a, b).table()["diff"].any()


def test_refusals_are_clear() -> None:
    rng = np.random.default_rng(5)
    a = make_study(rng, photos=4)
    other = make_study(rng, photos=4)
    other.photos = [StudyPhoto(i, "x", f"other{i}", "d", ((0, 0, 1, 1),), (0,)) for i in range(4)]
    with pytest.raises(CompareError, match="different photos"):
        compare(a, other)
    moved = copy(a, lambda r, v: v)
    for r in moved.records:
        r.cell = dataclasses.replace(r.cell, param=r.cell.param + 10)
    with pytest.raises(CompareError, match="no common cells"):
        compare(a, moved)
    with pytest.raises(CompareError, match="not measured on both"):
        compare(a, a, metrics=["ssim_face"])


def test_two_moves_of_one_study_at_matched_params() -> None:
    study = make_study(np.random.default_rng(6))
    table = compare(study, study, moves={"smile": "age"}).table()
    smile = table[table["metric"] == "smile"]
    assert set(smile["move"]) == {"smile"}
    assert smile.set_index("param").loc[1.0, "significant"]  # age barely moves the smile score


def test_live_sides_are_recomputed_until_done() -> None:
    rng = np.random.default_rng(7)
    a = make_study(rng, photos=4)
    b = copy(a, lambda r, v: v)
    for r in b.records[8:]:
        r.status = CellStatus.pending
    result = compare(a, b)
    assert not result.done and "live" in result.describe()
    first = result.table()["n"].sum()
    for r in b.records:
        r.status = CellStatus.complete
    assert result.done and result.table()["n"].sum() > first


def test_dataframes_and_sweep_shaped_tables_compare() -> None:
    frame = pd.DataFrame({"move": ["smile"] * 6, "param": [1.0] * 6, "image": range(6),
                          "face": 0, "status": "complete", "smile": np.arange(6.0)})
    with pytest.warns(PairingWarning, match="paired by their index"):
        result = compare(frame, frame.assign(smile=frame["smile"] + 1))
    row = result.table().iloc[0]
    assert row["diff"] == pytest.approx(1.0) and row["exact"] and row["p_perm"] == pytest.approx(2 / 64)


def test_difference_figure_marks_significant_cells(tmp_path) -> None:
    rng = np.random.default_rng(8)
    a = make_study(rng)
    fig = compare(a, copy(a, shifted(0.1, rng))).figure()
    smile = fig.axes[0]
    filled = [ln for ln in smile.get_lines() if ln.get_marker() == "o" and ln.get_markerfacecolor() != "white"]
    assert sum(len(ln.get_xdata()) for ln in filled) == len(SHIFTED)
    fig.savefig(tmp_path / "difference.png", dpi=110)


def test_a_dataframe_in_another_order_warns_and_pairs_by_content_with_hashes() -> None:
    study = make_study(np.random.default_rng(9), photos=6)
    frame = study.to_dataframe()
    reordered = frame.assign(photo=5 - frame["photo"])  # the same photos, listed backwards
    with pytest.warns(PairingWarning, match="b does not say which photo"):
        wrong = compare(study, reordered).table()
    assert (wrong["diff"].abs() > 0).any()  # paired by index: other photos' values
    hashed = reordered.assign(sha256=[f"sha{5 - p}" for p in reordered["photo"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        right = compare(study, hashed).table()
    assert (right["diff"] == 0).all()
