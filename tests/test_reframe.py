"""Reframing: geometry, cuts, tracks, path shaping, the crop expression as ffmpeg renders it,
rotation / vertical / odd-size / non-square sources, forced modes, edited plans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelcart.config import ReframeConfig
from reelcart.errors import ConfigError
from reelcart.media import graphs
from reelcart.media.ffmpeg import AnalysisFrames, run_ffmpeg
from reelcart.models import CropKeyframe, CropPlan, CropShot, MediaInfo, Moment, ScoreParts
from reelcart.stages import reframe
from reelcart.stages.reframe import subjects
from reelcart.media.probe import probe_media
from reelcart.stages.reframe import (
    geometry_args,
    evaluate_path,
    find_cuts,
    limit_motion,
    path_expression,
    plan_crop,
    window_size,
)
from reelcart.stages.reframe.subjects import Box, link_tracks


def moment(duration_s: float, start_s: float = 0.0) -> Moment:
    zero = ScoreParts(sales_lift=0, pitch=0, call_to_action=0, speech_density=0, stale_penalty=0, total=0)
    return Moment(id="reel-1", sku="X", product_name="X", start_s=start_s, end_s=start_s + duration_s, pitch_start_s=start_s, score=zero)


def info_of(w: int, h: int, path: str = "/nonexistent.mp4", sar: float = 1.0) -> MediaInfo:
    return MediaInfo(path=path, container="mp4", duration_s=10, size_bytes=1, has_video=True, width_px=w, height_px=h,
                     display_width_px=w, display_height_px=h, sample_aspect=sar)


def read_raw(path: Path, w: int, h: int, channels: int = 1) -> np.ndarray:
    return np.frombuffer(path.read_bytes(), np.uint8).reshape(-1, h, w, channels) if channels > 1 else \
        np.frombuffer(path.read_bytes(), np.uint8).reshape(-1, h, w)


def lavfi(text: str) -> graphs.Stream:
    return graphs.source(text, f="lavfi")


def geometry_text(info: MediaInfo, plan: CropPlan, w: int, h: int) -> str:
    return graphs.filter_text(geometry_args(graphs.source(info.path), info, plan, w, h, "-", f="null"))


# ------------------------------------------------------------------------------------ geometry


@pytest.mark.parametrize(("w", "h", "expect"), [
    (1920, 1080, (606, 1080)), (1280, 720, (404, 720)), (1281, 721, (404, 720)), (3840, 2160, (1214, 2160)),
    (1080, 1080, (606, 1080)), (1080, 1920, (1080, 1920)), (1080, 2400, (1080, 1920)), (642, 362, (202, 362)),
])
def test_window_is_even_and_inside_the_frame(w: int, h: int, expect: tuple[int, int]) -> None:
    win = window_size(w, h, 1080, 1920)
    assert win == expect
    assert win[0] % 2 == 0 and win[1] % 2 == 0 and win[0] <= w and win[1] <= h


def test_vertical_source_gets_no_crop() -> None:
    plan = plan_crop(info_of(1080, 1920), moment(5), ReframeConfig(), 1080, 1920)
    assert plan.mode == "none"
    graph = geometry_text(info_of(1080, 1920), plan, 1080, 1920)
    assert "crop=" not in graph and "pad=1080:1920" in graph


@pytest.mark.parametrize("mode", ["center", "fit"])
def test_forced_modes_need_no_analysis(mode: str) -> None:
    plan = plan_crop(info_of(1920, 1080), moment(12), ReframeConfig(mode=mode), 1080, 1920)  # the file does not exist:
    assert plan.mode == mode  # nothing was decoded
    assert [s.mode for s in plan.shots] == [mode]
    if mode == "center":
        assert {k.x_px for k in plan.keyframes} == {(1920 - 606) // 2}


# ------------------------------------------------------------------------------------ cuts


def test_cuts_are_exact_strongest_and_spaced() -> None:
    fps = 25
    scores = [(i / fps, 1.0) for i in range(250)]
    scores[1] = (1 / fps, 40.0)  # scdet's warm-up frame: ignored
    scores[75] = (3.0, 55.0)  # a cut
    scores[80] = (3.2, 20.0)  # a weaker one 0.2 s later: merged away
    scores[150] = (6.0, 14.5)  # just over the threshold
    scores[237] = (9.48, 30.0)  # half a second before the end: a short shot, still its own
    scores[249] = (9.96, 60.0)  # under 0.1 s before the end: dropped
    cuts = find_cuts(scores, duration_s=10.0, threshold=14.0, min_shot_s=0.6)  # threshold given explicitly
    assert cuts == pytest.approx([3.0 - 0.5 / fps, 6.0 - 0.5 / fps, 9.48 - 0.5 / fps])


def test_analysis_frames_are_sampled_scaled_and_scored(tmp_path: Path) -> None:
    """≤ 5 fps, the asked size, frame k taken at or just before k/fps, and one cut score per source frame."""
    src = tmp_path / "count.mp4"
    # luma = frame number (0..89 at 30 fps), so each analysis frame tells which source frame it is
    run_ffmpeg(["-f", "lavfi", "-i", "color=black:s=320x180:r=30:d=3,format=gray,geq=lum='N*2'",
                "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv444p", str(src)], what="fixture")
    frames = AnalysisFrames(src, start_s=1.0, duration_s=1.5, fps=4, width_px=160, height_px=90)
    got = list(frames)
    assert [t for t, _ in got] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25]
    assert all(f.shape == (90, 160, 3) for _, f in got)
    source_frames = np.array([float(f[..., 1].mean()) / 2 - 30 for _, f in got])  # relative to the 1.0 s seek
    # the source frame shown at k/4 s is frame 7.5k (30 fps) within one frame (the colour range
    # conversion blurs the count by a little); ffmpeg's default rounding would be ~3 frames late
    assert np.abs(source_frames - 7.5 * np.arange(6)).max() <= 1.0
    assert len(frames.scene_scores) == 45
    assert frames.scene_scores[0][0] == pytest.approx(0.0, abs=0.02)


# ------------------------------------------------------------------------------------ subjects


def test_tracks_follow_a_fast_subject_and_keep_false_positives_apart() -> None:
    frames = []
    for i in range(12):
        boxes = [Box(40 + 45 * i, 100, 50, 50)]  # moving about one box width per frame
        if i == 5:
            boxes.append(Box(300, 20, 48, 48))  # a one-frame false positive
        frames.append(boxes)
    tracks = link_tracks(frames)
    longest = max(tracks, key=lambda t: len(t.frames))
    assert len(longest.frames) == 12
    assert len(tracks) == 2


def test_the_steady_face_wins_over_a_bigger_flickering_one() -> None:
    frames = []
    for i in range(20):
        boxes = [Box(60, 80, 40, 40)]  # steady, seen in every frame
        if i % 4 == 0:
            boxes.append(Box(380, 60, 70, 70))  # bigger, seen in a quarter of the frames
        frames.append(boxes)
    main, others = reframe.choose_tracks(link_tracks(frames), 0, 19)
    assert main is not None and main.boxes[0].x == 60
    assert others == []


def test_detector_registry_is_pluggable() -> None:
    calls = []

    class Fixed:
        name, kind = "fixed", "face"

        def __init__(self, config: ReframeConfig) -> None:
            pass

        def detect(self, frame: np.ndarray, gray: np.ndarray) -> list[Box]:
            calls.append(frame.shape)
            return [Box(10, 10, 30, 30)]

    subjects.register_detector("fixed-test")(Fixed)
    try:
        dets = subjects.build_detectors(ReframeConfig(detectors=["fixed-test"], fallback=False))
        assert [d.name for d in dets] == ["fixed"]
        assert dets[0].detect(np.zeros((9, 16, 3), np.uint8), np.zeros((9, 16), np.uint8))[0].w == 30
    finally:
        subjects._REGISTRY.pop("fixed-test")
    with pytest.raises(ConfigError, match="unknown detector 'nope'"):
        subjects.build_detectors(ReframeConfig(detectors=["nope"]))
    with pytest.raises(ConfigError, match="yunet_model"):
        subjects.build_detectors(ReframeConfig(detectors=["yunet"]))
    with pytest.raises(ConfigError, match="file not found"):
        subjects.build_detectors(ReframeConfig(yunet_model="/nonexistent/yunet.onnx"))


def test_default_detectors_work_offline() -> None:
    names = [d.name for d in subjects.build_detectors(ReframeConfig())]
    assert names == ["haar", "saliency", "motion"]
    assert subjects.haar_cascade("haarcascade_frontalface_default.xml") is not None
    assert subjects.haar_cascade("haarcascade_profileface.xml") is not None


def test_saliency_finds_a_dark_figure_on_green() -> None:
    frame = np.zeros((270, 480, 3), np.uint8)
    frame[:] = (0, 230, 30)  # BGR green
    frame[60:270, 120:190] = 10  # the silhouette
    boxes = subjects.SaliencyDetector(ReframeConfig()).detect(frame, frame[..., 1])
    assert boxes and abs(boxes[0].cx - 155) < 12 and boxes[0].w < 100


# ------------------------------------------------------------------------------------ path shaping


def test_hampel_drops_outliers_and_dead_band_holds() -> None:
    values = np.array([100.0] * 10)
    values[4] = 400
    cleaned = reframe.hampel(values, min_dev=5)
    assert np.isnan(cleaned[4]) and np.count_nonzero(np.isnan(cleaned)) == 1
    wobble = 100 + 8 * np.sin(np.arange(40))
    assert np.ptp(reframe.dead_band(wobble, 10)) == 0


def test_motion_limits_hold_for_a_step() -> None:
    step = np.r_[np.zeros(60), np.full(60, 300.0)]
    path = limit_motion(step, v_max=12, a_max=0.8)
    v, a = np.diff(path), np.diff(path, 2)
    assert np.abs(v).max() <= 12 + 1e-6
    assert np.abs(a).max() <= 0.8 + 1e-6
    assert path[0] == pytest.approx(0, abs=1) and path[-1] == pytest.approx(300, abs=1)


def test_feasible_path_is_followed_exactly() -> None:
    t = np.arange(300) / 30
    smooth = 500 + 100 * np.sin(2 * np.pi * t / 8)
    assert np.abs(limit_motion(smooth, v_max=30, a_max=2) - smooth).max() < 1e-6


# ------------------------------------------------------------------------------------ the crop expression


KEYS = [CropKeyframe(t_s=0, x_px=10, y_px=0), CropKeyframe(t_s=1.0, x_px=100, y_px=0),
        CropKeyframe(t_s=1.5, x_px=200, y_px=0),  # a cut at 1.5 s: hold 100 → jump to 200
        CropKeyframe(t_s=1.5, x_px=40, y_px=0), CropKeyframe(t_s=2.5, x_px=150, y_px=0), CropKeyframe(t_s=3.0, x_px=150, y_px=0)]


def test_expression_is_flat_and_matches_python() -> None:
    keys = [KEYS[0], KEYS[1], CropKeyframe(t_s=1.5, x_px=100, y_px=0), *KEYS[3:]]
    expr = path_expression(keys, "x")
    assert "if(" not in expr and expr.count("gte(") == 1
    t = np.array([0, 0.5, 1.0, 1.49, 1.5, 2.0, 3.0, 4.0])
    assert evaluate_path(keys, t).tolist() == pytest.approx([10, 55, 100, 100, 40, 95, 150, 150])


def test_crop_path_renders_as_planned_with_a_jump_at_the_cut(tmp_path: Path) -> None:
    """A ramp source (column x has luma x): the left column of each rendered frame reads the window's x."""
    keys = [KEYS[0], KEYS[1], CropKeyframe(t_s=1.5, x_px=100, y_px=0), *KEYS[3:]]
    plan = CropPlan(mode="track", source_width_px=256, source_height_px=64, width_px=36, height_px=64, keyframes=keys,
                    shots=[CropShot(start_s=0, end_s=1.5, mode="track"), CropShot(start_s=1.5, end_s=3.0, mode="track")])
    out = tmp_path / "out.gray"
    run_ffmpeg(geometry_args(lavfi("color=black:s=256x64:r=30:d=3,format=gray,geq=lum='X'"), info_of(256, 64), plan, 36, 64,
                             out, f="rawvideo", pix_fmt="gray"), what="render test")
    frames = read_raw(out, 36, 64)
    assert len(frames) == 90
    seen = frames[:, 32, 0].astype(float)
    wanted = evaluate_path(keys, np.arange(90) / 30)
    assert np.abs(seen - wanted).max() <= 1.0
    assert seen[44] == pytest.approx(100, abs=1) and seen[45] == pytest.approx(40, abs=1)  # the cut: one frame, no pan


