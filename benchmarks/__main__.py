"""``python -m benchmarks [--smoke] [--only NAME ...] [--no-write] [--json PATH]``."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import ALL_KEYS, MODULE_NAMES, report


def run_isolated(name: str, size: str) -> dict[str, Any]:
    """``benchmarks.<name>.run(size)`` in a fresh interpreter; its stderr passes through."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(report.ROOT), env.get("PYTHONPATH")) if p)
    env.pop("GP_API_KEY", None)  # always the local engine
    proc = subprocess.run([sys.executable, "-m", "benchmarks._one", name, size], cwd=report.ROOT, env=env,
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmarks.{name} exited with code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds; writes nothing")
    parser.add_argument("--only", nargs="+", choices=MODULE_NAMES, metavar="NAME",
                        help=f"run only these modules ({', '.join(MODULE_NAMES)}); writes nothing")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--json", metavar="PATH", help="also write the full results (details included) to PATH")
    args = parser.parse_args(argv)
    size = "smoke" if args.smoke else "full"
    write = not (args.smoke or args.only or args.no_write)

    doc: dict[str, Any] = {"date": report.now(), "size": size, "machine": report.machine(), "results": {},
                           "seconds": {}, "errors": {}}
    started = time.perf_counter()
    for name in MODULE_NAMES:
        if args.only and name not in args.only:
            continue
        print(f"[bench] {name} …", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            doc["results"].update(run_isolated(name, size))
        except Exception as exc:  # one broken benchmark must not hide the others
            print(f"[bench] {name} failed: {exc}", file=sys.stderr, flush=True)
            doc["errors"][name] = f"{type(exc).__name__}: {exc}"
        doc["seconds"][name] = round(time.perf_counter() - t0, 1)
        print(f"[bench] {name} done in {doc['seconds'][name]} s", file=sys.stderr, flush=True)
    doc["total_seconds"] = round(time.perf_counter() - started, 1)
    order = {k: i for i, k in enumerate(ALL_KEYS)}  # the order, whatever order modules ran in
    doc["results"] = dict(sorted(doc["results"].items(), key=lambda kv: order.get(kv[0], len(order))))
    if not doc["errors"]:
        del doc["errors"]

    print(report.text_table(doc["results"]))
    print(f"\n{size} run: {doc['total_seconds']} s", file=sys.stderr)
    if args.json:
        report.write_json(doc, Path(args.json))
    if write:
        path = report.write_json(doc)
        report.update_readme(report.markdown_table(doc))
        print(f"wrote {path.relative_to(report.ROOT)} and the table in README.md", file=sys.stderr)
    return 1 if doc.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
