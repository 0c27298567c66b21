"""Ground truth and quality measures for the reframing tests and benchmark.

- ``containment``: share of output frames whose window holds the subject's true box.
- ``jitter``: mean absolute frame-to-frame acceleration of the window centre (px/frame² at the
  output frame rate, in output-canvas pixels), cuts excluded (a cut is a deliberate jump).
- ``green_key_boxes``: the true box of a subject on a green screen, from every source frame
  (chroma key: a pixel belongs to the subject unless it is green), computed independently of the
  planner (which knows nothing about green screens).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelcart.media.ffmpeg import AnalysisFrames
from reelcart.models import CropPlan
from reelcart.stages.reframe import evaluate_path

OUTPUT_FPS = 30.0


def output_times(duration_s: float, fps: float = OUTPUT_FPS) -> np.ndarray:
    return np.arange(int(duration_s * fps)) / fps


def window_x(plan: CropPlan, times: np.ndarray) -> np.ndarray:
    return evaluate_path(plan.keyframes, times, "x")


def covered(box: tuple[float, float], x: float, width: float, tol_px: float = 2.0) -> bool:
    """The window [x, x + width] holds the box [lo, hi]; a box wider than the window must fill it."""
    lo, hi = box
    if hi - lo <= width:
        return lo >= x - tol_px and hi <= x + width + tol_px
    return lo <= x + tol_px and hi >= x + width - tol_px


def containment(plan: CropPlan, times: np.ndarray, boxes: list[tuple[float, float] | None], tol_px: float = 2.0) -> float:
    """Share of frames (with a known subject) whose window holds the subject's box (source px).
    A shot shown whole (fit) holds it by definition."""
    xs = window_x(plan, times)
    inside = total = 0
    fit_spans = [(s.start_s, s.end_s) for s in plan.shots if s.mode == "fit"]
    for t, x, box in zip(times, xs, boxes):
        if box is None:
            continue
        total += 1
        if plan.mode == "fit" or any(a <= t < b for a, b in fit_spans) or covered(box, x, plan.width_px, tol_px):
            inside += 1
    return inside / total if total else 1.0


def jitter(plan: CropPlan, times: np.ndarray, out_w: int = 1080) -> float:
    """Mean |Δ² centre| in output-canvas px per frame², frames next to a cut left out."""
    xs = window_x(plan, times) * (out_w / plan.width_px)
    acc = np.abs(np.diff(xs, 2))
    cuts = [s.start_s for s in plan.shots[1:]]
    keep = np.ones(len(acc), bool)
    for c in cuts:
        j = np.searchsorted(times, c)  # first frame of the new shot
        keep[max(0, j - 2): j + 1] = False
    return float(acc[keep].mean()) if keep.any() else 0.0


def boxes_at(times: np.ndarray, src_times: np.ndarray, src_boxes: list[tuple[float, float] | None]) -> list:
    """The source frame's box shown at each output time (the last source frame at or before it)."""
    idx = np.clip(np.searchsorted(src_times, times + 1e-6, side="right") - 1, 0, len(src_boxes) - 1)
    return [src_boxes[i] for i in idx]


def green_key_boxes(path: Path, width_px: int = 320) -> tuple[np.ndarray, list[tuple[float, float] | None], int]:
    """(frame times, horizontal extent [lo, hi] in source px per frame or None, source width)."""
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        src_w, src_h = s.codec_context.width, s.codec_context.height
        fps = float(s.average_rate)  # the shared clips are constant frame rate
        duration = float(s.duration * s.time_base) if s.duration else float(c.duration / 1e6)
    h = int(round(width_px * src_h / src_w / 2)) * 2
    frames = AnalysisFrames(path, start_s=0, duration_s=duration + 1, fps=fps, width_px=width_px, height_px=h)
    scale = src_w / width_px
    boxes: list[tuple[float, float] | None] = []
    for _, frame in frames:  # BGR
        b, g, r = (frame[..., i].astype(np.int16) for i in range(3))
        subject = ~((g > 120) & (g > r + 40) & (g > b + 40))  # not green
        xs = np.nonzero(subject.sum(axis=0) >= max(2, h // 60))[0]  # columns holding part of the subject
        boxes.append(None if len(xs) == 0 else (float(xs[0] * scale), float((xs[-1] + 1) * scale)))
    return np.arange(len(boxes)) / fps, boxes, src_w


def true_motion_jitter(times: np.ndarray, src_times: np.ndarray, boxes: list[tuple[float, float] | None], window: int,
                       length: int, smooth_s: float = 0.0, out_w: int = 1080) -> float:
    """Jitter of a window that follows the true subject centre exactly (clamped to the frame): what
    the subject's own motion requires. Measured truths (detector, chroma key) carry per-frame noise
    that is not motion: ``smooth_s`` averages it out (centred moving average)."""
    centre = np.array([np.nan if b is None else (b[0] + b[1]) / 2 for b in boxes])
    known = ~np.isnan(centre)
    centre = np.interp(src_times, src_times[known], centre[known])
    if smooth_s > 0:
        fps = 1 / float(np.median(np.diff(src_times)))
        n = max(1, int(round(smooth_s * fps)) | 1)
        centre = np.convolve(np.pad(centre, n // 2, mode="edge"), np.ones(n) / n, mode="valid")
    x = np.clip(np.interp(times, src_times, centre), window / 2, length - window / 2) * (out_w / window)
    return float(np.abs(np.diff(x, 2)).mean())
