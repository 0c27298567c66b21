"""reelcart: shoppable 9:16 reels from live-shopping recordings, guided by the order log."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

__version__ = "0.1.0"

# Modules that moved when the code was arranged into folders. Old import paths keep working
# (``import reelcart.orders`` gives ``reelcart.inputs.orders``, the very same module object), so
# outside code need not change at once; new code uses the new paths.
MOVED = {
    "reelcart.orders": "reelcart.inputs.orders",
    "reelcart.tabular": "reelcart.inputs.tabular",
    "reelcart.catalog": "reelcart.inputs.catalog",
    "reelcart.ffmpeg": "reelcart.media.ffmpeg",
    "reelcart.fonts": "reelcart.media.fonts",
    "reelcart.validate": "reelcart.media.validate",
    "reelcart.stages.probe": "reelcart.media.probe",
    "reelcart.platforms": "reelcart.handoff.platforms",
    "reelcart.templates": "reelcart.handoff.templates",
    "reelcart.copywriting": "reelcart.handoff.copywriting",
    "reelcart.export": "reelcart.handoff.export",
    "reelcart.report": "reelcart.handoff.report",
    "reelcart.schema": "reelcart.handoff.schema",
    "reelcart.doctor": "reelcart.cli.checks",
    "reelcart.stages.transcript_files": "reelcart.stages.captions.transcript_files",
    "reelcart.stages.subjects": "reelcart.stages.reframe.subjects",
    "reelcart.stages.thumbnail": "reelcart.stages.render.thumbnail",
}


class _MovedModuleLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target
        self.target_spec = None

    def create_module(self, spec):  # noqa: ANN001 - importlib protocol
        module = importlib.import_module(self.target)
        self.target_spec = module.__spec__
        return module

    def exec_module(self, module) -> None:  # noqa: ANN001 - importlib protocol
        # Already executed under its new name; importlib has just stamped the alias's spec on it.
        module.__spec__ = self.target_spec


class _MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Resolves an old module path from ``MOVED`` to the module at its new path."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 - importlib protocol
        new_name = MOVED.get(fullname)
        if new_name is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _MovedModuleLoader(new_name))


if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _MovedModuleFinder())
