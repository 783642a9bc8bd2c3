"""A child process that finds faces and measures them with dlib, so the kernel's event loop never waits on it.

dlib's landmark fit and descriptor hold the GIL for their whole run (about 80 ms a face); in a thread of
the kernel they would stall its event loop for as long. The child (:mod:`gp_widgets.analysis.worker`) is
a plain ``python -m`` process (no multiprocessing: nothing re-imports the user's ``__main__``) that loads
the models once and answers one request at a time over its pipes; it exits when its parent closes them
or dies.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import subprocess
import sys
import threading
from typing import Any

import numpy as np

__all__ = ["PROCESSES", "FaceWorker", "WorkerGone", "worker"]

Box = tuple[float, float, float, float]


class WorkerGone(RuntimeError):
    """The face worker could not start or died; the caller measures in its own thread instead."""


PROCESSES = min(2, os.cpu_count() or 1)
"""Face worker processes: two measure two variants at once where there are two cores."""


class _Child:
    """One child process, used by one thread at a time."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def ensure(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            try:
                env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # what we import
                self.proc = subprocess.Popen([sys.executable, "-m", "gp_widgets.analysis.worker"],
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            except OSError as exc:
                raise WorkerGone(f"cannot start the face worker: {exc}") from exc
        return self.proc

    def call(self, image: np.ndarray, box: Box) -> Any:
        proc = self.ensure()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            pickle.dump((np.asarray(image), tuple(box)), proc.stdin, protocol=5)
            proc.stdin.flush()
            ok, value = pickle.load(proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            self.proc = None
            proc.kill()
            raise WorkerGone(f"the face worker died: {exc!r}") from exc
        if not ok:
            raise value
        return value

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


class FaceWorker:
    """:data:`PROCESSES` children, started on first use; :meth:`features` is safe from any thread (a call
    waits for a free child)."""

    def __init__(self, processes: int = PROCESSES) -> None:
        self._children = [_Child() for _ in range(processes)]
        self._idle: queue.SimpleQueue[_Child] = queue.SimpleQueue()
        for child in self._children:
            self._idle.put(child)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the children now (they load their models while the caller goes on)."""
        with self._lock:
            for child in self._children:
                child.ensure()

    def features(self, image: np.ndarray, box: Box) -> Any:
        """:func:`gp_widgets.analysis.metrics.face_features` of ``image`` at ``box``, computed in a child;
        its exceptions (such as ``AnalysisUnavailable``) are raised here."""
        child = self._idle.get()
        try:
            return child.call(image, box)
        finally:
            self._idle.put(child)

    def close(self) -> None:
        with self._lock:
            for child in self._children:
                child.close()


worker = FaceWorker()
"""The process's face workers."""
atexit.register(worker.close)
