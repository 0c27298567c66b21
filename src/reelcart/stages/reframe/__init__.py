"""Plan the 9:16 window of each reel from cheap analysis, shot by shot, as editable keyframes.

1. **Analysis** (``analyse``): one ffmpeg process decodes only the reel's range. Python receives
   frames sampled at ``analysis_fps`` (≤ 5) and scaled to ≤ 480 px wide; ffmpeg's ``scdet``
   content-change score of every source frame comes back as numbers (see ``AnalysisFrames``).
2. **Shots** (``find_cuts``): a cut is a frame whose scdet score (SAD between consecutive frames,
   less the previous difference, so steady motion scores low) passes ``cut_threshold`` and is the
   strongest within ``min_shot_s``. Cut times are exact to the frame; every shot is planned on its
   own and the path jumps at the cut instead of panning across it.
3. **Subjects** (``subjects.py``): faces from a pluggable detector, else salient regions or motion;
   detections are linked into tracks and each shot follows its largest *steady* track.
4. **Decision per shot** (``decide_shot``, after Google AutoFlip): ``steady`` when every position of
   the subject fits one fixed window; ``track`` when it does not (outliers dropped by a Hampel filter,
   Whittaker smoothing, a dead band, capped speed and acceleration); ``fit`` (whole frame on a blurred
   copy) when subjects that must stay in shot are too far apart for 9:16; ``center`` without a subject.
5. **Path as data**: keyframes in the plan JSON (two keyframes at one time = a cut), rendered by
   ffmpeg's crop filter as a flat time expression (``path_expression``) in the reel's single pass.
"""

from __future__ import annotations

import functools
import logging
import math
from pathlib import Path
from dataclasses import dataclass, field

import numpy as np

from ...config import ReframeConfig
from ...media import graphs
from ...media.ffmpeg import AnalysisFrames
from ...models import CropKeyframe, CropPlan, CropShot, MediaInfo, Moment
from .subjects import Box, Track, build_detectors, haar_cascade, link_tracks

log = logging.getLogger(__name__)

STAGE = "reframe"
VERSION = 2
PATH_FPS = 30.0  # the path is planned on a 30 fps grid, then simplified to keyframes
KEYFRAME_TOLERANCE_PX = 0.75  # the rendered (linear) path stays this close to the planned one
MAX_KEYFRAMES = 600  # keeps the crop expression far below the 128 KiB argument limit
STEADY_FILL = 0.9  # a shot is steady when the subject's whole range fits in this share of the window
MIN_PRESENCE = 0.35  # a track must be seen in this share of a shot's analysed frames
CO_SUBJECT_SIZE = 0.75  # other tracks this large (relative to the main one) must stay in shot too
SUBJECT_MARGIN = 0.25  # kept around a face (fraction of its size) when deciding what must fit
END_GUARD_S = 0.1  # a cut this close to the end of the reel is ignored
CORRIDOR_INSET = 0.04  # the path keeps this share of the window away from cutting the subject


def even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def window_size(width_px: int, height_px: int, out_w: int, out_h: int) -> tuple[int, int]:
    """Largest even window of the output's aspect that fits the source."""
    target = out_w / out_h
    if width_px / height_px > target:
        return min(even(width_px), even(height_px * target)), even(height_px)
    return even(width_px), min(even(height_px), even(width_px / target))


@functools.lru_cache(maxsize=1)
def _face_detector():  # noqa: ANN202 - kept for ``reelcart doctor``: the default frontal cascade or None
    return haar_cascade("haarcascade_frontalface_default.xml")


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


# ------------------------------------------------------------------------------------ geometry


@dataclass(frozen=True)
class Geometry:
    src_w: int
    src_h: int
    win_w: int
    win_h: int
    axis: str  # "x": the window slides horizontally; "y": vertically; "": it covers the frame
    scale: float  # source px per analysis px

    @property
    def length(self) -> int:  # source extent along the axis
        return self.src_w if self.axis != "y" else self.src_h

    @property
    def window(self) -> int:  # window extent along the axis
        return self.win_w if self.axis != "y" else self.win_h

    def lo_hi(self, box: Box) -> tuple[float, float]:
        """Box extent along the axis, in source px."""
        if self.axis == "y":
            return box.y * self.scale, (box.y + box.h) * self.scale
        return box.x * self.scale, (box.x + box.w) * self.scale

    def clamp_centre(self, centre: float) -> float:
        half = self.window / 2
        return min(max(centre, half), self.length - half)


