"""Face crops and the difference heat map every view shares."""

from __future__ import annotations

import numpy as np
import pytest

from gp_widgets.analysis.views import abs_diff, diff_heatmap, face_crop_box, heatmap


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
