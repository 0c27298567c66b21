"""The studio's still frame looks like the rendered reel's frame at the same reel time.

A two-segment reel of a moving test pattern (testsrc2: every frame differs) with a moving crop
path (a jump at the cut), captions, the product card for part of the reel and an end card is
rendered with ``render_reel``; previews at several reel times (first segment, second segment,
under the card, under the end card) are compared with the reel's own frames, decoded with PyAV.
The preview must match the reel's frame at that time closely, and match it better than any
frame around it; a preview of another time must differ a lot."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from reelcart.errors import InputError
from reelcart.models import CropKeyframe, CropPlan, CropShot, TimeRange
from reelcart.stages import render
from reelcart.stages.render.preview import build_preview_args, render_preview_frame, source_piece
from reelcart.stages.render.segments import frame_aligned

from .render_helpers import info_of, make_clip, moment, preset, product, timed_words, transcript, video_frames

FPS = 30
W, H = 360, 640
SEGMENTS = [TimeRange(start_s=1.0, end_s=4.0), TimeRange(start_s=6.5, end_s=9.5)]  # reel: 0-3 s, then 3-6 s
# measured (JPEG q3 against the reel's x264 frames): the right frame 1.8-5.0, the next frame >= 7.2,
# a frame 0.5 s away >= 15
SAME_MAX = 6.5
OTHER_MIN = 12.0
WORDS = transcript(timed_words(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"] * 3, 1.1, 0.35))


def _crop(info) -> CropPlan:  # noqa: ANN001
    return CropPlan(mode="track", source_width_px=info.display_width_px, source_height_px=info.display_height_px,
                    width_px=404, height_px=720,
                    keyframes=[CropKeyframe(t_s=0, x_px=0, y_px=0), CropKeyframe(t_s=3.0, x_px=400, y_px=0),
                               CropKeyframe(t_s=3.0, x_px=876, y_px=0), CropKeyframe(t_s=6.0, x_px=500, y_px=0)],
                    shots=[CropShot(start_s=0, end_s=3, mode="track"), CropShot(start_s=3, end_s=6, mode="track")])


def _settings(**extra: object):  # noqa: ANN202
    sets = {"render__width_px": W, "render__height_px": H, "render__fps": FPS, "render__normalize_loudness": False,
            "render__thumbnail": False, "overlay__card_last_s": 0.5, "overlay__end_card": True, "overlay__end_card_s": 1.0}
    return preset(**{**sets, **extra})


@pytest.fixture(scope="module")
def reel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("preview")
    source = make_clip(folder / "clip.mp4", duration=11.0)
    info = info_of(source)
    m = moment(1.0, 9.5, cta=7.0).model_copy(update={"segments": SEGMENTS, "crop": _crop(info)})
    settings = _settings()
    rendered = render.render_reel(info, m, product(), WORDS, settings, work_dir=folder / "work", out_dir=folder / "out")
    plan = render.plan_reel(info, frame_aligned(m, FPS), product(), WORDS, settings)
    return info, m, settings, plan, video_frames(folder / "out" / rendered.file), folder


def _decode(jpeg: bytes) -> np.ndarray:
    assert jpeg[:2] == b"\xff\xd8", "a JPEG"
    bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32)


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def _preview(reel, t_s: float, **kw) -> np.ndarray:  # noqa: ANN001
    info, m, settings, _, _, folder = reel
    return _decode(render_preview_frame(info, m, product(), WORDS, settings, t_s=t_s, work_dir=folder / "work", **kw))


def _times(reel) -> dict[str, float]:  # noqa: ANN001
    plan = reel[3]
    card_start, card_end = plan.card.card_spans[0]
    end_start, end_end = plan.card.end_span
    return {"first segment": 0.51, "second segment": 3.51, "card": (card_start + card_end) / 2 + 0.01,
            "end card": (end_start + end_end) / 2 + 0.01, "first frame after the cut": 3.0}


def test_the_card_and_end_card_show_only_part_of_the_reel(reel):
    plan = reel[3]
    (card_start, card_end), end = plan.card.card_spans[0], plan.card.end_span
    assert card_end - card_start < plan.duration_s - 1 and end[0] > 3.0, (plan.card.card_spans, end)


@pytest.mark.parametrize("where", ["first segment", "second segment", "card", "end card", "first frame after the cut"])
def test_preview_matches_the_reel_frame_at_that_time(reel, where):
    frames = reel[4]
    t = _times(reel)[where]
    shown = _preview(reel, t)
    assert shown.shape == (H, W, 3)
    n = math.floor(t * FPS + 1e-6)
    assert abs(frames[n][0] - n / FPS) < 1e-3
    near = {k: _mad(shown, frames[k][1]) for k in range(max(0, n - 3), min(len(frames), n + 4))}
    assert near[n] < SAME_MAX, (where, near)
    assert min(near, key=near.get) == n, (where, near)
    other = _preview(reel, t + 0.5 if t + 0.5 < 6.0 else t - 0.5)
    assert _mad(other, frames[n][1]) > OTHER_MIN


def test_card_and_captions_are_in_the_preview(reel):
    """Under the card the preview has the card's colour where the reel has it, and not outside its span."""
    plan = reel[3]
    x0, y0, x1, y1 = plan.card.card_box
    t_card = _times(reel)["card"]
    t_without = next(t for t in (0.51, 1.51, 2.51, 3.51) if not any(a <= t <= b for a, b in plan.card.card_spans))
    orange = np.array([0xFF, 0x4F, 0x00], dtype=np.float32)

    def card_share(img: np.ndarray) -> float:
        box = img[y0 + 4: y1 - 4, x0 + 4: x1 - 4]
        return float((np.abs(box - orange).max(axis=2) < 60).mean())

    assert card_share(_preview(reel, t_card)) > 0.3
    assert card_share(_preview(reel, t_without)) < 0.05


