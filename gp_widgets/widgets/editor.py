"""``FaceEditor``: pick a face on the photo, a move and a param; watch the variant arrive beside it."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..api import AsyncClient, Client, GalleryItem, Move
from ..api.uploads import Photo, to_upload
from ..imaging import PHOTO_MAX_SIDE, THUMB_MAX_SIDE, Encoded, encode_for_browser, open_rgb
from .canvas import FaceCanvas
from .labels import backend_name, error_line, faces_line, move_options, request_label, task_line
from .loop import KernelLoop, Latest
from .pictures import Panel, decode, side_by_side
from .static import StaticFallback

__all__ = ["FaceEditor"]

HISTORY_THUMB_HEIGHT = 72


@dataclass(frozen=True)
class _View:
    """A photo or variant as the browser gets it: one ``Image`` widget, sent once."""

    image: widgets.Image
    width: int
    height: int


@dataclass(frozen=True)
class _Variant:
    item: GalleryItem
    move: str
    param: float
    face: int

    @property
    def label(self) -> str:
        return request_label(self.move, self.param, self.face)

    @property
    def filename(self) -> str:
        return f"{self.move}{self.param:+.2f}_face{self.face + 1}_{self.item.id[:8]}.png"


def _encode(data: bytes, sides: Sequence[int]) -> list[Encoded]:
    """Decode once, encode for the browser at each max side (runs in a thread)."""
    image = open_rgb(data)
    return [encode_for_browser(image, side) for side in sides]


def _view(encoded: Encoded) -> _View:
    """Fills the result pane, which has the canvas's size, so both show at the same scale."""
    layout = widgets.Layout(width="100%", height="auto")
    return _View(widgets.Image(value=encoded.data, format=encoded.format, layout=layout), encoded.width, encoded.height)


async def _settled(future: Any) -> None:
    """Wait until ``future`` is done, whether it succeeds, fails or is cancelled (our own cancel propagates)."""
    await asyncio.wait({asyncio.wrap_future(future)})


