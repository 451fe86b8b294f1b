"""``python -m simulation``: the same command as ``dtsim``."""

from simulation.cli import main

raise SystemExit(main())
