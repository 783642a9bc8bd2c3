"""Figures of comparisons and studies for a paper: difference curves, the trade-off curve, accuracy at an
identity budget and the leakage matrix; and saving at a column width with fonts embedded.

Each draws a tidy table (:mod:`.compare`, :mod:`.effects`), never a widget or a run, so it works in a plain
script and on a loaded Parquet file. matplotlib is imported when a figure is drawn.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..analysis.metrics import label
from ..plots import PAPER_RC

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

__all__ = ["COLUMN_INCHES", "accuracy_figure", "difference_figure", "leakage_figure", "save_paper",
           "tradeoff_figure"]

COLUMN_INCHES = {"column": 3.5, "page": 7.16}
"""A two-column paper's single column and full text width (IEEE / ACM), in inches."""


def _wrap(text: str, width: int = 64) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _new(panels: int, height: float = 2.6, dpi: int = 100) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    if panels > 1:  # several metrics: at most three panels a row
        from ..plots import panel_grid

        return panel_grid(panels, 3.2, height, dpi)
    fig = Figure(figsize=(4.2, height), dpi=dpi, layout="constrained")
    return fig, fig.subplots(1, 1, squeeze=False)[0]


def difference_figure(table: pandas.DataFrame, metrics: Sequence[str], *, title: str = "",
                      dpi: int = 100) -> Figure:
    """Per metric a panel; per move ``diff`` against param with its interval as a band, a filled marker
    where the cell survives the correction, a hollow one where it does not; zero as a dashed line."""
    from matplotlib import rc_context

    with rc_context(PAPER_RC):
        fig, axes = _new(len(metrics), dpi=dpi)
        for ax, metric in zip(axes, metrics, strict=False):
            rows = table[table["metric"] == metric]
            ax.axhline(0, color="#888888", linewidth=0.8, linestyle="--")
            for move, line in rows.groupby("move", sort=True):
                line = line.sort_values("param")
                x = line["param"].to_numpy(float)
                drawn = ax.plot(x, line["diff"], linewidth=1.2, label=f"{move} (n={int(line['n'].max())})")
                color = drawn[0].get_color()
                ax.fill_between(x, line["low"].to_numpy(float), line["high"].to_numpy(float), alpha=0.2,
                                color=color, linewidth=0)
                hit = line["significant"].to_numpy(bool)
                ax.plot(x[hit], line["diff"].to_numpy(float)[hit], "o", color=color, markersize=4)
                ax.plot(x[~hit], line["diff"].to_numpy(float)[~hit], "o", color=color, markersize=4,
                        markerfacecolor="white")
            ax.set_title(label(metric))
            ax.set_xlabel("param")
            ax.grid(alpha=0.3)
            if len(rows):
                ax.legend(fontsize=7)
            else:
                ax.text(0.5, 0.5, "no paired cells yet", ha="center", va="center", transform=ax.transAxes)
        fig.supylabel("b − a, mean over photos (95% band)")
        key = "● survives the correction   ○ does not"
        fig.suptitle(f"{title}\n{key}" if title else key, fontsize=8)
    return fig


