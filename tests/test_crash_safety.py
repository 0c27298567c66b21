"""SIGKILL `reelcart run` at seeded random moments: every file it leaves is either absent or whole, and the
next run completes (resuming from the stage cache) with the same reels as an uninterrupted run."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import wave
from pathlib import Path

from .reliability_kit import SAMPLES, FAST, clip40, good_run, orders40, probe_ok, subprocess_cli


def assert_whole(out: Path) -> list[str]:
    """Every visible file under ``out`` is complete; returns the names checked. Hidden ``.x.partial.ext``
    files are the atomic writer's temporaries (never renamed into place by a killed run)."""
    checked = []
    for path in sorted(out.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(out).parts):
            continue
        checked.append(str(path.relative_to(out)))
        suffix = path.suffix.lower()
        if suffix == ".mp4":
            assert probe_ok(path) > 1, path
        elif suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif suffix == ".wav":
            with wave.open(str(path)) as w:
                assert w.getnframes() > 0, path
        elif suffix in (".jpg", ".jpeg", ".png"):
            from PIL import Image

            with Image.open(path) as img:
                img.load()
        elif suffix == ".csv":
            rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
            assert rows and len({len(r) for r in rows}) == 1, path
        elif suffix == ".html":
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path
        elif suffix in (".ass", ".srt", ".txt"):
            assert path.read_text(encoding="utf-8").strip(), path
    manifest = out / "manifest.json"
    if manifest.is_file():  # a manifest only with its reels
        for reel in json.loads(manifest.read_text())["reels"]:
            assert (out / reel["file"]).is_file(), reel["file"]
    return checked


def test_sigkill_at_random_points_then_resume(tmp_path):
    out = tmp_path / "out"
    args = ["run", clip40(), "--orders", orders40(), "--catalog", SAMPLES / "catalog.csv", "--out", out, *FAST]
    rng = random.Random(20261122)
    killed_at = []
    for _ in range(4):
        proc = subprocess_cli(args, start_new_session=True)
        delay = rng.uniform(1.0, 9.0)
        try:
            proc.wait(timeout=delay)
        except Exception:  # noqa: BLE001 - still running: kill the whole tree, as a power cut or the OOM killer would
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            killed_at.append(round(delay, 1))
        else:
            assert proc.returncode == 0, proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        assert_whole(out)
    assert killed_at, "no run was killed: the delays are too long for this machine"
    final = subprocess_cli(args)
    stdout, stderr = final.communicate(timeout=300)
    assert final.returncode == 0, stderr
    checked = assert_whole(out)
    assert "manifest.json" in checked and any(name.endswith(".mp4") for name in checked)
    got = json.loads((out / "manifest.json").read_text())["reels"]
    want = json.loads((good_run() / "manifest.json").read_text())["reels"]
    assert [(r["file"], r["start_s"], r["end_s"]) for r in got] == [(r["file"], r["start_s"], r["end_s"]) for r in want]


def test_a_run_after_a_hard_kill_clears_its_temporaries_and_a_stale_manifest(tmp_path, monkeypatch):
    """`reelcart run` (like a batch job) removes the hidden temporaries a killed run left, and a
    manifest goes as soon as a new reel replaces one it lists (a failed encode leaves both alone:
    see test_bad_inputs' disk-full cases)."""
    from reelcart.stages import render

    from .reliability_kit import cli, good_copy, run_args

    out = good_copy(tmp_path / "out")
    stale = [out / ".reel-1.k2j3.partial.mp4", out / "work" / ".audio-16k.x1.partial.wav"]
    for path in stale:
        path.write_bytes(b"half")
    result = cli(*run_args(clip40(), out))
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in stale)
    assert (out / "manifest.json").is_file()

    def thumbnail_fails(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the disk fills up after the reel's encode
        raise OSError("disk full")

    before = (out / "reel-1.mp4").read_bytes()
    monkeypatch.setattr(render, "_write_thumbnail", thumbnail_fails)
    result = cli(*run_args(clip40(), out, extra=("--set", "render.crf=30")))  # the reel must be made again
    assert result.exit_code != 0
    assert (out / "reel-1.mp4").read_bytes() != before  # replaced (atomically) by the new settings' reel ...
    assert not (out / "manifest.json").exists()  # ... so the old manifest, which describes the old one, is gone
