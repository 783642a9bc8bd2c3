"""Forks: the Binder badge in the README is the one place that names the repository, and binder/
works from wherever it is cloned, so pointing the badge at a fork is all a fork has to change.
The package's ``[project.urls]`` name the canonical repository on purpose: they are what an index shows
for the published package, and a fork that publishes does so under its own name and URLs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import tomllib

REPO_ROOT = Path(__file__).resolve().parent.parent
BADGE = re.compile(r"https://mybinder\.org/v2/gh/(?P<path>[^/\s]+/[^/\s]+)/(?P<ref>[^?\s)]+)")


def _tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    files = []
    for name in names.splitlines():
        path = REPO_ROOT / name
        if path.is_file() and path.suffix not in {".png", ".jpg", ".gif", ".ipynb"}:
            files.append(path)
    return files


def _text_without_package_urls(path: Path) -> str:
    text = path.read_text(errors="ignore")
    if path.relative_to(REPO_ROOT) == Path("pyproject.toml"):
        for url in tomllib.loads(text)["project"]["urls"].values():
            text = text.replace(url, "")
    return text


def test_the_badge_is_the_only_place_naming_the_repository():
    readme = (REPO_ROOT / "README.md").read_text()
    badges = BADGE.findall(readme)
    assert len(badges) == 1, badges
    repo_path = badges[0][0]
    assert "point the badge at your fork" in readme.lower()
    elsewhere = [str(p.relative_to(REPO_ROOT)) for p in _tracked_text_files()
                 if p.name != "README.md" and repo_path.lower() in _text_without_package_urls(p).lower()]
    assert not elsewhere, f"{repo_path} is hard-coded in {elsewhere}"
    assert readme.count(repo_path) == 1


def test_binder_files_use_paths_relative_to_the_clone():
    for path in (REPO_ROOT / "binder").iterdir():
        text = path.read_text()
        assert "github.com" not in text and "mybinder" not in text, path.name
