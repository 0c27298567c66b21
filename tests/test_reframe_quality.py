"""Measured reframing quality on generated video with a known subject path and on real clips.

Measures (tests/reframe_metrics.py), on the 30 fps output grid:
- containment: the window holds the subject's true box in ≥ 98 % of frames;
- jitter: mean |frame-to-frame acceleration| of the window centre in output-canvas px/frame²
  (1080 px wide canvas), cuts excluded. Bound: at most ``JITTER_EXCESS`` above the jitter of a
  window that follows the true subject exactly (its own motion; for measured truths averaged over
  1 s to remove their per-frame noise), and never above ``JITTER_BOUND``. 0.15 px/frame² is what a
  ±5 px (0.5 % of the canvas) wobble at 1 Hz, or a 0.08 px random shake, adds: not visible on a phone.
  (A naive follower, the window on each raw detection, measures +0.55 on the crowd clip and +0.19 on
  the silhouette; bench/bench_reframe.py prints it for the generated sources.)
- a cut between two shots with the subject on opposite sides: the window jumps at the cut frame,
  with no frame in between (no pan).

Ground truth: generated clips know their overlay expression; the silhouette clip's box comes from a
chroma key of every source frame; the crowd clip's from full-resolution, full-rate detections stored
in tests/data/crowd_faces_truth.json (see tests/data/make_crowd_truth.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reelcart.config import ReframeConfig
from reelcart.media.probe import probe_media
from reelcart.stages.reframe import plan_crop

from .reframe_media import Layer, background, blob, compose, concat, face_from_clip, sine_x
from .reframe_metrics import boxes_at, containment, green_key_boxes, jitter, output_times, true_motion_jitter, window_x
from .test_reframe import moment

JITTER_BOUND = 1.0  # canvas px/frame², whatever the subject does
JITTER_EXCESS = 0.15  # canvas px/frame² allowed above the true motion's own (see the module docstring)
MIN_CONTAINMENT = 0.98
ROOT = Path(__file__).resolve().parents[1]
TRUTH = Path(__file__).parent / "data" / "crowd_faces_truth.json"
W, H = 640, 360


def shared(name: str) -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "media" / name).is_file():
            return base / "shared" / "media" / name
    pytest.skip(f"shared test media {name} not found beside the repository")


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:  # noqa: ANN001
    return tmp_path_factory.mktemp("reframe")


def plan_for(path: Path, config: ReframeConfig | None = None):  # noqa: ANN201
    info = probe_media(path)
    return plan_crop(info, moment(info.duration_s), config or ReframeConfig(), 1080, 1920), info


def face_layer(media: Path, frame: int = 50, width: int = 96) -> tuple[Path, int, int]:
    truth = json.loads(TRUTH.read_text())
    return face_from_clip(media / f"face{frame}.png", shared("crowd_faces_1080p_4s.mp4"), frame / truth["fps"],
                          truth["boxes_xywh"][frame], width)


@pytest.mark.parametrize("subject", ["blob", "face"])
def test_subject_on_a_sine_path_stays_in_a_smooth_window(media: Path, subject: str) -> None:
    if subject == "face":
        image, fw, fh = face_layer(media)
    else:
        fw, fh = 70, 130
        image = blob(media / "blob.png", fw, fh)
    layer = Layer(image, fw, fh, sine_x(W / 2, 200, 6, fw), 100)
    video = compose(media / f"sine_{subject}.mp4", background(media / "bg.png", W, H), [layer], duration_s=8)
    plan, info = plan_for(video)
    times = output_times(info.duration_s)
    centres = layer.centre_x(times)
    boxes = [(c - fw / 2, c + fw / 2) for c in centres]
    assert plan.mode == "track" and plan.subject == ("face" if subject == "face" else "saliency")
    assert containment(plan, times, boxes) >= MIN_CONTAINMENT
    measured, ideal = jitter(plan, times), true_motion_jitter(times, times, boxes, plan.width_px, W)
    assert measured <= min(JITTER_BOUND, ideal + JITTER_EXCESS), (measured, ideal)


def test_cut_between_opposite_sides_jumps_at_the_cut(media: Path) -> None:
    fw, fh = 70, 130
    image = blob(media / "blob_cut.png", fw, fh)
    left = compose(media / "left.mp4", background(media / "bg1.png", W, H, seed=3), [Layer(image, fw, fh, "85", 120)], duration_s=3)
    right = compose(media / "right.mp4", background(media / "bg2.png", W, H, seed=9, hue=40),
                    [Layer(image, fw, fh, "485", 150)], duration_s=3)
    video = concat(media / "cut.mp4", [left, right])
    plan, info = plan_for(video)
    assert [s.mode for s in plan.shots] == ["steady", "steady"]
    cut = plan.shots[1].start_s
    assert abs(cut - 3.0) <= 1 / 30  # exact to the frame (the cut sits between frames 89 and 90)
    times = output_times(info.duration_s)
    xs = window_x(plan, times)
    before, after = xs[times < cut], xs[times > cut]
    assert np.ptp(before) == 0 and np.ptp(after) == 0  # no pan on either side, so none across the cut
    assert before[-1] + plan.width_px / 2 < W / 2 < after[0] + plan.width_px / 2  # left, then right
    centres = np.where(times < 3.0, 85 + fw / 2, 485 + fw / 2)
    boxes = [(c - fw / 2, c + fw / 2) for c in centres]
    assert containment(plan, times, boxes) >= MIN_CONTAINMENT


def test_two_people_far_apart_are_shown_whole(media: Path) -> None:
    image, fw, fh = face_layer(media, width=80)
    layers = [Layer(image, fw, fh, "20", 110), Layer(image, fw, fh, str(W - 20 - fw), 110)]
    plan, _ = plan_for(compose(media / "two.mp4", background(media / "bg3.png", W, H, seed=5), layers, duration_s=3))
    assert plan.mode == "fit" and plan.shots[0].subjects == 2


def test_steady_face_wins_over_a_bigger_flickering_face(media: Path) -> None:
    small, sw, sh = face_layer(media, width=70)
    big, bw, bh = face_layer(media, frame=80, width=110)
    layers = [Layer(small, sw, sh, "60", 120), Layer(big, bw, bh, "470", 90, enable="lt(mod(t,1.1),0.15)")]
    plan, info = plan_for(compose(media / "flicker.mp4", background(media / "bg4.png", W, H, seed=7), layers, duration_s=4))
    assert plan.subject == "face" and plan.mode in ("steady", "track")
    times = output_times(info.duration_s)
    assert containment(plan, times, [(60, 60 + sw)] * len(times)) >= MIN_CONTAINMENT


def test_crowd_clip_keeps_the_most_prominent_face(media: Path) -> None:
    truth = json.loads(TRUTH.read_text())
    path = shared("crowd_faces_1080p_4s.mp4")
    assert path.stat().st_size == truth["source_size_bytes"], "truth was made for another version of the clip"
    plan, info = plan_for(path)
    assert plan.subject == "face" and plan.mode in ("steady", "track")  # not a cop-out to fit
    times = output_times(info.duration_s)
    src_times = np.arange(truth["frames"]) / truth["fps"]
    boxes = [None if b is None else (b[0], b[0] + b[2]) for b in truth["boxes_xywh"]]
    assert containment(plan, times, boxes_at(times, src_times, boxes)) >= MIN_CONTAINMENT
    needed = true_motion_jitter(times, src_times, boxes, plan.width_px, info.display_width_px, smooth_s=1.0)
    assert jitter(plan, times) <= min(JITTER_BOUND, needed + JITTER_EXCESS)


def test_silhouette_without_a_face_is_followed(media: Path) -> None:
    path = shared("silhouette_green_720p_24s.mp4")
    plan, info = plan_for(path)
    assert plan.subject == "saliency" and plan.mode in ("steady", "track")
    times = output_times(info.duration_s)
    src_times, boxes, _ = green_key_boxes(path)
    assert containment(plan, times, boxes_at(times, src_times, boxes)) >= MIN_CONTAINMENT
    needed = true_motion_jitter(times, src_times, boxes, plan.width_px, info.display_width_px, smooth_s=1.0)
    assert jitter(plan, times) <= min(JITTER_BOUND, needed + JITTER_EXCESS)
