"""``FaceCanvas``: a photo with numbered face boxes; clicking a box selects that face."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
from ipycanvas import MultiCanvas, hold_canvas
from traitlets import Int

from ..api import Face
from .geometry import hit_test, label_origin, stroke_width, to_canvas, to_relative
from .ipycanvas_compat import forget_current_canvas
from .loop import KernelLoop

__all__ = ["FaceCanvas", "BOX_COLOR", "SELECTED_COLOR"]

BOX_COLOR = "#00e5ff"
SELECTED_COLOR = "#ffb000"
PHOTO, BOXES, SELECTION = range(3)


class FaceCanvas(MultiCanvas):
    """Three layers: the photo (drawn once per photo), the face boxes, the selection (gets clicks).

    ``selected`` (index or None, not synced) follows clicks and can be set, e.g. through
    ``widgets.link`` with a Dropdown. Nothing is kept in the browser: every drawing is
    replayed when a new page opens the widget.
    """

    selected = Int(None, allow_none=True)

    def __init__(self, loop: KernelLoop | None = None, **kwargs) -> None:
        super().__init__(3, width=kwargs.pop("width", 320), height=kwargs.pop("height", 240), **kwargs)
        self._loop = loop or KernelLoop()
        self._photo: widgets.Image | None = None
        self._faces: tuple[Face, ...] | None = None
        self._message = ""
        self.add_class("gp-face-canvas")
        self.layout.min_width, self.layout.height = "0", "auto"  # shrinks to fit, aspect kept
        self.on_mouse_down(self._on_mouse_down)
        self.on_client_ready(lambda: self._loop.call(self.redraw))
        self.observe(lambda _: self._loop.call(self._draw_selection_held), "selected")

    @property
    def faces(self) -> tuple[Face, ...] | None:
        """The boxes drawn (None while detection runs)."""
        return self._faces

    def show_photo(self, photo: widgets.Image, width: int, height: int, message: str = "") -> None:
        """Draw a new photo (already downscaled and compressed) at ``width`` x ``height``; faces unknown."""
        self.width, self.height = width, height
        self.layout.flex = f"0 1 {width}px"
        self._photo, self._faces, self._message = photo, None, message
        self.selected = None
        self.redraw()

    def show_faces(self, faces: Sequence[Face], message: str = "") -> None:
        """Draw these boxes and select the first face (or none)."""
        self._faces, self._message = tuple(faces), message
        with hold_canvas():
            self._draw_boxes()
            if self.selected is not None and self.selected < len(self._faces):
                self._draw_selection()
            else:
                self.selected = 0 if self._faces else None

    def show_message(self, message: str) -> None:
        """A banner over the photo (e.g. "detecting faces…"); empty to remove it."""
        self._message = message
        with hold_canvas():
            self._draw_boxes()

    def redraw(self) -> None:
        """Replay every layer (a newly opened page starts blank)."""
        forget_current_canvas()  # else a page that connected since draws nowhere (ipycanvas#322)
        with hold_canvas():
            layer = self[PHOTO]
            layer.clear()
            if self._photo is not None:
                layer.draw_image(self._photo, 0, 0, self.width, self.height)
            self._draw_boxes()
            self._draw_selection()

    def _on_mouse_down(self, x: float, y: float) -> None:
        self._loop.call(self._select_at, x, y)

    def _select_at(self, x: float, y: float) -> None:
        if self._faces:
            index = hit_test(self._faces, *to_relative(x, y, self.width, self.height))
            if index is not None:
                self.selected = index

    def _draw_selection_held(self) -> None:
        with hold_canvas():
            self._draw_selection()

    def _draw_boxes(self) -> None:
        layer = self[BOXES]
        layer.clear()
        line = stroke_width(self.width, self.height)
        size = max(12, 6 * line)
        layer.font = f"bold {size}px sans-serif"
        layer.text_baseline = "top"
        for index, face in enumerate(self._faces or ()):
            rect = to_canvas(face, self.width, self.height)
            layer.line_width = line
            layer.stroke_style = BOX_COLOR
            layer.stroke_rect(*rect)
            text = str(index + 1)
            label = (0.62 * size * len(text) + 2 * line + 2, size + 2 * line)
            lx, ly = label_origin(rect, label, (self.width, self.height))
            layer.fill_style = BOX_COLOR
            layer.fill_rect(lx, ly, *label)
            layer.fill_style = "black"
            layer.fill_text(text, lx + line + 1, ly + line)
        if self._message:
            layer.fill_style = "rgba(0, 0, 0, 0.6)"
            layer.fill_rect(0, 0, self.width, size + 4 * line)
            layer.fill_style = "white"
            layer.fill_text(self._message, 2 * line, 2 * line, self.width - 4 * line)

    def _draw_selection(self) -> None:
        layer = self[SELECTION]
        layer.clear()
        if self._faces and self.selected is not None and self.selected < len(self._faces):
            line = stroke_width(self.width, self.height)
            layer.line_width = 2 * line
            layer.stroke_style = SELECTED_COLOR
            layer.stroke_rect(*to_canvas(self._faces[self.selected], self.width, self.height))
