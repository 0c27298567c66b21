"""Studio preview benchmark: one still frame of a 30 s reel of a 1080p30 recording, against rendering the reel.

    python bench/bench_studio.py [--frames 10] [--gop 60] [--seed 3] [--skip-render]

Source (made once, cached in bench/.cache/): the first 2 minutes of the sample livestream (real
speech) scaled to 1920x1080, 30 fps, x264 with a keyframe every ``--gop`` frames (60 = 2 s, what
streaming encoders use; the preview's cost grows with it: ffmpeg decodes from the keyframe before
the frame). Transcript: the sample's ground-truth sentences spread into words. The reel: 30 s in
two segments (a jump cut), the crop path planned by the reframe stage (its analysis is timed too,
against the cheap centre crop the preview falls back to for a moment without a crop).

Preview figures, ``--frames`` random reel times each: cold (a fresh work folder per frame: fonts
folder, ASS and card images written first) and warm (the same work folder: the files are reused),
interleaved frame by frame (the machine's load varies; both see the same),
total wall time of ``render_preview_frame`` and the part spent in ffmpeg. Then the full render of the
same reel with ``render_reel`` (loudness pass, x264 veryfast, thumbnail).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.bench_render import sample_transcript  # noqa: E402
from reelcart.config import load_preset  # noqa: E402
from reelcart.media import ffmpeg as media_ffmpeg  # noqa: E402
from reelcart.media import probe  # noqa: E402
from reelcart.media.ffmpeg import run_ffmpeg  # noqa: E402
from reelcart.models import Moment, Product, ScoreParts, TimeRange  # noqa: E402
from reelcart.stages import render  # noqa: E402
from reelcart.stages.reframe import plan_crop  # noqa: E402
from reelcart.stages.reframe.segments import plan_segment_crops  # noqa: E402
from reelcart.stages.render.preview import preview_moment, render_preview_frame  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
SOURCE_S = 120.0
SEGMENTS = [TimeRange(start_s=20.0, end_s=38.0), TimeRange(start_s=42.0, end_s=54.0)]  # 30 s played


def source(gop: int) -> Path:
    target = CACHE / f"studio-1080p30-{SOURCE_S:g}s-g{gop}.mp4"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".partial.mp4")
        run_ffmpeg(["-t", f"{SOURCE_S:g}", "-i", str(ROOT / "samples" / "livestream.mp4"),
                    "-vf", "scale=1920:1080:flags=bicubic,fps=30", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                    "-g", str(gop), "-c:a", "aac", "-b:a", "96k", "-ar", "48000", str(tmp)], what="bench studio source")
        tmp.rename(target)
    return target


class FfmpegClock:
    """Adds up the wall time spent in ``run_ffmpeg`` (the preview's one process)."""

    def __init__(self) -> None:
        self.spent_s = 0.0
        self.real = media_ffmpeg.run_ffmpeg

    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204
        started = time.perf_counter()
        try:
            return self.real(*args, **kwargs)
        finally:
            self.spent_s += time.perf_counter() - started


def timed_previews(info, moment, product, transcript, preset, times: list[float], work_for) -> list[tuple[float, float]]:  # noqa: ANN001
    """(wall s, ffmpeg s) of one preview per time; ``work_for(i)`` is the work folder of the i-th."""
    clock = FfmpegClock()
    media_ffmpeg.run_ffmpeg = clock
    out = []
    try:
        for i, t in enumerate(times):
            clock.spent_s = 0.0
            started = time.perf_counter()
            jpeg = render_preview_frame(info, moment, product, transcript, preset, t_s=t, work_dir=work_for(i))
            out.append((time.perf_counter() - started, clock.spent_s))
            assert jpeg[:2] == b"\xff\xd8"
    finally:
        media_ffmpeg.run_ffmpeg = clock.real
    return out


def row(label: str, runs: list[tuple[float, float]]) -> str:
    walls, ffs = [w * 1000 for w, _ in runs], [f * 1000 for _, f in runs]
    return (f"| {label} | {len(runs)} | {statistics.median(walls):.0f} ms | {max(walls):.0f} ms | "
            f"{statistics.median(ffs):.0f} ms | {max(ffs):.0f} ms |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--gop", type=int, default=60, help="Keyframe interval of the generated source, in frames.")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--skip-render", action="store_true", help="Do not time the full render of the reel.")
    args = ap.parse_args()
    src = source(args.gop)
    info = probe.probe_media(src)
    preset = load_preset("default", [])
    r = preset.render
    product = Product(sku="SKU", name="Velvet Glow Serum", url="https://shop.example.com/products/velvet-glow-serum",
                      price=24.9, currency="USD")
    score = ScoreParts(sales_lift=1, pitch=1, call_to_action=1, speech_density=1, stale_penalty=0, total=1)
    moment = Moment(id="bench-studio", sku="SKU", product_name=product.name, start_s=SEGMENTS[0].start_s,
                    end_s=SEGMENTS[-1].end_s, pitch_start_s=SEGMENTS[0].start_s, cta_start_s=48.0, score=score,
                    segments=SEGMENTS)
    transcript = sample_transcript()
    print(f"source {src.name}: {info.width_px}x{info.height_px} {info.fps:g} fps, keyframe every {args.gop} frames; "
          f"reel {moment.duration_s:g} s in {len(SEGMENTS)} segments -> {r.width_px}x{r.height_px}; {os.cpu_count()} cores",
          file=sys.stderr)

    started = time.perf_counter()
    planned = plan_segment_crops(info, moment, preset.reframe, r.width_px, r.height_px, plan_crop)
    analysed_s = time.perf_counter() - started
    started = time.perf_counter()
    preview_moment(info, moment, preset)  # crop None: the centre crop the preview plans
    centre_s = time.perf_counter() - started
    moment = moment.model_copy(update={"crop": planned})
    print(f"crop path: {planned.mode}, {len(planned.keyframes)} keyframes", file=sys.stderr)

    rng = random.Random(args.seed)
    times = [round(rng.uniform(0, moment.duration_s), 3) for _ in range(args.frames)]
    with tempfile.TemporaryDirectory(prefix="reelcart-bench-studio-") as tmp:
        work = Path(tmp)
        first = timed_previews(info, moment, product, transcript, preset, [times[0]], lambda i: work / "warm")
        cold, warm = [], []
        for i, t in enumerate(times):  # interleaved, so a busy machine slows both alike
            cold += timed_previews(info, moment, product, transcript, preset, [t], lambda _: work / f"cold-{i}")
            warm += timed_previews(info, moment, product, transcript, preset, [t], lambda _: work / "warm")
        full_s = None
        if not args.skip_render:
            started = time.perf_counter()
            render.render_reel(info, moment, product, transcript, preset, work_dir=work / "render", out_dir=work / "out")
            full_s = time.perf_counter() - started

    print()
    print(f"| preview of a {moment.duration_s:g} s reel, 1080p30 source (GOP {args.gop}) -> {r.width_px}x{r.height_px} JPEG "
          "| frames | median | max | ffmpeg median | ffmpeg max |")
    print("|---|---:|---:|---:|---:|---:|")
    print(row("first preview of the process (fonts, caches)", first))
    print(row("cold (fresh work folder per frame)", cold))
    print(row("warm (work files reused)", warm))
    print()
    print("| other | wall |")
    print("|---|---:|")
    print(f"| crop planned by the reframe stage (analysis of {moment.duration_s:g} s) | {analysed_s:.1f} s |")
    print(f"| centre crop (the preview's fallback for a moment without a crop) | {centre_s * 1000:.1f} ms |")
    if full_s is not None:
        print(f"| full render of the reel (`render_reel`: loudness pass, x264 {r.x264_preset}, thumbnail) | {full_s:.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
