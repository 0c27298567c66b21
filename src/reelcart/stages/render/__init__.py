"""Render each reel in one ffmpeg pass: trim, crop path, scale, captions, card, QR, loudness, encode.

Loudness is two-pass EBU R128: an audio-only pass measures the segment, the render pass applies
``loudnorm`` with the measured values (linear mode). The same render pass also writes a dozen
clean candidate frames (before captions) from which the thumbnail is picked. Work files (ASS, QR
image, fonts folder, candidate frames) sit in the run's work folder; ffmpeg runs there so the
filter graph names them by short relative paths that need no escaping.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ...artifacts import MANIFEST_FILE, atomic_path, write_text_atomic
from ...config import Preset
from ...errors import ConfigError, MediaError
from ...media.ffmpeg import escape_filter_value, run_ffmpeg
from ...media.fonts import RTL_LANGS, Face, prepare_fonts_dir, primary_face, text_script
from ...models import MediaInfo, Moment, Product, RenderedReel, Transcript
from ...resources import x264_thread_args
from ...handoff.platforms import platform as platform_spec
from . import thumbnail
from ..captions import (
    CardPlan,
    Layout,
    Page,
    build_ass,
    build_card,
    build_layout,
    build_pages,
    build_srt,
    reel_words,
)
from ..reframe import build_geometry_filter

log = logging.getLogger(__name__)

STAGE = "render"
VERSION = 2
FONTS_DIRNAME = "fonts"
THUMBS_DIRNAME = "thumbs"
THUMB_CANDIDATES = 10


def safe_stem(reel_id: str) -> str:
    """A file-name stem from a reel id (ids from a hand-edited plan are untrusted)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", reel_id).strip("-")[:60]
    if stem != reel_id:
        stem = f"{stem or 'reel'}-{hashlib.sha256(reel_id.encode()).hexdigest()[:6]}"
    return stem


# ----------------------------------------------------------------- loudness


def loudnorm_filter(config, measured: dict[str, str] | None) -> str:  # noqa: ANN001 - RenderConfig
    base = f"loudnorm=I={config.loudness_lufs:g}:TP={config.true_peak_dbtp:g}:LRA={config.loudness_range_lu:g}"
    if not measured:
        return base
    return (
        f"{base}:measured_I={measured['input_i']}:measured_TP={measured['input_tp']}:"
        f"measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}:"
        f"offset={measured['target_offset']}:linear=true"
    )


def audio_prep(config) -> str:  # noqa: ANN001 - RenderConfig
    """Resample on timestamps (sync for variable-rate sources) to the output rate and channel layout.

    Loudness is measured after this step, so a mono or 5.1 source is measured as the stereo
    the reel will carry (a mono track copied to two channels reads 3 LU louder)."""
    return (f"aresample={config.audio_rate_hz}:async=1:first_pts=0,"
            f"aformat=sample_rates={config.audio_rate_hz}:channel_layouts=stereo")


LIMITER_MARGIN_DB = 0.7  # sample-peak ceiling below the true-peak target (inter-sample and AAC overshoot)
LIMIT_CANDIDATES_DB = (0.0, 2.0, 4.0, 6.0, 9.0)  # extra gain tried in front of the limiter


def limiter_filter(config) -> str:  # noqa: ANN001 - RenderConfig
    limit = 10 ** ((config.true_peak_dbtp - LIMITER_MARGIN_DB) / 20)
    return f"alimiter=limit={limit:.4f}:attack=2:release=80:level=0:latency=1"


def loudness_filter(config, measured: dict[str, str]) -> str:  # noqa: ANN001 - RenderConfig
    """Second pass of the two-pass normalisation: the gain that brings the measured integrated
    loudness to the target and, when that gain would push peaks past the ceiling, a look-ahead
    limiter (latency compensated, so sync is kept) with the gain measured to land on the target
    after limiting (``gain_db`` from ``measure_loudness``)."""
    try:
        gain = float(measured.get("gain_db") or (config.loudness_lufs - float(measured["input_i"])))
        peak = float(measured["input_tp"])
    except (KeyError, ValueError):
        return loudnorm_filter(config, measured)
    chain = f"volume={gain:.2f}dB"
    if measured.get("limited") == "1" or peak + gain > config.true_peak_dbtp:
        chain += "," + limiter_filter(config)
    return chain