def make_geometry(src_w: int, src_h: int, out_w: int, out_h: int, analysis_w: int) -> Geometry:
    win_w, win_h = window_size(src_w, src_h, out_w, out_h)
    axis = "x" if win_w < src_w - 1 else ("y" if win_h < src_h - 1 else "")
    return Geometry(src_w, src_h, win_w, win_h, axis, src_w / analysis_w)


# ------------------------------------------------------------------------------------ per-shot decision


@dataclass
class ShotDecision:
    start_s: float
    end_s: float
    mode: str  # steady | track | center | fit
    subject: str = "none"
    subjects: int = 0
    times_s: np.ndarray | None = None  # analysis times inside the shot (reel clock)
    centres: np.ndarray | None = None  # wanted window centre per analysis frame (source px, NaN = unseen)
    keep_lo: np.ndarray | None = None  # what must stay in shot, per analysis frame (source px)
    keep_hi: np.ndarray | None = None
    centre: float | None = None  # fixed window centre for steady / center


def _size(box: Box) -> float:
    return math.sqrt(box.area)


def choose_tracks(tracks: list[Track], first: int, last: int) -> tuple[Track | None, list[Track]]:
    """The main track of frames ``first..last`` and the others that must stay in shot with it.

    Faces win over the fallbacks (saliency, then motion). Among tracks seen in at least
    ``MIN_PRESENCE`` of the shot, the score is presence² × median size, so a large face that
    flickers in and out loses to a steady one. Co-subjects: tracks of the same kind seen in half the
    shot and at least ``CO_SUBJECT_SIZE`` as large (two hosts side by side)."""
    n = max(1, last - first + 1)
    for kind in ("face", "saliency", "motion"):
        scored = []
        for track in tracks:
            if track.kind != kind:
                continue
            seen = track.in_range(first, last)
            presence = len(seen) / n
            if presence < MIN_PRESENCE or not seen:
                continue
            size = float(np.median([_size(b) for _, b in seen]))
            scored.append((presence * presence * size, presence, size, track))
        if not scored:
            continue
        scored.sort(key=lambda s: -s[0])
        _, _, main_size, main = scored[0]
        others = [t for _, p, s, t in scored[1:] if p >= 0.5 and s >= CO_SUBJECT_SIZE * main_size]
        return main, others
    return None, []


def decide_shot(
    analysis: Analysis, tracks: list[Track], geo: Geometry, start_s: float, end_s: float, config: ReframeConfig
) -> ShotDecision:
    times = np.array(analysis.times_s)
    idx = np.nonzero((times >= start_s - 1e-6) & (times < end_s - 1e-6))[0]
    centre_default = geo.length / 2
    if config.mode == "center" or not geo.axis:
        return ShotDecision(start_s, end_s, "center", centre=centre_default)
    if config.mode == "fit":
        return ShotDecision(start_s, end_s, "fit")
    if len(idx) == 0:
        return ShotDecision(start_s, end_s, "center", centre=centre_default)
    first, last = int(idx[0]), int(idx[-1])
    main, others = choose_tracks(tracks, first, last)
    if main is None:
        return ShotDecision(start_s, end_s, "center", centre=centre_default)
    n = last - first + 1
    centres = np.full(n, np.nan)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    margin_of = (lambda b: SUBJECT_MARGIN * (b.w if geo.axis == "x" else b.h) * geo.scale) if main.kind == "face" else (lambda b: 0.0)
    for f, box in main.in_range(first, last):
        a, b = geo.lo_hi(box)
        m = margin_of(box)
        lo[f - first], hi[f - first] = a - m, b + m
    union_lo, union_hi = lo.copy(), hi.copy()
    for other in others:
        for f, box in other.in_range(first, last):
            a, b = geo.lo_hi(box)
            m = margin_of(box)
            i = f - first
            if not np.isnan(union_lo[i]):
                union_lo[i], union_hi[i] = min(union_lo[i], a - m), max(union_hi[i], b + m)
    seen = ~np.isnan(lo)
    spans = (union_hi - union_lo)[seen]
    decision = ShotDecision(start_s, end_s, "track", subject=main.kind, subjects=1 + len(others), times_s=times[first:last + 1])
    needs_fit = bool(others) and float(np.percentile(spans, 75)) > geo.window
    if needs_fit and config.allow_fit and config.mode == "auto":
        decision.mode = "fit"
        return decision
    if not needs_fit and others:  # keep the whole group in shot
        lo, hi = union_lo, union_hi
    centres = (lo + hi) / 2
    decision.centres, decision.keep_lo, decision.keep_hi = centres, lo, hi
    lo_all, hi_all = float(np.percentile(lo[seen], 2)), float(np.percentile(hi[seen], 98))
    if config.mode == "auto" and hi_all - lo_all <= STEADY_FILL * geo.window:
        decision.mode = "steady"  # one fixed window holds every position: centre it on their range
        decision.centre = geo.clamp_centre((lo_all + hi_all) / 2)
    return decision


