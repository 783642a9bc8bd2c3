"""gp.calibrate through a real local engine: crossings per photo and sign, a range for the editor, reruns
served from the cache, failures kept per photo."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from metrics_for_tests import FaceChange
from PIL import Image

import gp_widgets as gp
from gp_widgets.studies.calibration import calibrate, calibrate_async, resolve_metric


def files(root) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in root.rglob("*.bin")}


def test_calibrate_finds_each_photos_crossing_and_a_range(client, tmp_path) -> None:
    with ThreadPoolExecutor(2) as pool:
        cal = calibrate(gp.samples.corpus(3), "smile", FaceChange(), threshold=0.02, client=client,
                        executor=pool, cache_dir=tmp_path)
    assert [p.error for p in cal.photos] == [None, None, None]
    crossed = [c for p in cal.photos for c in (p.negative, p.positive) if c is not None and not c.censored]
    assert crossed, "some photo should cross 0.02 within ±10"
    for c in crossed:
        assert 1 <= len(c.probes) <= 7
        below = [v for p, v in c.probes if abs(p) <= abs(c.safe)]
        above = [v for p, v in c.probes if abs(p) > abs(c.safe)]
        assert all(v < 0.02 for v in below) and all(v >= 0.02 for v in above)
        assert abs(c.safe) < abs(c.param) <= abs(c.safe) + 0.25
    lo, hi = cal.range()
    assert -10 <= lo < 0 < hi <= 10
    assert cal.ranges() == {"smile": (lo, hi)}
    frame = cal.to_dataframe()
    assert len(frame) == 6 and set(frame["sign"]) == {-1, 1}
    assert "smile" in repr(cal) and "face_change" in repr(cal)


def test_a_rerun_downloads_nothing_and_agrees(client, tmp_path) -> None:
    photos = gp.samples.corpus(2)
    with ThreadPoolExecutor(2) as pool:
        first = calibrate(photos, "smile", FaceChange(), threshold=0.02, client=client, executor=pool,
                          cache_dir=tmp_path)
        cached = files(tmp_path)
        again = asyncio.run(calibrate_async(photos, "smile", FaceChange(), threshold=0.02, client=client.aio,
                                            executor=pool, cache_dir=tmp_path))
    assert files(tmp_path) == cached  # no variant written again: nothing was downloaded
    assert again.photos == first.photos


@pytest.mark.slow
def test_a_rerun_generates_nothing_on_a_service_whose_every_put_is_new(engine_for, engine_counts, tmp_path) -> None:
    fresh = engine_for(fresh_variants=True)

    def run(**options):
        before = engine_counts(fresh)
        with ThreadPoolExecutor(2) as pool, gp.Client(api_key=fresh.api_key, base_url=fresh.base_url) as client:
            cal = calibrate(gp.samples.corpus(1), "smile", FaceChange(), threshold=0.02, client=client,
                            executor=pool, cache_dir=tmp_path, **options)
        after = engine_counts(fresh)
        return cal, {k: after[k] - before[k] for k in after}

    first, spent = run()
    assert spent["uploads"] == 1 and spent["generations"] >= 2
    again, spent = run()
    assert spent == {"uploads": 0, "generations": 0} and again.photos == first.photos
    _, spent = run(refresh=True)
    assert spent["uploads"] == 0 and spent["generations"] >= 2


def test_failures_stay_with_their_photo(client, tmp_path) -> None:
    blank = Image.new("RGB", (200, 200), (128, 128, 128))
    with ThreadPoolExecutor(2) as pool:
        cal = calibrate([blank, gp.samples.portrait()], "FemaleAsian", FaceChange(), threshold=0.02, client=client,
                        executor=pool, cache_dir=tmp_path)
    assert cal.photos[0].error == "no_face" and cal.photos[0].negative is None
    assert cal.photos[1].error == "move_unavailable_offline"
    with pytest.raises(ValueError, match="no photo was measured"):
        cal.range()


def test_bad_arguments_are_refused_before_any_request(client) -> None:
    with pytest.raises(ValueError, match="resolution"):
        calibrate([gp.samples.portrait()], "smile", FaceChange(), limit=0.1, client=client)
    with pytest.raises(ValueError, match="unknown move 'grin'"):
        calibrate([gp.samples.portrait()], "grin", FaceChange(), client=client)


def test_metrics_by_name_object_or_function() -> None:
    assert resolve_metric("identity") is gp.metrics.identity
    assert resolve_metric(gp.metrics.smile) is gp.metrics.smile

    def brightness(original, variant, face_box) -> float:
        return 0.0

    assert resolve_metric(brightness).name == "brightness"
    with pytest.raises(ValueError, match="unknown metric 'identiti'"):
        resolve_metric("identiti")