def _limited_gain(info: MediaInfo, moment: Moment, config, duration: float, base_gain: float) -> float:  # noqa: ANN001
    """Gain in front of the limiter that lands on the target: one audio-only pass tries a few
    gains side by side (asplit) and interpolates their integrated loudness."""
    gains = [base_gain + extra for extra in LIMIT_CANDIDATES_DB]
    branches = [f"[m{i}]volume={g:.2f}dB,{limiter_filter(config)},ebur128@g{i}[o{i}]" for i, g in enumerate(gains)]
    graph = (f"[0:a:0]{audio_prep(config)},asplit={len(gains)}"
             + "".join(f"[m{i}]" for i in range(len(gains))) + ";" + ";".join(branches))
    args = ["-ss", f"{moment.start_s:.3f}", "-t", f"{duration:.3f}", "-i", str(Path(info.path).resolve()), "-vn", "-sn",
            "-dn", "-filter_complex", graph]
    for i in range(len(gains)):
        args += ["-map", f"[o{i}]", "-f", "null", "-"]
    stderr = run_ffmpeg(args, what="loudness measurement (limited)", path=info.path)
    found = {int(name[len("ebur128@g"):]): values[0] for name, values in _ebur128_summaries(stderr).items()
             if name.startswith("ebur128@g")}
    points = sorted((gains[i], found[i]) for i in found)
    if len(points) < 2:
        return base_gain
    target = config.loudness_lufs
    for (g0, l0), (g1, l1) in zip(points, points[1:]):
        if l0 <= target <= l1 and l1 > l0:
            return g0 + (target - l0) * (g1 - g0) / (l1 - l0)
    return points[-1][0] if points[-1][1] < target else points[0][0]


def _ebur128_summaries(stderr: str) -> dict[str, tuple[float, float | None]]:
    """{instance name: (integrated LUFS, true peak dBTP or None)} from ebur128 summaries in a log."""
    out = {}
    pattern = r"\[(ebur128@\w+|Parsed_ebur128_\d+) @ [^\]]+\] Summary:(.*?)(?=\n\[|\Z)"
    for m in re.finditer(pattern, stderr, re.S):
        i = re.search(r"I:\s*(-?[\d.]+|-inf)\s*LUFS", m.group(2))
        tp = re.search(r"Peak:\s*(-?[\d.]+|-inf)\s*dBFS", m.group(2))
        if i:
            out[m.group(1)] = (float(i.group(1)), float(tp.group(1)) if tp else None)
    return out


def measure_loudness(info: MediaInfo, moment: Moment, config, duration_s: float | None = None) -> dict[str, str] | None:  # noqa: ANN001
    """First pass (audio only): the segment's integrated loudness and true peak, as the stereo
    48 kHz the reel will carry, and the gain to apply. None for silence or no audio."""
    if not info.has_audio:
        return None
    duration = moment.duration_s if duration_s is None else duration_s
    stderr = run_ffmpeg(
        ["-ss", f"{moment.start_s:.3f}", "-t", f"{duration:.3f}", "-i", str(Path(info.path).resolve()), "-vn", "-sn", "-dn",
         "-map", "0:a:0", "-af", audio_prep(config) + ",ebur128@src=peak=true", "-f", "null", "-"],
        what="loudness measurement", path=info.path,
    )
    summary = _ebur128_summaries(stderr).get("ebur128@src")
    if summary is None or summary[0] < -70:
        return None  # silence (or nothing measured): nothing to normalise
    integrated, peak = summary
    peak = peak if peak is not None else 0.0
    gain = config.loudness_lufs - integrated
    values = {"input_i": f"{integrated:.2f}", "input_tp": f"{peak:.2f}"}
    values["limited"] = "1" if peak + gain > config.true_peak_dbtp else "0"
    if values["limited"] == "1":
        gain = _limited_gain(info, moment, config, duration, gain)
    values["gain_db"] = f"{gain:.2f}"
    return values


def measure_output_loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a finished file, with ffmpeg's ebur128 meter."""
    stderr = run_ffmpeg(["-i", str(path), "-vn", "-sn", "-map", "0:a:0", "-af", "ebur128@out=peak=true", "-f", "null", "-"],
                        what="loudness check", path=path)
    summary = _ebur128_summaries(stderr).get("ebur128@out")
    if summary is None:
        raise MediaError("loudness check: no ebur128 summary", path=path)
    return summary[0], summary[1] if summary[1] is not None else float("nan")


# ----------------------------------------------------------------- filter graph


