"""What a person feels in a real browser: JupyterLab in Chromium, driven by the Playwright harness.

One JupyterLab server, one page, one notebook whose cells run one at a time; the kernel starts
two engines (``--latency 0.5`` for the editor, no latency for the sweeps) and writes what it
measures to a JSON file. Clocks: the kernel's ``time.time()``, the engine's ``completed_at`` /
``created_at`` and the page's ``Date.now()`` are the same machine clock.

* ``editor_overhead_ms``: click on Generate (the page's own click event) → the variant painted on
  the result canvas (the first draw of a new picture on a canvas after the click), minus the
  engine's task time for that variant
  (``completed_at - created_at``); median of 10 generates with distinct params. Its details cut
  the overhead at each step (``steps_ms``, medians): page → kernel, kernel → engine, the poll's
  notice delay, download, preparing the pictures, sending the drawing, and its way to the paint.
* ``grid_build_ms_1000``: how long ``gp.sweep(...)`` of 3 moves × 334 params (1,002 cells) holds
  the calling cell, timed in the kernel around the call.
* ``grid_paint_s_231``: 11 moves × 21 params, every variant already in the disk cache (a first
  sweep filled it): from the moment the cell starts executing to every cell painted in the page
  (its thumbnail or failure tile decoded and its status final); ``grid_bytes_231``: the bytes of
  every websocket frame the page received in that time.
* ``editor_page_mb``: Chromium's memory (RSS of all its processes, after a forced garbage
  collection) after 50 generates in one editor minus before the first; the page's JS heap growth
  is in the details.
* ``editor_first_generate_extra_ms``: the first generate's overhead (as above) minus the median
  overhead of the later timed ones: what a person waits for on the first click only (models or
  pools loading late). Its details cut the first generate at each step, beside the later medians.

Scrub mode (part ``scrub``; its own engine: ``--latency 1.0 --workers 4 --fresh-variants``, so every PUT is
new work, and the ledger is cleared before each fill so nothing is reused):

* ``scrub_fill_ratio``: toggle → all 9 stops of the range ready in the kernel, against the engine's ideal
  for 9 tasks (``ceil(9 / workers) x latency``); median of 3 fills.
* ``explicit_during_fill_ratio``: an explicit ``editor.generate`` (kernel time, call → return) started just
  after a fill began, against the same with no fill; medians of 3 each.
* ``scrub_frame_ms``: in the page (first, with the kernel idle: scrub turned on by a click, its 9 stops
  filled), the pointer moves the held slider handle onto another ready stop → the first picture drawn on a
  canvas after that ``pointermove`` (the stop's variant painted); median of 8 moves.

The fill runs at the editor's ``SCRUB_CONCURRENCY`` (3): below the engine's 4 workers, so an explicit
request finds a free one.

Needs Chromium (``GP_CHROMIUM``, default ``/usr/bin/chromium``) and Playwright. Without them the
module says why and reports nothing -- or fails when ``GP_REQUIRE_BROWSER=1``, as the tests do.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ._common import check_size, metric, params_between

KEYS = ("editor_overhead_ms", "editor_first_generate_extra_ms", "grid_build_ms_1000", "grid_paint_s_231",
        "grid_bytes_231", "editor_page_mb", "scrub_frame_ms", "scrub_fill_ratio", "explicit_during_fill_ratio")

CONFIG = {
    "full": {"timed": 10, "generates": 50, "build": (("smile", "age", "gender"), 334), "paint": (None, 21),
             "scrub_moves": 8, "scrub_rounds": (0.15, 0.25, 0.45)},
    "smoke": {"timed": 2, "generates": 3, "build": (("smile",), 12), "paint": (("smile", "age"), 3),
              "scrub_moves": 3, "scrub_rounds": (0.15,)},
}
PARTS = ("grid", "editor", "scrub")
"""What the notebook runs; ``GP_BENCH_BROWSER=editor`` (or ``grid``, ``scrub``) runs one part and reports its
keys."""
HARNESS = Path(__file__).resolve().parent.parent / "tests" / "browser"
TIMEOUT = 180_000  # ms

SETUP = """\
import json, time
from pathlib import Path
import gp_widgets as gp
from gp_widgets.local.process import start_engine

