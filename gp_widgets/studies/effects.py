"""What a study's edits do, as tidy tables: the trade-off between response and identity, editing accuracy at
an identity budget, the leakage matrix and a paper-ready table of means ± interval.

Pure functions of a study's tidy table (:meth:`Study.to_dataframe`, or one loaded from Parquet): complete
rows only, each photo's faces averaged first (the photo is the unit, as in :mod:`.aggregate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy import stats

from ..analysis.metrics import BUILTIN_NAMES, BUILTINS, as_metric, builtin, pick
from ..api.constants import CellStatus
from .paired import BinomialMethod, binomial_interval

DEFAULT_DELTA = 0.02
"""The smallest target change counted as an edit that worked, in the target's unit (Δ smile per IOD)."""

if TYPE_CHECKING:
    import pandas

__all__ = ["DEFAULT_DELTA", "LEAKAGE_ATTRIBUTES", "accuracy", "leakage", "leakage_attributes", "mean_at",
           "metric_for", "metric_name", "move_targets", "LATEX_PACKAGES", "latex_escape", "no_target_note",
           "paper_table", "photo_means", "tradeoff"]

LEAKAGE_ATTRIBUTES = tuple(m.name for m in sorted(
    (m for m in BUILTINS if getattr(m, "moves", ()) or m.role in ("leakage", "identity")),
    key=lambda m: (0 if getattr(m, "moves", ()) else 1 if m.role == "leakage" else 2,
                   not getattr(m, "needs_faces", False))))
"""What a leakage matrix reads by default, from the registry: the built-ins that measure one attribute — a move's
own target, what changed outside it (landmarks before pixels), identity."""


def metric_for(role: str, metrics: Sequence[Mapping[str, Any]], prefer: str | None = None,
               move: str | None = None) -> str:
    """The metric answering ``role`` ("target", "identity") among those measured: ``prefer`` if measured, else
    the registry's choice for ``move`` (:func:`~gp_widgets.analysis.metrics.pick`), else the first of that role."""
    names = [m["name"] for m in metrics]
    if prefer is not None and prefer in names:
        return prefer
    chosen = pick([n for n in names if n in BUILTIN_NAMES], role, move)
    if chosen is not None:
        return chosen
    for m in metrics:
        if m.get("role") == role:
            return str(m["name"])
    raise ValueError(f"no {role} metric among {names}; name one explicitly")


def metric_name(metric: Any) -> str:
    """A metric's name from its name, a metric object or a metric function."""
    return metric if isinstance(metric, str) else as_metric(metric).name


def _moves_of(definition: Mapping[str, Any]) -> tuple[str, ...]:
    """The moves a measured metric is the target of: its definition's ``moves``, else the registry's."""
    if "moves" in definition:
        return tuple(definition["moves"] or ())
    name = definition["name"]
    return tuple(getattr(builtin(name), "moves", ())) if name in BUILTIN_NAMES else ()


def move_targets(moves: Sequence[str], metrics: Sequence[Mapping[str, Any]],
                 targets: Mapping[str, Any] | None = None) -> dict[str, str | None]:
    """Each move's own target measure among those measured: ``targets[move]`` when given (a name, a metric or
    a metric function; None: none), else the measured metric made for that move (the registry's: ``smile`` →
    ``smile``; a script's metric with ``moves=``); None when the move has none (``age``, ``gender``, …): never
    another move's measure."""
    names = [m["name"] for m in metrics]
    chosen = {move: None if ref is None else metric_name(ref) for move, ref in (targets or {}).items()}
    missing = sorted({n for n in chosen.values() if n is not None and n not in names})
    if missing:
        raise ValueError(f"targets name metrics the study did not measure: {missing} (measured: {names})")
    out: dict[str, str | None] = {}
    for move in moves:
        own = [m["name"] for m in metrics if move in _moves_of(m)]
        out[move] = chosen[move] if move in chosen else own[0] if own else None
    return out


def no_target_note(moves: Sequence[str]) -> str:
    """What a table or figure says of moves without a target measure."""
    if not moves:
        return ""
    example = moves[0]
    return (f"no target measure for {', '.join(moves)}: pass targets={{{example!r}: your_metric}} "
            "(a metric the study measured)")


