"""Every route, status and error code of the HTTP API, against a real engine on loopback."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
import requests
from PIL import Image

from gp_widgets import samples

from .conftest import KEY_B, encode


def code(r: requests.Response) -> str:
    assert r.headers["content-type"].startswith("application/json"), r.text
    return r.json()["code"]


# -- auth and routing -------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "", "wrong", "Bearer wrong", "Bearer"])
def test_missing_or_wrong_key_is_401(engine, face_doc, header):
    headers = {} if header is None else {"Authorization": header}
    for r in (requests.get(engine.url(f"/teams/me/gallery/{face_doc['id']}"), headers=headers),
              requests.post(engine.url("/teams/me/gallery"), headers=headers),
              requests.get(engine.url("/_engine/stats"), headers=headers)):
        assert r.status_code == 401 and code(r) == "unauthorized"


def test_bearer_and_raw_keys_both_work(engine, face_doc):
    key = engine.config.api_keys[0]
    for header in (key, f"Bearer {key}", f"bearer  {key}"):
        r = requests.get(engine.url(f"/teams/me/gallery/{face_doc['id']}"), headers={"Authorization": header})
        assert r.status_code == 200


def test_other_team_gets_404(engine, face_doc):
    other = {"Authorization": KEY_B}
    doc_id = face_doc["id"]
    for r in (requests.get(engine.url(f"/teams/me/gallery/{doc_id}"), headers=other),
              requests.get(engine.url(f"/teams/me/gallery/{doc_id}/pixels/original/bytes"), headers=other),
              requests.put(engine.url(f"/teams/me/gallery/{doc_id}/faces/0"), json={"move": "smile"}, headers=other)):
        assert r.status_code == 404 and code(r) == "not_found"


def test_unknown_routes_methods_and_ids(engine):
    s = engine.session
    assert code(s.get(engine.url("/nope"))) == "not_found"
    assert s.get(engine.base_url.replace("/api/v0", "/")).status_code == 404
    r = s.delete(engine.url("/teams/me/gallery"))
    assert r.status_code == 405 and code(r) == "method_not_allowed"
    assert code(s.post(engine.url("/teams/me/gallery/abc"))) == "method_not_allowed"
    for bad in ("does-not-exist", "a" * 65, "a.b", "%2E%2E", "..%2F..%2Fengine.sqlite3", "%00"):
        r = s.get(engine.url(f"/teams/me/gallery/{bad}"))
        assert r.status_code == 404 and code(r) == "not_found", bad
        r = s.get(engine.url(f"/teams/me/gallery/{bad}/pixels/original/bytes"))
        assert r.status_code == 404 and code(r) == "not_found", bad


def test_openapi_needs_no_auth(engine):
    r = requests.get(engine.url("/openapi.json"))
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) >= {"/teams/me/gallery", "/teams/me/gallery/{documentid}",
                                 "/teams/me/gallery/{documentid}/faces/{faceid}",
                                 "/teams/me/gallery/{documentid}/pixels/original/bytes"}


# -- upload -----------------------------------------------------------------------------

def test_upload_returns_complete_item_without_faces(engine, tiny_png):
    item = engine.upload(tiny_png)
    assert item["data"]["task"] == {"status": "complete"}
    assert "faces" not in item["data"] and item["data"]["width"] == 8
    r = engine.session.get(engine.url(item["data"]["pixels"].removeprefix("/api/v0")))
    assert r.content == tiny_png and r.headers["content-type"] == "image/png"
    assert engine.wait_faces(item["id"])["data"]["faces"] == []


def test_upload_keeps_jpeg_bytes_and_type(engine, portrait_small):
    item = engine.upload(portrait_small, "x.png")  # the filename's extension does not matter
    r = engine.session.get(engine.url(f"/teams/me/gallery/{item['id']}/pixels/original/bytes"))
    assert r.headers["content-type"] == "image/jpeg" and r.content == portrait_small


def test_any_single_file_field_name_is_accepted(engine, tiny_png):
    r = engine.session.post(engine.url("/teams/me/gallery"), files={"image": ("a.png", tiny_png)})
    assert r.status_code == 200


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("name,make,status,err", [
    ("gif", lambda png, jpg: encode(Image.new("RGB", (8, 8)), "GIF"), 415, "unsupported_image"),
    ("webp", lambda png, jpg: encode(Image.new("RGB", (8, 8)), "WEBP"), 415, "unsupported_image"),
    ("text", lambda png, jpg: b"hello, I am not an image\n", 415, "unsupported_image"),
    ("zero", lambda png, jpg: b"", 415, "invalid_image"),
    ("truncated_png", lambda png, jpg: png[: len(png) // 2], 415, "invalid_image"),
    ("truncated_jpeg", lambda png, jpg: jpg[: len(jpg) // 2], 415, "invalid_image"),
    ("png_magic_only", lambda png, jpg: b"\x89PNG\r\n\x1a\n" + b"\0" * 40, 415, "invalid_image"),
    ("bomb_50mp", lambda png, jpg: _bomb_png(10_000, 5_000), 413, "image_too_large"),
    ("bomb_huge", lambda png, jpg: _bomb_png(100_000, 100_000), 413, "image_too_large"),
])
def test_bad_files(engine, portrait_small, name, make, status, err):
    noisy = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    data = make(encode(noisy), portrait_small)
    r = engine.session.post(engine.url("/teams/me/gallery"), files={"object": ("f.png", data)})
    assert (r.status_code, code(r)) == (status, err)


def test_over_20mb_is_413(engine):
    big = b"\x89PNG\r\n\x1a\n" + bytes(21 * 1024 * 1024)
    r = engine.session.post(engine.url("/teams/me/gallery"), files={"object": ("big.png", big)})
    assert (r.status_code, code(r)) == (413, "image_too_large")

    def chunks():  # no Content-Length: the cap applies while streaming
        yield b"--b\r\nContent-Disposition: form-data; name=object; filename=big.png\r\n\r\n"
        for _ in range(22):
            yield bytes(1024 * 1024)
        yield b"\r\n--b--\r\n"
    r = engine.session.post(engine.url("/teams/me/gallery"), data=chunks(),
                            headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert (r.status_code, code(r)) == (413, "image_too_large")


def test_upload_body_errors(engine, tiny_png):
    s, url = engine.session, engine.url("/teams/me/gallery")
    assert code(s.post(url, files={"object": ("", tiny_png)})) == "missing_filename"
    assert code(s.post(url, files={"object": (None, tiny_png)})) == "missing_filename"
    assert code(s.post(url, data=tiny_png, headers={"Content-Type": "image/png"})) == "invalid_body"
    assert code(s.post(url, json={"object": "x"})) == "invalid_body"
    assert code(s.post(url, files={"a": ("a.png", tiny_png), "b": ("b.png", tiny_png)})) == "invalid_body"
    assert code(s.post(url, data={"x": "y"}, files={})) == "invalid_body"
    r = s.post(url, data=b"--zz\r\ngarbage", headers={"Content-Type": "multipart/form-data; boundary=zz"})
    assert (r.status_code, code(r)) == (400, "invalid_body")
    r = s.post(url, data=b"", headers={"Content-Type": "multipart/form-data"})
    assert (r.status_code, code(r)) == (400, "invalid_body")


# -- variants ---------------------------------------------------------------------------

def test_put_validation(engine, face_doc):
    doc_id = face_doc["id"]
    url = engine.url(f"/teams/me/gallery/{doc_id}/faces/0")
    s = engine.session
    cases = [
        (b"{", 400, "invalid_body"), (b"[]", 400, "invalid_body"), (b"", 400, "invalid_body"),
        (b'{"param": 1}', 400, "invalid_body"), (b'{"move": 3}', 400, "invalid_body"),
        (b'{"move": "smile", "param": "1"}', 400, "invalid_body"),
        (b'{"move": "smile", "param": null}', 400, "invalid_body"),
        (b'{"move": "frown"}', 400, "invalid_move"), (b'{"move": "Smile"}', 400, "invalid_move"),
        (b'{"move": "smile", "param": 10.5}', 400, "invalid_param"),
        (b'{"move": "smile", "param": -11}', 400, "invalid_param"),
        (b'{"move": "smile", "param": NaN}', 400, "invalid_param"),
        (b'{"move": "smile", "param": Infinity}', 400, "invalid_param"),
        (b'{"move": "smile", "param": 1e999}', 400, "invalid_param"),
        (b'{"move": "smile", "param": true}', 400, "invalid_param"),
    ]
    for body, status, err in cases:
        r = s.put(url, data=body, headers={"Content-Type": "application/json"})
        assert (r.status_code, code(r)) == (status, err), body
    r = s.put(url, json={"move": "smile", "param": 10, "extra": {"ignored": True}})
    assert r.status_code == 200
    for face in ("1", "99"):
        r = engine.edit(doc_id, "smile", face=face)
        assert (r.status_code, code(r)) == (404, "face_not_found")
    assert code(engine.edit(doc_id, "smile", face="first")) == "face_not_found"
    assert code(engine.edit("nope", "smile")) == "not_found"


def test_put_before_faces_is_409(engine):
    noisy = np.random.default_rng(1).integers(0, 255, (1200, 1200, 3), dtype=np.uint8)
    doc_id = engine.upload(encode(noisy))["id"]
    r = engine.edit(doc_id, "smile")
    if "faces" not in engine.get(doc_id)["data"]:  # detection may already have finished
        assert (r.status_code, code(r)) == (409, "faces_not_ready")


def test_put_is_idempotent_and_variant_completes(engine, face_doc):
    doc_id = face_doc["id"]
    first = engine.edit(doc_id, "smile", 1).json()
    assert first["data"]["task"]["status"] in ("waiting", "inprogress", "complete")
    assert engine.edit(doc_id, "smile", 1.0).json()["id"] == first["id"]
    assert engine.edit(doc_id, "smile", None).json()["id"] == first["id"]
    assert engine.edit(doc_id, "smile", 1, face="0").json()["id"] == first["id"]
    assert engine.edit(doc_id, "smile", 0.5).json()["id"] != first["id"]
    assert engine.edit(doc_id, "age", 1).json()["id"] != first["id"]
    done = engine.wait(first["id"])
    data = done["data"]
    assert data["task"] == {"status": "complete"}
    assert data["source"] == doc_id and data["move"] == "smile" and data["param"] == 1.0
    assert data["faces"] == face_doc["data"]["faces"] and isinstance(data["completed_at"], float)
    assert data["created_at"] <= data["completed_at"]  # when it was queued, so its service time is known
    r = engine.session.get(engine.url(f"/teams/me/gallery/{first['id']}/pixels/original/bytes"))
    assert r.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(r.content)).size == (face_doc["data"]["width"], face_doc["data"]["height"])
    again = engine.edit(doc_id, "smile", 1).json()
    assert again["data"]["task"]["status"] == "complete"


def test_fresh_variants_makes_every_put_a_new_variant(make_engine, portrait_small):
    """``--fresh-variants``: the service as its documentation reads, every PUT a new generation."""
    eng = make_engine(fresh_variants=True)
    doc_id = eng.wait_faces(eng.upload(portrait_small, "p.jpg")["id"])["id"]
    ids = [eng.edit(doc_id, "smile", p).json()["id"] for p in (1, 1.0, 1)]
    assert len(set(ids)) == 3
    assert all(eng.wait(i)["data"]["task"]["status"] == "complete" for i in ids)
    r = eng.session.get(eng.url("/_engine/stats"))
    assert sum(r.json()["variants"].values()) == 3


def test_serve_help_and_openapi_describe_fresh_variants_and_move_strength(engine):
    from gp_widgets.cli import _parser

    serve_help = _parser()._subparsers._group_actions[0].choices["serve"].format_help()
    spec = engine.session.get(engine.url("/openapi.json")).json()
    for option in ("--fresh-variants", "--move-strength"):
        assert option in serve_help and option in spec["info"]["description"]


def test_move_strength_is_another_version_of_the_move(make_engine, portrait_small):
    """``--move-strength smile=1.5``: the same PUT gives a stronger smile, under an id of its own, so the
    engine never answers with the default strength's variant of that edit (same data dir, same team)."""
    from gp_widgets.analysis.faces import landmarks
    from gp_widgets.analysis.measures import smile_score

    def smile_of(eng, variant_id: str, box) -> float:
        r = eng.session.get(eng.url(f"/teams/me/gallery/{variant_id}/pixels/original/bytes"))
        return smile_score(landmarks(np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB")), box))

    default = make_engine()
    doc = default.wait_faces(default.upload(portrait_small, "p.jpg")["id"])
    face = doc["data"]["faces"][0]
    box = (face["x"], face["y"], face["w"], face["h"])
    plain = default.edit(doc["id"], "smile", 1.0).json()["id"]
    aged = default.edit(doc["id"], "age", 1.0).json()["id"]
    assert default.wait(plain)["data"]["task"]["status"] == "complete"
    smile_default = smile_of(default, plain, box)
    default.stop()

    stronger = make_engine(move_strength="smile=1.5")  # the same data dir: the first engine's variants are there
    strong = stronger.edit(doc["id"], "smile", 1.0).json()["id"]
    assert strong != plain
    assert stronger.wait(strong)["data"]["task"]["status"] == "complete"
    assert smile_of(stronger, strong, box) > smile_default + 0.01
    assert stronger.edit(doc["id"], "age", 1.0).json()["id"] == aged  # a move at strength 1 is the same edit


def test_waiting_variant_bytes_409_and_chained_edits(make_engine, portrait_small):
    eng = make_engine(latency=0.6, workers=1)
    doc_id = eng.wait_faces(eng.upload(portrait_small, "p.jpg")["id"])["id"]
    var = eng.edit(doc_id, "age", 0.8).json()
    queued = eng.edit(doc_id, "age", -0.8).json()
    assert eng.get(queued["id"])["data"]["task"]["status"] == "waiting"
    r = eng.session.get(eng.url(f"/teams/me/gallery/{var['id']}/pixels/original/bytes"))
    assert (r.status_code, code(r)) == (409, "not_ready")
    r = eng.edit(var["id"], "smile", 1)
    assert (r.status_code, code(r)) == (409, "not_ready")
    statuses = set()
    while (status := eng.get(var["id"])["data"]["task"]["status"]) != "complete":
        statuses.add(status)
        time.sleep(0.02)
    assert "inprogress" in statuses
    chained = eng.edit(var["id"], "smile", 1).json()
    done = eng.wait(chained["id"])
    assert done["data"]["task"]["status"] == "complete" and done["data"]["source"] == var["id"]


@pytest.mark.parametrize("move", ["FemaleAsian", "MaleWhite"])
def test_demographic_moves_fail_offline(engine, face_doc, move):
    r = engine.edit(face_doc["id"], move)
    assert r.status_code == 200
    done = engine.wait(r.json()["id"])
    assert done["data"]["task"] == {"status": "failed", "error": {"code": "move_unavailable_offline"}}
    r = engine.session.get(engine.url(f"/teams/me/gallery/{done['id']}/pixels/original/bytes"))
    assert (r.status_code, code(r)) == (409, "not_ready")


def test_param_zero_variant_is_the_source_pixels(engine, face_doc):
    done = engine.wait(engine.edit(face_doc["id"], "gender", 0).json()["id"])
    png = engine.session.get(engine.url(f"/teams/me/gallery/{done['id']}/pixels/original/bytes")).content
    src = engine.session.get(engine.url(f"/teams/me/gallery/{face_doc['id']}/pixels/original/bytes")).content
    original = np.asarray(Image.open(io.BytesIO(src)).convert("RGB"))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), original)