def tradeoff_figure(table: pandas.DataFrame, *, target: str, identity: str, threshold: float | None = None,
                    title: str = "", dpi: int = 100) -> Figure:
    """The cost of an edit: per move, mean target response (y) against mean identity distance (x), a point
    per param joined in param order, 95% intervals on both axes; the identity threshold as a vertical line."""
    from matplotlib import rc_context

    with rc_context(PAPER_RC):
        fig, (ax,) = _new(1, height=3.0, dpi=dpi)
        for move, line in table.groupby("move", sort=True):
            line = line.sort_values("param")
            x, y = line["x"].to_numpy(float), line["y"].to_numpy(float)
            xerr = np.abs(np.vstack([x - line["x_low"].to_numpy(float), line["x_high"].to_numpy(float) - x]))
            yerr = np.abs(np.vstack([y - line["y_low"].to_numpy(float), line["y_high"].to_numpy(float) - y]))
            drawn = ax.errorbar(x, y, xerr=np.nan_to_num(xerr), yerr=np.nan_to_num(yerr), marker="o",
                                markersize=3, linewidth=1.2, elinewidth=0.7, capsize=1.5,
                                label=f"{move} (n={int(line['n'].max())})")
            color = drawn[0].get_color()
            for px, py, param in zip(x, y, line["param"], strict=True):
                ax.annotate(f"{param:g}", (px, py), textcoords="offset points", xytext=(3, 3), fontsize=6,
                            color=color)
        if threshold is not None:
            ax.axvline(threshold, color="#b00020", linewidth=0.8, linestyle="--", label=f"threshold {threshold:g}")
        ax.set_xlabel(f"{label(identity)} (cost)")
        ax.set_ylabel(f"{label(target)} (response)")
        ax.grid(alpha=0.3)
        if len(table):
            ax.legend(fontsize=7)
        else:
            ax.text(0.5, 0.5, "no completed variants yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(_wrap(title or "Trade-off: response against identity cost (point labels: param)"), fontsize=8)
    return fig


def accuracy_figure(table: pandas.DataFrame, *, title: str = "", dpi: int = 100) -> Figure:
    """Editing accuracy: per move the share of photos that succeed against param, with its binomial
    interval as a band, between 0 and 1."""
    from matplotlib import rc_context

    with rc_context(PAPER_RC):
        fig, (ax,) = _new(1, height=2.8, dpi=dpi)
        for move, line in table.groupby("move", sort=True):
            line = line.sort_values("param")
            x = line["param"].to_numpy(float)
            drawn = ax.plot(x, line["accuracy"], marker="o", markersize=3, label=f"{move} (n={int(line['n'].max())})")
            ax.fill_between(x, line["low"].to_numpy(float), line["high"].to_numpy(float), alpha=0.2,
                            color=drawn[0].get_color(), linewidth=0)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("param")
        ax.set_ylabel("share of photos edited within budget")
        ax.grid(alpha=0.3)
        if len(table):
            ax.legend(fontsize=7)
        else:
            ax.text(0.5, 0.5, "no completed variants yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(_wrap(title), fontsize=8)
    return fig


def leakage_figure(matrix: pandas.DataFrame, *, title: str = "", dpi: int = 100) -> Figure:
    """The leakage matrix as a heat map: moves (rows) × measured attributes (columns), each cell the
    standardised mean change, written in the cell; a diverging scale centred on zero."""
    from matplotlib import rc_context

    with rc_context(PAPER_RC):
        rows, cols = matrix.shape
        fig, (ax,) = _new(1, height=1.0 + 0.35 * max(1, rows), dpi=dpi)
        fig.set_figwidth(1.8 + 1.0 * max(1, cols))
        values = matrix.to_numpy(float)
        finite = np.abs(values[np.isfinite(values)])
        limit = float(np.clip(finite.max(), 0.5, 10.0)) if finite.size else 1.0
        image = ax.imshow(np.clip(values, -limit, limit), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        for (r, c), v in np.ndenumerate(values):
            text = "—" if not np.isfinite(v) else (f"{v:+.1f}" if abs(v) < 100 else f"{v:+.0e}")
            ax.text(c, r, text, ha="center", va="center", fontsize=7,
                    color="white" if np.isfinite(v) and abs(v) > 0.6 * limit else "black")
        ax.set_xticks(range(cols), [_wrap(label(str(c)), 18) for c in matrix.columns], fontsize=6)
        ax.set_yticks(range(rows), [str(i) for i in matrix.index])
        fig.colorbar(image, ax=ax, label="d = mean / sd", shrink=0.9)
        ax.set_title(_wrap(title, 60), fontsize=8)
    return fig


def save_paper(fig: Figure, path: str | os.PathLike[str], *, width: Literal["column", "page"] | float = "column",
               dpi: int = 300) -> Path:
    """Save ``fig`` for a paper: scaled to a column (3.5 in) or page (7.16 in) width keeping its aspect, as
    vector PDF or SVG (by suffix; PNG at ``dpi``), TrueType fonts embedded (``pdf.fonttype`` 42), text kept
    as text in SVG."""
    from matplotlib import rc_context

    inches = COLUMN_INCHES[width] if isinstance(width, str) else float(width)
    w, h = fig.get_size_inches()
    fig.set_size_inches(inches, h * inches / w)
    path = Path(path)
    with rc_context(PAPER_RC):
        fig.savefig(path, dpi=dpi, bbox_inches="tight", facecolor="white")
    return path
