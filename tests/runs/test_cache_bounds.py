"""The bounded cache: its limit (``GP_CACHE_MAX``), pruning least recently used pixels first and the caches of
services no one can reach before anything, what jobs hold spared, ledgers never touched; ``gp.cache_info()``
and ``gp-widgets cache info|prune|clear``."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

import gp_widgets as gp
from gp_widgets.cli import main
from gp_widgets.runs import bounds
from gp_widgets.runs.cache import VariantCache
from gp_widgets.sweeps import SweepRunner, SweepSpec


@pytest.fixture(autouse=True)
def _cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GP_CACHE_MAX", raising=False)
    return tmp_path / "xdg"


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def test_sizes_are_read_as_people_write_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert bounds.parse_size("2GB") == 2_000_000_000 and bounds.parse_size("500 mb") == 500_000_000
    assert bounds.parse_size("1.5GiB") == int(1.5 * 1024**3) and bounds.parse_size("123") == 123
    assert bounds.parse_size("none") is None
    for bad in ("", "lots", "2XB", "-1GB"):
        with pytest.raises(ValueError, match="GP_CACHE_MAX"):
            bounds.parse_size(bad)
    assert bounds.cache_limit() == bounds.DEFAULT_MAX
    monkeypatch.setenv("GP_CACHE_MAX", "300MB")
    assert bounds.cache_limit() == 300_000_000


def _fill(cache: VariantCache, n: int, size: int) -> list[str]:
    ids = [f"v{i:03d}" for i in range(n)]
    for i, item in enumerate(ids):
        cache.put(item, os.urandom(size))
        cache.put_meta(item, "measure", b"{}")
        os.utime(cache.path(item), (1_000_000 + i, 1_000_000 + i))  # oldest first
    return ids


def test_prune_removes_unreachable_services_first_then_the_least_recently_used_pixels(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    remote = VariantCache("https://api.example.com/api/v0", "k", root)
    ids = _fill(remote, 10, 10_000)
    remote.note_service()
    (remote.dir / "ledger").mkdir()
    (remote.dir / "ledger" / "a.json").write_text(json.dumps({"id": ids[0]}))
    gone_port = VariantCache("http://127.0.0.1:1/api/v0", "k", root)  # nothing serves port 1
    _fill(gone_port, 2, 10_000)
    gone_engine = VariantCache("http://127.0.0.1:2/api/v0", "k", root, engine_id="0123456789abcdef")
    _fill(gone_engine, 2, 10_000)
    gone_engine.note_service(str(tmp_path / "no-such-data-dir"))
    assert remote.get(ids[1]) is not None  # read: now the most recently used

    with remote.holding(ids[2]):
        report = bounds.prune(root, 60_000)
    assert sorted(report.services) == sorted([gone_port.dir.parent.name, gone_engine.dir.parent.name])
    assert not gone_port.dir.exists() and not gone_engine.dir.exists()
    left = {p.name.split(".")[0] for p in remote.dir.glob("*.bin")}
    assert ids[1] in left and ids[2] in left and ids[0] not in left  # read last; held; oldest went first
    assert len(list(remote.dir.glob("*.measure.json"))) == 10  # pixels go before measures
    assert report.ledger_variants == 1 and "in a ledger" in str(report)
    assert (remote.dir / "ledger" / "a.json").exists() and (remote.dir.parent / "service.json").exists()
    assert report.after == _size(root) <= 60_000 * bounds.LOW_WATER


@pytest.mark.slow
async def test_the_cache_stays_under_its_limit_over_a_sweep_that_would_exceed_it(
    engine_for, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dummy_comm: None
) -> None:
    engine = engine_for()
    limit = 4_000_000
    monkeypatch.setenv("GP_CACHE_MAX", str(limit))
    root = tmp_path / "cache"
    sizes: list[int] = []
    spec = SweepSpec.build(["smile", "age"], [-1.5, -1.0, -0.5, 0.5, 1.0, 1.5], n_images=2)

    def look(rec) -> None:
        if rec.status == "complete":
            sizes.append(_size(root))

    async with gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url) as aio:
        runner = SweepRunner([gp.samples.portrait(), gp.samples.astronaut()], spec, aio, cache_dir=root,
                             concurrency=2, on_change=look, metrics=[gp.metrics.mad_face])
        records = await runner.run()
    assert {r.status for r in records} == {"complete"}
    assert runner.result.stats.downloads == len(records)
    assert len(sizes) == len(records) and max(sizes) <= limit and _size(root) <= limit
    assert len(list(root.rglob("*.bin"))) < len(records)  # some pixels were pruned

    async with gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url) as aio:
        again = await SweepRunner([gp.samples.portrait(), gp.samples.astronaut()], spec, aio, cache_dir=root,
                                  concurrency=2, metrics=[gp.metrics.mad_face]).run()
    assert {r.status for r in again} == {"complete"} and _size(root) <= limit  # pruned ones fetched again by id


def test_cache_info_and_the_command_line(tmp_path: Path, _cache_home: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    cache = VariantCache("https://api.example.com/api/v0", "k")
    _fill(cache, 3, 50_000)
    (cache.dir / "ledger").mkdir()
    (cache.dir / "ledger" / "a.json").write_text("{}")
    engine_dir = _cache_home / "gp_widgets" / "engine"
    engine_dir.mkdir(parents=True)
    (engine_dir / "engine_id").write_text("abc\n")

    info = gp.cache_info()
    assert info.root == _cache_home / "gp_widgets" / "variants" and info.limit == bounds.DEFAULT_MAX
    assert info.variants == 150_000 and info.measures == 6 and info.ledger == 2
    assert info.engine_dirs == (engine_dir,) and info.engine > 0
    assert info.total == _size(info.root)
    assert [s["reachable"] for s in info.services] == [True]

    for argv, expected in ((["cache", "info"], "variants (pixels, views)"),
                           (["cache", "prune", "--max", "60KB"], "files removed"),
                           (["cache", "clear", "--engine"], "cache cleared")):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0 and expected in capsys.readouterr().out
    assert not info.root.exists() and not engine_dir.exists()


def test_a_prune_from_the_command_line_spares_files_just_written(tmp_path: Path) -> None:
    cache = VariantCache("https://api.example.com/api/v0", "k", tmp_path / "c")
    cache.put("fresh", os.urandom(20_000))
    report = bounds.prune(tmp_path / "c", 1_000, grace=bounds.GRACE)
    assert report.removed == 0 and cache.get("fresh") is not None
    os.utime(cache.path("fresh"), (time.time() - 2 * bounds.GRACE,) * 2)
    assert bounds.prune(tmp_path / "c", 1_000, grace=bounds.GRACE).removed == 1


def test_writers_in_many_threads_keep_the_cache_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GP_CACHE_MAX", "100KB")
    cache = VariantCache("https://api.example.com/api/v0", "k", tmp_path / "c")

    async def write_many() -> None:
        await asyncio.gather(*(asyncio.to_thread(cache.put, f"v{i}", os.urandom(10_000)) for i in range(40)))

    asyncio.run(write_many())
    assert _size(tmp_path / "c") <= 100_000
