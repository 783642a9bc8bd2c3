"""A service answering face boxes in pixels, with or without the image size: the client keeps every item.

The real local engine serves the items; a transport in front of it rewrites each
GalleryItem's relative boxes to pixels (and, in one mode, drops ``width``/``height``).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import gp_widgets as gp
from gp_widgets.api.models import UNKNOWN_SIZE
from gp_widgets.local.process import EngineProcess


class PixelBoxes(httpx.AsyncHTTPTransport):
    """Serves face boxes as ``{left, top, right, bottom}`` in pixels; ``keep_size=False`` drops the size."""

    def __init__(self, keep_size: bool) -> None:
        super().__init__()
        self.keep_size = keep_size

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if "application/json" not in response.headers.get("content-type", "") or response.status_code >= 400:
            return response
        payload = json.loads(await response.aread())
        data = payload.get("data") or {}
        width, height = data.get("width"), data.get("height")
        if data.get("faces"):
            data["faces"] = [{"left": f["x"] * width, "top": f["y"] * height, "right": (f["x"] + f["w"]) * width,
                              "bottom": (f["y"] + f["h"]) * height, "score": f.get("score")} for f in data["faces"]]
        if not self.keep_size:
            data.pop("width", None)
            data.pop("height", None)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, headers=headers, json=payload)


def _client(engine: EngineProcess, keep_size: bool) -> gp.AsyncClient:
    return gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url, transport=PixelBoxes(keep_size))


async def _relative_faces(engine: EngineProcess, doc: gp.GalleryItem) -> tuple[gp.Face, ...]:
    async with gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url) as plain:
        return (await plain.get(doc)).faces or ()


def _same_boxes(a: tuple[gp.Face, ...], b: tuple[gp.Face, ...]) -> bool:
    return len(a) == len(b) and all(
        max(abs(p - q) for p, q in zip((f.x, f.y, f.w, f.h), (g.x, g.y, g.w, g.h), strict=True)) < 1e-6
        for f, g in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("keep_size", [True, False], ids=["with-size", "without-size"])
async def test_pixel_boxes_of_an_upload_are_normalised_with_the_size_the_client_knows(
    engine: EngineProcess, portrait_jpeg: Path, keep_size: bool
) -> None:
    async with _client(engine, keep_size) as aio:
        doc = await aio.wait_for_faces(await aio.upload(portrait_jpeg))
        assert doc.faces and all(f.usable for f in doc.faces)
        assert _same_boxes(doc.faces, await _relative_faces(engine, doc))
        variant = await aio.wait(await aio.edit(doc, "smile", 0.5, 0))
        assert variant.status == "complete" and variant.faces and all(f.usable for f in variant.faces)


async def test_without_any_known_size_the_item_is_kept_and_the_face_reported_unusable(
    engine: EngineProcess, portrait_jpeg: Path
) -> None:
    async with _client(engine, True) as uploader:
        doc = await uploader.wait_for_faces(await uploader.upload(portrait_jpeg))
    async with _client(engine, False) as aio:  # a client that never saw this photo's bytes
        seen = await aio.get(doc.id)
        assert seen.id == doc.id and seen.faces and len(seen.faces) == len(doc.faces or ())
        assert [f.problem for f in seen.faces] == [UNKNOWN_SIZE] * len(seen.faces)
        assert not any(f.usable or f.contains(*f.center) for f in seen.faces)
        variant = await aio.wait(await aio.edit(doc.id, "smile", 0.5, 0))  # polling an edit needs no faces
        assert variant.status == "complete"
        await aio.download(doc.id)  # now the size is known
        assert _same_boxes((await aio.get(doc.id)).faces or (), doc.faces or ())


def test_with_size_places_pixel_boxes_and_leaves_usable_items_alone() -> None:
    faces = [{"x": 20, "y": 10, "w": 40, "h": 40}, {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}]
    raw = {"id": "a", "data": {"faces": faces}}
    item = gp.GalleryItem.parse(raw)
    assert [f.usable for f in item.faces or ()] == [False, True]
    sized = item.with_size(200, 100)
    assert [v for f in sized.faces or () for v in (f.x, f.y, f.w, f.h)] == pytest.approx(
        [0.1, 0.1, 0.2, 0.4, 0.1, 0.1, 0.2, 0.2])
    assert (sized.width, sized.height) == (200, 100) and sized.with_size(1, 1) is sized


@pytest.mark.parametrize("keep_size", [True, False], ids=["with-size", "without-size"])
async def test_the_editor_boxes_and_edits_faces_served_in_pixels(
    engine: EngineProcess, portrait_jpeg: Path, keep_size: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    dummy_comm: None,
) -> None:
    """A first editor uploads the photo; a second (a new client, as after a kernel restart) finds it by content
    hash and never uploads it, a third opens the uploaded item: each shows usable boxes and generates."""
    from gp_widgets.widgets import FaceEditor

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    relative: tuple[gp.Face, ...] = ()
    doc: gp.GalleryItem | None = None
    for photo in (portrait_jpeg, portrait_jpeg, None):
        async with _client(engine, keep_size) as aio:
            editor = FaceEditor(photo or doc, client=aio)
            try:
                doc = await editor.ready()
                relative = relative or await _relative_faces(engine, doc)
                assert doc.faces and all(f.usable for f in doc.faces), editor.status_text
                assert _same_boxes(doc.faces, relative) and editor.canvas.faces == doc.faces
                assert "face found" in editor.status_text and not editor.generate_button.disabled
                variant = await editor.generate(move="smile", param=0.5)
                assert variant.status == "complete" and editor.shown is not None
            finally:
                editor.close()