def test_long_reel_expression_stays_small_and_parses(tmp_path: Path) -> None:
    """A 10-minute tracking reel: the keyframe budget keeps the expression far below the 128 KiB argv limit."""
    duration = 600.0
    times = np.arange(0, duration, 0.25)
    decision = reframe.ShotDecision(0, duration, "track", "face", 1, times_s=times,
                                    centres=960 + 600 * np.sin(times * 1.3) + 40 * np.sin(times * 7.1))
    geo = reframe.make_geometry(1920, 1080, 1080, 1920, 480)
    plan = reframe.build_plan([decision], geo, duration, ReframeConfig())
    assert 2 <= len(plan.keyframes) <= reframe.MAX_KEYFRAMES
    args = geometry_args(lavfi("color=gray:s=1920x1080:r=5:d=0.4"), info_of(1920, 1080), plan, 108, 192, "-", f="null")
    assert len(graphs.filter_text(args)) < 64 * 1024
    run_ffmpeg(args, what="long expression")


def test_fit_shot_inside_a_cropped_reel_switches_in_the_same_pass(tmp_path: Path) -> None:
    keys = [CropKeyframe(t_s=0, x_px=200, y_px=0), CropKeyframe(t_s=1.0, x_px=200, y_px=0),
            CropKeyframe(t_s=1.0, x_px=110, y_px=0), CropKeyframe(t_s=2.0, x_px=110, y_px=0)]
    plan = CropPlan(mode="steady", source_width_px=256, source_height_px=64, width_px=36, height_px=64, keyframes=keys,
                    shots=[CropShot(start_s=0, end_s=1.0, mode="steady"), CropShot(start_s=1.0, end_s=2.0, mode="fit")])
    out = tmp_path / "out.gray"
    run_ffmpeg(geometry_args(lavfi("color=black:s=256x64:r=10:d=2,format=gray,geq=lum='X'"), info_of(256, 64), plan, 36, 64,
                             out, f="rawvideo", pix_fmt="gray"), what="render test")
    frames = read_raw(out, 36, 64)
    crop_row, fit_row = frames[5, 32].astype(int), frames[15, 32].astype(int)
    assert abs(crop_row[0] - 200) <= 1 and abs(crop_row[-1] - 235) <= 2  # a 36 px slice of the ramp
    assert fit_row.max() - fit_row.min() > 200  # the whole ramp, squeezed into the width


