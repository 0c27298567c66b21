"""Plan the 9:16 window for each moment from cheap analysis frames.

Frames of the moment only, ≤ 480 px wide and ≤ 5 fps, decoded and scaled by ffmpeg. The subject is
the largest face (OpenCV Haar cascade, shipped with opencv-python-headless 4.x), else the centre
of motion, else the frame centre. The path is median-filtered; if it barely moves the window is
*steady*, otherwise it *tracks* along a smoothed path with capped speed, as keyframes that
render as one ffmpeg crop expression.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..config import ReframeConfig
from ..ffmpeg import read_gray_frames
from ..models import CropKeyframe, CropPlan, MediaInfo, Moment

STAGE = "reframe"
VERSION = 1
STEADY_SPAN_FRAC = 0.06  # subject range (of the source width) under which the window stays fixed
MAX_SPEED_FRAC_S = 0.25  # fastest pan: a quarter of the source width per second
KEYFRAME_STEP_S = 1.0


def even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def window_size(width_px: int, height_px: int, out_w: int, out_h: int) -> tuple[int, int]:
    """Largest even window of the output's aspect that fits the source."""
    target = out_w / out_h
    if width_px / height_px > target:
        return even(height_px * target), even(height_px)
    return even(width_px), even(width_px / target)


@functools.lru_cache(maxsize=1)
def _face_detector():  # noqa: ANN202 - cv2.CascadeClassifier
    import cv2

    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
    detector = cv2.CascadeClassifier(path)
    return None if detector.empty() else detector


def detect_faces(frame: np.ndarray) -> list[tuple[float, float, float]]:
    """(centre x, centre y, size) of faces in a grey frame, largest first."""
    detector = _face_detector()
    if detector is None:
        return []
    found = detector.detectMultiScale(frame, scaleFactor=1.15, minNeighbors=5, minSize=(24, 24))
    faces = [(x + w / 2, y + h / 2, float(w)) for (x, y, w, h) in found]
    return sorted(faces, key=lambda f: -f[2])


def motion_centre(prev: np.ndarray, frame: np.ndarray) -> tuple[float, float] | None:
    diff = np.abs(frame.astype(np.int16) - prev.astype(np.int16))
    mask = diff > 25
    if mask.mean() < 0.002:
        return None
    ys, xs = np.nonzero(mask)
    return float(np.median(xs)), float(np.median(ys))


def track_subject(
    frames, detector: Callable[[np.ndarray], list[tuple[float, float, float]]] = detect_faces  # noqa: ANN001
) -> tuple[list[tuple[float, float | None]], str]:
    """Per analysed frame: (t_s, subject x as a fraction of the width, or None)."""
    points: list[tuple[float, float | None]] = []
    prev = None
    face_hits = motion_hits = 0
    for t_s, frame in frames:
        width = frame.shape[1]
        faces = detector(frame)
        if faces:
            points.append((t_s, faces[0][0] / width))
            face_hits += 1
        elif prev is not None and (centre := motion_centre(prev, frame)) is not None:
            points.append((t_s, centre[0] / width))
            motion_hits += 1
        else:
            points.append((t_s, None))
        prev = frame
    subject = "face" if face_hits >= motion_hits and face_hits else ("motion" if motion_hits else "none")
    return points, subject


def smooth_path(points: list[tuple[float, float | None]], default: float = 0.5) -> list[tuple[float, float]]:
    """Fill gaps, median-filter outliers, moving-average, cap the speed."""
    if not points:
        return [(0.0, default)]
    times = np.array([t for t, _ in points])
    raw = np.array([np.nan if x is None else x for _, x in points], dtype=float)
    if np.all(np.isnan(raw)):
        return [(float(times[0]), default)]
    known = ~np.isnan(raw)
    raw = np.interp(times, times[known], raw[known])
    k = 5
    padded = np.pad(raw, k // 2, mode="edge")
    med = np.array([np.median(padded[i : i + k]) for i in range(len(raw))])
    smooth = np.convolve(np.pad(med, 2, mode="edge"), np.ones(5) / 5, mode="valid")
    for i in range(1, len(smooth)):  # speed cap
        dt = times[i] - times[i - 1]
        step = MAX_SPEED_FRAC_S * dt
        smooth[i] = smooth[i - 1] + np.clip(smooth[i] - smooth[i - 1], -step, step)
    return list(zip(times.tolist(), smooth.tolist()))


def plan_crop(info: MediaInfo, moment: Moment, config: ReframeConfig, out_w: int, out_h: int) -> CropPlan:
    src_w, src_h = info.display_width_px, info.display_height_px
    win_w, win_h = window_size(src_w, src_h, out_w, out_h)
    centre_y = (src_h - win_h) // 2

    def plan(mode, keys, subject="none"):  # noqa: ANN001, ANN202
        return CropPlan(
            mode=mode, source_width_px=src_w, source_height_px=src_h, width_px=win_w, height_px=win_h,
            keyframes=keys, subject=subject,
        )

    def key(t_s: float, centre_frac: float) -> CropKeyframe:
        x = int(round(centre_frac * src_w - win_w / 2))
        return CropKeyframe(t_s=round(t_s, 3), x_px=even(min(max(0, x), src_w - win_w)) if src_w > win_w else 0, y_px=centre_y)

    if abs(src_w / src_h - out_w / out_h) < 0.01:
        return plan("none", [CropKeyframe(t_s=0, x_px=0, y_px=0)])
    if config.mode == "fit":
        return plan("fit", [CropKeyframe(t_s=0, x_px=0, y_px=0)])
    if config.mode == "center":
        return plan("center", [key(0.0, 0.5)])
    a_w = config.analysis_width_px
    a_h = even(a_w * src_h / src_w)
    frames = read_gray_frames(
        info.path, start_s=moment.start_s, duration_s=moment.duration_s, fps=config.analysis_fps, width_px=a_w, height_px=a_h
    )
    points, subject = track_subject(frames)
    path = smooth_path(points)
    xs = np.array([x for _, x in path])
    if subject == "none" or len(path) < 2 or (xs.max() - xs.min()) < STEADY_SPAN_FRAC:
        return plan("steady", [key(0.0, float(np.median(xs)))], subject)
    keys: list[CropKeyframe] = []
    next_t = 0.0
    for t_s, x in path:
        if t_s + 1e-6 >= next_t:
            keys.append(key(t_s, x))
            next_t = t_s + KEYFRAME_STEP_S
    return plan("track", keys, subject)


def crop_x_expression(keys: list[CropKeyframe]) -> str:
    """Piecewise-linear x(t) for ffmpeg's crop filter (t = seconds from the start of the reel)."""
    if len(keys) == 1:
        return str(keys[0].x_px)
    expr = str(keys[-1].x_px)
    for a, b in reversed(list(zip(keys, keys[1:]))):
        span = max(1e-3, b.t_s - a.t_s)
        expr = f"if(lt(t,{b.t_s:.3f}),{a.x_px}+({b.x_px - a.x_px})*(t-{a.t_s:.3f})/{span:.3f},{expr})"
    return expr
