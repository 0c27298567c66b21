"""Helpers for the batch tests: short recordings cut from the sample, order logs, output checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import av

from reelcart.media.ffmpeg import run_ffmpeg

from .conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[1]

# Small and fast where it does not matter for batches: English tiny model, greedy decoding, no
# subject tracking, a 270x480 canvas, no loudness pass. Each job then takes a few seconds.
FAST = [
    "--set", "transcribe.model=tiny.en", "--set", "transcribe.beam_size=1", "--set", "reframe.mode=center",
    "--set", "render.width_px=270", "--set", "render.height_px=480", "--set", "render.normalize_loudness=false",
]

CLIP_START_S = 20.0  # the sample's first pitch (Velvet Glow Serum) starts at 21.9 s, its call to action ends at 50.7 s
CLIP_LENGTH_S = 45.0


def cut_clip(target: Path) -> Path:
    """45 s of the sample around the first pitch and its call to action, stream-copied (no re-encode)."""
    run_ffmpeg(["-ss", f"{CLIP_START_S}", "-i", str(SAMPLES / "livestream.mp4"), "-t", f"{CLIP_LENGTH_S}", "-c", "copy",
                "-map_metadata", "0", str(target)], what="cut batch fixture")
    return target


def orders_csv(spike_at_s: float = 38.0) -> str:
    """A quiet background of one SKU and a burst of the pitched one just after its call to action
    (times in seconds from the start of the clip)."""
    rows = ["order_id,timestamp,sku,quantity"]
    for n, t in enumerate(range(1, 44, 6), start=1):
        rows.append(f"B{n},{t + 0.5},SKU-BAMBOO-750,1")
    for i in range(16):
        rows.append(f"G{i + 1},{spike_at_s + i * 0.18:.2f},SKU-GLOW-30,{1 + i % 2}")
    return "\n".join(rows) + "\n"


def add_recording(folder: Path, name: str, clip: Path, *, orders: str | None = None) -> Path:
    """``name.mp4`` + ``name.orders.csv`` in ``folder`` (the folder naming rule)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(clip, folder / f"{name}.mp4")
    (folder / f"{name}.orders.csv").write_text(orders if orders is not None else orders_csv(), encoding="utf-8")
    return folder / f"{name}.mp4"


def add_catalog(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(SAMPLES / "catalog.csv", folder / "catalog.csv"))


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def start_batch(args: list[str], *, log: Path, env: dict[str, str]) -> subprocess.Popen:
    """``python -m reelcart.cli batch ARGS --log-format json`` in the background, JSON log to ``log``."""
    out = open(log, "wb")  # noqa: SIM115 - the child owns it
    return subprocess.Popen([sys.executable, "-m", "reelcart.cli", "batch", *args, "--log-format", "json"],
                            stdout=out, stderr=subprocess.PIPE, env=env, cwd=ROOT)


def events(log: Path) -> list[dict]:
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def wait_for_event(log: Path, proc: subprocess.Popen, timeout_s: float = 90.0, **match: object) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for event in events(log) if log.exists() else []:
            if all(event.get(k) == v for k, v in match.items()):
                return event
        if proc.poll() is not None:
            raise AssertionError(f"batch ended (code {proc.returncode}) before {match}: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    raise AssertionError(f"no event {match} within {timeout_s} s")


def marked_processes(mark: str) -> list[str]:
    """Live processes (ours: the batch, its jobs, their ffmpeg) whose environment carries ``mark``."""
    found = []
    needle = f"REELCART_TEST_MARK={mark}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if needle in (proc / "environ").read_bytes():
                stat = (proc / "stat").read_text()
                if ") Z " in stat:  # a zombie waiting for its parent to reap it: not running
                    continue
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{proc.name} {cmdline}")
        except OSError:
            continue
    return found


def wait_for_process(mark: str, contains: str, timeout_s: float = 60.0) -> str:
    """Wait until one of our marked processes has ``contains`` in its command line."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in marked_processes(mark):
            if contains in line:
                return line
        time.sleep(0.02)
    raise AssertionError(f"no process with {contains!r} within {timeout_s} s")


def wait_no_processes(mark: str, timeout_s: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout_s
    left = marked_processes(mark)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = marked_processes(mark)
    return left


def probe_ok(path: Path) -> tuple[bool, str]:
    """A playable MP4: opens, has video and audio, a positive duration, and its first frame decodes."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video or not container.streams.audio:
                return False, "missing a video or audio stream"
            if not container.duration or container.duration <= 0:
                return False, "no duration"
            next(container.decode(video=0))
        return True, ""
    except Exception as exc:  # noqa: BLE001
        return False, f"{type(exc).__name__}: {exc}"


def assert_honest(out: Path) -> None:
    """Nothing under ``out`` looks complete but is not: no half-written temporary files, every MP4
    playable, every JSON parseable, and no manifest without all of its reels, captions and thumbnails."""
    problems = []
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        if ".partial" in path.name:
            problems.append(f"temporary file left behind: {path}")
        elif path.suffix == ".mp4":
            ok, why = probe_ok(path)
            if not ok:
                problems.append(f"{path}: not a playable MP4 ({why})")
        elif path.suffix == ".json":
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                problems.append(f"{path}: not JSON ({exc})")
    for manifest_path in out.rglob("manifest.json"):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not manifest.get("reels"):
            problems.append(f"{manifest_path}: no reels")
        for reel in manifest.get("reels", []):
            for key in ("file", "captions", "thumbnail"):
                target = manifest_path.parent / reel[key]
                if not target.is_file() or target.stat().st_size == 0:
                    problems.append(f"{manifest_path}: {key} {reel[key]} missing")
    assert not problems, "\n".join(problems)
