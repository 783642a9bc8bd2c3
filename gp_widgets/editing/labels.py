"""Pure text the editor shows: move labels, the backend's name, status lines for tasks and errors."""

from __future__ import annotations

from ..api import Move
from ..api.errors import hint

__all__ = ["move_options", "backend_name", "request_label", "task_line", "error_line", "faces_line"]

def move_options(backend: str) -> list[tuple[str, str]]:
    """Dropdown options ``(label, move)`` for every move; moves the local engine cannot do are marked."""
    return [
        (m.value if backend != "local" or m.local else f"{m.value} (service only)", m.value) for m in Move
    ]


def backend_name(backend: str) -> str:
    return "local engine" if backend == "local" else "service"


def request_label(move: str, param: float, face: int) -> str:
    """``smile +0.80 · face 1`` (faces are numbered from 1 on screen)."""
    return f"{move} {param:+.2f} · face {face + 1}"


def task_line(what: str, status: str, seconds: float) -> str:
    return f"{what}: {status} · {seconds:.1f} s"


def faces_line(count: int | None, seconds: float) -> str:
    """Detection state: still running, none found, or how many to pick from."""
    if count is None:
        return f"detecting faces… · {seconds:.1f} s"
    if count == 0:
        return "no face found in this photo — upload another one"
    return f"{count} face{'s' if count > 1 else ''} found — click one to select it"


def error_line(exc: BaseException) -> str:
    """``failed: <code> — <hint>`` for API errors with a code, else ``failed: <message>``."""
    code = getattr(exc, "code", None)
    if code:
        return f"failed: {code} — {hint(code) or exc}"
    return f"failed: {exc or type(exc).__name__}"
