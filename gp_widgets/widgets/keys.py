"""The editor's keyboard: which key does what (pure; the canvases deliver keys only while focused)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KEYS_HELP", "PARAM_KEY_STEP", "KeyAction", "key_action"]

PARAM_KEY_STEP = 0.1
"""How far ←/→ move the param (shift: five times as far)."""

KEYS_HELP = (
    "Keys (click the photo first): ←/→ param ∓/± 0.1 (shift: 0.5) · Enter generate · "
    "1–9 pick a face · c before/after · d difference · z zoom to the face"
)


@dataclass(frozen=True)
class KeyAction:
    """``kind`` is one of ``step``, ``generate``, ``face``, ``compare``, ``diff``, ``zoom``; ``value`` its argument."""

    kind: str
    value: float = 0.0


_SIMPLE = {"Enter": "generate", "c": "compare", "d": "diff", "z": "zoom"}


def key_action(key: str, shift: bool = False, ctrl: bool = False, meta: bool = False) -> KeyAction | None:
    """The action for a key press, or None (keys with Ctrl/Meta are left alone)."""
    if ctrl or meta:
        return None
    if key in ("ArrowLeft", "ArrowRight"):
        step = PARAM_KEY_STEP * (5 if shift else 1)
        return KeyAction("step", step if key == "ArrowRight" else -step)
    if len(key) == 1 and "1" <= key <= "9":
        return KeyAction("face", int(key) - 1)
    kind = _SIMPLE.get(key if len(key) > 1 else key.lower())
    return KeyAction(kind) if kind else None
