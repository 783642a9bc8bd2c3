"""``gp.load_ratings(files)``: answers of any number of raters to one design, analysed (see ``docs/ratings.md``).

Raters whose share of correct catch trials is under ``catch_pass`` are excluded from every statistic and
listed by :meth:`Ratings.raters`. Catch trials never enter the statistics.

- 2afc: per cell (move and the two conditions compared) the share of judgments choosing the second
  (B of a comparison, the higher param of a study) with its Wilson interval and exact binomial p-value,
  Benjamini–Hochberg adjusted over cells; Bradley–Terry strengths per move when more than two conditions meet.
- mos: per move × condition the mean score with its t-interval over judgments.
- same-person: per move × condition the share of "yes" with its Wilson interval; against an identity
  distance (joined from the study), the distance at which half the raters stop recognising the person.
- agreement: Krippendorff's alpha over raters × test trials (nominal; ordinal for mos).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..files import cache_home
from ..studies.paired import adjust
from . import stats
from .answers import AnswersFileError, WrongDesignError, check_sheet, read_answers
from .design import RatingDesign

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

__all__ = ["CATCH_PASS", "Ratings", "find_design", "load_ratings"]

CATCH_PASS = 0.75
"""The share of catch trials a rater must answer right to be kept."""


class Ratings:
    """The answers of several raters to one :class:`RatingDesign` (one sheet per rater)."""

    def __init__(self, design: RatingDesign, sheets: Sequence[dict[str, Any]], *, catch_pass: float = CATCH_PASS,
                 level: float = 0.95) -> None:
        raters = [s["rater"] for s in sheets]
        if len(set(raters)) != len(raters):
            twice = sorted({r for r in raters if raters.count(r) > 1})
            raise AnswersFileError(f"several answer files for one rater: {twice}")
        self.design, self.sheets, self.catch_pass, self.level = design, list(sheets), catch_pass, level
        self._excluded: list[str] | None = None

    # -- the answers, one row each ------------------------------------------------------------------

    def responses(self, *, all_raters: bool = False) -> pandas.DataFrame:
        """One row per answer: rater, trial, kind, response, what was shown (photo, face, move, conditions,
        params, variant ids), ``value`` (2afc: 1 when the second was chosen; mos: the score; same-person:
        1 for yes) and, for catch trials, ``correct``. Excluded raters are left out unless ``all_raters``."""
        import pandas

        design, rows = self.design, []
        for sheet in self.sheets:
            for a in sheet["answers"]:
                t = design.trials[a.trial]
                row: dict[str, Any] = {"rater": sheet["rater"], "trial": t.index, "kind": t.kind,
                                       "response": a.response, "rt_ms": a.rt_ms, "showing": t.showing}
                if design.kind == "2afc":
                    assert t.first is not None and t.second is not None
                    first, second = design.stimuli[t.first], design.stimuli[t.second]
                    chosen = t.left if a.response == "left" else t.right
                    row.update(photo=first.photo, face=first.face, move=first.move, a=first.condition,
                               b=second.condition, param_a=first.param, param_b=second.param,
                               variant_a=first.variant_id, variant_b=second.variant_id,
                               value=float(chosen == t.second))
                else:
                    shown = design.stimuli[t.right or t.left]  # the variant (an original on its left)
                    row.update(photo=shown.photo, face=shown.face, move=shown.move, condition=shown.condition,
                               param=shown.param, variant_id=shown.variant_id,
                               value=float(a.response == "yes") if design.kind == "same-person" else float(a.response))
                if t.kind == "catch":
                    row["correct"] = (a.response >= t.expect if design.kind == "mos" else a.response == t.expect)
                rows.append(row)
        frame = pandas.DataFrame(rows)
        if frame.empty:
            return frame
        if not all_raters:
            frame = frame[~frame["rater"].isin(self.excluded())]
        return frame.reset_index(drop=True)

    def raters(self) -> pandas.DataFrame:
        """Per rater: answers given, catch trials right of those answered, whether the rater is excluded
        (fewer than ``catch_pass`` right), and ``consistency``: the share of pairs or pictures shown more than
        once that got the same answer each time (2afc: the same picture chosen, whatever its side)."""
        import pandas

        rows = []
        for sheet in self.sheets:
            catches = [(a, self.design.trials[a.trial]) for a in sheet["answers"]
                       if self.design.trials[a.trial].kind == "catch"]
            right = sum((a.response >= t.expect) if self.design.kind == "mos" else (a.response == t.expect)
                        for a, t in catches)
            rows.append({"rater": sheet["rater"], "answers": len(sheet["answers"]), "catch_right": right,
                         "catch_total": len(catches),
                         "excluded": bool(catches) and right < self.catch_pass * len(catches),
                         "consistency": self._consistency(sheet["answers"])})
        return pandas.DataFrame(rows, columns=["rater", "answers", "catch_right", "catch_total", "excluded",
                                               "consistency"])

    def _consistency(self, answers: Sequence[Any]) -> float:
        given: dict[tuple[str | None, ...], list[Any]] = {}
        for a in answers:
            t = self.design.trials[a.trial]
            if t.kind != "test":
                continue
            if self.design.kind == "2afc":
                given.setdefault((t.first, t.second), []).append(t.left if a.response == "left" else t.right)
            else:
                given.setdefault((t.left, t.right), []).append(a.response)
        repeated = [len(set(v)) == 1 for v in given.values() if len(v) > 1]
        return float(np.mean(repeated)) if repeated else float("nan")

    def excluded(self) -> list[str]:
        """The raters failing the catch trials."""
        if self._excluded is None:
            table = self.raters()
            self._excluded = list(table.loc[table["excluded"], "rater"])
        return list(self._excluded)

    def _tests(self) -> pandas.DataFrame:
        frame = self.responses()
        return frame[frame["kind"] == "test"] if not frame.empty else frame

    # -- statistics --------------------------------------------------------------------------------

    def preference(self) -> pandas.DataFrame:
        """2afc, per move × pair of conditions: ``n`` judgments, ``wins_b``, ``share_b`` (the second chosen)
        with its Wilson interval ``low``–``high``, ``p`` (exact binomial against ½), ``p_adj`` (BH over
        cells), and ``param`` when both sides share one (a comparison)."""
        self._need("2afc")
        frame = self._tests()
        keys = ["move", "a", "b", "param_a", "param_b"]
        cells = frame.groupby(keys, sort=False, dropna=False)["value"].agg(n="count", wins_b="sum").reset_index()
        cells = cells.sort_values(["move", "param_a", "param_b", "a", "b"], kind="stable").reset_index(drop=True)
        k, n = cells["wins_b"].to_numpy(float), cells["n"].to_numpy(float)
        share, low, high = stats.share(k, n, self.level)
        p = stats.share_p(k, n)
        cells = cells.assign(share_b=share, low=low, high=high, p=p, p_adj=adjust(p, "bh"))
        same = cells["param_a"] == cells["param_b"]
        cells.insert(1, "param", cells["param_a"].where(same))
        return cells

    def strengths(self) -> pandas.DataFrame:
        """2afc, per move whose judgments link more than two conditions: Bradley–Terry log-strengths
        ``theta`` (centred), ``se`` and interval ``low``–``high``, with ``n`` judgments each took part in."""
        import pandas

        self._need("2afc")
        frame, parts = self._tests(), []
        for move, group in frame.groupby("move", sort=True):
            names = sorted(set(group["a"]) | set(group["b"]), key=_condition_key)
            if len(names) <= 2:
                continue
            index = {c: i for i, c in enumerate(names)}
            second = group["value"].to_numpy() == 1
            a, b = group["a"].map(index).to_numpy(), group["b"].map(index).to_numpy()
            fit = stats.bradley_terry(len(names), np.where(second, b, a), np.where(second, a, b), self.level)
            parts.append(pandas.DataFrame({"move": move, "condition": names, "theta": fit.theta, "se": fit.se,
                                           "low": fit.low, "high": fit.high, "n": fit.n.astype(int)}))
        return pandas.concat(parts, ignore_index=True) if parts else pandas.DataFrame(
            columns=["move", "condition", "theta", "se", "low", "high", "n"])

    def mos(self) -> pandas.DataFrame:
        """mos, per move × condition: ``n`` judgments, ``mean`` score, ``sd`` and t-interval ``low``–``high``."""
        self._need("mos")
        return self._by_condition(lambda v: dict(zip(("mean", "sd", "low", "high"),
                                                     stats.mean_interval(v, self.level), strict=True)))

    def same_person(self) -> pandas.DataFrame:
        """same-person, per move × condition: ``n`` judgments, ``share`` answering yes, Wilson interval."""
        self._need("same-person")

        def one(values: np.ndarray) -> dict[str, float]:
            share, low, high = stats.share(np.array([values.sum()]), np.array([len(values)]), self.level)
            return {"share": float(share[0]), "low": float(low[0]), "high": float(high[0])}

        return self._by_condition(one)

    def _by_condition(self, summary: Any) -> pandas.DataFrame:
        import pandas

        frame, rows = self._tests(), []
        for (move, condition), group in frame.groupby(["move", "condition"], sort=False):
            rows.append({"move": move, "condition": condition, "param": group["param"].iloc[0],
                         "n": len(group), **summary(group["value"].to_numpy(float))})
        out = pandas.DataFrame(rows)
        return out.sort_values(["move", "param"], kind="stable").reset_index(drop=True) if rows else out

    def agreement(self) -> float:
        """Krippendorff's alpha over the kept raters × test trials (ordinal for mos, else nominal)."""
        frame = self._tests()
        if frame.empty:
            return float("nan")
        matrix = frame.pivot_table(index="rater", columns="trial", values="value", aggfunc="first")
        return stats.agreement(matrix.to_numpy(float), "ordinal" if self.design.kind == "mos" else "nominal")

    def recognition(self, study: Any, metric: str = "identity", *, resamples: int = 1000,
                    seed: int = 0) -> stats.Midpoint:
        """same-person: the ``metric`` distance (joined from ``study``'s table by variant id) at which half
        the raters stop recognising the person: the midpoint of a logistic fit of "yes" against distance,
        with a bootstrap interval over raters (answers when there is one rater)."""
        self._need("same-person")
        frame = self.with_metric(study, metric)
        groups = frame["rater"].to_numpy() if frame["rater"].nunique() > 1 else None
        return stats.logistic_midpoint(frame[metric].to_numpy(float), frame["value"].to_numpy(float),
                                       level=self.level, resamples=resamples, seed=seed, groups=groups)

    def with_metric(self, study: Any, metric: str) -> pandas.DataFrame:
        """The test answers of the kept raters with the shown variant's ``metric`` from ``study``'s table."""
        from ..studies.compare import as_side

        table = as_side(study, "study").table()
        if metric not in table:
            raise ValueError(f"{metric!r} is not a column of the study's table")
        values = table[["variant_id", metric]].dropna().drop_duplicates("variant_id")
        return self._tests().merge(values, on="variant_id", how="inner")

    # -- tables joined to the study's --------------------------------------------------------------

    def table(self) -> pandas.DataFrame:
        """The design's main table: :meth:`preference`, :meth:`mos` or :meth:`same_person`."""
        return {"2afc": self.preference, "mos": self.mos, "same-person": self.same_person}[self.design.kind]()

    def join(self, other: Any) -> pandas.DataFrame:
        """The human columns beside the metric ones: a comparison's table (2afc of a comparison: by move and
        param, as ``human_share_b``, ``human_low``, ``human_high``, ``human_n``, ``human_p_adj``), or a study's
        tidy table (mos, same-person: by photo, face, move and param, the mean answer as ``human_*``)."""
        from ..studies.compare import Comparison, as_side

        comparison = getattr(other, "comparison", other)
        if isinstance(comparison, Comparison):
            prefs = self.preference().dropna(subset=["param"])
            human = prefs[["move", "param", "n", "share_b", "low", "high", "p_adj"]].rename(
                columns=lambda c: c if c in ("move", "param") else f"human_{c}")
            return comparison.table().merge(human, on=["move", "param"], how="left")
        self._need("mos", "same-person")
        table = as_side(other, "study").table()
        tests = self._tests()
        human = tests.groupby("variant_id")["value"].agg(human_n="count", human_mean="mean").reset_index()
        return table.merge(human, on="variant_id", how="left")

    def describe(self) -> str:
        kept = len(self.sheets) - len(self.excluded())
        return (f"{len(self.sheets)} raters ({kept} kept, {len(self.excluded())} failed catch trials) · "
                f"{self.design.describe()}")

    def figure(self, *, study: Any = None, dpi: int = 100) -> Figure:
        """The design's figure (see :mod:`.figures`): preference shares (and strengths), MOS, or "same
        person" shares (against identity distance with its midpoint when ``study`` is given)."""
        from . import figures

        return figures.ratings_figure(self, study=study, dpi=dpi)

    def __repr__(self) -> str:
        return f"<Ratings {self.describe()}>"

    def _need(self, *kinds: str) -> None:
        if self.design.kind not in kinds:
            raise ValueError(f"this is a {self.design.kind} design; that statistic is for {' or '.join(kinds)}")


