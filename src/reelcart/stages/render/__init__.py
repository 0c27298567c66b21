"""Render each reel in one ffmpeg pass: trim, crop path, scale, captions, card, QR, loudness, encode.

Loudness is two-pass EBU R128 (``loudness``): an audio-only pass measures the segment, the render
pass applies the gain. The same render pass also writes a dozen clean candidate frames (before
captions) from which the thumbnail is picked (``thumbnail``). The pass's graph is ``graph``; what it
draws is planned in ``plan`` (captions, card, link) and ``cards`` (card images). Work files (ASS,
card images, fonts folder, candidate frames) sit in the run's work folder; ffmpeg runs there so the
graph names them by short relative paths.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ...artifacts import MANIFEST_FILE, atomic_path, write_text_atomic
from ...config import Preset
from ...errors import MediaError
from ...media import ffmpeg as media_ffmpeg
from ...media import graphs
from ...media.fonts import prepare_fonts_dir
from ...models import MediaInfo, Moment, Product, RenderedReel, Transcript
from . import thumbnail
from .cards import card_images, qr_image, write_card_images
from .graph import FONTS_DIRNAME, Overlays, audio_graph, build_render_args, encode_options, fonts_subdir, video_graph
from .loudness import (
    audio_prep,
    limiter_filter,
    loudness_filters,
    loudnorm_filter,
    measure_loudness,
    measure_output_loudness,
)
from .plan import ReelPlan, plan_reel, safe_stem
from .segments import frame_aligned

__all__ = [
    "FONTS_DIRNAME", "Overlays", "ReelPlan", "audio_graph", "audio_prep", "build_render_args", "card_images", "encode_options",
    "limiter_filter", "loudness_filters", "loudnorm_filter", "measure_loudness", "measure_output_loudness", "plan_reel",
    "qr_image", "render_reel", "safe_stem", "video_graph", "write_card_images",
]

log = logging.getLogger(__name__)

STAGE = "render"
VERSION = 2
THUMBS_DIRNAME = "thumbs"
THUMB_CANDIDATES = 10


def render_reel(
    info: MediaInfo,
    moment: Moment,
    product: Product,
    transcript: Transcript,
    preset: Preset,
    *,
    work_dir: Path,
    out_dir: Path,
    link: str | None = None,
) -> RenderedReel:
    moment = frame_aligned(moment, preset.render.fps)  # segments of whole frames: the reel's clock is the one that plays
    plan = plan_reel(info, moment, product, transcript, preset, link=link)
    stem = plan.stem
    work_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    fonts_rel = fonts_subdir([str(f.path) for f in plan.faces])
    prepare_fonts_dir(work_dir / fonts_rel, plan.faces)
    ass_name = f"{stem}.ass"
    write_text_atomic(work_dir / ass_name, plan.ass_text)
    srt_file = out_dir / f"{stem}.srt"
    write_text_atomic(srt_file, plan.srt_text)

    overlays = Overlays(ass_name=ass_name, fonts_dir=fonts_rel)
    images = write_card_images(plan, preset, work_dir, stem)
    thumbs_dir = work_dir / THUMBS_DIRNAME / stem
    if preset.render.thumbnail:
        shutil.rmtree(thumbs_dir, ignore_errors=True)
        thumbs_dir.mkdir(parents=True)
        start = min(1.0, plan.duration_s * 0.2)
        until = plan.card.end_span[0] if plan.card and plan.card.end_span else plan.duration_s
        until = max(start + 0.1, until - 0.2)
        overlays.thumbs_pattern = f"{THUMBS_DIRNAME}/{stem}/%03d.jpg"
        overlays.thumbs_from_s, overlays.thumbs_until_s = start, until
        overlays.thumbs_fps = THUMB_CANDIDATES / max(0.1, until - start)

    loudness = measure_loudness(info, moment, preset.render, plan.duration_s) if preset.render.normalize_loudness else None
    video_file = out_dir / f"{stem}.mp4"

    def retire_manifest() -> None:
        # the new reel is complete and replaces the old one: a manifest listing the old reels must
        # not outlive it (the package stage writes the new one); a failed encode leaves both alone
        (out_dir / MANIFEST_FILE).unlink(missing_ok=True)

    with atomic_path(video_file, before_replace=retire_manifest) as tmp:
        media_ffmpeg.run_ffmpeg(
            build_render_args(info, moment, preset, ass_name=ass_name, loudness=loudness, output=str(tmp.resolve()),
                              overlays=overlays, images=images, duration_s=plan.duration_s),
            what=f"render of {moment.id}", path=info.path, cwd=work_dir,
        )
    if not video_file.exists() or video_file.stat().st_size == 0:
        raise MediaError("render produced no output", path=video_file)
    thumb = out_dir / f"{stem}.jpg"
    _write_thumbnail(thumb, thumbs_dir if preset.render.thumbnail else None, overlays, moment, video_file, plan.duration_s)
    shutil.rmtree(thumbs_dir, ignore_errors=True)
    return RenderedReel(
        id=moment.id,
        file=video_file.name,
        captions_file=srt_file.name,
        ass_file=ass_name,
        thumbnail=thumb.name,
        duration_s=round(plan.duration_s, 3),
        width_px=preset.render.width_px,
        height_px=preset.render.height_px,
        source_loudness_lufs=float(loudness["input_i"]) if loudness else None,
    )


def _write_thumbnail(thumb: Path, thumbs_dir: Path | None, overlays: Overlays, moment: Moment, video_file: Path,
                     duration_s: float) -> None:
    frames: list[tuple[Path, float]] = []
    if thumbs_dir is not None:
        for i, path in enumerate(sorted(thumbs_dir.glob("*.jpg"))):
            frames.append((path, overlays.thumbs_from_s + i / overlays.thumbs_fps))
    subject = moment.crop.subject if moment.crop is not None else "none"
    best = thumbnail.choose(frames, subject) if frames else None
    if best is not None:
        with atomic_path(thumb) as tmp:
            shutil.copyfile(best.path, tmp)
        log.debug("thumbnail of %s at %.2f s (score %.2f, faces %d, eyes %d)", moment.id, best.t_s, best.score, best.faces, best.eyes)
        return
    # no candidates (thumbnails off or a very short reel): a frame from the middle of the reel
    with atomic_path(thumb) as tmp:
        middle = graphs.source(video_file.resolve(), ss=f"{max(0.5, duration_s / 2):.3f}").video
        graphs.run(graphs.output([middle], tmp.resolve(), f="image2", **{"frames:v": 1, "q:v": 2}),
                   what=f"thumbnail of {moment.id}", path=video_file)
