"""Tolerant parsing of the API's JSON into immutable models."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

import gp_widgets as gp
from gp_widgets.api.errors import APIResponseError
from gp_widgets.api.models import UNKNOWN_SIZE, check_move, parse_face

SIZE = (640, 480)


@st.composite
def boxes(draw: st.DrawFn) -> tuple[float, float, float, float]:
    """A relative box (x, y, w, h) inside the unit square, with room for pixel rounding."""
    x = draw(st.floats(0, 0.9))
    y = draw(st.floats(0, 0.9))
    w = draw(st.floats(0.01, 1 - x))
    h = draw(st.floats(0.01, 1 - y))
    return x, y, w, h


def shapes(x: float, y: float, w: float, h: float, scale: tuple[float, float] = (1, 1)) -> list[object]:
    sx, sy = scale
    x, y, w, h = x * sx, y * sy, w * sx, h * sy
    return [
        {"x": x, "y": y, "w": w, "h": h},
        {"x": x, "y": y, "width": w, "height": h},
        {"left": x, "top": y, "right": x + w, "bottom": y + h},
        {"x0": x, "y0": y, "x1": x + w, "y1": y + h},
        {"box": {"x": x, "y": y, "w": w, "h": h}},
        [x, y, w, h],
    ]


@given(boxes())
def test_every_relative_shape_parses_to_the_same_face(box: tuple[float, float, float, float]) -> None:
    for raw in shapes(*box):
        face = parse_face(raw)
        assert face.x == pytest.approx(box[0], abs=1e-9)
        assert face.y == pytest.approx(box[1], abs=1e-9)
        assert face.w == pytest.approx(box[2], abs=1e-9)
        assert face.h == pytest.approx(box[3], abs=1e-9)


@given(boxes())
def test_pixel_shapes_are_normalised_with_the_image_size(box: tuple[float, float, float, float]) -> None:
    # boxes of at least 2 px so that pixel values are not mistaken for relative ones
    x, y, w, h = box
    w, h = max(w, 2 / SIZE[0]), max(h, 2 / SIZE[1])
    for raw in shapes(x, y, w, h, scale=SIZE):
        face = parse_face(raw, SIZE)
        assert (face.x, face.y) == (pytest.approx(x, abs=1e-9), pytest.approx(y, abs=1e-9))
        assert face.x + face.w == pytest.approx(min(1.0, x + w), abs=1e-9)
        assert face.y + face.h == pytest.approx(min(1.0, y + h), abs=1e-9)


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=6) | st.text() | st.none())
def test_garbage_faces_raise_value_error_never_anything_else(raw: object) -> None:
    try:
        face = parse_face(raw, SIZE)
    except ValueError:
        return
    assert 0 <= face.x <= 1 and 0 <= face.y <= 1 and face.w >= 0 and face.h >= 0


def test_pixel_face_without_size_is_kept_as_unusable() -> None:
    face = parse_face({"x": 10, "y": 10, "w": 50, "h": 50, "score": 0.8})
    assert not face.usable and face.problem == UNKNOWN_SIZE and face.score == 0.8
    assert (face.w, face.h) == (0.0, 0.0) and not face.contains(0.0, 0.0)


def test_gallery_item_keeps_unknown_fields_and_is_immutable() -> None:
    raw = {
        "id": "abc",
        "extra": [1, 2],
        "data": {
            "pixels": "x",
            "width": 200,
            "height": 100,
            "task": {"status": "failed", "error": {"code": "move_unavailable_offline"}},
            "faces": [{"left": 20, "top": 10, "right": 60, "bottom": 50, "score": 0.9}],
            "source": "src1",
        },
    }
    item = gp.GalleryItem.parse(raw)
    assert item.raw["extra"] == [1, 2]
    assert item.task == gp.Task("failed", "move_unavailable_offline") and item.task.done and item.task.failed
    (face,) = item.faces
    assert face.raw == raw["data"]["faces"][0] and item.task.raw == raw["data"]["task"]
    assert (face.x, face.y, face.w, face.h, face.score) == pytest.approx((0.1, 0.1, 0.2, 0.4, 0.9))
    assert item.is_variant and item.source_id == "src1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        item.raw["id"] = "other"  # type: ignore[index]


def test_faces_absent_means_not_detected_yet_and_empty_means_none_found() -> None:
    assert gp.GalleryItem.parse({"id": "a", "data": {"task": {"status": "complete"}}}).faces is None
    assert gp.GalleryItem.parse({"id": "a", "data": {"faces": []}}).faces == ()


@pytest.mark.parametrize("raw", [None, [], "x", {"data": {}}, {"id": "a", "data": []},
                                 {"id": "a", "data": {"faces": [{"q": 1}]}}])
def test_malformed_items_raise_a_typed_error(raw: object) -> None:
    with pytest.raises(APIResponseError):
        gp.GalleryItem.parse(raw)


def test_moves_print_compare_and_look_up_as_their_names() -> None:
    for move in gp.Move:
        assert str(move) == f"{move}" == move.value == move and gp.Move(move.value) is move
        assert isinstance(move.local, bool)
    assert check_move(gp.Move.age) == "age"