@dataclass
class Overlays:
    """Work files and positions the graph needs (names relative to the work folder)."""

    ass_name: str | None = None
    fonts_dir: str = FONTS_DIRNAME
    # (ffmpeg input index, x, y, spans): card and end-card images laid under the ASS text
    images: list[tuple[int, int, int, list[tuple[float, float]]]] = field(default_factory=list)
    thumbs_pattern: str | None = None
    thumbs_from_s: float = 1.0
    thumbs_until_s: float = 0.0
    thumbs_fps: float = 1.0


def _enable(spans: list[tuple[float, float]]) -> str:
    return "+".join(f"between(t,{s:.3f},{e:.3f})" for s, e in spans)


def build_video_filter(info: MediaInfo, moment: Moment, preset: Preset, ass_name: str | None,
                       overlays: Overlays | None = None) -> str:
    """Video graph: [0:v] -> crop path -> scale -> card images -> captions -> [v] (and [thumbs])."""
    render = preset.render
    overlays = overlays or Overlays(ass_name=ass_name)
    if ass_name is not None:
        overlays.ass_name = ass_name
    out_w, out_h = render.width_px, render.height_px
    # constant frame rate on the source's timestamps (variable-rate sources keep sync): first when
    # the source has more frames than the output needs, last (after captions) when it has fewer
    fps_first = info.fps <= 0 or info.fps > render.fps * 1.01
    # sample aspect, crop path / fit / letterbox: reframe.py
    graph = build_geometry_filter(info, moment.crop, out_w, out_h, lead=f"fps={render.fps:g}," if fps_first else "")
    graph += ",setsar=1"
    parts: list[str] = []
    label = "canvas"
    if overlays.thumbs_pattern is not None:
        # clean candidates (before card and captions); select drops the others at once
        interval = 1.0 / max(1e-3, overlays.thumbs_fps)
        graph += "[canvas0];[canvas0]split=2[thumbsrc][canvas]"
        parts.append(
            f"[thumbsrc]select='gte(t,{overlays.thumbs_from_s:.3f})*lte(t,{overlays.thumbs_until_s:.3f})*"
            f"(isnan(prev_selected_t)+gte(t-prev_selected_t,{interval:.3f}))',"
            f"scale=out_range=full,format=yuvj420p[thumbs]"
        )
    else:
        graph += "[canvas]"
    tail: list[str] = []
    for n, (index, x, y, spans) in enumerate(overlays.images):
        if not spans:
            continue
        tail.append(f"[{label}][{index}:v]overlay=x={x}:y={y}:eof_action=repeat:enable='{_enable(spans)}'[img{n}]")
        label = f"img{n}"
    if overlays.ass_name is not None:
        tail.append(
            f"[{label}]subtitles=filename={escape_filter_value(overlays.ass_name)}:"
            f"fontsdir={escape_filter_value(overlays.fonts_dir)}[subbed]"
        )
        label = "subbed"
    end = [] if fps_first else [f"fps={render.fps:g}"]
    tail.append(f"[{label}]{','.join([*end, 'format=yuv420p'])}[v]")
    return ";".join([graph, *parts, *tail])


def build_audio_filter(preset: Preset, loudness: dict[str, str] | None, input_label: str = "0:a:0") -> str:
    render = preset.render
    # async resampling on timestamps keeps audio on the video clock (variable-rate phone recordings)
    chain = [audio_prep(render)]
    if render.normalize_loudness and loudness:
        chain.append(loudness_filter(render, loudness))
        if chain[-1].startswith("loudnorm"):
            chain.append(f"aresample={render.audio_rate_hz}")  # loudnorm works at 192 kHz
    return f"[{input_label}]{','.join(chain)}[a]"


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
    inputs = ["-ss", f"{moment.start_s:.3f}", "-t", f"{duration:.3f}", "-i", str(Path(info.path).resolve())]
    index = 1
    overlays.images = []
    for file, x, y, spans in images or []:
        inputs += ["-i", file]
        overlays.images.append((index, x, y, spans))
        index += 1
    if info.has_audio:
        audio_label = "0:a:0"
    else:
        inputs += ["-f", "lavfi", "-t", f"{duration:.3f}", "-i", f"anullsrc=r={render.audio_rate_hz}:cl=stereo"]
        audio_label = f"{index}:a"
        index += 1
    graph = build_video_filter(info, moment, preset, ass_name, overlays) + ";" + build_audio_filter(preset, loudness, audio_label)
    gop = max(1, int(round(render.fps * render.gop_s)))
    title = re.sub(r"[\x00-\x1f\x7f]+", " ", moment.product_name)[:200]
    args = [
        *inputs,
        "-filter_complex", graph,
        "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", *x264_thread_args(), "-preset", render.x264_preset, "-crf", str(render.crf), "-profile:v", "high",
        "-pix_fmt", "yuv420p", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-flags", "+cgop",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
        "-fps_mode", "cfr", "-r", f"{render.fps:g}",
        "-c:a", "aac", "-b:a", f"{render.audio_bitrate_kbps}k", "-ar", str(render.audio_rate_hz), "-ac", "2",
        "-movflags", "+faststart", "-map_metadata", "-1", "-metadata", f"title={title}",
        "-f", "mp4", output,
    ]
    if overlays.thumbs_pattern is not None:
        args += ["-map", "[thumbs]", "-c:v", "mjpeg", "-q:v", "2", "-fps_mode", "passthrough", "-f", "image2",
                 overlays.thumbs_pattern]
    return args