OUT = Path({out!r})
def record(**values):
    data = json.loads(OUT.read_text()) if OUT.exists() else {{}}
    data.update(values)
    OUT.write_text(json.dumps(data))

slow = start_engine(data_dir={slow_dir!r}, latency=0.5, workers=2)
fast = start_engine(data_dir={fast_dir!r}, latency=0.0, workers=2)
slow_client = gp.Client(api_key=slow.api_key, base_url=slow.base_url)
fast_client = gp.Client(api_key=fast.api_key, base_url=fast.base_url)
photo = gp.samples.portrait()
record(ready=True)
"""
WARM = """\
doc = fast_client.wait_for_faces(fast_client.upload(photo))
PAINT = dict(moves={paint_moves}, params={paint_params}, client=fast_client, cache_dir={cache_dir!r})
warm = await gp.sweep(doc, **PAINT)  # fills the disk cache: the measured grid needs no service time
assert all(r["status"] in ("complete", "failed") for r in warm), warm"""
PAINT = """\
record(paint_started=time.time())
grid231 = gp.sweep(doc, **PAINT)
grid231"""
BUILD = """\
params = {params}
started = time.perf_counter()
grid1000 = gp.sweep(doc, moves={moves}, params=params, client=fast_client, cache_dir={cache_dir!r})
record(build_s=time.perf_counter() - started, build_cells=len(grid1000.spec.cells))
grid1000.cancel()  # only the call is measured; not displayed, so the page stays free for the editor"""
EDITOR = """\
import ipywidgets
editor = gp.FaceEditor(photo, client=slow_client)
steps = []  # the kernel's timings of each generate, taken when its status says complete
editor.status.observe(lambda _: "complete" in editor.status_text and steps.append(
    (editor.current.raw["data"]["param"], editor.timings)), "value")
echo = ipywidgets.Label()  # the param as the kernel has it: the page clicks once it is there
echo.add_class("gp-bench-echo")
editor.param.observe(lambda change: setattr(echo, "value", repr(change["new"])), "value")
display(editor)
echo"""
TASK_TIMES = """\
record(engine={round(v.raw["data"]["param"], 2): (v.raw["data"]["created_at"], v.raw["data"]["completed_at"])
               for v in editor.variants},
       steps=[(round(p, 2), t) for p, t in steps])"""

SCRUB_LATENCY, SCRUB_WORKERS = 1.0, 4
SCRUB = """\
import asyncio, math, statistics
scrub_engine = start_engine(data_dir={data_dir!r}, latency={latency}, workers={workers}, fresh_variants=True)
scrub_client = gp.Client(api_key=scrub_engine.api_key, base_url=scrub_engine.base_url)
scrubber = gp.FaceEditor(photo, client=scrub_client)
scrubber.add_class("gp-bench-scrub")
scrubber"""
SCRUB_TIMES = """\
await scrubber.ready()
scrub = scrubber.scrub
await scrubber.generate(param=0.05)  # warm: the first generate's one-off costs are not the fill's

async def until(check, timeout=120):
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("scrub benchmark: waited too long")
        await asyncio.sleep(0.005)

async def explicit(param):
    started = time.perf_counter()
    await scrubber.generate(param=param)
    return time.perf_counter() - started

async def fill():
    scrubber.session.ledger.clear()  # every stop asked anew (the engine makes each PUT a new variant)
    started = time.perf_counter()
    scrub.toggle.value = True
    await until(lambda: len(scrub.ready) == 9)
    return time.perf_counter() - started

alone, during, fills = [], [], []
for param in {rounds}:  # on the slider's 0.05 grid (the page would snap others)
    scrubber.session.ledger.clear()
    alone.append(await explicit(param))
    fills.append(await fill())
    scrub.toggle.value = False
    scrubber.session.ledger.clear()
    scrub.toggle.value = True
    await until(lambda: scrub.filling)
    await asyncio.sleep(0.2)  # the fill's first variants are in the engine
    during.append(await explicit(-param))
    await until(lambda: len(scrub.ready) == 9)
    scrub.toggle.value = False
record(scrub_alone=alone, scrub_during=during, scrub_fills=fills)"""
MOVES_JS = """() => {  // the time of the last pointermove and of every picture drawn on a canvas
  window.__gpMoved = 0;
  window.__gpAllDraws = [];
  document.addEventListener('pointermove', () => { window.__gpMoved = performance.now(); }, true);
  const proto = window.CanvasRenderingContext2D.prototype, draw = proto.drawImage;
  proto.drawImage = function (source, ...rest) {
    if (!(source instanceof HTMLCanvasElement)) window.__gpAllDraws.push(performance.now());
    return draw.call(this, source, ...rest);
  };
}"""

