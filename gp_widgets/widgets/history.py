"""The editor's history and what it shows: a strip of thumbnails, one per variant shown, each a button that
shows it again; the browser's copies of photos, variants and heat maps, and the result pane's drawing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from PIL import Image

from ..editing.session import EditorSession, Entry
from ..imaging import Encoded, open_rgb
from .canvas import CompareCanvas, FaceCanvas

__all__ = ["HISTORY_THUMB_HEIGHT", "HistoryStrip", "SentImage", "Shown", "sent_image"]

HISTORY_THUMB_HEIGHT = 72


@dataclass(frozen=True)
class SentImage:
    """A photo or variant as the browser gets it: one ``Image`` widget, sent once."""

    image: widgets.Image
    width: int
    height: int


def sent_image(encoded: Encoded) -> SentImage:
    """Fills the result pane, which has the canvas's size, so both show at the same scale."""
    layout = widgets.Layout(width="100%", height="auto")
    return SentImage(widgets.Image(value=encoded.data, format=encoded.format, layout=layout), encoded.width,
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
        image.add_class("gp-history-thumb")
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


class Shown:
    """What the browser has and shows: each photo's and variant's ``Image`` (sent once), heat maps, the result
    pane's drawing (a variant or a scrub stop beside its original, at the photo canvas's crop) and the history
    strip's highlight. Widget-side twin of the session's :attr:`~.session.EditorSession.shown`."""

    def __init__(self, session: EditorSession, result: CompareCanvas, canvas: FaceCanvas,
                 strip: HistoryStrip) -> None:
        self._session, self._result, self._canvas, self._strip = session, result, canvas, strip
        self._images: dict[str, SentImage] = {}
        self._diffs: dict[str, SentImage] = {}

    def has(self, item_id: str) -> bool:
        return item_id in self._images

    def add(self, item_id: str, encoded: Encoded) -> SentImage:
        """A photo or variant, as the browser gets it (sent once)."""
        self._images[item_id] = sent_image(encoded)
        return self._images[item_id]

    def add_heat_map(self, variant_id: str, encoded: Encoded) -> SentImage:
        self._diffs[variant_id] = sent_image(encoded)
        return self._diffs[variant_id]

    def get(self, item_id: str) -> SentImage:
        return self._images[item_id]

    def picture(self, item_id: str) -> widgets.Image | None:
        shown = self._images.get(item_id)
        return shown.image if shown else None

    def heat_map(self, variant_id: str) -> widgets.Image | None:
        shown = self._diffs.get(variant_id)
        return shown.image if shown else None

    def show(self, entry: Entry) -> None:
        """``entry``'s variant on the result pane (with its heat map when made), highlighted in the history."""
        self._session.shown = entry
        item = entry.item
        after = self._images[item.id]
        source = self._session.source
        original = self._images[item.source_id or (source.id if source else "")]
        diff = self._diffs.get(item.id)
        self._result.show(after.image, original.image, diff.image if diff else None, after.width, after.height,
                          self._canvas.relative_crop)
        self._strip.mark(entry)

    def show_stop(self, stop: SentImage) -> bool:
        """A scrub stop's variant beside the photo's original, at once; False when there is no photo."""
        source = self._session.source
        if source is None or source.id not in self._images:
            return False
        self._result.show(stop.image, self._images[source.id].image, None, stop.width, stop.height,
                          self._canvas.relative_crop)
        return True

    def finished(self, entry: Entry, thumb: Encoded, diff: Encoded) -> None:
        """The shown variant's thumbnail joins the history; its heat map shows if the difference view is on."""
        self.add_heat_map(entry.item.id, diff)
        self._session.add_to_history(entry)
        self._strip.add(entry, thumb, shown=entry is self._session.shown)
        if self._session.shown is entry:
            self._result.show_diff(self._diffs[entry.item.id].image)

    def pictures(self) -> tuple[Image.Image | None, Image.Image | None]:
        """The photo and the shown variant as PIL images (for the static fallback)."""
        source, shown = self._session.source, self._session.shown
        photo = open_rgb(self._images[source.id].image.value) if source and source.id in self._images else None
        variant = open_rgb(self._images[shown.item.id].image.value) if shown else None
        return photo, variant

    def close(self) -> None:
        for shown in (*self._images.values(), *self._diffs.values()):
            shown.image.close()
