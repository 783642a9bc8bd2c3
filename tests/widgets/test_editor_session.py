"""The editor's session without widgets: no comm, no ipywidgets, against the real local engine."""

from __future__ import annotations

import ast
from pathlib import Path

import gp_widgets as gp
from gp_widgets.editing.session import EditorSession


def test_the_session_module_imports_no_widgets() -> None:
    """Its imports, and theirs inside ``gp_widgets.widgets``: none is ipywidgets, ipycanvas or anywidget."""
    import gp_widgets.editing.labels as labels
    import gp_widgets.editing.session as session

    for module in (session, labels):
        tree = ast.parse(Path(module.__file__).read_text())
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        names |= {("." * node.level) + (node.module or "") for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom)}
        assert not {n for n in names if n.split(".")[0] in ("ipywidgets", "ipycanvas", "anywidget")}, names
        assert {n for n in names if n.startswith(".") and not n.startswith("..")} <= {".labels"}, names


async def test_open_ask_download_remember_and_save(client, tmp_path) -> None:
    session = EditorSession(client.aio, cache_dir=tmp_path / "cache")
    doc = await session.open(gp.samples.portrait())
    again = await session.open(gp.samples.portrait())
    assert again.id == doc.id and session.bytes_of(doc.id)  # the same bytes: uploaded once
    source = await session.wait_for_faces(doc)
    assert session.source is source and source.faces
    statuses: list[str] = []
    variant = await session.ask(source, "smile", 0.6, 0, on_update=lambda item: statuses.append(item.status))
    assert variant.task.done and not variant.task.failed and statuses
    assert session.ledger.lookup(session.ledger.source(source), 0, "smile", 0.6).variant_id == variant.id
    data = await session.download(variant)
    assert session.cache.get(variant.id) == data  # shared with sweeps and scrubbing
    entry = session.remember(variant, source, "smile", 0.6, 0)
    session.add_to_history(entry)
    session.shown = entry
    assert [(s.move, s.param, s.face) for s in session.recipe] == [("smile", 0.6, 0)]
    assert session.save(tmp_path / "v.png").read_bytes() == data
    assert (await session.ask(source, "smile", 0.6, 0)).id == variant.id  # known: fetched by id
