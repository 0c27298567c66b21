"""The studio end to end on a 1080p run: preview frames through the HTTP API, and the background
re-render of one edited 30 s reel (job process, cache, reframe of the edited reel, render, package).

    python bench/bench_studio_job.py [--frames 10] [--gop 60]

The run is made once (cached in bench/.cache/): the first 2 minutes of the sample livestream scaled
to 1920x1080 at 30 fps (``bench_studio.source``) with the sample's orders and catalog. Each bench
copies it, opens a studio on the copy (Starlette's TestClient, the real app behind its guard), sets
reel-1 to 30 s with an out-point edit, times ``--frames`` preview frames of it, then times
POST /render of reel-1 until its job reports done.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.bench_studio import CACHE, source  # noqa: E402
from reelcart.media import probe  # noqa: E402
from reelcart.pipeline import Pipeline, build_request  # noqa: E402

REEL_S = 30.0
TOKEN, CSRF = "bench-token", "bench-csrf"


def made_run(gop: int) -> Path:
    out = CACHE / f"studio-run-g{gop}"
    if not (out / "manifest.json").is_file():
        src = source(gop)
        request = build_request(video=src, orders=ROOT / "samples" / "orders.csv", catalog=ROOT / "samples" / "catalog.csv",
                                preset="default", overrides=[], out_dir=out,
                                stream_start=probe.probe_media(ROOT / "samples" / "livestream.mp4").creation_time)
        started = time.perf_counter()
        Pipeline(request).run()
        print(f"run made in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return out


def main() -> int:
    from starlette.testclient import TestClient

    from reelcart.studio import create_app
    from reelcart.studio.runs import run_id

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--gop", type=int, default=60)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    base = made_run(args.gop)
    with tempfile.TemporaryDirectory(prefix="reelcart-bench-studio-job-") as tmp:
        folder = Path(tmp) / "run"
        shutil.copytree(base, folder)
        client = TestClient(create_app(folder, TOKEN, csrf=CSRF), base_url="http://127.0.0.1:8765")
        client.get(f"/?token={TOKEN}", follow_redirects=False)
        run = run_id(folder.resolve(), folder.resolve())
        state = client.get(f"/api/runs/{run}").json()
        m = state["plan"]["moments"][0]
        r = client.post(f"/api/runs/{run}/edit", headers={"X-Reelcart-CSRF": CSRF}, json={
            "base_revision": state["revision"], "op": {"type": "set_edges", "moment": m["id"], "out_s": m["start_s"] + REEL_S}})
        assert r.status_code == 200, r.text
        m = next(x for x in r.json()["plan"]["moments"] if x["id"] == m["id"])
        reel_s = sum(s["end_s"] - s["start_s"] for s in m["segments"])
        rng = random.Random(args.seed)
        walls, server = [], []
        for _ in range(args.frames):
            t = round(rng.uniform(0, reel_s - 0.1), 3)
            started = time.perf_counter()
            frame = client.get(f"/api/runs/{run}/frame", params={"moment": m["id"], "t_s": t})
            walls.append((time.perf_counter() - started) * 1000)
            assert frame.status_code == 200, frame.text
            server.append(float(frame.headers["x-render-ms"]))
        started = time.perf_counter()
        job = client.post(f"/api/runs/{run}/render", headers={"X-Reelcart-CSRF": CSRF}, json={"moments": [m["id"]]}).json()["job"]
        while job["status"] == "running":
            time.sleep(0.2)
            job = client.get(f"/api/jobs/{job['id']}").json()
        render_s = time.perf_counter() - started
        assert job["status"] == "done", job
        played_s = probe.probe_media(folder / f"{m['id']}.mp4").duration_s
    print(f"| studio on a 1080p30 run (GOP {args.gop}), reel {m['id']} of {reel_s:.1f} s | value |")
    print("|---|---:|")
    print(f"| preview frame over HTTP, median of {args.frames} | {statistics.median(walls):.0f} ms |")
    print(f"| preview frame over HTTP, max | {max(walls):.0f} ms |")
    print(f"| preview frame, server side (X-Render-Ms), median | {statistics.median(server):.0f} ms |")
    print(f"| re-render of the edited reel (POST /render until the job is done) | {render_s:.1f} s |")
    print(f"| the new reel, probed | {played_s:.2f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
