"""End-to-end benchmark: an hour-long (and a four-hour) 1080p30 livestream to three reels.

Generates, once, into bench/.cache/ (git-ignored):
  * a 4-minute 1080p30 segment made from the sample livestream (scaled, re-encoded once), then
  * 60-minute and 240-minute recordings by concatenating that segment with ffmpeg's concat demuxer
    (stream copy: seconds to make), speech throughout, the four pitches repeating every ~233 s;
  * an order log (seconds from stream start) with background sales over the whole stream and spikes
    after three pitches only (the other repeats are "mentioned again without sales").
Then runs `reelcart run` with the default preset in a subprocess and reports the wall time of each
stage (from the work/*.json envelopes), the total, and the peak RSS of the whole process tree
(psutil, sampled every 0.1 s). `--naive` also measures what peers do for the same three reels:
transcribe the whole recording (same model, word timestamps), then render each reel with moviepy
(cut, centre crop, 1080x1920, one TextClip per caption page, x264 veryfast CRF 21, as in
bench_render.py).

    python bench/bench_e2e.py                 # 60 min
    python bench/bench_e2e.py --hours 4       # 4 h variant
    python bench/bench_e2e.py --hours 1 --hours 4 --naive   # naive path on the first (1 h) only
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from reelcart.media.ffmpeg import run_ffmpeg  # noqa: E402
from reelcart.pipeline import stage_names  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
SAMPLES = ROOT / "samples"
SEGMENT_S = None  # read from ground truth
SPIKE_LOOPS = (2, 6, 11)  # loops whose pitches sold (pitch index = loop % 3 keeps products distinct)


def segment() -> Path:
    target = CACHE / "segment-1080p30.mp4"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".partial.mp4")
        run_ffmpeg(
            ["-i", str(SAMPLES / "livestream.mp4"), "-vf", "scale=1920:1080:flags=bicubic,fps=30",
             "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-g", "60",
             "-c:a", "aac", "-b:a", "96k", "-ar", "48000", str(tmp)],
            what="bench segment",
        )
        tmp.rename(target)
    return target


def recording(hours: float) -> tuple[Path, Path, Path]:
    truth = json.loads((SAMPLES / "ground_truth.json").read_text())
    seg_s = float(truth["duration_s"])
    loops = int(hours * 3600 // seg_s) + 1
    video = CACHE / f"live-{hours:g}h.mp4"
    orders = CACHE / f"orders-{hours:g}h.csv"
    if not video.exists():
        seg = segment()
        listing = CACHE / f"concat-{hours:g}h.txt"
        listing.write_text("".join(f"file '{seg.name}'\n" for _ in range(loops)))
        tmp = video.with_suffix(".partial.mp4")
        run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-t", f"{hours * 3600:.0f}", "-c", "copy", str(tmp)],
                   what="bench recording")
        tmp.rename(video)
    if not orders.exists():
        rng = random.Random(7)
        total_s = hours * 3600
        skus = [p["sku"] for p in truth["pitches"]]
        rows = []
        t = 0.0
        while t < total_s:  # background: ~2 orders a minute across all SKUs
            t += rng.expovariate(2 / 60)
            rows.append((t, rng.choice(skus)))
        sold = [p for p in truth["pitches"] if p["spike"]]
        for n, loop in enumerate(SPIKE_LOOPS):
            pitch = sold[n % len(sold)]
            onset = loop * seg_s + pitch["cta_end_s"] + 20
            for _ in range(30):
                rows.append((onset + rng.uniform(0, 50), pitch["sku"]))
        rows.sort()
        with open(orders, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["order_id", "timestamp", "sku", "quantity"])
            for i, (ts, sku) in enumerate(rows):
                if ts < total_s:
                    writer.writerow([f"B{i}", f"{ts:.2f}", sku, 1])
    return video, orders, SAMPLES / "catalog.csv"


STAGES = stage_names()


def run_measured(cmd: list[str], env: dict[str, str] | None = None,
                 work: Path | None = None) -> tuple[float, int, dict[str, int]]:
    """Wall seconds, the peak RSS (bytes) of the process tree, and the peak per stage.

    Stages run one after another and each writes ``work/<stage>.json`` when it ends, so the stage
    running at a sample is the first one without an envelope yet.
    """
    started = time.perf_counter()
    # stdout to a file, not a pipe: a pipe nobody reads would block a chatty child.
    with open(CACHE / "bench-e2e.log", "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        root = psutil.Process(proc.pid)
        peak = 0
        per_stage: dict[str, int] = {}
        while proc.poll() is None:
            try:
                procs = [root, *root.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs if p.is_running())
            except psutil.Error:
                rss = 0
            peak = max(peak, rss)
            if work is not None:
                stage = next((s for s in STAGES if not (work / f"{s}.json").exists()), "package")
                per_stage[stage] = max(per_stage.get(stage, 0), rss)
            time.sleep(0.1)
    if proc.returncode != 0:
        out = (CACHE / "bench-e2e.log").read_text()[-4000:]
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{out}")
    return time.perf_counter() - started, peak, per_stage


def stage_times(out: Path) -> dict[str, float]:
    times = {}
    for stage in STAGES:
        path = out / "work" / f"{stage}.json"
        if path.exists():
            times[stage] = json.loads(path.read_text())["seconds"]
    return times


def bench_reelcart(hours: float) -> dict:
    video, orders, catalog = recording(hours)
    out = CACHE / f"out-{hours:g}h"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "reelcart.cli", "run", str(video), "--orders", str(orders), "--catalog", str(catalog),
           "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    wall, peak, per_stage = run_measured(cmd, env, work=out / "work")
    manifest = json.loads((out / "manifest.json").read_text())
    return {"hours": hours, "wall_s": round(wall, 1), "peak_rss_mb": round(peak / 2**20), "stages": stage_times(out),
            "stage_peak_rss_mb": {k: round(v / 2**20) for k, v in per_stage.items()},
            "reels": len(manifest["reels"])}


NAIVE = r"""
import json, sys, time
from faster_whisper import WhisperModel
from moviepy import CompositeVideoClip, TextClip, VideoFileClip
sys.path.insert(0, sys.argv[3])
from reelcart.media.fonts import resolve_face
from reelcart.speech.models import resolve_model
video, plan_file = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
# 1. the whole recording through the same model, word timestamps for the captions
model = WhisperModel(resolve_model("base").path, device="cpu", compute_type="int8")
segments, _ = model.transcribe(video, word_timestamps=True, vad_filter=True)
words = [(w.start, w.end, w.word.strip()) for s in segments for w in (s.words or [])]
t1 = time.perf_counter()
# 2. each reel with moviepy: cut, centre crop to 9:16, 1080x1920, a TextClip per 4-word caption page
face = resolve_face("Be Vietnam Pro", 800)
plan = json.load(open(plan_file))
for m in plan["moments"]:
    clip = VideoFileClip(video).subclipped(m["start_s"], m["end_s"])
    w = int(clip.h * 9 / 16) // 2 * 2
    clip = clip.cropped(x_center=clip.w / 2, width=w).resized((1080, 1920))
    inside = [x for x in words if m["start_s"] <= x[0] < m["end_s"]]
    texts = []
    for i in range(0, len(inside), 4):
        page = inside[i:i + 4]
        start, end = page[0][0] - m["start_s"], page[-1][1] - m["start_s"]
        texts.append(TextClip(font=str(face.path), text=" ".join(x[2] for x in page), font_size=72, color="white",
                              stroke_color="black", stroke_width=3, method="label", text_align="center")
                     .with_start(start).with_duration(max(0.05, end - start)).with_position(("center", 1300)))
    final = CompositeVideoClip([clip, *texts], size=(1080, 1920))
    final.write_videofile(f"/tmp/naive-{m['id']}.mp4", fps=30, codec="libx264", preset="veryfast", audio_codec="aac",
                          ffmpeg_params=["-crf", "21", "-pix_fmt", "yuv420p"], logger=None)
    final.close()
    clip.close()
