"""Face detection on the shipped sample photos."""

from __future__ import annotations

import numpy as np

from gp_widgets import samples
from gp_widgets.local.detect import detect_faces

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
