"""Figures of results: a sweep's labelled contact sheet, metric curves and GIF, a study's curves, a calibration
(matplotlib imported lazily, Agg-safe).

Each takes its result by its shape (the protocols below), never a widget and never a result class, so they work
in a plain script, during a run, and on a loaded manifest or table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PIL import Image, ImageDraw

from .analysis.metrics import label, pick
from .analysis.views import DIFF_CMAP, View
from .editing.labels import signed
from .figure_layout import (
    FONT,
    RC,
    Width,
    axis_label,
    colours,
    columns,
    finish,
    grid,
    inches,
    panel_titles,
    rebuildable,
    wrap,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

__all__ = ["PANELS", "CalibrationShape", "CurveShape", "SweepShape", "animate", "calibration_figure", "contact_sheet",
           "param_label", "research_plot", "save_figure", "study_figure"]



class SweepShape(Protocol):
    """What a sweep's figures read (a :class:`~gp_widgets.sweeps.result.SweepResult` has it): its spec
    (``params``, ``rows``, ``row_label``), metric names, tiles, series and identity budget."""

    spec: Any
    metric_names: tuple[str, ...]

    def tile_rows(self, max_side: int, view: View = ...) -> tuple[list[list[Any]], float | None]: ...
    def title(self) -> str: ...
    def series(self, metric: str) -> dict[Any, list[tuple[float, float]]]: ...
    def identity_budget(self, threshold: float = ...) -> dict[str, tuple[float | None, float | None]]: ...


class CurveShape(Protocol):
    """A point of a study's curve: move, metric, param and an ``interval`` with mean, low, high and n."""

    @property
    def move(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def param(self) -> float: ...
    @property
    def interval(self) -> Any: ...


class CalibrationShape(Protocol):
    """What a calibration's figure reads: move, metric, threshold, limit, photos (``index``, ``side(sign)``)
    and ``summary()`` by sign."""

    @property
    def move(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def threshold(self) -> float: ...
    @property
    def limit(self) -> float: ...
    @property
    def photos(self) -> Sequence[Any]: ...

    def summary(self) -> dict[int, Any]: ...


def param_label(param: float) -> str:
    """``+0.5``, ``0``, ``−1`` — compact, signed, with the slider's minus sign."""
    return "0" if param == 0 else signed(param, "+g")


PANELS = {
    "target": "Target response: does the edit do what it says?",
    "identity": "Identity: still the same person?",
    "leakage": "Leakage: what else changed?",
}
PAPER_RC: dict[RcKeyType, Any] = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "font.size": 8}


def contact_sheet(result: SweepShape, *, view: View = "face", title: str | None = None, cell_inches: float = 1.4,
                  dpi: int = 150) -> Figure:
    """Rows (moves) × columns (params) of variants in ``view``; a failed cell is a grey cell labelled with
    its code; the ``"diff"`` view adds the colour bar of its one scale."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    spec = result.spec
    cells, diff_scale = result.tile_rows(max(64, round(cell_inches * dpi)), view)
    row_labels = [spec.row_label(r) for r in spec.rows]
    col_labels = [param_label(p) for p in spec.params]
    title = result.title() if title is None else title
    n_rows, n_cols = len(row_labels), len(col_labels)
    with rc_context(PAPER_RC):
        fig = Figure(figsize=(cell_inches * n_cols + 1.2, cell_inches * n_rows + 0.9), dpi=dpi, layout="constrained")
        axes = fig.subplots(n_rows, n_cols, squeeze=False)
        for r, row in enumerate(cells):
            for c, cell in enumerate(row):
                ax = axes[r][c]
                ax.set_xticks([])
                ax.set_yticks([])
                if isinstance(cell, Image.Image):
                    ax.imshow(cell, interpolation="lanczos")
                else:
                    ax.set_facecolor("#e6e6e6")
                    ax.text(0.5, 0.5, (cell or "—").replace("_", "_\n"), ha="center", va="center",
                            fontsize=6, color="#b00020" if cell else "#777777", transform=ax.transAxes, wrap=True)
                if r == 0:
                    ax.set_title(col_labels[c])
                if c == 0:
                    ax.set_ylabel(row_labels[r])
        fig.supxlabel("param")
        fig.supylabel("move")
        if diff_scale is not None:
            from matplotlib.cm import ScalarMappable
            from matplotlib.colors import Normalize

            bar = fig.colorbar(ScalarMappable(Normalize(0.0, diff_scale), DIFF_CMAP), ax=axes, shrink=0.8,
                               fraction=0.04, pad=0.02)
            bar.set_label("|variant − original| (0–1)")
        if title:
            fig.suptitle(title)
    return fig


def _panels(result: SweepShape) -> tuple[dict[str, dict[str, list[tuple[float, float]]]], dict[str, str]]:
    """The research plot's lines, ``panels[kind][label]``, and its y-axis labels, from the metrics measured."""
    names = result.metric_names
    panels: dict[str, dict[str, list[tuple[float, float]]]] = {kind: {} for kind in PANELS}
    units: dict[str, list[str]] = {kind: [] for kind in PANELS}
    for row in result.spec.rows:
        row_label = result.spec.row_label(row)
        for kind in PANELS:
            metric = pick(names, kind, row.move)
            if metric is None or not (points := result.series(metric).get(row)):
                continue
            panels[kind][f"{row_label} ({label(metric)})" if kind == "target" else row_label] = points
            if label(metric) not in units[kind]:
                units[kind].append(label(metric))
    return panels, {kind: " · ".join(found) for kind, found in units.items()}


def research_plot(result: SweepShape, *, threshold: float | None = None, title: str | None = None,
                  dpi: int = 100, width: Width = "screen") -> Figure:
    """The three research questions against param, one line per row: target response (Δ smile for
    ``smile``, else the change inside the face), identity distance with ``threshold`` drawn and each row's
    crossing marked (its budget in the legend), and leakage; one legend under the panels. NaN points are
    left out."""
    import math

    from matplotlib import rc_context
    from matplotlib.lines import Line2D

    panels, units = _panels(result)
    limits: dict[str, tuple[float | None, float | None]] = {}
    if threshold is not None and pick(result.metric_names, "identity") is not None:
        budget = result.identity_budget(threshold)
        limits = {result.spec.row_label(r): budget[r.move] for r in result.spec.rows}
    title = result.title() if title is None else title
    rows = [result.spec.row_label(r) for r in result.spec.rows]
    colour = colours(rows)
    with rc_context(RC):
        titles = panel_titles(list(PANELS.values()), width)
        fig, axes = grid(len(PANELS), width, dpi=dpi, title_lines=max(t.count("\n") + 1 for t in titles))
        panel = inches(width) / columns(len(PANELS), width)
        for ax, kind, heading in zip(axes, PANELS, titles, strict=False):
            series = panels[kind]
            for name, points in series.items():
                clean = sorted(p for p in points if not math.isnan(p[1]))
                xs, ys = zip(*clean, strict=False) if clean else ((), ())
                ax.plot(xs, ys, marker="o", markersize=3, color=colour.get(name.split(" (")[0]), label=name)
            ax.set_title(heading)
            ax.set_xlabel("param")
            ax.set_ylabel(wrap(units.get(kind, "") or "not measured", 1.6, FONT))
            ax.grid(alpha=0.3)
            if not any(series.values()):
                ax.text(0.5, 0.5, "not measured", ha="center", va="center", color="#777777", transform=ax.transAxes)
        ident = axes[list(PANELS).index("identity")]
        handles: list[Any] = [Line2D([], [], color=colour[r], marker="o", markersize=3) for r in rows]
        labels = list(rows)
        lines = []
        if threshold is not None and panels["identity"]:
            ident.axhline(threshold, color="#b00020", linestyle="--", linewidth=1)
            handles.append(Line2D([], [], color="#b00020", linestyle="--", linewidth=1))
            labels.append(f"same-person threshold {threshold:g}")
            marked = False
            for name, pair in limits.items():
                marks = [limit for limit in pair if limit is not None]
                if marks:
                    ident.plot(marks, [threshold] * len(marks), marker="X", markersize=7, linestyle="none",
                               color=colour.get(name, "k"), markeredgecolor="black")
                    labels[rows.index(name)] += f" · budget {_limits(pair)}"
                    marked = True
            lines.append("X: where identity reaches the threshold (budget: negative … positive param)" if marked
                         else f"no move reaches identity {threshold:g} in the swept range")
        finish(fig, title=wrap(title or "", panel * columns(len(PANELS), width)), lines=lines, handles=handles,
               labels=labels)
    return rebuildable(fig, research_plot, result=result, threshold=threshold, title=title, dpi=dpi)


def _limits(pair: tuple[float | None, float | None]) -> str:
    return " … ".join("none" if v is None else signed(v) for v in pair)


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int | None = None) -> None:
    """Save with text kept as text in PDF/SVG (TrueType embedded), tight white margins."""
    from matplotlib import rc_context

    with rc_context(PAPER_RC):
        fig.savefig(path, dpi=dpi or fig.dpi, bbox_inches="tight", facecolor="white")