# ------------------------------------------------------------------------------------ path smoothing


def hampel(values: np.ndarray, half_window: int = 3, n_sigmas: float = 3.0, min_dev: float = 0.0) -> np.ndarray:
    """Replace outliers (farther than ``n_sigmas`` robust deviations from the local median) by NaN."""
    out = values.copy()
    n = len(values)
    for i in range(n):
        window = values[max(0, i - half_window): i + half_window + 1]
        window = window[~np.isnan(window)]
        if len(window) < 3 or np.isnan(values[i]):
            continue
        med = np.median(window)
        mad = 1.4826 * np.median(np.abs(window - med))
        if abs(values[i] - med) > max(n_sigmas * mad, min_dev):
            out[i] = np.nan
    return out


def fill_gaps(times: np.ndarray, values: np.ndarray, default: float) -> np.ndarray:
    known = ~np.isnan(values)
    if not known.any():
        return np.full(len(values), default)
    return np.interp(times, times[known], values[known])


def whittaker(values: np.ndarray, lam: float) -> np.ndarray:
    """Whittaker-Henderson smoother: argmin Σ(z - y)² + λ Σ(Δ²z)² (zero phase, no lag)."""
    n = len(values)
    if n < 3 or lam <= 0:
        return values.copy()
    # (I + λ DᵀD) is symmetric pentadiagonal: build its bands and solve by banded LDLᵀ in O(n)
    c = (1.0, -2.0, 1.0)
    a0, a1, a2 = np.ones(n), np.zeros(n), np.zeros(n)  # A[i,i], A[i,i-1], A[i,i-2]
    for j in range(3):
        a0[j: n - 2 + j] += lam * c[j] * c[j]
    for j in range(2):
        a1[j + 1: n - 1 + j] += lam * c[j] * c[j + 1]
    a2[2:] += lam * c[0] * c[2]
    d, l1, l2 = np.zeros(n), np.zeros(n), np.zeros(n)
    for i in range(n):
        if i >= 2:
            l2[i] = a2[i] / d[i - 2]
        if i >= 1:
            l1[i] = (a1[i] - (l2[i] * l1[i - 1] * d[i - 2] if i >= 2 else 0.0)) / d[i - 1]
        d[i] = a0[i] - l1[i] ** 2 * (d[i - 1] if i >= 1 else 0.0) - l2[i] ** 2 * (d[i - 2] if i >= 2 else 0.0)
    z = np.array(values, dtype=float)
    for i in range(1, n):
        z[i] -= l1[i] * z[i - 1] + (l2[i] * z[i - 2] if i >= 2 else 0.0)
    x = z / d
    for i in range(n - 2, -1, -1):
        x[i] -= l1[i + 1] * x[i + 1] + (l2[i + 2] * x[i + 2] if i + 2 < n else 0.0)
    return x


def whittaker_lambda(sample_dt: float, period_s: float) -> float:
    """λ whose cut-off (half gain) is at ``period_s`` for samples ``sample_dt`` apart."""
    return 1.0 / (2 * math.sin(math.pi * min(0.5, sample_dt / period_s))) ** 4


