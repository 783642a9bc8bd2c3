"""The editor's two panes side by side (one under the other in a narrow output): the photo (faces to pick)
and the result, compared to it.

:class:`ComparePanes` owns the zoom button (both panes show the same crop), the result pane's mode switch
(``view``: variant, before | after divider, difference heat map; :data:`~gp_widgets.widgets.canvas.RESULT_MODES`)
and the divider slider shown in the swipe mode.
"""

from __future__ import annotations

import ipywidgets as widgets

from .canvas import RESULT_MODES, CompareCanvas, FaceCanvas
from .loop import KernelLoop

__all__ = ["ComparePanes"]


class ComparePanes(widgets.HBox):
    """``canvas`` (the photo) beside :attr:`result_pane` (the :class:`CompareCanvas` and its divider)."""

    def __init__(self, canvas: FaceCanvas, loop: KernelLoop) -> None:
        self.canvas, self._loop = canvas, loop
        self.result = CompareCanvas(loop)
        self.zoom = widgets.ToggleButton(description="zoom", icon="search-plus", disabled=True,
                                         tooltip="zoom both panes to the selected face (or double-click a box)")
        modes = [(label, mode) for mode, label in RESULT_MODES.items()]
        self.view = widgets.ToggleButtons(options=modes, value="variant", disabled=True,
                                          tooltips=["the variant",
                                                    "drag across the result: original left, variant right",
                                                    "|variant − original| as a heat map"],
                                          style={"button_width": "auto"})
        self.divider = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, readout=False,
                                           description="before | after", layout=widgets.Layout(width="auto"))
        self.divider.style.description_width = "auto"
        for widget, name in ((self.result, "result"), (self.zoom, "zoom"), (self.view, "view"),
                             (self.divider, "divider")):
            widget.add_class(f"gp-{name}")
        widgets.link((self.view, "value"), (self.result, "mode"))
        widgets.link((self.divider, "value"), (self.result, "divider"))
        self.zoom.observe(lambda _: loop.call(self._zoom_clicked), "value")
        canvas.observe(lambda _: loop.call(self._zoom_changed), "zoom_face")
        canvas.observe(lambda _: loop.call(self._follow_selection), "selected")
        self.view.observe(lambda _: loop.call(self._sync_divider), "value")
        self.result_pane = widgets.VBox([self.result, self.divider],
                                        layout=widgets.Layout(margin="0 0 0 12px", min_width="0", flex="0 1 320px"))
        """The result canvas and its divider; it takes the photo canvas's width (both at one scale)."""
        super().__init__([canvas, self.result_pane], layout=widgets.Layout(align_items="flex-start"))
        self.add_class("gp-row")  # side by side, or the result under the photo where they do not fit
        self._sync_divider()

    def fit(self) -> None:
        """The result pane takes the photo canvas's size (after a new photo)."""
        self.result_pane.layout.flex = self.canvas.layout.flex
        self.result_pane.layout.max_width = self.canvas.layout.max_width

    def toggle(self, target: str) -> None:
        """Switch to view ``target`` (``swipe``, ``diff``), or back to the variant if it shows."""
        if not self.view.disabled:
            self.view.value = "variant" if self.view.value == target else target

    def toggle_zoom(self) -> None:
        if not self.zoom.disabled:
            self.zoom.value = not self.zoom.value

    def _zoom_clicked(self) -> None:
        self.canvas.zoom_face = self.canvas.selected if self.zoom.value else None

    def _zoom_changed(self) -> None:
        """Both panes show the same crop; the button follows a double-click zoom."""
        self.zoom.value = self.canvas.zoom_face is not None
        self.result.zoom(self.canvas.relative_crop)

    def _follow_selection(self) -> None:
        if self.canvas.zoom_face is not None and self.canvas.selected is not None:
            self.canvas.zoom_face = self.canvas.selected

    def _sync_divider(self) -> None:
        self.divider.layout.visibility = "visible" if self.view.value == "swipe" else "hidden"
