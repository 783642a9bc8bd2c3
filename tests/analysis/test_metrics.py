"""gp.metrics on the sample portraits and edits of them: identity, smile, leakage, pixels, plug-ins, NaN reasons."""

from __future__ import annotations

import io
import math
import sys
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageFilter
from scipy.ndimage import map_coordinates

import gp_widgets as gp
from gp_widgets import samples
from gp_widgets.analysis import models
from gp_widgets.analysis.faces import detect, landmarks
from gp_widgets.analysis.metrics import (
    FaceImage,
    Features,
    as_metric,
    evaluate,
    face_features,
    face_key,
    metric_list,
)


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return np.asarray(samples.portrait())


@pytest.fixture(scope="module")
def box(portrait) -> tuple[float, float, float, float]:
    return detect(portrait)[0].box


def other_person_in_place(portrait: np.ndarray, box) -> np.ndarray:
    """The astronaut, scaled and moved so that her face lies where the portrait's face is."""
    astronaut = np.asarray(samples.astronaut())
    theirs = detect(astronaut)[0]
    h, w = portrait.shape[:2]
    ah, aw = astronaut.shape[:2]
    scale = (theirs.w * aw) / (box[2] * w)  # astronaut pixels per portrait pixel
    ox, oy = theirs.x * aw - box[0] * w * scale, theirs.y * ah - box[1] * h * scale
    out = Image.fromarray(astronaut).transform((w, h), Image.Transform.AFFINE, (scale, 0, ox, 0, scale, oy),
                                               Image.Resampling.BILINEAR)
    return np.asarray(out)


def lift_mouth_corners(image: np.ndarray, points: np.ndarray, pixels: float) -> np.ndarray:
    """A landmark-driven smile: content near each mouth corner moves up by ``pixels`` (Gaussian falloff)."""
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    sigma = np.linalg.norm(points[54] - points[48]) / 4
    shift = np.zeros((h, w))
    for corner in (points[48], points[54]):
        shift += pixels * np.exp(-((xx - corner[0]) ** 2 + (yy - corner[1]) ** 2) / (2 * sigma**2))
    out = np.empty_like(image)
    for c in range(3):  # out(x, y) = in(x, y + shift): what was below moves up
        out[..., c] = map_coordinates(image[..., c], [yy + shift, xx], order=1, mode="nearest")
    return out


def test_identity_is_zero_for_the_same_photo_small_for_its_mirror_and_over_threshold_for_another_person(
        portrait, box) -> None:
    assert gp.metrics.identity.compute(portrait, portrait, box) == pytest.approx(0.0, abs=1e-6)
    mirror = np.ascontiguousarray(portrait[:, ::-1])
    assert gp.metrics.identity.compute(portrait, mirror, box) < 0.3
    other = other_person_in_place(portrait, box)
    assert gp.metrics.identity.compute(portrait, other, box) > gp.metrics.SAME_PERSON_THRESHOLD


def test_smile_rises_on_a_landmark_warped_smile_and_falls_on_a_frown(portrait, box) -> None:
    points = landmarks(portrait, box)
    smiling = lift_mouth_corners(portrait, points, 6.0)
    frowning = lift_mouth_corners(portrait, points, -6.0)
    scores = [gp.metrics.smile.compute(portrait, image, box) for image in (frowning, portrait, smiling)]
    assert scores[0] < -0.005 and scores[1] == 0.0 and scores[2] > 0.02
    # a mouth edit changes pixels inside the face box and hardly any outside it
    assert gp.metrics.mad_outside.compute(portrait, smiling, box) < 0.2 * gp.metrics.mad_face.compute(
        portrait, smiling, box)


def test_landmark_shift_is_small_for_a_mouth_edit_and_large_for_a_moved_face(portrait, box) -> None:
    smiling = lift_mouth_corners(portrait, landmarks(portrait, box), 6.0)
    moved = np.roll(portrait, 12, axis=1)  # the whole face 12 px right: the eyes and jaw move too
    mouth_only = gp.metrics.landmark_shift.compute(portrait, smiling, box)
    everything = gp.metrics.landmark_shift.compute(portrait, moved, box)
    assert everything > 0.1 and mouth_only < everything / 2


def test_pixel_metrics_on_a_known_change(portrait, box) -> None:
    assert gp.metrics.mad_face.compute(portrait, portrait, box) == 0.0
    assert gp.metrics.ssim_face.compute(portrait, portrait, box) == pytest.approx(1.0)
    darker = (portrait * 0.5).astype(np.uint8)
    assert gp.metrics.mad_face.compute(portrait, darker, box) > 0.1
    assert gp.metrics.ssim_face.compute(portrait, darker, box) < 0.95


