"""The engine as a separate process: `gp-widgets serve`, start_engine, restart, faults, parent death."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from matplotlib import cbook

from gp_widgets.background import BACKGROUND_NICE
from gp_widgets.local.process import EngineStartError, start_engine


def serve_command(*args: str) -> list[str]:
    """The `gp-widgets` console script when installed, else the same entry point through python."""
    script = shutil.which("gp-widgets", path=str(Path(sys.executable).parent))
    base = [script] if script else [sys.executable, "-m", "gp_widgets.cli"]
    return [*base, "serve", *args]


@pytest.fixture
def served(tmp_path):
    """`gp-widgets serve --port 0` in a subprocess; yields (base_url, api_key)."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(serve_command("--port", "0", "--data-dir", str(tmp_path / "d")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    base_url = proc.stdout.readline().split(": ", 1)[1].strip()
    api_key = proc.stdout.readline().split(": ", 1)[1].strip()
    yield base_url, api_key, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0


def test_served_at_normal_priority_and_embedded_below_it(served, tmp_path):
    """A standalone `serve` keeps the priority it was given; the engine `gp.connect()` starts yields the CPU."""
    _, _, proc = served
    assert os.getpriority(os.PRIO_PROCESS, proc.pid) == os.getpriority(os.PRIO_PROCESS, 0)
    engine = start_engine(data_dir=tmp_path / "embedded")
    try:
        assert os.getpriority(os.PRIO_PROCESS, engine.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0)
                                                                        + BACKGROUND_NICE)
    finally:
        engine.stop()


def test_typical_usage_with_requests(served):
    """The documentation's "Typical Usage", with its Python samples as written (plus the file)."""
    base, api_key, proc = served
    headers = {"Accept": "*/*", "authorization": api_key}
    with open(cbook.get_sample_data("grace_hopper.jpg").name, "rb") as fh:
        r = requests.post(f"{base}/teams/me/gallery", params={}, headers=headers,
                          files={"object": ("photo.jpg", fh)})
    assert r.status_code == 200
    documentid = r.json()["id"]
    assert r.json()["data"]["task"]["status"] == "complete"
    deadline = time.monotonic() + 30
    while True:
        r = requests.get(f"{base}/teams/me/gallery/{documentid}", params={}, headers=headers)
        if r.json()["data"].get("faces"):
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    headers_put = {"Content-Type": "application/json", "Accept": "*/*", "authorization": api_key}
    r = requests.put(f"{base}/teams/me/gallery/{documentid}/faces/default", params={}, headers=headers_put,
                     json={"move": "smile", "param": -0.6})
    variant = r.json()["id"]
    while True:
        r = requests.get(f"{base}/teams/me/gallery/{variant}", params={}, headers=headers)
        if r.json()["data"]["task"]["status"] in ("complete", "failed"):
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert r.json()["data"]["task"]["status"] == "complete"
    r = requests.get(f"{base}/teams/me/gallery/{variant}/pixels/original/bytes", params={}, headers=headers)
    assert r.headers["content-type"] == "image/png" and r.content.startswith(b"\x89PNG")
    r = requests.put(f"{base}/teams/me/gallery/{documentid}/faces/default", headers=headers_put,
                     json={"move": "FemaleAsian"})
    assert r.status_code == 200