# ------------------------------------------------------------------------------------ sources


def _clip(tmp_path: Path, name: str, vf: str, size: str = "320x180", d: float = 1.0) -> Path:
    out = tmp_path / name
    codec = ["-c:v", "ffv1"] if name.endswith(".mkv") else ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=10:duration={d}", "-vf", vf, *codec, str(out)], what="fixture")
    return out


def test_phone_rotation_probe_analysis_and_render_agree(tmp_path: Path) -> None:
    """A phone clip stored 640x360 with a 90° display matrix shows 360x640: vertical, no crop."""
    plain = _clip(tmp_path, "plain.mp4", "null", size="640x360")
    rotated = tmp_path / "rotated.mp4"
    run_ffmpeg(["-display_rotation", "90", "-i", str(plain), "-c", "copy", str(rotated)], what="rotate")
    info = probe_media(rotated)
    assert (info.width_px, info.height_px, info.rotation_deg) == (640, 360, 90)
    assert (info.display_width_px, info.display_height_px) == (360, 640)
    frame = next(iter(AnalysisFrames(rotated, start_s=0, duration_s=0.5, fps=2, width_px=90, height_px=160)))[1]
    assert frame.shape == (160, 90, 3)  # ffmpeg autorotates; our display size agrees
    plan = plan_crop(info, moment(1.0), ReframeConfig(), 1080, 1920)
    assert plan.mode == "none"
    out = tmp_path / "out.rgb"
    run_ffmpeg(geometry_args(graphs.source(rotated), info, plan, 90, 160, out, f="rawvideo", pix_fmt="rgb24", **{"frames:v": 1}),
               what="render rotated")
    picture = read_raw(out, 90, 160, 3)[0]
    assert picture[:4].mean() > 20 and picture[-4:].mean() > 20  # filled to the top and bottom: no letterbox


