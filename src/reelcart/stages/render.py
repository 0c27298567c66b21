"""Render each reel in one ffmpeg pass: trim, crop path, scale, captions, card, loudness, encode.

Loudness is two-pass EBU R128: an audio-only pass measures the segment, the render pass applies
``loudnorm`` with the measured values (linear mode). Work files (ASS, fonts folder) sit in the
run's work folder; ffmpeg runs there so the filter graph names them by short relative paths.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..artifacts import atomic_path, write_text_atomic
from ..config import Preset
from ..errors import MediaError
from ..ffmpeg import run_ffmpeg
from ..fonts import choose_font, prepare_fonts_dir
from ..models import MediaInfo, Moment, Product, RenderedReel, Transcript
from ..resources import x264_thread_args
from .captions import build_ass, build_card, build_pages, build_srt, reel_words
from .reframe import build_geometry_filter

STAGE = "render"
VERSION = 1
FONTS_DIRNAME = "fonts"


def loudnorm_filter(config, measured: dict[str, str] | None) -> str:  # noqa: ANN001 - RenderConfig
    base = f"loudnorm=I={config.loudness_lufs:g}:TP={config.true_peak_dbtp:g}:LRA=11"
    if not measured:
        return base
    return (
        f"{base}:measured_I={measured['input_i']}:measured_TP={measured['input_tp']}:"
        f"measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}:"
        f"offset={measured['target_offset']}:linear=true"
    )


def measure_loudness(info: MediaInfo, moment: Moment, config) -> dict[str, str] | None:  # noqa: ANN001
    stderr = run_ffmpeg(
        ["-ss", f"{moment.start_s:.3f}", "-t", f"{moment.duration_s:.3f}", "-i", info.path, "-vn", "-sn",
         "-af", loudnorm_filter(config, None) + ":print_format=json", "-f", "null", "-"],
        what="loudness measurement", path=info.path,
    )
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr, re.S)
    if not match:
        return None
    values = json.loads(match.group(0))
    try:
        if float(values["input_i"]) == float("-inf") or float(values["input_i"]) < -70:
            return None  # silence: nothing to normalise
    except ValueError:
        return None
    return values


def build_video_filter(info: MediaInfo, moment: Moment, preset: Preset, ass_name: str | None) -> str:
    render = preset.render
    out_w, out_h = render.width_px, render.height_px
    graph = build_geometry_filter(info, moment.crop, out_w, out_h)  # crop path / fit / letterbox: reframe.py
    tail = ["setsar=1", f"fps={render.fps:g}"]
    if ass_name is not None:
        tail.append(f"subtitles=filename={ass_name}:fontsdir={FONTS_DIRNAME}")
    tail.append("format=yuv420p")
    return f"{graph},{','.join(tail)}[v]"


def build_render_args(
    info: MediaInfo, moment: Moment, preset: Preset, *, ass_name: str | None, loudness: dict[str, str] | None, output: str
) -> list[str]:
    render = preset.render
    gop = max(1, int(round(render.fps * 2)))
    audio_chain = []
    if render.normalize_loudness:
        audio_chain.append(loudnorm_filter(render, loudness))
    audio_chain.append(f"aresample={render.audio_rate_hz}")
    graph = build_video_filter(info, moment, preset, ass_name) + f";[0:a:0]{','.join(audio_chain)}[a]"
    return [
        "-ss", f"{moment.start_s:.3f}", "-t", f"{moment.duration_s:.3f}", "-i", info.path,
        "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", *x264_thread_args(), "-preset", render.x264_preset, "-crf", str(render.crf), "-profile:v", "high",
        "-pix_fmt", "yuv420p", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-flags", "+cgop",
        "-fps_mode", "cfr", "-r", f"{render.fps:g}",
        "-c:a", "aac", "-b:a", f"{render.audio_bitrate_kbps}k", "-ar", str(render.audio_rate_hz), "-ac", "2",
        "-movflags", "+faststart", "-map_metadata", "-1", "-metadata", f"title={moment.product_name}"[:200],
        "-f", "mp4", output,
    ]


def render_reel(
    info: MediaInfo,
    moment: Moment,
    product: Product,
    transcript: Transcript,
    preset: Preset,
    *,
    work_dir: Path,
    out_dir: Path,
) -> RenderedReel:
    font = choose_font(preset.captions.font, transcript.language)
    prepare_fonts_dir(work_dir / FONTS_DIRNAME)
    words = reel_words(transcript.words(), moment, preset.captions.uppercase)
    pages = build_pages(words, preset.captions, preset.render.width_px, font.path, transcript.language)
    card = build_card(product, moment, preset.overlay, max_width_px=preset.render.width_px * 0.82, font_path=font.path)
    ass_name = f"{moment.id}.ass"
    write_text_atomic(
        work_dir / ass_name,
        build_ass(pages, captions=preset.captions, overlay=preset.overlay, render=preset.render,
                  font_family=font.family, language=transcript.language, card=card),
    )
    srt_file = out_dir / f"{moment.id}.srt"
    write_text_atomic(srt_file, build_srt(pages, transcript.language))
    loudness = measure_loudness(info, moment, preset.render) if preset.render.normalize_loudness else None
    video_file = out_dir / f"{moment.id}.mp4"
    with atomic_path(video_file) as tmp:
        run_ffmpeg(
            build_render_args(info, moment, preset, ass_name=ass_name, loudness=loudness, output=str(tmp.resolve())),
            what=f"render of {moment.id}", path=info.path, cwd=work_dir,
        )
    thumb = out_dir / f"{moment.id}.jpg"
    thumb_t = _thumbnail_time(moment)
    with atomic_path(thumb) as tmp:
        run_ffmpeg(
            ["-ss", f"{thumb_t:.3f}", "-i", str(video_file.resolve()), "-frames:v", "1", "-q:v", "3", "-f", "image2",
             str(tmp.resolve())],
            what=f"thumbnail of {moment.id}", path=video_file,
        )
    if not video_file.exists() or video_file.stat().st_size == 0:
        raise MediaError("render produced no output", path=video_file)
    return RenderedReel(
        id=moment.id,
        file=video_file.name,
        captions_file=srt_file.name,
        ass_file=ass_name,
        thumbnail=thumb.name,
        duration_s=round(moment.duration_s, 3),
        width_px=preset.render.width_px,
        height_px=preset.render.height_px,
        source_loudness_lufs=float(loudness["input_i"]) if loudness else None,
    )


def _thumbnail_time(moment: Moment) -> float:
    """A frame while the product is pitched: the middle of the pitch, inside the reel."""
    pitch_end = moment.cta_start_s if moment.cta_start_s is not None else moment.end_s
    mid = (moment.pitch_start_s + pitch_end) / 2 - moment.start_s
    return min(max(0.5, mid), max(0.0, moment.duration_s - 0.5))