def test_serve_keeps_its_generated_key_and_stops_on_sigterm(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    keys = []
    for _ in range(2):
        proc = subprocess.Popen(serve_command("--port", "0", "--data-dir", str(tmp_path)),
                                stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout.readline().startswith("base_url: http://127.0.0.1:")
        keys.append(proc.stdout.readline().split(": ", 1)[1].strip())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a clean shutdown
    assert keys[0] == keys[1] and len(keys[0]) > 20


def test_bad_fault_spec_is_a_clear_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    for spec in ("http_404=0.1", "http_500=2"):  # the parser's other cases are in test_logic
        r = subprocess.run(serve_command("--port", "0", "--data-dir", str(tmp_path), "--faults", spec),
                           capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 2 and "gp-widgets serve:" in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(EngineStartError, match="unknown fault"):
        start_engine(data_dir=tmp_path, faults="nope=1")


def test_unknown_detector_is_a_clear_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    r = subprocess.run(serve_command("--port", "0", "--data-dir", str(tmp_path), "--detector", "lbp"),
                       check=False, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and "--detector" in r.stderr and "Traceback" not in r.stderr


def _wait(base, key, item_id, pred, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = requests.get(f"{base}/teams/me/gallery/{item_id}", headers={"Authorization": key}, timeout=5)
        if r.status_code == 200 and pred(r.json()["data"]):
            return r.json()
        time.sleep(0.05)
    raise AssertionError(f"timed out on {item_id}")


@pytest.mark.slow
def test_restart_keeps_everything_and_resumes_unfinished_tasks(tmp_path, portrait_small):
    data_dir = tmp_path / "persist"
    with start_engine(data_dir=data_dir, latency=30.0, workers=1, api_key="k") as eng:
        H = {"Authorization": "k"}
        doc = requests.post(f"{eng.base_url}/teams/me/gallery", headers=H,
                            files={"object": ("p.jpg", portrait_small)}).json()["id"]
        _wait(eng.base_url, "k", doc, lambda d: "faces" in d)
        first = requests.put(f"{eng.base_url}/teams/me/gallery/{doc}/faces/0", headers=H, json={"move": "smile"}).json()
        second = requests.put(f"{eng.base_url}/teams/me/gallery/{doc}/faces/0", headers=H, json={"move": "age"}).json()
        _wait(eng.base_url, "k", first["id"], lambda d: d["task"]["status"] == "inprogress")
        eng.kill()  # a crash mid-task: no clean shutdown
    with start_engine(data_dir=data_dir, latency=0.0, workers=2, api_key="k") as eng:
        item = _wait(eng.base_url, "k", doc, lambda d: True)
        assert len(item["data"]["faces"]) == 1
        for var in (first, second):
            done = _wait(eng.base_url, "k", var["id"], lambda d: d["task"]["status"] == "complete")
            assert done["data"]["move"] == var["data"]["move"]
        again = requests.put(f"{eng.base_url}/teams/me/gallery/{doc}/faces/default", headers=H,
                             json={"move": "smile", "param": 1})
        assert again.json()["id"] == first["id"] and again.json()["data"]["task"]["status"] == "complete"
        assert not list((data_dir / "files").glob("*/.tmp-*"))


def _fault_outcomes(base: str, key: str, path: str, n: int) -> list[str]:
    outcomes = []
    for _ in range(n):
        try:
            r = requests.get(base + path, headers={"Authorization": key}, timeout=5)
            outcomes.append(f"{r.status_code}:{r.headers.get('Retry-After')}")
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            outcomes.append("dropped")
    return outcomes


@pytest.mark.slow
def test_faults_are_reproducible_for_a_seed(tmp_path):
    spec = "http_500=0.15,http_503=0.1,http_429=0.15,drop=0.1"
    runs = []
    for run, seed in enumerate((7, 7, 8)):
        with start_engine(data_dir=tmp_path / str(run), faults=spec, seed=seed, api_key="k") as eng:
            a = _fault_outcomes(eng.base_url, "k", "/teams/me/gallery/abc", 40)
            b = _fault_outcomes(eng.base_url, "k", "/teams/me/gallery/xyz", 20)
            assert requests.get(f"{eng.base_url}/openapi.json").status_code == 200  # never faulted
            runs.append((a, b))
    assert runs[0] == runs[1] and runs[0] != runs[2]
    outcomes = set(runs[0][0] + runs[0][1])
    assert {"404:None", "500:None", "503:None", "429:1", "dropped"} <= outcomes


def test_task_fail_fault(make_engine, portrait_small):
    eng = make_engine(faults="task_fail=1.0")
    doc = eng.wait_faces(eng.upload(portrait_small, "p.jpg")["id"])["id"]
    done = eng.wait(eng.edit(doc, "smile").json()["id"])
    assert done["data"]["task"] == {"status": "failed", "error": {"code": "generation_failed"}}


def test_task_timeout(make_engine, portrait_small):
    eng = make_engine(task_timeout=0.001)
    doc = eng.wait_faces(eng.upload(portrait_small, "p.jpg")["id"])["id"]
    done = eng.wait(eng.edit(doc, "age").json()["id"])
    assert done["data"]["task"] == {"status": "failed", "error": {"code": "timeout"}}


def test_engine_exits_when_its_parent_dies(tmp_path):
    code = ("import sys, time; from gp_widgets.local.process import start_engine; "
            f"e = start_engine(data_dir={str(tmp_path)!r}); print(e.pid, e.base_url, flush=True); time.sleep(60)")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    pid, base_url = parent.stdout.readline().split()
    assert requests.get(f"{base_url}/openapi.json").status_code == 200
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(int(pid), signal.SIGKILL)
    raise AssertionError("the engine outlived its parent")


def _identity(base_url: str) -> str:
    return requests.get(f"{base_url}/_engine/id").json()["id"]


@pytest.mark.slow
def test_default_engines_at_once_each_own_a_data_dir_and_keep_their_identity(tmp_path, monkeypatch,
                                                                             portrait_small):
    """Two processes' embedded engines at once: each locks its own data dir (``engine``, ``engine-2``) with its
    own id and key, and both serve; started again, an engine finds its dir, id and key again, whatever its port.
    Every answer names the engine, errors too."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first, second = start_engine(), start_engine()
    try:
        assert first.engine_id and second.engine_id and first.engine_id != second.engine_id
        assert first.api_key != second.api_key
        for engine in (first, second):
            assert _identity(engine.base_url) == engine.engine_id
            posted = requests.post(f"{engine.base_url}/teams/me/gallery", files={"object": ("p.jpg", portrait_small)},
                                   headers={"Authorization": engine.api_key})
            assert posted.status_code == 200 and posted.headers["GP-Engine-Id"] == engine.engine_id
            refused = requests.get(f"{engine.base_url}/teams/me/gallery/nope")
            assert refused.status_code == 401 and refused.headers["GP-Engine-Id"] == engine.engine_id
        locks = sorted(p.parent.name for p in (tmp_path / "cache" / "gp_widgets").glob("*/engine.lock"))
        assert locks == ["engine", "engine-2"]
        identity, key = first.engine_id, first.api_key
    finally:
        first.stop()
        second.stop()
    again = start_engine()
    try:
        assert (again.engine_id, again.api_key) == (identity, key) and _identity(again.base_url) == identity
    finally:
        again.stop()


def test_a_killed_process_engine_is_waited_for_not_replaced(tmp_path):
    """A run killed and started again at once gets its engine's data dir back (the orphaned engine exits
    within a second), not a sibling with another identity."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]), XDG_CACHE_HOME=str(tmp_path))
    code = ("import time; from gp_widgets.local.process import start_engine; "
            "e = start_engine(); print(e.engine_id, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    identity = parent.stdout.readline().strip()
    parent.kill()
    parent.wait()
    rerun = subprocess.run([sys.executable, "-c", code.replace("time.sleep(60)", "")], capture_output=True,
                           text=True, env=env, timeout=60)
    assert rerun.stdout.strip() == identity, rerun.stderr[-2000:]
