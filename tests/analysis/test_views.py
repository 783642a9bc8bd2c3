"""Face crops and the difference heat map every view shares."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from gp_widgets.analysis.views import (
    abs_diff,
    diff_heatmap,
    face_crop_box,
    heatmap,
    render_rows,
)


def test_face_crop_is_square_grown_and_inside_the_image():
    left, top, right, bottom = face_crop_box((0.4, 0.3, 0.2, 0.2), (500, 400), margin=0.25)
    assert right - left == bottom - top == 150  # 100 px face + 25 % on each side
    assert (left + right) / 2 == pytest.approx(250) and (top + bottom) / 2 == pytest.approx(160)


def test_face_crop_near_an_edge_is_shifted_not_shrunk_and_never_exceeds_the_image():
    assert face_crop_box((0.0, 0.0, 0.2, 0.2), (500, 400), margin=0.25) == (0, 0, 150, 150)
    left, top, right, bottom = face_crop_box((0.0, 0.0, 1.0, 1.0), (300, 200))
    assert (left, top, right, bottom) == (50, 0, 250, 200)  # as large as fits, square, centred


def test_heatmap_scale_is_shared_when_given():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[0, 0] = 51  # 0.2 of full scale
    own, own_scale = diff_heatmap(a, b)
    shared, shared_scale = diff_heatmap(a, b, vmax=0.4)
    assert own_scale == pytest.approx(0.2) and shared_scale == 0.4
    assert own.shape == (4, 4, 3) and own.dtype == np.uint8
    assert own[0, 0].sum() > shared[0, 0].sum() > own[1, 1].sum()  # brighter on its own scale, dark where equal


def test_abs_diff_refuses_images_of_different_shapes():
    with pytest.raises(ValueError, match="differ in shape"):
        abs_diff(np.zeros((2, 2, 3), np.uint8), np.zeros((3, 2, 3), np.uint8))
    assert heatmap(np.zeros((2, 2), np.float32), 0.0).max() == heatmap(np.zeros((2, 2), np.float32), 1.0).max()


def test_abs_diff_is_the_channel_mean_of_the_absolute_difference_to_the_last_bit():
    rng = np.random.default_rng(7)
    for shape in ((61, 47, 3), (33, 29, 4), (40, 30)):
        a, b = (rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(2))
        full = np.abs(b.astype(np.int16) - a.astype(np.int16)).astype(np.float32) / 255.0
        expected = full.mean(axis=2) if full.ndim == 3 else full
        got = abs_diff(a, b)
        assert got.dtype == np.float32 and got.shape == shape[:2]
        assert np.array_equal(got, expected)  # measured values (mad_face, mad_outside) stay exactly as they were


def test_rendered_rows_crop_the_same_region_and_share_one_diff_scale():
    original = Image.new("RGB", (200, 100), (100, 100, 100))
    weak, strong = original.copy(), original.copy()
    weak.paste((110, 100, 100), (60, 30, 70, 40))
    strong.paste((200, 100, 100), (60, 30, 70, 40))
    box = (0.25, 0.2, 0.25, 0.5)  # 50 x 50 px
    rows = [(original, box, [original, weak, "move_unavailable_offline"]), (original, box, [strong, None, original])]
    faces, scale = render_rows(rows, "face", 64)
    assert scale is None and faces[0][2] == "move_unavailable_offline" and faces[1][1] is None
    assert faces[0][0].size == faces[1][0].size == (64, 64)  # square crop, grown by the margin
    photos, _ = render_rows(rows, "photo", 64)
    assert photos[0][0].size == (64, 32)
    diffs, scale = render_rows(rows, "diff", 64)
    assert scale == pytest.approx(100 / 3 / 255, rel=0.05)  # the strong cell's 99th percentile sets it
    weak_map, strong_map = np.asarray(diffs[0][1]), np.asarray(diffs[1][0])
    assert strong_map.max() > weak_map.max() > 0  # one scale: the weak change stays dim
    unchanged = np.asarray(diffs[0][0])
    assert (unchanged == unchanged[0, 0]).all()  # no change, one colour
    with pytest.raises(ValueError, match="unknown view"):
        render_rows(rows, "mask", 64)  # type: ignore[arg-type]
