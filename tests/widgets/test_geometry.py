"""Pure tests of the face canvas geometry (no kernel, no server, no browser)."""

from __future__ import annotations

import pytest

from gp_widgets.api import Face
from gp_widgets.widgets.geometry import canvas_size, hit_test, label_origin, stroke_width, to_canvas, to_relative

A = Face(0.1, 0.1, 0.3, 0.4)
B = Face(0.6, 0.2, 0.2, 0.2)


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((0.25, 0.3), 0),  # inside A
        ((0.7, 0.3), 1),  # inside B
        ((0.1, 0.1), 0),  # top-left corner of A (edges count)
        ((0.4, 0.5), 0),  # bottom-right corner of A
        ((0.8, 0.4), 1),  # bottom-right corner of B
        ((0.5, 0.3), None),  # between the boxes
        ((0.0, 0.0), None),  # photo corner
        ((0.95, 0.95), None),
    ],
)
def test_hit_test_inside_edges_outside(point, expected):
    assert hit_test([A, B], *point) == expected


def test_hit_test_no_faces():
    assert hit_test([], 0.5, 0.5) is None


def test_overlap_smallest_box_wins_whatever_the_order():
    big = Face(0.0, 0.0, 0.8, 0.8)
    small = Face(0.3, 0.3, 0.2, 0.2)
    assert hit_test([big, small], 0.35, 0.35) == 1
    assert hit_test([small, big], 0.35, 0.35) == 0
    assert hit_test([big, small], 0.1, 0.1) == 0  # only the big one contains it


def test_overlap_equal_size_closest_centre_wins():
    left = Face(0.2, 0.2, 0.4, 0.4)  # centre 0.4
    right = Face(0.3, 0.2, 0.4, 0.4)  # centre 0.5
    assert hit_test([left, right], 0.42, 0.4) == 0
    assert hit_test([left, right], 0.48, 0.4) == 1
    twin = Face(0.2, 0.2, 0.4, 0.4)
    assert hit_test([left, twin], 0.4, 0.4) == 0  # full tie: lower index


def test_relative_canvas_round_trip():
    rect = to_canvas(A, 500, 600)
    assert rect == pytest.approx((50, 60, 150, 240))
    x, y = to_relative(rect[0] + rect[2] / 2, rect[1] + rect[3] / 2, 500, 600)
    assert (x, y) == pytest.approx(A.center)
    assert hit_test([A, B], x, y) == 0


@pytest.mark.parametrize(
    ("size", "expected"),
    [((512, 600), (512, 600)), ((1536, 1024), (768, 512)), ((1000, 4000), (192, 768)), ((768, 768), (768, 768))],
)
def test_canvas_size_fits_and_never_upscales(size, expected):
    assert canvas_size(*size) == expected


def test_canvas_size_keeps_aspect_ratio():
    w, h = canvas_size(3000, 2000, 600)
    assert (w, h) == (600, 400)


def test_stroke_width_scales_with_canvas():
    assert stroke_width(100, 80) == 2
    assert stroke_width(768, 512) == 3
    assert stroke_width(2000, 100) == 8


def test_label_above_box_when_there_is_room():
    assert label_origin((100, 50, 80, 80), (20, 16), (400, 300)) == (100, 34)


def test_label_inside_box_at_top_edge():
    assert label_origin((100, 5, 80, 80), (20, 16), (400, 300)) == (100, 5)


def test_label_kept_inside_canvas():
    assert label_origin((390, 100, 10, 10), (20, 16), (400, 300)) == (380, 84)
    assert label_origin((-5, 295, 10, 10), (20, 16), (400, 300)) == (0, 279)


def test_face_crop_is_the_grids_square_neighbourhood_inside_the_canvas():
    from gp_widgets.analysis.views import face_crop_box
    from gp_widgets.widgets.geometry import face_crop

    x, y, w, h = face_crop(A, 400, 300)
    assert w == h and 0 <= x and x + w <= 400 and 0 <= y and y + h <= 300
    assert (x, y, x + w, y + h) == face_crop_box((A.x, A.y, A.w, A.h), (400, 300))
    fx, fy, fw, fh = to_canvas(A, 400, 300)
    assert x <= fx and y <= fy and fx + fw <= x + w and fy + fh <= y + h  # the face with a margin


@pytest.mark.parametrize(("width", "height"), [(400, 300), (300, 400), (512, 512)])
def test_zoom_transform_fills_the_canvas_with_the_crop_centred(width, height):
    from gp_widgets.widgets.geometry import face_crop, map_point, map_rect, unmap_point, view_transform

    crop = face_crop(B, width, height)
    transform = view_transform(crop, width, height)
    x, y, w, h = map_rect(crop, transform)
    assert min(w, h) == pytest.approx(min(width, height))  # the square crop spans the shorter side
    assert (x + w / 2, y + h / 2) == pytest.approx((width / 2, height / 2))
    assert unmap_point(*map_point(12.5, 40.0, transform), transform) == pytest.approx((12.5, 40.0))
    assert view_transform(None, width, height) == (1.0, 0.0, 0.0)
