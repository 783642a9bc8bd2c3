"""The one road from a variant to values and views: cache beside the variant, work on the executor."""

from __future__ import annotations

import asyncio
import io
import json
import math
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from gp_widgets import metrics, samples
from gp_widgets.analysis.faces import detect
from gp_widgets.measure.job import analysis_rgb
from gp_widgets.measure.pipeline import Pipeline, cell_views, prepare_original
from gp_widgets.measure.sidecar import Sidecar
from gp_widgets.runs.cache import VariantCache


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class NoWork(Executor):
    """An executor that must not be used: what a cached rerun needs is all in the cache."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        raise AssertionError(f"a cached rerun submitted {fn.__name__}")


@pytest.fixture(scope="module")
def photo() -> bytes:
    return png(samples.portrait())


@pytest.fixture(scope="module")
def box(photo) -> tuple[float, float, float, float]:
    return detect(analysis_rgb(photo))[0].box


def measure_once(pipeline: Pipeline, variant: bytes, photo: bytes, box, item: str = "v1", views: bool = True):
    async def go():
        return await pipeline.variant(item, variant, pipeline.original("doc", photo, [box]), box, views=views)

    return asyncio.run(go())


def test_a_cached_variant_is_measured_once_and_a_rerun_submits_nothing(photo, box, tmp_path) -> None:
    cache = VariantCache("http://127.0.0.1:1/api/v0", "key", tmp_path)
    variant = png(samples.portrait().rotate(3))
    first = measure_once(Pipeline(cache=cache), variant, photo, box)
    assert first.measured == len(Pipeline().metrics) and not any(math.isnan(v.value) for v in first.values.values())
    assert 0 < first.values["identity"].value < 0.6
    assert cache.meta_path("v1", "measure").is_file() and cache.meta_path("doc", "measure").is_file()
    assert cache.meta_path("v1", "views").is_file()
    assert first.views.diff is not None and first.views.diff_scale and first.views.diff.dtype == np.uint8
    second = measure_once(Pipeline(cache=cache, executor=NoWork()), variant, photo, box)
    assert second.measured == 0 and second.values == first.values
    assert (second.views.photo, second.views.face) == (first.views.photo, first.views.face)
    np.testing.assert_array_equal(second.views.diff, first.views.diff)


def test_a_new_metric_on_a_cached_variant_computes_only_itself(photo, box, tmp_path) -> None:
    cache = VariantCache("http://127.0.0.1:1/api/v0", "key", tmp_path)
    variant = png(samples.portrait().rotate(3))
    measure_once(Pipeline(cache=cache), variant, photo, box)

    def brightness(original, variant, face_box):
        return float(variant.mean() - original.mean())

    again = measure_once(Pipeline([*Pipeline().metrics, brightness], cache), variant, photo, box)
    assert again.measured == 1 and again.values["brightness"].reason is None


@pytest.mark.parametrize("damage", ["other bytes", "corrupt", "truncated", "not jpeg"])
def test_stale_or_damaged_views_are_made_again(photo, box, tmp_path, damage) -> None:
    cache = VariantCache("http://127.0.0.1:1/api/v0", "key", tmp_path)
    variant, other = png(samples.portrait().rotate(3)), png(samples.portrait().rotate(-3))
    pipeline = Pipeline((), cache)
    made = measure_once(pipeline, variant, photo, box)
    path = cache.meta_path("v1", "views")
    if damage == "other bytes":  # the variant's bytes changed since: its views are stale
        expected = measure_once(pipeline, other, photo, box, item="v2")
        variant = other
    else:
        expected = made
        text = path.read_text()
        path.write_text({"corrupt": "{not json", "truncated": text[: len(text) // 2],
                         "not jpeg": text.replace('"photo": "/9j/', '"photo": "iVBO')}[damage])
        assert path.read_text() != text
    got = measure_once(pipeline, variant, photo, box)
    assert got.views.photo == expected.views.photo and got.views.face == expected.views.face
    np.testing.assert_array_equal(got.views.diff, expected.views.diff)


def test_a_reopened_grid_makes_its_views_here_and_keeps_them(photo, box, tmp_path) -> None:
    cache = VariantCache("http://127.0.0.1:1/api/v0", "key", tmp_path)
    variant = png(samples.portrait().rotate(3))
    original = prepare_original("doc", photo)
    views = cell_views(cache, "v1", variant, original, box)
    assert views.diff is not None and cache.meta_path("v1", "views").is_file()
    ran = measure_once(Pipeline((), cache, executor=NoWork()), variant, photo, box)  # read, not made
    assert ran.views.photo == views.photo


def test_without_an_original_every_metric_says_why(photo, box) -> None:
    async def go():
        return await Pipeline().variant("v", photo, None, box, views=True)

    done = asyncio.run(go())
    assert all(v.reason == "original not available" for v in done.values.values())
    assert done.views is not None and done.views.diff is None


@pytest.fixture(scope="module")
def group():
    """The shipped group photo (1600×900), its faces as the local engine finds them (full size, 40–250 px),
    and each face aged strongly, and made to smile."""
    from gp_widgets.local.detect import detect_faces
    from gp_widgets.local.edits import apply_edit

    rgb = np.asarray(samples.group())
    boxes = [(f["x"], f["y"], f["w"], f["h"]) for f in detect_faces(rgb)]
    edited = {move: [png(Image.fromarray(apply_edit(rgb, box, move, param))) for box in boxes]
              for move, param in (("age", 3.0), ("smile", 2.0))}
    return png(Image.fromarray(rgb)), boxes, edited


@pytest.mark.slow
def test_every_face_of_a_group_photo_is_measured_at_its_own_size(group, tmp_path) -> None:
    """Face metrics see each face at its own resolution: the 40-px heads at the back of the crowd, 10 px at
    the analysis size, get landmarks and descriptors like the front row (measured on the downsized photo,
    five of the seven faces read NaN, "no face found in the original")."""
    photo, boxes, edited = group
    assert len(boxes) == 7 and min(w for _, _, w, _ in boxes) * 1600 < 50
    out = io.BytesIO()
    Image.open(io.BytesIO(photo)).save(out, format="JPEG", quality=92)
    same = out.getvalue()  # the same faces, re-encoded: every pixel a little different
    cache = VariantCache("http://127.0.0.1:1/api/v0", "key", tmp_path)
    kinds = ("zero", "same", "age", "smile")
    with ThreadPoolExecutor(1) as pool:
        pipeline = Pipeline((metrics.identity, metrics.smile, metrics.landmark_shift), cache, pool)

        async def go():
            original = pipeline.original("group", photo, boxes)
            variants = {"zero": [photo] * len(boxes), "same": [same] * len(boxes), **edited}
            return await asyncio.gather(*(pipeline.variant(f"{kind}{i}", variants[kind][i], original, box)
                                          for i, box in enumerate(boxes) for kind in kinds))

        done = asyncio.run(go())
    notes = [v.reason for d in done for v in d.values.values() if v.reason]
    assert not notes, notes
    for i in range(len(boxes)):
        zero, same_, old, smiling = ({k: v.value for k, v in d.values.items()} for d in done[4 * i:4 * i + 4])
        assert zero == {"identity": 0.0, "smile": 0.0, "landmark_shift": 0.0}, i  # the original itself
        assert same_["identity"] < 0.15, (i, same_)  # (its smile reading moves by up to 0.05: the landmark fit)
        assert old["identity"] > max(0.3, same_["identity"] + 0.2), (i, old, same_)
        assert smiling["smile"] > 0.02, (i, smiling)


@pytest.mark.parametrize("stale", [{"format": 1}, {"format": 2}, {"face": [80, 6.0, 0.5]}, {"side": 512}])
def test_a_sidecar_measured_another_way_is_not_reused(photo, box, tmp_path, stale) -> None:
    """Values and features cached by an older measurement (format 1: faces measured on the downsized photo;
    2: each variant's face searched for again) or with other face-crop settings are measured again, not read
    back."""
    cache = VariantCache("http://127.0.0.1:1/api/v0", "key", tmp_path)
    variant = png(samples.portrait().rotate(3))
    first = measure_once(Pipeline(cache=cache), variant, photo, box, views=False)
    for item in ("v1", "doc"):
        path = cache.meta_path(item, "measure")
        path.write_text(json.dumps({**json.loads(path.read_text()), **stale}))
        assert Sidecar.read(cache, item) == Sidecar()
    again = measure_once(Pipeline(cache=cache), variant, photo, box, views=False)
    assert again.measured == len(first.values) and again.values == first.values
    assert Sidecar.read(cache, "v1").values and Sidecar.read(cache, "doc").features
