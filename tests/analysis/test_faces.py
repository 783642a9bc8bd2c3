"""dlib's detector, landmarks and descriptors on the sample portraits."""

from __future__ import annotations

import numpy as np
import pytest

from gp_widgets import samples
from gp_widgets.analysis import models
from gp_widgets.analysis.faces import descriptor, detect, landmarks
from gp_widgets.analysis.measures import (
    SAME_PERSON_THRESHOLD,
    identity_distance,
    smile_score,
)


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return np.asarray(samples.portrait())


def test_one_face_in_the_portrait_with_a_confident_relative_box(portrait):
    (face,) = detect(portrait)
    assert 0.3 < face.x < 0.4 and 0.2 < face.y < 0.3 and 0.3 < face.w < 0.45
    assert 0.5 < face.score <= 1.0


def test_no_face_in_a_flat_image():
    assert detect(np.full((200, 200, 3), 128, np.uint8)) == []


def test_landmarks_sit_inside_the_face_box(portrait):
    (face,) = detect(portrait)
    points = landmarks(portrait, face.box)
    h, w = portrait.shape[:2]
    assert points.shape == (68, 2)
    inside = ((points[:, 0] >= face.x * w - 10) & (points[:, 0] <= (face.x + face.w) * w + 10)).mean()
    assert inside > 0.95
    assert -0.2 < smile_score(points) < 0.2


def test_identity_distance_same_photo_mirror_and_another_person(portrait):
    (face,) = detect(portrait)
    mirror = np.ascontiguousarray(portrait[:, ::-1])
    (mface,) = detect(mirror)
    other = np.asarray(samples.astronaut())
    oface = detect(other)[0]
    me = descriptor(portrait, face.box)
    assert me.shape == (128,)
    assert identity_distance(me, descriptor(portrait, face.box)) < 1e-6
    assert identity_distance(me, descriptor(mirror, mface.box)) < 0.3
    assert identity_distance(me, descriptor(other, oface.box)) > SAME_PERSON_THRESHOLD


def test_refuses_what_is_not_rgb_uint8(portrait):
    with pytest.raises(ValueError, match="RGB uint8"):
        detect(portrait.astype(np.float32))
    with pytest.raises(ValueError, match="unknown detector"):
        detect(portrait, detector="haar")  # type: ignore[arg-type]


def test_missing_models_say_which_extra_to_install(monkeypatch):
    monkeypatch.setattr(models.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(models.AnalysisUnavailable, match=r"gp_widgets\[analysis\]"):
        models.model_path("encoder")
