"""Render benchmark: one segment (or several, jump-cut), the same encoder settings, three ways, in one run.

1. reelcart: ``render_reel`` (loudness measurement pass + one ffmpeg pass with crop, scale, word
   captions, product card, QR code, loudnorm, x264, thumbnail candidates; then the thumbnail pick).
2. bare ffmpeg: ``ffmpeg -ss S -t D -i SRC -vf crop,scale -c:v libx264 ... -c:a aac`` (no captions).
3. moviepy 2 the way peer tools do it: ``subclipped``, ``cropped``, ``resized``, one ``TextClip``
   per caption page composited with ``CompositeVideoClip``, ``write_videofile``.

All three: 1080x1920, 30 fps, libx264 ``veryfast`` CRF 21, AAC 160 kb/s. Prints a Markdown table
(wall seconds and ratio to bare ffmpeg). Needs the ``bench`` extra for moviepy
(``pip install -e .[bench]``); ``--skip-moviepy`` runs without it.

    python bench/bench_render.py [--source samples/livestream.mp4] [--start 20] [--duration 30]
    python bench/bench_render.py --segments 3 --skip-moviepy   # a 3-segment reel vs a bare trim+concat encode
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from reelcart.config import load_preset  # noqa: E402
from reelcart.media.ffmpeg import run_ffmpeg  # noqa: E402
from reelcart.media.fonts import resolve_face  # noqa: E402
from reelcart.models import (  # noqa: E402
    CropKeyframe,
    CropPlan,
    Moment,
    Product,
    ScoreParts,
    Segment,
    TimeRange,
    Transcript,
    Word,
)
from reelcart.media import probe  # noqa: E402
from reelcart.stages import render  # noqa: E402
from reelcart.stages.captions import build_layout, build_pages, reel_words  # noqa: E402
from reelcart.stages.reframe import window_size  # noqa: E402
from reelcart.handoff.platforms import platform as platform_spec  # noqa: E402

W, H, FPS, CRF, X264, AUDIO_K = 1080, 1920, 30, 21, "veryfast", 160


def sample_transcript() -> Transcript:
    """Word timings spread over the sample's ground-truth sentences."""
    truth = json.loads((ROOT / "samples" / "ground_truth.json").read_text())
    words: list[Word] = []
    for seg in truth["transcript"]:
        tokens = seg["text"].split()
        step = (seg["end_s"] - seg["start_s"]) / max(1, len(tokens))
        for i, tok in enumerate(tokens):
            s = seg["start_s"] + i * step
            words.append(Word(text=tok, start_s=round(s, 3), end_s=round(s + step * 0.85, 3)))
    return Transcript(model="ground-truth", language="en", language_probability=1.0,
                      windows=[TimeRange(start_s=0, end_s=words[-1].end_s)],
                      segments=[Segment(start_s=w.start_s, end_s=w.end_s, text=w.text, words=[w]) for w in words],
                      audio_s=words[-1].end_s)


