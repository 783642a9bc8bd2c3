"""Shared by every benchmark: engines, engine counters, the sweep call, images, results, memory."""

from __future__ import annotations

import asyncio
import contextlib
import io
import math
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import numpy as np
from PIL import Image

SIZES = ("full", "smoke")
GALLERY = "/api/v0/teams/me/gallery"


T = TypeVar("T")

def check_size(size: str) -> str:
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    return size


# -- results ---------------------------------------------------------------------------------

def metric(value: float, target: float | None = None, op: str | None = None, unit: str = "",
           **detail: Any) -> dict[str, Any]:
    """One JSON entry: value, target (None = reported, not judged), comparison, met, details."""
    value = float(value)
    met: bool | None = None
    if target is not None:
        if op not in ("<=", ">="):
            raise ValueError("a target needs op '<=' or '>='")
        met = bool(math.isfinite(value) and (value <= target if op == "<=" else value >= target))
    out: dict[str, Any] = {"value": round(value, 4), "target": target, "op": op, "met": met, "unit": unit}
    if detail:
        out["detail"] = detail
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0–100); NaN for no values."""
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values, dtype=float), q))


# -- the engine ----------------------------------------------------------------------------------

@contextlib.contextmanager
def engine(*, latency: float = 0.0, workers: int = 2, data_dir: str | None = None,
           rate_limit: float | None = None, fresh_variants: bool = False) -> Iterator[Any]:
    """A fresh engine child process (as ``gp.connect()`` starts it) with its own data dir."""
    from gp_widgets.local.process import start_engine

    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="gp-bench-engine-"))
        proc = start_engine(data_dir=data_dir, latency=latency, workers=workers, rate_limit=rate_limit,
                            fresh_variants=fresh_variants)
        stack.callback(proc.stop)
        yield proc


def async_client(proc: Any) -> Any:
    from gp_widgets import AsyncClient

    return AsyncClient(api_key=proc.api_key, base_url=proc.base_url)


def sync_client(proc: Any) -> Any:
    from gp_widgets import Client

    return Client(api_key=proc.api_key, base_url=proc.base_url)


@dataclass(frozen=True)
class Counters:
    """A snapshot of the engine's request counters: ``(method, path, status) -> count``."""

    counts: dict[tuple[str, str, int], int]

    def minus(self, before: Counters) -> Counters:
        keys = set(self.counts) | set(before.counts)
        diff = {k: self.counts.get(k, 0) - before.counts.get(k, 0) for k in keys}
        return Counters({k: n for k, n in diff.items() if n})

    def total(self, predicate: Callable[[str, str, int], bool] = lambda m, p, s: True) -> int:
        return sum(n for (m, p, s), n in self.counts.items() if predicate(m, p, s))

    def api_requests(self) -> int:
        """Every request to the gallery API (the stats endpoint itself excluded)."""
        return self.total(lambda m, p, s: p.startswith(GALLERY))

    def by_kind(self) -> dict[str, int]:
        """Requests grouped as upload / get / put / download."""
        out = {"upload": 0, "get": 0, "put": 0, "download": 0}
        for (m, p, _), n in self.counts.items():
            if not p.startswith(GALLERY):
                continue
            if m == "POST":
                out["upload"] += n
            elif m == "PUT":
                out["put"] += n
            elif p.endswith("/pixels/original/bytes"):
                out["download"] += n
            elif m == "GET":
                out["get"] += n
        return out

    def refused(self) -> int:
        """Gallery API requests answered 429."""
        return self.total(lambda m, p, s: p.startswith(GALLERY) and s == 429)

    def item_gets(self, item_ids: Sequence[str]) -> int:
        """GETs of ``/teams/me/gallery/{id}`` (status polls) for these ids only."""
        paths = {f"{GALLERY}/{i}" for i in item_ids}
        return self.total(lambda m, p, s: m == "GET" and p in paths)


def generations(proc: Any) -> int:
    """Variants the engine has created so far (every status): under ``--fresh-variants``, one per PUT."""
    response = httpx.get(proc.base_url.rstrip("/") + "/_engine/stats", headers={"Authorization": proc.api_key},
                         timeout=30.0)
    response.raise_for_status()
    return sum(response.json()["variants"].values())


def counters(proc: Any) -> Counters:
    """``GET /_engine/stats``: the engine's request counters right now."""
    response = httpx.get(proc.base_url.rstrip("/") + "/_engine/stats", headers={"Authorization": proc.api_key},
                         timeout=30.0)
    response.raise_for_status()
    rows = response.json()["requests"]
    return Counters({(r["method"], r["path"], int(r["status"])): int(r["count"]) for r in rows})


def completed_at(proc: Any, item_ids: Sequence[str]) -> dict[str, float]:
    """The engine's ``data.completed_at`` of each variant (read after the measurement)."""
    out: dict[str, float] = {}
    with httpx.Client(base_url=proc.base_url.rstrip("/") + "/", headers={"Authorization": proc.api_key},
                      timeout=30.0) as http:
        for item_id in item_ids:
            value = http.get(f"teams/me/gallery/{item_id}").json().get("data", {}).get("completed_at")
            if isinstance(value, (int, float)):
                out[item_id] = float(value)
    return out


async def prepared(aio: Any, photo: Any) -> Any:
    """Upload ``photo`` and wait for face detection: the GalleryItem a sweep can start from."""
    doc = await aio.upload(photo)
    doc = await aio.wait_for_faces(doc, timeout=120)
    if not doc.faces:
        raise RuntimeError("the benchmark photo has no detected face")
    return doc


async def prepared_portrait(proc: Any) -> Any:
    """The sample portrait uploaded to the engine ``proc`` and detected, through a client of its own."""
    aio = async_client(proc)
    try:
        return await prepared(aio, portrait())
    finally:
        await aio.aclose()


