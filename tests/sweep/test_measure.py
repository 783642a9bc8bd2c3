"""The measurement pipeline without an engine: the face worker processes, the fallback, the cache beside the bytes."""

from __future__ import annotations

import io
import math
import os

import numpy as np
import pytest
from PIL import Image

from gp_widgets import samples
from gp_widgets.analysis.faces import detect
from gp_widgets.analysis.metrics import face_features
from gp_widgets.background import BACKGROUND_NICE
from gp_widgets.measure import faceworker
from gp_widgets.measure.pipeline import Measurer, analysis_rgb
from gp_widgets.runs.cache import VariantCache


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def photo() -> bytes:
    return png(samples.portrait())


@pytest.fixture(scope="module")
def box(photo) -> tuple[float, float, float, float]:
    return detect(analysis_rgb(photo))[0].box


def test_the_face_worker_answers_as_this_process_would_and_restarts_a_dead_child(photo, box) -> None:
    pixels = analysis_rgb(photo)
    worker = faceworker.FaceWorker(processes=1)
    try:
        there, here = worker.features(pixels, box), face_features(pixels, box)
        np.testing.assert_allclose(there.descriptor, here.descriptor, atol=1e-6)
        np.testing.assert_allclose(there.landmarks, here.landmarks)
        child = worker._children[0].proc
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0)
                                                                  + BACKGROUND_NICE)  # yields to the kernel
        child.kill()
        child.wait()
        again = worker.features(pixels, box)  # a new child
        assert worker._children[0].proc is not child
        np.testing.assert_allclose(again.descriptor, here.descriptor, atol=1e-6)
        assert worker.features(np.full_like(pixels, 128), box).reason == "no face found"
    finally:
        worker.close()
    assert worker._children[0].proc is None


def test_without_the_worker_faces_are_measured_here(photo, box, monkeypatch) -> None:
    def gone(image, b):
        raise faceworker.WorkerGone("cannot start the face worker: test")

    monkeypatch.setattr(faceworker.worker, "features", gone)
    measurer = Measurer()
    original = measurer.original("doc", photo)
    result = measurer.variant("v", png(samples.portrait().transpose(Image.Transpose.FLIP_LEFT_RIGHT)), original, box)
    assert 0 < result.values["identity"].value < 0.3 and result.values["identity"].reason is None


def test_a_cached_variant_is_measured_once(photo, box, tmp_path) -> None:
    cache = VariantCache("http://127.0.0.1:1/api/v0", "key", tmp_path)
    variant = png(samples.portrait().rotate(3))

    def measure():
        measurer = Measurer(cache=cache)
        return measurer.variant("v1", variant, measurer.original("doc", photo), box)

    first, second = measure(), measure()
    assert first.measured == 6 and second.measured == 0
    assert {k: v.value for k, v in first.values.items()} == {k: v.value for k, v in second.values.items()}
    assert cache.meta_path("v1", "measure").is_file() and cache.meta_path("doc", "measure").is_file()
    assert not any(math.isnan(v.value) for v in first.values.values())
    assert first.diff is not None and first.diff_scale and first.diff.dtype == np.uint8


def test_a_cached_rerun_reads_the_views_and_decodes_nothing(photo, box, tmp_path, monkeypatch) -> None:
    cache = VariantCache("http://127.0.0.1:1/api/v0", "key", tmp_path)
    variant = png(samples.portrait().rotate(3))
    measurer = Measurer(cache=cache)
    original = measurer.original("doc", photo)
    first = measurer.variant("v1", variant, original, box)
    assert cache.meta_path("v1", "views").is_file()

    from gp_widgets.measure import pipeline as metrics

    def no_decoding(data):
        raise AssertionError("a cached variant was decoded")

    monkeypatch.setattr(metrics, "open_rgb", no_decoding)
    again = Measurer(cache=cache)
    second = again.variant("v1", variant, original, box)
    assert (second.photo, second.face, second.diff_scale) == (first.photo, first.face, first.diff_scale)
    np.testing.assert_array_equal(second.diff, first.diff)
    assert second.measured == 0 and not again._warm  # nothing to measure: the face workers are not started


@pytest.mark.parametrize("damage", ["other bytes", "corrupt", "truncated", "not jpeg"])
def test_stale_or_damaged_views_are_made_again(photo, box, tmp_path, damage) -> None:
    cache = VariantCache("http://127.0.0.1:1/api/v0", "key", tmp_path)
    variant, other = png(samples.portrait().rotate(3)), png(samples.portrait().rotate(-3))
    measurer = Measurer((), cache)
    original = measurer.original("doc", photo)
    made = measurer.variant("v1", variant, original, box)
    path = cache.meta_path("v1", "views")
    if damage == "other bytes":  # the variant's bytes changed since: its views are stale
        expected = measurer.variant("v2", other, original, box)
        variant = other
    else:
        expected = made
        text = path.read_text()
        path.write_text({"corrupt": "{not json", "truncated": text[: len(text) // 2],
                         "not jpeg": text.replace('"photo": "/9j/', '"photo": "iVBO')}[damage])
        assert path.read_text() != text
    got = measurer.variant("v1", variant, original, box)
    assert got.photo == expected.photo and got.face == expected.face
    np.testing.assert_array_equal(got.diff, expected.diff)
    assert measurer.variant("v1", variant, original, box).photo == expected.photo  # rewritten, whole
