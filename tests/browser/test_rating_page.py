"""The exported rating page in Chromium, opened from the file system with nothing fetched: a rater types an
id, answers 20 trials by key presses, the page saves a JSON file (a download), and ``gp.load_ratings``
reads the same answers back."""

from __future__ import annotations

import json
import sys

import browser_harness as bh
import pytest

import gp_widgets as gp
from gp_widgets.ratings.sources import rate_design

sys.path.insert(0, str(bh.REPO_ROOT / "tests"))

from ratings.on_disk import make_study  # noqa: E402

KEYS = {"2afc": ["ArrowLeft", "ArrowRight", "f", "j", "ArrowRight"], "same-person": ["y", "n"],
        "mos": ["1", "2", "3", "4", "5"]}
MEANS = {"arrowleft": "left", "f": "left", "arrowright": "right", "j": "right", "y": "yes", "n": "no",
         **{str(i): i for i in range(1, 6)}}


@pytest.mark.parametrize("kind", ["2afc", "mos", "same-person"])
def test_a_rater_answers_20_trials_by_key_and_the_saved_file_loads_back(page, tmp_path, kind):
    study = make_study(tmp_path / "cache", photos=4, params=(-1.0, 0.0, 1.0) if kind == "2afc" else (-1.0, 1.0))
    design = rate_design(study, "Which face smiles more?" if kind == "2afc" else "Is it natural?", kind,
                         repeats=2, catch=4)
    design.trials = design.trials[:20]
    for i, t in enumerate(design.trials):
        assert t.index == i
    design.save(tmp_path / "study.rating.json")
    html = design.export(tmp_path / "rating.html")
    assert html.stat().st_mode & 0o044 == 0o044  # readable by a static host's server
    data = json.loads(html.read_text().split('id="gp-data">', 1)[1].split("</script>", 1)[0])
    assert all(uri.startswith("data:image/jpeg;base64,") for uri in data.pop("images").values())
    rest = json.dumps({k: v for k, v in data.items() if k != "question"})
    for secret in ("smile", "variant", "param", "photo", "doc", "condition", "catch", "expect", '"s1"', "-1"):
        assert secret not in rest, secret  # blinded: no label, param, file name or answer key in the page

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html.as_uri())
    page.fill("#gp-rater", "rater 7")
    page.keyboard.press("Enter")
    given = []
    for i in range(len(design.trials)):
        page.wait_for_function(f"document.body.dataset.gpTrial === '{i}'", polling=100)
        if i == 2:
            bh.screenshot(page, f"rating-page-{kind}", full_page=False)
        key = KEYS[kind][i % len(KEYS[kind])]
        given.append(MEANS[key.lower()])
        if i < len(design.trials) - 1:
            page.keyboard.press(key)
        else:
            with page.expect_download() as download:
                page.keyboard.press(key)
    saved = tmp_path / "answers" / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "answers-rater_7.json"
    assert page.locator("#gp-done").is_visible()
    assert all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests

    ratings = gp.load_ratings([saved])
    assert ratings.design.id == design.id
    sheet = ratings.sheets[0]
    assert sheet["rater"] == "rater 7" and sheet["via"] == "page"
    assert [a.trial for a in sheet["answers"]] == list(range(20))
    assert [a.response for a in sheet["answers"]] == given
    assert all(a.rt_ms is not None and a.rt_ms >= 0 for a in sheet["answers"])


def test_a_rater_who_closes_the_page_goes_on_where_they_stopped(page, tmp_path):
    design = rate_design(make_study(tmp_path / "cache"), "Which face smiles more?", "2afc", catch=2)
    html = design.export(tmp_path / "rating.html")
    page.goto(html.as_uri())
    page.fill("#gp-rater", "ada")
    page.keyboard.press("Enter")
    for i in range(5):
        page.wait_for_function(f"document.body.dataset.gpTrial === '{i}'", polling=100)
        page.keyboard.press("f")
    page.wait_for_function("document.body.dataset.gpTrial === '5'", polling=100)
    page.goto(html.as_uri())  # closed and opened again
    page.fill("#gp-rater", "ada")
    page.keyboard.press("Enter")
    for i in range(5, len(design.trials)):
        page.wait_for_function(f"document.body.dataset.gpTrial === '{i}'", polling=100)
        if i < len(design.trials) - 1:
            page.keyboard.press("j")
        else:
            with page.expect_download() as download:
                page.keyboard.press("j")
    saved = tmp_path / "answers.json"
    download.value.save_as(saved)
    answers = gp.load_ratings([saved], design=design).sheets[0]["answers"]
    assert [a.trial for a in answers] == list(range(len(design.trials)))
    assert [a.response for a in answers] == ["left"] * 5 + ["right"] * (len(design.trials) - 5)
