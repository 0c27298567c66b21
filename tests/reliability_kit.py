"""Shared media and runs for the reliability tests (bad inputs, injection, crash safety).

Built once per test process and cached on the module, so every test file reuses the same clip (the sample's first pitch and call to action),
the same good run (its out folder is copied, so its stage cache serves later runs) and tiny clips.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from reelcart.cli import main
from reelcart.media.ffmpeg import run_ffmpeg

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
FAST = ("--set", "transcribe.model=tiny.en", "--set", "render.width_px=270", "--set", "render.height_px=480")


@functools.cache
def scratch() -> Path:
    path = Path(tempfile.mkdtemp(prefix="reelcart-reliability-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def orders_text(spike_at_s: float = 60.0, duration_s: float = 70.0) -> str:
    """Seconds-from-start orders: a thin baseline of bottles and a glow-serum spike at ``spike_at_s``."""
    rows = ["order_id,timestamp,sku,quantity"]
    n = 0
    t = 0.5
    while t < duration_s:
        n += 1
        rows.append(f"O{n},{t:.1f},SKU-BAMBOO-750,1")
        t += 4
    for i in range(30):
        n += 1
        rows.append(f"O{n},{min(spike_at_s + i * 0.3, duration_s - 0.1):.1f},SKU-GLOW-30,1")
    return "\n".join(rows) + "\n"


@functools.cache
def clip40() -> Path:
    """The sample's first 70 s (first pitch 22-51 s, its call to action at 48-51 s), re-muxed without re-encoding.

    (The name is historical: the clip once ended at 40 s, before the call to action.)"""
    target = scratch() / "clip40.mp4"
    run_ffmpeg(["-i", str(SAMPLES / "livestream.mp4"), "-t", "70", "-c", "copy", "-map_metadata", "0", str(target)],
               what="cut fixture")
    return target


@functools.cache
def orders40() -> Path:
    path = scratch() / "orders40.csv"
    path.write_text(orders_text())
    return path


def cli(*args: str | Path):
    """The CLI in-process (exceptions are the CLI's business: a traceback would be a failure)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def run_args(video: Path, out: Path, *, orders: Path | None = None, catalog: Path | None = None, extra=()) -> list:
    return ["run", video, "--orders", orders or orders40(), "--catalog", catalog or SAMPLES / "catalog.csv",
            "--out", out, *FAST, *extra]


@functools.cache
def good_run() -> Path:
    """One complete run of the 70 s clip (~15 s); copy it with ``good_copy`` for a warm cache."""
    out = scratch() / "good"
    result = cli(*run_args(clip40(), out))
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text())["reels"], result.output
    return out


def good_copy(dest: Path) -> Path:
    shutil.copytree(good_run(), dest, symlinks=True)
    return dest


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder``."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def error_line(result) -> str:  # noqa: ANN001 - click Result
    """The single error line of a failed CLI run (asserts there is exactly one, and no traceback)."""
    text = result.output if hasattr(result, "output") else result
    assert "Traceback" not in text, text
    lines = [ln for ln in text.splitlines() if ln.startswith("reelcart: error:")]
    assert len(lines) == 1, text
    assert "unexpected" not in lines[0], lines[0]
    assert "\n" not in lines[0]
    return lines[0]


def subprocess_cli(args: list, *, cwd: Path | None = None, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.Popen([sys.executable, "-m", "reelcart.cli", *[str(a) for a in args]], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def probe_ok(path: Path) -> float:
    """Decode every packet header and the last video frame; return the duration in seconds."""
    import av

    with av.open(str(path)) as container:
        assert container.streams.video, path
        frames = sum(1 for _ in container.decode(video=0))
        assert frames > 0, path
        return container.duration / 1e6 if container.duration else 0.0
