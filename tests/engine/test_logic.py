"""Pure logic: edit maths, detection on blank images, fault specs and draws, image sniffing, request parsing."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from PIL import Image

from gp_widgets import samples
from gp_widgets.api.uploads import sniff
from gp_widgets.local.app import APIError, parse_change, variant_id
from gp_widgets.local.config import EngineConfig, format_move_strength, parse_move_strength
from gp_widgets.local.detect import detect_faces
from gp_widgets.local.edits import EDIT_MOVES, apply_edit, strength
from gp_widgets.local.faults import (
    FaultInjector,
    FaultSpec,
    FaultSpecError,
    parse_faults,
    pick_request_fault,
)
from gp_widgets.local.images import ImageRejected, encode_png, inspect_upload
from gp_widgets.local.process import start_engine

BOX = (0.3, 0.2, 0.4, 0.35)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return np.asarray(samples.portrait().resize((256, 300)))


def grown_mask(shape, box, grow=0.15):
    h, w = shape[:2]
    x, y, bw, bh = box
    mask = np.zeros(shape[:2], bool)
    mask[int((y - grow * bh) * h):int(np.ceil((y + bh * (1 + grow)) * h)) + 1,
         int((x - grow * bw) * w):int(np.ceil((x + bw * (1 + grow)) * w)) + 1] = True
    return mask


def diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


@pytest.mark.parametrize("move", sorted(EDIT_MOVES))
def test_edit_properties(photo, move):
    same = apply_edit(photo, BOX, move, 0)
    assert np.array_equal(same, photo) and same is not photo
    inside = grown_mask(photo.shape, BOX)
    changes = []
    for param in (0.25, 1.0, 3.0, 10.0):
        out = apply_edit(photo, BOX, move, param)
        assert out.dtype == np.uint8 and out.shape == photo.shape
        assert np.array_equal(out[~inside], photo[~inside]), "changed outside the face box grown by 30%"
        assert encode_png(out) == encode_png(apply_edit(photo, BOX, move, param)), "not deterministic"
        changes.append(diff(out, photo))
        negative = apply_edit(photo, BOX, move, -param)
        assert np.array_equal(negative[~inside], photo[~inside])
        assert diff(negative, out) > 0.2 * changes[-1], "opposite signs look alike"
    assert all(a < b for a, b in itertools.pairwise(changes)), changes


def test_edit_touches_only_the_chosen_face():
    group = np.asarray(samples.group())
    left, right = (0.05, 0.2, 0.3, 0.4), (0.6, 0.2, 0.3, 0.4)
    out = apply_edit(group, left, "age", 2.0)
    assert np.array_equal(out[:, group.shape[1] // 2:], group[:, group.shape[1] // 2:])
    assert diff(out, group) > 0
    assert diff(apply_edit(group, right, "age", 2.0)[:, : group.shape[1] // 2], group[:, : group.shape[1] // 2]) == 0


def test_edit_rejects_unknown_moves_and_tolerates_edge_boxes(photo):
    with pytest.raises(ValueError):
        apply_edit(photo, BOX, "MaleAsian", 1)
    for box in ((0.9, 0.9, 0.5, 0.5), (-0.1, -0.1, 0.3, 0.3), (0.5, 0.5, 0.0, 0.0)):
        assert apply_edit(photo, box, "smile", 1).shape == photo.shape


def test_detection_on_blank_and_noise():
    assert detect_faces(np.zeros((300, 400, 3), np.uint8)) == []
    assert detect_faces(np.full((64, 64, 3), 255, np.uint8)) == []
    assert detect_faces(np.zeros((10, 10, 3), np.uint8)) == []


def test_parse_faults():
    spec = parse_faults("http_500=0.1, http_503=0.05,http_429=0.05,drop=0.02,task_fail=0.05")
    assert spec == FaultSpec(0.1, 0.05, 0.05, 0.02, 0.05)
    assert parse_faults(None) == parse_faults("") == FaultSpec()
    for bad in ("http_404=0.1", "drop=1.5", "drop=-0.1", "drop", "drop=x", "drop=0.1,drop=0.2",
                "http_500=0.6,http_503=0.6"):
        with pytest.raises(FaultSpecError):
            parse_faults(bad)


def test_fault_draws_depend_only_on_seed_and_request():
    spec = FaultSpec(http_500=0.2, http_429=0.2, drop=0.1, task_fail=0.5)
    a, b = FaultInjector(spec, 3), FaultInjector(spec, 3)
    seq_a = [a.request_fault("GET", "/x") for _ in range(50)]
    for i in range(50):  # interleaving other paths does not change the draws of /x
        b.request_fault("GET", f"/other/{i}")
    assert [b.request_fault("GET", "/x") for _ in range(50)] == seq_a
    assert {None, "http_500", "http_429", "drop"} <= set(seq_a)
    assert [FaultInjector(spec, 4).request_fault("GET", "/x") for _ in range(50)] != seq_a
    assert a.task_fails("v1") == b.task_fails("v1")
    assert pick_request_fault(spec, 0.0) == "http_500" and pick_request_fault(spec, 0.99) is None


def test_sniff_and_inspect():
    png = encode_png(np.zeros((4, 5, 3), np.uint8))
    buf = io.BytesIO()
    Image.new("RGB", (6, 7)).save(buf, "JPEG")
    assert sniff(png)[0] == "image/png" and sniff(buf.getvalue())[0] == "image/jpeg" and sniff(b"GIF89a") is None
    assert inspect_upload(png).width == 5 and inspect_upload(buf.getvalue()).height == 7
    with pytest.raises(ImageRejected) as exc:
        inspect_upload(b"GIF89a....")
    assert (exc.value.status, exc.value.code) == (415, "unsupported_image")


def test_parse_change_and_variant_ids():
    assert parse_change(b'{"move": "smile"}') == ("smile", 1.0)
    assert parse_change(b'{"move": "age", "param": -0}') == ("age", 0.0)
    for body, err in ((b'{"move": "smile", "param": 10.0001}', "invalid_param"), (b'"smile"', "invalid_body")):
        with pytest.raises(APIError) as exc:
            parse_change(body)
        assert exc.value.code == err
    assert variant_id("t", "d", 0, "smile", 1) == variant_id("t", "d", 0, "smile", 1.0)
    assert variant_id("t", "d", 0, "smile", 0.0) == variant_id("t", "d", 0, "smile", -0.0)
    assert len({variant_id(*args) for args in [("t", "d", 0, "smile", 1), ("u", "d", 0, "smile", 1),
                                               ("t", "e", 0, "smile", 1), ("t", "d", 1, "smile", 1),
                                               ("t", "d", 0, "age", 1), ("t", "d", 0, "smile", 2)]}) == 6
    # another strength of the move (serve --move-strength) is another variant; a gain of 1 keeps the old ids
    assert variant_id("t", "d", 0, "smile", 1, 1.0) == variant_id("t", "d", 0, "smile", 1)
    assert variant_id("t", "d", 0, "smile", 1, 1.5) != variant_id("t", "d", 0, "smile", 1)


def test_parse_move_strength():
    assert parse_move_strength("smile=1.3, age=0.8") == {"smile": 1.3, "age": 0.8}
    assert parse_move_strength("smile=1,gender=2") == {"gender": 2.0}  # 1 is the default: not kept
    assert parse_move_strength(None) == parse_move_strength("") == {}
    assert parse_move_strength({"smile": 1.5}) == {"smile": 1.5}
    assert format_move_strength(parse_move_strength("smile=1.3,age=0.8")) == "age=0.8,smile=1.3"
    for bad in ("smile", "smile=x", "smile=0", "smile=-1", "smile=inf", "FemaleAsian=2", "frown=1.2"):
        with pytest.raises(ValueError):
            parse_move_strength(bad)
    config = EngineConfig(data_dir="/nonexistent", api_keys=["k"], move_strength="smile=1.5")
    assert (config.gain("smile"), config.gain("age")) == (1.5, 1.0)
    with pytest.raises(ValueError):
        start_engine(move_strength="smile=none")  # refused before any process starts


def test_strength_gain_multiplies_every_param_of_its_move():
    for move in EDIT_MOVES:
        for p in (-3.0, -1.0, 0.5, 2.0):
            assert strength(p, move, 1.5) == pytest.approx(1.5 * strength(p, move))
