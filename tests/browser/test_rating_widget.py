"""The rating widget in JupyterLab: a rater types an id, answers 20 trials by key presses (the keys reach the
widget, not JupyterLab's shortcuts), pauses and resumes, and the answers on disk load back the same."""

from __future__ import annotations

import json

import pytest
from browser_harness import REPO_ROOT, open_lab, run_all_cells, screenshot, wait_for_output, write_notebook
from playwright.sync_api import expect

import gp_widgets as gp

pytestmark = pytest.mark.browser

KEYS = ["ArrowLeft", "ArrowRight", "f", "j"]
MEANS = {"ArrowLeft": "left", "f": "left", "ArrowRight": "right", "j": "right"}


def test_a_rater_answers_the_widget_by_key_in_jupyterlab(page, jupyter_server, notebook_root) -> None:
    tests = json.dumps(str(REPO_ROOT / "tests"))
    name = write_notebook(notebook_root, "rating_widget", [
        f"import sys, pathlib\nsys.path.insert(0, {tests})\nfrom ratings.on_disk import make_study\n"
        "import gp_widgets as gp\n"
        "study = make_study(pathlib.Path('rating-cache'))\n"
        "design = gp.rate(study, 'Which face smiles more?', '2afc', catch=2, save='smile.2afc.rating.json')\n"
        "design",
    ])
    open_lab(page, jupyter_server, name)
    run_all_cells(page)
    widget = wait_for_output(page, ".gp-rating")
    widget.locator("input").fill("tester")
    widget.get_by_role("button", name="Start").click()
    count = widget.locator(".gp-rating-count")
    expect(count).to_have_text("0 / 20", timeout=30_000)
    given = []
    for i in range(20):
        expect(widget).to_have_attribute("data-trial", str(i), timeout=30_000)
        expect(widget.locator(".gp-rating-pictures img[src^='blob:']")).to_have_count(2)
        if i == 1:
            screenshot(page, "rating-widget-lab", full_page=False)
            widget.screenshot(path=str(REPO_ROOT / "test-artifacts" / "rating-widget.png"))
        if i == 5:  # pause: the pictures go, keys do nothing; resume: the same trial comes back
            widget.get_by_role("button", name="Pause").click()
            expect(widget.locator(".gp-rating-pictures")).to_be_hidden()
            page.keyboard.press("ArrowLeft")
            expect(widget.locator(".gp-rating-status")).to_contain_text("Paused")
            widget.get_by_role("button", name="Resume").click()
            expect(widget).to_have_attribute("data-trial", "5", timeout=30_000)
            expect(count).to_have_text("5 / 20")
        key = KEYS[i % 4]
        page.keyboard.press(key)
        given.append(MEANS[key])
        expect(count).to_have_text(f"{i + 1} / 20", timeout=30_000)
    expect(widget.locator(".gp-rating-status")).to_contain_text("All 20 answered")
    assert page.locator(".jp-Notebook .jp-Cell").count() == 1  # no key reached JupyterLab (F, J: no new cell)

    ratings = gp.load_ratings(notebook_root / "smile.2afc.rating.answers")
    sheet = ratings.sheets[0]
    assert sheet["rater"] == "tester" and sheet["via"] == "widget"
    assert [a.trial for a in sheet["answers"]] == list(range(20))
    assert [a.response for a in sheet["answers"]] == given
