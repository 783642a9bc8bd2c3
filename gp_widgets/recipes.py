"""Recipes: the chain of edits behind a variant, saved as JSON and replayed on other photos."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .api import AsyncClient, Client, GalleryItem, Move, check_param
from .api.errors import InvalidInputError
from .api.models import check_move, largest_face
from .api.uploads import Photo
from .runs.cache import VariantCache
from .runs.documents import open_document
from .runs.ledger import Ledger, ask
from .runs.progress import progress_bar

__all__ = ["Recipe", "Step", "apply_recipe"]

FORMAT = "gp_widgets.recipe"
VERSION = 1


@dataclass(frozen=True)
class Step:
    """One edit: ``move`` with ``param`` on face ``face`` of the previous step's result."""

    move: str
    param: float
    face: int = 0

    def __post_init__(self) -> None:
        move = check_move(self.move)
        if isinstance(self.face, bool) or not isinstance(self.face, int) or self.face < 0:
            raise InvalidInputError(f"a step's face must be a non-negative index, got {self.face!r}")
        object.__setattr__(self, "move", move)
        object.__setattr__(self, "param", check_param(self.param))


@dataclass(frozen=True)
class Recipe:
    """Steps applied in order, each to the result of the one before (``editor.recipe``)."""

    steps: tuple[Step, ...] = ()

    def then(self, move: Move | str, param: float, face: int = 0) -> Recipe:
        """This recipe followed by one more step."""
        return Recipe((*self.steps, Step(str(move), param, face)))

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def to_json(self) -> str:
        steps = [{"move": s.move, "param": s.param, "face": s.face} for s in self.steps]
        return json.dumps({"format": FORMAT, "version": VERSION, "steps": steps}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Recipe:
        """Read a recipe written by :meth:`to_json`; anything else raises :class:`InvalidInputError`."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInputError(f"a recipe is JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("steps"), list):
            raise InvalidInputError(f"not a recipe: expected an object with format {FORMAT!r} and a list of steps")
        if data.get("version") != VERSION:
            raise InvalidInputError(f"recipe version {data.get('version')!r} is not supported (expected {VERSION})")
        steps = []
        for index, raw in enumerate(data["steps"]):
            if not isinstance(raw, dict) or not {"move", "param"} <= raw.keys():
                raise InvalidInputError(f"recipe step {index + 1} needs a move and a param, got {raw!r}")
            steps.append(Step(raw["move"], raw["param"], raw.get("face", 0)))
        return cls(tuple(steps))

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        target.write_text(self.to_json() + "\n", encoding="utf-8")
        return target

    @classmethod
    def load(cls, path: str | Path) -> Recipe:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


async def replay(
    aio: AsyncClient, photo: Photo | GalleryItem, recipe: Recipe, face: int | str = "largest", *,
    ledger: Ledger | None = None, refresh: bool = False, retry_failed: bool = False,
) -> GalleryItem:
    """Upload ``photo`` (unless uploaded, here or before: by content hash), then apply each step to the
    previous result; the last variant.

    The recipe's first face becomes ``face`` (an index, or ``"largest"``); steps on another face keep their index.
    Each step is looked up in ``ledger`` (default: the one of the client's service and team in the default
    cache) before it is asked for, and recorded as soon as the service answers: replayed again, a recipe
    generates nothing (``refresh=True`` generates every step anew; ``retry_failed=True`` asks again for a
    step that failed).
    """
    if not recipe.steps:
        raise InvalidInputError("the recipe has no steps")
    if ledger is None:
        ledger = Ledger(await VariantCache.of(aio))
    item, _, sha = await open_document(aio, ledger.cache, photo)
    item = await aio.wait_for_faces(item)
    target = largest_face(item.faces or ()) if face == "largest" else face
    if isinstance(target, bool) or not isinstance(target, int) or target < 0:
        raise InvalidInputError(f"face must be 'largest' or a non-negative index, got {face!r}")
    first = recipe.steps[0].face
    for step in recipe:
        asked = await ask(aio, ledger, item, target if step.face == first else step.face, step.move, step.param,
                          sha256=sha, refresh=refresh, retry_failed=retry_failed)
        item, sha = asked.item, None  # the next step edits this variant: keyed by its id
    return item


def apply_recipe(
    photo_or_photos: Photo | GalleryItem | Sequence[Photo | GalleryItem],
    recipe: Recipe | str | Path,
    face: int | str = "largest",
    client: Client | AsyncClient | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    retry_failed: bool = False,
) -> GalleryItem | list[GalleryItem]:
    """Replay ``recipe`` (a :class:`Recipe` or the path of its JSON file) on one photo or a list (concurrently).

    Returns the final variant of each photo (a list for a list). Blocks, with a progress bar (updated in place in a
    notebook's output); safe in a running kernel; an interrupt cancels it.
    A photo is uploaded once per service and team, and a step the service was asked for before is not
    asked again (the ledger in ``cache_dir``, see :mod:`gp_widgets.runs.ledger`): ``refresh=True``
    generates every step anew, ``retry_failed=True`` asks again for a step that failed.
    """
    from .api import portal
    from .connect import connect

    if not isinstance(recipe, Recipe):
        recipe = Recipe.load(recipe)
    many = isinstance(photo_or_photos, (list, tuple))
    photos: list[Any] = list(cast(Sequence[Any], photo_or_photos)) if many else [photo_or_photos]
    chosen = client or connect()

    async def one(aio: AsyncClient, photo: Any, ledger: Ledger, bar: Any) -> GalleryItem:
        try:
            return await replay(aio, photo, recipe, face, ledger=ledger, refresh=refresh, retry_failed=retry_failed)
        finally:
            bar.update(1)

    async def run() -> list[GalleryItem]:
        async def all_on(aio: AsyncClient) -> list[GalleryItem]:
            ledger = Ledger(await VariantCache.of(aio, cache_dir))
            with progress_bar(len(photos), "apply recipe", unit="photo") as bar:
                return await asyncio.gather(*(one(aio, p, ledger, bar) for p in photos))

        if isinstance(chosen, Client):
            return await all_on(chosen.aio)
        async with chosen.with_options() as aio:  # an unbound copy for this loop
            return await all_on(aio)

    variants = portal.run(run())
    return variants if many else variants[0]
