"""Pure tests of the editor's keyboard map and slider ranges (no kernel, no server)."""

from __future__ import annotations

import pytest

from gp_widgets.api.errors import InvalidInputError
from gp_widgets.widgets.keys import KEYS_HELP, PARAM_KEY_STEP, KeyAction, key_action
from gp_widgets.widgets.ranges import parse_ranges, range_note, widened


@pytest.mark.parametrize(
    ("key", "shift", "expected"),
    [
        ("ArrowRight", False, KeyAction("step", PARAM_KEY_STEP)),
        ("ArrowLeft", False, KeyAction("step", -PARAM_KEY_STEP)),
        ("ArrowRight", True, KeyAction("step", 5 * PARAM_KEY_STEP)),
        ("Enter", False, KeyAction("generate")),
        ("1", False, KeyAction("face", 0)),
        ("9", False, KeyAction("face", 8)),
        ("c", False, KeyAction("compare")),
        ("C", True, KeyAction("compare")),
        ("d", False, KeyAction("diff")),
        ("z", False, KeyAction("zoom")),
        ("0", False, None),
        ("x", False, None),
        ("Escape", False, None),
        ("Tab", False, None),
    ],
)
def test_key_map(key, shift, expected):
    assert key_action(key, shift) == expected


def test_keys_with_ctrl_or_meta_are_left_to_the_browser():
    assert key_action("c", ctrl=True) is None and key_action("Enter", meta=True) is None


def test_help_lists_every_key():
    for text in ("←/→", "Enter", "1–9", "c ", "d ", "z "):
        assert text in KEYS_HELP


def test_ranges_accept_any_mapping_of_moves_to_two_numbers():
    class Calibration(dict):  # e.g. a calibration result
        pass

    ranges = parse_ranges(Calibration({"smile": (-1.2, 1.5), "age": [-3, 4]}))
    assert ranges == {"smile": (-1.2, 1.5), "age": (-3.0, 4.0)}
    assert range_note(ranges["smile"]) == "recommended −1.20 … +1.50" and range_note(None) == ""


@pytest.mark.parametrize("bad", [{"frown": (0, 1)}, {"smile": (1, -1)}, {"smile": (0, 11)}, {"smile": 2},
                                 {"smile": (0, float("nan"))}, {"smile": (1, 2, 3)}])
def test_bad_ranges_are_refused_with_a_typed_error(bad):
    with pytest.raises(InvalidInputError):
        parse_ranges(bad)


def test_widened_contains_the_value():
    assert widened((-2, 2), 3.0) == (-2, 3.0) and widened((-2, 2), -7) == (-7, 2) and widened((-2, 2), 1) == (-2, 2)
