"""The editor's two canvases: ``FaceCanvas`` (the photo, numbered face boxes, click to select, zoom)
and ``CompareCanvas`` (the variant, a before/after divider, the difference heat map, same zoom)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import ipywidgets as widgets
from ipycanvas import Canvas, MultiCanvas, hold_canvas
from traitlets import Enum, Float, Int

from ..api import Face
from .geometry import (
    IDENTITY,
    Rect,
    Transform,
    face_crop,
    hit_test,
    label_origin,
    map_rect,
    stroke_width,
    to_canvas,
    to_relative,
    unmap_point,
    view_transform,
)
from .ipycanvas_compat import forget_current_canvas
from .loop import KernelLoop

__all__ = ["BOX_COLOR", "RESULT_MODES", "SELECTED_COLOR", "CompareCanvas", "FaceCanvas", "KeyHandler"]

BOX_COLOR = "#00e5ff"
SELECTED_COLOR = "#ffb000"
DIVIDER_COLOR = "#ffffff"
DOUBLE_CLICK_SECONDS = 0.5
PHOTO, BOXES, SELECTION = range(3)
KeyHandler = Callable[[str, bool, bool, bool], None]
RESULT_MODES = {"variant": "variant", "swipe": "before | after", "diff": "difference"}
"""What the result pane can show (:attr:`CompareCanvas.mode`), with the label of its toggle button."""


PANE_BASIS = "1 1 280px"
"""A pane's flex: the editor's two panes share a line down to 280 px each, then stack (the row wraps)."""


def _fits(canvas: Canvas | MultiCanvas, width: int) -> None:
    canvas.layout.min_width, canvas.layout.height = "0", "auto"  # shrinks to fit, aspect kept
    canvas.layout.flex, canvas.layout.max_width = PANE_BASIS, f"{width}px"  # never drawn larger than it is


class FaceCanvas(MultiCanvas):
    """Three layers: the photo (drawn once per photo and zoom), the face boxes, the selection (gets clicks).

    ``selected`` (index or None, not synced) follows clicks and can be set, e.g. through
    ``widgets.link`` with a Dropdown. ``zoom_face`` (index or None) zooms onto that face's
    neighbourhood, drawn from the photo already in the browser; a double click on a box sets it.
    Nothing is kept in the browser: every drawing is replayed when a new page opens the widget.
    """

    selected = Int(None, allow_none=True)
    zoom_face = Int(None, allow_none=True)

    def __init__(self, loop: KernelLoop | None = None, **kwargs) -> None:
        super().__init__(3, width=kwargs.pop("width", 320), height=kwargs.pop("height", 240), **kwargs)
        self._loop = loop or KernelLoop()
        self._photo: widgets.Image | None = None
        self._faces: tuple[Face, ...] | None = None
        self._message = ""
        self._last_click: tuple[int, float] | None = None
        self.add_class("gp-face-canvas")
        _fits(self, self.width)
        self.on_mouse_down(self._on_mouse_down)
        self.on_client_ready(lambda: self._loop.call(self.redraw))
        self.observe(lambda _: self._loop.call(self._draw_selection_held), "selected")
        self.observe(lambda _: self._loop.call(self.redraw), "zoom_face")

    @property
    def faces(self) -> tuple[Face, ...] | None:
        """The boxes drawn (None while detection runs)."""
        return self._faces

    @property
    def crop(self) -> Rect | None:
        """The zoomed region in canvas pixels at zoom 1, or None when the whole photo shows."""
        faces, index = self._faces or (), self.zoom_face
        if index is None or not 0 <= index < len(faces) or not faces[index].usable:
            return None
        return face_crop(faces[index], self.width, self.height)

    @property
    def relative_crop(self) -> Rect | None:
        """:attr:`crop` relative to the photo (what ``CompareCanvas.zoom`` takes)."""
        crop = self.crop
        if crop is None:
            return None
        x, y, w, h = crop
        return (x / self.width, y / self.height, w / self.width, h / self.height)

    @property
    def transform(self) -> Transform:
        return view_transform(self.crop, self.width, self.height)

    def show_photo(self, photo: widgets.Image, width: int, height: int, message: str = "") -> None:
        """Draw a new photo (already downscaled and compressed) at ``width`` x ``height``; faces unknown."""
        self.width, self.height = width, height
        _fits(self, width)
        self._photo, self._faces, self._message = photo, None, message
        self.selected = None
        self.zoom_face = None
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
                layer.draw_image(self._photo, *map_rect((0, 0, self.width, self.height), self.transform))
            self._draw_boxes()
            self._draw_selection()

    def _on_mouse_down(self, x: float, y: float) -> None:
        self._loop.call(self._select_at, x, y)

    def _select_at(self, x: float, y: float) -> None:
        if not self._faces:
            return
        index = hit_test(self._faces, *to_relative(*unmap_point(x, y, self.transform), self.width, self.height))
        if index is None:
            return
        now = time.monotonic()
        double = self._last_click is not None and self._last_click[0] == index \
            and now - self._last_click[1] <= DOUBLE_CLICK_SECONDS
        self._last_click = None if double else (index, now)
        self.selected = index
        if double:
            self.zoom_face = index

    def _draw_selection_held(self) -> None:
        with hold_canvas():
            self._draw_selection()

    def _box(self, face: Face) -> Rect:
        return map_rect(to_canvas(face, self.width, self.height), self.transform)

    def _draw_boxes(self) -> None:
        layer = self[BOXES]
        layer.clear()
        line = stroke_width(self.width, self.height)
        size = max(12, 6 * line)
        layer.font = f"bold {size}px sans-serif"
        layer.text_baseline = "top"
        for index, face in enumerate(self._faces or ()):
            if not face.usable:
                continue
            rect = self._box(face)
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
            face = self._faces[self.selected]
            if face.usable:
                layer.line_width = 2 * stroke_width(self.width, self.height)
                layer.stroke_style = SELECTED_COLOR
                layer.stroke_rect(*self._box(face))


class CompareCanvas(Canvas):
    """The result pane: the variant, the variant against the original across a divider (``mode="swipe"``),
    or the heat map of |variant − original| (``mode="diff"``), all at the face canvas's zoom.

    ``divider`` (0–1 of the width; left of it shows the original) follows a click or the end of a
    drag on the canvas, and can be set, e.g. through ``widgets.link`` with a slider. ``mode`` is one of
    :data:`RESULT_MODES` (another value is a ``traitlets.TraitError``).
    """

    mode = Enum(tuple(RESULT_MODES), default_value="variant")
    divider = Float(0.5, min=0.0, max=1.0)

    def __init__(self, loop: KernelLoop | None = None) -> None:
        super().__init__(width=320, height=240)
        self._loop = loop or KernelLoop()
        self._variant: widgets.Image | None = None
        self._original: widgets.Image | None = None
        self._diff: widgets.Image | None = None
        self._crop: Rect | None = None
        self.add_class("gp-result-canvas")
        self.layout.width, self.layout.min_width, self.layout.height = "100%", "0", "auto"  # its pane sets the width
        self.on_client_ready(lambda: self._loop.call(self.redraw))
        self.on_mouse_down(self._on_mouse)
        self.on_mouse_up(self._on_mouse)
        self.observe(lambda _: self._loop.call(self.redraw), ["mode", "divider"])

    @property
    def shown(self) -> widgets.Image | None:
        """The image on top in the current mode (the variant, or its heat map in ``diff`` mode once it is there)."""
        return self._diff if self.mode == "diff" and self._diff is not None else self._variant

    @property
    def heat_map(self) -> widgets.Image | None:
        """The heat map of the variant shown, once given."""
        return self._diff

    @property
    def crop(self) -> Rect | None:
        """The part shown (relative x, y, w, h), None for everything."""
        return self._crop

    def show(self, variant: widgets.Image, original: widgets.Image, diff: widgets.Image | None, width: int,
             height: int, crop: Rect | None = None) -> None:
        """Show a variant, its original and their heat map (None: see :meth:`show_diff`), all encoded at
        ``width`` x ``height``, at ``crop`` (as :meth:`zoom` takes it); one drawing."""
        self.width, self.height = width, height
        self._variant, self._original, self._diff, self._crop = variant, original, diff, crop
        self.redraw()

    def show_diff(self, diff: widgets.Image) -> None:
        """The heat map of the variant shown, when it comes after the variant (redrawn only if it shows)."""
        self._diff = diff
        if self.mode == "diff":
            self.redraw()

    def zoom(self, crop: Rect | None) -> None:
        """Show ``crop`` (relative to the image: x, y, w, h in [0, 1]), or everything for None."""
        self._crop = crop
        self.redraw()

    def redraw(self) -> None:
        """Replay the drawing (a newly opened page starts blank)."""
        forget_current_canvas()  # else a page that connected since draws nowhere (ipycanvas#322)
        with hold_canvas():
            self.clear()
            if self._variant is None or self._original is None:
                self._placeholder()
                return
            transform = IDENTITY
            if self._crop is not None:
                x, y, w, h = self._crop
                transform = view_transform((x * self.width, y * self.height, w * self.width, h * self.height),
                                           self.width, self.height)
            dest = map_rect((0, 0, self.width, self.height), transform)
            self.draw_image(self.shown, *dest)
            if self.mode == "swipe":
                self._draw_swipe(dest)

    def _draw_swipe(self, dest: Rect) -> None:
        x = self.divider * self.width
        line = stroke_width(self.width, self.height)
        self.save()
        self.begin_path()
        self.rect(0, 0, x, self.height)
        self.clip()
        self.draw_image(self._original, *dest)
        self.restore()
        self.fill_style = DIVIDER_COLOR
        self.fill_rect(round(x - line), 0, 2 * line, self.height)
        size = max(12, 6 * line)
        self.font = f"bold {size}px sans-serif"
        self.text_baseline = "bottom"
        self.fill_style = "rgba(0, 0, 0, 0.55)"
        self.fill_rect(0, self.height - size - 4 * line, self.width, size + 4 * line)
        self.fill_style = "white"
        self.text_align = "left"
        self.fill_text("◀ before", 2 * line, self.height - 2 * line)
        self.text_align = "right"
        self.fill_text("after ▶", self.width - 2 * line, self.height - 2 * line)
        self.text_align = "left"

    def _placeholder(self) -> None:
        line = stroke_width(self.width, self.height)
        self.fill_style = "#f0f0f0"
        self.fill_rect(0, 0, self.width, self.height)
        self.fill_style = "#777"
        self.font = f"italic {max(12, 6 * line)}px sans-serif"
        self.text_baseline = "middle"
        self.fill_text("the variant appears here", 4 * line, self.height / 2, self.width - 8 * line)

    def _on_mouse(self, x: float, _y: float) -> None:
        if self.mode == "swipe" and self.width:
            self._loop.call(setattr, self, "divider", min(max(x / self.width, 0.0), 1.0))
