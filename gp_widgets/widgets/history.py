"""The editor's history: a strip of thumbnails, one per variant shown, each a button that shows it again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ..imaging import Encoded
from .session import Entry

__all__ = ["HISTORY_THUMB_HEIGHT", "HistoryStrip", "View", "view"]

HISTORY_THUMB_HEIGHT = 72


@dataclass(frozen=True)
class View:
    """A photo or variant as the browser gets it: one ``Image`` widget, sent once."""

    image: widgets.Image
    width: int
    height: int


def view(encoded: Encoded) -> View:
    """Fills the result pane, which has the canvas's size, so both show at the same scale."""
    layout = widgets.Layout(width="100%", height="auto")
    return View(widgets.Image(value=encoded.data, format=encoded.format, layout=layout), encoded.width,
                encoded.height)


class HistoryStrip(widgets.HBox):
    """Thumbnails in the order the variants were made; the shown one's button is highlighted.
    ``on_pick(entry)`` is called when a thumbnail's button is clicked."""

    def __init__(self, on_pick: Callable[[Entry], Any]) -> None:
        super().__init__(layout=widgets.Layout(overflow="auto hidden", min_height="0"))
        self._on_pick = on_pick
        self._entries: list[Entry] = []

    @property
    def labels(self) -> list[str]:
        """The buttons' labels, in order (``smile +0.80 · face 1``)."""
        return [entry.label for entry in self._entries]

    def add(self, entry: Entry, thumb: Encoded, shown: bool) -> None:
        self._entries.append(entry)
        image = widgets.Image(value=thumb.data, format=thumb.format,
                              layout=widgets.Layout(height=f"{HISTORY_THUMB_HEIGHT}px", width="auto"))
        button = widgets.Button(description=entry.label, tooltip=entry.label, layout=widgets.Layout(width="auto"),
                                button_style="info" if shown else "")
        button.on_click(lambda _: self._on_pick(entry))
        box = widgets.VBox([image, button], layout=widgets.Layout(margin="4px", align_items="center"))
        self.children = (*self._boxes(), box)

    def pick(self, index: int) -> None:
        """What a click on thumbnail ``index``'s button does."""
        self._boxes()[index].children[1].click()

    def mark(self, shown: Entry | None) -> None:
        for box, entry in zip(self._boxes(), self._entries, strict=False):
            box.children[1].button_style = "info" if entry is shown else ""

    def _boxes(self) -> tuple[Any, ...]:
        return tuple(self.children)
