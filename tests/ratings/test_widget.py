"""The rating widget over a fake comm: blinded trials, keys, answers on disk as given, pause, resume."""

from __future__ import annotations

import json

import comm
import pytest
from ipywidgets import Widget
from page_messages import DummyComm, from_page, to_page

import gp_widgets as gp
from gp_widgets.widgets.rating import Rating, RatingWidget, key_response


@pytest.fixture(autouse=True)
def fake_comm(monkeypatch):
    monkeypatch.setattr(comm, "create_comm", lambda **kw: DummyComm())
    monkeypatch.setattr(comm, "get_comm_manager", lambda **kw: {})
    monkeypatch.setattr(Widget, "_repr_mimebundle_", lambda *a, **k: None)


def custom(widget: RatingWidget) -> list[tuple[dict, list[bytes]]]:
    """The custom messages sent so far, once the trial being prepared (pictures decoded off the loop) is sent."""
    if widget.preparing is not None:
        widget.preparing.result(timeout=30)
    return to_page(widget)


def test_keys() -> None:
    assert key_response("2afc", "ArrowLeft") == "left" and key_response("2afc", "J") == "right"
    assert key_response("mos", "4") == 4 and key_response("mos", "6") is None
    assert key_response("same-person", "Y") == "yes" and key_response("2afc", "y") is None


def test_a_rater_answers_by_key_pauses_and_resumes_with_every_answer_on_disk(study, tmp_path) -> None:
    design = gp.rate(study, "Which face smiles more?", "2afc", catch=2, save=tmp_path / "s.2afc.rating.json")
    assert isinstance(design, Rating) and design.path == str(tmp_path / "s.2afc.rating.json")
    view = design.widget()
    widget = view.pad
    from_page(widget, {"type": "ready"})
    assert custom(widget) == []  # no rater yet: no trial
    from_page(widget, {"type": "rater", "rater": "ada"})
    (first, pictures), = custom(widget)
    assert first == {"type": "trial", "trial": 0} and len(pictures) == 2 and pictures[0][:2] == b"\xff\xd8"
    state = json.dumps(widget.get_state(), default=str)
    for secret in ("smile @", "variant", "v0_", "param", "doc0"):
        assert secret not in state  # blinded: the synced state has the question, counts and the rater only
    from_page(widget, {"type": "answer", "trial": 0, "key": "ArrowLeft", "rt": 640})
    from_page(widget, {"type": "answer", "trial": 0, "key": "ArrowLeft", "rt": 10})  # stale
    from_page(widget, {"type": "answer", "trial": 1, "key": "q", "rt": 10})  # no answer key
    from_page(widget, {"type": "answer", "trial": 1, "key": "j", "rt": 500})
    path = design.answers_dir() / "ada.json"
    on_disk = json.loads(path.read_text())
    assert [(a["trial"], a["response"], a["rt_ms"]) for a in on_disk["answers"]] == [(0, "left", 640.0),
                                                                                   (1, "right", 500.0)]
    assert widget.answered == 2 and custom(widget)[-1][0] == {"type": "trial", "trial": 2}
    widget.paused = True
    assert custom(widget)[-1][0] == {"type": "paused"} and "Paused" in widget.status
    assert not widget.answer(2, "f")  # keys do nothing while paused
    widget.paused = False
    assert custom(widget)[-1][0] == {"type": "trial", "trial": 2}

    again = RatingWidget(design, "ada")  # a kernel restart later: the same rater resumes
    from_page(again, {"type": "ready"})
    assert again.answered == 2 and custom(again)[-1][0]["trial"] == 2 and "Resumed at 3" in again.status
    for t in design.trials[2:]:
        assert again.answer(t.index, "f")
    assert again.done and custom(again)[-1][0] == {"type": "done"}
    picture = view.static_fallback.bundle()
    assert picture["text/html"].startswith('<div class="gp-static')
    assert "2 of 20 answered" in picture["text/plain"]
    ratings = gp.load_ratings(design.answers_dir())
    assert len(ratings.sheets[0]["answers"]) == len(design.trials) and ratings.raters()["answers"].item() == 20