def test_rotated_landscape_phone_clip_is_cropped_in_display_orientation(tmp_path: Path) -> None:
    plain = _clip(tmp_path, "p43.mp4", "null", size="480x360")
    rotated = tmp_path / "r43.mp4"
    run_ffmpeg(["-display_rotation", "-90", "-i", str(plain), "-c", "copy", str(rotated)], what="rotate")
    info = probe_media(rotated)
    assert (info.display_width_px, info.display_height_px, info.rotation_deg) == (360, 480, 270)
    plan = plan_crop(info, moment(1.0), ReframeConfig(mode="center"), 1080, 1920)
    assert (plan.width_px, plan.height_px) == (270, 480)
    out = tmp_path / "o.rgb"
    run_ffmpeg(geometry_args(graphs.source(rotated), info, plan, 54, 96, out, f="rawvideo", pix_fmt="rgb24", **{"frames:v": 1}),
               what="render rotated")
    assert read_raw(out, 54, 96, 3).shape == (1, 96, 54, 3)


def test_odd_size_and_non_square_pixels_render(tmp_path: Path) -> None:
    odd = _clip(tmp_path, "odd.mkv", "scale=641:361,setsar=1", d=1.2)  # x264 4:2:0 refuses odd sizes
    info = probe_media(odd)
    plan = plan_crop(info, moment(1.2), ReframeConfig(analysis_fps=5), 1080, 1920)
    assert plan.width_px % 2 == 0 and all(0 <= k.x_px <= info.display_width_px - plan.width_px for k in plan.keyframes)
    out = tmp_path / "odd.rgb"
    run_ffmpeg(geometry_args(graphs.source(odd), info, plan, 108, 192, out, f="rawvideo", pix_fmt="rgb24"), what="render odd")
    assert read_raw(out, 108, 192, 3).shape[0] == 12

    anamorphic = _clip(tmp_path, "sar.mp4", "scale=480:360,setsar=4/3", d=1.0)  # shows as 640x360
    info = probe_media(anamorphic)
    assert (info.display_width_px, info.display_height_px) == (640, 360)
    plan = plan_crop(info, moment(1.0), ReframeConfig(mode="center"), 1080, 1920)
    assert (plan.width_px, plan.height_px) == (202, 360) and plan.keyframes[0].x_px == (640 - 202) // 2
    args = geometry_args(graphs.source(anamorphic), info, plan, 108, 192, "-", f="null")
    assert graphs.filter_text(args).startswith("[0:v]scale=640:360[s0];[s0]setsar=1[s1];")
    run_ffmpeg(args, what="render sar")


