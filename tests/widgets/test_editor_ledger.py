"""The editor asks through the ledger: against an engine whose every PUT is a new variant, a new editor
(as after a kernel restart) on the same photo uploads nothing and generates nothing it was told of;
``generate_again`` generates on purpose."""

from __future__ import annotations

import pytest

import gp_widgets as gp
from gp_widgets.widgets import FaceEditor


@pytest.fixture(autouse=True)
def _ledger_in_a_temp_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


async def test_an_edit_asked_before_is_not_generated_again(engine_for, engine_counts) -> None:
    fresh = engine_for(fresh_variants=True)

    async def editor_session(again: bool = False) -> tuple[gp.GalleryItem, dict[str, int]]:
        before = engine_counts(fresh)
        client = gp.AsyncClient(api_key=fresh.api_key, base_url=fresh.base_url)
        editor = FaceEditor(gp.samples.portrait(), client=client)
        try:
            variant = await (editor.generate_again if again else editor.generate)("smile", 0.5, 0)
        finally:
            editor.close()
            await client.aclose()
        after = engine_counts(fresh)
        return variant, {k: after[k] - before[k] for k in after}

    first, spent = await editor_session()
    assert spent == {"uploads": 1, "generations": 1}
    second, spent = await editor_session()
    assert spent == {"uploads": 0, "generations": 0} and second.id == first.id
    third, spent = await editor_session(again=True)
    assert spent == {"uploads": 0, "generations": 1} and third.id != first.id
