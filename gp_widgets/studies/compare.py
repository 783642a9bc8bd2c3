"""``gp.compare(a, b)``: two studies or sweeps on the same photos, compared cell by cell, paired by photo.

Each side becomes a tidy table (live: rebuilt from the run's records at every call; loaded: from Parquet,
CSV or a sweep manifest). Rows pair on photo (by content hash when both sides know it), face, move and
param; per photo the differences ``b − a`` of its faces are averaged (the photo is the unit of replication,
as in :mod:`.aggregate`); per move × param × metric :func:`.paired.paired_tests` gives the mean difference,
its t-interval, the sign-flip permutation p-value and d_z, adjusted over every cell compared
(Benjamini–Hochberg by default).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..api.constants import CellStatus
from .paired import Correction, adjust, paired_tests

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from ..figure_layout import Width

__all__ = ["Comparison", "CompareError", "Paired", "PairingWarning", "Side", "compare", "pair_rows"]

KEYS = ("photo", "face", "move", "param")
_NOT_METRICS = frozenset({*KEYS, "image", "status", "error_code", "variant_id", "seconds", "metric_notes", "sha256"})
PARAM_DECIMALS = 9


class CompareError(ValueError):
    """Two inputs that cannot be compared: no common cells, different photos, no common metric."""


class PairingWarning(UserWarning):
    """Photos paired by their index alone: right only if both sides list the same photos in the same order."""


@dataclass
class Side:
    """One input of a comparison, whatever it was: how to get its table now, its metric definitions, whether
    it is finished, and its photos' identities (content hashes by index, or None when unknown)."""

    label: str
    table: Callable[[], pandas.DataFrame]
    metrics: list[dict[str, Any]]
    is_done: Callable[[], bool]
    photos: Callable[[], dict[int, str] | None]
    source: Any = None
    """The study or sweep result behind the table (None for a DataFrame): where its pictures are."""


def _study_side(study: Any, label: str) -> Side:
    def photos() -> dict[int, str] | None:
        shas = {i: p.sha256 for i, p in enumerate(study.photos) if p is not None and p.sha256}
        return shas if len(shas) == len(study.names) else None

    return Side(label, study.to_dataframe, list(study.metrics), lambda: study.done, photos, study)


def _sweep_side(result: Any, label: str) -> Side:
    from ..analysis.metrics import BUILTINS
    from .tidy import metric_definition

    known = {m.name: metric_definition(m) for m in BUILTINS}

    def table() -> pandas.DataFrame:
        frame = result.to_dataframe()
        frame["photo"] = frame.pop("image") if "image" in frame else 0
        return frame

    def photos() -> dict[int, str] | None:
        shas = {i: s.sha256 for i, s in enumerate(result.inputs) if s is not None and s.sha256}
        return shas if len(shas) == len(result.inputs) else None

    metrics = [known.get(n, {"name": n, "unit": "", "role": "", "higher_is_better": False})
               for n in result.metric_names]
    return Side(label, table, metrics, lambda: result.done, photos, result)


def _frame_side(frame: pandas.DataFrame, label: str) -> Side:
    frame = frame.copy()
    if "photo" not in frame:
        frame["photo"] = frame.pop("image") if "image" in frame else 0
    for column, default in (("face", 0), ("status", CellStatus.complete.value)):
        if column not in frame:
            frame[column] = default
    names = [c for c in frame.columns if c not in _NOT_METRICS and frame[c].dtype.kind in "fiu"]
    metrics = [{"name": n, "unit": "", "role": "", "higher_is_better": False} for n in names]

    def photos() -> dict[int, str] | None:  # a sha256 column says which photo each index is
        if "sha256" not in frame:
            return None
        known = frame.dropna(subset=["sha256"]).groupby("photo")["sha256"].first()
        return {int(i): str(sha) for i, sha in known.items()} if len(known) == frame["photo"].nunique() else None

    return Side(label, lambda: frame, metrics, lambda: True, photos)


