"""The one way numbers, values and tables are written as text."""

from __future__ import annotations

import numpy as np

from simulation.text import did_you_mean, format_number, format_value, one_line, render_table


def test_numbers_are_written_with_three_or_four_figures() -> None:
    written = [format_number(x) for x in (1234.5, 123.4, 12.34, 1.234, 0.1234, -0.5)]
    assert written == ["1,234", "123", "12.3", "1.23", "0.123", "-0.500"]
    assert format_number(float("nan")) == format_number(float("inf")) == "n/a"


def test_values_keep_integers_whole() -> None:
    assert [format_value(v) for v in (3, np.int64(4), 0.123456, np.float64(2.0), "x")] == [
        "3", "4", "0.1235", "2", "x"
    ]  # fmt: skip
    assert format_value(float("nan")) == "n/a"


def test_a_table_aligns_left_then_right_under_a_rule() -> None:
    text = render_table(["name", "value"], [["a", "1"], ["longer", "22"]], left=1)
    assert text.splitlines() == ["name    value", "------  -----", "a           1", "longer     22"]


def test_a_wrapped_column_continues_on_the_next_lines() -> None:
    text = render_table(["id", "note"], [["F1", "one two three four"]], left=2, wrap={1: 9})
    assert text.splitlines()[2:] == ["F1  one two", "    three", "    four"]


def test_message_parts() -> None:
    assert did_you_mean("colaboration", ["collaboration", "governance"]) == (
        " (did you mean 'collaboration'?)"
    )
    assert did_you_mean("zzz", ["collaboration"]) == ""
    assert one_line("a\n  b\tc") == "a b c"
