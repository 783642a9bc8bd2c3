"""Must-have 4: the key never leaks (widget state, reprs, logs, exceptions, a saved notebook);
the engine binds loopback; teams are isolated; path tricks get 404/400 JSON and no file content."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path

import nbclient
import nbformat
import psutil
import pytest
import requests

import gp_widgets as gp
from gp_widgets.api import errors

from .conftest import all_widget_states, free_port, record_figures
from .servers import misbehaving_server

MARKER = "sk-SECRET-MARKER-7f3a9c"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def marked_engine(engine_for):
    """An engine whose key is the marker the tests look for everywhere it must not be."""
    return engine_for(api_key=MARKER)


def _walk(value, out: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(str(k))
            _walk(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _walk(v, out)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        out.append(bytes(value).decode("latin-1"))
    else:
        out.append(str(value))


async def test_key_not_in_widget_state_reprs_logs_or_errors(marked_engine, portrait_small, dummy_comm,
                                                            caplog) -> None:
    caplog.set_level(logging.DEBUG)  # everything: gp_widgets, httpx, httpcore, asyncio ...
    for name in ("httpx", "httpcore", "gp_widgets", "gp_widgets.sweep"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    client = gp.Client(api_key=MARKER, base_url=marked_engine.base_url)
    aio = client.aio
    editor = gp.FaceEditor(image=portrait_small, client=aio)
    variant = await asyncio.wait_for(editor.generate("smile", 0.6), 30)
    await asyncio.wait_for(editor.generate("gender", -0.5), 30)
    try:
        await editor.generate("MaleAsian", 1.0)  # fails offline: an error status in the widget
    except errors.TaskFailedError:
        pass

    texts: list[str] = []
    # widget state of the editor and every widget reachable from it
    states = all_widget_states(editor)
    assert len(states) > 10
    _walk(states, texts)
    # reprs and strs of everything the user holds
    for obj in (client, aio, client.settings, aio.settings, editor, variant, editor.source, marked_engine,
                aio.retry, aio.poll):
        texts += [repr(obj), str(obj)]
    # exceptions, with their tracebacks and chained causes
    caught: list[BaseException] = []
    async with gp.AsyncClient(api_key=MARKER, base_url=f"http://127.0.0.1:{free_port()}/api/v0",
                              max_retries=1) as refused:
        for call in (refused.get("x"), refused.upload(portrait_small)):
            try:
                await call
            except errors.GPError as exc:
                caught.append(exc)
    async with misbehaving_server("silent") as url, gp.AsyncClient(api_key=MARKER, base_url=url, timeout=0.2,
                                                                    max_retries=0) as silent:
        try:
            await silent.get("x")
        except errors.GPError as exc:
            caught.append(exc)
    async with misbehaving_server("html") as url, gp.AsyncClient(api_key=MARKER, base_url=url,
                                                                  max_retries=0) as html:
        try:
            await html.get("x")
        except errors.GPError as exc:
            caught.append(exc)
    for call in (aio.get("no-such-doc"), aio.edit(editor.source, "smile", 0.5, 7), aio.wait(variant, timeout=0.001)):
        try:
            await call
        except errors.GPError as exc:
            caught.append(exc)
    with pytest.raises(errors.TaskFailedError) as failed:
        bad = await aio.edit(editor.source, "FemaleAsian", 1.0, 0)
        await aio.wait(bad, timeout=30)
    caught.append(failed.value)
    assert len(caught) >= 7
    for exc in caught:
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc)), repr(vars(exc))]
    # logs, all of them
    records = caplog.records
    assert any(r.name.startswith("httpx") or r.name.startswith("httpcore") for r in records), "no http logs seen"
    texts += [r.getMessage() for r in records] + [repr(r.args) for r in records]
    texts.append(editor.status.value)

    leaks = [t for t in texts if MARKER in t]
    assert not leaks, leaks[:3]
    editor.close()
    client.close() if hasattr(client, "close") else None
    record_figures("secrets", widget_states=len(states), log_records=len(records), exceptions=len(caught),
                   texts_scanned=len(texts))


@pytest.mark.notebook
@pytest.mark.timeout(150)
def test_key_not_in_executed_saved_notebook(marked_engine, tmp_path, jupyter_env) -> None:
    cells = [
        "import os, gp_widgets as gp\nclient = gp.connect()\nprint(client, client.backend)\nclient",
        "editor = gp.FaceEditor(client=client)\neditor",
        "await editor.ready()\nvariant = await editor.generate('smile', 0.5)\nvariant",
        "doc = client.wait_for_faces(client.upload(gp.samples.portrait().resize((200, 234))))\n"
        "v = client.wait(client.edit(doc, 'age', 0.8))\nprint(v)\nclient.settings",
        "try:\n    client.get('no-such-document')\nexcept gp.errors.GPError as exc:\n"
        "    print(repr(exc))\n    err = exc\nerr",
        "%env",
        "print({k: v for k, v in os.environ.items() if k.startswith('GP_')})",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    env = dict(jupyter_env, GP_API_KEY=MARKER, GP_BASE_URL=marked_engine.base_url)
    path = tmp_path / "secret.ipynb"
    client = nbclient.NotebookClient(nb, timeout=90, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(tmp_path)}})
    old = dict(os.environ)
    os.environ.update(env)  # the kernel inherits the environment of the process that starts it
    try:
        client.execute(env=env) if "env" in nbclient.NotebookClient.execute.__code__.co_varnames else client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    nbformat.write(nb, str(path))
    saved = path.read_text()
    ours, deliberate = nb.cells[:5], nb.cells[5:]
    errors_out = [o for c in ours for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors_out, [(e.get("ename"), e.get("evalue")) for e in errors_out]
    # proof that the kernel had the key: the user printing os.environ on purpose shows it
    assert MARKER in json.dumps(deliberate[-1].get("outputs", []))
    assert "local" in saved, "the notebook did not talk to the local engine"
    ours_text = json.dumps([c.get("outputs", []) for c in ours]) + json.dumps(nb.metadata)
    assert "image/png" in ours_text or "application/vnd.jupyter.widget-view+json" in ours_text
    assert MARKER not in ours_text
    assert MARKER not in json.dumps(nb.metadata)
    record_figures("secrets notebook", cells=len(cells), saved_bytes=len(saved),
                   marker_in_library_outputs=ours_text.count(MARKER))


def test_cli_binds_loopback_only(tmp_path) -> None:
    exe = Path(sys.executable).parent / "gp-widgets"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "gp_widgets.cli"]
    proc = subprocess.Popen([*cmd, "serve", "--port", "0", "--data-dir", str(tmp_path / "d")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = proc.stdout.readline()
        m = re.match(r"base_url: http://([^:/]+):(\d+)/api/v0", line)
        assert m, line
        host, port = m.group(1), int(m.group(2))
        assert host == "127.0.0.1"
        listening = [c for c in psutil.Process(proc.pid).net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN]
        assert listening and all(c.laddr.ip == "127.0.0.1" for c in listening), listening
        assert {c.laddr.port for c in listening} == {port}
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the engine takes more than 10 s to stop."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


KEY_A, KEY_B = "team-a-key-" + "a" * 8, "team-b-key-" + "b" * 8


@pytest.fixture(scope="module")
def two_team_engine(tmp_path_factory: pytest.TempPathFactory):
    """``gp-widgets serve --api-key A --api-key B`` (start_engine takes one key only)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gp_widgets.cli", "serve", "--port", str(port), "--data-dir",
                             str(tmp_path_factory.mktemp("two-teams")), "--api-key", KEY_A, "--api-key", KEY_B],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
                            cwd=str(REPO))
    line = proc.stdout.readline()
    assert line.startswith("base_url:"), line
    try:
        yield line.split(":", 1)[1].strip()
    finally:
        _stop(proc)


