"""What a sweep runs: the cells (image × face × move × param) and how they lay out in rows and columns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..api import Move
from ..api.errors import InvalidInputError
from ..api.models import check_move, check_param

__all__ = ["Cell", "Row", "SweepSpec", "unique"]

T = TypeVar("T")

@dataclass(frozen=True, order=True)
class Row:
    """One grid row: a move applied to one face of one image."""

    image: int
    face: int
    move: str


@dataclass(frozen=True, order=True)
class Cell:
    """One variant to make: a row at one param."""

    image: int
    face: int
    move: str
    param: float

    @property
    def row(self) -> Row:
        return Row(self.image, self.face, self.move)


def unique(values: Iterable[T], what: str) -> tuple[T, ...]:
    """``values`` as a tuple: at least one, no duplicates (``InvalidInputError`` otherwise)."""
    out = tuple(values)
    if not out:
        raise InvalidInputError(f"at least one {what} is needed")
    if len(set(out)) != len(out):
        raise InvalidInputError(f"duplicate {what} in {out!r}")
    return out


@dataclass(frozen=True)
class SweepSpec:
    """Moves × params × faces × images, validated; rows are (image, face, move), columns params."""

    moves: tuple[str, ...]
    params: tuple[float, ...]
    faces: tuple[int, ...] = (0,)
    n_images: int = 1

    @classmethod
    def build(
        cls, moves: Sequence[Move | str], params: Sequence[float], faces: Sequence[int] = (0,), n_images: int = 1
    ) -> SweepSpec:
        if isinstance(moves, (str, Move)):
            moves = [moves]
        if isinstance(faces, int):
            faces = [faces]
        bad = [f for f in faces if isinstance(f, bool) or not isinstance(f, int) or f < 0]
        if bad:
            raise ValueError(f"faces must be non-negative indices, got {bad!r}")
        if n_images < 1:
            raise ValueError("a sweep needs at least one image")
        return cls(
            moves=unique(map(check_move, moves), "move"),
            params=unique(map(check_param, params), "param"),
            faces=unique(faces, "face"),
            n_images=n_images,
        )

    @property
    def rows(self) -> list[Row]:
        return [Row(i, f, m) for i in range(self.n_images) for f in self.faces for m in self.moves]

    @property
    def cells(self) -> list[Cell]:
        """Row-major: every param of the first row, then the next row."""
        return [Cell(r.image, r.face, r.move, p) for r in self.rows for p in self.params]

    def __len__(self) -> int:
        return self.n_images * len(self.faces) * len(self.moves) * len(self.params)

    def row_label(self, row: Row) -> str:
        """The move, prefixed with the image and face only when the sweep has several (numbered from 1 on
        screen, as everywhere; ``row.image`` and ``row.face`` stay 0-based indices)."""
        parts = []
        if self.n_images > 1:
            parts.append(f"image {row.image + 1}")
        if len(self.faces) > 1:
            parts.append(f"face {row.face + 1}")
        parts.append(row.move)
        return " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"moves": list(self.moves), "params": list(self.params), "faces": list(self.faces),
                "n_images": self.n_images}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SweepSpec:
        return cls.build(data["moves"], data["params"], data.get("faces", (0,)), data.get("n_images", 1))
