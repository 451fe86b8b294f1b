"""CITATION.cff names the released version and where the code lives.

The file is read with a small reader of its top-level ``key: value`` lines (PyYAML is not a
dependency of dtsim); when PyYAML happens to be installed, its reading is checked to agree.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import simulation

ROOT = Path(__file__).resolve().parents[1]
CITATION = ROOT / "CITATION.cff"
REPOSITORY = "https://github.com/dtsim/dtsim"
TOP_LEVEL = re.compile(r"^([A-Za-z][\w-]*):[ \t]*(.*?)[ \t]*$")


def top_level_scalars(text: str) -> dict[str, str]:
    """Top-level ``key: value`` pairs with a plain or quoted scalar on the same line."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = TOP_LEVEL.match(line)
        if match is None:
            continue
        key, value = match.groups()
        if not value or value[0] in ">|[{&*!#":  # block, flow or tagged value: not a scalar
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key] = value
    return out


def citation() -> dict[str, str]:
    return top_level_scalars(CITATION.read_text(encoding="utf-8"))


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]["version"]


def test_citation_version_is_the_package_version() -> None:
    version = project_version()
    assert citation()["version"] == version, "CITATION.cff and pyproject.toml disagree"
    assert simulation.__version__ == version, "simulation.__version__ and pyproject.toml disagree"


def test_citation_names_the_repository() -> None:
    fields = citation()
    assert fields["repository-code"] == REPOSITORY
    assert fields["url"] == REPOSITORY


def test_reader_reads_quoted_plain_and_skips_blocks() -> None:
    text = 'a: 1.0\nb: "x: y"\nc: >-\n  folded\nd:\n  - item\n  e: nested\n'
    assert top_level_scalars(text) == {"a": "1.0", "b": "x: y"}


def test_pyyaml_agrees_when_installed() -> None:
    yaml = pytest.importorskip("yaml")
    parsed = yaml.safe_load(CITATION.read_text(encoding="utf-8"))
    fields = citation()
    for key in ("cff-version", "title", "version", "license", "repository-code", "url"):
        assert str(parsed[key]) == fields[key], key
