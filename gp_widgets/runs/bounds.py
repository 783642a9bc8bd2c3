"""How big the disk cache may grow, and keeping it so: the limit (``GP_CACHE_MAX``), what running jobs hold,
least-recently-used pruning, clearing, and what lives where (:func:`cache_info`).

The cache root (:func:`~gp_widgets.runs.cache.default_cache_dir`) holds one folder per service (a local
engine's by its id, the service's by its URL), one per team inside. Pruning first removes whole folders of
services that can no longer be reached (an engine whose data dir is gone, a loopback URL nobody serves: no
client can ever read them again), then, least recently used first, variant pixels and views (a study's rerun
needs only measures), then measures. It never removes the ledger, the upload notes or a file a job of this
process holds; it says how many of what it removed a ledger still pointed to (their variants stay on the
service: a reader finds them missing and fetches them again by id). Another process's job keeps its bytes in
memory while it measures them, and a prune from the command line spares files younger than
:data:`GRACE` seconds.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..files import cache_home

__all__ = ["CacheInfo", "DEFAULT_MAX", "GRACE", "PruneReport", "cache_info", "cache_limit", "clear", "engine_dirs",
           "holding", "parse_size", "prune", "reachable", "room"]

log = logging.getLogger("gp_widgets.cache")

ENV = "GP_CACHE_MAX"
DEFAULT_MAX = 2 * 1000**3
"""2 GB: about 4,000 variants of a 1 MP photo with their measures, or a 10,000-cell study's measures many times."""
LOW_WATER = 0.8
"""A prune brings the cache down to this share of its limit, so that it does not run again at the next write."""
GRACE = 60.0
"""Seconds during which a file just written is spared by a prune from the command line (a job may be using it)."""
SERVICE_NOTE = "service.json"
ENGINE_ID_FILE = "engine_id"
"""Where a local engine's data dir keeps its id (the engine writes it: ``gp_widgets.local.server``)."""
KEPT = frozenset({"ledger", "uploads", "documents"})
"""Folders of a team's cache that pruning never touches (only :func:`clear` removes them)."""
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
          "t": 1000**4, "tb": 1000**4, "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
_LOOPBACK = re.compile(r"^(127\.\d+\.\d+\.\d+|localhost|\[::1\])_(\d+)-[0-9a-f]+$")


def parse_size(text: str) -> int | None:
    """``"2GB"``, ``"500 MB"``, ``"1.5GiB"``, ``"123456"`` (bytes) -> bytes; ``"none"``/``"off"`` -> None
    (no limit). Raises ``ValueError`` for anything else."""
    value = text.strip().lower().replace(" ", "")
    if value in ("none", "off", "unlimited"):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]*)", value)
    if match is None or match.group(2) not in _UNITS:
        raise ValueError(f"{ENV}: {text!r} is not a size such as 2GB, 500MB or none")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def cache_limit() -> int | None:
    """The limit in bytes: ``GP_CACHE_MAX`` if set (None: no limit), else :data:`DEFAULT_MAX`."""
    text = os.environ.get(ENV)
    return DEFAULT_MAX if not text else parse_size(text)


# -- what jobs hold -------------------------------------------------------------------------

_held: collections.Counter[str] = collections.Counter()
_held_lock = threading.Lock()


_SUFFIXES = (".measure.json", ".views.json", ".bin")


def _stem(path: Path) -> str:
    """A cache file's path without the suffix that says what it is: the same for a variant's pixels, views and
    measures."""
    name = path.name
    return str(path.parent / next((name[: -len(s)] for s in _SUFFIXES if name.endswith(s)), name))


@contextlib.contextmanager
def holding(*paths: Path) -> Iterator[None]:
    """While inside, a prune in this process spares the files of ``paths`` (a variant's pixels: its views and
    measures too)."""
    stems = [_stem(p) for p in paths]
    with _held_lock:
        _held.update(stems)
    try:
        yield
    finally:
        with _held_lock:
            _held.subtract(stems)
            for stem in stems:
                if _held[stem] <= 0:
                    del _held[stem]


# -- pruning ---------------------------------------------------------------------------------