def test_times_outside_the_reel_are_clamped(reel):
    frames = reel[4]
    assert _mad(_preview(reel, -5.0), _preview(reel, 0.0)) < 0.5
    last = _preview(reel, 1e6)
    near = {k: _mad(last, frames[k][1]) for k in range(len(frames) - 4, len(frames))}
    assert min(near, key=near.get) == len(frames) - 1 and near[len(frames) - 1] < SAME_MAX, near


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_time_that_is_not_a_number_is_refused_in_one_line(reel, bad):
    with pytest.raises(InputError, match="preview time") as err:
        _preview(reel, bad)
    assert "\n" not in str(err.value)


def test_a_reel_past_the_end_of_the_recording_is_refused(reel):
    info, m, settings, _, _, folder = reel
    late = m.model_copy(update={"segments": [SEGMENTS[0], TimeRange(start_s=9.0, end_s=14.0)], "end_s": 14.0})
    with pytest.raises(InputError, match="recording lasts"):
        render_preview_frame(info, late, product(), WORDS, settings, t_s=1.0, work_dir=folder / "work")


def test_width_out_of_range_is_refused(reel):
    with pytest.raises(InputError, match="preview width"):
        _preview(reel, 1.0, width_px=4000)


def test_full_size_and_scaled_down(reel):
    info, m, _, _, _, folder = reel
    full = preset(render__fps=FPS, render__normalize_loudness=False)
    jpeg = render_preview_frame(info, m, product(), WORDS, full, t_s=1.0, work_dir=folder / "work-full")
    assert _decode(jpeg).shape == (1920, 1080, 3)
    small = render_preview_frame(info, m, product(), WORDS, full, t_s=1.0, work_dir=folder / "work-full", width_px=270)
    assert _decode(small).shape == (480, 270, 3)
    assert _mad(cv2.resize(_decode(jpeg), (270, 480), interpolation=cv2.INTER_AREA), _decode(small)) < SAME_MAX


def test_a_moment_without_crop_gets_the_centre_of_the_source(reel):
    """No captions or card: the preview is the centre 9:16 window of the source frame shown then."""
    info, m, _, _, _, folder = reel
    plain = _settings(captions__enabled=False, overlay__product_card=False, overlay__end_card=False)
    t = 3.51  # second segment: source 6.5 + 0.51
    shown = _decode(render_preview_frame(info, m.model_copy(update={"crop": None}), product(), WORDS, plain, t_s=t,
                                         work_dir=folder / "work-plain"))
    source = video_frames(folder / "clip.mp4")
    src = min(source, key=lambda f: abs(f[0] - (SEGMENTS[1].start_s + 0.5)))[1]  # frame 0.51 s in, on the 30 fps grid
    x = (src.shape[1] - 404) // 2
    expected = cv2.resize(src[:, x: x + 404], (W, H), interpolation=cv2.INTER_AREA)
    assert _mad(shown, expected) < SAME_MAX
    assert _mad(shown, cv2.resize(src[:, :404], (W, H), interpolation=cv2.INTER_AREA)) > OTHER_MIN


def test_args_seek_into_the_segment_and_decode_only_a_short_piece(reel):
    info, m, settings, _, _, _ = reel
    aligned = frame_aligned(m.model_copy(update={"crop": _crop(info)}), FPS)
    args = build_preview_args(info, aligned, settings, t_s=3.51, ass_name="preview/x.ass", overlays=None, images=[],
                              output="out.jpg")
    first_input = args.index("-i")
    seek = float(args[args.index("-ss") + 1])
    assert args.index("-ss") < first_input, "input seeking (fast)"
    assert SEGMENTS[1].start_s + 0.5 - 0.1 < seek <= SEGMENTS[1].start_s + 0.5
    assert float(args[args.index("-t") + 1]) < 0.3
    assert "libx264" not in args and "-c:a" not in args and args[args.index("-frames:v") + 1] == "1"
    assert "-copyts" in args, "the source's own timestamps, put on the reel's clock by setpts"
    seek_s, length_s, expr = source_piece(aligned, FPS, 3.5, info.fps)
    assert seek_s == pytest.approx(seek) and length_s > 0
    assert expr == "PTS-round(6.500000/TB)+round(3.000000/TB)"  # the segment's first frame lands at its offset


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """One segment starting between frames, of a 60 fps source (the render's fps filter comes first)."""
    folder = tmp_path_factory.mktemp("preview-60")
    source = make_clip(folder / "clip60.mp4", duration=6.0, fps=60)
    info = info_of(source)
    m = moment(1.234, 4.734).model_copy(update={"crop": _crop(info).model_copy(update={
        "keyframes": [CropKeyframe(t_s=0, x_px=100, y_px=0), CropKeyframe(t_s=3.5, x_px=800, y_px=0)],
        "shots": [CropShot(start_s=0, end_s=3.5, mode="track")]})})
    settings = _settings(overlay__end_card=False)
    rendered = render.render_reel(info, m, product(), WORDS, settings, work_dir=folder / "work", out_dir=folder / "out")
    return info, m, settings, video_frames(folder / "out" / rendered.file), folder


@pytest.mark.parametrize("t", [0.0, 1.26, 3.45])
def test_one_segment_of_a_60_fps_source(single, t):
    info, m, settings, frames, folder = single
    shown = _decode(render_preview_frame(info, m, product(), WORDS, settings, t_s=t, work_dir=folder / "work"))
    n = math.floor(t * FPS + 1e-6)
    near = {k: _mad(shown, frames[k][1]) for k in range(max(0, n - 3), min(len(frames), n + 4))}
    assert min(near, key=near.get) == n and near[n] < SAME_MAX, near
