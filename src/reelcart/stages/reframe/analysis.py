"""Cheap analysis of a reel's range: sampled small frames with their subjects, and the cuts from ffmpeg's scdet scores."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...config import ReframeConfig
from ...media.ffmpeg import AnalysisFrames
from .subjects import Box, build_detectors
from .window import even

END_GUARD_S = 0.1  # a cut this close to the end of the reel is ignored


# ------------------------------------------------------------------------------------ analysis


@dataclass
class Analysis:
    """What the planner knows about one reel range."""

    duration_s: float
    fps: float
    width_px: int  # analysis frame size
    height_px: int
    times_s: list[float] = field(default_factory=list)
    detections: list[list[Box]] = field(default_factory=list)
    scene_scores: list[tuple[float, float]] = field(default_factory=list)


def analysis_size(src_w: int, src_h: int, config: ReframeConfig) -> tuple[int, int]:
    width = min(config.analysis_width_px, even(src_w))
    return width, even(width * src_h / src_w)


def analyse(source: str, start_s: float, duration_s: float, src_w: int, src_h: int, config: ReframeConfig) -> Analysis:
    """Run the detectors on the reel range's analysis frames; collect every frame's cut score."""
    import cv2

    a_w, a_h = analysis_size(src_w, src_h, config)
    frames = AnalysisFrames(source, start_s=start_s, duration_s=duration_s, fps=config.analysis_fps, width_px=a_w, height_px=a_h)
    detectors = build_detectors(config)
    result = Analysis(duration_s=duration_s, fps=config.analysis_fps, width_px=a_w, height_px=a_h)
    for t_s, frame in frames:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        boxes: list[Box] = []
        for detector in detectors:
            boxes.extend(detector.detect(frame, gray))
        result.times_s.append(t_s)
        result.detections.append(boxes)
    result.scene_scores = frames.scene_scores
    return result


# ------------------------------------------------------------------------------------ shots


def find_cuts(scores: list[tuple[float, float]], duration_s: float, threshold: float, min_shot_s: float) -> list[float]:
    """Cut times (seconds from the reel start, half-way between the last frame of one shot and the
    first of the next) from per-frame scdet scores. The first two frames are skipped (scdet has no
    history there); of cuts closer than ``min_shot_s`` the strongest wins. A cut near an end of the
    reel is kept (a sliver of another camera must not drag the path of the shot beside it) unless it
    is within ``END_GUARD_S`` of the end, where no frame would be worth a decision."""
    candidates = []
    for i in range(2, len(scores)):
        t_s, score = scores[i]
        if score >= threshold:
            candidates.append(((scores[i - 1][0] + t_s) / 2, score))
    chosen: list[float] = []
    for t_s, _ in sorted(candidates, key=lambda c: -c[1]):
        if t_s > duration_s - END_GUARD_S:
            continue
        if all(abs(t_s - c) >= min_shot_s for c in chosen):
            chosen.append(t_s)
    return sorted(chosen)