RUN_CELL_JS = """async (index) => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = index;
  await window.jupyterapp.commands.execute('notebook:run-cell');
}"""
PAINTED_JS = """(n) => {
  const cells = document.querySelectorAll('.gp-sweep-grid .gp-sweep-cell');
  if (cells.length < n) return false;
  for (const cell of cells) {
    const img = cell.querySelector('img'), text = cell.querySelector('button').textContent;
    if (!img || !img.complete || !img.naturalWidth || /queued|running|fetching/.test(text)) return false;
  }
  return Date.now();
}"""
DRAWS_JS = """(() => {  // the time of every first draw of a picture on a canvas (the editor's result is a canvas)
  window.__gpDraws = [];
  const seen = new WeakSet();
  for (const proto of [window.CanvasRenderingContext2D, window.OffscreenCanvasRenderingContext2D]) {
    if (!proto) continue;
    const draw = proto.prototype.drawImage;
    proto.prototype.drawImage = function (source, ...rest) {
      const picture = !(source instanceof HTMLCanvasElement)
        && !(window.OffscreenCanvas && source instanceof OffscreenCanvas);
      if (picture && !seen.has(source)) { seen.add(source); window.__gpDraws.push(Date.now()); }
      return draw.call(this, source, ...rest);
    };
  }
})()"""
RESULT_JS = """() => {
  const status = document.querySelector('.gp-face-editor .gp-status').textContent;
  if (/failed|error|timed out/i.test(status)) return [null, status];
  const click = window.__gpClick;
  const drawn = click ? window.__gpDraws.find(t => t >= click) : undefined;
  return drawn && /complete/.test(status) ? [drawn, status] : false;
}"""
CLICK_JS = """() => document.addEventListener('click', (e) => {
  if (e.target.closest('.gp-generate')) window.__gpClick = Date.now();
}, true)"""


def _require(reason: str) -> None:
    """Fail under ``GP_REQUIRE_BROWSER=1``; else say why nothing is measured."""
    if os.environ.get("GP_REQUIRE_BROWSER", "").strip().lower() not in ("", "0", "false", "no"):
        raise RuntimeError(f"browser benchmarks cannot run: {reason} [GP_REQUIRE_BROWSER=1]")
    print(f"[bench] browser benchmarks skipped: {reason}", file=sys.stderr, flush=True)


def _jupyter_env(home: Path) -> dict[str, str]:
    """os.environ for the server and its kernels, isolated from the user's Jupyter set-up, no service key."""
    env = {k: v for k, v in os.environ.items() if k not in ("GP_API_KEY", "GP_BASE_URL")}
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"), ("IPYTHONDIR", "ipython")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    root = str(HARNESS.parent.parent)
    env.update(JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p),
               PATH=os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", ""))))
    return env


def _chromium_rss(root_pid: int) -> int:
    """Resident bytes of every Chromium process under ``root_pid``."""
    import psutil

    total = 0
    for proc in psutil.Process(root_pid).children(recursive=True):
        try:
            if "chrom" in proc.name().lower():
                total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


def _memory(page: Any, cdp: Any) -> tuple[int, int]:
    """(Chromium RSS, the page's used JS heap) after a forced garbage collection."""
    cdp.send("HeapProfiler.collectGarbage")
    page.wait_for_timeout(500)
    heap = next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "JSHeapUsedSize")
    return _chromium_rss(os.getpid()), int(heap)


