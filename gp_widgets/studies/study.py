"""A study: many photos × moves × params, measured by metric plug-ins, aggregated over photos.

:class:`Study` is the data (photos, one record per photo × face × move × param, metric definitions) with
what is built from it: the tidy table, curves with 95% intervals, failures by code, figures, save and load.
:class:`StudyRunner` fills one in on the event loop: the network work goes through the sweep's gate and
poller and the disk cache; the CPU work (decoding, metrics) through a ``concurrent.futures.Executor``.
Variant pixels stream through: the kernel keeps numbers only. Metric values are cached beside the variant
in the sweep's measurement sidecar (``<id>.measure.json``, see :class:`~gp_widgets.measure.pipeline.Pipeline`),
so a study started again with the same arguments downloads nothing and computes no metric twice, and a
sweep over the same variants reuses them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..analysis.faces import Box
from ..analysis.metrics import DEFAULT_METRICS, Metric, Value, metric_list
from ..api import AsyncClient, Client, GalleryItem, Move
from ..api.constants import DEFAULT_WAIT_TIMEOUT, CellStatus
from ..api.errors import GPError
from ..api.models import check_move, check_param, largest_face
from ..measure.pipeline import Original, Pipeline
from ..runs.cellrunner import CellRunner
from ..runs.documents import open_document
from ..runs.ledger import KnownCell
from ..runs.stats import RunStats, error_code
from ..sweeps.records import CellRecord
from ..sweeps.spec import Cell, unique
from .aggregate import CurvePoint, curves, failures_by_code
from .photos import resolve_photos
from .reports import StudyReports
from .tidy import _text, load_table, new_manifest, save_table, to_dataframe, url_host

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from ..figure_layout import Width

__all__ = ["FacesMode", "Study", "StudyPhoto", "StudyRecord", "StudyRunner", "study_row"]

log = logging.getLogger("gp_widgets.study")

FacesMode = Literal["largest", "all"]


StudyRecord = CellRecord
"""A study's cell record is a sweep's :class:`~gp_widgets.sweeps.records.CellRecord` (``cell.image`` is the
photo's index; a study keeps numbers, no pictures); the name stays for code that imported it."""


def study_row(rec: CellRecord) -> dict[str, Any]:
    """A record as a study's row: photo, face, move, param, outcome, then its metric values."""
    cell = rec.cell
    return {"photo": cell.image, "face": cell.face, "move": cell.move, "param": cell.param,
            "status": str(rec.status), "error_code": rec.error_code, "variant_id": rec.variant_id,
            "seconds": None if rec.seconds is None else round(rec.seconds, 3), "retried": rec.retried,
            **rec.metrics}


@dataclass(frozen=True)
class StudyPhoto:
    """An input photo as the study used it: its name, content hash, document, face boxes and faces measured."""

    index: int
    name: str
    sha256: str | None
    doc_id: str
    faces: tuple[Box, ...]
    measured: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "sha256": self.sha256, "doc_id": self.doc_id,
                "faces": [list(f) for f in self.faces], "measured": list(self.measured)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StudyPhoto:
        return cls(int(data["index"]), str(data["name"]), data.get("sha256"), str(data["doc_id"]),
                   tuple(tuple(float(v) for v in f) for f in data.get("faces", ())),  # type: ignore[misc]
                   tuple(int(i) for i in data.get("measured", ())))


def _photo_name(source: Any, index: int) -> str:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    if isinstance(source, GalleryItem):
        return source.id
    return f"photo {index + 1}"  # numbered from 1 on screen


@dataclass
class Study(StudyReports):
    """A study's inputs, records and metric definitions; figures and tables are built from these (the
    paper's figures and tables: :class:`~gp_widgets.studies.reports.StudyReports`)."""

    moves: tuple[str, ...]
    params: tuple[float, ...]
    faces: FacesMode
    metrics: list[dict[str, Any]]
    names: list[str]
    photos: list[StudyPhoto | None] = field(default_factory=list)
    records: list[CellRecord] = field(default_factory=list)
    stats: RunStats = field(default_factory=RunStats)
    backend: str | None = None
    host: str | None = None
    cache_dir: str | None = None
    kind: ClassVar[str] = "study"

    @property
    def metric_names(self) -> list[str]:
        return [m["name"] for m in self.metrics]

    @property
    def spec(self) -> dict[str, Any]:
        return {"moves": list(self.moves), "params": list(self.params), "faces": self.faces,
                "photos": len(self.names)}

    @property
    def done(self) -> bool:
        return bool(self.records) and all(r.final for r in self.records)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per cell (photo, face, move, param, status, error_code, variant_id, seconds, metrics)."""
        return [study_row(r) for r in self.records]

    def to_dataframe(self) -> pandas.DataFrame:
        """The tidy table: one row per photo × face × move × param, one column per metric."""
        return to_dataframe(self.to_records(), self.metric_names)

    def curves(self) -> list[CurvePoint]:
        """Per move × param × metric, the mean over photos with its 95% t-interval."""
        return curves(self.to_records(), self.metric_names)

    def failures(self) -> dict[str, int]:
        return failures_by_code(self.to_records())

    def figure(self, metrics: Sequence[Any] | None = None, *, width: Width = "screen") -> Figure:
        """Each metric's mean against param per move, with 95% bands, laid out for ``width`` (``"column"``,
        ``"page"``, ``"screen"`` or inches); ``metrics`` by name or as the metric objects measured."""
        from ..plots import study_figure
        from .effects import metric_name

        done = sum(r.status == CellStatus.complete for r in self.records)
        return study_figure(self.curves(), [metric_name(m) for m in metrics or self.metric_names],
                            title=f"{len(self.names)} photos · {done} of {len(self.records)} cells",
                            units=self._units(), width=width)

    def photo_records(self, photo: int) -> list[CellRecord]:
        return [r for r in self.records if r.cell.image == photo]

    def manifest(self) -> dict[str, Any]:
        return new_manifest(spec=self.spec, metrics=self.metrics, backend=self.backend, host=self.host,
                            photos=[p.to_json() if p else {"index": i, "name": self.names[i]}
                                    for i, p in enumerate(self.photos)], cache_dir=self.cache_dir)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """The tidy table and its manifest, as Parquet (``.parquet``) or CSV (``.csv``), written atomically."""
        return save_table(self.to_dataframe(), self.manifest(), path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Study:
        """A saved study, offline: its figures and tables rebuild from the file (pixels from the disk cache)."""
        frame, manifest = load_table(path)
        spec = manifest["spec"]
        photos = [StudyPhoto.from_json(p) if "doc_id" in p else None for p in manifest["photos"]]
        names = [p.get("name", f"photo {i + 1}") for i, p in enumerate(manifest["photos"])]
        metrics = manifest["metrics"]
        known = {m["name"] for m in metrics}
        records = []
        for row in frame.to_dict("records"):
            values = {m: float(row[m]) for m in known if m in row and not math.isnan(row[m])}
            cell = Cell(int(row["photo"]), int(row["face"]), str(row["move"]), float(row["param"]))
            records.append(CellRecord(cell, CellStatus(row["status"]), variant_id=_text(row["variant_id"]),
                                      error_code=_text(row["error_code"]),
                                      seconds=None if row["seconds"] != row["seconds"] else float(row["seconds"]),
                                      metrics=values, retried=bool(row.get("retried", False))))
        return cls(tuple(spec["moves"]), tuple(float(p) for p in spec["params"]), spec["faces"], metrics, names,
                     photos, records, backend=manifest.get("backend"), host=manifest.get("host"),
                     cache_dir=manifest.get("cache_dir"))


_DONE = object()


class StudyRunner(CellRunner):
    """Runs a study on the current event loop, filling in :attr:`result` as cells finish.

    The executor's workers start (and load dlib's models) at once. Photos are prepared a few at a time
    (upload once, detect faces); their cells go through a bounded queue to ``8 × concurrency`` workers.
    A worker whose variant is ready waits its turn to download and measure it, at most ``2 × concurrency``
    at once: the engine runs ahead while the executor catches up (as it starts, or when it is slower), and
    memory stays flat however many cells there are. Each original is prepared for measuring on the executor
    when its first variant is. A failed cell keeps its error code and never stops the study; ``cancel``
    marks the unfinished ones cancelled.
    """

    kind = "study"
    result: Study

    def __init__(self, photos: Any, moves: Sequence[Move | str], params: Sequence[float],
                 metrics: Sequence[Metric | Callable[..., float] | str] | None = None, *, faces: FacesMode = "largest",
                 client: Client | AsyncClient | None = None, concurrency: int = 8, executor: Executor | None = None,
                 cache_dir: Any = None, timeout: float = DEFAULT_WAIT_TIMEOUT,
                 on_change: Callable[[CellRecord], Any] | None = None, refresh: bool = False,
                 retry_failed: bool = False) -> None:
        from .tidy import metric_definition

        if faces not in ("largest", "all"):
            raise ValueError(f"faces must be 'largest' or 'all', got {faces!r}")
        if isinstance(moves, (str, Move)):
            moves = [moves]
        metric_objects = metric_list(DEFAULT_METRICS if metrics is None else metrics)
        if not metric_objects:
            raise ValueError("a study needs at least one metric")
        super().__init__(client, concurrency, cache_dir, timeout, on_change, refresh=refresh,
                         retry_failed=retry_failed)
        self.sources = resolve_photos(photos)
        self.metrics = metric_objects
        self.result = Study(unique(map(check_move, moves), "move"), unique(map(check_param, params), "param"), faces,
                            [metric_definition(m) for m in metric_objects],
                            [_photo_name(s, i) for i, s in enumerate(self.sources)],
                            photos=[None] * len(self.sources))
        if faces == "largest":
            self.result.records = [CellRecord(Cell(i, 0, m, p)) for i in range(len(self.sources))
                                   for m in self.result.moves for p in self.result.params]
        self._executor = executor
        self._workers = 8 * concurrency

    # -- the run ------------------------------------------------------------------------

    def _records(self) -> list[CellRecord]:
        return self.result.records

    async def _connect(self) -> None:
        study = self.result
        self._cache = cache = await self._open()
        self._pipeline = Pipeline(self.metrics, cache, self._executor)
        self._pipeline.warm()  # the workers load their models while photos upload and faces are detected
        study.backend = "local" if getattr(self.client, "backend", None) == "local" else "remote"
        study.host, study.cache_dir = url_host(cache.base_url), str(cache.root)

    def _start(self) -> list[asyncio.Task[Any]]:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=4 * self._workers)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(self._workers)]
        return [asyncio.create_task(self._produce(queue)), *workers]

    def _close(self, wall_seconds: float) -> None:
        self.result.stats.wall_seconds = wall_seconds

    # -- steps --------------------------------------------------------------------------

    async def _produce(self, queue: asyncio.Queue[Any]) -> None:
        photos = asyncio.Semaphore(4)

        async def one(index: int) -> None:
            async with photos:
                cells = await self._prepare(index)
            for job in cells:
                await queue.put(job)

        try:
            await asyncio.gather(*(one(i) for i in range(len(self.sources))))
        finally:
            for _ in range(self._workers):
                await queue.put(_DONE)

    async def _prepare(self, index: int) -> list[tuple[GalleryItem, Original, Box, CellRecord, str, Any]]:
        """Upload (once) and detect faces: the photo's cells, ready to submit, with what the ledger knows."""
        study = self.result
        assert self._aio is not None
        try:
            doc, data, sha = await open_document(self._aio, self._cache, self.sources[index], self.gate.call)
            if doc.faces is None:
                doc = await self.gate.call(self._aio.wait_for_faces, doc, self._timeout)
            boxes = tuple((f.x, f.y, f.w, f.h) for f in doc.faces or ())
            if not boxes:
                raise _NoFace
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, (GPError, _NoFace)):
                log.exception("study: preparing photo %d failed", index)
            code = "no_face" if isinstance(exc, _NoFace) else error_code(exc)
            for rec in study.photo_records(index):
                self._fail(rec, code)
            return []
        if not self._cache.path(doc.id).exists():  # the original beside its variants: ratings show it
            await asyncio.to_thread(self._cache.put, doc.id, data)
        measured = ((largest_face(doc.faces or ()),)
                    if study.faces == "largest" else tuple(range(len(boxes))))
        original = self._pipeline.original(doc.id, data, [boxes[i] for i in measured])
        study.photos[index] = StudyPhoto(index, study.names[index], sha, doc.id, boxes, measured)
        if study.faces == "largest":
            records = study.photo_records(index)
            for rec in records:
                rec.cell = dataclasses.replace(rec.cell, face=measured[0])
        else:
            records = [CellRecord(Cell(index, f, m, p)) for f in measured for m in study.moves for p in study.params]
            study.records.extend(records)
        assert self.ledger is not None
        source = await asyncio.to_thread(self.ledger.source, doc, sha)
        known = await self._lookup(source, [(rec.cell.face, rec.cell.move, rec.cell.param) for rec in records])
        return [(doc, original, boxes[rec.cell.face], rec, source, k) for rec, k in zip(records, known, strict=True)]

    async def _worker(self, queue: asyncio.Queue[Any]) -> None:
        while (job := await queue.get()) is not _DONE:
            doc, original, box, rec, source, known = job
            await self._cell(rec, doc, rec.cell.move, rec.cell.param, rec.cell.face,
                             functools.partial(self._finish_cell, rec, original, box), source=source, known=known,
                             reuse=self._reuse)

    async def _reuse(self, known: KnownCell) -> bool:
        """Whether a cell a run completed has every metric of this study on disk: then nothing is asked."""
        return known.complete and len(await self._pipeline.cached(known.variant_id)) == len(self.metrics)

    async def _finish_cell(self, rec: CellRecord, original: Original, box: Box, item: GalleryItem | None) -> None:
        """Values from the variant's measurement cache; those missing measured on the executor and cached
        there (``item`` None: a cell found complete on disk, fetched by id only if its measures went since).
        A cached variant that does not decode is fetched again."""
        assert rec.variant_id is not None
        values = await self._pipeline.cached(rec.variant_id)
        if len(values) == len(self.metrics):
            self.result.stats.measures_cached += 1
        else:
            item = item or await self._gated_get(rec.variant_id)
            async with self._measuring:
                values = await self._measure(item, original, box)
        rec.metrics = {m.name: values[m.name].value for m in self.metrics}
        rec.notes = {m.name: str(values[m.name].reason) for m in self.metrics if values[m.name].reason}

    async def _measure(self, item: GalleryItem, original: Original, box: Box) -> dict[str, Value]:
        """Variant bytes from the cache (a damaged entry is dropped and fetched again) or the network,
        measured on the executor; only the numbers come back."""
        stats = self.result.stats
        assert self._aio is not None
        data = await asyncio.to_thread(self._cache.get, item.id)
        if data is not None:
            stats.cache_hits += 1
            try:
                stats.measured += 1
                return (await self._pipeline.variant(item.id, data, original, box)).values
            except (OSError, SyntaxError, ValueError):  # what PIL raises for a truncated or foreign file
                log.warning("study: cached variant %s is unreadable; fetching it again", item.id)
                stats.refetched += 1
                await asyncio.to_thread(self._cache.path(item.id).unlink, True)
        data = await self.gate.call(self._aio.download, item)
        stats.downloads += 1
        await asyncio.to_thread(self._cache.put, item.id, data)
        stats.measured += 1
        return (await self._pipeline.variant(item.id, data, original, box)).values


class _NoFace(Exception):
    """The photo has no face to edit."""
