"""Scale edges: huge order logs and day-long recordings (benchmark, not a test).

    python bench/bench_scale.py orders                 # 100 k, 1 M and 10 M rows: time and peak RSS of the order stage
    python bench/bench_scale.py recording --hours 24   # a 24 h audio-heavy recording through `reelcart run`
    python bench/bench_scale.py recording --hours 30

Everything generated goes to bench/.cache/ (git-ignored). The order logs are CSV in seconds from the stream
start over 24 h with a thin background and three spikes. Order parsing runs in a fresh subprocess per size so
the peak RSS (ru_maxrss) belongs to that size alone. The recordings are a 3.9 min 320x180 10 fps cut of the
sample (speech throughout) concatenated with stream copy; the run's peak RSS is the whole process tree's
(psutil, sampled every 0.1 s, as in bench_e2e.py).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from reelcart.media.ffmpeg import run_ffmpeg  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
SAMPLES = ROOT / "samples"
DAY_S = 24 * 3600


def order_log(rows: int) -> Path:
    path = CACHE / f"orders-{rows}.csv"
    if path.is_file():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = random.Random(rows)
    spikes = [(3 * 3600.0 + 65, "SKU-GLOW-30"), (11 * 3600.0 + 136, "SKU-BAMBOO-750"), (20 * 3600.0 + 166, "SKU-CLOUD-BLK")]
    skus = ["SKU-GLOW-30", "SKU-BAMBOO-750", "SKU-CLOUD-BLK", "SKU-TRAIL-28"]
    tmp = path.with_suffix(".partial")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("order_id,timestamp,sku,quantity,amount\n")
        for i in range(rows):
            if i % 10 == 0:  # 10 % of the orders fall into the three spikes
                onset, sku = spikes[i % 3]
                t = onset + rng.expovariate(1 / 30)
            else:
                t, sku = rng.uniform(0, DAY_S), skus[i % 4]
            fh.write(f"ORD-{i},{t:.2f},{sku},{1 + i % 3},{19.9 * (1 + i % 3):.2f}\n")
    tmp.rename(path)
    return path


PARSE = """
import json, resource, sys, time
from pathlib import Path
from reelcart.inputs.catalog import load_catalog
from reelcart.config import Preset
from reelcart.errors import ReelcartError
from reelcart.inputs.orders import load_orders
from reelcart.stages import spikes
preset = Preset()
catalog = load_catalog(Path(sys.argv[2]))
t0 = time.perf_counter()
try:
    table = load_orders(Path(sys.argv[1]), config=preset.orders, known_skus={p.sku for p in catalog.products},
                        duration_s=float(sys.argv[3]), stream_start=None)
    report = spikes.find_spikes(table, duration_s=float(sys.argv[3]), stream_start=None, config=preset.spikes, clock_offset_s=0.0)
    result = {"orders_used": int(len(table.t_s)), "spikes": len(report.spikes)}
except ReelcartError as exc:
    result = {"refused": str(exc)}
result["seconds"] = round(time.perf_counter() - t0, 1)
result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(result))
"""


def bench_orders(sizes: list[int]) -> None:
    print("| rows | file MB | result | seconds | peak RSS MB |")
    print("|---|---|---|---|---|")
    for rows in sizes:
        path = order_log(rows)
        env = {"PYTHONPATH": str(ROOT / "src")}
        import os

        proc = subprocess.run([sys.executable, "-c", PARSE, str(path), str(SAMPLES / "catalog.csv"), str(DAY_S)],
                              capture_output=True, text=True, env={**os.environ, **env}, check=False)
        if proc.returncode != 0:
            print(f"| {rows:,} | {path.stat().st_size / 2**20:.0f} | crashed: {proc.stderr.strip().splitlines()[-1:]} | | |")
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        what = f"refused: {res['refused']}" if "refused" in res else f"{res['orders_used']:,} orders, {res['spikes']} spikes"
        print(f"| {rows:,} | {path.stat().st_size / 2**20:.0f} | {what} | {res['seconds']} | {res['peak_rss_mb']} |", flush=True)


def segment() -> Path:
    path = CACHE / "segment-180p10.mp4"
    if not path.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        run_ffmpeg(["-i", str(SAMPLES / "livestream.mp4"), "-vf", "scale=320:180,fps=10", "-c:v", "libx264", "-preset", "veryfast",
                    "-crf", "32", "-g", "100", "-c:a", "aac", "-b:a", "48k", "-ac", "1", str(path)], what="segment")
    return path


def recording(hours: float) -> tuple[Path, Path]:
    import av

    seg = segment()
    with av.open(str(seg)) as c:
        seg_s = c.duration / 1e6
    copies = int(hours * 3600 // seg_s) + 1
    video = CACHE / f"long-{hours:g}h.mp4"
    if not video.is_file():
        listing = CACHE / f"long-{hours:g}h.txt"
        listing.write_text("".join(f"file '{seg.name}'\n" for _ in range(copies)))
        run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-t", str(hours * 3600), "-c", "copy", str(video)],
                   what="concat", cwd=CACHE)
    orders = CACHE / f"orders-long-{hours:g}h.csv"
    truth = json.loads((SAMPLES / "ground_truth.json").read_text())
    rng = random.Random(3)
    rows = ["order_id,timestamp,sku,quantity"]
    n = 0
    for t in range(0, int(hours * 3600), 20):
        n += 1
        rows.append(f"B{n},{t + rng.random():.1f},SKU-TRAIL-28,1")
    for k, base in enumerate((2 * 3600, int(hours * 3600 * 0.5), int(hours * 3600) - 3600)):
        repeat = int(base // seg_s)
        pitch = truth["pitches"][k]
        onset = repeat * seg_s + pitch["spike_onset_s"]
        for i in range(pitch["spike_orders"]):
            n += 1
            rows.append(f"S{n},{onset + i * 1.2:.1f},{pitch['sku']},1")
    orders.write_text("\n".join(rows) + "\n")
    return video, orders


def bench_recording(hours: float) -> None:
    from bench_e2e import run_measured, stage_times

    video, orders = recording(hours)
    out = CACHE / f"out-long-{hours:g}h"
    cmd = [sys.executable, "-m", "reelcart.cli", "run", str(video), "--orders", str(orders), "--catalog", str(SAMPLES / "catalog.csv"),
           "--out", str(out), "--set", "transcribe.model=tiny.en", "--set", "render.width_px=540", "--set", "render.height_px=960"]
    import os
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    wall, peak = run_measured(cmd, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    manifest = out / "manifest.json"
    reels = len(json.loads(manifest.read_text())["reels"]) if manifest.is_file() else 0
    print(f"{hours:g} h recording ({video.stat().st_size / 2**20:.0f} MB): wall {wall:.0f} s, peak tree RSS {peak / 2**20:.0f} MB, "
          f"{reels} reels, stages {stage_times(out)} ({time.perf_counter() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["orders", "recording"])
    parser.add_argument("--rows", type=int, action="append", help="order-log sizes [default: 100k, 1M, 10M]")
    parser.add_argument("--hours", type=float, action="append", help="recording lengths [default: 24]")
    args = parser.parse_args()
    if args.what == "orders":
        bench_orders(args.rows or [100_000, 1_000_000, 10_000_000])
    else:
        for hours in args.hours or [24.0]:
            bench_recording(hours)


if __name__ == "__main__":
    main()