class _Session:
    """The page and the notebook: run cell ``i`` and wait for it; read what the kernel recorded."""

    def __init__(self, page: Any, out: Path) -> None:
        self.page, self.out = page, out

    def run(self, index: int) -> None:
        self.page.evaluate(RUN_CELL_JS, index)
        self.page.wait_for_function(
            "(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];"
            " return c.model.executionCount !== null"
            " && !c.node.querySelector('.jp-InputPrompt').textContent.includes('*'); }",
            arg=index, timeout=TIMEOUT, polling=100)
        error = self.page.evaluate(
            "(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];"
            " const e = c.model.outputs.toJSON().find(o => o.output_type === 'error');"
            " return e ? e.ename + ': ' + e.evalue : null; }", index)
        if error:
            raise RuntimeError(f"notebook cell {index} failed: {error}")

    def recorded(self) -> dict[str, Any]:
        return json.loads(self.out.read_text()) if self.out.exists() else {}


def _editor_runs(session: _Session, cdp: Any, timed: int, total: int, task_cell: int) -> dict[str, Any]:
    """``total`` generates with distinct params by typing in the slider's readout and clicking Generate."""
    page = session.page
    page.locator(".gp-face-editor .gp-status").filter(has_text="found").wait_for(timeout=TIMEOUT)
    page.evaluate(CLICK_JS)
    handle = page.locator(".gp-face-editor .gp-param .noUi-handle")
    readout = page.locator(".gp-face-editor .gp-param .widget-readout")
    button = page.locator(".gp-face-editor button.gp-generate")
    rss0, heap0 = _memory(page, cdp)
    clicks: list[tuple[float, float, float]] = []  # (param, click, painted) in ms since the epoch
    for _ in range(total):  # a step of the slider (0.05) left before each Generate: a new variant each time
        before = readout.inner_text()
        handle.focus()
        handle.press("ArrowLeft")
        page.wait_for_function("(b) => document.querySelector('.gp-face-editor .gp-param .widget-readout')"
                               ".textContent !== b", arg=before, polling=100)
        param = round(float(readout.inner_text().replace("\u2212", "-")), 2)  # the readout shows U+2212
        # a slider's update can be held back behind unanswered messages and overtaken by the click
        page.wait_for_function("(p) => Math.abs(parseFloat(document.querySelector('.gp-bench-echo')"
                               ".textContent) - p) < 1e-6", arg=param, polling=100)
        page.evaluate("() => { window.__gpClick = null; }")
        button.click()
        painted, status = page.wait_for_function(RESULT_JS, polling="raf", timeout=TIMEOUT).json_value()
        if painted is None:
            raise RuntimeError(f"generate {param:+.2f} did not complete: {status}")
        clicks.append((round(param, 2), page.evaluate("() => window.__gpClick"), painted))
    rss1, heap1 = _memory(page, cdp)
    session.run(task_cell)  # the engine's task times and the kernel's step times of every variant
    got = session.recorded()
    engine = {float(p): tuple(t) for p, t in got["engine"].items()}
    kernel = {p: t for p, t in got["steps"]}
    overheads, parts = [], []
    for p, click, painted in clicks[:timed]:
        created, completed = engine[p]
        overheads.append((painted - click) - 1000.0 * (completed - created))
        parts.append(_breakdown(click / 1000.0, created, completed, kernel[p], painted / 1000.0))
    return {"overheads_ms": [round(o, 1) for o in overheads], "steps_ms": _medians(parts), "generates": len(clicks),
            "first_steps_ms": {k: round(v, 1) for k, v in parts[0].items()}, "later_steps_ms": _medians(parts[1:]),
            "rss_growth_mb": (rss1 - rss0) / 1e6, "rss_before_mb": round(rss0 / 1e6, 1),
            "heap_growth_mb": round((heap1 - heap0) / 1e6, 2)}


