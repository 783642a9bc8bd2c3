"""Pure drawing of widget states as one picture (the static fallbacks' content): no widgets, no I/O."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from ..api import Face
from ..api.constants import CellStatus
from ..imaging import fit_size, open_rgb
from .canvas import BOX_COLOR, SELECTED_COLOR
from .geometry import stroke_width, to_canvas

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FIGURE_DPI", "Panel", "Tile", "figure_png", "png_picture", "side_by_side", "stacked", "tile_sheet"]

BACKGROUND = (255, 255, 255)
PLACEHOLDER = (236, 236, 236)
INK = (40, 40, 40)
MUTED = (120, 120, 120)
ERROR = (176, 0, 32)
PANEL_SIDE = 448
MARGIN = 8
FIGURE_DPI = 90
"""The resolution of the matplotlib figures a widget shows live (the study view's, the comparison's)."""


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans as matplotlib ships it (it has ×, · and …, which Pillow's own font lacks)."""
    import matplotlib

    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"), size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """``text`` shortened with … until it fits ``width`` pixels."""
    while draw.textlength(text, font=font) > width and len(text) > 4:
        text = text[:-2] + "…"
    return text


@dataclass(frozen=True)
class Panel:
    """One picture of a side-by-side view: an image (None: a grey placeholder) with a caption and face boxes."""

    image: Image.Image | None
    caption: str
    faces: Sequence[Face] = ()
    selected: int | None = None


def _draw_faces(image: Image.Image, faces: Sequence[Face], selected: int | None) -> None:
    draw = ImageDraw.Draw(image)
    line = max(2, round(stroke_width(*image.size)))
    font = _font(max(12, 5 * line))
    for index, face in enumerate(faces):
        x, y, w, h = to_canvas(face, *image.size)
        colour = SELECTED_COLOR if index == selected else BOX_COLOR
        draw.rectangle((x, y, x + w, y + h), outline=colour, width=line * (2 if index == selected else 1))
        label = draw.textbbox((x, y), str(index + 1), font=font, anchor="lb")
        draw.rectangle((label[0], label[1] - line, label[2] + 2 * line, label[3]), fill=colour)
        draw.text((x + line, y), str(index + 1), fill="black", font=font, anchor="lb")


def side_by_side(panels: Sequence[Panel], header: str, side: int = PANEL_SIDE) -> Image.Image:
    """Panels in a row, each fitted into ``side`` × ``side``, captions below, a header line on top."""
    fitted: list[Image.Image] = []
    for panel in panels:
        if panel.image is None:
            fitted.append(Image.new("RGB", (side * 3 // 4, side), PLACEHOLDER))
            continue
        image = panel.image.convert("RGB").resize(fit_size(*panel.image.size, side), Image.Resampling.LANCZOS)
        _draw_faces(image, panel.faces, panel.selected)
        fitted.append(image)
    height = max(image.height for image in fitted)
    head, caption = 26, 22
    width = sum(image.width for image in fitted) + MARGIN * (len(fitted) + 1)
    sheet = Image.new("RGB", (width, head + height + caption + MARGIN), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw.text((MARGIN, 6), _fit(draw, header, _font(15), width - 2 * MARGIN), fill=INK, font=_font(15))
    x = MARGIN
    for image, panel in zip(fitted, panels, strict=True):
        sheet.paste(image, (x, head))
        if panel.image is None:
            draw.text((x + image.width / 2, head + image.height / 2), panel.caption, fill=MUTED, font=_font(14),
                      anchor="mm")
        else:
            draw.text((x, head + height + 4), panel.caption, fill=INK, font=_font(13))
        x += image.width + MARGIN
    return sheet


@dataclass(frozen=True)
class Tile:
    """One grid cell: its thumbnail (None until it arrives) and a status line (red when ``failed``)."""

    image: bytes | None
    text: str
    failed: bool = False


def tile_sheet(rows: Sequence[Sequence[Tile]], row_labels: Sequence[str], col_labels: Sequence[str],
               header: str, cell: int = 96) -> Image.Image:
    """A labelled grid of tiles: column labels on top, row labels on the left, each tile's status below it."""
    label_font, small = _font(13), _font(11)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_width = max([probe.textlength(label, font=label_font) for label in row_labels] + [40]) + 2 * MARGIN
    head, col_head, status = 26, 20, 16
    step_x, step_y = cell + 6, cell + status + 6
    n_cols = max((len(row) for row in rows), default=0)
    header_width = min(probe.textlength(header, font=_font(15)) + 2 * MARGIN + 1, 2 * PANEL_SIDE)
    width = round(max(label_width + n_cols * step_x + MARGIN, header_width))
    sheet = Image.new("RGB", (width, head + col_head + len(rows) * step_y + MARGIN), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw.text((MARGIN, 6), _fit(draw, header, _font(15), width - 2 * MARGIN), fill=INK, font=_font(15))
    for c, label in enumerate(col_labels):
        draw.text((label_width + c * step_x + cell / 2, head + col_head / 2), label, fill=INK, font=label_font,
                  anchor="mm")
    for r, (row, label) in enumerate(zip(rows, row_labels, strict=True)):
        top = head + col_head + r * step_y
        draw.text((MARGIN, top + cell / 2), label, fill=INK, font=label_font, anchor="lm")
        for c, tile in enumerate(row):
            left = round(label_width + c * step_x)
            draw.rectangle((left, top, left + cell - 1, top + cell - 1), fill=PLACEHOLDER)
            if tile.image is not None:
                thumb = open_rgb(tile.image)
                thumb.thumbnail((cell, cell), Image.Resampling.LANCZOS)
                sheet.paste(thumb, (left + (cell - thumb.width) // 2, top + (cell - thumb.height) // 2))
            if tile.failed:  # the code inside the tile, wrapped at underscores, as the live grid shows it
                draw.multiline_text((left + cell / 2, top + cell / 2), tile.text.replace("_", "_\n"), fill=ERROR,
                                    font=small, anchor="mm", align="center")
            text = _fit(draw, str(CellStatus.failed) if tile.failed else tile.text, small, cell)
            draw.text((left + cell / 2, top + cell + status / 2), text, fill=ERROR if tile.failed else MUTED,
                      font=small, anchor="mm")
    return sheet


def figure_png(figure: Figure) -> tuple[bytes, int]:
    """``figure`` as PNG bytes at :data:`FIGURE_DPI`, and its width in pixels."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=FIGURE_DPI)
    return out.getvalue(), round(figure.get_figwidth() * FIGURE_DPI)


def png_picture(png: bytes) -> Image.Image:
    """The picture of a widget's PNG (a blank sheet while it has none yet): its static fallback."""
    if not png:
        return Image.new("RGB", (480, 120), "white")
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGB")


def stacked(pictures: Sequence[Image.Image]) -> Image.Image:
    """``pictures`` one below the other, left-aligned on white, :data:`MARGIN` apart (a widget shown inside
    another: the study's figure, then the grid it opened)."""
    sheet = Image.new("RGB", (max(p.width for p in pictures),
                              sum(p.height for p in pictures) + MARGIN * (len(pictures) - 1)), BACKGROUND)
    top = 0
    for picture in pictures:
        sheet.paste(picture.convert("RGB"), (0, top))
        top += picture.height + MARGIN
    return sheet
