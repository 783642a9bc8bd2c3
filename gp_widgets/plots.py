"""Figures for sweeps: a labelled contact sheet, metric curves, a GIF (matplotlib imported lazily, Agg-safe).

These take plain data (images, labels, numbers), not widgets, so they work on a loaded manifest too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["contact_sheet", "metric_plot", "save_figure", "animate", "METRIC_LABELS"]

METRIC_LABELS = {
    "mad_face": "mean |Δ| inside the face",
    "mad_outside": "mean |Δ| outside the face",
    "ssim": "SSIM vs original",
}
_PAPER_RC = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "font.size": 8}


def contact_sheet(cells: Sequence[Sequence[Image.Image | str | None]], row_labels: Sequence[str],
                  col_labels: Sequence[str], *, title: str = "", xlabel: str = "param", ylabel: str = "move",
                  cell_inches: float = 1.4, dpi: int = 150) -> Figure:
    """Rows × columns of images; a string in place of an image is a failure code, drawn as a labelled grey cell."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

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
        fig.supxlabel(xlabel)
        fig.supylabel(ylabel)
        if title:
            fig.suptitle(title)
    return fig


def metric_plot(series: Mapping[str, Mapping[str, Sequence[tuple[float, float]]]], *, title: str = "",
                dpi: int = 100) -> Figure:
    """One panel per metric; in each, one line per row label: ``series[metric][label] = [(param, value), ...]``."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

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


def animate(frames: Sequence[Sequence[Image.Image | str | None]], captions: Sequence[str],
            path: str | os.PathLike[str], *, tile: int = 160, ms_per_frame: int = 500) -> None:
    """A GIF: frame ``j`` tiles ``frames[j]`` side by side (one tile per move), captioned ``captions[j]``."""
    if not frames:
        raise ValueError("nothing to animate")
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
