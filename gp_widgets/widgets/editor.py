"""``FaceEditor``: pick a face on the photo, a move and a param; watch the variant arrive beside it,
compare it (zoom, before/after divider, difference heat map), replay its recipe elsewhere."""

from __future__ import annotations

import asyncio
import hashlib
import html
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
from PIL import Image

from ..analysis.views import diff_heatmap
from ..api import AsyncClient, Client, GalleryItem, Move, check_param
from ..api.errors import InvalidInputError, NotFoundError, TaskFailedError
from ..api.uploads import Photo, to_upload
from ..imaging import PHOTO_MAX_SIDE, THUMB_MAX_SIDE, Encoded, decode_rgb, encode_for_browser, open_rgb
from ..recipes import Recipe
from ..runs.cache import VariantCache
from ..runs.ledger import Ledger
from .canvas import CompareCanvas, FaceCanvas
from .generate_button import GenerateButton, Reading, option_value
from .keys import KEYS_HELP, key_action
from .labels import backend_name, error_line, faces_line, move_options, request_label, task_line
from .loop import KernelLoop, Latest
from .pictures import Panel, side_by_side
from .ranges import DEFAULT_RANGE, Range, parse_ranges, range_note, widened
from .static import StaticFallback

__all__ = ["FaceEditor"]

HISTORY_THUMB_HEIGHT = 72
VIEWS = (("variant", "variant"), ("before | after", "swipe"), ("difference", "diff"))
Request = tuple[str, float, int | None]
STEPS = ("requested", "submitted", "noticed", "downloaded", "prepared", "sent", "finished")
"""The steps of a generate that :attr:`FaceEditor.timings` times, in order."""


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


def _encode(data: bytes) -> Encoded:
    """A photo as the canvas shows it (runs in a thread)."""
    return encode_for_browser(open_rgb(data), PHOTO_MAX_SIDE)


def _encode_shown(variant: bytes) -> tuple[Encoded, Image.Image]:
    """The variant as the result pane paints it, fast, and decoded for :func:`_encode_rest` (runs in a thread)."""
    rgb = open_rgb(variant)
    return encode_for_browser(rgb, PHOTO_MAX_SIDE, optimize=False), rgb


