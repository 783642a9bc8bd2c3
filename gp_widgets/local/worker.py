"""Background work: face detection for uploads and the variant task queue."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import numpy as np

from gp_widgets.analysis.faces import Box
from gp_widgets.api.constants import TaskStatus
from gp_widgets.api.models import Move
from gp_widgets.imaging import decode_rgb
from gp_widgets.local.faults import FaultInjector
from gp_widgets.local.images import encode_png
from gp_widgets.local.store import Item, Store

log = logging.getLogger("gp_widgets.local")

MOVES = frozenset(move.value for move in Move)
DEMOGRAPHIC_MOVES = frozenset(move.value for move in Move if not move.local)

Detector = Callable[[np.ndarray], list[dict[str, float]]]
Editor = Callable[[np.ndarray, Box, str, float], np.ndarray]


def _warm_edits() -> None:
    """Load the landmark model the edits use (about 0.8 s, holding the GIL), once per process."""
    from gp_widgets.analysis.models import AnalysisUnavailable, using

    try:
        with using("landmarks68"):
            pass
    except AnalysisUnavailable:  # the edit will say why
        pass


class TaskFailed(Exception):
    """A variant task failed with an API error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Worker:
    """Runs ``workers`` variant tasks at a time and one face detection at a time."""

    def __init__(self, store: Store, faults: FaultInjector, *, latency: float, workers: int,
                 task_timeout: float, detector: Detector, editor: Editor) -> None:
        self.store, self.faults = store, faults
        self.latency, self.workers, self.task_timeout = latency, workers, task_timeout
        self.detector, self.editor = detector, editor
        self._variants: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._detections: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._edits_warm = False

    async def start(self) -> None:
        """Start the loops and resume what a previous run left unfinished."""
        for item in self.store.unfinished_variants():
            self.store.set_status(item.team, item.id, TaskStatus.waiting)
            self.submit_variant(item.team, item.id)
        for item in self.store.uploads_without_faces():
            self.submit_detection(item.team, item.id)
        self._tasks = [asyncio.create_task(self._loop(self._variants, self._run_variant)) for _ in range(self.workers)]
        self._tasks.append(asyncio.create_task(self._loop(self._detections, self._run_detection)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def submit_variant(self, team: str, item_id: str) -> None:
        self._variants.put_nowait((team, item_id))

    def submit_detection(self, team: str, item_id: str) -> None:
        self._detections.put_nowait((team, item_id))

    @staticmethod
    async def _loop(queue: asyncio.Queue[tuple[str, str]], run: Callable[[str, str], object]) -> None:
        while True:
            team, item_id = await queue.get()
            try:
                await run(team, item_id)  # type: ignore[misc]
            except Exception:
                log.exception("background job %s failed", item_id)
            finally:
                queue.task_done()

    async def _run_detection(self, team: str, item_id: str) -> None:
        data = await asyncio.to_thread(self.store.read_bytes, team, item_id)
        try:
            faces = await asyncio.to_thread(lambda: self.detector(decode_rgb(data)))
        except Exception:
            log.exception("face detection failed for %s", item_id)
            faces = []
        self.store.set_faces(team, item_id, faces)
        if not self._edits_warm:  # an edit of this photo comes next: load its landmark model now, not on the click
            self._edits_warm = True
            await asyncio.to_thread(_warm_edits)

    async def _run_variant(self, team: str, item_id: str) -> None:
        item = self.store.get(team, item_id)
        if item is None or item.status not in (TaskStatus.waiting, TaskStatus.inprogress):
            return
        started = time.monotonic()
        self.store.set_status(team, item_id, TaskStatus.inprogress)
        png, error = None, None
        try:
            png = await asyncio.wait_for(self._generate(item), self.task_timeout)
        except TaskFailed as exc:
            error = exc.code
        except asyncio.TimeoutError:
            error = "timeout"
        except Exception:
            log.exception("variant %s failed", item_id)
            error = "internal_error"
        remaining = self.latency - (time.monotonic() - started)
        if remaining > 0:
            await asyncio.sleep(remaining)
        if png is not None:
            await asyncio.to_thread(self.store.write_bytes, team, item_id, png)
            self.store.set_status(team, item_id, TaskStatus.complete)
        else:
            self.store.set_status(team, item_id, TaskStatus.failed, error)

    async def _generate(self, item: Item) -> bytes:
        if item.move in DEMOGRAPHIC_MOVES:
            raise TaskFailed("move_unavailable_offline")
        if self.faults.task_fails(item.id):
            raise TaskFailed("generation_failed")
        assert item.source is not None and item.faces is not None and item.face is not None and item.move is not None
        face = item.faces[item.face]
        box = (face["x"], face["y"], face["w"], face["h"])
        data = await asyncio.to_thread(self.store.read_bytes, item.team, item.source)
        move, param = item.move, float(item.param or 0.0)
        return await asyncio.to_thread(lambda: encode_png(self.editor(decode_rgb(data), box, move, param)))
