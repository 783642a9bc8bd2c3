"""The editor's generate flow: from a request (what the page showed on a Generate, or a call's values) to the
variant shown. The session asks through the ledger while the status line says how it goes; the variant is
painted first, its history thumbnail and heat map follow. The latest request wins; an explicit request holds
scrub mode's fill until it ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from PIL import Image

from ..api import GalleryItem, Move, check_param
from ..api.constants import CellStatus, TaskStatus
from ..api.errors import InvalidInputError
from ..api.portal import Future
from ..editing.labels import request_label, task_line
from ..editing.session import EditorSession, Entry, encode_rest, encode_shown
from .controls import RequestControls
from .generate_button import Reading, option_value
from .history import Shown
from .loop import KernelLoop, Latest, consume
from .scrubbing import ScrubMode

__all__ = ["STEPS", "Generating"]

Request = tuple[str, float, int | None]
STEPS = ("requested", "submitted", "noticed", "downloaded", "prepared", "sent", "finished")
"""The steps of a generate that :attr:`FaceEditor.timings` times, in order."""


class Generating:
    """One editor's generate flow. :meth:`start` a ``(move, param, face)`` request, :meth:`start_shown` what the
    page showed, or await :meth:`generate` with a call's values; :attr:`job` is the latest, :attr:`timings` the
    steps of the last one shown.

    The editor supplies ``ready()`` (its photo, once faces are detected), ``show(entry)`` (a variant on the
    result pane), ``say(text)`` and ``fail(exc, what)`` (its status line) and ``done()`` (called when a
    variant is shown and its history entry made, for the saved notebook's picture).
    """

    def __init__(self, session: EditorSession, controls: RequestControls, shown: Shown, scrub: ScrubMode,
                 loop: KernelLoop, *, ready: Callable[[], Awaitable[GalleryItem]], show: Callable[[Entry], Any],
                 say: Callable[[str], Any], fail: Callable[[BaseException, str], Any],
                 done: Callable[[], Any]) -> None:
        self._session, self._controls, self._shown, self._scrub = session, controls, shown, scrub
        self._ready, self._show, self._say, self._fail, self._done = ready, show, say, fail, done
        self.job = Latest(loop)
        self.timings: dict[str, float] = {}
        self._closed = False

    def start(self, request: Request, requested: float | None = None, *, refresh: bool = False) -> Future:
        """Start generating ``request``; a newer start cancels it. ``requested``: when the request reached the
        kernel (unix seconds; default now)."""
        future = self.job.start(self._generate(*request, requested or time.time(), refresh=refresh))
        future.add_done_callback(consume)
        return future

    def start_shown(self, reading: Reading, requested: float, refresh: bool = False) -> None:
        """Generate what the page showed (the click carried it; the kernel's own controls may still be
        waiting for the page's latest update)."""
        controls = self._controls
        move = option_value(controls.move.options, reading.move)
        face = option_value(controls.face.options, reading.face)
        self.start((move if move is not None else controls.move.value,
                    reading.param if reading.param is not None else float(controls.param.value),
                    face if face is not None else controls.face.value), requested, refresh=refresh)

    async def generate(self, move: Move | str | None, param: float | None, face: int | None, *,
                       refresh: bool = False) -> GalleryItem:
        """A call's request (``None``: the control's value), refused as the API would (``InvalidInputError``)
        before anything is sent, displayed by the controls, then generated; the complete variant."""
        if move is not None:
            try:
                move = Move(str(move)).value
            except ValueError:
                raise InvalidInputError(f"unknown move {move!r}; see gp.Move") from None
        if param is not None:
            param = check_param(param)
        source = await self._ready()
        if face is not None and not 0 <= face < len(source.faces or ()):
            raise InvalidInputError(f"face {face} is not in this photo ({len(source.faces or ())} faces)")
        self._controls.show_request(move, param, face)
        return await asyncio.wrap_future(self.start(self._controls.request, refresh=refresh))

    def close(self) -> None:
        """Cancel the running generate; a variant already shown is not added to the history any more."""
        self._closed = True
        self.job.cancel()

    async def _generate(self, move: str, param: float, face: int | None, requested: float,
                        refresh: bool = False) -> GalleryItem:
        started = time.monotonic()
        steps = {"requested": requested}
        what = request_label(move, param, face or 0)
        session = self._session
        self._scrub.hold()  # the request of the moment goes first: the fill submits nothing new meanwhile

        def on_update(item: GalleryItem) -> None:
            # "complete" is said once the variant is shown; until then it is on its way
            state = (CellStatus.downloading if item.task.done and not item.task.failed
                     else item.status or TaskStatus.waiting)
            self._say(task_line(what, state, time.monotonic() - started))

        try:
            source = await self._ready()
            if face is None or not source.faces:
                raise ValueError("no face to edit in this photo")
            self._say(task_line(what, "sending", 0.0))
            variant = await session.ask(source, move, param, face, refresh=refresh, on_update=on_update,
                                        on_submitted=lambda: steps.setdefault("submitted", time.time()))
            steps["noticed"] = time.time()
            entry = session.entry(variant.id)
            if entry is None:
                data = await session.download(variant)
                steps["downloaded"] = time.time()
                shown, rgb = await asyncio.to_thread(encode_shown, data)
                self._shown.add(variant.id, shown)
                steps["prepared"] = time.time()
                entry = session.remember(variant, source, move, param, face)
                self._show(entry)  # the variant first: a person is watching; history and heat map follow
                steps["sent"] = time.time()
                finish = asyncio.create_task(self._finish(entry, session.bytes_of(source.id), rgb))
                finish.add_done_callback(consume)
                await asyncio.shield(finish)  # a newer request does not leave a shown variant out of the history
            else:
                self._show(entry)
                steps["sent"] = time.time()
        except Exception as exc:  # a cancellation (a newer request) is not a failure: it passes
            self._fail(exc, what)
            raise
        finally:
            self._scrub.release()
        steps["finished"] = time.time()
        self.timings = steps
        self._say(task_line(what, CellStatus.complete, time.monotonic() - started))
        self._done()
        return variant

    async def _finish(self, entry: Entry, original: bytes, rgb: Image.Image) -> None:
        """The shown variant's history thumbnail and heat map, prepared after it is painted."""
        thumb, diff = await asyncio.to_thread(encode_rest, original, rgb)
        if not self._closed:
            self._shown.finished(entry, thumb, diff)
