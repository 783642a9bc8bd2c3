"""The editor's scrub mode: a toggle that fills the current move's slider range at a coarse step in the
background (:mod:`.scrub`, through the shared cell runner), ticks under the slider for the stops ready,
the nearest ready variant painted at once while the slider moves, the exact value generated on release.

On the service (``backend == "remote"``) a fill never starts by itself: the editor says how many variants
it would request and waits for a click on the confirmation button. A fill stops when the move, the face,
the photo or the range changes (on the local engine the next one starts at once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..api import AsyncClient
from ..editing.scrub import SCRUB_CONCURRENCY, ScrubFill, known_stops, nearest_ready, scrub_stops, start_fill
from ..editing.session import EditorSession, encode_shown
from ..sweeps.records import CellRecord
from ..sweeps.run import SweepRun
from .controls import RequestControls
from .history import SentImage, sent_image
from .loop import KernelLoop, Latest
from .scrub_strip import ScrubStrip

__all__ = ["ScrubMode"]

log = logging.getLogger("gp_widgets")

Key = tuple[str, str, int, tuple[float, ...]]  # photo id, move, face, stops


class ScrubMode:
    """Scrub mode of one editor. ``paint(stop, view)`` shows a ready stop's variant on the result pane (at once);
    ``refine()`` asks for the exact value the page shows (a Generate); ``say(text)`` sets the status line."""

    def __init__(self, session: EditorSession, aio: AsyncClient, controls: RequestControls, loop: KernelLoop,
                 paint: Callable[[float, SentImage], Any], refine: Callable[[], Any], *,
                 concurrency: int = SCRUB_CONCURRENCY) -> None:
        self._session, self._aio, self._controls, self._loop = session, aio, controls, loop
        self._paint, self._refine = paint, refine
        self.concurrency = concurrency
        self.toggle = widgets.ToggleButton(description="scrub", icon="film", tooltip=(
            "fill this move's range in the background; moving the slider shows the nearest ready variant"))
        self.confirm_button = widgets.Button(description="", icon="check", button_style="warning",
                                             layout=widgets.Layout(display="none", width="auto"))
        self.note = widgets.HTML()
        self.strip = ScrubStrip(on_release=lambda: loop.call(self._released))
        for widget, name in ((self.toggle, "scrub"), (self.confirm_button, "scrub-confirm"),
                             (self.note, "scrub-note")):
            widget.add_class(f"gp-{name}")
        self.toggle.observe(lambda _: loop.call(self._toggled), "value")
        self.confirm_button.on_click(lambda _: loop.call(self.confirm))
        self._preparing = Latest(loop)
        self._key: Key | None = None
        self._waiting: Key | None = None  # a fill waiting for its confirmation click
        self._run: SweepRun | None = None
        self._runner: ScrubFill | None = None
        self._images: dict[float, SentImage] = {}
        self._holds = 0
        self._to_confirm = 0
        self.shown_stop: float | None = None
        """The stop whose variant the result pane shows while scrubbing (None once a Generate shows)."""

    # -- read-outs ---------------------------------------------------------------------------

    @property
    def on(self) -> bool:
        return bool(self.toggle.value)

    @property
    def stops(self) -> tuple[float, ...]:
        """The stops of the current fill (empty when off)."""
        return self._key[3] if self._key else ()

    @property
    def ready(self) -> list[float]:
        """The stops whose variant can be painted at once, ascending."""
        return sorted(self._images)

    @property
    def filling(self) -> bool:
        return self._run is not None and not self._run.done

    @property
    def to_confirm(self) -> int | None:
        """How many variants a fill waiting for its confirmation would request (None: none waiting)."""
        return self._to_confirm if self._waiting else None

    @property
    def held(self) -> bool:
        """Whether the fill waits for an explicit request to finish."""
        return self._holds > 0

    def picture(self, stop: float) -> Any:
        """The ``Image`` widget of a ready stop's variant, or None."""
        ready = self._images.get(stop)
        return ready.image if ready else None

    # -- control -----------------------------------------------------------------------------

    def restart(self) -> None:
        """Stop the fill; if scrub mode is on, prepare the fill of the current photo, move, face and range."""
        self.stop()
        if self.on:
            self._preparing.start(self._prepare()).add_done_callback(_consume)

    def stop(self) -> None:
        """Cancel the fill and forget its stops (their variants stay in the ledger and disk cache)."""
        self._preparing.cancel()
        if self._run is not None:
            self._run.cancel()
        self._run = self._runner = self._key = self._waiting = None
        self._images.clear()
        self.shown_stop = None
        self.confirm_button.layout.display = "none"
        self.strip.ready, self.strip.stops, self.strip.shown = [], [], None
        self.note.value = ""

    def confirm(self) -> None:
        """Start the fill waiting for its confirmation (the button's click)."""
        if self._waiting is not None:
            key, self._waiting = self._waiting, None
            self.confirm_button.layout.display = "none"
            self._start(key)

    def hold(self) -> None:
        """An explicit request starts: the fill submits nothing new until :meth:`release`."""
        self._holds += 1
        if self._runner is not None:
            self._runner.gate.hold()

    def release(self) -> None:
        self._holds = max(0, self._holds - 1)
        if self._runner is not None:
            self._runner.gate.release()

    def moved(self, value: float) -> None:
        """The slider moved while scrubbing: paint the nearest ready stop's variant at once."""
        stop = nearest_ready(value, self._images)
        if stop is None:
            return
        if stop != self.shown_stop:
            self._paint(stop, self._images[stop])
            self.shown_stop = self.strip.shown = stop

    def shown_elsewhere(self) -> None:
        """A generated variant is shown: no stop is."""
        self.shown_stop = self.strip.shown = None

    def close(self) -> None:
        self.stop()
        for ready in self._images.values():
            ready.image.close()

    # -- internals ----------------------------------------------------------------------------

    def _toggled(self) -> None:
        self._controls.param.continuous_update = self.on  # every position reaches the kernel while scrubbing
        self.strip.active = self.on
        self.restart()

    def _released(self) -> None:
        if self.on:
            self._refine()

    async def _prepare(self) -> None:
        source, face = self._session.source, self._controls.face.value
        if source is None or not source.faces or face is None:
            self.note.value = "scrub: waiting for a face"
            return
        param = self._controls.param
        stops = scrub_stops(param.min, param.max, step=param.step)
        key: Key = (source.id, self._controls.move.value, int(face), stops)
        self._key = key
        self.strip.lo, self.strip.hi, self.strip.stops = float(param.min), float(param.max), list(stops)
        if self._aio.backend != "remote":
            self._start(key)
            return
        known = await asyncio.to_thread(known_stops, self._session.ledger, source, key[2], key[1], stops)
        self._to_confirm = len(stops) - len(known)
        if self._to_confirm == 0:
            self._start(key)
            return
        self._waiting = key
        self.confirm_button.description = f"Request {self._to_confirm} variants"
        self.confirm_button.layout.display = ""
        self.note.value = (f"scrub on the service: {self._to_confirm} variants to request "
                           f"({len(known)} known) — each is billed")

    def _start(self, key: Key) -> None:
        source = self._session.source
        if source is None or key != self._key:
            return
        self._run, self._runner = start_fill(source, key[1], key[2], key[3], self._aio,
                                             lambda rec: self._loop.call(self._arrived, key, rec),
                                             concurrency=self.concurrency, cache_dir=self._session.cache_dir)
        for _ in range(self._holds):
            self._runner.gate.hold()
        self._say_progress()

    def _arrived(self, key: Key, rec: CellRecord) -> None:
        if key == self._key and rec.variant_id:
            task = asyncio.ensure_future(self._load(key, rec.cell.param, rec.variant_id))
            task.add_done_callback(_consume)

    async def _load(self, key: Key, stop: float, variant_id: str) -> None:
        data = await asyncio.to_thread(self._session.cache.get, variant_id)
        if data is None or key != self._key:
            return
        encoded, _ = await asyncio.to_thread(encode_shown, data)
        if key != self._key:
            return
        self._images[stop] = sent_image(encoded)
        self.strip.ready = self.ready
        self._say_progress()
        if self.on and self.shown_stop is None and abs(self._controls.param.value - stop) < 1e-9:
            self.moved(stop)

    def _say_progress(self) -> None:
        self.note.value = f"scrub: {len(self._images)}/{len(self.stops)} ready"


def _consume(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("scrub: %s", future.exception())

