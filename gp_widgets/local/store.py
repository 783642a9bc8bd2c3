"""Persistent state: SQLite (WAL) for documents and tasks, atomic files for pixels."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api.constants import TaskStatus
from ..files import write_atomic

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    team TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('upload', 'variant')),
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    faces TEXT,
    source TEXT,
    face INTEGER,
    move TEXT,
    param REAL,
    status TEXT NOT NULL,
    error TEXT,
    created_at REAL NOT NULL,
    completed_at REAL,
    PRIMARY KEY (team, id)
);
CREATE INDEX IF NOT EXISTS items_status ON items (status);
"""


@dataclass(frozen=True)
class Item:
    """One gallery document: an upload or a variant."""

    team: str
    id: str
    kind: str
    content_type: str
    width: int
    height: int
    faces: list[dict[str, float]] | None
    source: str | None
    face: int | None
    move: str | None
    param: float | None
    status: str
    error: str | None
    created_at: float
    completed_at: float | None

    def to_json(self) -> dict[str, Any]:
        """The GalleryItem body served by the API."""
        task: dict[str, Any] = {"status": self.status}
        if self.error:
            task["error"] = {"code": self.error}
        data: dict[str, Any] = {
            "pixels": f"/api/v0/teams/me/gallery/{self.id}/pixels/original/bytes",
            "task": task,
            "width": self.width,
            "height": self.height,
        }
        if self.faces is not None:
            data["faces"] = self.faces
        if self.kind == "variant":
            data.update(source=self.source, face=self.face, move=self.move, param=self.param)
            if self.completed_at is not None:
                data["completed_at"] = self.completed_at
        return {"id": self.id, "data": data}


def _row_to_item(row: sqlite3.Row) -> Item:
    values = dict(row)
    values["faces"] = None if values["faces"] is None else json.loads(values["faces"])
    return Item(**values)


class Store:
    """Thread-safe store; one SQLite connection guarded by a lock."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.files = self.data_dir / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        for leftover in self.files.glob("*/.tmp-*"):  # from a crash mid-write
            leftover.unlink(missing_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.data_dir / "engine.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- documents ---------------------------------------------------------------
    def get(self, team: str, item_id: str) -> Item | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM items WHERE team=? AND id=?", (team, item_id)).fetchone()
        return None if row is None else _row_to_item(row)

    def add_upload(self, team: str, item_id: str, content_type: str, width: int, height: int) -> Item:
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO items (team, id, kind, content_type, width, height, status, created_at)"
                " VALUES (?, ?, 'upload', ?, ?, ?, ?, ?)",
                (team, item_id, content_type, width, height, TaskStatus.complete.value, now),
            )
        return self.get(team, item_id)  # type: ignore[return-value]

    def add_variant(self, team: str, item_id: str, source: Item, face: int, move: str,
                    param: float) -> tuple[Item, bool]:
        """Insert a waiting variant unless it exists; returns (item, created)."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO items (team, id, kind, content_type, width, height, faces, source,"
                " face, move, param, status, created_at) VALUES (?, ?, 'variant', 'image/png', ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?)",
                (team, item_id, source.width, source.height, json.dumps(source.faces), source.id, face, move,
                 param, TaskStatus.waiting.value, time.time()),
            )
            created = cur.rowcount == 1
        return self.get(team, item_id), created  # type: ignore[return-value]

    def set_faces(self, team: str, item_id: str, faces: list[dict[str, float]]) -> None:
        with self._lock:
            self._db.execute("UPDATE items SET faces=? WHERE team=? AND id=?", (json.dumps(faces), team, item_id))

    def set_status(self, team: str, item_id: str, status: TaskStatus, error: str | None = None) -> None:
        completed = time.time() if status in (TaskStatus.complete, TaskStatus.failed) else None
        with self._lock:
            self._db.execute(
                "UPDATE items SET status=?, error=?, completed_at=? WHERE team=? AND id=?",
                (status.value, error, completed, team, item_id),
            )

    def unfinished_variants(self) -> list[Item]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM items WHERE kind='variant' AND status IN (?, ?) ORDER BY created_at",
                (TaskStatus.waiting.value, TaskStatus.inprogress.value),
            ).fetchall()
        return [_row_to_item(r) for r in rows]

    def uploads_without_faces(self) -> list[Item]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM items WHERE kind='upload' AND faces IS NULL ORDER BY created_at"
            ).fetchall()
        return [_row_to_item(r) for r in rows]

    def status_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM items WHERE kind='variant' GROUP BY status")
            return {status: n for status, n in rows}

    # -- pixels ------------------------------------------------------------------
    def path_for(self, team: str, item_id: str) -> Path:
        """File of a document; ids are validated (``[A-Za-z0-9_-]``) before they get here."""
        return self.files / team / item_id

    def write_bytes(self, team: str, item_id: str, data: bytes) -> None:
        write_atomic(self.path_for(team, item_id), data)

    def read_bytes(self, team: str, item_id: str) -> bytes:
        return self.path_for(team, item_id).read_bytes()
