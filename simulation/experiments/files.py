"""Where the shipped scenario and experiment files are, in a checkout and in an installed wheel.

Both folders stay at the top of the repository (where users look for them) and are packaged
as ``simulation.shipped.scenarios`` and ``simulation.shipped.experiments`` (see
``pyproject.toml``), so the import system finds them wherever the package is installed
(a wheel, an editable install); an environment variable may point at another folder.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

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
