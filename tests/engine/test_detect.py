"""Face detection on the shipped sample photos and on pictures derived from them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from gp_widgets import samples
from gp_widgets.local.detect import MIN_FACE, _close, detect_faces, merge, skin_mask, small_face_tiles, work_scale

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


@pytest.mark.slow
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


def test_group_sample_is_a_crowd_the_engine_sees_whole():
    """samples.group(): seven people in three rows, faces of about 40 to 250 px, every one found."""
    faces = detect_faces(np.asarray(samples.group()))
    check_boxes(faces)
    widths = [f["w"] * 1600 for f in faces]
    assert len(faces) == 7 and min(widths) < 50 and max(widths) > 180


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


@pytest.mark.parametrize("index", [4, 5])
def test_small_heads_down_to_32_px_on_a_group_picture(index):
    """Faces of 32-100 px on 1600x900 and 12 MP: the whole-photo scan alone sees none below ~80 px."""
    case = detection_set.group_picture(index, *detection_set.GROUPS[index])
    assert min(t[2] for t in case.truth) <= MIN_FACE + 1
    faces = detect_faces(case.rgb)
    check_boxes(faces)
    height, width = case.rgb.shape[:2]
    boxes = [(f["x"] * width, f["y"] * height, f["w"] * width, f["h"] * height) for f in faces]
    assert len(faces) == len(case.truth)
    for truth in case.truth:
        assert any(detection_set.iou(b, truth) >= 0.3 for b in boxes), truth


def test_skin_map_keeps_faces_dark_or_not_and_drops_grey_walls():
    from gp_widgets.analysis.faces import detect

    rgb = np.asarray(samples.astronaut())
    d = detect(rgb)[0]
    h, w = rgb.shape[:2]
    top, left = int((d.y + 0.3 * d.h) * h), int((d.x + 0.2 * d.w) * w)
    face = rgb[top:top + int(0.4 * d.h * h), left:left + int(0.6 * d.w * w)]  # cheeks, nose and mouth
    assert skin_mask(face).mean() > 0.6
    assert skin_mask((face * 0.4).astype(np.uint8)).mean() > 0.6
    wall = np.broadcast_to(np.array([170, 164, 152], np.uint8), (20, 20, 3))  # greyish beige
    assert not skin_mask(wall).any() and not skin_mask(np.asarray(samples.portrait().convert("L").convert("RGB"))).any()


def test_skin_map_is_the_hue_test_without_arctan_and_closes_as_scipy_does():
    from scipy import ndimage

    rgb = np.random.default_rng(0).integers(0, 256, (200, 300, 3), dtype=np.uint8)
    img = rgb.astype(np.float32)
    y = img @ np.array([0.299, 0.587, 0.114], np.float32)
    cb, cr = 0.564 * (img[..., 2] - y), 0.713 * (img[..., 0] - y)
    hue = np.degrees(np.arctan2(cr, cb))
    slow = (np.hypot(cb, cr) >= 0.08 * y) & (hue >= 100.0) & (hue <= 168.0) & (y >= 20.0)
    assert (skin_mask(rgb) != slow).mean() < 1e-4  # float rounding at the hue edges only
    mask = slow[:, :200].copy()
    assert np.array_equal(_close(mask), ndimage.binary_closing(mask, np.ones((3, 3), bool)))


def test_pale_blobs_of_a_big_portrait_get_no_tile():
    """The portrait at 12 MP: its face is found whole; the flag's stars, cap badge and buttons are near-white
    blobs (chroma under 14 % of luma) and get no small-face tile."""
    from benchmarks._common import scaled_portrait

    rgb = np.asarray(scaled_portrait(3000, 4000))
    tiles = small_face_tiles(rgb, 80 / work_scale(3000, 4000))
    assert len(tiles) <= 16
    stars = [t for t, _ in tiles if t[2] < 900 and t[3] < 1400]  # the flag, top left
    assert len(stars) <= 2, stars


def test_merge_keeps_one_box_per_face():
    from gp_widgets.analysis.faces import Detection

    big = Detection(0.1, 0.1, 0.2, 0.2, 0.9, 1.2)
    inner = Detection(0.12, 0.12, 0.15, 0.15, 0.8, 0.9)
    other = Detection(0.6, 0.6, 0.1, 0.1, 0.7, 0.6)
    assert merge([inner, big, other]) == [big, other]


def test_working_scale_shrinks_big_photos_and_enlarges_small_ones():
    assert work_scale(4000, 3000) < 0.5
    assert work_scale(300, 400) == 2.0
    assert 0.85 < work_scale(1000, 2000) <= 1.0


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
