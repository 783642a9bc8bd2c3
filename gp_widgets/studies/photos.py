"""A study's photos from what a person passes: a list of photos or items, a folder, or a glob pattern."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..api.errors import InvalidInputError

__all__ = ["IMAGE_SUFFIXES", "resolve_photos"]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})


def _images_in(paths: Sequence[str | Path]) -> list[Path]:
    return sorted(Path(p) for p in paths if Path(p).suffix.lower() in IMAGE_SUFFIXES and Path(p).is_file())


def resolve_photos(photos: Any) -> list[Any]:
    """A list of photos: a folder gives its JPEG and PNG files (sorted, not recursive), a string with ``*``,
    ``?`` or ``[`` is a glob; a list or tuple is taken as it is (paths, bytes, PIL images, arrays,
    ``GalleryItem`` objects). Nothing found is an :class:`InvalidInputError` naming what was searched."""
    if isinstance(photos, (str, os.PathLike)):
        text = os.fspath(photos)
        if Path(text).is_dir():
            found = _images_in(list(Path(text).iterdir()))
            where = f"folder {text!r} (JPEG or PNG files)"
        elif any(c in text for c in "*?["):
            found = _images_in(glob.glob(text, recursive=True))
            where = f"pattern {text!r}"
        elif Path(text).is_file():
            found, where = [Path(text)], ""
        else:
            raise InvalidInputError(f"no such photo, folder or pattern: {text!r}")
        if not found:
            raise InvalidInputError(f"no photos in {where}")
        return found
    if isinstance(photos, (list, tuple)):
        if not photos:
            raise InvalidInputError("a study needs at least one photo")
        return list(photos)
    raise InvalidInputError(f"photos must be a list, a folder or a glob pattern, not {type(photos).__name__}")
