"""CONTRIBUTING.md is a true map: every path and every name it cites in backticks exists.

A path (with a ``/`` or a file suffix) must exist in the repository (a bare file name somewhere in it), or be a
folder that runs make and ``.gitignore`` lists (``test-artifacts/`` exists only once tests ran); a dotted
name must resolve (``gp.`` is ``gp_widgets.``; the head is a module, or a name defined in a module of the package;
the rest attributes, fields or ``self.<name>`` of a class); a bare identifier must occur in the code or tests.
Commands, options and placeholders (anything with a space, ``-``, ``<`` or quotes) are not names.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import gp_widgets

REPO = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", ".venv", "node_modules", "test-artifacts", "_build", "__pycache__"}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


def cited() -> list[str]:
    """Every backticked token of CONTRIBUTING.md, call parentheses and a leading ``@`` dropped."""
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    return [re.sub(r"\(.*\)$", "", token).lstrip("@") for token in re.findall(r"`([^`\n]+)`", text)]


@cache
def made_by_runs() -> frozenset[str]:
    """What ``.gitignore`` lists: folders that runs make (``test-artifacts/``), absent from a fresh clone."""
    lines = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_path(token: str) -> bool:
    return " " not in token and ("/" in token or bool(re.fullmatch(r"[\w.-]+\.(py|js|css|json|md|toml|txt)", token)))


def is_name(token: str) -> bool:
    return not re.search(r"[\s<>\"'=\[\]*-]", token)


@cache
def repo_files() -> tuple[Path, ...]:
    return tuple(p for p in REPO.rglob("*") if p.is_file() and not SKIPPED_DIRS & set(p.relative_to(REPO).parts))


@cache
def code_words() -> frozenset[str]:
    words: set[str] = set()
    for path in repo_files():
        if path.suffix in (".py", ".js", ".css", ".toml", ".cfg") or path.name == "Makefile":
            words.update(IDENTIFIER.findall(path.read_text(encoding="utf-8", errors="replace")))
    return frozenset(words)


@cache
def package_names() -> dict[str, list[Any]]:
    """Every name defined in a module of the package, with the objects it names."""
    names: dict[str, list[Any]] = {}
    for info in pkgutil.walk_packages(gp_widgets.__path__, "gp_widgets."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            names.setdefault(name, []).append(value)
    return names


def has_member(owner: Any, name: str) -> bool:
    if hasattr(owner, name):
        return True
    if not inspect.isclass(owner):
        return False
    for cls in owner.__mro__:
        if dataclasses.is_dataclass(cls) and name in {f.name for f in dataclasses.fields(cls)}:
            return True
        if name in getattr(cls, "__annotations__", {}):
            return True
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):
            continue
        if re.search(rf"\bself\.{name}\b", source):
            return True
    return False


def resolves(token: str) -> bool:
    """Whether a dotted name is a module and attributes, or a name defined in the package and its members."""
    parts = ["gp_widgets", *token[3:].split(".")] if token.startswith("gp.") else token.split(".")
    for full in ([parts] if token.startswith("gp.") else [parts, ["gp_widgets", *parts]]):
        for cut in range(len(full), 0, -1):
            try:
                module = importlib.import_module(".".join(full[:cut]))
            except ImportError:
                continue
            if _walk(module, full[cut:]):
                return True
            break
    return any(_walk(owner, parts[1:]) for owner in package_names().get(parts[0], []))


def _walk(owner: Any, rest: list[str]) -> bool:
    for name in rest:
        if not has_member(owner, name):
            return False
        owner = getattr(owner, name, None)
    return True


def test_contributing_cites_many_things() -> None:
    """The checks below see the map's paths and names (a broken extraction would make them vacuous)."""
    tokens = cited()
    assert sum(map(is_path, tokens)) > 80 and sum(1 for t in tokens if is_name(t) and not is_path(t)) > 150


def test_every_path_it_cites_exists() -> None:
    missing = []
    for token in filter(is_path, cited()):
        if "/" in token:
            ok = (REPO / token).exists() or (REPO / "gp_widgets" / token).exists() or token in made_by_runs()
        else:
            ok = any(p.name == token for p in repo_files())
        if not ok:
            missing.append(token)
    assert not missing, f"CONTRIBUTING.md cites paths that do not exist: {sorted(set(missing))}"


def test_every_dotted_name_it_cites_resolves() -> None:
    broken = [t for t in cited() if is_name(t) and not is_path(t) and DOTTED.fullmatch(t) and not resolves(t)]
    assert not broken, f"CONTRIBUTING.md cites names that do not resolve: {sorted(set(broken))}"


def test_every_bare_name_it_cites_is_in_the_code() -> None:
    words = code_words()
    unknown = [t for t in cited() if IDENTIFIER.fullmatch(t) and t not in words]
    assert not unknown, f"CONTRIBUTING.md cites names found nowhere in the code: {sorted(set(unknown))}"


@pytest.mark.parametrize(("token", "expected"), [("gp_widgets/runs/ledger.py", True), ("runs/nowhere.py", False)])
def test_the_path_check_can_fail(token: str, expected: bool) -> None:
    assert ((REPO / token).exists() or (REPO / "gp_widgets" / token).exists()) is expected


@pytest.mark.parametrize(("token", "expected"), [
    ("gp.metrics.identity", True), ("RunHandle.changed", True), ("StudyView.figures_drawn", True),
    ("CellRecord.cell", True), ("concurrent.futures.Executor", True), ("gp.metrics.no_such_metric", False),
    ("RunHandle.no_such_method", False), ("NoSuchClass.anything", False),
])
def test_the_name_check_can_fail(token: str, expected: bool) -> None:
    assert resolves(token) is expected
