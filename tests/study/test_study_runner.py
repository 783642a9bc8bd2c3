"""A study through a real local engine: every cell measured, reruns served from the caches, failures kept
with their code, damaged cache entries fetched again, tables saved and loaded back."""

from __future__ import annotations

import asyncio
import math
from concurrent.futures import ThreadPoolExecutor

import pytest
from metrics_for_tests import FaceChange
from PIL import Image

import gp_widgets as gp
from gp_widgets.studies.study import Study, StudyRunner


@pytest.fixture
def pool():
    with ThreadPoolExecutor(2) as executor:
        yield executor


def study(photos, client, pool, cache_dir, **options) -> StudyRunner:
    options.setdefault("moves", ["smile", "age"])
    runner = StudyRunner(photos, options.pop("moves"), options.pop("params", [-1, 0, 1]),
                         options.pop("metrics", [FaceChange()]),
                         client=client, executor=pool, cache_dir=cache_dir, **options)
    asyncio.run(runner.run())
    return runner


def test_every_cell_is_measured_and_aggregated(client, pool, tmp_path) -> None:
    changes = []
    runner = StudyRunner(gp.samples.corpus(3), ["smile", "age"], [-1, 0, 1], [FaceChange()], client=client,
                         executor=pool, cache_dir=tmp_path, on_change=lambda rec: changes.append(rec.status))
    asyncio.run(runner.run())
    result = runner.result
    assert len(result.records) == 3 * 2 * 3 and result.done
    assert {r.status for r in result.records} == {"complete"}
    assert all(math.isfinite(r.metrics["face_change"]) for r in result.records)
    assert "complete" in changes and "submitted" in changes
    points = {(p.move, p.param): p.interval for p in result.curves()}
    assert points[("smile", 0.0)].mean < points[("smile", 1.0)].mean
    assert points[("smile", 1.0)].n == 3
    assert result.failures() == {}
    assert result.stats.downloads == 18 and result.stats.measured == 18 and result.stats.measures_cached == 0
    frame = result.to_dataframe()
    assert len(frame) == 18 and "face_change" in frame.columns
    assert [p.name for p in result.photos] == ["photo 1", "photo 2", "photo 3"]


def test_a_rerun_downloads_nothing_and_computes_no_metric(client, pool, tmp_path) -> None:
    first = study(gp.samples.corpus(2), client, pool, tmp_path).result
    again = study(gp.samples.corpus(2), client, pool, tmp_path).result
    assert again.stats.downloads == 0 and again.stats.measured == 0 and again.stats.measures_cached == 12
    assert [r.metrics for r in again.records] == [r.metrics for r in first.records]
    assert [r.variant_id for r in again.records] == [r.variant_id for r in first.records]


def test_failures_keep_their_code_and_the_study_goes_on(client, pool, tmp_path) -> None:
    blank = Image.new("RGB", (160, 160), (90, 90, 90))
    result = study([blank, gp.samples.portrait()], client, pool, tmp_path, moves=["smile", "FemaleAsian"],
                   params=[1.0]).result
    codes = {(r.cell.image, r.cell.move): (r.status, r.error_code) for r in result.records}
    assert codes[(0, "smile")] == ("failed", "no_face")
    assert codes[(1, "smile")] == ("complete", None)
    assert codes[(1, "FemaleAsian")] == ("failed", "move_unavailable_offline")
    assert result.failures() == {"no_face": 2, "move_unavailable_offline": 1}


@pytest.mark.slow
def test_all_faces_of_a_group_photo(client, pool, tmp_path) -> None:
    """Every face is edited and measured, the face metrics included: the small heads at the back (about 40 px
    of a 1600-px photo) are measured at their own resolution, not on the downsized photo."""
    result = study([gp.samples.group()], client, pool, tmp_path, moves=["smile"], params=[1.0], faces="all",
                   metrics=[FaceChange(), gp.metrics.identity, gp.metrics.smile]).result
    faces = len(result.photos[0].faces)
    assert faces == 7  # the crowd of gp.samples.group(), small heads at the back included
    assert sorted(r.cell.face for r in result.records) == list(range(faces))
    assert result.photos[0].measured == tuple(range(faces))
    values = {r.cell.face: (r.metrics["identity"], r.metrics["smile"]) for r in result.records}
    assert all(0 < identity < 0.6 and smile > 0 for identity, smile in values.values()), values


def test_a_damaged_cached_variant_is_fetched_again(client, pool, tmp_path) -> None:
    first = study([gp.samples.portrait()], client, pool, tmp_path, moves=["smile"], params=[2.0]).result
    record = first.records[0]
    cache = next(tmp_path.rglob(f"{record.variant_id}.bin"))
    cache.write_bytes(cache.read_bytes()[:100])
    for measure in tmp_path.rglob("*.measure.json"):
        measure.unlink()
    again = study([gp.samples.portrait()], client, pool, tmp_path, moves=["smile"], params=[2.0]).result
    assert again.records[0].status == "complete" and again.stats.refetched == 1
    assert again.records[0].metrics == record.metrics


def test_a_damaged_measure_entry_is_recomputed(client, pool, tmp_path) -> None:
    first = study([gp.samples.portrait()], client, pool, tmp_path, moves=["smile"], params=[2.0]).result
    for measure in tmp_path.rglob("*.measure.json"):
        measure.write_text("{not json")
    again = study([gp.samples.portrait()], client, pool, tmp_path, moves=["smile"], params=[2.0]).result
    assert again.stats.measures_cached == 0 and again.records[0].metrics == first.records[0].metrics


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.slow
def test_save_and_load_rebuild_the_figures_offline(client, pool, tmp_path, suffix) -> None:
    result = study(gp.samples.corpus(2), client, pool, tmp_path / "cache").result
    path = result.save(tmp_path / f"study{suffix}")
    loaded = Study.load(path)
    assert loaded.curves() == result.curves()
    assert loaded.to_records() == result.to_records()
    assert loaded.host == result.host and result.host.startswith("127.0.0.1:") and loaded.backend == "local"
    assert len(loaded.figure().axes) == 1


def test_bad_arguments_are_refused_at_once(client) -> None:
    with pytest.raises(ValueError, match="faces"):
        StudyRunner([gp.samples.portrait()], ["smile"], [1], [FaceChange()], faces="first")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="metric"):
        StudyRunner([gp.samples.portrait()], ["smile"], [1], [])
    with pytest.raises(ValueError, match="unknown move"):
        StudyRunner([gp.samples.portrait()], ["grin"], [1], [FaceChange()])
    with pytest.raises(ValueError, match="param"):
        StudyRunner([gp.samples.portrait()], ["smile"], [11], [FaceChange()])
