"""Measurement jobs on an executor: in this process, the shared loky pool, and a Dask LocalCluster."""

from __future__ import annotations

import asyncio
import io
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import distributed
import numpy as np
import pytest
from PIL import Image, ImageEnhance

import gp_widgets as gp
from gp_widgets.background import BACKGROUND_NICE
from gp_widgets.measure.executor import run, shared_executor, warm
from gp_widgets.measure.job import ANALYSIS_MAX_SIDE, Job, measure, original_pixels, prepare_original

BOX = (0.3, 0.2, 0.4, 0.45)


class Brightness:
    """Mean level change of the face box, 0–255."""

    name = "brightness"

    def compute(self, original: np.ndarray, variant: np.ndarray, face_box) -> float:
        h, w = original.shape[:2]
        x, y, bw, bh = face_box
        sl = np.s_[round(y * h):round((y + bh) * h), round(x * w):round((x + bw) * w)]
        return float(variant[sl].mean() - original[sl].mean())


class Broken:
    name = "broken"

    def compute(self, original, variant, face_box) -> float:
        raise RuntimeError("no landmarks")


class Infinite:
    name = "infinite"

    def compute(self, original, variant, face_box) -> float:
        return math.inf


METRICS = (Brightness(), Broken(), Infinite())


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def pair():
    photo = gp.samples.portrait()
    jpeg = io.BytesIO()
    photo.save(jpeg, format="JPEG", quality=90)
    return prepare_original("doc", jpeg.getvalue()), png(ImageEnhance.Brightness(photo).enhance(1.3))


def test_a_job_measures_each_metric_and_never_raises_for_one(pair) -> None:
    original, variant = pair
    measured = measure(Job(variant, original, BOX, METRICS))
    assert measured.values["brightness"].value > 10 and measured.values["brightness"].reason is None
    assert math.isnan(measured.values["broken"].value) and "no landmarks" in measured.values["broken"].reason
    assert measured.values["infinite"].reason == "not a finite number"
    with pytest.raises((OSError, ValueError)):
        measure(Job(variant[:200], original, BOX, METRICS))  # a truncated variant is never measured
    assert measure(Job(variant, original, None, METRICS[:1])).values["brightness"].reason == "no face box"


def test_originals_are_decoded_once_per_process(pair) -> None:
    original, _ = pair
    first = original_pixels(original.png)
    assert original_pixels(bytes(original.png)) is first and not first.flags.writeable
    assert max(first.shape[:2]) == ANALYSIS_MAX_SIDE


def _pid_and_nice(_original, _variant, _box) -> float:
    return os.getpid() * 100 + os.getpriority(os.PRIO_PROCESS, 0)


def test_the_shared_pool_runs_jobs_below_the_kernel_and_is_reused(pair) -> None:
    original, variant = pair
    here = measure(Job(variant, original, BOX, METRICS))
    pool = shared_executor()
    assert shared_executor() is pool  # one pool per process, whoever asks
    for future in warm(pool):
        future.result()
    metric = gp.metrics.as_metric(_pid_and_nice)
    there = asyncio.run(run(pool, measure, Job(variant, original, BOX, (*METRICS, metric))))
    assert there.values["brightness"] == here.values["brightness"]
    assert there.values["broken"].reason == here.values["broken"].reason
    pid, nice = divmod(round(there.values["_pid_and_nice"].value), 100)
    assert pid != os.getpid()
    assert nice == min(19, os.getpriority(os.PRIO_PROCESS, 0) + BACKGROUND_NICE)


def test_a_metric_defined_in_a_notebook_runs_in_the_pool(pair) -> None:
    """A function of ``__main__`` (a notebook cell, a script) and a lambda travel by cloudpickle."""
    original, variant = pair
    namespace: dict = {"__name__": "__main__", "os": os}
    exec("def from_cell(original, variant, box):\n    return float(os.getpid())", namespace)
    lam = gp.metrics.as_metric(lambda o, v, b: 7.0)
    job = Job(variant, original, BOX, (gp.metrics.as_metric(namespace["from_cell"]), lam))
    done = asyncio.run(run(shared_executor(), measure, job))
    assert done.values["from_cell"].value not in (float(os.getpid()), math.nan)
    assert done.values["<lambda>"].value == 7.0


def test_a_dask_cluster_executor_runs_the_same_work(pair) -> None:
    original, variant = pair
    here = measure(Job(variant, original, BOX, METRICS))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, host="127.0.0.1",
                                  protocol="tcp", dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        executor = client.get_executor()

        async def both():
            return await asyncio.gather(*(run(executor, measure, Job(variant, original, BOX, METRICS))
                                          for _ in range(3)))

        results = asyncio.run(both())
    assert [r.values["brightness"] for r in results] == [here.values["brightness"]] * 3


def test_cancelling_the_await_cancels_a_job_not_yet_started() -> None:
    gate = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:

        async def scenario():
            blocker = asyncio.ensure_future(run(pool, gate.wait, 5))
            queued = asyncio.ensure_future(run(pool, sum, [1, 2]))
            await asyncio.sleep(0.05)
            queued.cancel()
            with pytest.raises(asyncio.CancelledError):
                await queued
            gate.set()
            return await blocker

        assert asyncio.run(scenario()) is True


def test_face_metrics_see_the_face_at_its_own_size() -> None:
    """A face's crop is cut from the full-size photo with the face FACE_SIDE px wide, small faces enlarged
    (at most FACE_MAX_UPSCALE times), large ones reduced; a job carries only its own face's crop; a face the
    original was not prepared with reads NaN and says so, while pixel metrics still run."""
    from gp_widgets.analysis.metrics import face_key
    from gp_widgets.measure.job import FACE_MAX_UPSCALE, FACE_SIDE, FaceCrop

    photo = Image.new("RGB", (4000, 3000), (120, 110, 100))
    small, large, tiny = (0.5, 0.5, 40 / 4000, 40 / 3000), (0.1, 0.1, 0.3, 0.4), (0.2, 0.8, 10 / 4000, 10 / 3000)
    prepared = prepare_original("doc", png(photo), [small, large, tiny])
    assert max(original_pixels(prepared.png).shape[:2]) == ANALYSIS_MAX_SIDE
    for box, face_px in ((small, FACE_SIDE), (large, FACE_SIDE), (tiny, 10 * FACE_MAX_UPSCALE)):
        crop = prepared.crops[face_key(box)]
        height, width = original_pixels(crop.png).shape[:2]
        assert crop.box[2] * width == pytest.approx(face_px, abs=1) and crop.box[3] * height == pytest.approx(
            face_px, abs=1)
        region, inner, size = FaceCrop.plan(face_key(box), photo.size)
        assert (region, inner, size) == (crop.region, crop.box, (width, height))
    assert list(prepared.face(small).crops) == [face_key(small)]
    assert prepared.face(None).crops == {} and prepared.face(small).png is prepared.png
    bare = prepare_original("doc", png(photo))
    done = measure(Job(png(photo), bare, small, (gp.metrics.identity, gp.metrics.mad_face)))
    assert math.isnan(done.values["identity"].value)
    assert done.values["identity"].reason == "the original was prepared without this face"
    assert done.values["mad_face"].value == 0.0
