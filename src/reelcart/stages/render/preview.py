"""One still frame of a reel as it would render now (the studio's preview), without rendering the reel.

The frame goes through the render pass's own picture graph (``graph.video_graph``: crop path,
scale, card images, captions), so it looks like frame ``t_s`` of the rendered reel. Only a short
piece of the one segment that holds ``t_s`` is decoded: the input is opened a couple of frames
before that source time (``-ss`` before ``-i``: ffmpeg seeks to the keyframe before it and
drops what lies before it), its timestamps are moved onto the reel's clock (``setpts``) before
the graph, so the crop path's keyframes, the cards' ``enable`` spans (all in ``t``) and the ASS
events (frame times) see the reel times they see in the render; then ``select`` keeps the one
frame and it is written as a JPEG. No audio, no loudness pass, no x264.

Reel times are mapped to source times exactly as the render pass does: the input opened at the
first segment (``span_source``'s ``-ss``, to the millisecond), segments relative to it
(``segments.relative``), joined back to back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import tempfile
import threading
import time
from pathlib import Path

from ...artifacts import write_json_atomic, write_text_atomic
from ...config import Preset
from ...errors import InputError, MediaError
from ...media import ffmpeg as media_ffmpeg
from ...media import graphs
from ...media.fonts import prepare_fonts_dir
from ...models import MediaInfo, Moment, Product, Transcript
from ..reframe import edited_crop, plan_crop
from ..reframe.segments import plan_segment_crops
from .cards import write_card_images
from .graph import Overlays, fonts_subdir, video_graph
from .plan import ReelPlan, plan_reel
from .segments import frame_aligned, relative

PREVIEW_DIRNAME = "preview"
JPEG_QUALITY = 3  # mjpeg q:v (2 best .. 31 worst)
PREROLL_FRAMES = 2  # source frames decoded before the shown one (the fps filter picks the nearest)
PIECE_FRAMES = 2  # and after it
MIN_WIDTH_PX = 16
STALE_AFTER_S = 600.0  # preview work files of an older version of the reel are removed after this
END_SLACK_S = 0.5  # a reel may end this much after the recording's probed end (container rounding)
_FONTS_LOCK = threading.Lock()  # previews run in the studio's threads: one fonts folder is made at a time


def preview_time(moment: Moment, fps: float, t_s: float) -> float:
    """``t_s`` clamped into the reel: 0 .. the start of its last frame. Raise on a non-number."""
    if not isinstance(t_s, (int, float)) or not math.isfinite(t_s):
        raise InputError(f"preview time must be a number of seconds on the reel's clock, not {t_s!r}")
    duration = moment.duration_s
    if duration <= 0:
        raise InputError(f"{moment.id} has no length to preview (its segments are empty)")
    last = max(0.0, math.ceil(duration * fps - 1e-6) - 1) / fps
    return min(max(0.0, float(t_s)), last)


def source_piece(moment: Moment, fps: float, t_s: float, source_fps: float) -> tuple[float, float, str]:
    """(seek s, length s, ``setpts`` expression) of the piece of source that shows reel frame ``t_s``.

    The piece stays inside the segment (the render trims there) and runs from ``PREROLL_FRAMES``
    source frames before the shown time to ``PIECE_FRAMES`` after it. Its timestamps are the
    source's (``-copyts``); the expression moves them onto the reel's clock with the render's own
    rounding, to the tick: one segment is opened at its start to the millisecond (``span_source``),
    so a frame's reel time is its source time less that start in whole ticks; a segment of several
    starts at its first frame (``trim``, ``PTS-STARTPTS``) and is laid at its offset (``concat``)."""
    spans = moment.spans()
    origin = float(f"{spans[0].start_s:.3f}")  # the render opens its input here (span_source)
    frame_s = 1.0 / (source_fps if source_fps > 0 else fps)
    offset = 0.0
    windows = relative(spans)
    for i, (a, b) in enumerate(windows):
        if t_s < offset + (b - a) - 1e-9 or i == len(windows) - 1:
            at = a + max(0.0, t_s - offset)  # relative to origin
            start = max(a, at - PREROLL_FRAMES * frame_s)
            end = min(b, at + (PIECE_FRAMES + 1) * frame_s)
            first_s = origin if len(spans) == 1 else spans[i].start_s  # the segment's first frame (frame_aligned)
            expr = f"PTS-round({first_s:.6f}/TB)" + (f"+round({offset:.6f}/TB)" if offset else "")
            return round(origin + start, 6), round(max(frame_s, end - start), 6), expr
        offset += b - a
    raise AssertionError("unreachable")  # pragma: no cover


def build_preview_args(
    info: MediaInfo,
    moment: Moment,
    preset: Preset,
    *,
    t_s: float,
    ass_name: str | None,
    overlays: Overlays | None,
    images: list[tuple[str, int, int, list[tuple[float, float]]]] | None,
    output: str,
    width_px: int | None = None,
) -> list[str]:
    """ffmpeg arguments that write reel frame ``t_s`` (clamped into the reel) as a JPEG to ``output``.

    ``moment`` as the render pass gets it (``frame_aligned``, with its crop); ``images``: the card
    images, as for ``build_render_args``; ``width_px``: scale the frame down to this width at the end."""
    render = preset.render
    t = preview_time(moment, render.fps, t_s)
    frame = math.floor(t * render.fps + 1e-6)
    seek, length, reel_clock = source_piece(moment, render.fps, frame / render.fps, info.fps)
    piece = graphs.source(Path(info.path).resolve(), ss=f"{seek:.6f}", t=f"{length:.6f}").video
    on_reel_clock = graphs.node(piece, "setpts", expr=reel_clock)
    base = overlays or Overlays()
    drawn = dataclasses.replace(base, ass_name=ass_name if ass_name is not None else base.ass_name,
                                images=list(images or []), thumbs_pattern=None)
    image_inputs = [graphs.source(file) for file, *_ in drawn.images]
    picture, _ = video_graph(on_reel_clock, info, moment, preset, drawn, image_inputs)
    # the graph's output is on the output frame grid: keep the first frame from the wanted one on
    shown = graphs.node(picture, "select", expr=f"gte(t,{(frame - 0.5) / render.fps:.6f})")
    size: dict[str, object] = {"out_range": "full"}
    if width_px is not None and width_px != render.width_px:
        size.update(w=width_px, h=scaled_height(width_px, render.width_px, render.height_px), flags="lanczos")
    jpeg = graphs.chain(shown, ("scale", size), ("format", "yuvj420p"))
    args = graphs.compile_args(graphs.output([jpeg], output, f="image2", **{
        "c:v": "mjpeg", "q:v": JPEG_QUALITY, "frames:v": 1, "update": 1, "fps_mode": "passthrough"}))
    # the source's own timestamps (from zero): no rounding of the seek point into them
    return ["-copyts", "-start_at_zero", *args]


def scaled_height(width_px: int, full_w: int, full_h: int) -> int:
    return max(2, int(round(width_px * full_h / full_w / 2)) * 2)


def preview_moment(info: MediaInfo, moment: Moment, preset: Preset) -> Moment:
    """The moment as the render pass would get it: segment edges on the frame grid, a crop that fits
    this recording. A moment without one (just edited) gets a centre crop per segment: the
    pipeline's planner without its video analysis (seconds per reel), so the preview stays fast."""
    moment = frame_aligned(moment, preset.render.fps)
    crop = edited_crop(moment.crop, info)
    if crop is None:
        r = preset.render
        centre = preset.reframe.model_copy(update={"mode": "center"})
        crop = plan_segment_crops(info, moment, centre, r.width_px, r.height_px, plan_crop)
    return moment.model_copy(update={"crop": crop})


