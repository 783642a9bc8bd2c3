"""``gp.calibrate``: per photo and sign, the param where a metric crosses its threshold, through the API.

Each photo is uploaded once (a photo uploaded before, by content hash, is reused), its largest face is
measured, and each sign runs a :class:`~gp_widgets.studies.bisection.Bisection`: a handful of variants on a
fixed param grid, read from the disk cache when an earlier run (or sweep) made them. Network work runs on the
event loop; decoding and metrics on an executor (a process pool by default).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..analysis.faces import Box
from ..analysis.metrics import Metric, as_metric
from ..api import AsyncClient, Client, GalleryItem, Move
from ..api.errors import GPError
from ..api.models import check_move, largest_face
from ..api.portal import run_blocking
from ..measure.pipeline import Original, Pipeline
from ..runs.cache import VariantCache
from ..runs.cellrunner import sweep_client
from ..runs.documents import cached_bytes, open_document
from ..runs.gate import Gate
from ..runs.ledger import Ledger, ask
from ..runs.progress import progress_bar
from ..runs.stats import error_code
from .bisection import Bisection, Crossing, SignSummary, summarize
from .photos import resolve_photos

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from ..figure_layout import Width

__all__ = ["Calibration", "PhotoCalibration", "calibrate", "calibrate_async"]

T = TypeVar("T")
SIGNS = (-1, 1)


@dataclass(frozen=True)
class PhotoCalibration:
    """One photo's crossings (None on a side that failed; ``error`` says why, with the API's code)."""

    index: int
    doc_id: str | None
    negative: Crossing | None
    positive: Crossing | None
    error: str | None = None

    def side(self, sign: int) -> Crossing | None:
        return self.negative if sign < 0 else self.positive


@dataclass(frozen=True)
class Calibration:
    """Per-photo crossings of ``metric`` at ``threshold`` for ``move``, and their summary over photos."""

    move: str
    metric: str
    threshold: float
    limit: float
    photos: tuple[PhotoCalibration, ...]

    def crossings(self, sign: int) -> list[Crossing]:
        return [c for p in self.photos if (c := p.side(sign)) is not None]

    def summary(self) -> dict[int, SignSummary]:
        """Per sign (−1, +1) with at least one photo measured: median and quantiles of the crossing's magnitude."""
        return {sign: summarize(found, self.limit) for sign in SIGNS if (found := self.crossings(sign))}

    def range(self, coverage: float = 0.9) -> tuple[float, float]:
        """``(lo, hi)``: the params that keep ``coverage`` of the photos on the safe side of the threshold."""
        summary = self.summary()
        if set(summary) != set(SIGNS):
            raise ValueError(f"no photo was measured on both sides of {self.move!r}; see .photos for the errors")
        return summary[-1].safe(coverage), summary[1].safe(coverage)

    def ranges(self, coverage: float = 0.9) -> dict[str, tuple[float, float]]:
        """``{move: (lo, hi)}``, ready for ``gp.FaceEditor(ranges=...)`` (the slider's limits)."""
        return {self.move: self.range(coverage)}

    def to_dataframe(self) -> pandas.DataFrame:
        """One row per photo and sign: crossing (NaN when never crossed), safe param, probes, error."""
        import pandas

        rows = []
        for photo in self.photos:
            for sign in SIGNS:
                c = photo.side(sign)
                rows.append({"photo": photo.index, "sign": sign, "move": self.move, "metric": self.metric,
                             "crossing": math.nan if c is None or c.param is None else c.param,
                             "safe": math.nan if c is None else c.safe, "censored": bool(c and c.censored),
                             "probes": 0 if c is None else len(c.probes), "error": photo.error})
        return pandas.DataFrame.from_records(rows)

    def plot(self, width: Width = "screen") -> Figure:
        """Each photo's crossing per sign, with the median and the 10–90% range (matplotlib figure)."""
        from ..plots import calibration_figure

        return calibration_figure(self, width=width)

    def __repr__(self) -> str:
        parts = [f"Calibration({self.move!r}, {self.metric} at {self.threshold:g}, {len(self.photos)} photos"]
        for sign, s in self.summary().items():
            parts.append(f"{'+' if sign > 0 else '-'}: median {s.median * sign:+.2f}, safe for 90% {s.safe(0.9):+.2f}"
                         + (f" ({s.censored} never crossed)" if s.censored else ""))
        return "; ".join(parts) + ")"


