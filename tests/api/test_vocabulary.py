"""One vocabulary: the statuses, the param limit and the hints agree with the engine's published contract."""

from __future__ import annotations

import json

import pytest

from gp_widgets.api.constants import PARAM_LIMIT, CellStatus, TaskStatus
from gp_widgets.api.errors import HINTS, BadRequestError, hint
from gp_widgets.api.models import Move
from gp_widgets.editing.labels import error_line
from gp_widgets.local.contract import openapi_document
from gp_widgets.sweeps.records import CellRecord
from gp_widgets.sweeps.spec import Cell, SweepSpec


def test_task_statuses_are_the_contract_s() -> None:
    schema = openapi_document()["components"]["schemas"]
    assert [s.value for s in TaskStatus] == schema["task"]["properties"]["status"]["enum"]


def test_every_hint_is_for_a_code_the_contract_knows() -> None:
    schema = openapi_document()["components"]["schemas"]
    codes = set(schema["error"]["properties"]["code"]["enum"]) | set(schema["taskError"]["properties"]["code"]["enum"])
    assert set(HINTS) <= codes


def test_statuses_print_and_compare_as_their_values() -> None:
    assert f"{TaskStatus.inprogress}" == "inprogress" and TaskStatus.complete == "complete"
    assert json.dumps([CellStatus.cancelled]) == '["cancelled"]'
    assert CellRecord(Cell(0, 0, "smile", 1.0), "failed").status is CellStatus.failed
    assert [s for s in CellStatus if s.final] == [CellStatus.complete, CellStatus.failed, CellStatus.cancelled]


def test_the_param_limit_is_one_number() -> None:
    SweepSpec.build(["smile"], [PARAM_LIMIT, -PARAM_LIMIT])
    with pytest.raises(ValueError, match=f"<= {PARAM_LIMIT:g}"):
        SweepSpec.build(["smile"], [PARAM_LIMIT + 0.5])
    assert f"{PARAM_LIMIT:g}" in hint("invalid_param")


def test_errors_and_widgets_word_a_code_the_same_way() -> None:
    exc = BadRequestError(400, "invalid_param")
    assert str(exc).endswith(hint("invalid_param"))
    assert error_line(exc) == f"failed: invalid_param — {hint('invalid_param')}"
    assert hint(None) == "" and hint("no_such_code") == ""


def test_the_moves_are_the_contract_s_and_the_engine_edits_the_local_ones() -> None:
    """Adding a move is the ``Move`` member and, for a move the engine emulates, one ``@edit`` function: the
    contract's request body and item list exactly the ``Move`` members, and the engine's table is the local set."""
    from gp_widgets.local.edits import EDIT_MOVES, EDITS

    schemas = openapi_document()["components"]["schemas"]
    assert schemas["Change"]["properties"]["move"]["enum"] == [m.value for m in Move]
    assert schemas["data"]["properties"]["move"]["enum"] == [m.value for m in Move]
    assert set(EDITS) == EDIT_MOVES == {m.value for m in Move if m.local}


def test_no_module_compares_a_status_with_a_literal_of_its_own() -> None:
    """``api/constants.py`` is the one spelling of the statuses: code compares with ``TaskStatus`` and ``CellStatus``
    (a literal ``"complete"`` in a comparison would go on compiling after a rename)."""
    import ast
    from pathlib import Path

    import gp_widgets

    words = {s.value for s in TaskStatus} | {s.value for s in CellStatus}
    found = []
    for path in Path(gp_widgets.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                for side in (node.left, *node.comparators):
                    if isinstance(side, ast.Constant) and side.value in words:
                        found.append(f"{path.name}:{node.lineno} {side.value!r}")
    assert not found, found