t2 = time.perf_counter()
print(json.dumps({"transcribe_s": t1 - t0, "render_s": t2 - t1, "words": len(words)}))
"""


def bench_naive(hours: float) -> dict:
    video, _, _ = recording(hours)
    plan = CACHE / f"out-{hours:g}h" / "plan.json"
    cmd = [sys.executable, "-c", NAIVE, str(video), str(plan), str(ROOT / "src")]
    wall, peak, _ = run_measured(cmd)
    parts = json.loads((CACHE / "bench-e2e.log").read_text().strip().splitlines()[-1])
    return {"hours": hours, "wall_s": round(wall, 1), "peak_rss_mb": round(peak / 2**20),
            "transcribe_s": round(parts["transcribe_s"], 1), "render_s": round(parts["render_s"], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, action="append", help="recording length (repeatable); default 1")
    parser.add_argument("--naive", action="store_true",
                        help="also time the peer approach (full transcription + moviepy) on the first recording")
    args = parser.parse_args()
    results = []
    for n, hours in enumerate(args.hours or [1.0]):
        res = bench_reelcart(hours)
        results.append(res)
        print(json.dumps(res), flush=True)
        if args.naive and n == 0:  # the first recording only: the naive path takes ~9 min an hour of stream
            naive = bench_naive(hours)
            print(json.dumps({"naive": naive, "speedup": round(naive["wall_s"] / res["wall_s"], 1)}), flush=True)
    print(f"\nmachine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB")
    print("| recording | stage | wall s | share | peak RSS MB |")
    print("|---|---|---|---|---|")
    for res in results:
        total = res["wall_s"]
        for stage, secs in res["stages"].items():
            mem = res["stage_peak_rss_mb"].get(stage, "")
            print(f"| {res['hours']:g} h | {stage} | {secs:.1f} | {secs / total:.0%} | {mem} |")
        print(f"| {res['hours']:g} h | **total** ({res['reels']} reels) | {total:.1f} | 100% | {res['peak_rss_mb']} |")


if __name__ == "__main__":
    main()
