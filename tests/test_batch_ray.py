"""The Ray executor against a real Ray instance started by the test (``ray start --head``).

Each recording runs as a Ray task on the cluster; a failing recording fails its task only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from reelcart.batch import REPORT_FILE
from reelcart.pipeline import stage_names

from .batchkit import FAST, ROOT, add_catalog, add_recording, assert_honest, cli_env, cut_clip, probe_ok

STAGES = stage_names()  # a default run: no clock estimate

ray = pytest.importorskip("ray", reason='Ray is not installed (pip install "reelcart[ray]"; make test installs it)')

# one machine, loopback only: Ray keeps every address on 127.0.0.1, and needs no token
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ray_cli() -> list[str]:
    exe = Path(sys.executable).parent / "ray"
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from ray.scripts.scripts import main; main()"]


@pytest.fixture(scope="module")
def ray_address():
    """A one-node Ray cluster with 2 CPUs, started for this module and stopped after it."""
    temp = Path(tempfile.mkdtemp(prefix="rc-ray-", dir="/tmp"))  # short: Ray puts unix sockets in it
    port = free_port()
    log = open(temp / "head.log", "wb")  # noqa: SIM115
    head = subprocess.Popen(
        [*ray_cli(), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
         f"--ray-client-server-port={free_port()}", f"--dashboard-agent-listen-port={free_port()}",
         "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}"],
        stdout=log, stderr=subprocess.STDOUT, env=cli_env(**RAY_ENV), cwd=ROOT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while b"block forever" not in (temp / "head.log").read_bytes():
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ray start failed: {(temp / 'head.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)  # ray start --block stops every process it started
        try:
            head.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(head.pid, signal.SIGKILL)  # anything left in its session
        except ProcessLookupError:
            pass
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


def test_each_recording_is_a_ray_task(tmp_path, ray_address):
    media = tmp_path / "media"
    clip = cut_clip(tmp_path / "clip.mp4")
    add_catalog(media)
    add_recording(media, "good", clip)
    add_recording(media, "corrupt", clip)
    (media / "corrupt.mp4").write_bytes(os.urandom(100_000))
    jobs_file = media / "jobs.yaml"
    jobs_file.write_text(
        "jobs:\n"
        "  - video: good.mp4\n    orders: good.orders.csv\n"
        "  - name: broken\n    video: corrupt.mp4\n    orders: corrupt.orders.csv\n"
    )
    out = tmp_path / "out"
    args = [sys.executable, "-m", "reelcart.cli", "batch", str(jobs_file), "--out", str(out), "--executor", "ray",
            "--address", ray_address, "--threads-per-job", "1", "--log-format", "json", *FAST]
    result = subprocess.run(args, capture_output=True, env=cli_env(**RAY_ENV), cwd=ROOT, timeout=300)
    assert result.returncode == 1, result.stderr.decode()[-3000:]  # one job failed
    report = json.loads((out / REPORT_FILE).read_text())
    assert report["executor"] == "ray" and report["state"] == "finished"
    jobs = {j["name"]: j for j in report["jobs"]}
    assert jobs["good"]["status"] == "done" and jobs["good"]["reels"] >= 1
    assert [s["stage"] for s in jobs["good"]["stages"]] == list(STAGES)
    assert jobs["broken"]["status"] == "failed" and jobs["broken"]["failed_stage"] == "probe"
    assert "corrupt.mp4: not a readable media file" in jobs["broken"]["error"]
    manifest = json.loads((out / "good" / "manifest.json").read_text())
    for reel in manifest["reels"]:
        assert probe_ok(out / "good" / reel["file"])[0]
    assert_honest(out)
    # stage events travel from the Ray task back to the driver's log
    log = [json.loads(line) for line in result.stdout.decode().splitlines() if line.strip()]
    ends = [e["stage"] for e in log if e["job"] == "good" and e["event"] == "stage_end"]
    assert ends == list(STAGES)
    assert log[0]["executor"] == "ray" and log[-1]["event"] == "batch_end"

    # the second run skips the finished recording without bothering the cluster for it
    again = subprocess.run(args, capture_output=True, env=cli_env(**RAY_ENV), cwd=ROOT, timeout=300)
    log = [json.loads(line) for line in again.stdout.decode().splitlines() if line.strip()]
    assert [e["status"] for e in log if e["job"] == "good"] == ["skipped"]
    assert again.returncode == 1
