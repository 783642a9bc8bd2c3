"""Figures of comparisons and studies for a paper: difference curves, the trade-off curve, accuracy at an
identity budget and the leakage matrix; and saving at a column width with fonts embedded.

Each draws a tidy table (:mod:`.compare`, :mod:`.effects`), never a widget or a run, so it works in a plain
script and on a loaded Parquet file. matplotlib is imported when a figure is drawn.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis.metrics import label
from ..figure_layout import (
    FONT,
    RC,
    WIDTHS,
    Width,
    axis_label,
    colours,
    constrained,
    finish,
    for_width,
    grid,
    inches,
    panel_titles,
    rebuildable,
    wrap,
)
from ..files import write_atomic
from .effects import no_target_note

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

__all__ = ["COLUMN_INCHES", "accuracy_figure", "difference_figure", "leakage_figure", "save_paper",
           "tradeoff_figure"]

COLUMN_INCHES = {"column": WIDTHS["column"], "page": WIDTHS["page"]}
"""A two-column paper's single column and its text width, in inches."""

PARAM = "param"


def _n(table: pandas.DataFrame, move: str) -> int:
    rows = table[table["move"] == move]
    return int(rows["n"].max()) if len(rows) else 0


def _move_handles(table: pandas.DataFrame, colour: dict[str, Any], **style: Any) -> tuple[list[Any], list[str]]:
    from matplotlib.lines import Line2D

    moves = list(colour)
    return ([Line2D([], [], color=colour[m], **style) for m in moves], [f"{m} (n={_n(table, m)})" for m in moves])


def difference_figure(table: pandas.DataFrame, metrics: Sequence[str], *, title: str = "",
                      units: Mapping[str, str] | None = None, dpi: int = 100, width: Width = "screen") -> Figure:
    """Per metric a panel; per move ``diff`` against param with its interval as a band, a filled marker
    where the cell survives the correction, a hollow one where it does not; zero as a dashed line."""
    from matplotlib import rc_context
    from matplotlib.lines import Line2D

    units = dict(units or {})
    with rc_context(RC):
        titles = panel_titles([label(m) for m in metrics], width)
        fig, axes = grid(len(metrics), width, dpi=dpi, title_lines=max(t.count("\n") + 1 for t in titles))
        colour = colours(sorted({str(m) for m in table["move"]}))
        for ax, metric, heading in zip(axes, metrics, titles, strict=False):
            rows = table[table["metric"] == metric]
            ax.axhline(0, color="#888888", linewidth=0.8, linestyle="--")
            for move, line in rows.groupby("move", sort=True):
                line = line.sort_values("param")
                x, y = line["param"].to_numpy(float), line["diff"].to_numpy(float)
                c = colour[str(move)]
                ax.plot(x, y, linewidth=1.2, color=c, label=f"{move} (n={int(line['n'].max())})")
                ax.fill_between(x, line["low"].to_numpy(float), line["high"].to_numpy(float), alpha=0.2, color=c,
                                linewidth=0)
                hit = line["significant"].to_numpy(bool)
                ax.plot(x[hit], y[hit], "o", color=c, markersize=3.5)
                ax.plot(x[~hit], y[~hit], "o", color=c, markersize=3.5, markerfacecolor="white")
            ax.set_title(heading)
            ax.set_xlabel(PARAM)
            ax.set_ylabel(axis_label("b − a", units.get(metric, "")))
            ax.grid(alpha=0.3)
            if not len(rows):
                ax.text(0.5, 0.5, "no paired cells yet", ha="center", va="center", transform=ax.transAxes)
        handles, labels = _move_handles(table, colour, linewidth=1.2)
        handles += [Line2D([], [], color="#444444", marker="o", linestyle="none", markersize=3.5),
                    Line2D([], [], color="#444444", marker="o", linestyle="none", markersize=3.5,
                           markerfacecolor="white")]
        labels += ["survives the correction", "does not"]
        finish(fig, title=title, lines=["mean difference over photos, band: its 95% t-interval"],
               handles=handles, labels=labels)
    return rebuildable(fig, difference_figure, table=table, metrics=metrics, title=title, units=units, dpi=dpi)


