"""Batch throughput: recordings per hour on the local process pool (1 and N workers) and on Ray.

    python bench/bench_batch.py                      # 4 recordings, 1 vs 2 workers, and a local Ray instance
    python bench/bench_batch.py --recordings 6 --workers 3 --size 720x1280 --model base
    python bench/bench_batch.py --no-ray

Each recording is a short cut of the bundled sample (one product pitch and its order spike, default
36 s) with its own order log; every configuration starts from empty output folders, runs
``reelcart batch`` as a user would (a subprocess), checks every job finished, and reports wall time
and recordings per hour. The Ray run goes through a one-node Ray instance started here on the
loopback interface (``ray start --head``); its start-up time is reported apart from the batch.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(ROOT / "src"))

from reelcart.media.ffmpeg import run_ffmpeg  # noqa: E402
from reelcart.resources import machine_cores  # noqa: E402

RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def env(**extra: str) -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), out.get("PYTHONPATH", "")) if p)
    out.update(extra)
    return out


def orders_csv(length_s: float) -> str:
    rows = ["order_id,timestamp,sku,quantity"]
    for n, t in enumerate(range(1, int(length_s), 6), start=1):
        rows.append(f"B{n},{t + 0.5},SKU-BAMBOO-750,1")
    spike = 33.0 + (length_s - 36.0)
    for i in range(16):
        rows.append(f"G{i + 1},{spike + i * 0.18:.2f},SKU-GLOW-30,{1 + i % 2}")
    return "\n".join(rows) + "\n"


def make_recordings(folder: Path, count: int, length_s: float) -> None:
    folder.mkdir(parents=True)
    clip = folder / "clip.tmp.mp4"
    start = 50.7 + 2.3 - (length_s - 3.0)  # end the clip a few seconds after the call to action
    run_ffmpeg(["-ss", f"{start:.2f}", "-i", str(SAMPLES / "livestream.mp4"), "-t", f"{length_s}", "-c", "copy",
                "-map_metadata", "0", str(clip)], what="cut bench recording")
    for i in range(count):
        shutil.copyfile(clip, folder / f"show{i + 1:02d}.mp4")
        (folder / f"show{i + 1:02d}.orders.csv").write_text(orders_csv(length_s))
    clip.unlink()
    shutil.copyfile(SAMPLES / "catalog.csv", folder / "catalog.csv")


def run_batch(folder: Path, out: Path, settings: list[str], extra: list[str], environ: dict[str, str]) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "reelcart.cli", "batch", str(folder), "--out", str(out), "--log-format", "json", *settings, *extra]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=environ, cwd=ROOT)
    wall = time.perf_counter() - started
    report = json.loads((out / "batch-report.json").read_text())
    if proc.returncode != 0 or report["counts"].get("done") != len(report["jobs"]):
        raise SystemExit(f"batch failed ({proc.returncode}): {report['counts']}\n{proc.stderr.decode()[-3000:]}")
    return wall, report


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RayHead:
    def __init__(self, cpus: int) -> None:
        self.cpus = cpus

    def __enter__(self) -> str:
        self.temp = Path(tempfile.mkdtemp(prefix="rc-ray-", dir="/tmp"))
        port = free_port()
        exe = Path(sys.executable).parent / "ray"
        started = time.perf_counter()
        self.log = open(self.temp / "head.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(exe), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
             f"--ray-client-server-port={free_port()}", f"--dashboard-agent-listen-port={free_port()}", f"--num-cpus={self.cpus}",
             "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={self.temp}"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env(**RAY_ENV), start_new_session=True,
        )
        while b"block forever" not in (self.temp / "head.log").read_bytes():
            if self.proc.poll() is not None:
                raise SystemExit((self.temp / "head.log").read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        self.startup_s = time.perf_counter() - started
        return f"127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()
        shutil.rmtree(self.temp, ignore_errors=True)


def main() -> None:
    cores = machine_cores()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recordings", type=int, default=4, help="Recordings in the batch.")
    parser.add_argument("--workers", type=int, default=cores, help="N for the N-worker runs (default: the cores).")
    parser.add_argument("--length", type=float, default=36.0, help="Seconds per recording (36-50).")
    parser.add_argument("--size", default="540x960", help="Reel size WxH.")
    parser.add_argument("--model", default="tiny.en", help="Speech model.")
    parser.add_argument("--no-ray", action="store_true", help="Skip the Ray run.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    width, height = args.size.lower().split("x")
    settings = ["--set", f"transcribe.model={args.model}", "--set", f"render.width_px={width}", "--set", f"render.height_px={height}"]

    work = Path(tempfile.mkdtemp(prefix="reelcart-bench-batch-"))
    try:
        folder = work / "recordings"
        make_recordings(folder, args.recordings, min(50.0, max(36.0, args.length)))
        n = args.workers
        runs = [("local", 1, cores, ["--jobs", "1"]), ("local", n, max(1, cores // n), ["--jobs", str(n)])]
        results = []
        load_before = os.getloadavg()[0]
        for executor, workers, threads, extra in runs:
            wall, _ = run_batch(folder, work / f"out-{executor}-{workers}", settings, [*extra, "--threads-per-job", str(threads)], env())
            results.append({"executor": executor, "workers": workers, "threads_per_job": threads, "wall_s": wall})
            print(f"{executor} x{workers}: {wall:.1f} s", file=sys.stderr)
        ray_startup = None
        if not args.no_ray:
            try:
                import ray  # noqa: F401
            except ImportError:
                print("ray is not installed: skipping the Ray run (pip install 'reelcart[ray]')", file=sys.stderr)
            else:
                threads = max(1, cores // n)
                head = RayHead(cores)
                with head as head_address:
                    ray_startup = head.startup_s
                    wall, _ = run_batch(folder, work / "out-ray", settings,
                                        ["--executor", "ray", "--address", head_address, "--threads-per-job", str(threads)],
                                        env(**RAY_ENV))
                results.append({"executor": "ray (local instance)", "workers": cores // threads, "threads_per_job": threads, "wall_s": wall})
                print(f"ray: {wall:.1f} s", file=sys.stderr)
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = results[0]["wall_s"]
    print(f"\n{args.recordings} recordings of {max(36.0, args.length):.0f} s each, model {args.model}, reels {args.size}, "
          f"{cores} cores (load average {load_before:.1f} before, {load_after:.1f} after)\n")
    print("| executor | jobs at once | threads per job | wall (s) | recordings per hour | speed-up |")
    print("|---|---|---|---|---|---|")
    for r in results:
        per_hour = args.recordings / r["wall_s"] * 3600
        r["recordings_per_hour"] = round(per_hour, 1)
        print(f"| {r['executor']} | {r['workers']} | {r['threads_per_job']} | {r['wall_s']:.1f} | {per_hour:.0f} | {base / r['wall_s']:.2f}x |")
    if ray_startup is not None:
        print(f"\nRay instance start-up (not included above): {ray_startup:.1f} s")
    if args.json:
        args.json.write_text(json.dumps({"recordings": args.recordings, "cores": cores, "results": results}, indent=2))


if __name__ == "__main__":
    main()
