"""Tests and code name no folder of one machine: what a test writes goes under ``tmp_path`` or the
project's cache folder, so a fresh machine (fresh ``HOME``, empty ``/tmp``) passes as this one does."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# A string literal that starts with a folder of one machine: /tmp/..., /root/..., /home/..., /work/...
MACHINE_PATH = re.compile(r"""["'](?:/tmp|/root|/home|/work|/Users)/""")
SCANNED = ("gp_widgets", "tests", "benchmarks")


def _python_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files", *SCANNED], cwd=REPO_ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    return [REPO_ROOT / n for n in names if n.endswith(".py") and (REPO_ROOT / n).is_file()]


def test_no_code_or_test_names_a_folder_of_one_machine() -> None:
    hits = []
    for path in _python_files():
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if MACHINE_PATH.search(line) and not line.lstrip().startswith("#"):
                hits.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert not hits, "absolute paths of one machine (use tmp_path or the cache dir):\n" + "\n".join(hits)


def test_the_rule_catches_what_it_is_for() -> None:
    old_line = 'fig.savefig("{}/cmp/x.png")'.format("/tmp")  # the line that failed on a fresh machine
    assert MACHINE_PATH.search(old_line)
    assert not MACHINE_PATH.search('fig.savefig(tmp_path / "x.png")')