def as_side(obj: Any, label: str) -> Side:
    """A :class:`Side` from a Study, a SweepResult, a view or run handle of either, a DataFrame, or a path
    (``.parquet``/``.csv``: a saved study; ``.json``: a sweep manifest). Without pandas, an ImportError
    naming the ``study`` extra."""
    from .tidy import pandas_or_error

    pandas = pandas_or_error()

    from ..sweeps.result import SweepResult
    from .study import Study

    if isinstance(obj, Side):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        path = Path(obj)
        obj = SweepResult.load(path) if path.suffix.lower() == ".json" else Study.load(path)
    run = getattr(obj, "run", None)
    if run is not None and hasattr(run, "data"):  # a StudyView or a SweepGrid
        obj = run.data
    elif hasattr(obj, "data") and hasattr(obj, "progress"):  # a RunHandle
        obj = obj.data
    if isinstance(obj, Study):
        return _study_side(obj, label)
    if isinstance(obj, SweepResult):
        return _sweep_side(obj, label)
    if isinstance(obj, pandas.DataFrame):
        return _frame_side(obj, label)
    raise TypeError(f"compare takes studies, sweeps, their views, DataFrames or saved files, not {type(obj).__name__}")


@dataclass
class Paired:
    """Paired samples per cell: ``cells`` (move, param, metric; sorted), each cell's differences ``b − a``
    over photos in ``samples`` (a photo's faces averaged, NaN dropped), and the means of each side."""

    cells: pandas.DataFrame
    samples: list[np.ndarray]
    mean_a: np.ndarray
    mean_b: np.ndarray
    wide: pandas.DataFrame

    def long(self, metrics: Sequence[str]) -> pandas.DataFrame:
        """One row per move × param × metric × photo: a, b and d = b − a."""
        import pandas

        parts = [self.wide[["move", "param", "photo"]].assign(metric=m, a=self.wide[f"{m}_a"],
                                                                b=self.wide[f"{m}_b"]) for m in metrics]
        long = pandas.concat(parts, ignore_index=True).dropna(subset=["a", "b"])
        long["d"] = long["b"] - long["a"]
        return long.sort_values(["move", "param", "metric", "photo"], kind="stable").reset_index(drop=True)


