"""Must-have 3: bad input on the user's side. Each gives a typed client error whose message says
what is wrong, AND a readable status line in FaceEditor, which keeps working afterwards."""

from __future__ import annotations

import asyncio
import datetime
import io

import pytest
from PIL import Image
from waiting import until

import gp_widgets as gp
from gp_widgets.api import errors
from gp_widgets.local.process import EngineProcess

from .conftest import free_port, record_figures
from .servers import misbehaving_server

TRIED: list[str] = []


@pytest.fixture(scope="module")
def huge_png() -> bytes:
    """A real 8000x5200 (41.6 MP) PNG: above the 40 MP limit, yet only a few hundred KB."""
    buf = io.BytesIO()
    Image.new("L", (8000, 5200), 90).save(buf, format="PNG")
    return buf.getvalue()


def fast(base_url: str, api_key: str = "k", **kw) -> gp.AsyncClient:
    kw.setdefault("timeout", 0.5)
    kw.setdefault("max_retries", 0)
    return gp.AsyncClient(api_key=api_key, base_url=base_url, **kw)


# -- the client: typed errors with messages that say what is wrong ----------------------------

async def test_wrong_key(engine: EngineProcess, portrait_small: bytes) -> None:
    async with fast(engine.base_url, "not-the-key", timeout=10) as aio:
        with pytest.raises(errors.AuthenticationError) as info:
            await aio.upload(portrait_small)
        with pytest.raises(errors.AuthenticationError):
            await aio.get("anything")
    assert info.value.status_code == 401 and info.value.code == "unauthorized"
    assert "key" in str(info.value) and "not-the-key" not in str(info.value)
    TRIED.append("wrong key")


async def test_refused_connection() -> None:
    async with fast(f"http://127.0.0.1:{free_port()}/api/v0") as aio:
        with pytest.raises(errors.APIConnectionError) as info:
            await aio.get("doc")
    assert not isinstance(info.value, errors.APITimeoutError)
    assert info.value.request_sent is False
    assert "failed" in str(info.value) and "127.0.0.1" in str(info.value)
    TRIED.append("refused connection")


async def test_unreachable_host() -> None:
    async with fast("http://no-such-host.invalid/api/v0") as aio:
        with pytest.raises(errors.APIConnectionError) as info:
            await aio.get("doc")
    assert "no-such-host.invalid" in str(info.value)
    TRIED.append("unresolvable host")


async def test_server_that_never_answers_times_out() -> None:
    async with misbehaving_server("silent") as url, fast(url, timeout=0.3) as aio:
        with pytest.raises(errors.APITimeoutError) as info:
            await aio.get("doc")
        assert "timed out" in str(info.value) and "0.3" in str(info.value)
        with pytest.raises(errors.APITimeoutError):  # a POST too, and it is not retried blindly
            await aio.upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    TRIED.append("silent server (timeout)")


@pytest.mark.parametrize("mode", ["html", "badjson", "wrongshape"])
async def test_server_answering_garbage(mode: str) -> None:
    async with misbehaving_server(mode) as url, fast(url) as aio:
        with pytest.raises(errors.GPError) as info:
            await aio.get("doc")
    assert isinstance(info.value, errors.APIResponseError), repr(info.value)
    if mode != "wrongshape":
        assert "not JSON" in str(info.value)
    TRIED.append(f"server answers {mode}")


async def test_server_error_page_in_html() -> None:
    async with misbehaving_server("html500") as url, fast(url) as aio:
        with pytest.raises(errors.ServerError) as info:
            await aio.get("doc")
    assert info.value.status_code == 500 and info.value.code is None
    assert "500" in str(info.value) and "<html" not in str(info.value)
    TRIED.append("server answers 500 HTML")


async def test_photo_with_no_face(engine: EngineProcess, blank_png: bytes) -> None:
    async with fast(engine.base_url, engine.api_key, timeout=10) as aio:
        doc = await aio.wait_for_faces(await aio.upload(blank_png), timeout=30)
        assert doc.faces == ()
        with pytest.raises(errors.NotFoundError) as info:
            await aio.edit(doc, "smile", 0.5, 0)
    assert info.value.code == "face_not_found" and "no face" in str(info.value)
    TRIED.append("photo without a face")


async def test_huge_photo(engine: EngineProcess, huge_png: bytes) -> None:
    async with fast(engine.base_url, engine.api_key, timeout=30) as aio:
        with pytest.raises(errors.BadRequestError) as info:
            await aio.upload(huge_png)
    assert info.value.status_code == 413 and info.value.code == "image_too_large"
    assert "megapixels" in str(info.value)
    TRIED.append("41.6 MP photo")


