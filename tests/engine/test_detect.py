"""Face detection on the shipped sample photos and on pictures derived from them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from gp_widgets import samples
from gp_widgets.local.detect import detect_faces, work_scale

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:  # `benchmarks` is a top-level package of the repo, not installed
    sys.path.insert(0, ROOT)

from benchmarks import detection_set  # noqa: E402

# Grace Hopper's face centre (between the eyes and the mouth) in matplotlib's 512x600 grace_hopper.jpg,
# read off the photo by eye: the nose bridge is at about (258, 270).
HOPPER_FACE_CENTRE = (258 / 512, 270 / 600)


def contains(face: dict, point: tuple[float, float]) -> bool:
    x, y = point
    return face["x"] <= x <= face["x"] + face["w"] and face["y"] <= y <= face["y"] + face["h"]


def check_boxes(faces: list[dict]) -> None:
    for f in faces:
        assert set(f) == {"x", "y", "w", "h", "score"}
        assert all(0 <= f[k] <= 1 for k in f) and f["x"] + f["w"] <= 1.001 and f["y"] + f["h"] <= 1.001


def test_portrait_has_one_face_around_the_true_centre():
    faces = detect_faces(np.asarray(samples.portrait()))
    check_boxes(faces)
    assert len(faces) == 1 and contains(faces[0], HOPPER_FACE_CENTRE)
    assert 0.2 < faces[0]["w"] < 0.6


def test_cnn_detector_finds_the_portrait_face():
    faces = detect_faces(np.asarray(samples.portrait()), detector="cnn")
    check_boxes(faces)
    assert len(faces) == 1 and contains(faces[0], HOPPER_FACE_CENTRE)


def test_astronaut_has_one_face():
    faces = detect_faces(np.asarray(samples.astronaut()))
    check_boxes(faces)
    assert len(faces) == 1 and contains(faces[0], (230 / 512, 120 / 512))


def test_group_has_two_faces():
    img = samples.group()
    faces = detect_faces(np.asarray(img))
    check_boxes(faces)
    assert len(faces) >= 2
    centres = sorted(f["x"] + f["w"] / 2 for f in faces)
    assert centres[0] < 0.5 < centres[-1]


def test_blank_has_none():
    assert detect_faces(np.full((480, 640, 3), 128, np.uint8)) == []


@pytest.mark.parametrize("name", ["hopper-mirror", "hopper-rot+25", "hopper-rot-25", "collins-mirror-rot+25",
                                  "hopper-grey", "collins-dark"])
def test_mirrored_tilted_and_toned_portraits(name):
    source = "hopper" if name.startswith("hopper") else "collins"
    case = next(c for c in detection_set.portrait_variants(source, detection_set.sources()[source],
                                                          detection_set.reference_box(source)) if c.name == name)
    height, width = case.rgb.shape[:2]
    faces = detect_faces(case.rgb)
    check_boxes(faces)
    boxes = [(f["x"] * width, f["y"] * height, f["w"] * width, f["h"] * height) for f in faces]
    assert len(faces) == 1 and detection_set.iou(boxes[0], case.truth[0]) >= 0.3


def test_six_small_heads_on_a_wide_picture_largest_first():
    """Faces 64-88 px wide on 1600x900 (heads of about 80-110 px)."""
    case = detection_set.group_picture(0, *detection_set.GROUPS[0])
    faces = detect_faces(case.rgb)
    check_boxes(faces)
    assert len(faces) == 6
    areas = [f["w"] * f["h"] for f in faces]
    assert areas == sorted(areas, reverse=True)
    height, width = case.rgb.shape[:2]
    for truth in case.truth:
        assert any(detection_set.iou((f["x"] * width, f["y"] * height, f["w"] * width, f["h"] * height), truth) >= 0.3
                   for f in faces)


def test_working_scale_shrinks_big_photos_and_enlarges_small_ones():
    assert work_scale(4000, 3000) < 0.5
    assert work_scale(300, 400) == 2.0
    assert 0.99 < work_scale(1000, 2000) <= 1.0


def test_unknown_detector_is_refused():
    with pytest.raises(ValueError):
        detect_faces(np.zeros((64, 64, 3), np.uint8), detector="lbp")


def test_resize_to_the_working_scale():
    from gp_widgets.analysis.faces import resize

    img = np.zeros((30, 40, 3), np.uint8)
    img[10:20, 10:20] = 255
    assert np.array_equal(resize(img, 1.0), img)
    big = resize(img, 2.0)
    assert big.shape == (60, 80, 3) and big.dtype == np.uint8 and big[30, 30, 0] == 255 and big[5, 5, 0] == 0
    assert resize(img, 0.5).shape == (15, 20, 3)