# ----------------------------------------------------------------- one reel


@dataclass
class ReelPlan:
    """Everything the render pass needs, computed without running ffmpeg."""

    stem: str
    duration_s: float
    layout: Layout
    face: Face
    pages: list[Page]
    card: CardPlan | None
    link: str
    ass_text: str
    srt_text: str
    faces: list[Face]


def plan_reel(info: MediaInfo, moment: Moment, product: Product, transcript: Transcript, preset: Preset,
              *, link: str | None = None) -> ReelPlan:
    from ..package import reel_link

    plat = platform_spec(preset.package.platform)
    duration = moment.duration_s
    if duration > plat.max_duration_s + 1e-6:
        raise ConfigError(
            f"{moment.id} is {duration:.0f} s long; {plat.label} allows at most {plat.max_duration_s:.0f} s "
            "(lower moments.max_duration_s)"
        )
    captions = preset.captions
    layout = build_layout(captions, preset.render, plat)
    words = reel_words(transcript.words(), moment, case=captions.case)
    spoken = " ".join(w.text for w in words)
    face = primary_face(captions.font, captions.font_weight, spoken, transcript.language)
    pages = build_pages(words, captions, layout, face, transcript.language)
    link = link or reel_link(product.url, preset.package, info.path, moment.id)
    card_face = primary_face(preset.overlay.font or captions.font, captions.font_weight, product.name, transcript.language)
    rtl = transcript.language.split("-")[0] in RTL_LANGS or text_script(product.name) == "arabic"
    card = build_card(product, moment, preset.overlay, layout, face=card_face, weight=captions.font_weight, link=link,
                      rtl=rtl, duration_s=duration)
    ass_text = build_ass(pages, captions=captions, layout=layout, primary=face, language=transcript.language, card=card,
                         overlay=preset.overlay)
    faces = {face.ass_name: face}
    for page in pages:
        for tok in page.words:
            for f, _ in tok.runs:
                faces.setdefault(f.ass_name, f)
    for f in card.faces if card else []:
        faces.setdefault(f.ass_name, f)
    return ReelPlan(
        stem=safe_stem(moment.id), duration_s=duration, layout=layout, face=face, pages=pages, card=card, link=link,
        ass_text=ass_text, srt_text=build_srt(pages, transcript.language), faces=list(faces.values()),
    )


QR_BORDER_MODULES = 2


