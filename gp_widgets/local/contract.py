"""The engine's published contract: ``openapi.json`` as served, its move enums filled from ``Move``.

The file shipped beside this module leaves every ``move`` property without an ``enum``: the moves are listed in one
place, :class:`gp_widgets.api.models.Move`, and written into the document here.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from gp_widgets.api.models import Move


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the engine serves at ``/api/v0/openapi.json``."""
    document: dict[str, Any] = json.loads(resources.files(__package__).joinpath("openapi.json").read_text())
    for schema in document["components"]["schemas"].values():
        move = schema.get("properties", {}).get("move")
        if move is not None:
            move["enum"] = [m.value for m in Move]
    return document
