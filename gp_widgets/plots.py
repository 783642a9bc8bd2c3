"""Figures of a sweep's result: a labelled contact sheet, metric curves, a GIF (matplotlib imported lazily, Agg-safe).

Each takes a :class:`~gp_widgets.sweeps.result.SweepResult`, never a widget, so they work in a plain
script, during a run, and on a loaded manifest.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from .sweeps.spec import param_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .sweeps.aggregate import CurvePoint
    from .sweeps.calibration import Calibration
    from .sweeps.result import SweepResult

__all__ = ["METRIC_LABELS", "animate", "calibration_figure", "contact_sheet", "metric_plot", "metric_series",
           "save_figure", "study_figure"]

METRIC_LABELS = {
    "mad_face": "mean |Δ| inside the face",
    "mad_outside": "mean |Δ| outside the face",
    "ssim": "SSIM vs original",
}
_PAPER_RC = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "font.size": 8}


def contact_sheet(result: SweepResult, *, title: str | None = None, cell_inches: float = 1.4,
                  dpi: int = 150) -> Figure:
    """Rows (moves) × columns (params) of variants; a failed cell is a grey cell labelled with its code."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    spec = result.spec
    cells = result.tile_rows(max(64, round(cell_inches * dpi)))
    row_labels = [spec.row_label(r) for r in spec.rows]
    col_labels = [param_label(p) for p in spec.params]
    title = result.title() if title is None else title
    n_rows, n_cols = len(row_labels), len(col_labels)
    with rc_context(_PAPER_RC):
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
        if title:
            fig.suptitle(title)
    return fig


def metric_series(result: SweepResult) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """``series[metric][row label] = [(param, value), ...]`` over the cells that have the metric."""
    series: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for rec in result.records:
        label = result.spec.row_label(rec.cell.row)
        for metric, value in rec.metrics.items():
            series.setdefault(metric, {}).setdefault(label, []).append((rec.cell.param, value))
    return series


def metric_plot(result: SweepResult, *, title: str | None = None, dpi: int = 100) -> Figure:
    """One panel per metric; in each, one line per row: the metric against param."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    series = metric_series(result)
    title = result.title() if title is None else title
    metrics = [m for m in series if series[m]]
    with rc_context(_PAPER_RC):
        fig = Figure(figsize=(3.2 * max(1, len(metrics)), 2.8), dpi=dpi, layout="constrained")
        axes = fig.subplots(1, max(1, len(metrics)), squeeze=False)[0]
        for ax, metric in zip(axes, metrics):
            for label, points in series[metric].items():
                xs, ys = zip(*sorted(points)) if points else ((), ())
                ax.plot(xs, ys, marker="o", markersize=3, label=label)
            ax.set_title(METRIC_LABELS.get(metric, metric))
            ax.set_xlabel("param")
            ax.set_ylabel(metric)
            ax.grid(alpha=0.3)
        if metrics:
            axes[0].legend(fontsize=7)
        else:
            axes[0].text(0.5, 0.5, "no completed variants yet", ha="center", va="center", transform=axes[0].transAxes)
        if title:
            fig.suptitle(title)
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int | None = None) -> None:
    """Save with text kept as text in PDF/SVG (TrueType embedded), tight white margins."""
    from matplotlib import rc_context

    with rc_context(_PAPER_RC):
        fig.savefig(path, dpi=dpi or fig.dpi, bbox_inches="tight", facecolor="white")


def animate(result: SweepResult, path: str | os.PathLike[str], *, tile: int = 160, ms_per_frame: int = 500) -> None:
    """A GIF: frame ``j`` shows every row at the ``j``-th param side by side, captioned with the param."""
    spec = result.spec
    rows = result.tile_rows(tile)
    frames = [[row[j] for row in rows] for j in range(len(spec.params))]
    labels = " | ".join(spec.row_label(r) for r in spec.rows)
    captions = [f"param {param_label(p)}   ({labels})" for p in spec.params]
    width, bar = tile * max(len(f) for f in frames), 18
    out = []
    for tiles, caption in zip(frames, captions):
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


def study_figure(points: Sequence[CurvePoint], metrics: Sequence[str], *, title: str = "", dpi: int = 100) -> Figure:
    """One panel per metric; in each, one line per move: the mean over photos against param, with its 95%
    interval as a band and the photo count of the last point in the legend."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(_PAPER_RC):
        fig = Figure(figsize=(3.2 * max(1, len(metrics)), 2.8), dpi=dpi, layout="constrained")
        axes = fig.subplots(1, max(1, len(metrics)), squeeze=False)[0]
        for ax, metric in zip(axes, metrics):
            moves = sorted({p.move for p in points if p.metric == metric})
            for move in moves:
                line = sorted((p.param, p.interval) for p in points if p.metric == metric and p.move == move)
                xs = [x for x, _ in line]
                n = max(i.n for _, i in line)
                drawn = ax.plot(xs, [i.mean for _, i in line], marker="o", markersize=3, label=f"{move} (n={n})")
                ax.fill_between(xs, [i.low for _, i in line], [i.high for _, i in line], alpha=0.2,
                                color=drawn[0].get_color(), linewidth=0)
            ax.set_title(METRIC_LABELS.get(metric, metric))
            ax.set_xlabel("param")
            ax.grid(alpha=0.3)
            if moves:
                ax.legend(fontsize=7)
            else:
                ax.text(0.5, 0.5, "no completed variants yet", ha="center", va="center", transform=ax.transAxes)
        fig.supylabel("mean over photos, 95% band")
        if title:
            fig.suptitle(title)
    return fig


def calibration_figure(calibration: Calibration, *, dpi: int = 100) -> Figure:
    """Each photo's crossing param (open marker at the limit when it never crossed), per sign the median
    (line) and the range that keeps 90% of the photos on the safe side (shaded)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    cal = calibration
    with rc_context(_PAPER_RC):
        fig = Figure(figsize=(5.0, 1.2 + 0.18 * len(cal.photos)), dpi=dpi, layout="constrained")
        ax = fig.subplots()
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
                ax.plot([x], [photo.index], marker="o", markersize=4, color="#e76f51",
                        markerfacecolor="none" if crossing.param is None else "#e76f51")
        ax.axvline(0, color="#999999", linewidth=0.8)
        ax.set_xlim(-cal.limit * 1.05, cal.limit * 1.05)
        ax.set_ylim(-0.5, max(0.5, len(cal.photos) - 0.5))
        ax.invert_yaxis()
        ax.set_xlabel(f"{cal.move} param where {cal.metric} reaches {cal.threshold:g}")
        ax.set_ylabel("photo")
        ax.grid(alpha=0.3, axis="x")
        ax.set_title(f"{cal.move}: safe for 90% of photos (shaded), median (line)")
    return fig
