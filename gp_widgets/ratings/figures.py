"""Figures of human judgments for a paper, drawn from the tables of :class:`~.ratings.Ratings`:

- 2afc: per cell the share choosing the second of the pair with its Wilson interval (filled: differs from ½
  after Benjamini–Hochberg), and Bradley–Terry strengths when more than two conditions meet;
- mos: the mean score against param per move with its t-interval;
- same-person: the share answering "same person" against param and, given the study, against identity
  distance with the logistic fit and the distance where half stop recognising the person (its interval shaded).

matplotlib is imported when a figure is drawn; save with :func:`gp_widgets.studies.figures.save_paper`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..plots import PAPER_RC

if TYPE_CHECKING:
    import pandas
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .ratings import Ratings

__all__ = ["ALPHA", "ratings_figure"]

ALPHA = 0.05
"""The false discovery rate at which a 2afc cell's marker is filled."""


def _new(panels: int, dpi: int) -> tuple[Figure, list[Axes]]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.3 * panels if panels > 1 else 4.2, 2.8), dpi=dpi, layout="constrained")
    return fig, list(fig.subplots(1, panels, squeeze=False)[0])


def _cell_labels(table: pandas.DataFrame) -> list[str]:
    if table["param"].notna().all():
        return [f"{m} {p:g}" for m, p in zip(table["move"], table["param"], strict=True)]
    return [f"{m} {a} vs {b}" for m, a, b in zip(table["move"], table["a"], table["b"], strict=True)]


def preference_axes(ax: Axes, table: pandas.DataFrame) -> None:
    """Shares of the second with Wilson intervals, one row per cell; ½ dashed."""
    y = np.arange(len(table))[::-1]
    share = table["share_b"].to_numpy(float)
    err = np.vstack([share - table["low"].to_numpy(float), table["high"].to_numpy(float) - share])
    ax.axvline(0.5, color="#888888", linewidth=0.8, linestyle="--")
    ax.errorbar(share, y, xerr=err, fmt="none", ecolor="C0", elinewidth=1, capsize=2)
    hit = np.nan_to_num(table["p_adj"].to_numpy(float), nan=1.0) <= ALPHA
    ax.plot(share[hit], y[hit], "o", color="C0", markersize=4)
    ax.plot(share[~hit], y[~hit], "o", color="C0", markersize=4, markerfacecolor="white")
    ax.set_yticks(y, _cell_labels(table))
    ax.set_xlim(0, 1)
    ax.set_xlabel("share choosing the second (95% Wilson)")
    ax.grid(alpha=0.3, axis="x")


def strengths_axes(ax: Axes, table: pandas.DataFrame) -> None:
    """Bradley–Terry log-strengths with their intervals, per move against condition."""
    for move, rows in table.groupby("move", sort=True):
        x = np.arange(len(rows))
        theta = rows["theta"].to_numpy(float)
        err = np.vstack([theta - rows["low"].to_numpy(float), rows["high"].to_numpy(float) - theta])
        ax.errorbar(x, theta, yerr=err, fmt="o-", markersize=4, linewidth=1, capsize=2, label=str(move))
        ax.set_xticks(x, list(rows["condition"]))
    ax.axhline(0, color="#888888", linewidth=0.8, linestyle="--")
    ax.set_xlabel("condition")
    ax.set_ylabel("Bradley–Terry strength (log)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def _by_param(ax: Axes, table: pandas.DataFrame, column: str, ylabel: str) -> None:
    for move, rows in table.groupby("move", sort=True):
        x = rows["param"].to_numpy(float)
        drawn = ax.plot(x, rows[column], "o-", markersize=4, linewidth=1.2,
                        label=f"{move} (n={int(rows['n'].max())})")
        ax.fill_between(x, rows["low"].to_numpy(float), rows["high"].to_numpy(float), alpha=0.2,
                        color=drawn[0].get_color(), linewidth=0)
    params = np.unique(table["param"].to_numpy(float))
    if len(params) <= 9:
        ax.set_xticks(params, [f"{p:g}" for p in params])
    ax.set_xlabel("param")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def recognition_axes(ax: Axes, ratings: Ratings, study: Any, metric: str = "identity") -> None:
    """Per variant the share answering "same person" against its ``metric`` distance, the logistic fit, and
    the distance at which half stop recognising the person (its interval shaded)."""
    frame = ratings.with_metric(study, metric)
    fit = ratings.recognition(study, metric)
    per = frame.groupby("variant_id").agg(x=(metric, "first"), y=("value", "mean"), n=("value", "size"))
    ax.scatter(per["x"], per["y"], s=8 + 2 * per["n"], alpha=0.6, color="C0", linewidths=0)
    grid = np.linspace(float(per["x"].min()), float(per["x"].max()), 200)
    ax.plot(grid, 1 / (1 + np.exp(-(fit.b0 + fit.b1 * grid))), color="C1", linewidth=1.2, label="logistic fit")
    if np.isfinite(fit.x50):
        ax.axvspan(fit.low, fit.high, color="C1", alpha=0.15, linewidth=0)
        ax.axvline(fit.x50, color="C1", linewidth=0.8, linestyle="--",
                   label=f"half recognise: {fit.x50:.2f} [{fit.low:.2f}, {fit.high:.2f}]")
    ax.axhline(0.5, color="#888888", linewidth=0.8, linestyle=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"{metric} distance")
    ax.set_ylabel("share answering same person")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def ratings_figure(ratings: Ratings, *, study: Any = None, dpi: int = 100) -> Figure:
    """The design's figure (see the module's docstring), titled with the raters kept and excluded."""
    from matplotlib import rc_context

    kind = ratings.design.kind
    with rc_context(PAPER_RC):
        if kind == "2afc":
            strengths = ratings.strengths()
            fig, axes = _new(2 if len(strengths) else 1, dpi)
            preference_axes(axes[0], ratings.preference())
            if len(strengths):
                strengths_axes(axes[1], strengths)
        elif kind == "mos":
            fig, axes = _new(1, dpi)
            _by_param(axes[0], ratings.mos(), "mean", "mean opinion score (95% t)")
            axes[0].set_ylim(1, 5)
        else:
            fig, axes = _new(2 if study is not None else 1, dpi)
            _by_param(axes[0], ratings.same_person(), "share", "share answering same person (95% Wilson)")
            axes[0].set_ylim(0, 1)
            if study is not None:
                recognition_axes(axes[1], ratings, study)
        raters = ratings.raters()
        excluded = int(raters["excluded"].sum())
        alpha = ratings.agreement()
        fig.suptitle(f"{ratings.design.question}\n{len(raters) - excluded} raters kept, {excluded} excluded "
                     f"by catch trials · Krippendorff's α = {alpha:.2f}", fontsize=8)
    return fig