class FaceEditor(widgets.VBox):
    """Interactive face editor: click a face, pick a move and a param, Generate.

    ``image`` is anything ``client.upload`` accepts or an uploaded ``GalleryItem``
    (default: ``gp.samples.portrait()``); ``client`` a ``Client`` or ``AsyncClient``
    (default: ``gp.connect()``). Network work runs as tasks on the kernel's loop, so
    every button returns at once; the latest request wins.
    """

    def __init__(self, image: Photo | GalleryItem | None = None, client: Client | AsyncClient | None = None) -> None:
        if client is None:
            from ..connect import connect

            client = connect()
        self._loop = KernelLoop()
        self._aio = client if isinstance(client, AsyncClient) else client.aio
        self._loading = Latest(self._loop)
        self._generating = Latest(self._loop)
        self._source: GalleryItem | None = None
        self._views: dict[str, _View] = {}
        self._pngs: dict[str, bytes] = {}
        self._history: list[_Variant] = []
        self._shown: _Variant | None = None
        self._quiet = False
        self._closed = False
        self._status_text = ""

        self.status = widgets.HTML()
        self.canvas = FaceCanvas(self._loop)
        self.face = widgets.Dropdown(description="face", options=[], layout=widgets.Layout(width="150px"))
        self.face.style.description_width = "40px"
        self.move = widgets.Dropdown(description="move", options=move_options(self.backend), value=Move.smile.value,
                                     layout=widgets.Layout(width="260px"))
        self.move.style.description_width = "40px"
        self.param = widgets.FloatSlider(
            value=1.0, min=-2.0, max=2.0, step=0.05, description="param",
            continuous_update=False, readout_format="+.2f",
        )
        self.generate_button = widgets.Button(description="Generate", button_style="primary", icon="magic")
        self.auto = widgets.ToggleButton(description="auto", icon="refresh", tooltip="generate when the slider is released")
        self.upload = widgets.FileUpload(accept="image/png,image/jpeg,.png,.jpg,.jpeg", multiple=False,
                                         description="Photo…")
        self.compare = widgets.ToggleButton(description="show original", icon="exchange", disabled=True,
                                            tooltip="before / after")
        self.chain_button = widgets.Button(description="Edit this result", icon="level-down", disabled=True)
        self.save_button = widgets.Button(description="Save", icon="download", disabled=True)
        self.result = widgets.Box([widgets.HTML("<i>the variant appears here</i>")],
                                  layout=widgets.Layout(margin="0 0 0 12px", min_width="0"))
        self.history = widgets.HBox(layout=widgets.Layout(overflow="auto hidden", min_height="0"))
        self._static = StaticFallback(self._picture, lambda: f"FaceEditor: {self._status_text}", self._loop)

        for widget, name in ((self.status, "status"), (self.move, "move"), (self.param, "param"),
                             (self.face, "face"), (self.generate_button, "generate"), (self.result, "result"),
                             (self.history, "history"), (self.upload, "upload"), (self.save_button, "save")):
            widget.add_class(f"gp-{name}")
        widgets.link((self.canvas, "selected"), (self.face, "value"))
        self.generate_button.on_click(lambda _: self._loop.call(self._start_generate))
        self.param.observe(self._on_param, "value")
        self.upload.observe(self._on_upload, "value")
        self.compare.observe(lambda _: self._loop.call(self._show_compare), "value")
        self.chain_button.on_click(lambda _: self._loop.call(self._chain))
        self.save_button.on_click(lambda _: self._loop.call(self._save_clicked))

        super().__init__([
            self.status,
            widgets.HBox([self.canvas, self.result], layout=widgets.Layout(align_items="flex-start")),
            widgets.HBox([self.face, self.move, self.param]),
            widgets.HBox([self.generate_button, self.auto, self.upload, self.compare, self.chain_button,
                          self.save_button]),
            self.history,
            self._static.hider,
        ])
        self.add_class("gp-face-editor")
        self._say("starting…")
        self._loop.call(self._start_load, image)

    # -- public ------------------------------------------------------------------------

    @property
    def backend(self) -> str:
        """``"local"`` or ``"remote"``."""
        return self._aio.backend

    @property
    def source(self) -> GalleryItem | None:
        """The photo on the canvas (with its faces once detected)."""
        return self._source

    @property
    def variants(self) -> list[GalleryItem]:
        """Completed variants, in history order."""
        return [v.item for v in self._history]

    @property
    def current(self) -> GalleryItem | None:
        """The variant shown, or None."""
        return self._shown.item if self._shown else None

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        return self._status_text

    async def ready(self) -> GalleryItem:
        """Wait for the photo's upload and face detection; the photo (faces may be empty)."""
        while self._loading.running:
            await _settled(self._loading.future)
        if self._closed:
            raise RuntimeError("this FaceEditor is closed")
        if self._source is None or self._source.faces is None:
            raise RuntimeError(f"the photo did not load: {self._status_text}")
        return self._source

    async def generate(self, move: Move | str | None = None, param: float | None = None,
                       face: int | None = None) -> GalleryItem:
        """Generate a variant (``None`` = the control's value; given values are set on the controls).

        Returns the complete variant; raises what the task raised (e.g. ``TaskFailedError``),
        or ``CancelledError`` if a newer request superseded this one.
        """
        await self.ready()
        self._set_controls(move, param, face)
        variant = await asyncio.wrap_future(self._start_generate())
        await self._static.refresh()  # from the awaiting cell too, so an executing notebook saves the result
        return variant

    def save(self, path: str | Path | None = None) -> Path:
        """Write the shown variant's PNG (full resolution, as downloaded); default name in the cwd."""
        if self._shown is None:
            raise ValueError("no variant to save yet: generate one first")
        target = Path(path) if path is not None else Path.cwd() / self._shown.filename
        target.write_bytes(self._pngs[self._shown.item.id])
        return target

    def close(self) -> None:
        """Cancel running work and close every child widget."""
        self._closed = True
        self._loading.cancel()
        self._generating.cancel()
        for view in self._views.values():
            view.image.close()
        for child in self._descendants():
            child.close()
        super().close()

    def _ipython_display_(self) -> None:
        self._static.show(self)

    def _picture(self) -> Image.Image:
        """The photo with its face boxes beside the shown variant: what the saved notebook keeps."""
        source, shown = self._source, self._shown
        photo = decode(self._views[source.id].image.value) if source and source.id in self._views else None
        variant = decode(self._views[shown.item.id].image.value) if shown else None
        return side_by_side([Panel(photo, "photo", (source.faces or ()) if source else (), self.face.value),
                             Panel(variant, shown.label if shown else "no variant yet")],
                            f"FaceEditor · {self._status_text}")

    # -- loading a photo -----------------------------------------------------------------

    def _start_load(self, photo: Photo | GalleryItem | None, filename: str | None = None) -> None:
        self._loading.start(self._load(photo, filename)).add_done_callback(_consume)

    async def _load(self, photo: Photo | GalleryItem | None, filename: str | None) -> None:
        started = time.monotonic()
        try:
            item = await self._fetch(photo, filename)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bad photo: say so, keep the previous one
            self._fail(exc, "photo")
            return
        self._generating.cancel()
        self._source = item
        self.face.options = []
        view = self._views[item.id]
        self.canvas.show_photo(view.image, view.width, view.height, faces_line(None, 0.0))
        self.result.layout.flex = self.canvas.layout.flex
        self._sync_buttons()
        self._say(faces_line(None, time.monotonic() - started))

        def on_update(_: GalleryItem) -> None:
            self._say(faces_line(None, time.monotonic() - started))

        try:
            item = await self._aio.wait_for_faces(item, on_update=on_update)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc, "face detection")
            self.canvas.show_message("face detection failed")
            return
        faces = item.faces or ()
        self._source = item
        self.face.options = [(f"face {i + 1}", i) for i in range(len(faces))]
        self.face.value = 0 if faces else None
        self.canvas.show_faces(faces, "" if faces else faces_line(0, 0.0))
        self._sync_buttons()
        self._say(faces_line(len(faces), time.monotonic() - started))
        self._static.refresh_soon()

    async def _fetch(self, photo: Photo | GalleryItem | None, filename: str | None) -> GalleryItem:
        """Upload (unless already uploaded) and make sure the browser view of the photo exists."""
        if isinstance(photo, GalleryItem):
            if photo.id not in self._views:
                self._say("downloading the photo…")
                data = await self._aio.download(photo)
                (encoded,) = await asyncio.to_thread(_encode, data, (PHOTO_MAX_SIDE,))
                self._views[photo.id] = _view(encoded)
            return photo
        if photo is None:
            from .. import samples

            photo = await asyncio.to_thread(samples.portrait)
        self._say("uploading the photo…")
        file = await asyncio.to_thread(to_upload, photo, filename)
        item = await self._aio.upload(file.content, file.filename)
        (encoded,) = await asyncio.to_thread(_encode, file.content, (PHOTO_MAX_SIDE,))
        self._views[item.id] = _view(encoded)
        return item

    def _on_upload(self, change: dict[str, Any]) -> None:
        if change["new"]:
            file = change["new"][-1]
            self._loop.call(self._take_upload, bytes(file["content"]), file["name"])

    def _take_upload(self, data: bytes, name: str) -> None:
        self.upload.value = ()
        self._start_load(data, name)

    def _chain(self) -> None:
        if self._shown is not None:
            self._start_load(self._shown.item)

    # -- generating ------------------------------------------------------------------------

    def _set_controls(self, move: Move | str | None, param: float | None, face: int | None) -> None:
        self._quiet = True
        try:
            if move is not None:
                self.move.value = Move(str(move)).value
            if param is not None:
                self.param.value = float(param)
            if face is not None:
                self.face.value = face
        finally:
            self._quiet = False

    def _on_param(self, _: dict[str, Any]) -> None:
        if self.auto.value and not self._quiet:
            self._loop.call(self._start_generate)

    def _start_generate(self) -> Any:
        request = (self.move.value, float(self.param.value), self.face.value)
        future = self._generating.start(self._generate(*request))
        future.add_done_callback(_consume)
        return future

    async def _generate(self, move: str, param: float, face: int | None) -> GalleryItem:
        started = time.monotonic()
        what = request_label(move, param, face or 0)
        try:
            source = await self.ready()
            if face is None or not source.faces:
                raise ValueError("no face to edit in this photo")
            self._say(task_line(what, "sending", 0.0))
            variant = await self._aio.edit(source, move, param, face)

            def on_update(item: GalleryItem) -> None:
                self._say(task_line(what, item.status or "waiting", time.monotonic() - started))

            variant = await self._aio.wait(variant, on_update=on_update)
            if variant.id not in self._pngs:
                data = await self._aio.download(variant)
                shown, thumb = await asyncio.to_thread(_encode, data, (PHOTO_MAX_SIDE, THUMB_MAX_SIDE))
                self._views[variant.id] = _view(shown)
                self._pngs[variant.id] = data
                self._add_to_history(_Variant(variant, move, param, face), thumb)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc, what)
            raise
        self._show(next(v for v in self._history if v.item.id == variant.id))
        self._say(task_line(what, "complete", time.monotonic() - started))
        return variant

    # -- result, history, compare, save ----------------------------------------------------

    def _add_to_history(self, entry: _Variant, thumb: Encoded) -> None:
        self._history.append(entry)
        image = widgets.Image(value=thumb.data, format=thumb.format,
                              layout=widgets.Layout(height=f"{HISTORY_THUMB_HEIGHT}px", width="auto"))
        button = widgets.Button(description=entry.label, tooltip=entry.label,
                                layout=widgets.Layout(width="auto"))
        button.on_click(lambda _: self._loop.call(self._show, entry))
        self.history.children = (*self.history.children,
                                 widgets.VBox([image, button], layout=widgets.Layout(margin="4px",
                                                                                     align_items="center")))

    def _show(self, entry: _Variant) -> None:
        self._shown = entry
        self._quiet = True
        self.compare.value = False
        self._quiet = False
        self.result.children = [self._views[entry.item.id].image]
        for box, item in zip(self.history.children, self._history):
            box.children[1].button_style = "info" if item is entry else ""
        self._sync_buttons()
        self._static.refresh_soon()

    def _show_compare(self) -> None:
        if self._shown is None or self._quiet:
            return
        item = self._shown.item
        before = self._views.get(item.source_id or "") or self._views[self._source.id]
        self.result.children = [before.image if self.compare.value else self._views[item.id].image]
        self.compare.description = "showing original" if self.compare.value else "show original"

    def _save_clicked(self) -> None:
        try:
            path = self.save()
        except (OSError, ValueError) as exc:
            self._fail(exc, "save")
            return
        self._say(f"saved {path.name} ({path.stat().st_size / 1024:.0f} KB) in {path.parent}")

    # -- status --------------------------------------------------------------------------

    def _sync_buttons(self) -> None:
        has_faces = bool(self._source and self._source.faces)
        self.generate_button.disabled = not has_faces
        for control in (self.compare, self.chain_button, self.save_button):
            control.disabled = self._shown is None

    def _say(self, text: str, error: bool = False) -> None:
        self._status_text = text
        colour = "#c62828" if error else "inherit"
        self.status.value = (f"<span style='color:{colour}'><b>{backend_name(self.backend)}</b> · "
                             f"{html.escape(text)}</span>")

    def _fail(self, exc: BaseException, what: str) -> None:
        self._say(f"{what}: {error_line(exc)}", error=True)
        self._static.refresh_soon()

    def _descendants(self) -> list[widgets.Widget]:
        found: list[widgets.Widget] = []
        stack = list(self.children)
        while stack:
            child = stack.pop()
            found.append(child)
            stack.extend(getattr(child, "children", ()))
        return found


def _consume(future: Any) -> None:
    """Retrieve a background job's outcome (its error is already in the status line)."""
    if not future.cancelled():
        future.exception()
