"""Scrubbing through a move, without widgets: which stops of the slider to fill, the nearest one ready, and
the fill itself -- a small sweep through the shared cell runner (same ledger, gate, pacing and disk cache as
every sweep), that measures nothing and can be held while a person's explicit request runs.

Stops filled before (this kernel or an earlier one) are in the ledger and the disk cache: a new fill of the
same stops asks the service for nothing.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from ..api import AsyncClient, Client, GalleryItem
from ..api.constants import CellStatus
from ..runs.gate import Gate
from ..runs.ledger import Ledger
from ..sweeps.records import CellRecord
from ..sweeps.run import SweepRun
from ..sweeps.runner import SweepRunner
from ..sweeps.spec import SweepSpec

__all__ = ["SCRUB_CONCURRENCY", "SCRUB_STOPS", "HoldableGate", "ScrubFill", "known_stops", "nearest_ready",
           "scrub_stops", "start_fill"]

SCRUB_STOPS = 9
"""Stops a fill makes across the slider's range (its ends included)."""
SCRUB_CONCURRENCY = 3
"""Fill variants in flight at once: fewer than a service's workers (the local engine's default is 4), so a
person's explicit request finds one free; the fill is also held while it runs."""


def scrub_stops(lo: float, hi: float, count: int = SCRUB_STOPS, step: float = 0.05) -> tuple[float, ...]:
    """``count`` params evenly across ``[lo, hi]``, ends included, on the slider's ``step`` grid, without
    duplicates (a narrow range gives fewer)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi < lo or count < 1:
        raise ValueError(f"no stops in [{lo}, {hi}] x {count}")
    if count == 1 or hi == lo:
        return (round(lo, 6),)
    out: list[float] = []
    for i in range(count):
        value = lo + (hi - lo) * i / (count - 1)
        if step > 0:
            value = min(max(round(round(value / step) * step, 6), lo), hi)
        value = round(value, 6) + 0.0
        if value not in out:
            out.append(value)
    return tuple(out)


def nearest_ready(value: float, ready: Iterable[float]) -> float | None:
    """The ready stop nearest ``value`` (the lower one on a tie), None when none is ready."""
    best: float | None = None
    for stop in ready:
        if best is None or abs(stop - value) < abs(best - value) or (
                abs(stop - value) == abs(best - value) and stop < best):
            best = stop
    return best


def known_stops(ledger: Ledger, doc: GalleryItem, face: int, move: str, stops: Sequence[float]) -> list[float]:
    """The stops whose edit the ledger knows already (not asked again); the rest is what a fill requests.
    Reads files: call in a thread."""
    source = ledger.source(doc)
    return [p for p in stops if ledger.lookup(source, face, move, p) is not None]


class HoldableGate(Gate):
    """A :class:`Gate` whose new slots wait while it is held (variants already in flight go on)."""

    def __init__(self, concurrency: int) -> None:
        super().__init__(concurrency)
        self._open = asyncio.Event()
        self._open.set()
        self._holds = 0

    @property
    def held(self) -> bool:
        return self._holds > 0

    def hold(self) -> None:
        self._holds += 1
        self._open.clear()

    def release(self) -> None:
        self._holds = max(0, self._holds - 1)
        if not self._holds:
            self._open.set()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with super().slot():
            await self._open.wait()
            yield


class ScrubFill(SweepRunner):
    """One move's stops on one face of one photo, as a sweep that measures nothing: each cell ends once its
    variant's bytes are in the disk cache (where the editor reads them). Its gate can be held."""

    kind = "scrub"

    def __init__(self, doc: GalleryItem, move: str, face: int, stops: Sequence[float],
                 client: Client | AsyncClient, *, concurrency: int = SCRUB_CONCURRENCY, cache_dir: Any = None) -> None:
        super().__init__([doc], SweepSpec.build([move], list(stops), [face], n_images=1), client,
                         concurrency=concurrency, cache_dir=cache_dir, metrics=())
        self.gate: HoldableGate = HoldableGate(concurrency)

    async def _finish_cell(self, rec: CellRecord, doc: GalleryItem, item: GalleryItem | None) -> None:
        if item is not None:  # None: the known variant's bytes are in the cache already
            await self._bytes(item)


def start_fill(doc: GalleryItem, move: str, face: int, stops: Sequence[float], client: Client | AsyncClient,
               on_ready: Callable[[CellRecord], Any], *, concurrency: int = SCRUB_CONCURRENCY,
               cache_dir: Any = None) -> tuple[SweepRun, ScrubFill]:
    """Start filling ``stops`` on the running loop; ``on_ready(record)`` for each cell whose variant is in
    the cache (``record.cell.param``, ``record.variant_id``). Returns the run (to cancel or await) and its
    runner (to hold its gate)."""
    runner = ScrubFill(doc, move, face, stops, client, concurrency=concurrency, cache_dir=cache_dir)
    run = SweepRun.start(runner)

    def changed(rec: CellRecord) -> None:
        if rec.status == CellStatus.complete and rec.variant_id:
            on_ready(rec)

    run.on_change(changed)
    return run, runner