def _cpu_s() -> float:
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(label: str, func) -> tuple[float, float]:  # noqa: ANN001
    """(wall s, CPU s of this process and its ffmpeg children)."""
    cpu0, started = _cpu_s(), time.perf_counter()
    func()
    elapsed, cpu = time.perf_counter() - started, _cpu_s() - cpu0
    print(f"  {label:<10} wall {elapsed:6.1f} s  cpu {cpu:6.1f} s", file=sys.stderr)
    return elapsed, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, default=ROOT / "samples" / "livestream.mp4")
    ap.add_argument("--start", type=float, default=20.0)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--segments", type=int, default=1,
                    help="Cut the reel into this many segments (jump cuts) with --gap s left out between each two; "
                         "bare ffmpeg then trims and concatenates the same segments (moviepy is skipped).")
    ap.add_argument("--gap", type=float, default=4.0, help="Seconds left out between two segments.")
    ap.add_argument("--skip-moviepy", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="Runs of reelcart and bare ffmpeg, interleaved; the best counts.")
    ap.add_argument("--keep", type=Path, help="Keep the three outputs in this folder.")
    args = ap.parse_args()

    info = probe.probe_media(args.source)
    cw, ch = window_size(info.width_px, info.height_px, W, H)
    cx = (info.width_px - cw) // 2 // 2 * 2
    cy = (info.height_px - ch) // 2 // 2 * 2
    crop = CropPlan(mode="steady", source_width_px=info.width_px, source_height_px=info.height_px, width_px=cw,
                    height_px=ch, keyframes=[CropKeyframe(t_s=0.0, x_px=cx, y_px=cy)], subject="none")
    start, dur = args.start, args.duration
    segments = bench_segments(start, dur, args.segments, args.gap, FPS)
    span = segments[-1].end_s - start
    moment = Moment(id="bench", sku="SKU", product_name="Velvet Glow Serum", start_s=start, end_s=start + span,
                    pitch_start_s=start, cta_start_s=start + span * 0.6,
                    score=ScoreParts(sales_lift=1, pitch=1, call_to_action=1, speech_density=1, stale_penalty=0, total=1),
                    crop=crop, segments=segments if len(segments) > 1 else [])
    product = Product(sku="SKU", name="Velvet Glow Serum", url="https://shop.example.com/products/velvet-glow-serum",
                      price=24.9, currency="USD")
    transcript = sample_transcript()
    preset = load_preset("default", [{"render": {"width_px": W, "height_px": H, "fps": FPS, "crf": CRF,
                                                 "x264_preset": X264, "audio_bitrate_kbps": AUDIO_K}}])
    work = Path(tempfile.mkdtemp(prefix="reelcart-bench-"))
    print(f"segment {args.source.name} {start:g}-{start + dur:g} s, {info.width_px}x{info.height_px} -> {W}x{H}, "
          f"x264 {X264} crf {CRF}, {os.cpu_count()} cores", file=sys.stderr)
    # warm caches that a real run pays once per machine (font instancing), not per reel
    render.plan_reel(info, moment, product, transcript, preset)

    results: dict[str, list[tuple[float, float]]] = {"reelcart": [], "ffmpeg": []}
    bare_out = work / "bare.mp4"

    picture = f"crop={cw}:{ch}:{cx}:{cy},scale={W}:{H}:flags=lanczos"

    def bare() -> None:
        run_ffmpeg([
            "-ss", f"{start:.3f}", "-t", f"{span:.3f}", "-i", str(args.source.resolve()),
            *bare_filters(segments, start, picture), "-r", str(FPS),
            # the encoder settings reelcart uses (platform rules: High, 2 s closed GOPs, faststart)
            "-c:v", "libx264", "-preset", X264, "-crf", str(CRF), "-profile:v", "high", "-pix_fmt", "yuv420p",
            "-g", str(FPS * 2), "-keyint_min", str(FPS * 2), "-sc_threshold", "0", "-flags", "+cgop",
            "-c:a", "aac", "-b:a", f"{AUDIO_K}k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart", str(bare_out)],
            what="bare ffmpeg")

    for _ in range(max(1, args.repeat)):  # interleaved, so a busy machine slows both alike
        results["ffmpeg"].append(timed("ffmpeg", bare))
        results["reelcart"].append(timed("reelcart", lambda: render.render_reel(
            info, moment, product, transcript, preset, work_dir=work / "work", out_dir=work / "reelcart")))

    if not args.skip_moviepy and len(segments) == 1:
        try:
            import moviepy  # noqa: F401
        except ImportError:
            print("moviepy is not installed (pip install -e .[bench]); skipping it", file=sys.stderr)
        else:
            results["moviepy"] = [timed("moviepy", lambda: moviepy_render(args.source, moment, transcript, preset, crop,
                                                                          work / "moviepy.mp4"))]

    best = {k: (min(w for w, _ in v), min(c for _, c in v)) for k, v in results.items() if v}
    base_wall, base_cpu = best["ffmpeg"]
    print()
    what = f"same {dur:g} s segment" if len(segments) == 1 else f"same {len(segments)} segments, {dur:g} s in all"
    print(f"| path ({what}, {W}x{H}, x264 {X264} CRF {CRF}) | wall | CPU | wall vs bare | CPU vs bare |")
    print("|---|---|---|---|---|")
    names = {
        "ffmpeg": ("bare ffmpeg: `-ss -t -i`, crop, scale, x264, AAC (no captions)" if len(segments) == 1 else
                   "bare ffmpeg: `-ss -t -i`, trim + concat (video and audio), crop, scale, x264, AAC (no captions)"),
        "reelcart": "reelcart: loudness pass + one pass with captions, card, QR, loudness, thumbnail",
        "moviepy": "moviepy 2.2: subclip, crop, resize, caption `TextClip`s, `CompositeVideoClip`",
    }
    for key in ("ffmpeg", "reelcart", "moviepy"):
        if key in best:
            wall, cpu = best[key]
            print(f"| {names[key]} | {wall:.1f} s | {cpu:.1f} s | {wall / base_wall:.2f}x | {cpu / base_cpu:.2f}x |")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for f in [*(work / "reelcart").glob("*"), bare_out, work / "moviepy.mp4"]:
            if f.exists():
                shutil.copy2(f, args.keep / f.name)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def bench_segments(start: float, played_s: float, count: int, gap_s: float, fps: int) -> list[TimeRange]:
    """``count`` equal segments playing ``played_s`` in all, ``gap_s`` left out between each two (on the frame grid)."""
    piece = round(played_s / max(1, count) * fps) / fps
    gap = round(gap_s * fps) / fps
    return [TimeRange(start_s=round(start + k * (piece + gap), 4), end_s=round(start + k * (piece + gap) + piece, 4))
            for k in range(max(1, count))]


