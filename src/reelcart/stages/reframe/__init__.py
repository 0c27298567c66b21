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

import logging
import math
from dataclasses import dataclass

import numpy as np

from ...config import ReframeConfig
from ...models import CropKeyframe, CropPlan, CropShot, MediaInfo, Moment
from .analysis import (
    END_GUARD_S,
    Analysis,
    analyse,
    analysis_size,
    find_cuts,
)
from .graph import (
    _fit,
    geometry,
    geometry_args,
)
from .path import (
    _balanced_sum,
    _follow,
    _num,
    dead_band,
    evaluate_path,
    fill_gaps,
    hampel,
    limit_motion,
    path_expression,
    simplify,
    whittaker,
    whittaker_lambda,
)
from .subjects import Box, Track, link_tracks
from .window import (
    Geometry,
    even,
    make_geometry,
    window_size,
)

__all__ = [
    "Analysis",
    "CORRIDOR_INSET",
    "CO_SUBJECT_SIZE",
    "END_GUARD_S",
    "Geometry",
    "KEYFRAME_TOLERANCE_PX",
    "MAX_KEYFRAMES",
    "MIN_PRESENCE",
    "PATH_FPS",
    "STAGE",
    "STEADY_FILL",
    "SUBJECT_MARGIN",
    "ShotDecision",
    "VERSION",
    "_balanced_sum",
    "_fit",
    "_follow",
    "_num",
    "analyse",
    "analysis_size",
    "build_plan",
    "choose_tracks",
    "dead_band",
    "decide_shot",
    "edited_crop",
    "evaluate_path",
    "even",
    "fill_gaps",
    "find_cuts",
    "geometry",
    "geometry_args",
    "hampel",
    "limit_motion",
    "make_geometry",
    "path_expression",
    "plan_crop",
    "plan_shots",
    "simplify",
    "track_path",
    "whittaker",
    "whittaker_lambda",
    "window_size",
]

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


CORRIDOR_INSET = 0.04  # the path keeps this share of the window away from cutting the subject


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
