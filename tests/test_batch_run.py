"""A real batch on the local process pool: isolated failures, summary, report, JSON log, resume."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelcart.batch import REPORT_FILE
from reelcart.pipeline import stage_names
from reelcart.cli import main

from .batchkit import FAST, add_catalog, add_recording, assert_honest, cut_clip, probe_ok

STAGES = stage_names()  # a default run: no clock estimate


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return cut_clip(tmp_path_factory.mktemp("batch-media") / "clip.mp4")


@pytest.fixture(scope="module")
def week(tmp_path_factory, clip):
    """Five recordings: one good, and one for each way a job can fail."""
    folder = tmp_path_factory.mktemp("week")
    add_catalog(folder)
    add_recording(folder, "good", clip)
    add_recording(folder, "corrupt", clip)
    (folder / "corrupt.mp4").write_bytes(os.urandom(200_000))  # not a media file
    add_recording(folder, "badorders", clip, orders="hello,world\n1,2\n")  # no timestamp or SKU column
    add_recording(folder, "encode", clip)
    (folder / "encode.preset.yaml").write_text("render:\n  crf: 0\n")  # lossless needs High 4:4:4: x264 refuses, the encode fails
    (folder / "noorders.mp4").write_bytes(clip.read_bytes())  # no order log beside it
    return folder


def batch(folder: Path, out: Path, *extra: str):
    args = ["batch", str(folder), "--out", str(out), "--jobs", "2", "--log-format", "json", *FAST, *extra]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def json_log(result) -> list[dict]:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    for event in events:
        assert {"job", "stage", "event", "seconds"} <= set(event), event
        assert isinstance(event["seconds"], (int, float))
    return events


def stage_status(events: list[dict], job: str) -> dict[str, str]:
    return {e["stage"]: e["status"] for e in events if e["job"] == job and e["event"] == "stage_end"}


@pytest.fixture(scope="module")
def first_run(week, tmp_path_factory):
    out = tmp_path_factory.mktemp("week-out")
    result = batch(week, out)
    return out, result


def test_failures_are_isolated_and_reported(first_run):
    out, result = first_run
    assert result.exit_code == 1, result.output  # a job failed
    report = json.loads((out / REPORT_FILE).read_text())
    jobs = {j["name"]: j for j in report["jobs"]}
    assert report["state"] == "finished" and report["executor"] == "local" and report["workers"] == 2
    assert report["counts"] == {"done": 1, "failed": 4}
    # the good recording finished despite four failing neighbours
    good = jobs["good"]
    assert good["status"] == "done" and good["reels"] >= 1 and good["error"] is None
    manifest = json.loads((out / "good" / "manifest.json").read_text())
    assert len(manifest["reels"]) == good["reels"]
    for reel in manifest["reels"]:
        ok, why = probe_ok(out / "good" / reel["file"])
        assert ok, why
        assert reel["product"]["sku"] == "SKU-GLOW-30"
    assert [s["stage"] for s in good["stages"]] == list(STAGES)
    # each failure names its stage and cause
    assert (jobs["corrupt"]["status"], jobs["corrupt"]["failed_stage"]) == ("failed", "probe")
    assert "corrupt.mp4: not a readable media file" in jobs["corrupt"]["error"]
    assert (jobs["badorders"]["status"], jobs["badorders"]["failed_stage"]) == ("failed", "spikes")
    assert "badorders.orders.csv" in jobs["badorders"]["error"]
    assert (jobs["encode"]["status"], jobs["encode"]["failed_stage"]) == ("failed", "render")
    assert "render of reel-1 failed" in jobs["encode"]["error"] and "libx264" in jobs["encode"]["error"]
    assert jobs["noorders"]["status"] == "failed" and "no order log" in jobs["noorders"]["error"]
    for name in ("corrupt", "badorders", "encode", "noorders"):
        assert not (out / name / "manifest.json").exists()
    assert_honest(out)
    # the failed job's log keeps the details
    assert "failed:" in Path(jobs["encode"]["log"]).read_text()


def test_summary_table_and_json_log(first_run):
    out, result = first_run
    events = json_log(result)
    assert events[0]["event"] == "batch_start" and events[-1]["event"] == "batch_end"
    assert events[-1]["exit_code"] == 1
    ends = {e["job"]: e for e in events if e["event"] == "job_end"}
    assert {k: v["status"] for k, v in ends.items()} == {
        "good": "done", "corrupt": "failed", "badorders": "failed", "encode": "failed", "noorders": "failed"}
    assert stage_status(events, "good") == {stage: "ran" for stage in STAGES}
    starts = [e["stage"] for e in events if e["job"] == "good" and e["event"] == "stage_start"]
    assert starts == list(STAGES)
    # the summary table (stderr in JSON mode, so stdout stays pure JSON)
    table = result.stderr.splitlines()
    header = next(i for i, line in enumerate(table) if line.split() == ["job", "status", "reels", "time", "error"])
    rows = {line.split()[0]: line for line in table[header + 2 : header + 7]}
    assert rows["good"].split()[1:3] == ["done", str(ends["good"]["reels"])]
    assert "failed" in rows["corrupt"] and "[probe]" in rows["corrupt"]
    assert "[render]" in rows["encode"] and "[spikes]" in rows["badorders"]
    assert "1 done, 4 failed" in table[header + 7]


def test_rerun_skips_finished_jobs_and_stages_then_finishes_after_a_fix(first_run, week):
    out, _ = first_run
    manifest_before = (out / "good" / "manifest.json").stat().st_mtime_ns
    again = batch(week, out)
    assert again.exit_code == 1
    events = json_log(again)
    # the finished job is not started again
    assert not [e for e in events if e["job"] == "good" and e["event"] != "job_end"]
    assert next(e for e in events if e["job"] == "good")["status"] == "skipped"
    assert (out / "good" / "manifest.json").stat().st_mtime_ns == manifest_before
    # the unfinished job reuses every stage it finished before failing
    status = stage_status(events, "encode")
    assert all(status[s] == "cached" for s in ("probe", "audio", "spikes", "transcribe", "moments", "reframe")), status
    assert "render" not in status  # failed again
    # fix the cause and run again: only the missing stages run
    (week / "encode.preset.yaml").unlink()
    fixed = batch(week, out)
    events = json_log(fixed)
    status = stage_status(events, "encode")
    assert status == {**{s: "cached" for s in STAGES[:6]}, "render": "ran", "package": "ran"}, status
    report = json.loads((out / REPORT_FILE).read_text())
    assert {j["name"]: j["status"] for j in report["jobs"]} == {
        "badorders": "failed", "corrupt": "failed", "encode": "done", "good": "skipped", "noorders": "failed"}
    assert_honest(out)
