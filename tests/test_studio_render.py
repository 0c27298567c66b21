"""Re-rendering from the studio: the chosen reels render in a background job with progress, the
others are reused untouched, the manifest and upload folders follow, and only approved reels are
in schedule.csv."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from reelcart.media import probe

from .studio_helpers import CSRF, copy_run, edit, plan_on_disk, rid, studio_client


def _wait(client, job_id: str, timeout_s: float = 300) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    seen: list[float] = []
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        seen.append(job["progress"])
        if job["status"] != "running":
            job["seen"] = seen
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still running after {timeout_s} s")


def test_rerender_of_one_reel_reuses_the_others_and_updates_the_handoff(sample_run, tmp_path):
    folder = copy_run(sample_run[0], tmp_path)
    client = studio_client(folder)
    run = rid(folder)
    state = client.get(f"/api/runs/{run}").json()
    old = {m["id"]: m for m in state["plan"]["moments"]}
    untouched = {name: (folder / name).stat() for name in ("reel-2.mp4", "reel-3.mp4")}
    r = edit(client, run, state["revision"], {"type": "set_edges", "moment": "reel-1", "out_s": old["reel-1"]["end_s"] - 5})
    assert r.status_code == 200
    r = edit(client, run, r.json()["revision"], {"type": "review", "moment": "reel-1", "status": "approved"})
    reels = r.json()["reels"]
    assert reels["reel-1"]["dirty"] and not reels["reel-2"]["dirty"] and not reels["reel-3"]["dirty"]

    started = client.post(f"/api/runs/{run}/render", json={"moments": ["reel-1"]}, headers={"X-Reelcart-CSRF": CSRF})
    assert started.status_code == 200, started.text
    job_id = started.json()["job"]["id"]
    again = client.post(f"/api/runs/{run}/render", json={"moments": ["reel-1"]}, headers={"X-Reelcart-CSRF": CSRF})
    assert again.status_code == 409 and again.json()["error"] == "busy"
    job = _wait(client, job_id)
    assert job["status"] == "done", job
    assert job["progress"] == 1.0 and job["reels_done"] == job["reels_total"] == 3
    assert job["seen"] == sorted(job["seen"])  # progress only moves forward
    assert job["rendered"] == ["reel-1"] and sorted(job["reused"]) == ["reel-2", "reel-3"]
    assert "1 rendered, 2 reused" in job["message"]

    plan = plan_on_disk(folder)
    new = next(m for m in plan["moments"] if m["id"] == "reel-1")
    planned_s = sum(s["end_s"] - s["start_s"] for s in new["segments"])
    duration_s = probe.probe_media(folder / "reel-1.mp4").duration_s
    assert abs(duration_s - planned_s) < 0.1 and duration_s < old["reel-1"]["end_s"] - old["reel-1"]["start_s"] - 4
    for name, before in untouched.items():
        after = (folder / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), name
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {r["id"]: r for r in manifest["reels"]}
    assert set(listed) == {"reel-1", "reel-2", "reel-3"}
    assert listed["reel-1"]["duration_s"] == pytest.approx(planned_s, abs=0.05)
    assert listed["reel-1"]["review"] == "approved"
    with open(folder / "schedule.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {row["reel"] for row in rows} == {"reel-1"}  # only approved reels are handed over
    assert sorted(p.name for p in (folder / "tiktok").glob("*.mp4")) == [p for p in sorted(
        p.name for p in (folder / "tiktok").glob("*.mp4")) if p.startswith("reel-1")]
    fresh = client.get(f"/api/runs/{run}").json()
    assert not any(v["dirty"] for v in fresh["reels"].values())
    assert (folder / "plan.json").read_text().count('"revision"') == 1 and plan["revision"] == fresh["revision"]


def test_unchosen_edits_wait_for_their_own_render(sample_run, tmp_path):
    """An edit of a reel that was not chosen is kept in plan.json and its old reel stays as it was."""
    folder = copy_run(sample_run[0], tmp_path)
    client = studio_client(folder)
    run = rid(folder)
    state = client.get(f"/api/runs/{run}").json()
    m2 = next(m for m in state["plan"]["moments"] if m["id"] == "reel-2")
    before = (folder / "reel-2.mp4").stat()
    r = edit(client, run, state["revision"], {"type": "set_edges", "moment": "reel-2", "in_s": m2["start_s"] + 3})
    assert r.status_code == 200
    started = client.post(f"/api/runs/{run}/render", json={"moments": ["reel-3"]}, headers={"X-Reelcart-CSRF": CSRF})
    assert _wait(client, started.json()["job"]["id"])["status"] == "done"
    after = (folder / "reel-2.mp4").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    kept = next(m for m in plan_on_disk(folder)["moments"] if m["id"] == "reel-2")
    assert kept["start_s"] > m2["start_s"] + 2
    assert client.get(f"/api/runs/{run}").json()["reels"]["reel-2"]["dirty"] is True


def _processes_naming(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if any(text.encode() in a for a in args):
            found.append(b" ".join(args).decode("utf-8", "replace")[:200])
    return found


def test_stopping_the_studio_mid_render_stops_the_job_and_loses_nothing(sample_run, tmp_path):
    import hashlib
    import signal

    import httpx

    from reelcart.batch.jobs import JOB_LOG

    from .studio_helpers import csrf_of
    from .test_studio_api import _first_line, _studio_process

    folder = copy_run(sample_run[0], tmp_path)
    old_reel = hashlib.sha256((folder / "reel-1.mp4").read_bytes()).hexdigest()
    old_manifest = (folder / "manifest.json").read_bytes()
    proc = _studio_process(str(folder), "--port", "0")
    try:
        url = _first_line(proc).split(" ", 1)[1]
        base = url.split("/?", 1)[0]
        http = httpx.Client(timeout=30)
        csrf = csrf_of(http.get(url, follow_redirects=True).text)
        run = rid(folder)
        state = http.get(f"{base}/api/runs/{run}").json()
        m1 = next(m for m in state["plan"]["moments"] if m["id"] == "reel-1")
        headers = {"X-Reelcart-CSRF": csrf}
        r = http.post(f"{base}/api/runs/{run}/edit", headers=headers, json={
            "base_revision": state["revision"], "op": {"type": "set_edges", "moment": "reel-1", "out_s": m1["end_s"] - 5}})
        assert r.status_code == 200, r.text
        job = http.post(f"{base}/api/runs/{run}/render", headers=headers, json={"moments": ["reel-1"]}).json()["job"]
        deadline = time.monotonic() + 180
        while job["stage"] != "render" and job["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
            job = http.get(f"{base}/api/jobs/{job['id']}").json()
        assert job["status"] == "running" and job["stage"] == "render", job
        time.sleep(0.5)  # inside the reel's encode
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "studio: stopped" in err, err
    assert hashlib.sha256((folder / "reel-1.mp4").read_bytes()).hexdigest() == old_reel  # the old reel stands
    assert (folder / "manifest.json").read_bytes() == old_manifest
    assert not list(folder.rglob("*.partial*")), list(folder.rglob("*.partial*"))
    assert not _processes_naming(str(folder)), _processes_naming(str(folder))  # no ffmpeg or job process left
    assert "interrupted" in (folder / "work" / JOB_LOG).read_text(encoding="utf-8", errors="replace")
    edited = next(m for m in plan_on_disk(folder)["moments"] if m["id"] == "reel-1")
    assert edited["end_s"] < m1["end_s"] - 4  # the edit waits in plan.json for the next render