def test_a_variant_without_a_face_reads_nan_with_the_reason(portrait, box) -> None:
    """The variant is not searched (its landmarks start where the original's face was found), so whether its
    face is still there is the detector's quick look at that place: a blank photo, the face box painted over
    or blurred away read NaN; the photo re-encoded does not."""
    h, w = portrait.shape[:2]
    left, top, right, bottom = round(box[0] * w), round(box[1] * h), round((box[0] + box[2]) * w), round(
        (box[1] + box[3]) * h)
    painted = portrait.copy()
    painted[top:bottom, left:right] = 128
    blurred = np.asarray(Image.fromarray(portrait).filter(ImageFilter.GaussianBlur((right - left) / 8)))
    for gone in (np.full_like(portrait, 128), painted, blurred):
        value = evaluate(gp.metrics.identity, portrait, gone, box)
        assert math.isnan(value.value) and value.reason == "no face found in the variant"
        assert evaluate(gp.metrics.mad_face, portrait, gone, box).reason is None
    out = io.BytesIO()
    Image.fromarray(portrait).save(out, format="JPEG", quality=70)
    assert evaluate(gp.metrics.identity, portrait, np.asarray(Image.open(out)), box).value < 0.15
    assert math.isnan(evaluate(gp.metrics.mad_face, portrait, portrait, None).value)


def test_a_variant_is_fitted_from_the_box_its_original_was_found_in(portrait, box, monkeypatch) -> None:
    """The face is searched for once, in the original; each variant's landmark fit starts from the box it was
    found in there: the fit follows the box it starts from, and the detector may box an edited face a pyramid
    step away, which would move the landmarks by more than some edits do. A face the detector's quick look sees
    moved is searched for again, so that a moved face reads its move."""
    from gp_widgets.analysis import metrics

    searched = []
    real = metrics._find
    monkeypatch.setattr(metrics, "_find", lambda image, b: searched.append(b) or real(image, b))
    original = FaceImage.of(portrait)
    variants = [FaceImage.of(lift_mouth_corners(portrait, landmarks(portrait, box), p)) for p in (-6.0, 6.0)]
    smiles = [gp.metrics.smile.compute(original, v, box) for v in variants]
    assert smiles[0] < 0 < smiles[1] and len(searched) == 1
    found = face_features(original, box).found
    assert found is not None and all(face_features(v, box).found == found for v in variants)
    same = face_features(FaceImage.of(portrait.copy()), box, like=face_features(original, box))
    assert np.array_equal(same.landmarks, face_features(original, box).landmarks)
    elsewhere = replace(face_features(original, box), found=(found[0] + found[2] * 0.1, *found[1:]))
    moved = face_features(FaceImage.of(portrait.copy()), box, like=elsewhere)  # from a box a tenth to the right
    assert moved.found == elsewhere.found and not np.array_equal(moved.landmarks, same.landmarks)
    assert Features.from_json(same.to_json()).found == same.found  # what a sidecar keeps
    assert Features.from_json(same.to_json()).seen == same.seen is not None
    pixels = round(0.2 * box[2] * portrait.shape[1])  # a fifth of the face's width: the fit would not follow
    points = same.landmarks
    iod = float(np.linalg.norm(points[42:48].mean(axis=0) - points[36:42].mean(axis=0)))
    shift = gp.metrics.landmark_shift.compute(original, np.roll(portrait, pixels, axis=1), box)
    assert shift == pytest.approx(pixels / iod, rel=0.1) and len(searched) == 2


def test_without_dlib_the_face_metrics_name_the_extra_and_pixel_metrics_still_work(portrait, box, monkeypatch):
    monkeypatch.setitem(sys.modules, "dlib", None)  # import dlib -> ImportError
    monkeypatch.setattr(models, "_load", lambda name: models._LOADERS[name](models._dlib()))
    for metric in (gp.metrics.identity, gp.metrics.smile, gp.metrics.landmark_shift):
        value = evaluate(metric, portrait, portrait, box)
        assert math.isnan(value.value) and "gp_widgets[analysis]" in (value.reason or "")
    assert evaluate(gp.metrics.mad_face, portrait, portrait, box).value == 0.0


def test_any_callable_of_the_shape_is_a_metric_and_its_failures_become_reasons(portrait, box) -> None:
    def redness(original, variant, face_box):
        return float(variant[..., 0].mean() - original[..., 0].mean())

    metric = as_metric(redness)
    assert (metric.name, metric.higher_is_better, metric.role) == ("redness", False, "")
    assert evaluate(metric, portrait, portrait, box).value == 0.0
    broken = evaluate(as_metric(lambda o, v, b: 1 / 0), portrait, portrait, box)
    assert math.isnan(broken.value) and broken.reason == "ZeroDivisionError: division by zero"
    assert evaluate(as_metric(lambda o, v, b: math.inf), portrait, portrait, box).reason == "not a finite number"
    with pytest.raises(TypeError, match="original, variant, face_box"):
        as_metric(lambda image: 0.0)
    assert as_metric("identity") is gp.metrics.identity  # a built-in by its name
    with pytest.raises(TypeError):
        as_metric(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="distinct"):
        metric_list([gp.metrics.identity, gp.metrics.identity])


def test_a_face_image_measures_its_face_once(portrait, box, monkeypatch) -> None:
    from gp_widgets.analysis import faces

    calls = []
    real = faces.describe
    monkeypatch.setattr(faces, "describe", lambda image, b: calls.append(b) or real(image, b))
    original, variant = FaceImage.of(portrait), FaceImage.of(portrait[:, ::-1].copy())
    for metric in (gp.metrics.identity, gp.metrics.smile, gp.metrics.landmark_shift):
        metric.compute(original, variant, box)
    assert len(calls) == 2  # one landmark fit and descriptor per image, shared by three metrics
    assert face_features(original, box) is original.features[face_key(box)]
    assert original[10:20].features == {}  # a slice is another image