class _Calibrator:
    def __init__(self, aio: AsyncClient, cache: VariantCache, pipeline: Pipeline, move: str, metric: Metric,
                 search: dict[str, Any], concurrency: int, timeout: float, refresh: bool = False,
                 retry_failed: bool = False) -> None:
        self.aio, self.cache, self.pipeline, self.move, self.metric = aio, cache, pipeline, move, metric
        self.search, self.timeout = search, timeout
        self.gate = Gate(concurrency)
        self.ledger, self.refresh, self.retry_failed = Ledger(cache), refresh, retry_failed
        self.generated = 0
        self.shas: dict[str, str | None] = {}

    async def _value(self, doc: GalleryItem, face: int, original: Original, box: Box, param: float) -> float:
        call = self.gate.call
        async with self.gate.slot():  # asked of the service once: the ledger knows it afterwards
            asked = await ask(self.aio, self.ledger, doc, face, self.move, param, sha256=self.shas.get(doc.id),
                              call=call, timeout=self.timeout, refresh=self.refresh, retry_failed=self.retry_failed)
            self.generated += asked.generated
            data = await cached_bytes(self.aio, self.cache, asked.item, call)
        measured = await self.pipeline.variant(asked.item.id, data, original, box)
        return measured.values[self.metric.name].value

    async def _side(self, doc: GalleryItem, face: int, original: Original, box: Box, sign: int) -> Crossing:
        search = Bisection(sign, **self.search)
        while (param := search.next_param()) is not None:
            search.observe(param, await self._value(doc, face, original, box, param))
        return search.result

    async def photo(self, index: int, source: Any, bar: Any) -> PhotoCalibration:
        """Both signs of one photo; ``bar`` advances by one per sign searched (or given up)."""
        try:
            return await self._photo(index, source)
        finally:
            bar.update(len(SIGNS))

    async def _photo(self, index: int, source: Any) -> PhotoCalibration:
        doc_id = None
        try:
            async with self.gate.slot():
                doc, data, sha = await open_document(self.aio, self.cache, source, self.gate.call)
                doc_id, self.shas[doc.id] = doc.id, sha
                if doc.faces is None:
                    doc = await self.gate.call(self.aio.wait_for_faces, doc, self.timeout)
            if not doc.faces:
                return PhotoCalibration(index, doc_id, None, None, "no_face")
            face = largest_face(doc.faces)
            f = doc.faces[face]
            box = (f.x, f.y, f.w, f.h)
            original = self.pipeline.original(doc.id, data, [box])
            sides = await asyncio.gather(*(self._side(doc, face, original, box, s) for s in SIGNS),
                                         return_exceptions=True)
        except GPError as exc:
            return PhotoCalibration(index, doc_id, None, None, error_code(exc))
        failed = [s for s in sides if isinstance(s, BaseException)]
        for error in failed:
            if not isinstance(error, GPError):
                raise error
        negative, positive = (s if isinstance(s, Crossing) else None for s in sides)
        return PhotoCalibration(index, doc_id, negative, positive, error_code(failed[0]) if failed else None)


MetricRef = Metric | Callable[..., float] | str


def resolve_metric(metric: MetricRef) -> Metric:
    """A metric object from a built-in's name (``"identity"``), a metric, or a function."""
    return as_metric(metric)


async def calibrate_async(photos: Any, move: Move | str, metric: MetricRef = "identity", threshold: float = 0.6,
                          limit: float = 10.0,
                          *, resolution: float = 0.25, higher_is_better: bool | None = None,
                          client: Client | AsyncClient | None = None, executor: Executor | None = None,
                          concurrency: int = 8, cache_dir: Any = None, timeout: float = 300.0,
                          refresh: bool = False, retry_failed: bool = False) -> Calibration:
    """The coroutine behind :func:`calibrate` (same arguments), for code that already runs a loop."""
    sources = resolve_photos(photos)
    move = check_move(move)
    metric = resolve_metric(metric)
    search: dict[str, Any] = {"threshold": float(threshold), "limit": float(limit), "resolution": float(resolution),
              "higher_is_better": bool(getattr(metric, "higher_is_better", False)
                                       if higher_is_better is None else higher_is_better)}
    Bisection(1, **search)  # refuse a bad threshold, limit or resolution before any request
    if client is None:
        from ..connect import connect

        client = await asyncio.to_thread(connect)
    aio = sweep_client(client)
    cache = await VariantCache.of(aio, cache_dir)
    pipeline = Pipeline([metric], cache, executor)
    pipeline.warm()
    try:
        work = _Calibrator(aio, cache, pipeline, move, metric, search, concurrency, timeout, refresh, retry_failed)
        with progress_bar(len(sources) * len(SIGNS), f"calibrate {move}", unit="side") as bar:
            results = await asyncio.gather(*(work.photo(i, s, bar) for i, s in enumerate(sources)))
    finally:
        await aio.aclose()
    return Calibration(move, metric.name, float(threshold), float(limit), tuple(results))


def calibrate(photos: Any, move: Move | str, metric: MetricRef = "identity", threshold: float = 0.6,
              limit: float = 10.0, **options: Any) -> Calibration:
    """Per photo (largest face) and sign, the param where ``metric`` crosses ``threshold`` for ``move``,
    by bisection up to ``limit`` on a grid of ``resolution`` (0.25): about seven variants per photo and sign,
    cached. ``metric``: a built-in's name, a metric or a function; ``photos``: a list, a folder or a glob.
    Options: ``resolution``, ``higher_is_better`` (default: the metric's), ``client``, ``executor``,
    ``concurrency``, ``cache_dir``, ``timeout``, ``refresh`` (generate every probe anew; by default an edit
    the service was asked for before is fetched by its id, see :mod:`gp_widgets.runs.ledger`),
    ``retry_failed`` (ask again for probes that failed; else they fail again with their code).

    Blocks until done; inside a running loop (a notebook cell) it makes the loop re-entrant with
    nest-asyncio2 (:func:`~gp_widgets.api.portal.run_blocking`), like ``grid.result()``. In async code,
    ``await calibrate_async(...)``.
    """
    return run_blocking(calibrate_async(photos, move, metric, threshold, limit, **options))
