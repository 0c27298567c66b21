"""Reframing benchmark: analysis cost per minute of reel at 1080p and 4K, and the quality it buys.

Sources are generated once into bench/.cache (git-ignored): a studio-like still set with sensor noise
and a real face (cut from ../shared/media/crowd_faces_1080p_4s.mp4, or a bright blob when that clip
is missing) moving on a known sine path. For each source the reel planner (``plan_crop``) runs on the
whole clip as one reel; we report wall time and CPU time (this process + ffmpeg) per minute of reel,
split into decoding (ffmpeg: decode, scale to the analysis size, cut scores) and the Python side
(detectors, tracks, path), plus containment and jitter against the known path, and the jitter a
naive follower (window centred on each raw detection, linear between analysis frames) would have.

    PYTHONPATH=src python bench/bench_reframe.py [--seconds 60] [--sizes 1920x1080,3840x2160] [--fps 4]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from reelcart.config import ReframeConfig  # noqa: E402
from reelcart.media.ffmpeg import AnalysisFrames  # noqa: E402
from reelcart.stages import reframe  # noqa: E402
from reelcart.media.probe import probe_media  # noqa: E402
from tests.reframe_media import Layer, background, blob, compose, face_from_clip, sine_x  # noqa: E402
from tests.reframe_metrics import containment, jitter, output_times  # noqa: E402
from tests.test_reframe import moment  # noqa: E402

CACHE = ROOT / "bench" / ".cache"


def cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def make_source(w: int, h: int, seconds: float) -> tuple[Path, Layer, str]:
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / f"sine_{w}x{h}_{seconds:g}s.mp4"
    face_w = w // 7
    truth = ROOT / "tests" / "data" / "crowd_faces_truth.json"
    clip = next((b / "shared" / "media" / "crowd_faces_1080p_4s.mp4" for b in (ROOT.parent, ROOT.parent.parent)
                 if (b / "shared" / "media" / "crowd_faces_1080p_4s.mp4").is_file()), None)
    if clip is not None:
        data = json.loads(truth.read_text())
        image, fw, fh = face_from_clip(CACHE / f"face_{w}.png", clip, 50 / data["fps"], data["boxes_xywh"][50], face_w)
        kind = "face"
    else:
        fw, fh = face_w, int(face_w * 1.8) // 2 * 2
        image, kind = blob(CACHE / f"blob_{w}.png", fw, fh), "saliency"
    layer = Layer(image, fw, fh, sine_x(w / 2, w * 0.3, 8, fw), h // 4)
    if not out.is_file():
        started = time.perf_counter()
        compose(out, background(CACHE / f"bg_{w}.png", w, h), [layer], duration_s=seconds, noise=4)
        print(f"generated {out.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out, layer, kind


def naive_jitter(analysis: reframe.Analysis, geo: reframe.Geometry, times: np.ndarray, kind: str) -> float:
    """A follower without smoothing: window centred on the largest detection of the subject's kind."""
    xs = []
    for boxes in analysis.detections:
        found = sorted((b for b in boxes if b.kind == kind), key=lambda b: -b.area)
        xs.append(np.nan if not found else found[0].cx * geo.scale)
    xs = reframe.fill_gaps(np.array(analysis.times_s), np.array(xs), geo.length / 2)
    centre = np.clip(np.interp(times, analysis.times_s, xs), geo.window / 2, geo.length - geo.window / 2)
    return float(np.abs(np.diff(centre * 1080 / geo.window, 2)).mean())


def bench(size: str, seconds: float, fps: float) -> dict:
    w, h = (int(v) for v in size.split("x"))
    source, layer, kind = make_source(w, h, seconds)
    info = probe_media(source)
    config = ReframeConfig(analysis_fps=fps)
    a_w, a_h = reframe.analysis_size(info.display_width_px, info.display_height_px, config)
    # decoding alone: ffmpeg decodes the range, samples, scales, scores cuts; Python only receives frames
    wall, cpu = time.perf_counter(), cpu_s()
    frames = AnalysisFrames(source, start_s=0, duration_s=info.duration_s, fps=fps, width_px=a_w, height_px=a_h)
    count = sum(1 for _ in frames)
    decode_wall, decode_cpu = time.perf_counter() - wall, cpu_s() - cpu
    # the whole planner
    wall, cpu = time.perf_counter(), cpu_s()
    plan = reframe.plan_crop(info, moment(info.duration_s), config, 1080, 1920)
    plan_wall, plan_cpu = time.perf_counter() - wall, cpu_s() - cpu
    times = output_times(info.duration_s)
    centres = layer.centre_x(times)
    boxes = [(c - layer.width / 2, c + layer.width / 2) for c in centres]
    geo = reframe.make_geometry(info.display_width_px, info.display_height_px, 1080, 1920, a_w)
    analysis = reframe.analyse(str(source), 0, info.duration_s, info.display_width_px, info.display_height_px, config)
    ideal = np.clip(centres, geo.window / 2, geo.length - geo.window / 2) * 1080 / geo.window
    per_min = 60 / info.duration_s
    return {
        "source": f"{w}x{h}", "reel_s": round(info.duration_s, 1), "analysis": f"{a_w}x{a_h} @ {fps:g} fps",
        "frames": count, "decode_wall_s_per_min": round(decode_wall * per_min, 1), "decode_cpu_s_per_min": round(decode_cpu * per_min, 1),
        "plan_wall_s_per_min": round(plan_wall * per_min, 1), "plan_cpu_s_per_min": round(plan_cpu * per_min, 1),
        "mode": plan.mode, "subject": plan.subject, "keyframes": len(plan.keyframes),
        "containment_pct": round(100 * containment(plan, times, boxes), 2),
        "jitter": round(jitter(plan, times), 3), "jitter_true_motion": round(float(np.abs(np.diff(ideal, 2)).mean()), 3),
        "jitter_naive": round(naive_jitter(analysis, geo, times, kind), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the generated reel")
    parser.add_argument("--sizes", default="1920x1080,3840x2160", help="source sizes")
    parser.add_argument("--fps", type=float, default=ReframeConfig().analysis_fps, help="analysis frames per second")
    args = parser.parse_args()
    rows = [bench(size, args.seconds, args.fps) for size in args.sizes.split(",")]
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    print("\n(times in seconds per minute of reel; jitter in output-canvas px/frame², 1080 px wide, 30 fps)")


if __name__ == "__main__":
    main()
