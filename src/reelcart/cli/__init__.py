"""The command line: a thin layer over the pipeline. Errors are reported once, on one line.

``parse`` holds the command group and what the commands share (options, one-line errors, the run
request); ``reels`` the commands that make or plan reels; ``tools`` the commands around a run.
"""

from __future__ import annotations

from . import reels, studio, tools  # noqa: F401 - importing them registers their commands on the group
from .parse import main

__all__ = ["main"]
