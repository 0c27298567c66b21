"""The render pass's graph: the segments joined, crop path, scale, card images, captions, thumbnail candidates, loudness, encode.

Built with ``media.graphs`` (ffmpeg-python). Work files (ASS, card images, fonts folder, candidate
frames) are named relative to the work folder, where ffmpeg runs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ...config import Preset
from ...media import graphs
from ...models import MediaInfo, Moment
from ...resources import x264_thread_args
from ..reframe import geometry
from .loudness import audio_prep, loudness_filters
from .segments import join_audio, join_video, span_source

FONTS_DIRNAME = "fonts"


def fonts_subdir(font_files: list[str]) -> str:
    """The fonts folder (relative to the work folder) of one face set: libass loads only the faces a reel draws with."""
    key = hashlib.sha256("|".join(sorted(font_files)).encode()).hexdigest()[:8]
    return f"{FONTS_DIRNAME}/{key}"


@dataclass
class Overlays:
    """Work files and positions the graph needs (names relative to the work folder)."""

    ass_name: str | None = None
    fonts_dir: str = FONTS_DIRNAME
    # (file, x, y, spans): card and end-card images laid under the ASS text
    images: list[tuple[str, int, int, list[tuple[float, float]]]] = field(default_factory=list)
    thumbs_pattern: str | None = None
    thumbs_from_s: float = 1.0
    thumbs_until_s: float = 0.0
    thumbs_fps: float = 1.0


def _enable(spans: list[tuple[float, float]]) -> str:
    return "+".join(f"between(t,{s:.3f},{e:.3f})" for s, e in spans)


def _thumbs(stream: graphs.Stream, overlays: Overlays) -> graphs.Stream:
    """Clean thumbnail candidates (before card and captions); select drops the others at once."""
    interval = 1.0 / max(1e-3, overlays.thumbs_fps)
    expr = (f"gte(t,{overlays.thumbs_from_s:.3f})*lte(t,{overlays.thumbs_until_s:.3f})*"
            f"(isnan(prev_selected_t)+gte(t-prev_selected_t,{interval:.3f}))")
    return graphs.chain(stream, ("select", {"expr": expr}), ("scale", {"out_range": "full"}), ("format", "yuvj420p"))


def video_graph(video: graphs.Stream, info: MediaInfo, moment: Moment, preset: Preset, overlays: Overlays,
                images: list[graphs.Stream] | None = None) -> tuple[graphs.Stream, graphs.Stream | None]:
    """Video: source -> crop path -> scale -> card images -> captions -> (picture, thumbnail candidates).

    ``images`` are the inputs of ``overlays.images``, in the same order."""
    render = preset.render
    # constant frame rate on the source's timestamps (variable-rate sources keep sync): first when
    # the source has more frames than the output needs, last (after captions) when it has fewer
    fps_first = info.fps <= 0 or info.fps > render.fps * 1.01
    fps = f"{render.fps:g}"
    # sample aspect, crop path / fit / letterbox: reframe
    picture = geometry(video, info, moment.crop, render.width_px, render.height_px, fps=fps if fps_first else None)
    picture = graphs.node(picture, "setsar", 1)
    thumbs = None
    if overlays.thumbs_pattern is not None:
        thumb_source, picture = graphs.split(picture, 2)
        thumbs = _thumbs(thumb_source, overlays)
    for image, (_, x, y, spans) in zip(images or [], overlays.images):
        if spans:
            picture = graphs.node([picture, image], "overlay", x=x, y=y, eof_action="repeat", enable=_enable(spans))
    if overlays.ass_name is not None:
        picture = graphs.node(picture, "subtitles", filename=overlays.ass_name, fontsdir=overlays.fonts_dir)
    if not fps_first:
        picture = graphs.node(picture, "fps", fps)
    return graphs.node(picture, "format", "yuv420p"), thumbs


def audio_graph(audio: graphs.Stream, preset: Preset, loudness: dict[str, str] | None) -> graphs.Stream:
    render = preset.render
    # async resampling on timestamps keeps audio on the video clock (variable-rate phone recordings)
    filters = audio_prep(render)
    if render.normalize_loudness and loudness:
        level = loudness_filters(render, loudness)
        filters += level
        if level[0][0] == "loudnorm":
            filters.append(("aresample", render.audio_rate_hz))  # loudnorm works at 192 kHz
    return graphs.chain(audio, *filters)


def encode_options(preset: Preset, title: str) -> dict[str, object]:
    """H.264 + AAC in MP4 the platforms accept: closed GOPs, BT.709, constant rate, moov at the front."""
    render = preset.render
    gop = max(1, int(round(render.fps * render.gop_s)))
    threads = x264_thread_args()
    return {
        "c:v": "libx264", **({"threads": threads[1]} if threads else {}), "preset": render.x264_preset, "crf": render.crf,
        "profile:v": "high", "pix_fmt": "yuv420p", "g": gop, "keyint_min": gop, "sc_threshold": 0, "flags": "+cgop",
        "color_primaries": "bt709", "color_trc": "bt709", "colorspace": "bt709", "color_range": "tv",
        "fps_mode": "cfr", "r": f"{render.fps:g}",
        "c:a": "aac", "b:a": f"{render.audio_bitrate_kbps}k", "ar": render.audio_rate_hz, "ac": 2,
        "movflags": "+faststart", "map_metadata": -1, "metadata": f"title={title}",
    }


def build_render_args(
    info: MediaInfo,
    moment: Moment,
    preset: Preset,
    *,
    ass_name: str | None,
    loudness: dict[str, str] | None,
    output: str,
    overlays: Overlays | None = None,
    images: list[tuple[str, int, int, list[tuple[float, float]]]] | None = None,
    duration_s: float | None = None,
) -> list[str]:
    """The render pass. ``images``: (file, x, y, spans) laid over the picture under the captions."""
    render = preset.render
    duration = moment.duration_s if duration_s is None else duration_s
    overlays = overlays or Overlays(ass_name=ass_name)
    if ass_name is not None:
        overlays.ass_name = ass_name
    overlays.images = list(images or [])
    source = span_source(info, moment, duration)  # the segments, joined on the reel's clock before anything else
    image_inputs = [graphs.source(file) for file, *_ in overlays.images]
    picture, thumbs = video_graph(join_video(source.video, moment.spans()), info, moment, preset, overlays, image_inputs)
    if info.has_audio:
        audio_in = join_audio(source["a:0"], moment.spans())
    else:
        audio_in = graphs.lavfi_input("anullsrc", r=render.audio_rate_hz, cl="stereo", t=f"{duration:.3f}").audio
    sound = audio_graph(audio_in, preset, loudness)
    title = re.sub(r"[\x00-\x1f\x7f]+", " ", moment.product_name)[:200]
    outputs = [graphs.output([picture, sound], output, f="mp4", **encode_options(preset, title))]
    if thumbs is not None:
        outputs.append(graphs.output([thumbs], overlays.thumbs_pattern, f="image2",
                                     **{"c:v": "mjpeg", "q:v": 2, "fps_mode": "passthrough"}))
    return graphs.compile_args(*outputs)
