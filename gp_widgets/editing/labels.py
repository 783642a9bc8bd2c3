"""Pure text the editor shows: move labels, the backend's name, status lines for tasks and errors."""

from __future__ import annotations

from ..api import Move
from ..api.errors import hint

__all__ = ["MINUS", "STATUS_WORDS", "backend_name", "error_line", "faces_line", "move_options", "request_label",
           "signed", "task_line"]

MINUS = "\u2212"
"""The minus sign the param slider shows (−), used by every label of a param."""

STATUS_WORDS = {"waiting": "waiting", "inprogress": "in progress", "complete": "complete", "failed": "failed"}
"""The API's task statuses as the status line says them."""


def signed(param: float, spec: str = "+.2f") -> str:
    """``param`` formatted with ``spec`` and the slider's minus sign: ``+0.80``, ``−1.50``."""
    return format(param, spec).replace("-", MINUS)


def move_options(backend: str) -> list[tuple[str, str]]:
    """Dropdown options ``(label, move)`` for every move; on the local engine the moves it can do come
    first and the others are marked "(service only)"."""
    if backend != "local":
        return [(m.value, m.value) for m in Move]
    moves = sorted(Move, key=lambda m: not m.local)  # stable: each group keeps the API's order
    return [(m.value if m.local else f"{m.value} (service only)", m.value) for m in moves]


def backend_name(backend: str) -> str:
    return "local engine" if backend == "local" else "service"


def request_label(move: str, param: float, face: int) -> str:
    """``smile +0.80 · face 1``, ``age −1.50 · face 2`` (faces are numbered from 1 on screen, everywhere)."""
    return f"{move} {signed(param)} · face {face + 1}"


def task_line(what: str, status: str, seconds: float) -> str:
    """``smile +0.80 · face 1: in progress · 0.4 s`` (the API's status in words)."""
    return f"{what}: {STATUS_WORDS.get(status, status)} · {seconds:.1f} s"


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
