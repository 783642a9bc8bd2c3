"""The words the widgets show: one way of saying each thing (moves, params, statuses, numbering)."""

from __future__ import annotations

from gp_widgets.api import Move
from gp_widgets.editing.labels import move_options, request_label, task_line


def test_the_local_engine_lists_its_own_moves_first_and_marks_the_others() -> None:
    local = move_options("local")
    assert [move for _, move in local[:3]] == ["smile", "gender", "age"]
    assert all(label.endswith(" (service only)") for label, _ in local[3:]) and len(local) == len(Move)
    assert move_options("remote") == [(m.value, m.value) for m in Move]  # the service does every move


def test_params_use_the_slider_minus_and_faces_count_from_one() -> None:
    assert request_label("age", -1.5, 0) == "age \u22121.50 · face 1"
    assert request_label("smile", 0.8, 2) == "smile +0.80 · face 3"


def test_the_api_statuses_are_said_in_words() -> None:
    assert task_line("smile +0.80 · face 1", "inprogress", 0.42) == "smile +0.80 · face 1: in progress · 0.4 s"
    assert task_line("x", "complete", 1.0) == "x: complete · 1.0 s"
