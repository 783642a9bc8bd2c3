"""Run the engine as a child process (what ``gp.connect()`` uses when there is no API key)."""

from __future__ import annotations

import atexit
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from ..background import BACKGROUND_NICE
from .config import format_move_strength, parse_move_strength

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_running: set[EngineProcess] = set()  # stopped at interpreter exit


class EngineStartError(RuntimeError):
    """The engine process exited or stayed silent before printing its URL."""


class EngineProcess:
    """A running engine child process; stop it with ``stop()`` or use it as a context manager."""

    def __init__(self, proc: subprocess.Popen[str], base_url: str, api_key: str, data_dir: str | None,
                 engine_id: str | None = None) -> None:
        self._proc = proc
        self.base_url, self.api_key, self.data_dir = base_url, api_key, data_dir
        self.engine_id = engine_id
        """The data dir's stable id: what clients key their caches of this engine by (not its port)."""
        self.pid = proc.pid

    def __repr__(self) -> str:
        return f"EngineProcess(pid={self.pid}, base_url={self.base_url!r}, running={self.running})"

    @property
    def running(self) -> bool:
        return self._proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Ask for a clean shutdown (SIGTERM); SIGKILL if it takes longer than ``timeout``."""
        if self.running:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        _running.discard(self)

    def kill(self) -> None:
        """SIGKILL: no clean shutdown (restart tests use this to simulate a crash)."""
        if self.running:
            self._proc.kill()
        self._proc.wait()
        _running.discard(self)

    def __enter__(self) -> EngineProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _read_lines(stream, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def start_engine(*, data_dir: str | os.PathLike[str] | None = None, latency: float = 0.0, workers: int = 2,
                 faults: str | None = None, seed: int = 0, api_key: str | None = None, port: int = 0,
                 detector: str = "hog", rate_limit: float | None = None,
                 fresh_variants: bool = False, move_strength: Mapping[str, float] | str | None = None,
                 startup_timeout: float = 60.0) -> EngineProcess:
    """Spawn ``python -m gp_widgets.local serve`` and wait for its base URL and key.

    ``move_strength`` (``{"smile": 1.3}`` or ``"smile=1.3"``) multiplies moves' edit strengths, modelling
    another version of the service (``serve --move-strength``); it is checked here, before anything starts.

    The child exits by itself when this process dies, and is stopped at interpreter exit. It runs at
    :data:`~gp_widgets.background.BACKGROUND_NICE` below this process's priority (it stands in for a remote
    service: its CPU work must not delay the kernel's event loop).
    """
    cmd = [sys.executable, "-m", "gp_widgets.local", "serve", "--port", str(port), "--latency", str(latency),
           "--workers", str(workers), "--seed", str(seed), "--detector", detector, "--nice", str(BACKGROUND_NICE),
           "--parent-pid", str(os.getpid())]
    if data_dir is not None:
        cmd += ["--data-dir", os.fspath(data_dir)]
    if faults:
        cmd += ["--faults", faults]
    if rate_limit is not None:
        cmd += ["--rate-limit", repr(float(rate_limit))]
    if fresh_variants:
        cmd += ["--fresh-variants"]
    strengths = parse_move_strength(move_strength)  # a bad spec raises ValueError here, not in the child
    if strengths:
        cmd += ["--move-strength", format_move_strength(strengths)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if api_key:
        env["GP_ENGINE_API_KEY"] = api_key  # not on the command line, where `ps` would show it
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    stderr = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True,
                            env=env, start_new_session=True)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
    found: dict[str, str] = {}
    deadline = time.monotonic() + startup_timeout
    while len(found) < 3:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            proc.kill()
            proc.wait()
            stderr.seek(0)
            tail = stderr.read()[-4000:]
            raise EngineStartError(f"local engine did not start (exit code {proc.returncode}):\n{tail}")
        key, _, value = line.partition(":")
        if key in ("base_url", "api_key", "engine_id"):
            found[key] = value.strip()
    engine = EngineProcess(proc, found["base_url"], found["api_key"], None if data_dir is None else os.fspath(data_dir),
                           found["engine_id"])
    _running.add(engine)
    return engine


@atexit.register
def _stop_all() -> None:
    for engine in list(_running):
        engine.stop(timeout=5.0)
