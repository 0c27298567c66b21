"""Check that two runs made the same reels: ``manifest.json`` and ``plan.json`` compared field by field.

    python scripts/compare_outputs.py BEFORE_DIR AFTER_DIR     # compare two out folders
    python scripts/compare_outputs.py BEFORE_DIR               # run the sample into a temp folder first

What may differ and is ignored: the reelcart version, timestamps of when a run happened, and where
the inputs lived (absolute paths are compared by file name, so two checkouts compare equal).
Everything else must be equal; the script prints each difference and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FILES = ("manifest.json", "plan.json")
IGNORED_KEYS = {"version", "reelcart_version", "created", "created_at", "generated_at", "finished_at", "started_at"}


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if k not in IGNORED_KEYS}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str) and os.path.isabs(value) and "/" in value and "://" not in value:
        return Path(value).name
    return value


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after)):
            if key not in after:
                out.append(f"{where}.{key}: only before")
            elif key not in before:
                out.append(f"{where}.{key}: only after")
            else:
                out += differences(before[key], after[key], f"{where}.{key}")
        return out
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{where}: {len(before)} items before, {len(after)} after"]
        return [d for i, (b, a) in enumerate(zip(before, after)) for d in differences(b, a, f"{where}[{i}]")]
    return [] if before == after else [f"{where}: {before!r} -> {after!r}"]


def run_sample(out: Path) -> None:
    samples = ROOT / "samples"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-m", "reelcart.cli", "run", str(samples / "livestream.mp4"), "--orders",
                    str(samples / "orders.csv"), "--catalog", str(samples / "catalog.csv"), "--out", str(out)],
                   check=True, env=env)


def compare(before_dir: Path, after_dir: Path) -> list[str]:
    found = []
    for name in FILES:
        before = normalise(json.loads((before_dir / name).read_text(encoding="utf-8")))
        after = normalise(json.loads((after_dir / name).read_text(encoding="utf-8")))
        found += [f"{name}{d}" for d in differences(before, after)]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="an out folder of an earlier run")
    parser.add_argument("after", type=Path, nargs="?", help="an out folder to compare (default: run the sample now)")
    args = parser.parse_args(argv)
    after = args.after
    if after is None:
        after = Path(tempfile.mkdtemp(prefix="reelcart-compare-"))
        run_sample(after)
    found = compare(args.before, after)
    for line in found:
        print(line)
    reels = len(json.loads((after / "manifest.json").read_text(encoding="utf-8"))["reels"])
    print(f"{'DIFFERENT' if found else 'same'}: {', '.join(FILES)} of {args.before} and {after} "
          f"({reels} reels; versions, run times and input folders ignored)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
