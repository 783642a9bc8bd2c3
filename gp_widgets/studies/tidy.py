"""A study as a tidy table (one row per photo × face × move × param, a column per metric) and its manifest.

The manifest travels with the table: inside a Parquet file's schema metadata (one file, written atomically),
beside a CSV as ``<name>.manifest.json`` holding the CSV's SHA-256 (a table and a manifest from two different
saves are refused, not mixed). It names the package version, the backend and its host (never the key),
the date, the spec, each metric's definition and every cell's variant id, which is all
:meth:`gp_widgets.Study.load` needs to rebuild figures from the disk cache without the network.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..files import write_atomic

if TYPE_CHECKING:
    import pandas

__all__ = ["COLUMNS", "FORMAT", "StudyFileError", "load_table", "manifest_path", "metric_definition",
           "new_manifest", "pandas_or_error", "save_table", "to_dataframe", "url_host"]

FORMAT = "gp_widgets.study/1"
COLUMNS = ("photo", "face", "move", "param", "status", "error_code", "variant_id", "seconds", "retried")
_TEXT = frozenset({"move", "status", "error_code", "variant_id"})
_KEY = b"gp_widgets.study"


class StudyFileError(ValueError):
    """A saved study that cannot be read back: not a study, a different format, or a torn save."""


def pandas_or_error() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError("study tables need pandas: pip install 'gp_widgets[study]'") from None
    return pandas


def to_dataframe(rows: Iterable[Mapping[str, Any]], metrics: Sequence[str]) -> pandas.DataFrame:
    """Tidy rows as a DataFrame with :data:`COLUMNS`, then one float column per metric (NaN when missing)."""
    pandas = pandas_or_error()
    records = [{**{c: _text(row.get(c)) if c in _TEXT else row.get(c) for c in COLUMNS},
                **{m: _number(row.get(m)) for m in metrics}} for row in rows]
    frame = pandas.DataFrame.from_records(records, columns=[*COLUMNS, *metrics])
    for record in records:  # a table saved before the column existed: nothing was retried
        record["retried"] = bool(record["retried"] or False)
    types = {"photo": "int64", "face": "int64", "param": "float64", "seconds": "float64", "retried": "bool",
             **{m: "float64" for m in metrics}}
    return frame.astype(types)


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _text(value: Any) -> str | None:
    """A text cell, with a missing value as None whichever way it was stored (None, NaN, empty)."""
    if value is None or value == "" or isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


def metric_definition(metric: Any) -> dict[str, Any]:
    """What a manifest says about a metric: name, unit, direction, role, the moves it is the target of and
    a one-line definition (its ``doc``, else its class's docstring)."""
    doc = getattr(metric, "doc", None) or (type(metric).__doc__ or "").strip().split("\n")[0]
    return {"name": metric.name, "unit": getattr(metric, "unit", ""),
            "higher_is_better": bool(getattr(metric, "higher_is_better", False)),
            "role": getattr(metric, "role", ""), "moves": list(getattr(metric, "moves", ()) or ()),
            "definition": doc}


def url_host(base_url: str | None) -> str | None:
    """The host (and port) of a base URL: what a manifest records of the backend (no path, no credentials)."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    return parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"


def new_manifest(*, spec: Mapping[str, Any], metrics: Sequence[Mapping[str, Any]], backend: str | None,
                 host: str | None, photos: Sequence[Mapping[str, Any]], cache_dir: str | None = None
                 ) -> dict[str, Any]:
    """A manifest for a study's table: ``metrics`` as :func:`metric_definition` gives them, ``photos``
    describing the inputs (sha256, doc id, face boxes, name)."""
    from .._version import __version__

    return {
        "format": FORMAT,
        "version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "backend": backend,
        "host": host,
        "spec": dict(spec),
        "metrics": [dict(m) for m in metrics],
        "photos": [dict(p) for p in photos],
        "cache_dir": cache_dir,
    }


def manifest_path(path: str | os.PathLike[str]) -> Path:
    """Where a CSV table's manifest lives: ``<name>.manifest.json`` beside it."""
    path = Path(path)
    return path.with_name(path.name + ".manifest.json")


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"save a study as .parquet or .csv, not {path.name!r}")


def save_table(frame: pandas.DataFrame, manifest: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` with ``manifest`` (plus each cell's variant id) to ``path`` (.parquet or .csv)."""
    path = Path(path)
    kind = _format(path)
    manifest = {**manifest, "cells": _cells(frame)}
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _KEY: json.dumps(manifest)})
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        write_atomic(path, buffer.getvalue(), private=False)
        return path
    data = frame.to_csv(index=False).encode()
    write_atomic(path, data, private=False)
    sidecar = {**manifest, "table_sha256": hashlib.sha256(data).hexdigest()}
    write_atomic(manifest_path(path), json.dumps(sidecar, indent=1).encode(), private=False)
    return path


def _cells(frame: pandas.DataFrame) -> list[list[Any]]:
    keys = frame[["photo", "face", "move", "param", "variant_id"]]
    return [[int(p), int(f), str(m), float(v), i] for p, f, m, v, i in keys.itertuples(index=False)]


def load_table(path: str | os.PathLike[str]) -> tuple[pandas.DataFrame, dict[str, Any]]:
    """A saved study's table and manifest; :class:`StudyFileError` when they cannot be trusted."""
    path = Path(path)
    kind = _format(path)
    pandas = pandas_or_error()
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            raise StudyFileError(f"{path.name} is not a readable Parquet file: {exc}") from exc
        raw = (table.schema.metadata or {}).get(_KEY)
        if raw is None:
            raise StudyFileError(f"{path.name} has no gp_widgets study manifest")
        manifest = json.loads(raw)
        frame = table.to_pandas()
    else:
        data = path.read_bytes()
        try:
            manifest = json.loads(manifest_path(path).read_text())
        except FileNotFoundError:
            raise StudyFileError(f"{path.name} has no manifest beside it ({manifest_path(path).name})") from None
        except ValueError as exc:
            raise StudyFileError(f"{manifest_path(path).name} is not valid JSON: {exc}") from exc
        if manifest.get("table_sha256") != hashlib.sha256(data).hexdigest():
            raise StudyFileError(f"{path.name} does not match its manifest (saved by another run, or cut short)")
        frame = pandas.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])
    if manifest.get("format") != FORMAT:
        raise StudyFileError(f"{path.name}: not a study of format {FORMAT!r} (found {manifest.get('format')!r})")
    metrics = [c for c in frame.columns if c not in COLUMNS]
    return to_dataframe(frame.to_dict("records"), metrics), manifest
