"""The documentation site, opened from disk in Chromium with the network off: every page loads,
every internal link (fragments included) resolves, every picture renders, and nothing is
fetched from the network. The site is the one ``make docs`` built when ``GP_DOCS_HTML`` names
it; otherwise (as in ``make test``) this test builds it into a temp dir the same way (warnings as errors),
from the notebooks the session executed once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import browser_harness as bh
import pytest

import gp_widgets

GUIDE = ["index", "getting-started", "client", "editor", "sweeps", "engine", "configuration",
         "troubleshooting", "api", "benchmarks", "changelog"]
NOTEBOOK_PAGES = [f"notebooks/{p.stem}" for p in sorted((bh.REPO_ROOT / "notebooks").glob("*.ipynb"))]

# Every <img>, after forcing lazy ones to load: [src, naturalWidth] (0 = broken).
IMAGES_JS = """async () => Promise.all([...document.images].map(async (img) => {
    img.loading = "eager";
    try { await img.decode(); } catch (e) { return [img.src, 0]; }
    return [img.src, img.naturalWidth];
}))"""
LINKS_JS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"
IDS_JS = "() => [...document.querySelectorAll('[id]')].map(e => e.id)"


@pytest.fixture(scope="module")
def site(tmp_path_factory, jupyter_env, executed_notebook) -> Path:
    given = os.environ.get("GP_DOCS_HTML")
    if given:
        root = Path(given).resolve()
        assert (root / "index.html").is_file(), f"GP_DOCS_HTML={given} holds no built site"
        return root
    out = tmp_path_factory.mktemp("docs")
    env = {k: v for k, v in jupyter_env.items() if k != "MPLBACKEND"}
    env["GP_EXECUTED_NOTEBOOKS"] = str(executed_notebook.all())  # the session's runs, not a second one
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                           "-d", str(out / "doctrees"), str(bh.REPO_ROOT / "docs"), str(out / "html")],
                          env=env, check=False, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"the docs build failed:\n{done.stdout}\n{done.stderr}"
    return out / "html"


@pytest.mark.timeout(1200)
def test_every_page_loads_links_resolve_and_pictures_render(site, browser):
    context = browser.new_context(viewport=bh.VIEWPORT, offline=True)
    network: list[str] = []

    def route(r):
        if urlparse(r.request.url).scheme == "file":
            r.continue_()
        else:  # anything else would need the network
            network.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)
    links: dict[Path, set[str]] = {}
    ids: dict[Path, set[str]] = {}
    broken: list[str] = []
    try:
        for path in pages:
            response = page.goto(path.as_uri())
            assert response is not None and response.ok, path
            assert page.title(), f"{path} has no title"
            ids[path] = set(page.evaluate(IDS_JS))
            links[path] = set(page.evaluate(LINKS_JS))
            broken += [f"{path.relative_to(site)}: {src}" for src, width in page.evaluate(IMAGES_JS) if not width]
    finally:
        context.close()
    assert not broken, f"pictures that do not render: {broken}"
    assert not network, f"requests that need the network: {sorted(set(network))}"
    assert not errors, f"JavaScript errors: {errors}"

    unresolved = []
    for source, hrefs in links.items():
        for href in hrefs:
            url, fragment = urldefrag(href)
            if urlparse(url).scheme != "file":
                continue
            target = Path(unquote(urlparse(url).path))
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                unresolved.append(f"{source.relative_to(site)} -> {href}")
            elif fragment and target.suffix == ".html" and unquote(fragment) not in ids.get(target, set()):
                unresolved.append(f"{source.relative_to(site)} -> {href} (no such anchor)")
    assert not unresolved, "internal links that do not resolve:\n" + "\n".join(sorted(unresolved))

    built = {p.relative_to(site).with_suffix("").as_posix() for p in pages}
    assert set(GUIDE + NOTEBOOK_PAGES) <= built, set(GUIDE + NOTEBOOK_PAGES) - built
    reached = {Path(unquote(urlparse(urldefrag(h)[0]).path)) for hs in links.values() for h in hs}
    assert {site / f"{name}.html" for name in GUIDE + NOTEBOOK_PAGES} <= reached, "a page no link leads to"


def test_the_pages_show_what_they_promise(site, browser):
    """The notebooks carry their executed outputs (figures, and the widgets' saved pictures),
    the API page every public name, the benchmark page the measured table."""
    page = browser.new_context(viewport=bh.VIEWPORT, offline=True).new_page()
    try:
        for name in ("notebooks/01_quickstart", "notebooks/03_parameter_sweeps"):
            page.goto((site / f"{name}.html").as_uri())
            assert page.locator(".cell_output img").count() >= 1, f"{name} shows no output picture"
        for name in ("notebooks/02_face_editor", "notebooks/03_parameter_sweeps"):
            page.goto((site / f"{name}.html").as_uri())
            assert page.locator(".cell_output .gp-static img").count() >= 1, f"{name} shows no widget picture"
        page.goto((site / "notebooks/01_quickstart.html").as_uri())
        assert "backend: local" in page.locator(".cell_output").first.inner_text()
        page.goto((site / "api.html").as_uri())
        ids = set(page.evaluate(IDS_JS))
        for name in gp_widgets.__all__:
            obj = getattr(gp_widgets, name)
            wanted = {f"gp_widgets.{name}", f"module-{getattr(obj, '__name__', '')}"}
            assert wanted & ids, f"the API page does not document gp_widgets.{name}"
        page.goto((site / "benchmarks.html").as_uri())
        assert page.locator("table").first.locator("tbody tr").count() >= 5
        assert "sweep_ratio" in page.locator("table").first.inner_text()
    finally:
        page.context.close()
