"""Limits of the API, as its documentation states them."""

from __future__ import annotations

__all__ = ["PARAM_LIMIT"]

PARAM_LIMIT = 10.0
"""Largest accepted ``|param|`` of an edit."""