# ------------------------------------------------------------------------------------ edited plans


def test_edited_crop_is_kept_but_made_safe() -> None:
    info = info_of(1280, 720)
    edited = CropPlan(mode="track", source_width_px=1280, source_height_px=720, width_px=405, height_px=721,
                      keyframes=[CropKeyframe(t_s=2, x_px=5000, y_px=-3), CropKeyframe(t_s=0, x_px=-20, y_px=0)])
    safe = reframe.edited_crop(edited, info)
    assert (safe.width_px, safe.height_px) == (404, 720)
    assert [(k.t_s, k.x_px, k.y_px) for k in safe.keyframes] == [(0, 0, 0), (2, 876, 0)]
    other = edited.model_copy(update={"source_width_px": 1920, "source_height_px": 1080})
    assert reframe.edited_crop(other, info) is None  # made for another picture: planned again


# ------------------------------------------------------------------------------------ per-shot decisions


def fake_analysis(per_frame: list[list[Box]], fps: float = 4.0, cut_at: float | None = None) -> reframe.Analysis:
    """Detections on a 480x270 analysis grid of a 1920x1080 source; cut scores at 25 fps."""
    duration = len(per_frame) / fps
    scores = [(i / 25, 0.5) for i in range(int(duration * 25))]
    if cut_at is not None:
        scores[int(round(cut_at * 25))] = (cut_at, 40.0)
    return reframe.Analysis(duration_s=duration, fps=fps, width_px=480, height_px=270,
                            times_s=[i / fps for i in range(len(per_frame))], detections=per_frame, scene_scores=scores)


