"""``FaceEditor``: pick a face on the photo, a move and a param; watch the variant arrive beside it,
compare it (zoom, before/after divider, difference heat map), replay its recipe elsewhere."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from PIL import Image

from ..api import AsyncClient, Client, GalleryItem, Move
from ..api.uploads import Photo
from ..editing.labels import error_line, faces_line, request_label
from ..editing.session import EditorSession, Entry, encode_photo
from ..recipes import Recipe
from .canvas import FaceCanvas
from .controls import WAITING, RequestControls
from .generate_button import GenerateButton
from .generating import STEPS, Generating
from .history import HistoryStrip, SentImage, Shown
from .keys import KEYS_HELP, key_action
from .loop import KernelLoop, Latest, consume
from .panes import ComparePanes
from .pictures import Panel, side_by_side
from .ranges import Range, parse_ranges
from .scrubbing import ScrubMode
from .static import StaticFallback
from .status import StatusLine
from .theme import themed

__all__ = ["STEPS", "FaceEditor"]


async def _settled(future: Any) -> None:
    """Wait until ``future`` is done, whether it succeeds, fails or is cancelled (our own cancel propagates)."""
    await asyncio.wait({asyncio.wrap_future(future)})


class FaceEditor(widgets.VBox):
    """Interactive face editor: click a face, pick a move and a param, Generate.

    ``image`` is anything ``client.upload`` accepts or an uploaded ``GalleryItem``
    (default: ``gp.samples.portrait()``); ``client`` a ``Client`` or ``AsyncClient``
    (default: ``gp.connect()``); ``ranges`` maps moves to the slider's ``(lo, hi)``
    (e.g. a calibration result; default ±2). Network work runs as tasks on the kernel's
    loop, so every button returns at once; the latest request wins. Keys (with the photo
    or the result focused): see :data:`~gp_widgets.widgets.keys.KEYS_HELP`.
    """

    def __init__(self, image: Photo | GalleryItem | None = None, client: Client | AsyncClient | None = None,
                 ranges: Mapping[Any, Any] | None = None) -> None:
        ranges = parse_ranges(ranges)  # refused before any widget exists
        if client is None:
            from ..connect import connect

            client = connect()
        self._loop = KernelLoop()
        self._aio = client if isinstance(client, AsyncClient) else client.aio
        self.session = EditorSession(self._aio)
        """The editor's state and requests without widgets (:class:`~gp_widgets.editing.session.EditorSession`)."""
        self._loading = Latest(self._loop)
        self._closed = False

        self.status = StatusLine(self.backend)
        self.canvas = FaceCanvas(self._loop)
        self.controls = RequestControls(self.backend, ranges)
        self.face, self.move, self.param = self.controls.face, self.controls.move, self.controls.param
        self.range_note = self.controls.range_note
        self.generate_button = GenerateButton(
            self.move, self.param, self.face, tooltip="make this edit of the selected face (Enter)",
            on_generate=lambda reading: self._loop.call(self._generating.start_shown, reading, time.time()))
        self.again_button = GenerateButton(
            self.move, self.param, self.face, description="Again", icon="repeat", css="gp-generate-again",
            tooltip="generate these values anew, even if generated before (the service bills each)",
            on_generate=lambda reading: self._loop.call(self._generating.start_shown, reading, time.time(), True))
        self.auto = widgets.ToggleButton(description="auto", icon="refresh",
                                         tooltip="generate when the slider is released")
        self.upload = widgets.FileUpload(accept="image/png,image/jpeg,.png,.jpg,.jpeg", multiple=False,
                                         description="Upload", icon="upload",
                                         tooltip="open a photo of your own (PNG or JPEG) in the editor")
        self.help = widgets.HTML(f"<span class='gp-hint' title='{html.escape(KEYS_HELP, quote=True)}' "
                                 "style='cursor:help'>⌨ keys</span>")
        self.chain_button = widgets.Button(description="Edit this result", icon="level-down", disabled=True,
                                           tooltip="open the shown variant as the photo, to edit it further")
        self.save_button = widgets.Button(description="Save", icon="download", disabled=True,
                                          tooltip="save the shown variant as a PNG (full resolution)")
        self.panes = ComparePanes(self.canvas, self._loop)
        self.result, self.result_pane = self.panes.result, self.panes.result_pane
        self.zoom, self.view, self.divider = self.panes.zoom, self.panes.view, self.panes.divider
        self.history = HistoryStrip(lambda entry: self._loop.call(self._pick, entry))
        self.shown_pictures = Shown(self.session, self.result, self.canvas, self.history)
        """The browser's copies of photos, variants and heat maps; what the result pane draws."""
        self.scrub = ScrubMode(self.session, self._aio, self.controls, self._loop, self._paint_stop,
                               lambda: self.generate_button.ask("auto"))
        """Scrub mode (:class:`~gp_widgets.widgets.scrubbing.ScrubMode`): its ``toggle``, ``ready`` stops, …"""
        self.static_fallback = StaticFallback(self._picture, lambda: f"FaceEditor: {self.status.text}", self._loop)
        self._generating = Generating(self.session, self.controls, self.shown_pictures, self.scrub, self._loop,
                                      ready=self.ready, show=self._show, say=self.status.say, fail=self._fail,
                                      done=self.static_fallback.refresh_soon)

        for widget, name in ((self.status, "status"), (self.history, "history"), (self.upload, "upload"),
                             (self.save_button, "save"), (self.help, "help")):
            widget.add_class(f"gp-{name}")
        widgets.link((self.canvas, "selected"), (self.face, "value"))
        self.param.observe(self._on_param, "value")
        self.move.observe(lambda change: self._loop.call(self.controls.apply_range, change["new"]), "value")
        for control in (self.move, self.face):  # a new move or face: a new fill (after the range is applied)
            control.observe(lambda _: self._loop.call(self.scrub.restart), "value")
        self.upload.observe(self._on_upload, "value")
        self.chain_button.on_click(lambda _: self._loop.call(self._chain))
        self.save_button.on_click(lambda _: self._loop.call(self._save_clicked))
        for canvas in (self.canvas, self.result):
            canvas.on_key_down(lambda *key: self._loop.call(self._on_key, *key))

        actions = widgets.HBox([self.generate_button, self.again_button, self.auto, self.scrub.toggle,
                                self.scrub.confirm_button, self.upload, self.zoom, self.view])
        more = widgets.HBox([self.chain_button, self.save_button, self.help, self.scrub.note])
        for row in (actions, more):
            row.add_class("gp-row")
        super().__init__([self.status, self.panes, self.controls, self.scrub.strip, actions, more, self.history,
                          self.static_fallback.hider])
        self.add_class("gp-face-editor")
        themed(self, {"gp-face-canvas": "the photo: click a face to select it, double-click to zoom to it",
                      "gp-result-canvas": "the result: the variant, the original beside it, or their difference",
                      "gp-history-thumb": "a variant made before (the button under it names the edit)"})
        self.status.say("starting…")
        self._loop.call(self._start_load, image)

    # -- public ------------------------------------------------------------------------

    @property
    def backend(self) -> str:
        """``"local"`` or ``"remote"``."""
        return self._aio.backend

    @property
    def source(self) -> GalleryItem | None:
        """The photo on the canvas (with its faces once detected)."""
        return self.session.source

    @property
    def variants(self) -> list[GalleryItem]:
        """Completed variants, in history order."""
        return [entry.item for entry in self.session.history]

    @property
    def current(self) -> GalleryItem | None:
        """The variant shown, or None."""
        return self.session.shown.item if self.session.shown else None

    @property
    def shown(self) -> Entry | None:
        """The variant shown with the request behind it (``.move``, ``.param``, ``.face``), or None."""
        return self.session.shown

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        return self.status.text

    @property
    def recipe(self) -> Recipe:
        """The chain of edits (move, param, face per step) behind the shown variant; empty before one."""
        return self.session.recipe

    @property
    def timings(self) -> dict[str, float]:
        """When each step of the last generate shown happened (unix seconds, by name in :data:`STEPS`):
        ``requested`` (the click or call reached the kernel), ``submitted`` (the service accepted the
        edit), ``noticed`` (a poll saw the variant complete), ``downloaded``, ``prepared`` (re-encoded
        for the browser), ``sent`` (the drawing left for the browser), ``finished`` (history and heat map
        ready too). A variant seen before has no ``downloaded`` nor ``prepared``. Empty before the first."""
        return dict(self._generating.timings)

    @property
    def ranges(self) -> dict[str, Range]:
        """The calibrated slider ranges given, by move (moves not listed use ±2)."""
        return dict(self.controls.ranges)

    @property
    def busy(self) -> bool:
        """Whether a photo is loading or a variant generating (the buttons return before that work ends)."""
        return self._loading.running or self._generating.job.running

    def picture(self, item_id: str) -> widgets.Image | None:
        """The ``Image`` widget the browser shows for a photo or variant (sent once), or None."""
        return self.shown_pictures.picture(item_id)

    def heat_map(self, variant_id: str) -> widgets.Image | None:
        """The heat map of ``|variant − original|`` the difference view shows, once made, or None."""
        return self.shown_pictures.heat_map(variant_id)

    def all_widgets(self) -> list[widgets.Widget]:
        """Every widget inside the editor (e.g. to check none holds a secret)."""
        found: list[widgets.Widget] = []
        stack = list(self.children)
        while stack:
            child = stack.pop()
            found.append(child)
            stack.extend(getattr(child, "children", ()))
        return found

    async def idle(self) -> None:
        """Wait until no photo is loading and no variant generating; how each ended is in the status line."""
        while self.busy:
            job = self._loading if self._loading.running else self._generating.job
            await _settled(job.future)

    async def ready(self) -> GalleryItem:
        """Wait for the photo's upload and face detection; the photo (faces may be empty)."""
        while self._loading.running:
            await _settled(self._loading.future)
        if self._closed:
            raise RuntimeError("this FaceEditor is closed")
        source = self.session.source
        if source is None or source.faces is None:
            raise RuntimeError(f"the photo did not load: {self.status.text}")
        return source

    async def generate_again(self, move: Move | str | None = None, param: float | None = None,
                             face: int | None = None) -> GalleryItem:
        """:meth:`generate` with ``refresh=True``: a new variant even if this edit was generated before
        (the **Again** button beside Generate)."""
        return await self.generate(move, param, face, refresh=True)

    async def generate(self, move: Move | str | None = None, param: float | None = None,
                       face: int | None = None, *, refresh: bool = False) -> GalleryItem:
        """Generate a variant with exactly these values (``None`` = the control's value).

        An edit asked for before (here or by a sweep, study or recipe: the ledger, see
        :mod:`gp_widgets.runs.ledger`) is fetched by its id, not generated again, and a known failure raised
        again; ``refresh=True`` (or :meth:`generate_again`) asks the service for a new one.

        The controls then display the request (the slider widens to show a param outside its
        range). A move or param the API would refuse raises ``InvalidInputError`` before
        anything is sent. Returns the complete variant; raises what the task raised
        (e.g. ``TaskFailedError``), or ``CancelledError`` if a newer request superseded it.
        """
        variant = await self._generating.generate(move, param, face, refresh=refresh)
        await self.static_fallback.refresh()  # from the awaiting cell too, so an executing notebook saves the result
        return variant

    def save(self, path: str | Path | None = None) -> Path:
        """Write the shown variant's PNG (full resolution, as downloaded); default name in the cwd."""
        return self.session.save(path)

    def close(self) -> None:
        """Cancel running work and close every child widget."""
        if "_loading" not in self.__dict__:  # __init__ refused its arguments: nothing was started
            return
        self._closed = True
        self._loading.cancel()
        self._generating.close()
        self.scrub.close()
        self.shown_pictures.close()
        for child in self.all_widgets():
            child.close()
        super().close()

    def _ipython_display_(self) -> None:
        self.static_fallback.show(self)

    def _picture(self) -> Image.Image:
        """The photo with its face boxes beside the shown variant: what the saved notebook keeps."""
        source, shown = self.session.source, self.session.shown
        photo, variant = self.shown_pictures.pictures()
        return side_by_side([Panel(photo, "photo", (source.faces or ()) if source else (), self.face.value),
                             Panel(variant, shown.label if shown else "no variant yet")],
                            f"FaceEditor · {self.status.text}")

    # -- loading a photo -----------------------------------------------------------------

    def _start_load(self, photo: Photo | GalleryItem | None) -> None:
        self._loading.start(self._load(photo)).add_done_callback(consume)

    async def _load(self, photo: Photo | GalleryItem | None) -> None:
        started = time.monotonic()
        try:
            self.status.say("downloading the photo…" if isinstance(photo, GalleryItem) else "uploading the photo…")
            self.canvas.show_message("loading the photo…")  # a placeholder, not a blank canvas
            item = await self.session.open(photo)
            if not self.shown_pictures.has(item.id):
                encoded = await asyncio.to_thread(encode_photo, self.session.bytes_of(item.id))
                self.shown_pictures.add(item.id, encoded)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bad photo: say so, keep the previous one
            self._fail(exc, "photo")
            return
        self._generating.job.cancel()
        self.scrub.stop()
        self.session.source = item
        self.face.options = WAITING
        shown = self.shown_pictures.get(item.id)
        self.canvas.show_photo(shown.image, shown.width, shown.height, faces_line(None, 0.0))
        self.panes.fit()
        self._sync_buttons()
        self.status.say(faces_line(None, time.monotonic() - started))

        def on_update(_: GalleryItem) -> None:
            self.status.say(faces_line(None, time.monotonic() - started))

        try:
            item = await self.session.wait_for_faces(item, on_update=on_update)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc, "face detection")
            self.face.options = []
            self.canvas.show_message("face detection failed")
            return
        faces = item.faces or ()
        self.face.options = [(f"face {i + 1}", i) for i in range(len(faces))]
        self.face.value = 0 if faces else None
        self.canvas.show_faces(faces, "" if faces else faces_line(0, 0.0))
        self._sync_buttons()
        self.scrub.restart()
        self.status.say(faces_line(len(faces), time.monotonic() - started))
        self.static_fallback.refresh_soon()

    def _on_upload(self, change: dict[str, Any]) -> None:
        if change["new"]:
            file = change["new"][-1]
            self._loop.call(self._take_upload, bytes(file["content"]))

    def _take_upload(self, data: bytes) -> None:
        self.upload.value = ()
        self._start_load(data)

    def _chain(self) -> None:
        if self.session.shown is not None:
            self._start_load(self.session.shown.item)

    # -- result, history ------------------------------------------------------------------------

    def _pick(self, entry: Entry) -> None:
        """Show a variant from the history."""
        self._show(entry)
        self.static_fallback.refresh_soon()

    def _show(self, entry: Entry) -> None:
        self.shown_pictures.show(entry)
        self.scrub.shown_elsewhere()
        self._sync_buttons()

    def _paint_stop(self, param: float, stop: SentImage) -> None:
        """A scrub stop's variant on the result pane, at once (its original left of the divider)."""
        if self.shown_pictures.show_stop(stop):
            label = request_label(self.move.value, param, self.face.value or 0)
            self.status.say(f"{label}: the nearest ready stop (the exact value follows on release)")
            self.view.disabled = False  # a stop compares with the original as a variant does

    # -- slider, keys, save ---------------------------------------------------------------

    def _on_param(self, change: dict[str, Any]) -> None:
        if self.scrub.on:  # the nearest ready stop now; the exact value once the slider is let go of
            if not self.controls.quiet:
                self.scrub.moved(change["new"])
        elif self.auto.value and not self.controls.quiet:
            self._loop.call(self.generate_button.ask, "auto")

    def _on_key(self, key: str, shift: bool, ctrl: bool, meta: bool) -> None:
        action = key_action(key, shift, ctrl, meta)
        if action is None:
            return
        if action.kind == "step":
            self.controls.step(action.value)
        elif action.kind == "generate" and not self.generate_button.disabled:
            self.generate_button.ask("key")
        elif action.kind == "face" and self.source is not None and int(action.value) < len(self.source.faces or ()):
            self.face.value = int(action.value)
        elif action.kind in ("compare", "diff"):
            self.panes.toggle("swipe" if action.kind == "compare" else "diff")
        elif action.kind == "zoom":
            self.panes.toggle_zoom()

    def _save_clicked(self) -> None:
        try:
            path = self.save()
        except (OSError, ValueError) as exc:
            self._fail(exc, "save")
            return
        self.status.say(f"saved {path.name} ({path.stat().st_size / 1024:.0f} KB) in {path.parent}")

    # -- buttons, status --------------------------------------------------------------------

    def _sync_buttons(self) -> None:
        source = self.session.source
        has_faces = bool(source and source.faces)
        self.generate_button.disabled = self.again_button.disabled = not has_faces
        self.zoom.disabled = not has_faces
        for control in (self.view, self.chain_button, self.save_button):
            control.disabled = self.session.shown is None

    def _fail(self, exc: BaseException, what: str) -> None:
        self.status.say(f"{what}: {error_line(exc)}", error=True)
        self.static_fallback.refresh_soon()
