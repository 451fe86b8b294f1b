"""``dtsim``: the command line, a thin client that parses, calls the layers below and shows."""

from simulation.cli.main import OUTPUT_FILES, UsageError, build_parser, main

__all__ = ["OUTPUT_FILES", "UsageError", "build_parser", "main"]