def photo_means(frame: pandas.DataFrame, metrics: Sequence[str]) -> pandas.DataFrame:
    """Complete rows, one per move × param × photo, each metric the mean over that photo's faces."""
    done = frame[frame["status"] == CellStatus.complete] if "status" in frame else frame
    return done.groupby(["move", "param", "photo"], as_index=False, sort=True)[list(metrics)].mean()


def _intervals(per_photo: pandas.DataFrame, metric: str, level: float) -> pandas.DataFrame:
    grouped = per_photo.groupby(["move", "param"], sort=True)[metric].agg(["mean", "std", "count"])
    n = grouped["count"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * grouped["std"].to_numpy(float) / np.sqrt(n)
    half = np.where(n > 1, half, 0.0)
    mean = grouped["mean"].to_numpy(float)
    return grouped.assign(low=mean - half, high=mean + half)


def _per_move(frame: pandas.DataFrame, targets: str | Mapping[str, str | None]) -> dict[str, str | None]:
    moves = sorted({str(m) for m in frame["move"]})
    return {m: targets if isinstance(targets, str) else targets.get(m) for m in moves}


def tradeoff(frame: pandas.DataFrame, targets: str | Mapping[str, str | None], identity: str,
             level: float = 0.95) -> pandas.DataFrame:
    """Per move × param: ``y`` the mean of the move's own ``target`` measure and ``x`` the mean identity distance
    over photos, each with its Student-t interval (``y_low``…``y_high``, ``x_low``…``x_high``), and ``n`` photos.
    ``targets``: one metric for every move, or each move's (None: the move has no target; ``y`` is NaN)."""
    import pandas

    chosen = _per_move(frame, targets)
    per_photo = photo_means(frame, list(dict.fromkeys([*(t for t in chosen.values() if t), identity])))
    x = _intervals(per_photo, identity, level)
    parts = []
    for move, target in chosen.items():
        mine = x.loc[[move]] if move in x.index.get_level_values("move") else x.iloc[:0]
        part = mine[["mean", "low", "high", "count"]].rename(
            columns={"mean": "x", "low": "x_low", "high": "x_high", "count": "n"})
        if target is None:
            part = part.assign(y=np.nan, y_low=np.nan, y_high=np.nan)
        else:
            y = _intervals(per_photo[per_photo["move"] == move], target, level)
            part = part.join(y[["mean", "low", "high"]].rename(columns={"mean": "y", "low": "y_low", "high": "y_high"}))
            part["n"] = np.minimum(part["n"], y["count"].reindex(part.index).fillna(0))
        parts.append(part.assign(target=target))
    columns = ["move", "param", "target", "y", "y_low", "y_high", "x", "x_low", "x_high", "n"]
    if not parts:
        return pandas.DataFrame(columns=columns)
    out = pandas.concat(parts).reset_index()
    out["n"] = out["n"].astype(int)
    return out[columns]


def accuracy(frame: pandas.DataFrame, targets: str | Mapping[str, str | None], identity: str, *,
             delta: float | Mapping[str, float], threshold: float, signed: bool | None = None, level: float = 0.95,
             method: BinomialMethod = "wilson") -> pandas.DataFrame:
    """Editing accuracy per move × param: the share of photos whose move's own target moved by at least
    ``delta`` (one value, or one per move) while identity stayed under ``threshold``, with a binomial interval
    (Wilson or Clopper–Pearson). ``targets``: one metric for every move, or each move's; a move without one
    (None) has no accuracy: its rows say so in ``note`` and read NaN.

    ``signed``: the target must move *in the direction of the param* (``sign(param) · target ≥ delta``), as a
    signed score such as Δ smile; unsigned, its size counts (``|target| ≥ delta``), as for a magnitude such
    as ``mad_face``. By default signed when the move's target takes negative values. A photo with either value
    missing is left out of that cell's count.
    """
    import pandas

    chosen = _per_move(frame, targets)
    per_photo = photo_means(frame, list(dict.fromkeys([*(t for t in chosen.values() if t), identity])))
    missing = no_target_note([m for m, t in chosen.items() if t is None])
    parts = []
    for move, target in chosen.items():
        rows = per_photo[per_photo["move"] == move]
        if target is None:
            counts = rows.dropna(subset=[identity]).groupby("param", sort=True).size()
            parts.append(pandas.DataFrame({"move": move, "param": counts.index.to_numpy(float), "target": None,
                                           "successes": np.nan, "n": counts.to_numpy(int), "accuracy": np.nan,
                                           "low": np.nan, "high": np.nan, "note": missing}))
            continue
        rows = rows.dropna(subset=[target, identity])
        values = rows[target].to_numpy(float)
        sign = bool((values < 0).any()) if signed is None else signed
        moved = np.sign(rows["param"].to_numpy(float)) * values if sign else np.abs(values)
        step = delta.get(move, DEFAULT_DELTA) if isinstance(delta, Mapping) else delta
        rows = rows.assign(success=(moved >= step) & (rows[identity].to_numpy(float) < threshold))
        grouped = rows.groupby("param", sort=True)["success"].agg(["sum", "count"]).reset_index()
        k, n = grouped["sum"].to_numpy(float), grouped["count"].to_numpy(float)
        low, high = binomial_interval(k, n, level, method)
        parts.append(pandas.DataFrame({"move": move, "param": grouped["param"].to_numpy(float), "target": target,
                                       "successes": k, "n": n.astype(int),
                                       "accuracy": np.where(n > 0, k / np.maximum(n, 1), np.nan), "low": low,
                                       "high": high, "note": ""}))
    columns = ["move", "param", "target", "successes", "n", "accuracy", "low", "high", "note"]
    return pandas.concat(parts, ignore_index=True)[columns] if parts else pandas.DataFrame(columns=columns)


def leakage_attributes(metrics: Sequence[Mapping[str, Any]]) -> list[str]:
    """What a leakage matrix reads by default among the measured metrics: the registry's
    (:data:`LEAKAGE_ATTRIBUTES`) but identity, then the researcher's own metrics (identity is a cost, not
    leakage: the leakage figure shows it beside the matrix)."""
    names = [m["name"] for m in metrics]
    builtins = [a for a in LEAKAGE_ATTRIBUTES if a in names and builtin(a).role != "identity"]
    own = [m["name"] for m in metrics if m["name"] not in BUILTIN_NAMES and m.get("role") != "identity"]
    return builtins + own


def leakage(frame: pandas.DataFrame, attributes: Sequence[str], param: float | None = None) -> pandas.DataFrame:
    """The leakage matrix: moves (rows) × ``attributes`` (columns), each the standardised mean change at
    ``param`` (default: the largest param): the mean over photos divided by its standard deviation over
    photos (d_z; the metrics already measure variant against original). NaN where it cannot be formed."""
    per_photo = photo_means(frame, attributes)
    if param is None:
        param = float(per_photo["param"].max()) if len(per_photo) else 0.0
    at = per_photo[np.isclose(per_photo["param"].to_numpy(float), param)]
    grouped = at.groupby("move", sort=True)[list(attributes)]
    mean, sd = grouped.mean(), grouped.std()
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = mean / sd.where(sd > 0)
    matrix = matrix.where(~((mean == 0) & (sd == 0)), 0.0)
    matrix.attrs["param"] = param
    return matrix


def mean_at(frame: pandas.DataFrame, metric: str, param: float) -> pandas.Series:
    """Per move, the mean of ``metric`` over photos at ``param``: a cost such as identity, in its own unit."""
    per_photo = photo_means(frame, [metric])
    at = per_photo[np.isclose(per_photo["param"].to_numpy(float), param)]
    return at.groupby("move", sort=True)[metric].mean()


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
          "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
          ">": r"\textgreater{}", "|": r"\textbar{}", "Δ": r"$\Delta$", "±": r"$\pm$", "−": "-", "–": "--",
          "—": "---", "×": r"$\times$", "·": r"$\cdot$"}
