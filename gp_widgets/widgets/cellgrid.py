"""``CellGrid``: a labelled grid of cells (a thumbnail over a status button) as one widget.

One widget for the whole grid, not three per cell: a grid of 1,000 cells opens one model and one view.
Its synced traits are the labels and the cell size; the cells travel as custom messages, their pictures
as binary buffers. Each view says ``{"type": "ready"}`` when it is rendered and gets the full state of
every cell; after the first ready, :meth:`CellGrid.show` sends only the cells that changed (a delta), and
before it nothing (the ready brings everything). A click on a cell's button comes back as
``{"type": "click", "index": i}``.

The encoding of states into messages and the reading of incoming messages are pure functions below.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anywidget
import traitlets

__all__ = ["CellGrid", "CellState", "delta_message", "full_message", "read_message"]

log = logging.getLogger("gp_widgets")

Message = tuple[dict[str, Any], list[bytes]]


@dataclasses.dataclass(frozen=True)
class CellState:
    """What one cell shows: its thumbnail (JPEG bytes, or None for an empty frame), the text of its button,
    the button's style (``""``, ``"success"``, ``"info"``, ``"warning"``, ``"danger"``), the button's tooltip,
    and whether it is marked failed."""

    picture: bytes | None = None
    text: str = ""
    style: str = ""
    tooltip: str = ""
    failed: bool = False


def _encode(indices: Iterable[int], states: Sequence[CellState], shown: Sequence[CellState] | None) -> Message:
    """Cells ``indices`` as a message; a cell's picture is left out when ``shown`` already has the same one.

    Each distinct picture is one buffer (the failure tiles of a grid are often the same bytes)."""
    buffers: list[bytes] = []
    slots: dict[bytes, int] = {}
    cells = []
    for i in indices:
        state = states[i]
        cell: dict[str, Any] = {"i": i, "text": state.text, "style": state.style, "tooltip": state.tooltip,
                                "failed": state.failed}
        if shown is None or shown[i].picture != state.picture:
            if state.picture is None:
                cell["picture"] = None
            else:
                if state.picture not in slots:
                    slots[state.picture] = len(buffers)
                    buffers.append(state.picture)
                cell["picture"] = slots[state.picture]
        cells.append(cell)
    return {"type": "cells", "full": shown is None, "cells": cells}, buffers


def full_message(states: Sequence[CellState]) -> Message:
    """Every cell, with its picture (``"picture"``: a buffer index, or None for none)."""
    return _encode(range(len(states)), states, None)


def delta_message(states: Sequence[CellState], shown: Sequence[CellState]) -> Message | None:
    """The cells whose state differs from ``shown`` (what the views have), or None when none does.

    A cell without a ``"picture"`` key keeps the picture it shows."""
    changed = [i for i, (now, then) in enumerate(zip(states, shown, strict=True)) if now != then]
    return _encode(changed, states, shown) if changed else None


def read_message(content: Any, size: int) -> tuple[str, int | None] | None:
    """An incoming message as ``("ready", None)`` or ``("click", index)``; None for anything else."""
    if not isinstance(content, dict):
        return None
    kind = content.get("type")
    if kind == "ready":
        return "ready", None
    index = content.get("index")
    if kind == "click" and isinstance(index, int) and not isinstance(index, bool) and 0 <= index < size:
        return "click", index
    return None


class CellGrid(anywidget.AnyWidget):
    """The cells of a grid, row-major: ``len(rows) * len(columns)`` of them, labelled by row and column.

    ``on_click(index)`` is called when a cell's button is clicked (on the kernel's thread)."""

    _esm = Path(__file__).with_name("cellgrid.js")
    _css = Path(__file__).with_name("cellgrid.css")

    corner = traitlets.Unicode("").tag(sync=True)
    columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    rows = traitlets.List(traitlets.Unicode()).tag(sync=True)
    cell_px = traitlets.Int(104).tag(sync=True)

    def __init__(self, rows: Sequence[str], columns: Sequence[str], *, corner: str = "", cell_px: int = 104,
                 on_click: Callable[[int], Any] | None = None) -> None:
        super().__init__(rows=list(rows), columns=list(columns), corner=corner, cell_px=cell_px)
        self._states = [CellState()] * (len(rows) * len(columns))
        self._shown: list[CellState] | None = None  # what the views have; None until a view is ready
        self._on_click = on_click
        self.on_msg(self._receive)

    @property
    def cells(self) -> list[CellState]:
        """Every cell's current state, row-major."""
        return list(self._states)

    def show(self, changes: Mapping[int, CellState]) -> None:
        """Set the state of some cells; views that are ready get the ones that changed, in one message."""
        for i, state in changes.items():
            self._states[i] = state
        if self._shown is not None and (message := delta_message(self._states, self._shown)) is not None:
            self.send(message[0], buffers=message[1])
            self._shown = list(self._states)

    def _receive(self, _: Any, content: Any, buffers: Any) -> None:
        message = read_message(content, len(self._states))
        if message is None:
            log.debug("cell grid: ignored message %r", content)
        elif message[0] == "ready":
            content, buffers = full_message(self._states)
            self.send(content, buffers=buffers)
            self._shown = list(self._states)
        elif self._on_click is not None and message[1] is not None:
            self._on_click(message[1])
