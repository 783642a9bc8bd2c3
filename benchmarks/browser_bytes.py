"""Bytes sent to the browser for a 12-megapixel photo: the editor's photo and a grid thumbnail.

A 3000 x 4000 JPEG (12 MP, the sample portrait upscaled and centre-cropped) is opened in a
real ``gp.FaceEditor``, and one variant of it is made in a real ``gp.sweep`` grid. Every
comm message the widgets send (state on open, updates, custom messages such as canvas
drawing commands, binary buffers included) is captured by a recording comm in place of the
kernel's, and counted per widget.

* ``photo_bytes``: everything the editor sends from its creation until the photo is drawn
  with its face boxes (the photo, the canvas commands, every control's state).
* ``thumb_bytes``: what one grid cell costs on the wire: the message answering a view's ready for a
  one-cell grid (its status, tooltip and thumbnail; the grid widget's own opening is reported apart).
* ``raw_rgba_bytes``: ``w * h * 4`` of the photo, what an uncompressed RGBA transfer would be.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ._common import (
    async_client,
    check_size,
    engine,
    jpeg_bytes,
    metric,
    run_async,
    run_sweep,
    scaled_portrait,
    warm_up,
)

KEYS = ("photo_bytes", "thumb_bytes", "raw_rgba_bytes")

CONFIG = {
    "full": {"size": (3000, 4000)},
    "smoke": {"size": (900, 1200)},
}


def _nbytes(buffers: Any) -> int:
    total = 0
    for b in buffers or ():
        total += memoryview(b).nbytes
    return total


class Recorder:
    """Counts the bytes of every comm message (JSON + binary buffers), per comm id."""

    def __init__(self) -> None:
        self.by_comm: dict[str, int] = defaultdict(int)
        self.messages = 0

    def add(self, comm_id: str, data: Any, buffers: Any) -> None:
        size = len(json.dumps(data, default=str).encode()) + _nbytes(buffers)
        self.by_comm[comm_id] += size
        self.messages += 1

    @property
    def total(self) -> int:
        return sum(self.by_comm.values())

    def snapshot(self) -> dict[str, int]:
        return dict(self.by_comm)


class _RecordingComm:
    kernel = "recording"  # truthy: widgets only send when their comm has a kernel

    def __init__(self, recorder: Recorder, comm_id: str | None = None, data: Any = None, buffers: Any = None,
                 **_: Any) -> None:
        import uuid

        self.comm_id = comm_id or uuid.uuid4().hex
        self._recorder = recorder
        recorder.add(self.comm_id, data, buffers)

    def send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        self._recorder.add(self.comm_id, data, buffers)

    def on_msg(self, callback: Any) -> None:
        pass

    def on_close(self, callback: Any) -> None:
        pass

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass


@contextlib.contextmanager
def recording_comms() -> Iterator[Recorder]:
    """Widgets created inside open a recording comm instead of the kernel's."""
    import comm

    recorder = Recorder()
    original = comm.create_comm
    comm.create_comm = lambda **kw: _RecordingComm(recorder, **kw)
    try:
        yield recorder
    finally:
        comm.create_comm = original


def _delta(after: dict[str, int], before: dict[str, int]) -> int:
    return sum(n - before.get(k, 0) for k, n in after.items())


async def _measure(proc: Any, photo: bytes, recorder: Recorder) -> dict[str, Any]:
    import gp_widgets as gp

    aio = async_client(proc)
    before = recorder.snapshot()
    editor = gp.FaceEditor(image=photo, client=aio)
    source = await editor.ready()
    photo_total = _delta(recorder.snapshot(), before)
    canvas_photo = getattr(editor.canvas, "_photo", None)
    photo_image = len(canvas_photo.value) if canvas_photo is not None else None

    before = recorder.snapshot()
    await editor.generate("smile", 1.0, 0)
    variant_total = _delta(recorder.snapshot(), before)

    # the grid: one cell, the same variant (idempotent, already complete: no waiting)
    run = await run_sweep(source, ["smile"], [1.0], aio, concurrency=1)
    run.require_complete()
    cells = run.grid.grid  # the grid's cells: one widget
    assert cells.cells[0].picture, "await grid returns with its finished cells drawn"
    opened = recorder.by_comm.get(cells.model_id, 0)
    cells._handle_custom_msg({"type": "ready"}, [])  # as a view does once rendered: the cell's full state comes back
    thumb = recorder.by_comm.get(cells.model_id, 0) - opened
    editor.close()
    await aio.aclose()
    return {"photo_total": photo_total, "photo_image": photo_image, "variant_total": variant_total,
            "thumb": thumb, "thumb_value": len(cells.cells[0].picture or b""), "grid_open": opened,
            "source_size": (source.width, source.height), "faces": len(source.faces or ())}


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    width, height = cfg["size"]
    photo = jpeg_bytes(scaled_portrait(width, height), quality=95)
    warm_up()
    with engine(latency=0.0, workers=2) as proc, recording_comms() as recorder:
        m = run_async(_measure(proc, photo, recorder))
    raw = width * height * 4
    return {
        "photo_bytes": metric(m["photo_total"], 300_000, "<=", "bytes", megapixels=round(width * height / 1e6, 2),
                              jpeg_upload_bytes=len(photo), photo_image_widget_bytes=m["photo_image"],
                              variant_view_and_history_bytes=m["variant_total"], faces=m["faces"]),
        "thumb_bytes": metric(m["thumb"], 30_000, "<=", "bytes", thumbnail_jpeg_bytes=m["thumb_value"],
                              grid_widget_open_bytes=m["grid_open"]),
        "raw_rgba_bytes": metric(raw, None, None, "bytes", width=width, height=height,
                                 photo_vs_raw=round(m["photo_total"] / raw, 5)),
    }