def _condition_key(name: str) -> tuple[int, float | str]:
    try:
        return 0, float(name)
    except ValueError:
        return 1, name


def find_design(design_id: str, near: Iterable[Path]) -> RatingDesign:
    """The saved design of that id: beside the answer files, one folder up, or in the project's cache."""
    folders = [*dict.fromkeys(p for f in near for p in (f.parent, f.parent.parent)), cache_home() / "ratings"]
    for folder in folders:
        for path in sorted(folder.glob("*.rating.json")):
            try:
                design = RatingDesign.load(path)
            except (ValueError, KeyError, TypeError):
                continue
            if design.id == design_id:
                return design
    raise FileNotFoundError(f"no saved rating design {design_id!r} near the answer files; pass design=")


def load_ratings(files: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], design: Any = None, *,
                 catch_pass: float = CATCH_PASS) -> Ratings:
    """Answer files (paths, or a folder of ``*.json``) of one design as :class:`Ratings`. ``design``: the
    :class:`RatingDesign` or its saved trial list; by default found by the files' design id beside them.
    Raises :class:`WrongDesignError` for a file made for another design."""
    paths = [Path(files)] if isinstance(files, (str, os.PathLike)) else [Path(f) for f in files]
    paths = [q for p in paths for q in (sorted(p.glob("*.json")) if p.is_dir() else [p])]
    if not paths:
        raise ValueError("no answer files")
    if design is not None and not isinstance(design, RatingDesign):
        design = RatingDesign.load(design)
    raw = [read_answers(p) for p in paths]
    if design is None:
        ids = {r["design"] for r in raw}
        if len(ids) > 1:
            raise WrongDesignError(f"the answer files are for {len(ids)} different designs: {sorted(ids)}")
        design = find_design(ids.pop(), paths)
    for sheet, path in zip(raw, paths, strict=True):
        check_sheet(sheet, design, path.name)
    return Ratings(design, raw, catch_pass=catch_pass)
