"""The editor's request controls: the face, move and param a Generate asks for, the slider's range per move."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from ..api import Move
from ..editing.labels import move_options
from .ranges import DEFAULT_RANGE, Range, parse_ranges, range_note, widened

__all__ = ["WAITING", "RequestControls"]

WAITING = (("finding…", None),)
"""The face dropdown's one option while the photo loads and its faces are found (a placeholder, not blank)."""


class RequestControls(widgets.HBox):
    """``face`` and ``move`` dropdowns, the ``param`` slider (its limits: the move's calibrated range from
    ``ranges``, noted beside it, else ±2). :attr:`quiet` is True while the kernel itself moves them (to
    display a request), so observers can tell a person's change from the kernel's."""

    def __init__(self, backend: str, ranges: Mapping[Any, Any] | None = None) -> None:
        self.ranges = parse_ranges(ranges)
        self.quiet = False
        self.face = widgets.Dropdown(description="face", options=WAITING, layout=widgets.Layout(width="9em"),
                                     tooltip="the face the edit applies to (or click one on the photo)")
        self.move = widgets.Dropdown(description="move", options=move_options(backend), value=Move.smile.value,
                                     layout=widgets.Layout(width="17em"), tooltip="what the edit changes")
        for dropdown in (self.face, self.move):
            dropdown.style.description_width = "3em"
        self.param = widgets.FloatSlider(
            value=1.0, min=DEFAULT_RANGE[0], max=DEFAULT_RANGE[1], step=0.05, description="param",
            continuous_update=False, readout_format="+.2f", tooltip="how far the edit goes (0: unchanged)",
        )
        self.range_note = widgets.HTML()
        for widget, name in ((self.move, "move"), (self.param, "param"), (self.face, "face"),
                             (self.range_note, "range")):
            widget.add_class(f"gp-{name}")
        super().__init__([self.face, self.move, self.param, self.range_note])
        self.add_class("gp-row")
        self.apply_range(self.move.value)

    @property
    def request(self) -> tuple[str, float, int | None]:
        """``(move, param, face)`` as the kernel has them."""
        return self.move.value, float(self.param.value), self.face.value

    def show_request(self, move: str | None, param: float | None, face: int | None) -> None:
        """Display a request (``None``: unchanged); the slider widens to show a param outside its range."""
        self.quiet = True
        try:
            if move is not None:
                self.move.value = move
                self.apply_range(move)
            if param is not None:
                self._set_limits(widened((self.param.min, self.param.max), param))
                self.param.value = param
            if face is not None:
                self.face.value = face
        finally:
            self.quiet = False

    def apply_range(self, move: str) -> None:
        """The slider's limits for ``move``: its calibrated range (shown beside it) or the default."""
        limits = self.ranges.get(move)
        self.range_note.value = html.escape(range_note(limits))
        self._set_limits(limits or DEFAULT_RANGE)

    def step(self, delta: float) -> None:
        """Move the slider by ``delta``, within its limits (a person's change: not quiet)."""
        self.param.value = round(min(max(self.param.value + delta, self.param.min), self.param.max), 6)

    def _set_limits(self, limits: Range) -> None:
        quiet, self.quiet = self.quiet, True
        try:
            lo, hi = limits
            if lo > self.param.max:  # set the side that keeps min <= max at every step first
                self.param.max, self.param.min = hi, lo
            else:
                self.param.min, self.param.max = lo, hi
        finally:
            self.quiet = quiet
