"""Which photos a study takes from a folder, a glob or a list."""

from __future__ import annotations

from pathlib import Path

import pytest

import gp_widgets as gp
from gp_widgets.api.errors import InvalidInputError
from gp_widgets.studies.photos import resolve_photos


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    photo = gp.samples.portrait().resize((64, 75))
    for name in ("b.jpg", "a.PNG", "c.jpeg"):
        photo.save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not a photo")
    (tmp_path / "sub").mkdir()
    photo.save(tmp_path / "sub" / "d.png")
    return tmp_path


def test_a_folder_gives_its_photos_sorted_not_recursive(folder: Path) -> None:
    assert [p.name for p in resolve_photos(folder)] == ["a.PNG", "b.jpg", "c.jpeg"]
    assert [p.name for p in resolve_photos(str(folder))] == ["a.PNG", "b.jpg", "c.jpeg"]


def test_a_glob_and_a_single_file(folder: Path) -> None:
    assert [p.name for p in resolve_photos(str(folder / "**" / "*.png"))] == ["d.png"]
    assert [p.name for p in resolve_photos(str(folder / "*.jp*g"))] == ["b.jpg", "c.jpeg"]
    assert resolve_photos(folder / "b.jpg") == [folder / "b.jpg"]


def test_lists_pass_through_and_nothing_found_is_a_clear_error(folder: Path) -> None:
    image = gp.samples.portrait()
    assert resolve_photos([image, b"bytes"]) == [image, b"bytes"]
    with pytest.raises(InvalidInputError, match="no photos in pattern"):
        resolve_photos(str(folder / "*.gif"))
    (folder / "empty").mkdir()
    with pytest.raises(InvalidInputError, match="no photos in folder"):
        resolve_photos(folder / "empty")
    with pytest.raises(InvalidInputError, match="no such photo"):
        resolve_photos(folder / "missing.jpg")
    with pytest.raises(InvalidInputError, match="at least one photo"):
        resolve_photos([])
    with pytest.raises(InvalidInputError, match="not int"):
        resolve_photos(3)