def render_preview_frame(
    info: MediaInfo,
    moment: Moment,
    product: Product,
    transcript: Transcript,
    preset: Preset,
    *,
    t_s: float,
    work_dir: Path,
    link: str | None = None,
    width_px: int | None = None,
) -> bytes:
    """Frame ``t_s`` (reel clock, clamped into the reel) of ``moment`` as it would render now, as JPEG bytes.

    Work files (ASS, card images) go to ``work_dir/preview/``, named by their content, so previews
    of other versions of the reel running at the same time never share one; ffmpeg runs in ``work_dir``."""
    render = preset.render
    if not info.has_video:
        raise InputError("the recording has no video track to preview", path=info.path)
    if width_px is not None and not MIN_WIDTH_PX <= width_px <= render.width_px:
        raise InputError(f"preview width must be {MIN_WIDTH_PX}..{render.width_px} px, not {width_px}")
    if width_px is not None:
        width_px = width_px // 2 * 2
    end_s = max(s.end_s for s in moment.spans())
    if info.duration_s > 0 and end_s > info.duration_s + END_SLACK_S:
        raise InputError(f"{moment.id} ends at {end_s:.2f} s but the recording lasts {info.duration_s:.2f} s", path=info.path)
    moment = preview_moment(info, moment, preset)
    t = preview_time(moment, render.fps, t_s)
    plan = plan_reel(info, moment, product, transcript, preset, link=link)
    folder = Path(work_dir) / PREVIEW_DIRNAME
    folder.mkdir(parents=True, exist_ok=True)
    fonts_rel = fonts_subdir([str(f.path) for f in plan.faces])
    with _FONTS_LOCK:
        prepare_fonts_dir(Path(work_dir) / fonts_rel, plan.faces)
    stem = f"{plan.stem}.{_plan_key(plan, preset)}"
    ass_name = f"{PREVIEW_DIRNAME}/{stem}.ass"
    if not (Path(work_dir) / ass_name).is_file():
        write_text_atomic(Path(work_dir) / ass_name, plan.ass_text)
    images = _card_files(plan, preset, folder, stem)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}-", suffix=".jpg", dir=folder)  # private to this call
    os.close(fd)
    try:
        args = build_preview_args(info, moment, preset, t_s=t, ass_name=ass_name, overlays=Overlays(fonts_dir=fonts_rel),
                                  images=images, output=str(Path(tmp_name).resolve()), width_px=width_px)
        media_ffmpeg.run_ffmpeg(args, what=f"preview of {moment.id} at {t:.2f} s", path=info.path, cwd=work_dir)
        data = Path(tmp_name).read_bytes()
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    if not data:
        raise MediaError(f"preview of {moment.id} at {t:.2f} s produced no frame", path=info.path)
    _remove_stale(folder, plan.stem, stem)
    return data


