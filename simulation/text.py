"""How dtsim writes things as text: numbers, values, aligned tables, and the parts of a message.

One of each, shared by every layer (the model's messages, the experiments' file checks, the
analyses' summaries, the report and the CLI), so a number reads the same wherever it appears.
"""

from __future__ import annotations

import difflib
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def format_number(x: float) -> str:
    """Three or four significant figures without scientific notation."""
    if not math.isfinite(x):
        return "n/a"
    size = abs(x)
    if size >= 1000:
        return f"{x:,.0f}"
    if size >= 100:
        return f"{x:.0f}"
    if size >= 10:
        return f"{x:.1f}"
    if size >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def format_value(value: Any) -> str:
    """A parameter value for a table or a label: integers whole, others to 4 significant."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "n/a"
        return f"{float(value):.4g}"
    return str(value)


def render_table(
    header: Sequence[str],
    body: Iterable[Sequence[str]],
    left: int = 1,
    wrap: Mapping[int, int] | None = None,
) -> str:
    """A plain-text table under a rule: the first ``left`` columns left-aligned, the rest right.

    ``wrap`` maps a column's index to a width: its cells are wrapped onto continuation lines
    (the table of validity checks, whose sentences would otherwise run off the terminal).
    """
    wrap = wrap or {}
    rows = [[list(_lines(c, wrap.get(i))) for i, c in enumerate(r)] for r in body]
    widths = [
        max([len(h)] + [len(line) for row in rows for line in row[i]]) for i, h in enumerate(header)
    ]

    def line(cells: Iterable[str]) -> str:
        text = [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(text).rstrip()

    lines = [line(header), "  ".join("-" * w for w in widths)]
    for row in rows:
        for k in range(max((len(c) for c in row), default=1)):
            lines.append(line(c[k] if k < len(c) else "" for c in row))
    return "\n".join(lines)


def markdown_table(header: Sequence[str], body: Iterable[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table; a ``|`` inside a cell is escaped."""

    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([row(header), "|" + "|".join("---" for _ in header) + "|", *map(row, body)])


def _lines(cell: str, width: int | None) -> list[str]:
    return (textwrap.wrap(cell, width) or [""]) if width else [cell]


# --- the parts of a one-line message ---------------------------------------------------------


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest allowed word, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def toml_repr(value: Any) -> str:
    """A value as it was written in the file, so the message can be matched by eye."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + one_line(value)[:40] + '"'
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return "[...]"
    return str(value)


def one_line(text: str) -> str:
    """Any text on one line: a message must never spill a file's line breaks."""
    return " ".join(text.split())


def display_path(path: Path) -> str:
    """A path as short as it can be said: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
