"""How every figure is laid out for the width it is made for: a paper's column (~3.3 in), its page (~7 in) or a
screen. Panels wrap into a grid of panels at least :data:`PANEL_MIN` wide; one legend is shared by every panel,
outside the data, under them; titles are wrapped to the width they have; the figure grows to hold them (so
constrained layout never collapses an axis).

A figure made here remembers how it was built (:func:`rebuildable`), so saving it at another width draws it
again for that width rather than shrinking its text (:func:`for_width`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

__all__ = ["FONT", "PANEL_MIN", "RC", "WIDTHS", "Width", "axis_label", "colours", "columns", "constrained", "finish",
           "fit_labels", "for_width", "grid", "inches", "panel_titles", "rebuildable", "wrap"]

Width = Literal["column", "page", "screen"] | float
WIDTHS = {"column": 3.3, "page": 7.0, "screen": 10.0}
"""Inches: a two-column paper's column and page (text width), and a notebook's output area."""
PANEL_MIN = 1.55
"""The narrowest panel (inches) that keeps its ticks, title and label apart at :data:`FONT` points."""
FONT = 7.0
RC: dict[RcKeyType, Any] = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "font.size": FONT,
                      "axes.titlesize": FONT + 0.5, "axes.labelsize": FONT, "xtick.labelsize": FONT - 0.5,
                      "ytick.labelsize": FONT - 0.5, "legend.fontsize": FONT}
"""matplotlib settings of every laid-out figure: TrueType fonts embedded (text stays text in SVG), 7-point text."""
_CHAR = 0.55  # a character's mean advance, in font sizes


def inches(width: Width) -> float:
    """A width by name (:data:`WIDTHS`) or in inches."""
    if isinstance(width, str):
        if width not in WIDTHS:
            raise ValueError(f"width must be one of {', '.join(WIDTHS)} or inches, got {width!r}")
        return WIDTHS[width]
    if not width > 1.0:
        raise ValueError(f"a figure needs more than 1 inch, got {width!r}")
    return float(width)


def wrap(text: str, width_in: float, size: float = FONT) -> str:
    """``text`` wrapped to lines that fit ``width_in`` inches at ``size`` points (existing lines kept)."""
    chars = max(8, int(width_in * 72 / (size * _CHAR)))
    return "\n".join(line for part in text.split("\n")
                     for line in (textwrap.wrap(part, chars, break_long_words=False) or [""]))


def axis_label(quantity: str, unit: str) -> str:
    """``quantity (unit)``; a metric that gave no unit says so."""
    return f"{quantity} ({unit or 'no unit given'})"


def columns(panels: int, width: Width, max_cols: int | None = None) -> int:
    """How many panels a row of a figure ``width`` wide holds."""
    n = max(1, panels)
    return max(1, min(n, int(inches(width) // PANEL_MIN), max_cols or n))


def panel_titles(titles: Sequence[str], width: Width, max_cols: int | None = None) -> list[str]:
    """Panel titles wrapped to their panel's width."""
    panel = inches(width) / columns(len(titles), width, max_cols)
    return [wrap(t, panel - 0.15, FONT + 0.5) for t in titles]


def colours(keys: Sequence[str]) -> dict[str, Any]:
    """One colour per key (a move), the same in every panel: tab10, tab20 beyond ten."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(keys) <= 10 else "tab20"]
    return {k: cmap(i % cmap.N) for i, k in enumerate(keys)}


def constrained() -> Any:
    """The layout engine of every figure: constrained, with tight padding."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    return ConstrainedLayoutEngine(w_pad=0.03, h_pad=0.03, wspace=0.04, hspace=0.04)


def grid(panels: int, width: Width, *, aspect: float = 0.7, max_cols: int | None = None, dpi: int = 100,
         title_lines: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure ``width`` wide with ``panels`` axes wrapped into rows (unused grid cells removed), each axis
    about ``aspect`` times as tall as wide, room for ``title_lines`` of panel title and an x label."""
    from matplotlib.figure import Figure

    w = inches(width)
    n = max(1, panels)
    cols = columns(n, width, max_cols)
    rows = math.ceil(n / cols)
    axis_h = min(max(1.0, aspect * w / cols), 2.6)
    height = rows * (axis_h + 0.42 + 0.13 * title_lines) + 0.1
    fig = Figure(figsize=(w, height), dpi=dpi, layout=constrained())
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.remove()
    return fig, axes[:n]


def _legend_cols(labels: Sequence[str], width_in: float) -> int:
    longest = max((len(s) for s in labels), default=1)
    entry = longest * FONT * _CHAR / 72 + 0.45
    return max(1, min(len(labels), int(width_in // entry)))


def finish(fig: Figure, *, title: str = "", lines: Sequence[str] = (), handles: Sequence[Any] = (),
           labels: Sequence[str] = ()) -> Figure:
    """Give ``fig`` its title above the panels and one legend of ``handles``/``labels`` under them, headed by
    ``lines`` (notes on what is drawn; above the panels, under the title, when there is no legend), each
    wrapped to the width, and grow the figure to hold both."""
    w = fig.get_figwidth()
    extra = 0.0
    notes = "\n".join(wrap(t, w - 0.1, FONT) for t in lines if t)
    heading = "\n".join(wrap(t, w - 0.1, FONT + 0.5) for t in (title, "" if handles else notes) if t)
    if heading:
        fig.suptitle(heading, fontsize=FONT + 0.5)
        extra += (heading.count("\n") + 1) * (FONT + 0.5) * 1.3 / 72 + 0.04
    if handles:
        cols = _legend_cols(labels, w)
        fig.legend(handles, labels, loc="outside lower center", ncols=cols, fontsize=FONT, frameon=False,
                   title=notes or None, title_fontsize=FONT, handlelength=1.6, columnspacing=1.0)
        rows = math.ceil(len(labels) / cols) + (notes.count("\n") + 1 if notes else 0)
        extra += rows * FONT * 1.5 / 72 + 0.08
    fig.set_figheight(fig.get_figheight() + extra)
    fit_labels(fig)
    return fig


def fit_labels(fig: Figure) -> None:
    """Wrap each axis's title and x label to the axis's width and its y label to its height, as laid out."""
    fig.draw_without_rendering()
    for ax in fig.axes:
        if getattr(ax, "_colorbar", None) is not None:
            continue
        box = ax.get_position()
        w, h = box.width * fig.get_figwidth(), box.height * fig.get_figheight()
        title = ax.title.get_text()
        if title:
            ax.set_title(wrap(title.replace("\n", " "), w, FONT + 0.5))
        for text, room in ((ax.xaxis.label, w + 0.1), (ax.yaxis.label, h + 0.1)):
            if text.get_text():
                text.set_text(wrap(text.get_text().replace("\n", " "), room, FONT))


def rebuildable(fig: Figure, build: Callable[..., Figure], **kwargs: Any) -> Figure:
    """Remember that ``fig`` is ``build(width=..., **kwargs)``, so :func:`for_width` can draw it again."""
    fig.gp_build = (build, dict(kwargs))  # type: ignore[attr-defined]
    return fig


def for_width(fig: Figure, width: Width) -> Figure:
    """``fig`` drawn again for ``width`` when it was made here; another figure scaled to it (its aspect kept)."""
    built: tuple[Callable[..., Figure], Mapping[str, Any]] | None = getattr(fig, "gp_build", None)
    if built is not None:
        build, kwargs = built
        return build(**{**kwargs, "width": width})
    w, h = fig.get_size_inches()
    target = inches(width)
    fig.set_size_inches(target, h * target / w)
    return fig