LATEX_PACKAGES = ("booktabs",)
"""What a LaTeX table needs in the preamble (its first line says so too)."""


def latex_escape(text: str) -> str:
    """``text`` as LaTeX typesets it literally (pdflatex, no package beyond the base): specials escaped,
    the few non-ASCII signs a table uses (Δ, ±, −, –, —, ×, ·) spelled in LaTeX."""
    return "".join(_LATEX.get(c, c) for c in text)


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return text.lstrip("-") if float(text) == 0 else text  # no "-0.000"


def paper_table(frame: pandas.DataFrame, metrics: Sequence[str], *, fmt: Literal["markdown", "latex"] = "markdown",
                digits: int = 3, level: float = 0.95, labels: Mapping[str, str] | None = None,
                units: Mapping[str, str] | None = None) -> str:
    r"""Means ± half-width of the ``level`` t-interval over photos, per move × param (rows) × metric (columns),
    with each metric's unit in the header and ``n`` photos in the last column, as Markdown (pandas'
    ``to_markdown``, needs ``tabulate``) or LaTeX: a ``table`` with booktabs rules and no other package (its
    first line is a comment naming it), names and units escaped; ``labels`` replace metric names and are
    taken as LaTeX as they are (``{"smile": r"$\Delta$ smile"}``)."""
    if fmt not in ("markdown", "latex"):
        raise ValueError(f"fmt must be 'markdown' or 'latex', got {fmt!r}")
    per_photo = photo_means(frame, metrics)
    labels, units = dict(labels or {}), dict(units or {})
    cells: list[list[tuple[float, float]]] = []
    count = None
    for metric in metrics:
        iv = _intervals(per_photo, metric, level)
        cells.append(list(zip(iv["mean"].to_numpy(float), (iv["high"] - iv["mean"]).to_numpy(float), strict=True)))
        count = iv["count"].to_numpy(int) if count is None else np.maximum(count, iv["count"].to_numpy(int))
    index = list(per_photo.groupby(["move", "param"], sort=True).size().index)
    counts = [] if count is None else [int(c) for c in count]
    unit_of = [units.get(m) or "no unit" for m in metrics]
    if fmt == "markdown":
        import pandas

        table = pandas.DataFrame(
            {f"{labels.get(m, m)} ({u})": ["—" if not np.isfinite(mean) else
                                          f"{_number(mean, digits)} ± {_number(half, digits)}"
                                          for mean, half in column] for m, u, column in zip(metrics, unit_of, cells,
                                                                                            strict=True)})
        table.insert(0, "param", [p for _, p in index])
        table.insert(0, "move", [m for m, _ in index])
        table["n (photos)"] = counts
        return str(table.to_markdown(index=False, floatfmt="g"))
    return _latex(index, metrics, cells, counts, digits, level, labels, unit_of)


