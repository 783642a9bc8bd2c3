"""CellGrid without a front end: what its messages carry (the pure encoding), and what it sends and does
when a view says ready or clicks, over a recording comm."""

from __future__ import annotations

import logging

import pytest
from page_messages import from_page, to_page

from gp_widgets.widgets.cellgrid import CellGrid, CellState, delta_message, full_message, read_message

A, B = b"\xff\xd8picture-a", b"\xff\xd8picture-b"


def states() -> list[CellState]:
    return [CellState(A, "0.6 s", "success", "smile @ -1 — 0.6 s"), CellState(None, "queued", "", "smile @ 0"),
            CellState(B, "boom", "danger", "smile @ +1 — boom", failed=True), CellState(A, "0.4 s", "success", "x")]


def sent(grid: CellGrid) -> list[tuple[dict, list[bytes]]]:
    """The custom messages the grid sent (content, buffers), in order."""
    return to_page(grid)


def test_full_message_has_every_cell_and_one_buffer_per_distinct_picture_in_order() -> None:
    content, buffers = full_message(states())
    assert content["type"] == "cells" and content["full"]
    assert [c["i"] for c in content["cells"]] == [0, 1, 2, 3]
    assert [c["picture"] for c in content["cells"]] == [0, None, 1, 0]  # A is sent once, for cells 0 and 3
    assert buffers == [A, B]
    assert content["cells"][2] == {"i": 2, "text": "boom", "style": "danger", "tooltip": "smile @ +1 — boom",
                                   "failed": True, "picture": 1}


def test_delta_has_only_changed_cells_and_resends_no_picture_the_views_have() -> None:
    shown = states()
    now = list(shown)
    assert delta_message(now, shown) is None
    now[1] = CellState(B, "0.5 s", "success", "smile @ 0 — 0.5 s")  # finished: a picture
    now[3] = CellState(A, "0.4 s", "success", "smile @ +2 — 0.4 s")  # the same picture, a new tooltip
    content, buffers = delta_message(now, shown)
    assert not content["full"] and [c["i"] for c in content["cells"]] == [1, 3]
    assert content["cells"][0]["picture"] == 0 and buffers == [B]
    assert "picture" not in content["cells"][1]  # kept as shown
    now[0] = CellState(None, "cancelled", "warning", "x")
    content, buffers = delta_message(now, shown)
    assert content["cells"][0] == {"i": 0, "text": "cancelled", "style": "warning", "tooltip": "x", "failed": False,
                                   "picture": None} and buffers == [B]


@pytest.mark.parametrize("junk", [None, "ready", [], {}, {"type": "boom"}, {"type": "click"},
                                  {"type": "click", "index": "1"}, {"type": "click", "index": 4},
                                  {"type": "click", "index": -1}, {"type": "click", "index": True},
                                  {"type": "click", "index": 1.0}])
def test_junk_messages_are_not_read(junk) -> None:
    assert read_message(junk, 4) is None


def test_read_message() -> None:
    assert read_message({"type": "ready"}, 4) == ("ready", None)
    assert read_message({"type": "click", "index": 3}, 4) == ("click", 3)


def test_nothing_is_sent_before_a_view_is_ready_then_the_full_state_then_deltas() -> None:
    grid = CellGrid(["smile"], ["-1", "0", "+1", "+2"], corner="move \\ param")
    assert grid.cells == [CellState()] * 4
    grid.show(dict(enumerate(states())))
    assert grid.cells == states() and sent(grid) == []  # no view yet: the ready brings everything
    from_page(grid, {"type": "ready"})
    (full, buffers), = sent(grid)
    assert full["full"] and len(full["cells"]) == 4 and buffers == [A, B]
    grid.show({1: CellState(B, "0.5 s", "success", "t")})
    grid.show({2: states()[2]})  # unchanged: nothing to send
    delta, buffers = sent(grid)[1]
    assert len(sent(grid)) == 2 and not delta["full"] and [c["i"] for c in delta["cells"]] == [1] and buffers == [B]
    from_page(grid, {"type": "ready"})  # a second view: everything again
    assert sent(grid)[2][0]["full"] and sent(grid)[2][0]["cells"][1]["text"] == "0.5 s"


def test_clicks_call_back_and_junk_is_ignored(caplog) -> None:
    clicked: list[int] = []
    grid = CellGrid(["a", "b"], ["1", "2"], on_click=clicked.append)
    with caplog.at_level(logging.DEBUG, logger="gp_widgets"):
        for junk in ({"type": "click", "index": 9}, {"type": "nope"}, "text"):
            from_page(grid, junk)
    from_page(grid, {"type": "click", "index": 3})
    assert clicked == [3] and sent(grid) == []
    assert sum("ignored message" in r.message for r in caplog.records) == 3


def test_the_labels_and_cell_size_are_the_only_synced_state() -> None:
    grid = CellGrid(["smile", "age"], ["-1", "+1"], corner="c", cell_px=80)
    state = grid.get_state()
    assert (state["rows"], state["columns"], state["corner"], state["cell_px"]) == (["smile", "age"], ["-1", "+1"],
                                                                                   "c", 80)
    grid.show({0: CellState(A * 1000, "0.6 s", "success", "t")})
    assert all(len(str(v)) < 20_000 for v in grid.get_state().values())  # no picture in the synced state
