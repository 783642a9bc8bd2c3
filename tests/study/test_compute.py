"""CPU work of a study on an Executor: in-process, the default process pool, and a Dask LocalCluster."""

from __future__ import annotations

import asyncio
import io
import math
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import distributed
import numpy as np
import pytest
from PIL import Image, ImageEnhance

import gp_widgets as gp
from gp_widgets.measure.compute import (
    Prepared,
    default_executor,
    measure_variant,
    original_image,
    prepare_original,
    run,
)
from gp_widgets.measure.pipeline import ANALYSIS_MAX_SIDE

BOX = (0.3, 0.2, 0.4, 0.45)


class Brightness:
    """Mean level change of the face box, 0–255 (top level, so workers can unpickle it)."""

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
def pair() -> tuple[Prepared, bytes]:
    photo = gp.samples.portrait()
    jpeg = io.BytesIO()
    photo.save(jpeg, format="JPEG", quality=92)
    return prepare_original(jpeg.getvalue()), png(ImageEnhance.Brightness(photo).enhance(1.3))


def test_measure_variant_gives_numbers_with_reasons(pair) -> None:
    original, variant = pair
    measured = measure_variant(original, variant, BOX, METRICS)
    assert measured.values["brightness"] > 10
    assert math.isnan(measured.values["broken"]) and measured.reasons["broken"] == "RuntimeError: no landmarks"
    assert not math.isfinite(measured.values["infinite"]) and measured.reasons["infinite"] == "not a finite number"
    assert "brightness" not in measured.reasons
    with pytest.raises(OSError):
        measure_variant(original, variant[:200], BOX, METRICS)  # a truncated variant is never measured
    no_box = measure_variant(original, variant, None, METRICS[:1])
    assert math.isnan(no_box.values["brightness"]) and no_box.reasons["brightness"] == "no face box"


def test_originals_are_decoded_once_per_process(pair) -> None:
    original, _ = pair
    first = original_image(original.png)
    assert original_image(bytes(original.png)) is first and not first.flags.writeable
    assert max(first.shape[:2]) == ANALYSIS_MAX_SIDE


def test_builtin_metrics_and_the_default_pool_give_the_same_numbers(pair) -> None:
    original, variant = pair
    here = measure_variant(original, variant, BOX, METRICS)
    with default_executor(METRICS, max_workers=2) as pool:
        assert isinstance(pool, ProcessPoolExecutor)
        there = asyncio.run(run(pool, measure_variant, original, variant, BOX, METRICS))
    assert there.values["brightness"] == here.values["brightness"]
    assert there.reasons == here.reasons


def test_a_dask_cluster_executor_runs_the_same_work(pair) -> None:
    original, variant = pair
    here = measure_variant(original, variant, BOX, METRICS)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, host="127.0.0.1",
                                  protocol="tcp", dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        executor = client.get_executor()

        async def both():
            return await asyncio.gather(*(run(executor, measure_variant, original, variant, BOX, METRICS)
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


def test_a_metric_from_main_runs_on_a_thread_not_a_process() -> None:
    main = type("NotebookMetric", (), {"name": "n", "compute": lambda self, o, v, b: 0.0, "__module__": "__main__"})
    import __main__

    __main__.NotebookMetric = main  # as if defined in a notebook cell
    try:
        with default_executor([main()]) as pool:
            assert isinstance(pool, ThreadPoolExecutor)
        with default_executor([lambda o, v, b: 0.0]) as pool:  # not picklable at all
            assert isinstance(pool, ThreadPoolExecutor)
    finally:
        del __main__.NotebookMetric
