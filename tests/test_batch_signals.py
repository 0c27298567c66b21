"""Killing a batch mid-way (SIGINT, SIGTERM, SIGKILL): nothing left looks complete but is not, no
process is left behind, and the next run finishes the work from where it stopped."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from reelcart.batch import REPORT_FILE
from reelcart.pipeline import stage_names

from .batchkit import (
    FAST,
    ROOT,
    add_catalog,
    add_recording,
    assert_honest,
    cli_env,
    cut_clip,
    events,
    probe_ok,
    start_batch,
    wait_for_event,
    wait_for_process,
    wait_no_processes,
)

STAGES = stage_names()  # a default run: no clock estimate


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return cut_clip(tmp_path_factory.mktemp("signal-media") / "clip.mp4")


@pytest.mark.parametrize(
    ("sig", "names", "stage", "code"),
    [
        # Ctrl-C while two jobs transcribe side by side
        (signal.SIGINT, ("one", "two"), "transcribe", 130),
        # a scheduler's SIGTERM while ffmpeg writes a reel
        (signal.SIGTERM, ("one",), "render", 143),
        # SIGKILL: the batch cannot clean up; its job processes notice and clean up themselves
        (signal.SIGKILL, ("one",), "render", -9),
    ],
    ids=["SIGINT", "SIGTERM", "SIGKILL"],
)
def test_killed_batch_leaves_honest_output_and_resumes(tmp_path, clip, sig, names, stage, code):
    shows = tmp_path / "shows"
    add_catalog(shows)
    for name in names:
        add_recording(shows, name, clip)
    out = tmp_path / "out"
    mark = uuid.uuid4().hex
    env = cli_env(REELCART_TEST_MARK=mark)
    args = [str(shows), "--out", str(out), "--jobs", str(len(names)), *FAST]

    proc = start_batch(args, log=tmp_path / "first.jsonl", env=env)
    try:
        wait_for_event(tmp_path / "first.jsonl", proc, event="stage_start", stage=stage, job=names[0])
        if stage == "render":  # strike while ffmpeg is writing a reel
            wait_for_process(mark, "libx264")
            assert list((out / names[0]).glob(".reel-1.*.partial.mp4"))
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == code, proc.stderr.read().decode()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    # every job process and every ffmpeg it started is gone
    assert wait_no_processes(mark) == []
    assert_honest(out)
    assert not list(out.rglob("manifest.json"))
    first = events(tmp_path / "first.jsonl")
    assert not [e for e in first if e["event"] == "stage_end" and e["stage"] == stage]  # it was stopped mid-stage
    report = json.loads((out / REPORT_FILE).read_text())
    if sig == signal.SIGKILL:
        assert report["state"] == "running"  # honest: it never finished; pid tells which process it was
    else:
        assert report["state"] == "interrupted"
        assert {j["status"] for j in report["jobs"]} == {"interrupted"}
        assert all(j["failed_stage"] == stage or j["failed_stage"] in STAGES for j in report["jobs"])
        assert first[-1]["event"] == "batch_end" and first[-1]["state"] == "interrupted"

    # the next run finishes the work, reusing every stage finished before the signal
    again = subprocess.run([sys.executable, "-m", "reelcart.cli", "batch", *args, "--log-format", "json"],
                           capture_output=True, env=env, cwd=ROOT, timeout=300)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    log = [json.loads(line) for line in again.stdout.decode().splitlines() if line.strip()]
    finished_before = {(e["job"], e["stage"]) for e in first if e["event"] == "stage_end"}
    for name in names:
        status = {e["stage"]: e["status"] for e in log if e["job"] == name and e["event"] == "stage_end"}
        assert set(status) == set(STAGES)
        assert all(status[s] == "cached" for n, s in finished_before if n == name), (finished_before, status)
        assert status[stage] == "ran", status  # the interrupted stage runs again, in full
    before = STAGES[: STAGES.index(stage)]
    assert {(names[0], s) for s in before} <= finished_before  # so everything before it came from the cache
    report = json.loads((out / REPORT_FILE).read_text())
    assert report["state"] == "finished" and {j["status"] for j in report["jobs"]} == {"done"}
    for name in names:
        manifest = json.loads((out / name / "manifest.json").read_text())
        assert manifest["reels"]
        for reel in manifest["reels"]:
            assert probe_ok(out / name / reel["file"])[0]
    assert_honest(out)
    assert wait_no_processes(mark) == []