def pair_rows(a: pandas.DataFrame, b: pandas.DataFrame, metrics: Sequence[str]) -> Paired:
    """Pair the complete rows of ``a`` and ``b`` on photo, face, move and param, average each photo's faces,
    and cut the differences into one sample per move × param × metric."""
    import pandas

    def ready(frame: pandas.DataFrame) -> pandas.DataFrame:
        frame = frame[frame["status"] == CellStatus.complete] if "status" in frame else frame
        frame = frame[[*KEYS, *metrics]].copy()
        frame["param"] = frame["param"].astype("float64").round(PARAM_DECIMALS)
        return frame

    wide = ready(a).merge(ready(b), on=list(KEYS), suffixes=("_a", "_b"), validate="one_to_one")
    values = [f"{m}_{s}" for m in metrics for s in "ab"]
    if wide.duplicated(["photo", "move", "param"]).any():  # several faces: the photo is the unit
        wide = wide.groupby(["move", "param", "photo"], as_index=False)[values].mean()
    wide = wide.sort_values(["move", "param", "photo"], kind="stable").reset_index(drop=True)
    keys = wide[["move", "param"]]
    bounds = np.flatnonzero(np.r_[True, (keys.iloc[1:].to_numpy() != keys.iloc[:-1].to_numpy()).any(axis=1)]) \
        if len(wide) else np.zeros(0, dtype=np.int64)
    groups = wide.iloc[bounds][["move", "param"]].reset_index(drop=True)
    per_metric = []
    for m in metrics:
        va, vb = wide[f"{m}_a"].to_numpy(np.float64), wide[f"{m}_b"].to_numpy(np.float64)
        d = vb - va
        ok = np.isfinite(d)
        n = np.add.reduceat(ok, bounds) if len(d) else np.zeros(0, dtype=np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_a = np.add.reduceat(np.where(ok, va, 0.0), bounds) / n if len(d) else n * 1.0
            mean_b = np.add.reduceat(np.where(ok, vb, 0.0), bounds) / n if len(d) else n * 1.0
        samples = [s[np.isfinite(s)] for s in np.split(d, bounds[1:])] if len(d) else []
        per_metric.append((m, samples, mean_a, mean_b))
    cells = pandas.concat([groups.assign(metric=m) for m, *_ in per_metric], ignore_index=True) \
        if per_metric else pandas.DataFrame(columns=["move", "param", "metric"])
    return Paired(cells, [s for _, ss, _, _ in per_metric for s in ss],
                  np.concatenate([x for _, _, x, _ in per_metric]) if per_metric else np.zeros(0),
                  np.concatenate([x for _, _, _, x in per_metric]) if per_metric else np.zeros(0), wide)


def _cells(frame: pandas.DataFrame) -> str:
    return (f"moves {sorted(set(frame['move']))}, params {sorted(set(frame['param']))}, "
            f"{frame['photo'].nunique()} photos")


class Comparison:
    """``b`` against ``a``, cell by cell. Live while either side runs: every call reads the runs as they
    are now; once both are done the table is computed once and kept."""

    def __init__(self, a: Side, b: Side, *, metrics: Sequence[str] | None = None,
                 moves: Mapping[str, str] | None = None, alpha: float = 0.05, correction: Correction = "bh",
                 test: Literal["permutation", "t"] = "permutation", permutations: int = 9999,
                 seed: int | None = 0, level: float = 0.95) -> None:
        if test not in ("permutation", "t"):
            raise ValueError(f"test must be 'permutation' or 't', got {test!r}")
        adjust(np.array([0.5]), correction)  # refuse an unknown correction now, not at the first table
        self.a, self.b = a, b
        names_b = {m["name"] for m in b.metrics}
        common = [m["name"] for m in a.metrics if m["name"] in names_b]
        if metrics is not None:
            missing = [m for m in metrics if m not in common]
            if missing:
                raise CompareError(f"metrics not measured on both sides: {missing} (common: {common})")
            common = list(metrics)
        if not common:
            raise CompareError(f"{a.label} and {b.label} have no metric in common")
        self.metrics = common
        self.definitions = {m["name"]: m for m in a.metrics if m["name"] in common}
        self.moves = dict(moves or {})
        self.alpha, self.correction, self.test = alpha, correction, test
        self.permutations, self.seed, self.level = permutations, seed, level
        self._kept: tuple[pandas.DataFrame, Paired] | None = None
        self._check_photos()
        self._compute()  # refuse inputs with no common cells at once

    @property
    def done(self) -> bool:
        """Both sides finished: the numbers will not change."""
        return self.a.is_done() and self.b.is_done()

    def _check_photos(self) -> None:
        pa, pb = self.a.photos(), self.b.photos()
        if pa is None or pb is None:
            unknown = " and ".join(side.label for side, p in ((self.a, pa), (self.b, pb)) if p is None)
            warnings.warn(f"{unknown} do{'es' * (' and ' not in unknown)} not say which photo each row is: photos "
                          "are paired by their index, which is right only if both sides list the same photos in "
                          "the same order (give a DataFrame a sha256 column, or compare saved studies, to pair "
                          "them by content)", PairingWarning, stacklevel=4)
        if pa is not None and pb is not None and sorted(pa.values()) != sorted(pb.values()):
            only_a = len(set(pa.values()) - set(pb.values()))
            only_b = len(set(pb.values()) - set(pa.values()))
            raise CompareError(f"{self.a.label} and {self.b.label} ran on different photos ({only_a} only in "
                               f"{self.a.label}, {only_b} only in {self.b.label}): a paired comparison needs the "
                               "same photos; compare DataFrames filtered to the common photos instead")

    def tables(self) -> tuple[pandas.DataFrame, pandas.DataFrame]:
        """Both sides' tidy tables as they are paired: ``b``'s photos numbered as ``a``'s (by content when
        both know it), moves mapped to ``a``'s."""
        fa, fb = self.a.table(), self.b.table()
        pa, pb = self.a.photos(), self.b.photos()
        if pa is not None and pb is not None:  # pair by content: the same photo under any index
            order = {sha: i for i, sha in pa.items()}
            fb = fb.assign(photo=fb["photo"].map(lambda i: order.get(pb.get(int(i), ""), -1 - int(i))))
        if self.moves:
            back = {vb: va for va, vb in self.moves.items()}
            fa = fa[fa["move"].isin(list(self.moves))]
            fb = fb[fb["move"].isin(list(back))].assign(move=lambda f: f["move"].map(back))
        return fa, fb

    def _compute(self) -> tuple[pandas.DataFrame, Paired]:
        if self._kept is not None:
            return self._kept

        done = self.done
        fa, fb = self.tables()
        common = fa[list(KEYS)].merge(fb[list(KEYS)], on=list(KEYS)) if len(fa) and len(fb) else fa.iloc[:0]
        if common.empty:
            raise CompareError(f"no common cells to pair: {self.a.label} has {_cells(fa)}; "
                               f"{self.b.label} has {_cells(fb)}")
        paired = pair_rows(fa, fb, self.metrics)
        tests = paired_tests(paired.samples, self.level, self.permutations, self.seed)
        p = tests.p_perm if self.test == "permutation" else tests.p_t
        p_adj = adjust(p, self.correction)
        table = paired.cells.assign(n=tests.n, mean_a=paired.mean_a, mean_b=paired.mean_b, diff=tests.mean,
                                    low=tests.low, high=tests.high, sd=tests.sd, effect=tests.effect, t=tests.t,
                                    p_t=tests.p_t, p_perm=tests.p_perm, exact=tests.exact, p_adj=p_adj,
                                    significant=np.nan_to_num(p_adj, nan=1.0) <= self.alpha)
        table = table[table["n"] > 0]
        table = table.sort_values(["move", "metric", "param"], kind="stable").reset_index(drop=True)
        result = (table, paired)
        if done:
            self._kept = result
        return result

    def table(self) -> pandas.DataFrame:
        """The tidy table, one row per move × param × metric: ``n`` photos paired, ``mean_a``, ``mean_b``,
        ``diff`` (b − a) with its interval ``low``–``high``, ``sd`` of the differences, ``effect`` (d_z),
        ``t``, ``p_t`` (t-test), ``p_perm`` (sign-flip), ``exact``, ``p_adj`` (corrected over every row)
        and ``significant`` (``p_adj ≤ alpha``)."""
        return self._compute()[0].copy()

    to_dataframe = table

    def pairs(self) -> pandas.DataFrame:
        """The paired values behind the table: one row per move × param × metric × photo (a, b, d)."""
        return self._compute()[1].long(self.metrics)

    def significant(self) -> pandas.DataFrame:
        """The rows that survive the correction."""
        table = self.table()
        return table[table["significant"]].reset_index(drop=True)

    def describe(self) -> str:
        """One line: how many cells were compared and how many differ after correction."""
        table = self.table()
        name = {"bh": "Benjamini–Hochberg FDR", "holm": "Holm FWER", "none": "uncorrected"}[self.correction]
        state = "" if self.done else " (live: a side is still running)"
        return (f"{self.b.label} − {self.a.label}: {int(table['significant'].sum())} of {len(table)} cells differ "
                f"at {name} {self.alpha:g} ({self.test} test, {int(table['n'].max())} photos){state}")

    def figure(self, metrics: Sequence[str] | None = None, *, dpi: int = 100, width: Width = "screen",
               titled: bool = True) -> Figure:
        """Difference curves: per metric, ``b − a`` against param per move with its band; filled markers
        for cells that survive the correction; laid out for ``width``. ``titled``: :meth:`describe` above them
        (a view that says it already passes False)."""
        from .figures import difference_figure

        units = {n: str(d.get("unit") or "") for n, d in self.definitions.items()}
        return difference_figure(self.table(), list(metrics or self.metrics), title=self.describe() if titled else "",
                                 units=units, dpi=dpi, width=width)

    def __repr__(self) -> str:
        return f"<Comparison {self.describe()}>"


def compare(a: Any, b: Any, *, metrics: Sequence[str] | None = None, moves: Mapping[str, str] | None = None,
            alpha: float = 0.05, correction: Correction = "bh", test: Literal["permutation", "t"] = "permutation",
            permutations: int = 9999, seed: int | None = 0, labels: tuple[str, str] = ("a", "b")) -> Comparison:
    """Compare ``b`` with ``a`` on the same photos, cell by cell (see :class:`Comparison`).

    ``a``, ``b``: studies, sweeps, their views (live or finished), DataFrames, or saved files. ``moves``
    maps a move of ``a`` to the move of ``b`` it is compared with (two moves on one study: pass the study
    twice). ``correction``: ``"bh"`` (false discovery rate), ``"holm"`` (family-wise) or ``"none"``;
    ``test``: the sign-flip permutation test (exact up to 13 photos) or the t-test drives the correction.
    Raises :class:`CompareError` for inputs with no common cells, different photos or no common metric.
    """
    return Comparison(as_side(a, labels[0]), as_side(b, labels[1]), metrics=metrics, moves=moves, alpha=alpha,
                      correction=correction, test=test, permutations=permutations, seed=seed)