def tradeoff_figure(table: pandas.DataFrame, *, identity: str, threshold: float | None = None, title: str = "",
                    units: Mapping[str, str] | None = None, dpi: int = 100, width: Width = "screen") -> Figure:
    """The cost of an edit: a panel per target measure; in it, per move scored by that measure, its mean
    response (y) against mean identity distance (x), a point per param joined in param order (the marker grows
    with |param|), 95% intervals on both axes; the identity threshold as a vertical line. Moves without a
    target measure are named above the panels."""
    from matplotlib import rc_context
    from matplotlib.lines import Line2D

    units = dict(units or {})
    scored = table[table["target"].notna()] if len(table) else table
    targets = sorted({str(t) for t in scored["target"]}) if len(scored) else []
    missing = sorted({str(m) for m in table["move"]} - {str(m) for m in scored["move"]}) if len(table) else []
    with rc_context(RC):
        titles = panel_titles([f"{label(t)}" for t in targets] or ["no move has a target measure"], width)
        fig, axes = grid(len(titles), width, aspect=0.8, dpi=dpi,
                         title_lines=max(t.count("\n") + 1 for t in titles))
        colour = colours(sorted({str(m) for m in table["move"]})) if len(table) else {}
        top = float(np.nanmax(np.abs(table["param"].to_numpy(float)))) if len(table) else 1.0
        panel_targets: list[str | None] = list(targets) or [None]
        for ax, heading, target in zip(axes, titles, panel_targets, strict=False):
            rows = scored[scored["target"] == target] if target is not None else scored.iloc[:0]
            for move, line in rows.groupby("move", sort=True):
                line = line.sort_values("param")
                x, y = line["x"].to_numpy(float), line["y"].to_numpy(float)
                xerr = np.abs(np.vstack([x - line["x_low"].to_numpy(float), line["x_high"].to_numpy(float) - x]))
                yerr = np.abs(np.vstack([y - line["y_low"].to_numpy(float), line["y_high"].to_numpy(float) - y]))
                c = colour[str(move)]
                ax.errorbar(x, y, xerr=np.nan_to_num(xerr), yerr=np.nan_to_num(yerr), color=c, linewidth=1.0,
                            elinewidth=0.6, capsize=1.2, label=f"{move} (n={int(line['n'].max())})")
                size = 6 + 30 * np.abs(line["param"].to_numpy(float)) / max(top, 1e-9)
                ax.scatter(x, y, s=size, color=c, zorder=3, linewidths=0)
            if threshold is not None:
                ax.axvline(threshold, color="#b00020", linewidth=0.8, linestyle="--")
            ax.set_title(heading)
            ax.set_xlabel(axis_label(f"{label(identity)}, cost", units.get(identity, "")))
            ax.set_ylabel(axis_label("response", units.get(target, "")) if target else "response")
            ax.grid(alpha=0.3)
            if not len(rows):
                ax.text(0.5, 0.5, "no completed variants yet" if target else "nothing to show",
                        ha="center", va="center", transform=ax.transAxes)
        shown = {str(m): c for m, c in colour.items() if m not in missing}
        handles, labels = _move_handles(table, shown, marker="o", markersize=3, linewidth=1.0)
        if threshold is not None:
            handles.append(Line2D([], [], color="#b00020", linewidth=0.8, linestyle="--"))
            labels.append(f"same-person threshold {threshold:g}")
        lines = ["points: params in order, the marker grows with |param|; bars: 95% t-intervals",
                 no_target_note(missing)]
        finish(fig, title=title or "Trade-off: each move's response against its identity cost", lines=lines,
               handles=handles, labels=labels)
    return rebuildable(fig, tradeoff_figure, table=table, identity=identity, threshold=threshold, title=title,
                       units=units, dpi=dpi)