def _scrub_frames(page: Any, moves: int) -> list[float]:
    """Turn scrub mode on in the page, wait for its stops, hold the slider handle and move it onto ``moves``
    ready stops in turn (never the one shown); ms from each ``pointermove`` to the next picture drawn."""
    root = ".gp-bench-scrub"
    page.locator(f"{root} button.gp-scrub").click()
    ticks = page.locator(f"{root} .gp-scrub-tick")
    ticks.first.wait_for(timeout=TIMEOUT)
    page.locator(f"{root} .gp-scrub-note").filter(has_text="9/9 ready").wait_for(timeout=TIMEOUT)
    stops = [float(p) for p in ticks.evaluate_all("(ts) => ts.map(t => t.dataset.param)")]
    page.evaluate(MOVES_JS)
    page.locator(f"{root} .gp-result-canvas").scroll_into_view_if_needed()
    page.locator(f"{root} .gp-param").scroll_into_view_if_needed()  # the mouse acts where the page shows
    track = page.locator(f"{root} .gp-param .noUi-target").bounding_box()
    handle = page.locator(f"{root} .gp-param .noUi-handle").bounding_box()
    lo, hi, y = stops[0], stops[-1], handle["y"] + handle["height"] / 2
    page.mouse.move(handle["x"] + handle["width"] / 2, y)
    page.mouse.down()
    order = [stops[(i * 3 + 1) % len(stops)] for i in range(moves)]  # far apart, each another stop
    frames = []
    for stop in order:
        page.wait_for_timeout(250)  # the previous frame is done
        page.mouse.move(track["x"] + (stop - lo) / (hi - lo) * track["width"], y, steps=2)
        moved = page.evaluate("() => window.__gpMoved")
        try:
            drawn = page.wait_for_function("(t) => window.__gpAllDraws.find(d => d > t)", arg=moved,
                                           timeout=10_000, polling=100).json_value()
        except Exception as exc:
            raise RuntimeError(f"no picture drawn after moving to stop {stop:+.2f} (frames so far {frames}, "
                               f"moved at {moved}, draws {page.evaluate('() => window.__gpAllDraws')})") from exc
        frames.append(round(drawn - moved, 1))
    page.mouse.up()
    page.locator(f"{root} button.gp-scrub").click()  # off again: the kernel's timings start from a fresh fill
    page.locator(f"{root} .gp-scrub-note").filter(has_text="9/9").wait_for(state="detached", timeout=TIMEOUT)
    return frames


def _breakdown(click: float, created: float, completed: float, kernel: dict[str, float],
               painted: float) -> dict[str, float]:
    """One generate's overhead cut at each step (ms; they add up to it): the page's click and paint,
    the engine's task created and completed, the editor's :attr:`~gp_widgets.FaceEditor.timings`.
    A variant seen before skips downloading and preparing (then 0)."""
    at = {"click": click, "requested": kernel["requested"], "created": created, "completed": completed,
          "noticed": kernel["noticed"]}
    at["downloaded"] = kernel.get("downloaded", at["noticed"])
    at["prepared"] = kernel.get("prepared", at["downloaded"])
    at["sent"], at["painted"] = kernel["sent"], painted
    cuts = (("to_kernel", "click", "requested"), ("to_engine", "requested", "created"),
            ("notice", "completed", "noticed"), ("download", "noticed", "downloaded"),
            ("prepare", "downloaded", "prepared"), ("send", "prepared", "sent"), ("to_page", "sent", "painted"))
    return {name: 1000.0 * (at[end] - at[start]) for name, start, end in cuts}


def _medians(parts: list[dict[str, float]]) -> dict[str, float]:
    return {name: round(statistics.median(p[name] for p in parts), 1) for name in parts[0]} if parts else {}