def dead_band(values: np.ndarray, band: float) -> np.ndarray:
    """Hold still while the target stays within ``band`` of the window; then follow at that distance."""
    out = values.copy()
    for i in range(1, len(values)):
        delta = values[i] - out[i - 1]
        out[i] = out[i - 1] if abs(delta) <= band else values[i] - math.copysign(band, delta)
    return out


def _follow(target: np.ndarray, v_max: float, a_max: float) -> np.ndarray:
    """Follow ``target`` (one sample per frame) with |velocity| ≤ v_max and |acceleration| ≤ a_max.

    The wanted velocity is the target's own (feed-forward) plus a correction of the error, linear
    near the target (no chatter) and limited far from it to what can still brake in time."""
    out = np.empty_like(target)
    out[0] = target[0]
    v = max(-v_max, min(v_max, float(target[1] - target[0]))) if len(target) > 1 else 0.0
    for i in range(1, len(target)):
        error = target[i - 1] - out[i - 1]
        correction = math.copysign(min(abs(error) * 0.35, math.sqrt(2 * a_max * abs(error))), error)
        wanted = (target[i] - target[i - 1]) + correction
        v = max(-v_max, min(v_max, v + max(-a_max, min(a_max, wanted - v))))
        out[i] = out[i - 1] + v
    return out


def limit_motion(path: np.ndarray, v_max: float, a_max: float) -> np.ndarray:
    """Cap speed and acceleration without lag: the mean of a forward and a backward capped follower
    (both satisfy the caps; the caps are convex, so their mean does too; their lags cancel)."""
    if len(path) < 3:
        return path.copy()
    forward = _follow(path, v_max, a_max)
    backward = _follow(path[::-1], v_max, a_max)[::-1]
    return (forward + backward) / 2


def track_path(decision: ShotDecision, geo: Geometry, config: ReframeConfig, grid: np.ndarray) -> np.ndarray:
    """Window centre (source px along the axis) at the times ``grid`` of a tracking shot.

    Outliers out (Hampel), gaps bridged, zero-phase smoothing (Whittaker), a dead band, then the path
    is kept inside the corridor where the whole subject is in the window (smoothed box edges), and
    finally speed and acceleration are capped on the output frame grid."""
    assert decision.times_s is not None and decision.centres is not None
    times = decision.times_s
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    lam = whittaker_lambda(dt, config.smoothing_s)
    min_dev = 0.02 * geo.length

    def robust(values: np.ndarray, default: float) -> np.ndarray:
        return whittaker(fill_gaps(times, hampel(values, min_dev=min_dev), default), lam)

    centre = robust(decision.centres, geo.length / 2)
    path = dead_band(centre, config.dead_band_frac * geo.window)
    low = high = None
    if decision.keep_lo is not None and decision.keep_hi is not None:
        # the corridor of window centres that hold the whole subject (edges lightly smoothed)
        lam_edge = whittaker_lambda(dt, 2 * dt)  # light: a corner in the edges must not be rounded off
        # (no outlier filter here: the track's association already refused jumps, and at a shot's
        # ends a real last-moment move would look like an outlier)
        lo = whittaker(fill_gaps(times, decision.keep_lo, geo.length / 2), lam_edge)
        hi = whittaker(fill_gaps(times, decision.keep_hi, geo.length / 2), lam_edge)
        half = geo.window / 2
        low, high = hi - half, lo + half
        too_wide = low > high  # the subject is wider than the window: the window stays on the subject
        low[too_wide], high[too_wide] = high[too_wide], low[too_wide]
        # keep clear of the corridor's edges (detector boxes are a few px off): a tight fit centres
        inset = np.minimum(CORRIDOR_INSET * geo.window, (high - low) / 2)
        low, high = low + inset, high - inset
        low, high = np.interp(grid, times, low), np.interp(grid, times, high)
        path = np.clip(path, np.interp(times, grid, low), np.interp(times, grid, high))
    path = whittaker(path, whittaker_lambda(dt, max(2 * dt, config.smoothing_s / 3)))
    path = np.interp(grid, times, path)
    step = float(grid[1] - grid[0]) if len(grid) > 1 else 1 / PATH_FPS
    v_max = config.max_speed_frac_s * geo.length * step
    a_max = config.max_accel_frac_s2 * geo.length * step * step
    if low is not None and high is not None:
        path = np.clip(path, low, high)
    path = limit_motion(path, v_max, a_max)
    if low is not None and high is not None:
        path = np.clip(path, low, high)  # keeping the subject in shot wins over the caps
    half = geo.window / 2
    return np.clip(path, half, geo.length - half)


