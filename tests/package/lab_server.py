"""Start a command that serves JupyterLab (such as `gp-widgets demo ... --no-browser`), wait for
it, read its REST API, stop it."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


class LabServer:
    def __init__(self, port: int, token: str) -> None:
        self.base, self.token = f"http://127.0.0.1:{port}", token

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(f"{self.base}/{path}?token={self.token}", timeout=10) as response:
            return json.load(response)

    def notebooks(self) -> list[str]:
        """Names of the notebooks at the root of what the server shows."""
        return sorted(c["name"] for c in self.get("api/contents")["content"] if c["type"] == "notebook")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(cmd: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 90) -> Iterator[LabServer]:
    """Run ``cmd`` plus the options that pin JupyterLab to a free loopback port with a token."""
    port, token = _free_port(), secrets.token_hex(8)
    full = [*cmd, "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}"]
    proc = subprocess.Popen(full, env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)  # its own process group: `gp-widgets demo` starts Lab as a child
    server = LabServer(port, token)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                server.get("api/status")
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout.read()}") from None
                if time.monotonic() > deadline:
                    raise AssertionError(f"JupyterLab did not answer in {timeout:.0f} s") from None
                time.sleep(0.5)
        yield server
    finally:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def _signal_group(proc: subprocess.Popen[str], sig: int) -> None:
    """Signal the command and every process it started (a child Lab left behind kept running after the test)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
