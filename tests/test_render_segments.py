"""A three-segment reel rendered in one ffmpeg pass keeps audio and video in sync at every cut.

The source shows its frame number (bit-bars and text) and beeps every half second. After the
render, every output frame (read with PyAV, and again with OpenCV's own reader) must show the
source frame that the reel's clock says plays there, within one frame, right up to and right
after each cut; every beep of the kept material must start where the reel's clock puts it, within
one frame; and the cut material is gone (no beep from it, no frame from it)."""

from __future__ import annotations

import pytest

from reelcart.models import CropKeyframe, CropPlan, CropShot, TimeRange
from reelcart.stages import render
from reelcart.stages.render.segments import frame_aligned
from reelcart.timeline import reel_length_s, segment_offsets

from .av_sync_media import BEEP_EVERY_S, FPS, beep_onsets, frames_opencv, frames_pyav, make_timecode_clip
from .render_helpers import info_of, moment, preset, product, timed_words, transcript

PLANNED = [TimeRange(start_s=1.1, end_s=4.2), TimeRange(start_s=6.3, end_s=9.4), TimeRange(start_s=11.1, end_s=14.2)]
# the render puts segment edges on the frame grid (whole frames: no drift); that is the reel's clock
SEGMENTS = frame_aligned(moment(1.1, 14.2).model_copy(update={"segments": PLANNED}), FPS).segments
FRAME_S = 1 / FPS


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("segments")
    source = make_timecode_clip(folder / "timecode.mp4")
    info = info_of(source)
    crop = CropPlan(mode="none", source_width_px=info.display_width_px, source_height_px=info.display_height_px,
                    width_px=info.display_width_px, height_px=info.display_height_px,
                    keyframes=[CropKeyframe(t_s=0, x_px=0, y_px=0)],
                    shots=[CropShot(start_s=0, end_s=reel_length_s(SEGMENTS), mode="center")])
    m = moment(PLANNED[0].start_s, PLANNED[-1].end_s).model_copy(update={"segments": PLANNED, "crop": crop})
    settings = preset(render__width_px=144, render__height_px=256, render__fps=FPS, render__normalize_loudness=False,
                      captions__enabled=False, overlay__product_card=False, overlay__end_card=False)
    words = transcript(timed_words(["one", "two"], 1.5, 0.5))
    reel = render.render_reel(info, m, product(), words, settings, work_dir=folder / "work", out_dir=folder / "out")
    return folder / "out" / reel.file, reel


def test_segment_edges_snap_to_whole_frames():
    assert [(s.start_s, s.end_s) for s in SEGMENTS] == [(1.12, 4.2), (6.32, 9.4), (11.12, 14.2)]


def expected_source_s(reel_s: float) -> float | None:
    for seg, offset in zip(SEGMENTS, segment_offsets(SEGMENTS)):
        if offset - 1e-6 <= reel_s < offset + (seg.end_s - seg.start_s) - 1e-6:
            return seg.start_s + (reel_s - offset)
    return None


@pytest.mark.parametrize("reader", [frames_pyav, frames_opencv], ids=["pyav", "opencv"])
def test_every_frame_shows_the_source_time_the_reel_clock_says(rendered, reader):
    path, reel = rendered
    frames = reader(path)
    assert abs(len(frames) * FRAME_S - reel_length_s(SEGMENTS)) <= FRAME_S + 1e-6
    assert abs(reel.duration_s - reel_length_s(SEGMENTS)) < 0.01
    for reel_s, shown in frames:
        source_s = expected_source_s(reel_s + FRAME_S / 2)
        if source_s is None:
            continue
        assert abs(shown - source_s * FPS) <= 1.0 + 1e-6, (reel_s, shown, source_s * FPS)
    for offset in segment_offsets(SEGMENTS)[1:]:  # the frames either side of each cut
        before = max((f for f in frames if f[0] < offset - 1e-6), key=lambda f: f[0])
        after = min((f for f in frames if f[0] >= offset - 1e-6), key=lambda f: f[0])
        assert after[1] - before[1] > 10, "the cut jumps over the left-out frames"


def test_every_beep_starts_where_the_reel_clock_puts_it(rendered):
    path, _ = rendered
    onsets = beep_onsets(path)
    expected = []
    for seg, offset in zip(SEGMENTS, segment_offsets(SEGMENTS)):
        k = int(seg.start_s / BEEP_EVERY_S) + 1
        while k * BEEP_EVERY_S <= seg.end_s - 0.05:
            expected.append(offset + k * BEEP_EVERY_S - seg.start_s)
            k += 1
    for t in expected:
        assert min(abs(o - t) for o in onsets) <= FRAME_S, (t, onsets)
    for o in onsets:  # nothing from the cut material
        assert min(abs(o - t) for t in expected) <= FRAME_S, (o, expected)