@pytest.mark.slow
def test_team_isolation(two_team_engine, portrait_small) -> None:
    a = gp.Client(api_key=KEY_A, base_url=two_team_engine)
    b = gp.Client(api_key=KEY_B, base_url=two_team_engine)
    doc = a.wait_for_faces(a.upload(portrait_small), timeout=30)
    variant = a.wait(a.edit(doc, "smile", 0.5), timeout=30)
    for item in (doc, variant, doc.id, variant.id):
        with pytest.raises(errors.NotFoundError):
            b.get(item)
        with pytest.raises(errors.NotFoundError):
            b.download(item)
    with pytest.raises(errors.NotFoundError):
        b.edit(doc.id, "smile", 0.5, 0)
    # B's own upload is fine, and A cannot see it either; A still sees its own
    doc_b = b.upload(portrait_small)
    with pytest.raises(errors.NotFoundError):
        a.get(doc_b.id)
    assert a.get(doc).id == doc.id and a.download(variant).startswith(b"\x89PNG")


TRAVERSALS = [
    "..%2F..%2Fetc%2Fpasswd", "..%2f..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd", "..%252F..%252Fetc%252Fpasswd", "%2e%2e", "..", "...", "%c0%ae%c0%ae%c0%afetc",
    "..%5C..%5Cwindows%5Cwin.ini", "%00", "abc%00", "abc%00.png", "a" * 65, "a" * 5000, "%2Fetc%2Fpasswd",
    "..;%2Fetc%2Fpasswd", "api_key", "..%2Fapi_key", "..%2F..%2Fapi_key", "..%2F..%2Fengine.sqlite3",
    "engine.sqlite3", "files", ".tmp-x", "%20", "~root",
]


@pytest.mark.parametrize("route", ["{id}", "{id}/pixels/original/bytes", "{id}/faces/0", "DOC/faces/{id}"])
def test_path_traversal_attempts(route, marked_engine, two_team_engine) -> None:
    base = marked_engine.base_url
    doc_id = requests.post(base + "/teams/me/gallery", headers={"Authorization": MARKER},
                           files={"object": ("p.png", _png())}, timeout=10).json()["id"]
    host, port = re.match(r"http://([^:/]+):(\d+)", base).groups()
    tried = 0
    for attack in TRAVERSALS:
        path = "/api/v0/teams/me/gallery/" + route.replace("DOC", doc_id).format(id=attack)
        for raw in (path, path.replace("/gallery/", "/gallery/../../")):
            method = "PUT" if "/faces/" in raw else "GET"
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            try:
                conn.putrequest(method, raw, skip_accept_encoding=True)
                conn.putheader("Authorization", MARKER)
                body = b'{"move": "smile", "param": 0.5}' if method == "PUT" else b""
                conn.putheader("Content-Type", "application/json")
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
            finally:
                conn.close()
            tried += 1
            assert resp.status in (400, 404), (raw, resp.status, data[:200])
            content_type = resp.getheader("content-type", "")
            assert content_type.startswith("application/json"), (raw, content_type)
            assert set(json.loads(data)) == {"code"}, (raw, data[:200])
            assert b"root:" not in data and MARKER.encode() not in data and b"SQLite" not in data
    record_figures(f"path traversal {route}", requests=tried)


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(buf, format="PNG")
    return buf.getvalue()