def accuracy_figure(table: pandas.DataFrame, *, title: str = "", dpi: int = 100, width: Width = "screen") -> Figure:
    """Editing accuracy: per move with a target the share of photos that succeed against param, with its
    binomial interval as a band, between 0 and 1; moves without a target are named above the panel."""
    from matplotlib import rc_context

    has = table[table["target"].notna()] if len(table) else table
    missing = sorted({str(m) for m in table["move"]} - {str(m) for m in has["move"]}) if len(table) else []
    with rc_context(RC):
        fig, (ax,) = grid(1, width, aspect=0.55, dpi=dpi)
        colour = colours(sorted({str(m) for m in has["move"]})) if len(has) else {}
        for move, line in has.groupby("move", sort=True):
            line = line.sort_values("param")
            x = line["param"].to_numpy(float)
            ax.plot(x, line["accuracy"], marker="o", markersize=3, color=colour[str(move)])
            ax.fill_between(x, line["low"].to_numpy(float), line["high"].to_numpy(float), alpha=0.2,
                            color=colour[str(move)], linewidth=0)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(PARAM)
        ax.set_ylabel("share of photos (0–1)")
        ax.grid(alpha=0.3)
        if not len(has):
            ax.text(0.5, 0.5, "no move has a target measure" if len(table) else "no completed variants yet",
                    ha="center", va="center", transform=ax.transAxes)
        handles, labels = _move_handles(has, colour, marker="o", markersize=3)
        targets = has.groupby("move", sort=True)["target"].first() if len(has) else {}
        labels = [f"{lab}, by {targets[m]}" for lab, m in zip(labels, colour, strict=True)]
        finish(fig, title=title, lines=[no_target_note(missing)], handles=handles, labels=labels)
    return rebuildable(fig, accuracy_figure, table=table, title=title, dpi=dpi)


def _cell_text(value: float, beyond: bool) -> str:
    if not np.isfinite(value):
        return "—"
    text = f"{value:+.1f}" if abs(value) < 100 else f"{value:+.0f}" if abs(value) < 1000 else f"{value:+.0e}"
    return f"{text}▸" if beyond else text


