"""Every client method, sync and async, against a real local engine on loopback."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import gp_widgets as gp
from gp_widgets.api import errors
from gp_widgets.local.process import EngineProcess


def test_typical_usage_sync(client: gp.Client, portrait_jpeg: Path) -> None:
    doc = client.upload(portrait_jpeg)
    assert doc.status == "complete" and doc.faces is None and doc.width == gp.samples.portrait().width
    doc = client.wait_for_faces(doc)
    assert len(doc.faces) == 1
    var = client.edit(doc, gp.Move.smile, param=-0.6, face=0)
    assert var.status in ("waiting", "inprogress", "complete") and var.source_id == doc.id
    statuses: list[str] = []
    var = client.wait(var, timeout=60, on_update=lambda item: statuses.append(item.status))
    assert var.status == "complete" and statuses[-1] == "complete"
    png = client.download(var)
    assert png.startswith(b"\x89PNG")
    image = client.image(var)
    assert image.size == (doc.width, doc.height)
    assert client.download(doc) == portrait_jpeg.read_bytes()


async def test_typical_usage_async(engine: EngineProcess, portrait_jpeg: Path) -> None:
    async with gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url) as aio:
        doc = await aio.wait_for_faces(await aio.upload(portrait_jpeg.read_bytes()))
        variants = await asyncio.gather(*(aio.edit(doc, "age", p) for p in (-1, 1)))
        done = await asyncio.gather(*(aio.wait(v) for v in variants))
        images = await asyncio.gather(*(aio.image(v) for v in done))
    assert [d.status for d in done] == ["complete", "complete"]
    assert np.abs(np.asarray(images[0], float) - np.asarray(images[1], float)).sum() > 0


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p,
        lambda p: str(p),
        lambda p: p.read_bytes(),
        lambda p: open(p, "rb"),  # noqa: SIM115 - the client reads and the test owns it
        lambda p: Image.open(p),
        lambda p: np.asarray(Image.open(p)),
        lambda p: np.asarray(Image.open(p).convert("RGBA"), dtype=np.float32) / 255,
    ],
    ids=["path", "str", "bytes", "file", "pil", "array", "float-rgba"],
)
def test_upload_accepts_every_kind_of_photo(client: gp.Client, portrait_jpeg: Path, make) -> None:
    doc = client.upload(make(portrait_jpeg))
    assert doc.status == "complete"
    size = Image.open(io.BytesIO(client.download(doc))).size
    assert size == Image.open(portrait_jpeg).size


def test_edit_is_idempotent_and_one_equals_one_point_zero(client: gp.Client, portrait_jpeg: Path) -> None:
    doc = client.wait_for_faces(client.upload(portrait_jpeg))
    assert client.edit(doc, "smile", 1).id == client.edit(doc, "smile", 1.0).id == client.edit(doc, "smile").id
    assert client.edit(doc, "smile", 0.5).id != client.edit(doc, "smile", -0.5).id


def test_chained_edit_on_a_variant(client: gp.Client, portrait_jpeg: Path) -> None:
    doc = client.wait_for_faces(client.upload(portrait_jpeg))
    first = client.wait(client.edit(doc, "smile", 1.0))
    second = client.wait(client.edit(first, "age", 1.0, face="default"))
    assert second.source_id == first.id and second.faces == doc.faces
    assert client.download(second) != client.download(first)


def test_demographic_move_fails_with_its_code(client: gp.Client, portrait_jpeg: Path) -> None:
    doc = client.wait_for_faces(client.upload(portrait_jpeg))
    with pytest.raises(errors.TaskFailedError) as info:
        client.wait(client.edit(doc, gp.Move.MaleAsian, 1.0))
    assert info.value.code == "move_unavailable_offline" and "GP_API_KEY" in str(info.value)


def test_engine_errors_map_to_typed_exceptions(client: gp.Client, portrait_jpeg: Path) -> None:
    doc = client.upload(portrait_jpeg)
    with pytest.raises(errors.NotFoundError) as info:
        client.get("no-such-document")
    assert info.value.code == "not_found"
    with pytest.raises(errors.BadRequestError) as info:
        client.edit(client.wait_for_faces(doc), "frown", 1.0)
    assert info.value.code == "invalid_move"
    with pytest.raises(errors.NotFoundError) as info:
        client.edit(doc, "smile", 1.0, face=7)
    assert info.value.code == "face_not_found"


def test_no_face_photo_has_an_empty_face_tuple(client: gp.Client) -> None:
    doc = client.wait_for_faces(client.upload(np.full((120, 160, 3), 200, np.uint8)))
    assert doc.faces == ()
    with pytest.raises(errors.NotFoundError):
        client.edit(doc, "smile")


def test_image_is_upright_as_the_face_boxes_are(client: gp.Client) -> None:
    """A JPEG stored sideways with an EXIF orientation: ``client.image`` applies it, as the engine does when it
    finds the faces, so a box drawn on the image falls on the face."""
    upright = gp.samples.portrait()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": the pixels are stored rotated 90 CCW
    out = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(out, format="JPEG", quality=90, exif=exif)
    doc = client.wait_for_faces(client.upload(out.getvalue()))
    image = client.image(doc)
    assert image.size == upright.size == (doc.width, doc.height)
    assert doc.faces and doc.faces[0].w > 0


def test_wrong_key_raises_authentication_error_without_the_key(engine: EngineProcess) -> None:
    wrong = "definitely-not-the-key-42"
    with gp.Client(api_key=wrong, base_url=engine.base_url) as bad, pytest.raises(errors.AuthenticationError) as info:
        bad.get("anything")
    assert info.value.status_code == 401 and info.value.code == "unauthorized"
    assert wrong not in str(info.value) and engine.api_key not in str(info.value)


async def test_sync_client_works_inside_a_running_loop_and_aio_is_per_loop(client: gp.Client) -> None:
    doc = client.upload(np.zeros((40, 40, 3), np.uint8))  # a blocking call while this loop runs
    aio = client.aio
    assert aio is client.aio and aio.settings == client.settings
    assert (await aio.get(doc)).id == doc.id


def test_async_client_is_bound_to_one_live_loop(engine: EngineProcess) -> None:
    aio = gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url)
    first = asyncio.new_event_loop()
    with pytest.raises(errors.NotFoundError):
        first.run_until_complete(aio.get("missing"))
    with pytest.raises(RuntimeError, match="another running event loop"):
        asyncio.run(aio.get("missing"))
    first.close()
    with pytest.raises(errors.NotFoundError):  # once that loop is closed, the next one may use it
        asyncio.run(aio.get("missing"))


@pytest.mark.slow
def test_connect_without_a_key_runs_typical_usage_in_ten_lines(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import gp_widgets as gp
        client = gp.connect()
        doc = client.wait_for_faces(client.upload(gp.samples.portrait()))
        var = client.wait(client.edit(doc, "smile", param=-0.6, face=0))
        png = client.download(var)
        print(client.backend, len(doc.faces), var.status, png[:4] == b"\\x89PNG")
        """
    )
    assert len(script.strip().splitlines()) <= 10
    env = {k: v for k, v in os.environ.items() if k not in ("GP_API_KEY", "GP_BASE_URL")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["local", "1", "complete", "True"]
    assert (tmp_path / "gp_widgets").is_dir()


def test_connect_with_a_key_targets_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GP_API_KEY", "k")
    monkeypatch.delenv("GP_BASE_URL", raising=False)
    client = gp.connect()
    assert client.backend == "remote" and client.settings.base_url == "https://app.generative.photos/api/v0"