def bare_filters(segments: list[TimeRange], origin: float, picture: str) -> list[str]:
    """-vf for one segment; for several, a graph that trims and concatenates them (video and audio)."""
    if len(segments) == 1:
        return ["-vf", picture]
    parts = []
    for k, seg in enumerate(segments):
        a, b = seg.start_s - origin, seg.end_s - origin
        parts.append(f"[0:v]trim=start={a:.4f}:end={b:.4f},setpts=PTS-STARTPTS[v{k}];"
                     f"[0:a]atrim=start={a:.4f}:end={b:.4f},asetpts=PTS-STARTPTS[a{k}]")
    joined = "".join(f"[v{k}][a{k}]" for k in range(len(segments)))
    graph = ";".join(parts) + f";{joined}concat=n={len(segments)}:v=1:a=1[vc][ac];[vc]{picture}[v]"
    return ["-filter_complex", graph, "-map", "[v]", "-map", "[ac]"]


def moviepy_render(source: Path, moment: Moment, transcript: Transcript, preset, crop: CropPlan, out: Path) -> None:  # noqa: ANN001
    """The peer-tool way: clips composited in Python, frames piped to ffmpeg."""
    from moviepy import CompositeVideoClip, TextClip, VideoFileClip

    cap = preset.captions
    layout = build_layout(cap, preset.render, platform_spec(preset.package.platform))
    face = resolve_face(cap.font, cap.font_weight)
    words = reel_words(transcript.words(), moment, case=cap.case)
    pages = build_pages(words, cap, layout, face, transcript.language)
    clip = VideoFileClip(str(source)).subclipped(moment.start_s, moment.end_s)
    k = crop.keyframes[0]
    clip = clip.cropped(x1=k.x_px, y1=k.y_px, width=crop.width_px, height=crop.height_px).resized((W, H))
    texts = []
    for page in pages:
        text = "\n".join(" ".join(t.text for t in line) for line in page.lines)
        tc = (TextClip(font=str(face.path), text=text, font_size=layout.font_px, color=cap.text_colour,
                       stroke_color=cap.outline_colour, stroke_width=3, method="label", text_align="center")
              .with_start(page.start_s).with_duration(max(0.05, page.end_s - page.start_s))
              .with_position(("center", H - layout.safe_bottom - 260)))
        texts.append(tc)
    final = CompositeVideoClip([clip, *texts], size=(W, H))
    final.write_videofile(str(out), fps=FPS, codec="libx264", preset=X264, audio_codec="aac",
                          audio_bitrate=f"{AUDIO_K}k", ffmpeg_params=["-crf", str(CRF), "-pix_fmt", "yuv420p"],
                          logger=None)
    final.close()
    clip.close()


if __name__ == "__main__":
    raise SystemExit(main())