# ------------------------------------------------------------------------------------ keyframes


def simplify(times: np.ndarray, values: np.ndarray, tolerance: float) -> list[int]:
    """Indices kept by Ramer-Douglas-Peucker on a time series (max vertical error ≤ tolerance)."""
    keep = {0, len(values) - 1}
    stack = [(0, len(values) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg_t = times[a + 1: b]
        line = values[a] + (values[b] - values[a]) * (seg_t - times[a]) / (times[b] - times[a])
        err = np.abs(values[a + 1: b] - line)
        k = int(np.argmax(err))
        if err[k] > tolerance:
            mid = a + 1 + k
            keep.add(mid)
            stack += [(a, mid), (mid, b)]
    return sorted(keep)


def plan_crop(info: MediaInfo, moment: Moment, config: ReframeConfig, out_w: int, out_h: int) -> CropPlan:
    src_w, src_h = info.display_width_px, info.display_height_px
    geo = make_geometry(src_w, src_h, out_w, out_h, analysis_size(src_w, src_h, config)[0])
    if abs(src_w / src_h - out_w / out_h) < 0.01:
        return CropPlan(
            mode="none", source_width_px=src_w, source_height_px=src_h, width_px=even(src_w), height_px=even(src_h),
            keyframes=[CropKeyframe(t_s=0, x_px=0, y_px=0)],
            shots=[CropShot(start_s=0.0, end_s=round(moment.duration_s, 3), mode="center")],
        )
    duration = moment.duration_s
    if config.mode in ("center", "fit") or not geo.axis:
        decisions = [decide_shot(Analysis(duration, config.analysis_fps, 0, 0), [], geo, 0.0, duration, config)]
    else:
        analysis = analyse(info.path, moment.start_s, duration, src_w, src_h, config)
        decisions = plan_shots(analysis, geo, config)
    return build_plan(decisions, geo, duration, config)


def plan_shots(analysis: Analysis, geo: Geometry, config: ReframeConfig) -> list[ShotDecision]:
    cuts = find_cuts(analysis.scene_scores, analysis.duration_s, config.cut_threshold, config.min_shot_s)
    bounds = [0.0, *cuts, analysis.duration_s]
    # tracks never cross a cut: link each shot's detections separately
    times = np.array(analysis.times_s)
    decisions = []
    for start, end in zip(bounds, bounds[1:]):
        idx = np.nonzero((times >= start - 1e-6) & (times < end - 1e-6))[0]
        per_frame = [[] for _ in analysis.detections]
        for i in idx:
            per_frame[i] = analysis.detections[i]
        tracks = link_tracks(per_frame)
        decisions.append(decide_shot(analysis, tracks, geo, start, end, config))
    return decisions


def build_plan(decisions: list[ShotDecision], geo: Geometry, duration_s: float, config: ReframeConfig) -> CropPlan:
    """Keyframes for every shot (a shot starts and ends with a keyframe; cuts repeat the time)."""
    keys: list[CropKeyframe] = []
    shots: list[CropShot] = []
    fixed = (geo.src_h - geo.win_h) // 2 if geo.axis == "x" else (geo.src_w - geo.win_w) // 2

    def key(t_s: float, centre: float) -> CropKeyframe:
        pos = int(round(geo.clamp_centre(centre) - geo.window / 2))
        pos = min(max(0, pos), geo.length - geo.window)
        x, y = (pos, max(0, fixed)) if geo.axis != "y" else (max(0, fixed), pos)
        return CropKeyframe(t_s=round(t_s, 4), x_px=x, y_px=y)

    budget = max(2, MAX_KEYFRAMES // max(1, len(decisions)))
    for d in decisions:
        shots.append(CropShot(start_s=round(d.start_s, 4), end_s=round(d.end_s, 4), mode=d.mode, subject=d.subject, subjects=d.subjects))
        if d.mode == "track":
            n = max(2, int(math.ceil((d.end_s - d.start_s) * PATH_FPS)) + 1)
            grid = np.linspace(d.start_s, d.end_s, n)
            path = track_path(d, geo, config, grid)
            tolerance = KEYFRAME_TOLERANCE_PX
            kept = simplify(grid, path, tolerance)
            while len(kept) > budget:
                tolerance *= 1.5
                kept = simplify(grid, path, tolerance)
            keys += [key(float(grid[i]), float(path[i])) for i in kept]
        else:
            centre = d.centre if d.centre is not None else geo.length / 2
            keys += [key(d.start_s, centre), key(d.end_s, centre)]
    modes = {d.mode for d in decisions}
    if modes == {"fit"}:
        mode = "fit"
    elif "track" in modes:
        mode = "track"
    elif "steady" in modes:
        mode = "steady"
    else:
        mode = "center"
    subjects = [d.subject for d in decisions if d.subject != "none"]
    subject = max(set(subjects), key=subjects.count) if subjects else "none"
    return CropPlan(
        mode=mode, source_width_px=geo.src_w, source_height_px=geo.src_h, width_px=geo.win_w, height_px=geo.win_h,
        keyframes=keys, subject=subject, shots=shots,
    )


# ------------------------------------------------------------------------------------ rendering


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def path_expression(keys: list[CropKeyframe], axis: str = "x") -> str:
    """ffmpeg expression of the window position at time ``t`` (seconds from the reel start).

    Linear between keyframes, a step where two keyframes share a time (a cut). Written as a sum,
    ``p0 + Σ slope·clip(t-tᵢ, 0, Δᵢ) + Σ jump·gte(t, tᵢ)``, grouped as a balanced tree, so long reels
    give a long but shallow expression: ffmpeg's evaluator rejects chains deeper than about 60
    (a nested ``if`` per keyframe, or a flat sum, fails past ~50 keyframes). Constant positions give a number."""
    values = [k.x_px if axis == "x" else k.y_px for k in keys]
    if not keys:
        return "0"
    terms = [f"+{values[0]}"]
    for a, b, va, vb in zip(keys, keys[1:], values, values[1:]):
        delta = vb - va
        if delta == 0:
            continue
        span = b.t_s - a.t_s
        if span <= 1e-6:
            terms.append(f"{'+' if delta > 0 else '-'}{abs(delta)}*gte(t,{_num(a.t_s)})")
        else:
            slope = delta / span
            terms.append(f"{'+' if slope > 0 else '-'}{_num(abs(slope))}*clip(t-{_num(a.t_s)},0,{_num(span)})")
    return _balanced_sum(terms)


def _balanced_sum(terms: list[str], group: int = 16) -> str:
    """``t1+t2+…`` as a balanced tree of parenthesised groups: ffmpeg's expression evaluator refuses
    a chain deeper than about 60 operations, so a flat sum of hundreds of keyframes would fail."""
    if len(terms) <= group:
        return "".join(terms).removeprefix("+")
    half = len(terms) // 2
    return f"({_balanced_sum(terms[:half], group)})+({_balanced_sum(terms[half:], group)})"


def evaluate_path(keys: list[CropKeyframe], t_s: np.ndarray | float, axis: str = "x") -> np.ndarray:
    """The window position the render pass uses at times ``t_s`` (same semantics as ``path_expression``)."""
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    values = [k.x_px if axis == "x" else k.y_px for k in keys]
    out = np.full(t.shape, float(values[0]))
    for a, b, va, vb in zip(keys, keys[1:], values, values[1:]):
        span = b.t_s - a.t_s
        if span <= 1e-6:
            out += (vb - va) * (t >= a.t_s)
        else:
            out += (vb - va) / span * np.clip(t - a.t_s, 0, span)
    return out


def _fit(stream: graphs.Stream, out_w: int, out_h: int) -> graphs.Stream:
    """The whole frame, letterboxed on a blurred, enlarged copy of itself (blurred at quarter size: cheap)."""
    bw, bh = even(out_w / 4), even(out_h / 4)
    radius = max(1, min(8, min(bw, bh) // 2 - 1))  # boxblur needs radius < half the (chroma) plane
    chroma = max(0, min(radius, min(bw, bh) // 4 - 1))
    back, front = graphs.split(stream, 2)
    back = graphs.chain(back, ("scale", bw, bh, {"force_original_aspect_ratio": "increase"}), ("crop", bw, bh),
                        ("boxblur", radius, 2, chroma, 2), ("scale", out_w, out_h, {"flags": "bilinear"}))
    front = graphs.node(front, "scale", out_w, out_h, force_original_aspect_ratio="decrease", force_divisible_by=2, flags="lanczos")
    return graphs.node([back, front], "overlay", "(W-w)/2", "(H-h)/2")


def geometry(stream: graphs.Stream, info: MediaInfo, crop: CropPlan | None, out_w: int, out_h: int,
             fps: str | None = None) -> graphs.Stream:
    """The source picture as an ``out_w``×``out_h`` picture: (``fps`` first when given), sample-aspect
    fix, then the crop path, fit or letterbox.

    Shots planned as ``fit`` inside a cropped reel are switched in by ``overlay``'s timeline
    (``enable=between(t,…)``) in the same pass."""
    if fps is not None:
        stream = graphs.node(stream, "fps", fps)
    if abs(info.sample_aspect - 1.0) > 1e-3 and info.display_width_px and info.display_height_px:
        stream = graphs.chain(stream, ("scale", info.display_width_px, info.display_height_px), ("setsar", 1))
    if crop is None or crop.mode == "none":
        return graphs.chain(
            stream, ("scale", out_w, out_h, {"force_original_aspect_ratio": "decrease", "force_divisible_by": 2, "flags": "lanczos"}),
            ("pad", out_w, out_h, "(ow-iw)/2", "(oh-ih)/2", {"color": "black"}),
        )
    if crop.mode == "fit":
        return _fit(stream, out_w, out_h)
    x_expr = path_expression(crop.keyframes, "x")
    y_expr = path_expression(crop.keyframes, "y")

    def cropped(s: graphs.Stream) -> graphs.Stream:
        return graphs.chain(
            s, ("crop", {"w": crop.width_px, "h": crop.height_px, "x": f"clip({x_expr},0,in_w-out_w)",
                         "y": f"clip({y_expr},0,in_h-out_h)", "exact": 1}),
            ("scale", out_w, out_h, {"flags": "lanczos"}),
        )

    fit_spans = [s for s in crop.shots if s.mode == "fit"]
    if not fit_spans:
        return cropped(stream)
    enable = "+".join(f"between(t,{_num(s.start_s)},{_num(s.end_s)})" for s in fit_spans)
    crop_source, fit_source = graphs.split(stream, 2)
    return graphs.node([cropped(crop_source), _fit(fit_source, out_w, out_h)], "overlay", x=0, y=0, enable=enable)


def geometry_args(source: graphs.Stream, info: MediaInfo, crop: CropPlan | None, out_w: int, out_h: int,
                  target: str | Path, **options: object) -> list[str]:
    """An ffmpeg argument list that writes only the reframed picture of ``source`` to ``target``."""
    return graphs.compile_args(graphs.output([geometry(source.video, info, crop, out_w, out_h)], target, **options))


def edited_crop(crop: CropPlan | None, info: MediaInfo) -> CropPlan | None:
    """A crop path edited by hand in plan.json, made safe to render: None (plan anew) when it was made
    for another picture size; otherwise window sizes even and inside the frame, keyframes in time
    order and inside the frame. The render pass clamps again (``clip`` in the expression)."""
    if crop is None:
        return None
    src_w, src_h = info.display_width_px, info.display_height_px
    if (crop.source_width_px, crop.source_height_px) != (src_w, src_h):
        log.warning("plan crop was made for %sx%s, the recording is %sx%s: planning it again",
                    crop.source_width_px, crop.source_height_px, src_w, src_h)
        return None
    if crop.mode in ("none", "fit") or not crop.keyframes:
        return crop if crop.keyframes or crop.mode in ("none", "fit") else None
    w = min(even(crop.width_px), even(src_w))
    h = min(even(crop.height_px), even(src_h))
    keys = sorted(crop.keyframes, key=lambda k: k.t_s)  # stable: a cut's two keyframes keep their order
    keys = [CropKeyframe(t_s=max(0.0, k.t_s), x_px=min(max(0, k.x_px), src_w - w), y_px=min(max(0, k.y_px), src_h - h)) for k in keys]
    return crop.model_copy(update={"width_px": w, "height_px": h, "keyframes": keys})