def measure(size: str, parts: tuple[str, ...] = PARTS, *, server: Any = None, browser: Any = None) -> dict[str, Any]:
    """Run the notebook of ``parts`` ("grid", "editor", "scrub") in JupyterLab and Chromium; their raw figures.

    ``server`` (a running ``browser_harness.ServerProcess`` of JupyterLab) and ``browser`` (a Playwright
    Browser of this thread) are used when given, as the tests do with their session's; else each is started
    here and stopped at the end."""
    sys.path.insert(0, str(HARNESS))
    import browser_harness as bh

    cfg = CONFIG[size]
    paint_moves, n_paint = cfg["paint"]
    build_moves, n_build = cfg["build"]
    n_cells = len(paint_moves or range(11)) * n_paint
    with tempfile.TemporaryDirectory(prefix="gp-bench-browser-") as tmp:
        work = Path(tmp)
        root = server.root_dir if server is not None else work / "notebooks"
        root.mkdir(exist_ok=True)
        out = work / "measured.json"
        cells = [SETUP.format(out=str(out), slow_dir=str(work / "slow"), fast_dir=str(work / "fast"))]
        if "grid" in parts:
            cells += [WARM.format(cache_dir=str(work / "cache"), paint_params=params_between(-2.0, 2.0, n_paint),
                                  paint_moves="list(gp.Move)" if paint_moves is None else repr(list(paint_moves))),
                      PAINT, BUILD.format(params=params_between(-2.0, 2.0, n_build), moves=list(build_moves),
                                          cache_dir=str(work / "cache-build"))]
        if "editor" in parts:
            cells += [EDITOR, TASK_TIMES]
        if "scrub" in parts:
            cells += [SCRUB.format(data_dir=str(work / "scrub"), latency=SCRUB_LATENCY, workers=SCRUB_WORKERS),
                      SCRUB_TIMES.format(rounds=cfg["scrub_rounds"])]
        name = bh.write_notebook(root, f"bench-{work.name}", cells)
        with contextlib.ExitStack() as stack:
            if server is None:
                server = bh.start_jupyter_server(_jupyter_env(work / "home"), root, work)
                stack.callback(server.stop)
            if browser is None:
                from playwright.sync_api import sync_playwright

                pw = stack.enter_context(sync_playwright())
                browser = pw.chromium.launch(executable_path=bh.CHROMIUM, args=bh.CHROMIUM_ARGS)
                stack.callback(browser.close)
            context = browser.new_context(viewport=bh.VIEWPORT)
            stack.callback(context.close)
            return _measure_page(context.new_page(), server, name, cells, out, cfg, parts, n_cells)


def _measure_page(page: Any, server: Any, name: str, cells: list[str], out: Path, cfg: dict[str, Any],
                  parts: tuple[str, ...], n_cells: int) -> dict[str, Any]:
    """Open the benchmark's notebook on ``page``, run its parts, and return what they measured."""
    import browser_harness as bh

    found: dict[str, Any] = {}
    page.set_default_timeout(TIMEOUT)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    frames: list[tuple[float, int]] = []

    def on_socket(ws: Any) -> None:
        ws.on("framereceived", lambda payload: frames.append(
            (time.time(), len(payload if isinstance(payload, bytes) else payload.encode()))))

    page.on("websocket", on_socket)
    page.add_init_script(DRAWS_JS)
    bh.open_lab(page, server, name)
    session = _Session(page, out)
    session.run(0)
    if "grid" in parts:
        session.run(1)
        page.wait_for_timeout(1000)  # let the page settle before measuring
        session.run(2)
        done = page.wait_for_function(PAINTED_JS, arg=n_cells, polling="raf",
                                      timeout=TIMEOUT).json_value() / 1000.0
        started = session.recorded()["paint_started"]
        window = sorted((n for t, n in frames if started <= t <= done), reverse=True)
        times = [t for t, _ in frames if started <= t <= done]
        found.update(paint_s=done - started, paint_bytes=sum(window), paint_frames=len(window),
                     largest_frames=window[:5], paint_cells=n_cells,
                     first_frame_s=round(min(times) - started, 3),
                     last_frame_s=round(max(times) - started, 3))
        bh.screenshot(page, "bench-grid-231")
        session.run(3)
        got = session.recorded()
        found.update(build_s=got["build_s"], build_cells=got["build_cells"])
    if "editor" in parts:
        first = cells.index(EDITOR)
        session.run(first)
        found.update(_editor_runs(session, cdp, cfg["timed"], cfg["generates"], first + 1))
        bh.screenshot(page, "bench-editor")
    if "scrub" in parts:
        first = len(cells) - 2
        session.run(first)  # the editor, displayed; the page drags first, the kernel times after
        page.locator(".gp-bench-scrub .gp-status").filter(has_text="found").wait_for(timeout=TIMEOUT)
        drags = _scrub_frames(page, cfg["scrub_moves"])
        session.run(first + 1)
        got = session.recorded()
        found.update(scrub_alone=got["scrub_alone"], scrub_during=got["scrub_during"],
                     scrub_fills=got["scrub_fills"], scrub_frames=drags)
        bh.screenshot(page, "bench-scrub")
    return found


