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

from ..analysis.metrics import BUILTIN_NAMES, BUILTINS, pick
from ..api.constants import CellStatus
from .paired import BinomialMethod, binomial_interval

if TYPE_CHECKING:
    import pandas

__all__ = ["LEAKAGE_ATTRIBUTES", "accuracy", "leakage", "metric_for", "paper_table", "photo_means", "tradeoff"]

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


def tradeoff(frame: pandas.DataFrame, target: str, identity: str, level: float = 0.95) -> pandas.DataFrame:
    """Per move × param: ``y`` the mean target response and ``x`` the mean identity distance over photos,
    each with its Student-t interval (``y_low``…``y_high``, ``x_low``…``x_high``), and ``n`` photos."""
    per_photo = photo_means(frame, [target, identity])
    y, x = _intervals(per_photo, target, level), _intervals(per_photo, identity, level)
    out = y[["mean", "low", "high"]].rename(columns={"mean": "y", "low": "y_low", "high": "y_high"})
    out = out.join(x[["mean", "low", "high"]].rename(columns={"mean": "x", "low": "x_low", "high": "x_high"}))
    out["n"] = np.minimum(y["count"], x["count"])
    return out.reset_index()


def accuracy(frame: pandas.DataFrame, target: str, identity: str, *, delta: float, threshold: float,
             signed: bool | None = None, level: float = 0.95, method: BinomialMethod = "wilson") -> pandas.DataFrame:
    """Editing accuracy per move × param: the share of photos whose target moved by at least ``delta`` while
    identity stayed under ``threshold``, with a binomial interval (Wilson or Clopper–Pearson).

    ``signed``: the target must move *in the direction of the param* (``sign(param) · target ≥ delta``), as a
    signed score such as Δ smile; unsigned, its size counts (``|target| ≥ delta``), as for a magnitude such
    as ``mad_face``. By default signed when the target takes negative values. A photo with either value
    missing is left out of that cell's count.
    """
    per_photo = photo_means(frame, [target, identity]).dropna(subset=[target, identity])
    values = per_photo[target].to_numpy(float)
    if signed is None:
        signed = bool((values < 0).any())
    moved = np.sign(per_photo["param"].to_numpy(float)) * values if signed else np.abs(values)
    per_photo = per_photo.assign(success=(moved >= delta) & (per_photo[identity].to_numpy(float) < threshold))
    grouped = per_photo.groupby(["move", "param"], sort=True)["success"].agg(["sum", "count"]).reset_index()
    k, n = grouped["sum"].to_numpy(float), grouped["count"].to_numpy(float)
    low, high = binomial_interval(k, n, level, method)
    return grouped.rename(columns={"sum": "successes", "count": "n"}).assign(
        accuracy=np.where(n > 0, k / np.maximum(n, 1), np.nan), low=low, high=high)


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


def paper_table(frame: pandas.DataFrame, metrics: Sequence[str], *, fmt: Literal["markdown", "latex"] = "markdown",
                digits: int = 3, level: float = 0.95, labels: Mapping[str, str] | None = None) -> str:
    """Means ± half-width of the ``level`` t-interval over photos, per move × param (rows) × metric (columns),
    as Markdown (pandas' ``to_markdown``, needs ``tabulate``) or LaTeX (``Styler.to_latex`` with booktabs
    rules); ``n`` photos in the last column."""
    per_photo = photo_means(frame, metrics)
    columns: dict[str, Any] = {}
    count = None
    for metric in metrics:
        iv = _intervals(per_photo, metric, level)
        half = (iv["high"] - iv["mean"]).to_numpy(float)
        columns[(labels or {}).get(metric, metric)] = [
            "—" if not np.isfinite(m) else f"{m:.{digits}f} ± {h:.{digits}f}" for m, h in zip(iv["mean"], half,
                                                                                               strict=True)]
        count = iv["count"] if count is None else np.maximum(count, iv["count"])
    import pandas

    index = per_photo.groupby(["move", "param"], sort=True).size().index
    table = pandas.DataFrame(columns, index=index)
    table["n"] = [] if count is None else np.asarray(count, dtype=int)
    if fmt == "markdown":
        return str(table.reset_index().to_markdown(index=False, floatfmt="g"))
    if fmt == "latex":
        if any("±" in str(v) for v in table.to_numpy().ravel()):
            table = table.map(lambda v: str(v).replace("±", r"$\pm$").replace("—", "--"))
        styler = table.style.format_index(lambda v: f"{v:g}" if isinstance(v, float) else str(v), axis=0)
        caption = f"Mean over photos $\\pm$ half-width of the {level:.0%} t-interval.".replace("%", r"\%")
        return str(styler.to_latex(hrules=True, clines="skip-last;data", caption=caption,
                                   column_format="ll" + "r" * len(table.columns)))
    raise ValueError(f"fmt must be 'markdown' or 'latex', got {fmt!r}")
