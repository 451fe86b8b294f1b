"""The user's files in: where the shipped ones are, the one TOML reader, the one value check.

Scenarios and experiments are read by :func:`read_toml` and their parameter values checked
by :func:`parameter_value`, so a bad file gets the same one-line message whichever command
reads it: the file, the key, what was found and what is allowed.

Where the shipped scenario and experiment files are, in a checkout and in an installed wheel:

Both folders stay at the top of the repository (where users look for them) and are packaged
as ``simulation.shipped.scenarios`` and ``simulation.shipped.experiments`` (see
``pyproject.toml``), so the import system finds them wherever the package is installed
(a wheel, an editable install); an environment variable may point at another folder.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulation.experiments.limits import MAX_FILE_BYTES, check_input_file, read_bounded
from simulation.model.params import PARAMETERS, ParamSpec
from simulation.text import did_you_mean, display_path, one_line, toml_repr

CSV_OPTIONS: dict[str, Any] = {"index": False, "float_format": "%.10g", "lineterminator": "\n"}
"""Fixed formatting of every CSV file dtsim writes, so the same inputs give byte-identical
files."""

SHIPPED = {"scenarios": "DTSIM_SCENARIOS", "experiments": "DTSIM_EXPERIMENTS"}
"""Each shipped folder and the environment variable that can replace it."""


def shipped_dir(kind: str) -> Path:
    """The folder of shipped ``kind`` files (``scenarios`` or ``experiments``).

    ``$DTSIM_SCENARIOS`` / ``$DTSIM_EXPERIMENTS`` win when set; otherwise the package's own
    copy (a wheel) or the repository folder it maps to (an editable install).
    """
    env = os.environ.get(SHIPPED[kind])
    if env:
        return Path(env)
    try:
        # The folders hold no __init__.py: namespace packages, found through their spec.
        spec = importlib.util.find_spec(f"simulation.shipped.{kind}")
    except ModuleNotFoundError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    # A checkout used without installing (PYTHONPATH=.): the folder beside the package.
    return Path(__file__).resolve().parents[2] / kind


def read_toml(
    path: Path, where: str, kind: str, error: type[Exception]
) -> tuple[dict[str, Any], str]:
    """Read a TOML file of scenarios or experiments: (data, text), or `error` in one line.

    Only a regular file of at most :data:`~simulation.experiments.limits.MAX_FILE_BYTES` is
    read; a UTF-8 byte-order mark (as some Windows editors save) is accepted.
    """
    check_input_file(path, where, kind, error)
    try:
        raw = read_bounded(path)
    except OSError as exc:
        raise error(f"{where}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise error(f"{where}: larger than {MAX_FILE_BYTES:,} bytes; allowed at most that")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{where}: not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML: {one_line(str(exc))}") from None


def parameter_value(
    name: str,
    value: Any,
    key: str,
    where: str,
    error: type[Exception],
    spec: ParamSpec | None = None,
) -> float | int:
    """One parameter value from a file, checked against its declaration in
    :mod:`simulation.model.params` (or ``spec``, a sweep factor's) and returned in the declared
    type; `error` names the file (`where`), the key as written (`key`), what was found and what
    is allowed."""
    spec = spec or PARAMETERS.get(name)
    if spec is None:
        raise error(
            f"{where}: unknown parameter {key}{did_you_mean(name, PARAMETERS)}; "
            "allowed: the names in simulation/model/params.py"
        )
    allowed = f"[{spec.low}, {spec.high}] ({spec.unit})"
    shown = f"{key} = {toml_repr(value)}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        want = "an integer" if spec.kind is int else "a number"
        raise error(f"{where}: {shown} is not {want}; allowed {want} in {allowed}")
    if not math.isfinite(value):
        raise error(f"{where}: {shown} is not a finite number; allowed {allowed}")
    if spec.kind is int and not float(value).is_integer():
        raise error(f"{where}: {shown} is not an integer; allowed an integer in {allowed}")
    if not spec.low <= value <= spec.high:
        raise error(f"{where}: {shown} is out of range; allowed {allowed}")
    return spec.kind(value)


def parameter_range(
    name: str,
    value: Any,
    key: str,
    where: str,
    error: type[Exception],
    spec: ParamSpec | None = None,
) -> tuple[float | int, float | int]:
    """A ``[lo, hi]`` range of one parameter from a file (experiments' dimensions, targets'
    priors): two values each checked like :func:`parameter_value`, with lo < hi."""
    spec = spec or PARAMETERS[name]
    if not isinstance(value, list) or len(value) != 2:
        raise error(
            f"{where}: {key} = {toml_repr(value)} is not allowed; allowed: [lo, hi], two "
            f"numbers in [{spec.low}, {spec.high}] ({spec.unit})"
        )
    low = parameter_value(name, value[0], f"{key}[0]", where, error, spec)
    high = parameter_value(name, value[1], f"{key}[1]", where, error, spec)
    if not low < high:
        raise error(f"{where}: {key} = [{low}, {high}] is empty; allowed: [lo, hi] with lo < hi")
    return low, high


def whole_number(
    value: Any, key: str, where: str, error: type[Exception], low: int, high: int | None = None
) -> int:
    """A count or a seed from a file: an integer (not a bool) in ``[low, high]``."""
    too_big = high is not None and isinstance(value, int) and value > high
    if isinstance(value, bool) or not isinstance(value, int) or value < low or too_big:
        allowed = f">= {low:,}" if high is None else f"from {low:,} to {high:,}"
        raise error(
            f"{where}: {key} = {toml_repr(value)} is not allowed; allowed: a whole number {allowed}"
        )
    return value


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes (to trace a run to the file it came from), or None."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


NAME_MAX = 100
"""Longest scenario name accepted in a folder name."""


def check_name(name: object, where: str, error: type[Exception]) -> str:
    """A scenario name as it may appear in a folder name: one plain path component.

    Names from the command line are file stems and pass; a name read from an edited
    manifest (``../x``) must not make dtsim write outside ``results/``.
    """
    if (
        not isinstance(name, str)
        or not name
        or len(name) > NAME_MAX
        or name in (".", "..")
        or name.startswith(".")
        or any(c in name for c in "/\\:")
        or not name.isprintable()
    ):
        raise error(
            f"{where}: name = {name!r:.60} is not allowed; allowed: a scenario name of at most "
            f"{NAME_MAX} printable characters, without / \\ : and not starting with a dot"
        )
    return name


def locate(
    name_or_path: str | Path, kind: str, folder: Path, names: list[str], error: type[Exception]
) -> Path:
    """The file of a name in ``folder`` (``NAME.toml``), or a path as given; an unknown name
    lists the available ones, with a did-you-mean."""
    if isinstance(name_or_path, Path):
        return name_or_path
    text = str(name_or_path)
    if text.endswith(".toml") or os.sep in text or "/" in text:
        return Path(text)
    path = folder / f"{text}.toml"
    if not path.is_file():
        available = ", ".join(names) if names else f"none in {display_path(folder)}"
        raise error(f"unknown {kind} {text!r}{did_you_mean(text, names)}; available: {available}")
    return path


def require_keys(
    data: dict[str, Any],
    required: Sequence[str],
    allowed: dict[str, str],
    where: str,
    error: type[Exception],
) -> None:
    """Refuse a file that lacks a required top-level key, saying what the key is for."""
    for key in required:
        if key not in data:
            raise error(f"{where}: missing required key {key!r} ({allowed[key]})")


def title_of(data: dict[str, Any], where: str, error: type[Exception]) -> str:
    """The file's ``title``: a non-empty string, stripped."""
    title = data["title"]
    if not isinstance(title, str) or not title.strip():
        raise error(f"{where}: title = {toml_repr(title)} is not allowed; allowed: a string")
    return title.strip()


def check_keys(
    data: dict[str, Any], allowed: dict[str, str], where: str, error: type[Exception]
) -> None:
    """Refuse a top-level key the file format does not have, naming the allowed ones."""
    for key in data:
        if key not in allowed:
            raise error(
                f"{where}: unknown top-level key {key!r}{did_you_mean(key, allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )
