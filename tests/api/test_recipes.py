"""Recipes: JSON round trip, typed errors, replay on one photo or many against the real local engine."""

from __future__ import annotations

from pathlib import Path

import pytest

import gp_widgets as gp
from gp_widgets.api.errors import InvalidInputError
from gp_widgets.api.models import largest_face
from gp_widgets.local.process import EngineProcess
from gp_widgets.recipes import Recipe, Step

TWO_STEPS = Recipe().then("smile", 0.8, 0).then(gp.Move.age, -0.5, 0)


@pytest.fixture(autouse=True)
def _ledger_in_a_temp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """apply_recipe keeps its ledger in the default cache: here a test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def test_recipe_round_trips_through_json(tmp_path: Path) -> None:
    assert Recipe.from_json(TWO_STEPS.to_json()) == TWO_STEPS
    path = TWO_STEPS.save(tmp_path / "r.json")
    assert Recipe.load(path) == TWO_STEPS and len(TWO_STEPS) == 2
    assert [s.move for s in TWO_STEPS] == ["smile", "age"] and TWO_STEPS.steps[1] == Step("age", -0.5, 0)


@pytest.mark.parametrize(
    "text",
    ["", "[]", "{}", '{"format": "gp_widgets.recipe", "version": 1, "steps": [{"move": "frown", "param": 1}]}',
     '{"format": "gp_widgets.recipe", "version": 1, "steps": [{"move": "smile", "param": 11}]}',
     '{"format": "gp_widgets.recipe", "version": 1, "steps": [{"move": "smile"}]}',
     '{"format": "gp_widgets.recipe", "version": 1, "steps": [{"move": "smile", "param": 1, "face": -1}]}',
     '{"format": "gp_widgets.recipe", "version": 9, "steps": []}'],
)
def test_bad_recipes_raise_a_typed_error(text: str) -> None:
    with pytest.raises(InvalidInputError):
        Recipe.from_json(text)


def test_largest_face_skips_unusable_faces() -> None:
    raw = {"id": "a", "data": {"faces": [{"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1}, {"x": 5, "y": 5, "w": 90, "h": 90},
                                         {"x": 0.5, "y": 0.5, "w": 0.3, "h": 0.3}]}}
    assert largest_face(gp.GalleryItem.parse(raw).faces) == 2
    with pytest.raises(InvalidInputError, match="no usable face"):
        largest_face(gp.GalleryItem.parse({"id": "b", "data": {"faces": []}}).faces)


def test_apply_recipe_replays_each_step_on_the_previous_result(client: gp.Client, tmp_path: Path) -> None:
    variant = gp.apply_recipe(gp.samples.astronaut(), TWO_STEPS, client=client)
    assert isinstance(variant, gp.GalleryItem) and variant.status == "complete"
    assert (variant.raw["data"]["move"], variant.raw["data"]["param"]) == ("age", -0.5)
    first = client.get(variant.source_id)
    assert (first.raw["data"]["move"], first.raw["data"]["param"]) == ("smile", 0.8)
    assert not client.get(first.source_id).is_variant  # the upload
    again = gp.apply_recipe(client.get(first.source_id), TWO_STEPS.save(tmp_path / "r.json"), client=client)
    assert again.id == variant.id  # same photo, same steps: the same variant


def test_apply_recipe_on_many_photos_and_a_chosen_face(engine: EngineProcess) -> None:
    aio = gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url)
    one = Recipe().then("smile", 1.0, 0)
    variants = gp.apply_recipe([gp.samples.portrait(), gp.samples.group()], one, client=aio)
    assert isinstance(variants, list) and [v.status for v in variants] == ["complete", "complete"]
    group = gp.apply_recipe(gp.samples.group(), one, face=1, client=aio)
    assert group.raw["data"]["face"] == 1 and variants[1].raw["data"]["face"] in (0, 1)
    with pytest.raises(InvalidInputError, match="no steps"):
        gp.apply_recipe(gp.samples.portrait(), Recipe(), client=aio)


@pytest.mark.slow
def test_a_recipe_applied_again_uploads_and_generates_nothing(engine_for, engine_counts, tmp_path: Path) -> None:
    """Against an engine whose every PUT is a new variant: 2 photos x 2 steps, then again with a new client."""
    fresh = engine_for(fresh_variants=True)
    photos = [gp.samples.portrait(), gp.samples.astronaut()]

    def apply(**options):
        before = engine_counts(fresh)
        with gp.Client(api_key=fresh.api_key, base_url=fresh.base_url) as client:  # as after a kernel restart
            variants = gp.apply_recipe(photos, TWO_STEPS, client=client, cache_dir=tmp_path / "cache", **options)
        after = engine_counts(fresh)
        return variants, {k: after[k] - before[k] for k in after}

    first, spent = apply()
    assert spent == {"uploads": 2, "generations": 4}
    again, spent = apply()
    assert spent == {"uploads": 0, "generations": 0} and [v.id for v in again] == [v.id for v in first]
    forced, spent = apply(refresh=True)
    assert spent == {"uploads": 0, "generations": 4} and not {v.id for v in forced} & {v.id for v in first}
