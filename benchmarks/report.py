"""The table, ``results/latest.json``, and the README section (the documentation's page reads the JSON)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
    }
    try:
        info["load_average_at_start"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    return info


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def fmt_value(entry: dict[str, Any]) -> str:
    value, unit = entry["value"], entry.get("unit", "")
    if unit == "bytes":
        return f"{value / 1000:,.1f} KB" if value < 1e6 else f"{value / 1e6:,.2f} MB"
    if float(value).is_integer() and abs(value) >= 10:
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return f"{text} {unit}".strip()


def fmt_target(entry: dict[str, Any]) -> str:
    target = entry.get("target")
    if target is None:
        return "—"
    shown = fmt_value({"value": target, "unit": entry.get("unit", "")})
    return f"{entry['op']} {shown}"


def fmt_met(entry: dict[str, Any]) -> str:
    met = entry.get("met")
    return "—" if met is None else ("yes" if met else "**no**")


def rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(key, fmt_value(e), fmt_target(e), fmt_met(e)) for key, e in results.items()]


def text_table(results: dict[str, dict[str, Any]]) -> str:
    header = ("key", "value", "target", "met")
    body = [(k, v, t, m.replace("**", "")) for k, v, t, m in rows(results)]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(4)]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, body)])


def markdown_table(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    lines = [
        f"Measured {doc['date'][:10]} with `make bench` on {m['cpu_count']} CPUs, {m['platform']}, "
        f"Python {m['python']} (full results: `benchmarks/results/latest.json`; "
        "method: the docstring of each module in `benchmarks/`).",
        "",
        "| key | value | target | met |",
        "|---|---:|---:|:---:|",
    ]
    lines += [f"| `{k}` | {v} | {t} | {ok} |" for k, v, t, ok in rows(doc["results"])]
    return "\n".join(lines)


def write_json(doc: dict[str, Any], path: Path = RESULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")
    return path


def update_readme(table: str, path: Path = README) -> None:
    """Replace what is between the markers; add a "## Benchmarks" section with them at the end if absent."""
    text = path.read_text() if path.exists() else ""
    block = f"{START}\n{table}\n{END}"
    if START in text and END in text and text.index(START) < text.index(END):
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + "## Benchmarks\n\n" + block + "\n"
    path.write_text(text)
