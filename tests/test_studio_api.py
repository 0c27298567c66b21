"""The studio's guard and files: token, cookie, CSRF, Host, traversal forms, range requests,
and the command line (one-line errors, the printed link, the warning off loopback, a clean stop)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reelcart.studio import create_app

from .studio_helpers import CSRF, TOKEN, copy_run, csrf_of, edit, plan_on_disk, rid, studio_client


@pytest.fixture
def run_folder(sample_run, tmp_path) -> Path:
    return copy_run(sample_run[0], tmp_path)


def test_token_is_required_and_becomes_a_strict_cookie(run_folder):
    anonymous = TestClient(create_app(run_folder, TOKEN, csrf=CSRF), base_url="http://127.0.0.1:8765")
    for path in ("/", "/api/runs", f"/api/runs/{rid(run_folder)}", "/static/js/main.js", f"/api/runs/{rid(run_folder)}/source"):
        assert anonymous.get(path).status_code == 401, path
    assert anonymous.get("/?token=wrong-token", follow_redirects=False).status_code == 401
    first = anonymous.get(f"/?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN in cookie
    page = anonymous.get("/")
    assert page.status_code == 200
    assert csrf_of(page.text) == CSRF
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
    # an API client may send the token in a header instead
    asset = anonymous.get("/static/js/main.js")
    assert asset.status_code == 200 and asset.headers["cache-control"] == "no-cache" and "javascript" in asset.headers["content-type"]
    header_only = TestClient(create_app(run_folder, TOKEN, csrf=CSRF), base_url="http://127.0.0.1:8765")
    assert header_only.get("/api/runs", headers={"X-Reelcart-Token": TOKEN}).status_code == 200


def test_state_changes_need_the_csrf_header_and_our_origin(run_folder):
    client = studio_client(run_folder)
    run = rid(run_folder)
    before = (run_folder / "plan.json").read_bytes()
    op = {"type": "review", "moment": "reel-1", "status": "approved"}
    assert edit(client, run, 0, op, csrf=None).status_code == 403
    assert edit(client, run, 0, op, csrf="forged").status_code == 403
    crossed = client.post(f"/api/runs/{run}/edit", json={"base_revision": 0, "op": op},
                          headers={"X-Reelcart-CSRF": CSRF, "Origin": "https://evil.example"})
    assert crossed.status_code == 403 and crossed.json()["error"] == "origin"
    assert client.put(f"/api/runs/{run}/style", json={}).status_code == 403
    assert client.post(f"/api/runs/{run}/render", json={"moments": ["reel-1"]}).status_code == 403
    assert (run_folder / "plan.json").read_bytes() == before
    assert edit(client, run, 0, op).status_code == 200
    assert plan_on_disk(run_folder)["moments"][0]["review"] == "approved"


def test_other_host_names_are_refused(run_folder):
    """DNS rebinding: a page on evil.example that resolves to 127.0.0.1 gets nothing."""
    client = studio_client(run_folder)
    response = client.get("/api/runs", headers={"Host": "evil.example:8765"})
    assert response.status_code == 421
    assert client.get("/api/runs", headers={"Host": "localhost:8765"}).status_code == 200


TRAVERSALS = [
    "../plan.json", "../../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e%2fplan.json",
    "/etc/passwd", "%2Fetc%2Fpasswd", "work/../../outside.txt", "reel-1.mp4%00.txt", "..\\..\\etc\\passwd",
    "work/.reelcart.lock", ".hidden", "escape-link", "work", "", "tiktok/../../outside.txt",
]


def test_no_file_outside_the_run_folder_can_be_read(run_folder):
    client = studio_client(run_folder.parent)
    run = rid(run_folder.parent, run_folder)
    (run_folder.parent / "outside.txt").write_text("secret outside the run")
    (run_folder / ".hidden").write_text("hidden")
    os.symlink("/etc/passwd", run_folder / "escape-link")
    for path in TRAVERSALS:
        response = client.get(f"/api/runs/{run}/files/{path}")
        assert response.status_code == 404, (path, response.status_code)
        assert b"secret outside" not in response.content and b"root:" not in response.content
    # the same forms in the run id
    for bad in ("..", "%2e%2e", "../run", "nope"):
        assert client.get(f"/api/runs/{bad}/files/plan.json").status_code == 404
    assert client.get(f"/api/runs/{run}/files/reel-1.jpg").status_code == 200


def test_files_and_the_recording_answer_range_requests(run_folder):
    client = studio_client(run_folder)
    run = rid(run_folder)
    reel = (run_folder / "reel-1.mp4").read_bytes()
    part = client.get(f"/api/runs/{run}/files/reel-1.mp4", headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.content == reel[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(reel)}"
    state = client.get(f"/api/runs/{run}").json()
    source = Path(state["plan"]["source"])
    tail = client.get(state["video_url"], headers={"Range": "bytes=-512"})
    assert tail.status_code == 206 and tail.content == source.read_bytes()[-512:]
    assert tail.headers["content-type"] == "video/mp4"


def _studio_process(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    exe = Path(sys.executable).with_name("reelcart")
    return subprocess.Popen([str(exe), "studio", *args, "--no-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _first_line(proc: subprocess.Popen, timeout_s: float = 30) -> str:
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert time.monotonic() < deadline and line, proc.stderr.read() if proc.stderr else ""
    return line.strip()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_the_command_prints_one_link_and_stops_cleanly(run_folder, how):
    import httpx

    proc = _studio_process(str(run_folder), "--port", "0")
    try:
        line = _first_line(proc)
        assert line.startswith("studio: http://127.0.0.1:") and "/?token=" in line
        url = line.split(" ", 1)[1]
        with httpx.Client() as http:
            assert http.get(url, follow_redirects=True).status_code == 200
        assert httpx.get(url.split("?")[0] + "api/runs").status_code == 401  # no cookie: no entry
    finally:
        proc.send_signal(how)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "studio: stopped" in err and "Traceback" not in err


def test_the_command_warns_off_loopback_and_names_bad_folders(run_folder, tmp_path):
    proc = _studio_process(str(run_folder), "--port", "0", "--host", "0.0.0.0")
    try:
        assert _first_line(proc).startswith("studio: http://")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert "warning: the studio listens on 0.0.0.0" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder, words in ((empty, "no run here"), (tmp_path / "missing", "not a folder")):
        proc = _studio_process(str(folder))
        out, err = proc.communicate(timeout=30)
        assert proc.returncode != 0 and words in err and str(folder) in err
        assert len(err.strip().splitlines()) == 1, err


def test_preview_frame_is_a_vertical_jpeg_of_the_reel_as_planned(run_folder):
    import io

    from PIL import Image

    client = studio_client(run_folder)
    run = rid(run_folder)
    frame = client.get(f"/api/runs/{run}/frame", params={"moment": "reel-1", "t_s": 3.0})
    assert frame.status_code == 200, frame.text
    assert frame.headers["content-type"] == "image/jpeg" and float(frame.headers["x-render-ms"]) > 0
    image = Image.open(io.BytesIO(frame.content))
    assert image.size == (1080, 1920)
    later = client.get(f"/api/runs/{run}/frame", params={"moment": "reel-1", "t_s": 12.0})
    assert later.status_code == 200 and later.content != frame.content
    for params, status in (({"moment": "reel-9", "t_s": 1}, 422), ({"moment": "reel-1", "t_s": "soon"}, 422),
                           ({"moment": "reel-1", "t_s": "nan"}, 422)):
        bad = client.get(f"/api/runs/{run}/frame", params=params)
        assert bad.status_code == status and "\n" not in bad.json()["message"], params
