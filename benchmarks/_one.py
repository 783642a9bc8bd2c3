"""Run one benchmark module in this (fresh) process and print its results as JSON on the last line.

``python -m benchmarks`` runs every module this way, so one module's memory, imports and
threads never colour another's figures (RSS growth above all).
"""

from __future__ import annotations

import importlib
import json
import sys


def main() -> None:
    name, size = sys.argv[1], sys.argv[2]
    results = importlib.import_module(f"benchmarks.{name}").run(size)
    sys.stdout.write("\n" + json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