# -- sweeps ------------------------------------------------------------------------------------------

@dataclass
class SweepRun:
    records: list[dict[str, Any]]
    wall: float
    stats: dict[str, Any]
    noticed: dict[str, float] = field(default_factory=dict)  # variant id -> unix time the client saw it done
    via: str = ""
    grid: Any = None

    @property
    def variant_ids(self) -> list[str]:
        return [r["variant_id"] for r in self.records if r.get("variant_id")]

    def require_complete(self) -> None:
        bad = [(r["move"], r["param"], r["status"], r["error_code"]) for r in self.records if r["status"] != "complete"]
        if bad:
            raise RuntimeError(f"{len(bad)} of {len(self.records)} sweep cells did not complete: {bad[:3]}")


def sweep_function() -> Callable[..., Any]:
    """``gp.sweep`` (the public call: a SweepGrid widget that starts at once)."""
    import gp_widgets

    fn = getattr(gp_widgets, "sweep", None)
    if fn is None:
        from gp_widgets.widgets.grid import sweep as fn
    return fn


async def run_sweep(source: Any, moves: Sequence[str], params: Sequence[float], client: Any, *,
                    concurrency: int = 8, cache_dir: str | os.PathLike[str] | None = None,
                    timeout: float = 300.0, via: str = "grid") -> SweepRun:
    """Run one sweep; ``via="grid"``: ``gp.sweep(...)`` then ``await grid`` (what users call);
    ``via="runner"``: the widget-free ``SweepRunner`` with an ``on_change`` callback that stamps
    when each variant is seen done (status ``downloading``, i.e. polling just ended).

    ``cache_dir`` defaults to a fresh temporary directory, so no run reuses another's cache.
    """
    with contextlib.ExitStack() as stack:
        if cache_dir is None:
            cache_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="gp-bench-cache-"))
        if via == "grid":
            started = time.perf_counter()
            grid = sweep_function()(source, moves=list(moves), params=list(params), client=client,
                                    concurrency=concurrency, cache_dir=cache_dir, timeout=timeout)
            records = await grid
            wall = time.perf_counter() - started
            return SweepRun(list(records), wall, dict(grid.stats), via="gp.sweep", grid=grid)
        from gp_widgets.sweeps import SweepRunner, SweepSpec

        noticed: dict[str, float] = {}

        def on_change(rec: Any) -> None:
            if rec.status == "downloading" and rec.variant_id and rec.variant_id not in noticed:
                noticed[rec.variant_id] = time.time()

        spec = SweepSpec.build(list(moves), list(params))
        runner = SweepRunner([source], spec, client, concurrency=concurrency, cache_dir=cache_dir,
                             timeout=timeout, on_change=on_change)
        started = time.perf_counter()
        cells = await runner.run()
        wall = time.perf_counter() - started
        return SweepRun([r.to_dict() for r in cells], wall, runner.result.stats.to_dict(), noticed,
                        via="gp_widgets.sweeps.SweepRunner")


def warm_up() -> None:
    """Import what a sweep's first result would otherwise import mid-measurement."""
    import gp_widgets.measure.pipeline  # noqa: F401
    import gp_widgets.sweeps.runner  # noqa: F401

    with contextlib.suppress(ImportError):
        from skimage.metrics import structural_similarity  # noqa: F401


# -- images ---------------------------------------------------------------------------------------

def portrait() -> Image.Image:
    from gp_widgets import samples

    return samples.portrait()


def scaled_portrait(width: int, height: int) -> Image.Image:
    """The sample portrait upscaled to cover ``width`` x ``height``, centre-cropped (no distortion)."""
    src = portrait()
    scale = max(width / src.width, height / src.height)
    big = src.resize((math.ceil(src.width * scale), math.ceil(src.height * scale)), Image.Resampling.LANCZOS)
    left, top = (big.width - width) // 2, (big.height - height) // 2
    return big.crop((left, top, left + width, top + height))


def jpeg_bytes(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def params_between(lo: float, hi: float, n: int) -> list[float]:
    """``n`` distinct params evenly spread over [lo, hi], avoiding 0 (the identity edit)."""
    values = [round(float(v), 6) for v in np.linspace(lo, hi, n)]
    if 0.0 in values:
        values = [v for v in (round(float(v), 6) for v in np.linspace(lo, hi, n + 1)) if v != 0.0][:n]
    if len(values) != n or len(set(values)) != n:
        raise ValueError(f"cannot spread {n} distinct non-zero params over [{lo}, {hi}]")
    return values


# -- memory -------------------------------------------------------------------------------------------

def rss_bytes() -> int:
    """This process's resident set size now (``/proc/self/status``; psutil if that is missing)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import psutil  # type: ignore[import-not-found]

        return int(psutil.Process().memory_info().rss)
    except ImportError as exc:  # pragma: no cover - non-Linux without psutil
        raise RuntimeError("cannot read RSS: no /proc/self/status and no psutil") from exc


def run_async(coro: Any) -> Any:
    """``asyncio.run`` (benchmarks run as plain scripts, not inside a kernel)."""
    return asyncio.run(coro)


async def measure_rss(awaitable: Awaitable[T]) -> tuple[int, int, int, T]:
    """Await ``awaitable`` while sampling this process's RSS every 0.25 s: (before, after, peak, result),
    each size after a garbage collection where it matters (before and after)."""
    import gc

    gc.collect()
    before = peak = rss_bytes()
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_bytes())
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample())
    try:
        result = await awaitable
    finally:
        done.set()
        await sampler
    gc.collect()
    after = rss_bytes()
    return before, after, max(peak, after), result