def qr_image(link: str, size_px: int):  # noqa: ANN201 - numpy uint8 (size, size) grey
    """The link as a QR code, black modules on white, whole pixels per module, centred in size_px."""
    import numpy as np
    import segno

    qr = segno.make(link, error="m", micro=False)
    modules = np.array([list(row) for row in qr.matrix], dtype=bool)
    n = modules.shape[0] + 2 * QR_BORDER_MODULES
    unit = max(1, size_px // n)
    code = np.kron(np.pad(modules, QR_BORDER_MODULES), np.ones((unit, unit), dtype=bool))
    out = np.full((size_px, size_px), 255, dtype=np.uint8)
    off = max(0, (size_px - code.shape[0]) // 2)
    side = min(size_px, code.shape[0])
    out[off: off + side, off: off + side] = np.where(code[:side, :side], 0, 255)
    return out


def _rounded_alpha(w: int, h: int, r: int):  # noqa: ANN202 - numpy float (h, w) in 0..1
    """Coverage of a w×h rectangle with corner radius r (antialiased edges)."""
    import numpy as np

    r = max(0, min(r, w // 2, h // 2))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    cx = np.clip(xs, r, w - r)
    cy = np.clip(ys, r, h - r)
    dist = np.hypot(xs - cx, ys - cy)
    return np.clip(r + 0.5 - dist, 0.0, 1.0) if r > 0 else np.ones((h, w), dtype=np.float32)


def _hex_bgr(hex_rgb: str) -> tuple[int, int, int]:
    return int(hex_rgb[5:7], 16), int(hex_rgb[3:5], 16), int(hex_rgb[1:3], 16)


def card_images(plan: ReelPlan, width_px: int, height_px: int) -> list[tuple[str, object, int, int, list[tuple[float, float]]]]:
    """(name, BGRA image, x, y, spans) of the card and the end card: boxes, dimming and QR codes."""
    import numpy as np

    card = plan.card
    out: list[tuple[str, object, int, int, list[tuple[float, float]]]] = []
    if card is None:
        return out
    colour = np.array(_hex_bgr(card.colour), dtype=np.float32)
    if card.card_box is not None and card.card_spans:
        x0, y0, x1, y1 = card.card_box
        alpha = _rounded_alpha(x1 - x0, y1 - y0, card.radius_px) * card.opacity
        img = np.zeros((y1 - y0, x1 - x0, 4), dtype=np.float32)
        img[..., :3] = colour
        img[..., 3] = alpha * 255
        if card.qr_card is not None:
            qx, qy, qs = card.qr_card
            code = qr_image(plan.link, qs).astype(np.float32)
            img[qy - y0: qy - y0 + qs, qx - x0: qx - x0 + qs, :3] = code[..., None]
            img[qy - y0: qy - y0 + qs, qx - x0: qx - x0 + qs, 3] = 255
        out.append(("card", img.round().astype(np.uint8), x0, y0, card.card_spans))
    if card.end_span is not None and card.end_box is not None:
        img = np.zeros((height_px, width_px, 4), dtype=np.float32)
        a_dim = np.full((height_px, width_px), card.dim, dtype=np.float32)
        x0, y0, x1, y1 = card.end_box
        a_panel = np.zeros_like(a_dim)
        a_panel[y0:y1, x0:x1] = _rounded_alpha(x1 - x0, y1 - y0, card.end_radius_px) * card.opacity
        a_out = a_panel + a_dim * (1 - a_panel)
        safe = np.maximum(a_out, 1e-6)
        img[..., :3] = (colour * a_panel[..., None]) / safe[..., None]  # panel over black
        img[..., 3] = a_out * 255
        if card.qr_end is not None:
            qx, qy, qs = card.qr_end
            code = qr_image(plan.link, qs).astype(np.float32)
            img[qy: qy + qs, qx: qx + qs, :3] = code[..., None]
            img[qy: qy + qs, qx: qx + qs, 3] = 255
        out.append(("end", img.round().astype(np.uint8), 0, 0, [card.end_span]))
    return out


def write_card_images(plan: ReelPlan, preset: Preset, work_dir: Path, stem: str) -> list[tuple[str, int, int, list[tuple[float, float]]]]:
    """Write the card images as PNG in the work folder; (relative name, x, y, spans) for the graph."""
    import cv2

    written = []
    for kind, img, x, y, spans in card_images(plan, preset.render.width_px, preset.render.height_px):
        name = f"{kind}-{stem}.png"
        with atomic_path(work_dir / name, suffix=".png") as tmp:
            if not cv2.imwrite(str(tmp), img):
                raise MediaError("cannot write the card image", path=work_dir / name)
        written.append((name, x, y, spans))
    return written


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
    plan = plan_reel(info, moment, product, transcript, preset, link=link)
    stem = plan.stem
    work_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    # a fonts folder per face set: libass loads only the faces this reel draws with
    key = hashlib.sha256("|".join(sorted(str(f.path) for f in plan.faces)).encode()).hexdigest()[:8]
    fonts_rel = f"{FONTS_DIRNAME}/{key}"
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
        run_ffmpeg(
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
        run_ffmpeg(
            ["-ss", f"{max(0.5, duration_s / 2):.3f}", "-i", str(video_file.resolve()), "-frames:v", "1", "-q:v", "2",
             "-f", "image2", str(tmp.resolve())],
            what=f"thumbnail of {moment.id}", path=video_file,
        )