GEO = reframe.make_geometry(1920, 1080, 1080, 1920, 480)


def test_decisions_steady_track_center_and_forced_track() -> None:
    still = fake_analysis([[Box(100 + (i % 2), 80, 40, 40)] for i in range(24)])
    assert [d.mode for d in reframe.plan_shots(still, GEO, ReframeConfig())] == ["steady"]
    assert [d.mode for d in reframe.plan_shots(still, GEO, ReframeConfig(mode="track"))] == ["track"]
    moving = fake_analysis([[Box(20 + 15 * i, 80, 40, 40)] for i in range(24)])
    assert [d.mode for d in reframe.plan_shots(moving, GEO, ReframeConfig())] == ["track"]
    empty = fake_analysis([[] for _ in range(24)])
    decision = reframe.plan_shots(empty, GEO, ReframeConfig())[0]
    assert decision.mode == "center" and decision.centre == 960


def test_two_far_apart_subjects_fit_unless_fit_is_off() -> None:
    pair = fake_analysis([[Box(20, 80, 40, 40), Box(420, 80, 40, 40)] for _ in range(24)])
    assert reframe.plan_shots(pair, GEO, ReframeConfig())[0].mode == "fit"
    only_main = reframe.plan_shots(pair, GEO, ReframeConfig(allow_fit=False))[0]
    assert only_main.mode == "steady" and only_main.subjects == 2
    close = fake_analysis([[Box(200, 80, 40, 40), Box(260, 80, 40, 40)] for _ in range(24)])
    together = reframe.plan_shots(close, GEO, ReframeConfig())[0]
    assert together.mode == "steady" and (together.centre - 606 / 2) <= 200 * 4 and together.centre + 606 / 2 >= 300 * 4


def test_each_shot_gets_its_own_decision_and_the_path_jumps() -> None:
    frames = [[Box(40, 80, 40, 40)] for _ in range(12)] + [[Box(400, 80, 40, 40)] for _ in range(12)]
    analysis = fake_analysis(frames, cut_at=3.0)
    decisions = reframe.plan_shots(analysis, GEO, ReframeConfig())
    assert [(round(d.start_s, 2), d.mode) for d in decisions] == [(0.0, "steady"), (2.98, "steady")]
    plan = reframe.build_plan(decisions, GEO, analysis.duration_s, ReframeConfig())
    assert plan.keyframes[1].t_s == plan.keyframes[2].t_s  # a jump, not a pan
    assert plan.keyframes[1].x_px < 400 < plan.keyframes[2].x_px


def test_whittaker_banded_solver_matches_dense() -> None:
    rng = np.random.default_rng(3)
    for n in (3, 5, 40):
        y = rng.normal(size=n).cumsum()
        d = np.diff(np.eye(n), 2, axis=0)
        assert np.allclose(reframe.whittaker(y, 6.9), np.linalg.solve(np.eye(n) + 6.9 * d.T @ d, y))


def test_tall_source_is_cropped_vertically_and_renders(tmp_path: Path) -> None:
    """A screen recording taller than 9:16 (1080x2400): the window slides on y, x stays 0."""
    geo = reframe.make_geometry(1080, 2400, 1080, 1920, 480)
    assert (geo.axis, geo.win_w, geo.win_h) == ("y", 1080, 1920)
    frames = [[Box(200, 60 + 2 * (i % 2), 80, 80)] for i in range(16)]  # a face near the top
    analysis = reframe.Analysis(duration_s=4, fps=4, width_px=480, height_px=1066, times_s=[i / 4 for i in range(16)],
                                detections=frames, scene_scores=[(i / 25, 0.5) for i in range(100)])
    decisions = reframe.plan_shots(analysis, geo, ReframeConfig())
    plan = reframe.build_plan(decisions, geo, 4, ReframeConfig())
    assert decisions[0].mode == "steady" and {k.x_px for k in plan.keyframes} == {0}
    assert {k.y_px for k in plan.keyframes} == {0}  # the face is near the top: the window is clamped there
    run_ffmpeg(geometry_args(lavfi("color=gray:s=1080x2400:r=5:d=0.4"), info_of(1080, 2400), plan, 54, 96, "-", f="null"),
               what="tall render")