def _latex(index: Sequence[tuple[str, float]], metrics: Sequence[str], cells: Sequence[Sequence[tuple[float, float]]],
           counts: Sequence[int], digits: int, level: float, labels: Mapping[str, str], units: Sequence[str]) -> str:
    def value(mean: float, half: float) -> str:
        return "--" if not np.isfinite(mean) else f"${_number(mean, digits)} \\pm {_number(half, digits)}$"

    head = ["move", "param", *(labels.get(m, latex_escape(m)) for m in metrics), "$n$"]
    unit_row = ["", "", *(f"({latex_escape(u)})" for u in units), "(photos)"]
    lines = [f"% gp_widgets study table: needs \\usepackage{{{','.join(LATEX_PACKAGES)}}} in the preamble",
             r"\begin{table}", r"\centering",
             f"\\caption{{Mean over photos $\\pm$ half-width of the {latex_escape(f'{level:.0%}')} t-interval.}}",
             f"\\begin{{tabular}}{{ll{'r' * (len(metrics) + 1)}}}", r"\toprule",
             " & ".join(head) + r" \\", " & ".join(unit_row) + r" \\", r"\midrule"]
    previous = None
    for row, (move, param) in enumerate(index):
        if previous is not None and move != previous:
            lines.append(r"\midrule")
        values = [value(*column[row]) for column in cells]
        name = latex_escape(str(move)) if move != previous else ""
        lines.append(" & ".join([name, f"${param:g}$", *values, str(counts[row])]) + r" \\")
        previous = move
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"
