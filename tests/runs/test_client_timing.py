"""One timing per client: what one run learned of task durations, the next run on the same client knows,
and a study counts its polls as a sweep does."""

from __future__ import annotations

import pytest

import gp_widgets as gp
from gp_widgets.studies.study import StudyRunner
from gp_widgets.sweeps import SweepRunner, SweepSpec


@pytest.mark.slow
async def test_two_sweeps_on_one_client_share_what_the_poller_learned(engine_for, tmp_path) -> None:
    timed = engine_for(latency=0.4)
    aio = gp.AsyncClient(api_key=timed.api_key, base_url=timed.base_url)
    try:
        photo = gp.samples.portrait()
        first = SweepRunner([photo], SweepSpec.build(["smile"], [0.5, 1.0]), aio, cache_dir=tmp_path / "a",
                            metrics=())
        await first.run()
        learned = aio.durations.count
        assert learned == 2 and 0.3 < (aio.durations.expected or 0) < 5
        second = SweepRunner([photo], SweepSpec.build(["smile"], [-0.5, -1.0]), aio, cache_dir=tmp_path / "b",
                             metrics=())
        await second.run()
        assert aio.durations.count == learned + 2  # the same model, one more run's worth
        assert second.result.stats.polled_variants == 2 and second.result.stats.gets >= 2
    finally:
        await aio.aclose()


async def test_a_study_counts_its_polls(engine_for, tmp_path) -> None:
    timed = engine_for(latency=0.4)
    aio = gp.AsyncClient(api_key=timed.api_key, base_url=timed.base_url)
    try:
        runner = StudyRunner([gp.samples.portrait()], ["smile"], [0.5, 1.0], [gp.metrics.mad_face], client=aio,
                             cache_dir=tmp_path)
        await runner.run()
        stats = runner.result.stats
        assert stats.polled_variants == 2 and stats.gets >= 2 and stats.wall_seconds > 0
    finally:
        await aio.aclose()