async def test_not_an_image_is_refused_before_sending() -> None:
    async with fast(f"http://127.0.0.1:{free_port()}/api/v0") as aio:
        for data in (b"", b"GIF89a....", b"%PDF-1.4", b"hello"):
            with pytest.raises(errors.InvalidInputError) as info:
                await aio.upload(data)
            assert "PNG and JPEG" in str(info.value)
        with pytest.raises(errors.InvalidInputError):
            await aio.edit("doc", "smile", float("nan"))
    TRIED.append("not an image / NaN param")


# -- the FaceEditor: a readable status, and it keeps working -----------------------------------

def shown(editor: gp.FaceEditor) -> str:
    """The status widget's text as the user sees it, and a check that it is not a traceback."""
    html = editor.status.value
    assert "Traceback" not in html and 'File "' not in html
    return editor.status_text


async def settle(editor: gp.FaceEditor, what: str, timeout: float = 30.0) -> str:
    await until(lambda: not editor.busy, timeout, what)
    return shown(editor)


async def load_good_photo_through_the_upload_widget(editor: gp.FaceEditor, data: bytes) -> None:
    editor.upload.value = ({"name": "hopper.jpg", "type": "image/jpeg", "size": len(data), "content": memoryview(data),
                            "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    await until(lambda: editor.busy or editor.source is not None, 10, "load to start")
    await editor.ready()


async def test_editor_huge_then_no_face_then_good_photo(engine: EngineProcess, huge_png: bytes, blank_png: bytes,
                                                       portrait_small: bytes, dummy_comm) -> None:
    client = gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url)
    editor = gp.FaceEditor(image=huge_png, client=client)
    text = await settle(editor, "huge photo")
    assert "image_too_large" in text and "too large" in text, text
    assert editor.source is None

    # a photo with no face: said plainly, and Generate is refused with a reason
    await load_good_photo_through_the_upload_widget(editor, blank_png)
    assert editor.source is not None and editor.source.faces == ()
    assert "no face found" in shown(editor)
    assert editor.generate_button.disabled
    with pytest.raises(ValueError, match="no face"):
        await editor.generate("smile", 0.5)
    assert "no face" in shown(editor)

    # and it keeps working: a good photo, a variant
    await load_good_photo_through_the_upload_widget(editor, portrait_small)
    assert editor.source.faces
    variant = await asyncio.wait_for(editor.generate("smile", 0.5), 30)
    assert variant.task.status == "complete" and editor.current == variant
    assert "complete" in shown(editor)
    editor.close()
    await client.aclose()
    TRIED.append("editor: huge, no face, then good")


@pytest.mark.parametrize("case", ["wrong key", "refused", "silent", "html", "badjson"])
async def test_editor_shows_client_errors_and_recovers(case: str, engine: EngineProcess, portrait_small: bytes,
                                                       dummy_comm) -> None:
    expected = {"wrong key": "the API key was rejected", "refused": "failed", "silent": "timed out",
                "html": "not JSON", "badjson": "not JSON"}[case]
    if case in ("silent", "html", "badjson"):
        server = misbehaving_server(case)
        url = await server.__aenter__()
    else:
        server, url = None, engine.base_url if case == "wrong key" else f"http://127.0.0.1:{free_port()}/api/v0"
    try:
        bad = fast(url, "not-the-key" if case == "wrong key" else engine.api_key, timeout=0.5 if server else 10)
        editor = gp.FaceEditor(image=portrait_small, client=bad)
        text = await settle(editor, case)
        assert text.startswith("photo: failed"), text
        assert expected in text, text
        assert editor.source is None
        # the widget is alive: another photo through its upload control gets a fresh, readable answer
        await load_good_photo_through_the_upload_widget_expecting_failure(editor, portrait_small)
        assert expected in shown(editor)
        editor.close()
        await bad.aclose()
    finally:
        if server is not None:
            await server.__aexit__(None, None, None)
    # a new editor on a good client works at once in the same kernel (nothing global broke)
    async with gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url) as good:
        editor = gp.FaceEditor(image=portrait_small, client=good)
        variant = await asyncio.wait_for(editor.generate("age", 0.7), 30)
        assert variant.task.status == "complete"
        editor.close()
    TRIED.append(f"editor: {case}")


async def load_good_photo_through_the_upload_widget_expecting_failure(editor: gp.FaceEditor, data: bytes) -> None:
    editor.upload.value = ({"name": "again.jpg", "type": "image/jpeg", "size": len(data), "content": memoryview(data),
                            "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert editor.busy  # the upload started a new load at once (this test runs on the kernel's loop)
    await settle(editor, "second load")


def test_figures() -> None:
    record_figures("user-side bad input", cases_tried=len(TRIED), cases=", ".join(TRIED))