def _encode_rest(original: bytes, variant: Image.Image) -> tuple[Encoded, Encoded]:
    """The variant's history thumbnail and the heat map of |variant − original| (the grids' difference
    view) at the pane's size (runs in a thread, once the variant shows)."""
    before = decode_rgb(original)
    after = variant if variant.size == (before.shape[1], before.shape[0]) else \
        variant.resize((before.shape[1], before.shape[0]), Image.Resampling.LANCZOS)
    heat, _ = diff_heatmap(before, np.asarray(after))
    return encode_for_browser(variant, THUMB_MAX_SIDE), encode_for_browser(Image.fromarray(heat), PHOTO_MAX_SIDE)


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
    (default: ``gp.connect()``); ``ranges`` maps moves to the slider's ``(lo, hi)``
    (e.g. a calibration result; default ±2). Network work runs as tasks on the kernel's
    loop, so every button returns at once; the latest request wins. Keys (with the photo
    or the result focused): see :data:`~gp_widgets.widgets.keys.KEYS_HELP`.
    """

    def __init__(self, image: Photo | GalleryItem | None = None, client: Client | AsyncClient | None = None,
                 ranges: Mapping[Any, Any] | None = None) -> None:
        self._ranges = parse_ranges(ranges)
        if client is None:
            from ..connect import connect

            client = connect()
        self._loop = KernelLoop()
        self._aio = client if isinstance(client, AsyncClient) else client.aio
        self._loading = Latest(self._loop)
        self._generating = Latest(self._loop)
        self._source: GalleryItem | None = None
        self._views: dict[str, _View] = {}
        self._diffs: dict[str, _View] = {}
        self._bytes: dict[str, bytes] = {}  # originals and variants as downloaded, by item id
        self._recipes: dict[str, Recipe] = {}
        self._entries: dict[str, _Variant] = {}  # variants shown, by item id
        self._history: list[_Variant] = []  # those whose thumbnail and heat map are ready
        self._shown: _Variant | None = None
        self._quiet = False
        self._closed = False
        self._status_text = ""
        self._timings: dict[str, float] = {}
        self._ledger_: Ledger | None = None

        self.status = widgets.HTML()
        self.canvas = FaceCanvas(self._loop)
        self.face = widgets.Dropdown(description="face", options=[], layout=widgets.Layout(width="150px"))
        self.face.style.description_width = "40px"
        self.move = widgets.Dropdown(description="move", options=move_options(self.backend), value=Move.smile.value,
                                     layout=widgets.Layout(width="260px"))
        self.move.style.description_width = "40px"
        self.param = widgets.FloatSlider(
            value=1.0, min=DEFAULT_RANGE[0], max=DEFAULT_RANGE[1], step=0.05, description="param",
            continuous_update=False, readout_format="+.2f",
        )
        self.range_note = widgets.HTML()
        self.generate_button = GenerateButton(
            self.move, self.param, self.face,
            on_generate=lambda reading: self._loop.call(self._generate_shown, reading, time.time()))
        self.auto = widgets.ToggleButton(description="auto", icon="refresh",
                                         tooltip="generate when the slider is released")
        self.upload = widgets.FileUpload(accept="image/png,image/jpeg,.png,.jpg,.jpeg", multiple=False,
                                         description="Photo…")
        self.zoom = widgets.ToggleButton(description="zoom to face", icon="search-plus", disabled=True,
                                         tooltip="zoom both panes to the selected face (or double-click a box)")
        self.view = widgets.ToggleButtons(options=VIEWS, value="variant", disabled=True,
                                          tooltips=["the variant",
                                                    "drag across the result: original left, variant right",
                                                    "|variant − original| as a heat map"],
                                          style={"button_width": "auto"})
        self.divider = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, readout=False,
                                           description="before | after", layout=widgets.Layout(width="100%"))
        self.divider.style.description_width = "auto"
        self.help = widgets.HTML(f"<span title='{html.escape(KEYS_HELP, quote=True)}' "
                                 "style='cursor:help;color:#555'>⌨ keys</span>")
        self.chain_button = widgets.Button(description="Edit this result", icon="level-down", disabled=True)
        self.save_button = widgets.Button(description="Save", icon="download", disabled=True)
        self.result = CompareCanvas(self._loop)
        self.history = widgets.HBox(layout=widgets.Layout(overflow="auto hidden", min_height="0"))
        self._static = StaticFallback(self._picture, lambda: f"FaceEditor: {self._status_text}", self._loop)

        for widget, name in ((self.status, "status"), (self.move, "move"), (self.param, "param"),
                             (self.face, "face"), (self.result, "result"),
                             (self.history, "history"), (self.upload, "upload"), (self.save_button, "save"),
                             (self.zoom, "zoom"), (self.view, "view"), (self.divider, "divider"),
                             (self.range_note, "range"), (self.help, "help")):
            widget.add_class(f"gp-{name}")
        widgets.link((self.canvas, "selected"), (self.face, "value"))
        widgets.link((self.view, "value"), (self.result, "mode"))
        widgets.link((self.divider, "value"), (self.result, "divider"))
        self.param.observe(self._on_param, "value")
        self.move.observe(lambda change: self._loop.call(self._apply_range, change["new"]), "value")
        self.upload.observe(self._on_upload, "value")
        self.zoom.observe(lambda _: self._loop.call(self._zoom_clicked), "value")
        self.canvas.observe(lambda _: self._loop.call(self._zoom_changed), "zoom_face")
        self.canvas.observe(lambda _: self._loop.call(self._follow_selection), "selected")
        self.view.observe(lambda _: self._loop.call(self._sync_divider), "value")
        self.chain_button.on_click(lambda _: self._loop.call(self._chain))
        self.save_button.on_click(lambda _: self._loop.call(self._save_clicked))
        for canvas in (self.canvas, self.result):
            canvas.on_key_down(lambda *key: self._loop.call(self._on_key, *key))

        result_pane = widgets.VBox([self.result, self.divider],
                                   layout=widgets.Layout(margin="0 0 0 12px", min_width="0", flex="0 1 320px"))
        self._result_pane = result_pane
        super().__init__([
            self.status,
            widgets.HBox([self.canvas, result_pane], layout=widgets.Layout(align_items="flex-start")),
            widgets.HBox([self.face, self.move, self.param, self.range_note]),
            widgets.HBox([self.generate_button, self.auto, self.upload, self.zoom, self.view]),
            widgets.HBox([self.chain_button, self.save_button, self.help]),
            self.history,
            self._static.hider,
        ])
        self.add_class("gp-face-editor")
        self._apply_range(self.move.value)
        self._sync_divider()
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

    @property
    def recipe(self) -> Recipe:
        """The chain of edits (move, param, face per step) behind the shown variant; empty before one."""
        return self._recipes.get(self._shown.item.id, Recipe()) if self._shown else Recipe()

    @property
    def timings(self) -> dict[str, float]:
        """When each step of the last generate shown happened (unix seconds, by name in :data:`STEPS`):
        ``requested`` (the click or call reached the kernel), ``submitted`` (the service accepted the
        edit), ``noticed`` (a poll saw the variant complete), ``downloaded``, ``prepared`` (re-encoded
        for the browser), ``sent`` (the drawing left for the browser), ``finished`` (history and heat map
        ready too). A variant seen before has no ``downloaded`` nor ``prepared``. Empty before the first."""
        return dict(self._timings)

    @property
    def ranges(self) -> dict[str, Range]:
        """The calibrated slider ranges given, by move (moves not listed use ±2)."""
        return dict(self._ranges)

    @property
    def busy(self) -> bool:
        """Whether a photo is loading or a variant generating (the buttons return before that work ends)."""
        return self._loading.running or self._generating.running

    async def idle(self) -> None:
        """Wait until no photo is loading and no variant generating; how each ended is in the status line."""
        while self.busy:
            job = self._loading if self._loading.running else self._generating
            await _settled(job.future)

    async def ready(self) -> GalleryItem:
        """Wait for the photo's upload and face detection; the photo (faces may be empty)."""
        while self._loading.running:
            await _settled(self._loading.future)
        if self._closed:
            raise RuntimeError("this FaceEditor is closed")
        if self._source is None or self._source.faces is None:
            raise RuntimeError(f"the photo did not load: {self._status_text}")
        return self._source

    async def generate_again(self, move: Move | str | None = None, param: float | None = None,
                             face: int | None = None) -> GalleryItem:
        """:meth:`generate` with ``refresh=True``: a new variant even if this edit was generated before."""
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
        if move is not None:
            try:
                move = Move(str(move)).value
            except ValueError:
                raise InvalidInputError(f"unknown move {move!r}; see gp.Move") from None
        if param is not None:
            param = check_param(param)
        source = await self.ready()
        if face is not None and not 0 <= face < len(source.faces or ()):
            raise InvalidInputError(f"face {face} is not in this photo ({len(source.faces or ())} faces)")
        self._set_controls(move, param, face)
        request = (move if move is not None else self.move.value,
                   param if param is not None else float(self.param.value),
                   face if face is not None else self.face.value)
        variant = await asyncio.wrap_future(self._start_generate(request, refresh=refresh))
        await self._static.refresh()  # from the awaiting cell too, so an executing notebook saves the result
        return variant

    def save(self, path: str | Path | None = None) -> Path:
        """Write the shown variant's PNG (full resolution, as downloaded); default name in the cwd."""
        if self._shown is None:
            raise ValueError("no variant to save yet: generate one first")
        target = Path(path) if path is not None else Path.cwd() / self._shown.filename
        target.write_bytes(self._bytes[self._shown.item.id])
        return target

    def close(self) -> None:
        """Cancel running work and close every child widget."""
        if "_loading" not in self.__dict__:  # __init__ refused its arguments: nothing was started
            return
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
        photo = open_rgb(self._views[source.id].image.value) if source and source.id in self._views else None
        variant = open_rgb(self._views[shown.item.id].image.value) if shown else None
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
        self._recipes.setdefault(item.id, Recipe())
        view = self._views[item.id]
        self.canvas.show_photo(view.image, view.width, view.height, faces_line(None, 0.0))
        self._result_pane.layout.flex = self.canvas.layout.flex
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
                self._views[photo.id] = _view(await asyncio.to_thread(_encode, data))
                self._bytes[photo.id] = data
            return photo
        if photo is None:
            from .. import samples

            photo = await asyncio.to_thread(samples.portrait)
        self._say("uploading the photo…")
        file = await asyncio.to_thread(to_upload, photo, filename)
        item = await self._uploaded(file.content, file.filename)
        self._views[item.id] = _view(await asyncio.to_thread(_encode, file.content))
        self._bytes[item.id] = file.content
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

    def _set_controls(self, move: str | None, param: float | None, face: int | None) -> None:
        """Display a request on the controls (they show it; the request itself carries its values)."""
        self._quiet = True
        try:
            if move is not None:
                self.move.value = move
                self._apply_range(move)
            if param is not None:
                self._set_limits(widened((self.param.min, self.param.max), param))
                self.param.value = param
            if face is not None:
                self.face.value = face
        finally:
            self._quiet = False

    def _apply_range(self, move: str) -> None:
        """The slider's limits for ``move``: its calibrated range (shown beside it) or the default."""
        limits = self._ranges.get(move)
        self.range_note.value = html.escape(range_note(limits))
        self._set_limits(limits or DEFAULT_RANGE)

    def _set_limits(self, limits: Range) -> None:
        quiet, self._quiet = self._quiet, True
        try:
            lo, hi = limits
            if lo > self.param.max:  # set the side that keeps min <= max at every step first
                self.param.max, self.param.min = hi, lo
            else:
                self.param.min, self.param.max = lo, hi
        finally:
            self._quiet = quiet

    def _on_param(self, _: dict[str, Any]) -> None:
        if self.auto.value and not self._quiet:
            self._loop.call(self.generate_button.ask, "auto")

    def _start_generate(self, request: Request | None = None, requested: float | None = None, *,
                        refresh: bool = False) -> Any:
        """Start generating ``request`` (default: what the controls show); the latest start wins.
        ``requested``: when the request reached the kernel (unix seconds; default now)."""
        request = request or (self.move.value, float(self.param.value), self.face.value)
        future = self._generating.start(self._generate(*request, requested or time.time(), refresh=refresh))
        future.add_done_callback(_consume)
        return future

    def _generate_shown(self, reading: Reading, requested: float) -> None:
        """Generate what the page showed (the click carried it; the kernel's own controls may still be
        waiting for the page's latest update)."""
        move = option_value(self.move.options, reading.move)
        face = option_value(self.face.options, reading.face)
        self._start_generate((move if move is not None else self.move.value,
                              reading.param if reading.param is not None else float(self.param.value),
                              face if face is not None else self.face.value), requested)

    async def _generate(self, move: str, param: float, face: int | None, requested: float,
                        refresh: bool = False) -> GalleryItem:
        started = time.monotonic()
        steps = {"requested": requested}
        what = request_label(move, param, face or 0)
        try:
            source = await self.ready()
            if face is None or not source.faces:
                raise ValueError("no face to edit in this photo")
            self._say(task_line(what, "sending", 0.0))
            variant, key = await self._ask(source, move, param, face, refresh)
            steps["submitted"] = time.time()

            def on_update(item: GalleryItem) -> None:
                # "complete" is said once the variant is shown; until then it is on its way
                state = "downloading" if item.task.done and not item.task.failed else item.status or "waiting"
                self._say(task_line(what, state, time.monotonic() - started))

            try:
                variant = await self._aio.wait(variant, on_update=on_update)
            except TaskFailedError as exc:
                await asyncio.to_thread(self._ledger().record, *key, exc.item.id, exc.item)
                raise
            steps["noticed"] = time.time()
            entry = self._entries.get(variant.id)
            if entry is None:
                data = await self._aio.download(variant)
                steps["downloaded"] = time.time()
                shown, rgb = await asyncio.to_thread(_encode_shown, data)
                self._views[variant.id], self._bytes[variant.id] = _view(shown), data
                self._recipes.setdefault(variant.id, self._recipes.get(source.id, Recipe()).then(move, param, face))
                steps["prepared"] = time.time()
                entry = self._entries[variant.id] = _Variant(variant, move, param, face)
                self._show(entry)  # the variant first: a person is watching; history and heat map follow
                steps["sent"] = time.time()
                finish = asyncio.create_task(self._finish(entry, self._bytes[source.id], rgb))
                finish.add_done_callback(_consume)
                await asyncio.shield(finish)  # a newer request does not leave a shown variant out of the history
            else:
                self._show(entry)
                steps["sent"] = time.time()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc, what)
            raise
        steps["finished"] = time.time()
        self._timings = steps
        self._say(task_line(what, "complete", time.monotonic() - started))
        self._static.refresh_soon()
        return variant

    def _ledger(self) -> Ledger:
        """What was asked of this service and team (shared with sweeps, studies, recipes), in the default cache."""
        if self._ledger_ is None:
            settings = self._aio.settings
            self._ledger_ = Ledger(VariantCache(settings.base_url, settings.api_key))
        return self._ledger_

    async def _uploaded(self, content: bytes, filename: str) -> GalleryItem:
        """The document of these bytes: uploaded before (by content hash, this service and team), else now."""
        cache, sha = self._ledger().cache, hashlib.sha256(content).hexdigest()
        known = await asyncio.to_thread(cache.upload_id, sha)
        if known is not None:
            try:
                return await self._aio.get(known)
            except NotFoundError:
                pass
        item = await self._aio.upload(content, filename)
        await asyncio.to_thread(cache.remember_upload, sha, item.id)
        return item

    async def _ask(self, source: GalleryItem, move: str, param: float, face: int, refresh: bool
                   ) -> tuple[GalleryItem, tuple[str, int, str, float]]:
        """The variant of this edit as the ledger knows it (fetched by id; a known failure raised again),
        else PUT and recorded at once; with the ledger key, for recording a failure."""
        ledger = self._ledger()
        key = (await asyncio.to_thread(ledger.source, source), face, move, param)
        known = None if refresh else await asyncio.to_thread(ledger.lookup, *key)
        if known is not None and known.failed is not None:
            raise TaskFailedError(known.failed.task.error_code, known.failed)
        if known is not None:
            try:
                return await self._aio.get(known.variant_id), key
            except NotFoundError:
                pass
        variant = await self._aio.edit(source, move, param, face)
        await asyncio.to_thread(ledger.record, *key, variant.id)
        return variant, key

    async def _finish(self, entry: _Variant, original: bytes, rgb: Image.Image) -> None:
        """The shown variant's history thumbnail and heat map, prepared after it is painted."""
        thumb, diff = await asyncio.to_thread(_encode_rest, original, rgb)
        if self._closed:
            return
        self._diffs[entry.item.id] = _view(diff)
        self._add_to_history(entry, thumb)
        if self._shown is entry:
            self.result.show_diff(self._diffs[entry.item.id].image)

    # -- result, history, compare, save ----------------------------------------------------

    def _add_to_history(self, entry: _Variant, thumb: Encoded) -> None:
        self._history.append(entry)
        image = widgets.Image(value=thumb.data, format=thumb.format,
                              layout=widgets.Layout(height=f"{HISTORY_THUMB_HEIGHT}px", width="auto"))
        button = widgets.Button(description=entry.label, tooltip=entry.label, layout=widgets.Layout(width="auto"),
                                button_style="info" if entry is self._shown else "")
        button.on_click(lambda _: self._loop.call(self._pick, entry))
        self.history.children = (*self.history.children,
                                 widgets.VBox([image, button], layout=widgets.Layout(margin="4px",
                                                                                     align_items="center")))

    def _pick(self, entry: _Variant) -> None:
        """Show a variant from the history."""
        self._show(entry)
        self._static.refresh_soon()

    def _show(self, entry: _Variant) -> None:
        self._shown = entry
        item = entry.item
        after = self._views[item.id]
        source_id = item.source_id or (self._source.id if self._source else "")
        diff = self._diffs.get(item.id)
        self.result.show(after.image, self._views[source_id].image, diff.image if diff else None, after.width,
                         after.height, self.canvas.relative_crop)
        for box, variant in zip(self.history.children, self._history, strict=False):
            box.children[1].button_style = "info" if variant is entry else ""
        self._sync_buttons()

    # -- zoom, compare, keys -----------------------------------------------------------------

    def _zoom_clicked(self) -> None:
        self.canvas.zoom_face = self.face.value if self.zoom.value else None

    def _zoom_changed(self) -> None:
        """Both panes show the same crop; the button follows a double-click zoom."""
        self.zoom.value = self.canvas.zoom_face is not None
        self.result.zoom(self.canvas.relative_crop)

    def _follow_selection(self) -> None:
        if self.canvas.zoom_face is not None and self.canvas.selected is not None:
            self.canvas.zoom_face = self.canvas.selected

    def _sync_divider(self) -> None:
        self.divider.layout.visibility = "visible" if self.view.value == "swipe" else "hidden"

    def _on_key(self, key: str, shift: bool, ctrl: bool, meta: bool) -> None:
        action = key_action(key, shift, ctrl, meta)
        if action is None:
            return
        if action.kind == "step":
            self.param.value = round(min(max(self.param.value + action.value, self.param.min), self.param.max), 6)
        elif action.kind == "generate" and not self.generate_button.disabled:
            self.generate_button.ask("key")
        elif action.kind == "face" and int(action.value) < len(self.face.options):
            self.face.value = int(action.value)
        elif action.kind in ("compare", "diff") and not self.view.disabled:
            target = "swipe" if action.kind == "compare" else "diff"
            self.view.value = "variant" if self.view.value == target else target
        elif action.kind == "zoom" and not self.zoom.disabled:
            self.zoom.value = not self.zoom.value

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
        self.zoom.disabled = not has_faces
        for control in (self.view, self.chain_button, self.save_button):
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
