"""The code's layout: every module imports on its own (no import cycles), old paths still resolve,
and the package root stays small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "reelcart"


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_first():
    """Each module imported first in a fresh module table: an import cycle fails here."""
    script = (
        "import importlib, sys\n"
        f"names = {_modules()!r}\n"
        "bad = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m == 'reelcart' or m.startswith('reelcart.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        bad.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_old_import_paths_resolve_to_the_moved_modules():
    import reelcart
    import reelcart.orders
    from reelcart import ffmpeg
    from reelcart.inputs import orders
    from reelcart.media import ffmpeg as moved_ffmpeg
    from reelcart.stages import probe

    assert reelcart.orders is orders
    assert ffmpeg is moved_ffmpeg
    assert probe.__name__ == "reelcart.media.probe" and probe.__spec__.name == "reelcart.media.probe"
    assert set(reelcart.MOVED) and all(new.startswith("reelcart.") for new in reelcart.MOVED.values())


def test_at_most_eight_modules_at_the_package_root():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top