@dataclass
class PruneReport:
    """What a prune did: bytes before and after, files removed, folders of unreachable services removed, and
    how many removed variants a ledger still pointed to."""

    limit: int | None
    before: int = 0
    after: int = 0
    removed: int = 0
    services: list[str] = field(default_factory=list)
    ledger_variants: int = 0

    def __str__(self) -> str:
        limit = "no limit" if self.limit is None else f"limit {_human(self.limit)}"
        lines = [f"cache: {_human(self.before)} -> {_human(self.after)} ({limit}); {self.removed} files removed"]
        if self.services:
            lines.append(f"  removed {len(self.services)} unreachable service(s): {', '.join(self.services)}")
        if self.ledger_variants:
            lines.append(f"  {self.ledger_variants} removed variant(s) are in a ledger: they stay on the service "
                         "and are fetched again by id when needed")
        return "\n".join(lines)


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def _size(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def engine_dirs() -> list[Path]:
    """The default local engines' data dirs (``<cache home>/engine``, ``engine-2``, …)."""
    return sorted(d for d in cache_home().glob("engine*") if d.is_dir())


def _engine_ids() -> set[str]:
    """The ids of the engines whose data dirs live in the default place."""
    ids = set()
    for data_dir in engine_dirs():
        with contextlib.suppress(OSError):
            ids.add((data_dir / ENGINE_ID_FILE).read_text().strip())
    return ids


def _answers(base_url: str, engine_id: str | None) -> bool:
    """Whether something serves ``base_url`` now (the engine ``engine_id``, when given)."""
    parts = urlsplit(base_url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=0.3):
            pass
    except OSError:
        return False
    if engine_id is None:
        return True
    import httpx

    try:
        answer = httpx.get(base_url.rstrip("/") + "/_engine/id", timeout=1.0).json()
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(answer, dict) and answer.get("id") == engine_id


def reachable(service: Path, engine_ids: set[str] | None = None) -> bool:
    """Whether a client could still read this service folder: a remote service's always; a local engine's while
    its data dir exists (a default one, or the one its note keeps) or it answers at its URL; a loopback URL's
    while something serves it."""
    name = service.name
    try:
        note = json.loads((service / SERVICE_NOTE).read_text())
    except (OSError, ValueError):
        note = {}
    if name.startswith("engine-"):
        engine_id = note.get("engine_id") or name.removeprefix("engine-")
        if engine_id in (engine_ids if engine_ids is not None else _engine_ids()):
            return True
        with contextlib.suppress(OSError, TypeError):
            if (Path(note["data_dir"]) / ENGINE_ID_FILE).read_text().strip() == engine_id:
                return True
        return bool(note.get("base_url")) and _answers(note["base_url"], engine_id)
    match = _LOOPBACK.match(name)
    if match is None:
        return True
    return _answers(note.get("base_url") or f"http://127.0.0.1:{match.group(2)}", None)


def _ledger_variants(team: Path) -> set[str]:
    ids = set()
    for note in (team / "ledger").glob("*.json"):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            ids.add(str(json.loads(note.read_text()).get("id")))
    return ids


def _candidates(root: Path) -> list[tuple[int, float, int, Path]]:
    """Prunable files as ``(tier, last used, size, path)``, least recently used first: tier 0 pixels and views,
    tier 1 measures."""
    out = []
    for team in root.glob("*/*"):
        if not team.is_dir():
            continue
        for path in team.iterdir():
            if path.name.startswith(".") or path.name in KEPT or path.name == SERVICE_NOTE or not path.is_file():
                continue
            with contextlib.suppress(OSError):
                stat = path.stat()
                used = max(stat.st_atime, stat.st_mtime)  # a read sets the access time (VariantCache.get)
                out.append((1 if path.name.endswith(".measure.json") else 0, used, stat.st_size, path))
    out.sort(key=lambda c: (c[0], c[1]))
    return out


_pruning = threading.Lock()


def prune(root: str | os.PathLike[str] | None = None, limit: int | None = -1, *, grace: float = 0.0,
          unreachable: bool = True) -> PruneReport:
    """Bring the cache under ``limit`` bytes (default :func:`cache_limit`; None: only unreachable services):
    unreachable services' folders first (``unreachable``), then least recently used pixels and views, then
    measures, down to :data:`LOW_WATER` of the limit; files held by a job of this process, and those younger
    than ``grace`` seconds, are spared."""
    from .cache import default_cache_dir

    base = Path(root) if root is not None else default_cache_dir()
    limit = cache_limit() if limit == -1 else limit
    with _pruning:
        report = _prune(base, limit, 0 if limit is None else int(limit * LOW_WATER), grace, unreachable)
        _estimate[str(base)] = report.after
    return report


def _prune(base: Path, limit: int | None, target: int, grace: float, unreachable: bool, *,
           room: int = 0) -> PruneReport:
    """:func:`prune`'s work, down to ``target`` bytes once ``room`` more bytes would take the cache over ``limit``
    (the caller holds ``_pruning``)."""
    report = PruneReport(limit)
    report.before = _size(base) if base.exists() else 0
    size = report.before
    if unreachable and base.exists():
        ids = _engine_ids()
        for service in sorted(p for p in base.iterdir() if p.is_dir()):
            if not reachable(service, ids):
                freed = _size(service)
                shutil.rmtree(service, ignore_errors=True)
                size -= freed
                report.services.append(service.name)
    if limit is not None and size + room > limit and base.exists():
        now = time.time()
        ledgers: dict[Path, set[str]] = {}
        for _, used, nbytes, path in _candidates(base):
            if size <= target:
                break
            if _stem(path) in _held or now - used < grace:
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                size -= nbytes
                report.removed += 1
                team = path.parent
                if team not in ledgers:
                    ledgers[team] = _ledger_variants(team)
                if Path(_stem(path)).name in ledgers[team]:
                    report.ledger_variants += 1
    report.after = max(size, 0)
    if report.services or report.removed:
        log.info("%s", report)
    return report


_looked: set[str] = set()


def prune_unreachable_once(root: Path) -> None:
    """At a process's first job on ``root``: remove the folders of services no one can reach, and bring the
    cache under its limit."""
    if str(root) in _looked:
        return
    _looked.add(str(root))
    try:
        prune(root)
    except OSError as exc:
        log.warning("cannot prune the cache at %s: %s", root, exc)


# -- pruning as a cache grows ------------------------------------------------------------------

_estimate: dict[str, int] = {}
"""Bytes in each cache root as this process last counted them, plus what it has written since."""
_inflight: collections.Counter[str] = collections.Counter()
"""Bytes this process has made room for and is writing now."""


@contextlib.contextmanager
def room(root: Path, nbytes: int) -> Iterator[None]:
    """Make room for ``nbytes`` written into the cache at ``root`` inside the block: if they would take it over
    its limit, prune first (least recently used first, down to :data:`LOW_WATER` less these bytes). Runs in the
    writer's thread (writers run off the event loop), one prune at a time; the cache is walked only to prune
    (the count in between is this process's own), so another process's writes are seen at the next prune."""
    limit = cache_limit()
    key = str(root)
    if limit is None:
        yield
        return
    with _pruning:
        size = _estimate.get(key)
        if size is None:
            size = _size(root) if root.exists() else 0
        if size + _inflight[key] + nbytes > limit:
            try:
                coming = nbytes + _inflight[key]
                size = _prune(root, limit, int(limit * LOW_WATER) - coming, 0.0, False, room=coming).after
            except OSError as exc:
                log.warning("cannot prune the cache at %s: %s", root, exc)
        _estimate[key] = size
        _inflight[key] += nbytes
    try:
        yield
    finally:
        with _pruning:
            _inflight[key] -= nbytes
            _estimate[key] = _estimate.get(key, 0) + nbytes


# -- clearing and reporting -------------------------------------------------------------------

def clear(root: str | os.PathLike[str] | None = None) -> int:
    """Remove the whole cache (pixels, measures, ledgers, upload notes); returns the bytes freed."""
    from .cache import default_cache_dir

    base = Path(root) if root is not None else default_cache_dir()
    freed = _size(base) if base.exists() else 0
    shutil.rmtree(base, ignore_errors=True)
    return freed


@dataclass(frozen=True)
class CacheInfo:
    """Where the client's files live and how big they are (bytes); ``limit`` None: no limit."""

    root: Path
    limit: int | None
    variants: int
    """Variant pixels and views (``<service>/<team>/<id>.bin``, ``.views.json``)."""
    measures: int
    """Measurement sidecars (``<id>.measure.json``), beside the pixels."""
    ledger: int
    """Ledgers and upload notes (``<service>/<team>/ledger/``, ``uploads/``, ``documents/``): never pruned."""
    engine_dirs: tuple[Path, ...]
    engine: int
    """The default local engines' data dirs (their uploads, variants and database): not counted in the limit."""
    services: tuple[dict[str, Any], ...]
    """Per service folder: ``name``, ``bytes``, ``reachable``."""

    @property
    def total(self) -> int:
        """What the limit bounds: variants, measures and ledgers."""
        return self.variants + self.measures + self.ledger

    def __str__(self) -> str:
        limit = "none" if self.limit is None else _human(self.limit)
        lines = [f"cache: {self.root} ({_human(self.total)} of limit {limit}; {ENV} changes it)",
                 f"  variants (pixels, views): {_human(self.variants)}",
                 f"  measures:                 {_human(self.measures)}",
                 f"  ledgers, upload notes:    {_human(self.ledger)}"]
        for service in self.services:
            state = "" if service["reachable"] else "  (unreachable: pruned first)"
            lines.append(f"    {service['name']}: {_human(service['bytes'])}{state}")
        dirs = ", ".join(map(str, self.engine_dirs)) or "none yet"
        lines.append(f"local engine data: {dirs} ({_human(self.engine)}; not in the limit)")
        return "\n".join(lines)


def cache_info(root: str | os.PathLike[str] | None = None) -> CacheInfo:
    """Where variants, measures, the ledger and the local engine's data live, and their sizes."""
    from .cache import default_cache_dir

    base = Path(root) if root is not None else default_cache_dir()
    sizes = {"variants": 0, "measures": 0, "ledger": 0}
    services = []
    ids = _engine_ids()
    for service in sorted(p for p in base.glob("*") if p.is_dir()):
        services.append({"name": service.name, "bytes": _size(service), "reachable": reachable(service, ids)})
        for team in (p for p in service.iterdir() if p.is_dir()):
            for path in team.iterdir():
                if path.name in KEPT:
                    sizes["ledger"] += _size(path)
                elif path.is_file():
                    kind = "measures" if path.name.endswith(".measure.json") else "variants"
                    with contextlib.suppress(OSError):
                        sizes[kind] += path.stat().st_size
    engines = tuple(engine_dirs())
    return CacheInfo(base, cache_limit(), sizes["variants"], sizes["measures"], sizes["ledger"], engines,
                     sum(_size(d) for d in engines), tuple(services))