def leakage_figure(matrix: pandas.DataFrame, *, cost: pandas.Series | None = None, cost_label: str = "",
                   units: Mapping[str, str] | None = None, title: str = "", dpi: int = 100,
                   width: Width = "screen") -> Figure:
    """The leakage matrix as a heat map: moves (rows) × measured attributes (columns), each cell the
    standardised mean change, written in the cell; a diverging scale centred on zero, capped at ±10: a cell
    beyond it is marked ▸ and framed, and the colour bar's ends point on. ``cost`` (per move, identity
    distance) is drawn beside it on its own sequential scale, in its unit: a cost, not a leakage."""
    from matplotlib import rc_context
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    units = dict(units or {})
    rows, cols = matrix.shape
    w = inches(width)
    values = matrix.to_numpy(float)
    finite = np.abs(values[np.isfinite(values)])
    limit = float(np.clip(finite.max(), 0.5, 10.0)) if finite.size else 1.0
    beyond = np.isfinite(values) & (np.abs(values) > limit)
    has_cost = cost is not None and len(cost) > 0
    with rc_context(RC):
        cell_in = (w - 1.1) * (cols / (cols + (0.9 if has_cost else 0))) / max(1, cols)
        longest = max((len(word) for c in matrix.columns for word in label(str(c)).split()), default=1)
        turn = cell_in < 0.55 or longest * (FONT - 0.5) * 0.6 / 72 > cell_in - 0.05  # names that do not fit run upwards
        ticks = [wrap(label(str(c)), 2.0 if turn else cell_in - 0.05, FONT - 0.5) for c in matrix.columns]
        tick_in = max((t.count("\n") + 1) * 0.11 if not turn else max(len(x) for x in t.split("\n")) * 0.055
                      for t in ticks) if cols else 0.2
        height = 1.45 + 0.24 * max(1, rows) + tick_in
        fig = Figure(figsize=(w, height), dpi=dpi, layout=constrained())
        ratios = [max(1, cols), 0.9] if has_cost else [1]
        axes = fig.subplots(1, len(ratios), width_ratios=ratios, squeeze=False)[0]
        ax = axes[0]
        norm = Normalize(-limit, limit, clip=True)
        image = ax.imshow(values, cmap="RdBu_r", norm=norm, aspect="auto")
        cell_in = (w - 1.2) * (cols / (cols + (1.1 if has_cost else 0))) / max(1, cols)
        size = float(np.clip(cell_in * 72 / 4.0, 4.5, FONT))
        for (r, c), v in np.ndenumerate(values):
            ax.text(c, r, _cell_text(v, bool(beyond[r, c])), ha="center", va="center", fontsize=size,
                    color="white" if np.isfinite(v) and abs(v) > 0.6 * limit else "black",
                    fontweight="bold" if beyond[r, c] else "normal")
            if beyond[r, c]:
                ax.add_patch(Rectangle((c - 0.46, r - 0.46), 0.92, 0.92, fill=False, edgecolor="black",
                                       linewidth=1.2))
        ax.set_xticks(range(cols), ticks, rotation=90 if turn else 0)
        ax.set_yticks(range(rows), [str(i) for i in matrix.index])
        ax.set_xlabel("attribute")
        ax.set_ylabel("move")
        if has_cost:
            assert cost is not None
            side = axes[1]
            known = cost.reindex(matrix.index).to_numpy(float)
            top = float(np.nanmax(known)) if np.isfinite(known).any() else 1.0
            side.imshow(known[:, None], cmap="Purples", vmin=0, vmax=max(top, 1e-9) * 1.25, aspect="auto")
            for r, v in enumerate(known):
                side.text(0, r, "—" if not np.isfinite(v) else f"{v:.2f}", ha="center", va="center", fontsize=size)
            unit = units.get(cost_label) or "no unit given"
            side.set_xticks([0], [wrap(f"{label(cost_label)} ({unit})", 1.1 if turn else 0.8, FONT - 0.5)],
                            rotation=90 if turn else 0)
            side.set_yticks([])
            side.set_xlabel("cost")
        bar = fig.colorbar(image, ax=list(axes), location="bottom", shrink=0.8, aspect=40,
                           extend="both" if beyond.any() else "neither")
        bar.set_label(wrap(f"d = mean change / sd over photos, scale ±{limit:.3g}"
                           + ("; ▸ framed: beyond it" if beyond.any() else ""), 0.7 * w, FONT))
        finish(fig, title=title)
    return rebuildable(fig, leakage_figure, matrix=matrix, cost=cost, cost_label=cost_label, units=units,
                       title=title, dpi=dpi)


def save_paper(fig: Figure, path: str | os.PathLike[str], *, width: Width = "column", dpi: int = 300) -> Path:
    """Save ``fig`` for a paper at a column (3.3 in) or page (7 in) width — drawn again for that width when the
    project made it (:func:`~gp_widgets.figure_layout.for_width`), else scaled keeping its aspect — as vector
    PDF or SVG (by suffix; PNG at ``dpi``), TrueType fonts embedded (``pdf.fonttype`` 42), text kept as text
    in SVG. Written with the user's umask, atomically."""
    import io

    from matplotlib import rc_context

    fig = for_width(fig, width)
    path = Path(path)
    out = io.BytesIO()
    with rc_context(RC):
        fig.savefig(out, format=path.suffix.lstrip(".").lower() or "png", dpi=dpi, facecolor="white")
    write_atomic(path, out.getvalue(), private=False)
    return path