def test_stats_count_requests(engine, face_doc):
    path = f"/api/v0/teams/me/gallery/{face_doc['id']}"
    counts = engine.session.get(engine.url("/_engine/stats")).json()["requests"]
    before = {(e["method"], e["path"], e["status"]): e["count"] for e in counts}
    for _ in range(3):
        engine.get(face_doc["id"])
    stats = engine.session.get(engine.url("/_engine/stats")).json()
    after = {(e["method"], e["path"], e["status"]): e["count"] for e in stats["requests"]}
    assert after[("GET", path, 200)] - before.get(("GET", path, 200), 0) == 3
    assert isinstance(stats["variants"], dict)


def test_unexpected_errors_are_json_500(make_engine, tiny_png):
    eng = make_engine()
    item = eng.upload(tiny_png)
    for path in eng.config.data_dir.glob(f"files/*/{item['id']}"):
        path.unlink()  # the bytes vanish behind the engine's back
    r = eng.session.get(eng.url(f"/teams/me/gallery/{item['id']}/pixels/original/bytes"))
    assert (r.status_code, code(r)) == (500, "internal_error") and "Traceback" not in r.text
    assert eng.get(item["id"])["id"] == item["id"]  # and the engine keeps serving


def test_exif_orientation_is_applied_like_every_viewer_does(engine, face_doc):
    """A phone JPEG stored sideways with an orientation tag: faces and edits use the upright image."""
    upright = samples.portrait().resize((256, 300))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": the pixels are stored rotated 90 CCW
    sideways = encode(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=90, exif=exif)
    item = engine.wait_faces(engine.upload(sideways, "phone.jpg")["id"])
    assert (item["data"]["width"], item["data"]["height"]) == (256, 300)
    (face,) = item["data"]["faces"]
    assert face["y"] < 0.5 < face["y"] + face["h"]  # the face is upright, in the upper half
    variant = engine.wait(engine.edit(item["id"], "smile").json()["id"])
    png = engine.session.get(engine.url(f"/teams/me/gallery/{variant['id']}/pixels/original/bytes")).content
    assert Image.open(io.BytesIO(png)).size == (256, 300)


def test_cnn_detector_serves_the_same_boxes(make_engine, portrait_small):
    eng = make_engine(detector="cnn")
    faces = eng.wait_faces(eng.upload(portrait_small)["id"])["data"]["faces"]
    assert len(faces) == 1 and set(faces[0]) == {"x", "y", "w", "h", "score"}
    assert 0.3 < faces[0]["x"] + faces[0]["w"] / 2 < 0.7 and 0.5 < faces[0]["score"] <= 1