def animate(result: SweepShape, path: str | os.PathLike[str], *, tile: int = 160, ms_per_frame: int = 500,
            view: View = "face") -> None:
    """A GIF: frame ``j`` shows every row at the ``j``-th param side by side in ``view``, captioned with the param."""
    spec = result.spec
    rows, _ = result.tile_rows(tile, view)
    frames = [[row[j] for row in rows] for j in range(len(spec.params))]
    labels = " | ".join(spec.row_label(r) for r in spec.rows)
    captions = [f"param {param_label(p)}   ({labels})" for p in spec.params]
    width, bar = tile * max(len(f) for f in frames), 18
    out = []
    for tiles, caption in zip(frames, captions, strict=True):
        canvas = Image.new("RGB", (width, tile + bar), "white")
        draw = ImageDraw.Draw(canvas)
        for i, cell in enumerate(tiles):
            x = i * tile
            if isinstance(cell, Image.Image):
                thumb = cell.convert("RGB")
                thumb.thumbnail((tile, tile))
                canvas.paste(thumb, (x + (tile - thumb.width) // 2, bar + (tile - thumb.height) // 2))
            else:
                draw.rectangle((x + 2, bar + 2, x + tile - 3, bar + tile - 3), fill=(225, 225, 225))
                draw.text((x + 8, bar + tile // 2), cell or "—", fill=(176, 0, 32))
        draw.text((4, 3), caption, fill=(0, 0, 0))
        out.append(canvas)
    out[0].save(path, format="GIF", save_all=True, append_images=out[1:], duration=ms_per_frame, loop=0,
                optimize=True)


def study_figure(points: Sequence[CurveShape], metrics: Sequence[str], *, title: str = "",
                 units: Mapping[str, str] | None = None, dpi: int = 100, width: Width = "screen") -> Figure:
    """One panel per metric (wrapped into rows for the width); in each, one line per move: the mean over
    photos against param, with its 95% interval as a band; one legend of moves (with their photo counts)
    under the panels."""
    from matplotlib import rc_context
    from matplotlib.lines import Line2D

    units = dict(units or {})
    moves = sorted({p.move for p in points})
    colour = colours(moves)
    counts = {m: max((p.interval.n for p in points if p.move == m), default=0) for m in moves}
    with rc_context(RC):
        titles = panel_titles([label(m) for m in metrics], width)
        fig, axes = grid(len(metrics), width, dpi=dpi, title_lines=max([t.count("\n") + 1 for t in titles] or [1]))
        for ax, metric, heading in zip(axes, metrics, titles, strict=False):
            drawn = False
            for move in moves:
                line = sorted((p.param, p.interval) for p in points if p.metric == metric and p.move == move)
                if not line:
                    continue
                xs = [x for x, _ in line]
                ax.plot(xs, [i.mean for _, i in line], marker="o", markersize=3, color=colour[move],
                        label=f"{move} (n={counts[move]})")
                ax.fill_between(xs, [i.low for _, i in line], [i.high for _, i in line], alpha=0.2,
                                color=colour[move], linewidth=0)
                drawn = True
            ax.set_title(heading)
            ax.set_xlabel("param")
            ax.set_ylabel(axis_label("mean", units.get(metric, "")))
            ax.grid(alpha=0.3)
            if not drawn:
                ax.text(0.5, 0.5, "no completed variants yet", ha="center", va="center", transform=ax.transAxes)
        handles = [Line2D([], [], color=colour[m], marker="o", markersize=3) for m in moves]
        finish(fig, title=title, lines=["mean over photos, band: its 95% t-interval"], handles=handles,
               labels=[f"{m} (n={counts[m]})" for m in moves])
    return rebuildable(fig, study_figure, points=points, metrics=metrics, title=title, units=units, dpi=dpi)


def calibration_figure(calibration: CalibrationShape, *, dpi: int = 100, width: Width = "screen") -> Figure:
    """Each photo's crossing param (open marker at the limit when it never crossed), per sign the median
    (line) and the range that keeps 90% of the photos on the safe side (shaded)."""
    from matplotlib import rc_context
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cal = calibration
    with rc_context(RC):
        fig, (ax,) = grid(1, width, aspect=0.3, dpi=dpi)
        fig.set_figheight(max(fig.get_figheight(), 0.9 + 0.13 * len(cal.photos)))
        summary = cal.summary()
        for sign, s in summary.items():
            ax.axvspan(0, s.safe(0.9), color="#2a9d8f", alpha=0.15, linewidth=0)
            ax.axvline(sign * s.median, color="#264653", linewidth=1)
        for photo in cal.photos:
            for sign in (-1, 1):
                crossing = photo.side(sign)
                if crossing is None:
                    continue
                x = sign * cal.limit if crossing.param is None else crossing.param
                ax.plot([x], [photo.index], marker="o", markersize=3.5, color="#e76f51",
                        markerfacecolor="none" if crossing.param is None else "#e76f51")
        ax.axvline(0, color="#999999", linewidth=0.8)
        ax.set_xlim(-cal.limit * 1.05, cal.limit * 1.05)
        ax.set_ylim(-0.5, max(0.5, len(cal.photos) - 0.5))
        ax.invert_yaxis()
        ax.set_xlabel(wrap(f"{cal.move} param where {cal.metric} reaches {cal.threshold:g}",
                           inches(width) - 0.8))
        ax.set_ylabel("photo (index)")
        ax.grid(alpha=0.3, axis="x")
        handles = [Line2D([], [], marker="o", color="#e76f51", linestyle="none", markersize=3.5),
                   Line2D([], [], marker="o", color="#e76f51", markerfacecolor="none", linestyle="none",
                          markersize=3.5),
                   Line2D([], [], color="#264653", linewidth=1), Patch(color="#2a9d8f", alpha=0.15)]
        labels = ["a photo's crossing", "never crossed (at the limit)", "median", "safe for 90% of photos"]
        finish(fig, title=f"Calibration of {cal.move}", handles=handles, labels=labels)
    return rebuildable(fig, calibration_figure, calibration=calibration, dpi=dpi)