def run(size: str = "full", *, server: Any = None, browser: Any = None) -> dict[str, Any]:
    """Every key of the parts ``GP_BENCH_BROWSER`` names; ``server`` and ``browser`` as :func:`measure` takes them."""
    check_size(size)
    chromium = os.environ.get("GP_CHROMIUM", "/usr/bin/chromium")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _require("playwright is not installed")
        return {}
    if not Path(chromium).exists():
        _require(f"Chromium not found at {chromium} (set GP_CHROMIUM)")
        return {}
    parts = _parts()
    m = measure(size, parts, server=server, browser=browser)
    results: dict[str, Any] = {}
    if "editor" in parts:
        overheads = m["overheads_ms"]
        results.update(
            editor_overhead_ms=metric(statistics.median(overheads), 150.0, "<=", "ms", overheads_ms=overheads,
                                      steps_ms=m["steps_ms"], engine_latency_s=0.5),
            editor_first_generate_extra_ms=metric(
                overheads[0] - statistics.median(overheads[1:]), 100.0, "<=", "ms",
                first_steps_ms=m["first_steps_ms"], later_steps_ms=m["later_steps_ms"]),
            editor_page_mb=metric(m["rss_growth_mb"], 200.0, "<=", "MB", generates=m["generates"],
                                  rss_before_mb=m["rss_before_mb"], js_heap_growth_mb=m["heap_growth_mb"]))
    if "grid" in parts:
        results.update(
            grid_build_ms_1000=metric(1000.0 * m["build_s"], 300.0, "<=", "ms", cells=m["build_cells"]),
            grid_paint_s_231=metric(m["paint_s"], 2.0, "<=", "s", cells=m["paint_cells"],
                                    first_frame_s=m["first_frame_s"], last_frame_s=m["last_frame_s"]),
            grid_bytes_231=metric(m["paint_bytes"], 3e6, "<=", "bytes", cells=m["paint_cells"],
                                  frames=m["paint_frames"], largest_frames=m["largest_frames"]))
    if "scrub" in parts:
        ideal = math.ceil(9 / SCRUB_WORKERS) * SCRUB_LATENCY
        alone, during = statistics.median(m["scrub_alone"]), statistics.median(m["scrub_during"])
        results.update(
            scrub_frame_ms=metric(statistics.median(m["scrub_frames"]), 100.0, "<=", "ms",
                                  frames_ms=m["scrub_frames"]),
            scrub_fill_ratio=metric(statistics.median(m["scrub_fills"]) / ideal, 1.2, "<=", "x",
                                    fills_s=[round(f, 3) for f in m["scrub_fills"]], ideal_s=ideal,
                                    engine_latency_s=SCRUB_LATENCY, engine_workers=SCRUB_WORKERS),
            explicit_during_fill_ratio=metric(during / alone, 1.2, "<=", "x",
                                              alone_s=[round(a, 3) for a in m["scrub_alone"]],
                                              during_s=[round(d, 3) for d in m["scrub_during"]]))
    return {key: results[key] for key in KEYS if key in results}


def _parts() -> tuple[str, ...]:
    """``GP_BENCH_BROWSER`` (e.g. ``editor``) picks which parts run; default all."""
    chosen = tuple(p.strip() for p in os.environ.get("GP_BENCH_BROWSER", ",".join(PARTS)).split(",") if p.strip())
    unknown = set(chosen) - set(PARTS)
    if unknown or not chosen:
        raise ValueError(f"GP_BENCH_BROWSER must name some of {PARTS}, got {os.environ['GP_BENCH_BROWSER']!r}")
    return chosen
