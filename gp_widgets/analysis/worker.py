"""The face worker's child process: ``python -m gp_widgets.analysis.worker``.

Reads pickled ``(image, box)`` requests on stdin and writes ``(True, Features)`` or ``(False, exception)``
on stdout, one at a time, until stdin closes (see :mod:`gp_widgets.measure.faceworker`, its parent side).
"""

from __future__ import annotations

import pickle
import signal
import sys
from typing import Any

from ..background import BACKGROUND_NICE, lower_priority
from .metrics import face_features
from .models import AnalysisUnavailable, using


def main() -> None:
    """The child's loop: requests ``(image, box)`` in, ``(True, Features)`` or ``(False, exception)`` out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a kernel interrupt is for the kernel; stdin closing ends us
    lower_priority(BACKGROUND_NICE)  # measuring yields to the kernel's event loop
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies on the pipe
    try:
        for name in ("hog", "landmarks68", "encoder"):
            with using(name):
                pass
    except AnalysisUnavailable:
        pass  # each request will say so
    while True:
        try:
            image, box = pickle.load(requests)
        except EOFError:
            return
        try:
            reply: tuple[bool, Any] = (True, face_features(image, box))
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the parent
            reply = (False, exc)
        pickle.dump(reply, replies, protocol=5)
        replies.flush()


if __name__ == "__main__":
    main()
