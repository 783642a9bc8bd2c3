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

__all__ = ["METRIC_LABELS", "PANELS", "animate", "contact_sheet", "research_plot", "save_figure"]

METRIC_LABELS = {
    "mad_face": "mean |Δ| inside the face",
    "mad_outside": "mean |Δ| outside the face",
    "ssim_face": "SSIM of the face",
    "identity": "identity distance (dlib)",
    "smile": "Δ smile score (per IOD)",
    "landmark_shift": "landmark shift outside the mouth (per IOD)",
}
PANELS = {
    "target": "Target response: does the edit do what it says?",
    "identity": "Identity: still the same person?",
    "leakage": "Leakage: what else changed?",
}
_PAPER_RC = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "font.size": 8}


def contact_sheet(cells: Sequence[Sequence[Image.Image | str | None]], row_labels: Sequence[str],
                  col_labels: Sequence[str], *, title: str = "", xlabel: str = "param", ylabel: str = "move",
                  cell_inches: float = 1.4, dpi: int = 150, diff_scale: float | None = None) -> Figure:
    """Rows × columns of images; a string in place of an image is a failure code, drawn as a labelled grey cell.

    With ``diff_scale`` the cells are difference maps on [0, ``diff_scale``] and a colour bar says so.
    """
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
        if diff_scale is not None:
            from matplotlib.cm import ScalarMappable
            from matplotlib.colors import Normalize

            from .analysis.views import DIFF_CMAP

            bar = fig.colorbar(ScalarMappable(Normalize(0.0, diff_scale), DIFF_CMAP), ax=axes, shrink=0.8,
                               fraction=0.04, pad=0.02)
            bar.set_label("|variant − original| (0–1)")
        if title:
            fig.suptitle(title)
    return fig


def research_plot(panels: Mapping[str, Mapping[str, Sequence[tuple[float, float]]]],
                  units: Mapping[str, str], *, threshold: float | None = None,
                  limits: Mapping[str, tuple[float | None, float | None]] | None = None, title: str = "",
                  dpi: int = 100) -> Figure:
    """The three research questions against param, one line per row:
    ``panels[kind][label] = [(param, value), ...]`` for kind in :data:`PANELS` (``target``, ``identity``,
    ``leakage``); ``units[kind]`` labels the y axis. The identity panel draws ``threshold`` as a line and
    marks each label's crossing from ``limits[label] = (negative, positive)``. NaN points are left out."""
    import math

    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(_PAPER_RC):
        fig = Figure(figsize=(10.5, 3.2), dpi=dpi, layout="constrained")
        axes = fig.subplots(1, len(PANELS), squeeze=False)[0]
        colours: dict[str, str] = {}
        for ax, (kind, heading) in zip(axes, PANELS.items()):
            series = panels.get(kind, {})
            for label, points in series.items():
                xs, ys = zip(*sorted(p for p in points if not math.isnan(p[1]))) if points else ((), ())
                (line,) = ax.plot(xs, ys, marker="o", markersize=3, label=label, color=colours.get(label))
                colours[label] = line.get_color()
            ax.set_title(heading)
            ax.set_xlabel("param")
            ax.set_ylabel(units.get(kind, ""))
            ax.grid(alpha=0.3)
            if not any(series.values()):
                ax.text(0.5, 0.5, "not measured", ha="center", va="center", color="#777777", transform=ax.transAxes)
        ident = axes[list(PANELS).index("identity")]
        if threshold is not None:
            ident.axhline(threshold, color="#b00020", linestyle="--", linewidth=1, label=f"threshold {threshold:g}")
            budget = []
            for label, pair in (limits or {}).items():
                marks = [limit for limit in pair if limit is not None]
                if marks:
                    ident.plot(marks, [threshold] * len(marks), marker="X", markersize=8, linestyle="none",
                               color=colours.get(label, "k"), markeredgecolor="black")
                    budget.append((label, pair))
            if budget:
                ident.legend([*ident.get_lines()[-len(budget) - 1:]],
                             [f"threshold {threshold:g}"] + [f"{label}: {_limits(pair)}" for label, pair in budget],
                             fontsize=6, title="identity budget", title_fontsize=6)
            else:
                ident.text(0.5, 0.5, f"no move reaches {threshold:g}\nin the swept range", ha="center", va="center",
                           color="#b00020", fontsize=7, transform=ident.transAxes)
        if any(panels.get("target", {}).values()):
            axes[0].legend(fontsize=7)
        if title:
            fig.suptitle(title)
    return fig


def _limits(pair: tuple[float | None, float | None]) -> str:
    return " … ".join("none" if v is None else f"{v:+.2f}" for v in pair)


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