def _plan_key(plan: ReelPlan, preset: Preset) -> str:
    """What the preview's work files depend on: the ASS text, the card and its link, the frame size."""
    card = dataclasses.asdict(plan.card) if plan.card is not None else None
    if card is not None:
        card["faces"] = [str(f.path) for f in plan.card.faces]
    text = json.dumps([plan.ass_text, card, plan.link, preset.render.width_px, preset.render.height_px], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _card_files(plan: ReelPlan, preset: Preset, folder: Path, stem: str) -> list[tuple[str, int, int, list[tuple[float, float]]]]:
    """The card images of this version of the reel (written once; a listing remembers them), named relative to the work folder."""
    listing = folder / f"{stem}.json"
    if listing.is_file():
        try:
            rows = json.loads(listing.read_text(encoding="utf-8"))
            images = [(str(n), int(x), int(y), [(float(a), float(b)) for a, b in spans]) for n, x, y, spans in rows]
            if all((folder.parent / n).is_file() for n, *_ in images):
                return images
        except (OSError, ValueError, TypeError):
            pass  # written again below
    images = [(f"{PREVIEW_DIRNAME}/{name}", x, y, spans) for name, x, y, spans in write_card_images(plan, preset, folder, stem)]
    write_json_atomic(listing, [[n, x, y, [list(s) for s in spans]] for n, x, y, spans in images])
    return images


def _remove_stale(folder: Path, reel_stem: str, keep: str) -> None:
    """Remove the work files of older versions of this reel (after a while: a preview of one may still run)."""
    pattern = re.compile(rf"(?:card-|end-)?{re.escape(reel_stem)}\.([0-9a-f]{{12}})\.(?:ass|png|json)")
    now = time.time()
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        if match and f"{reel_stem}.{match.group(1)}" != keep:
            try:
                if now - path.stat().st_mtime > STALE_AFTER_S:
                    path.unlink()
            except OSError:
                pass
