"""Render each reel in one ffmpeg pass: trim, crop path, scale, captions, card, QR, loudness, encode.

Loudness is two-pass EBU R128: an audio-only pass measures the segment, the render pass applies
``loudnorm`` with the measured values (linear mode). The same render pass also writes a dozen
clean candidate frames (before captions) from which the thumbnail is picked. Work files (ASS, QR
image, fonts folder, candidate frames) sit in the run's work folder; ffmpeg runs there so the
filter graph names them by short relative paths that need no escaping.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..artifacts import atomic_path, write_text_atomic
from ..config import Preset
from ..errors import ConfigError, MediaError
from ..ffmpeg import escape_filter_value, run_ffmpeg
from ..fonts import RTL_LANGS, Face, prepare_fonts_dir, primary_face, text_script
from ..models import MediaInfo, Moment, Product, RenderedReel, Transcript
from ..platforms import platform as platform_spec
from . import thumbnail
from .captions import (
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
from .reframe import crop_x_expression

log = logging.getLogger(__name__)

STAGE = "render"
VERSION = 2
FONTS_DIRNAME = "fonts"
THUMBS_DIRNAME = "thumbs"
THUMB_CANDIDATES = 12


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
    found = {int(m.group(1)): float(m.group(2))
             for m in re.finditer(r"\[ebur128@g(\d+) @ [^\]]+\] Summary:\s*\n\s*Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+)", stderr)}
    points = sorted((gains[i], found[i]) for i in found)
    if len(points) < 2:
        return base_gain
    target = config.loudness_lufs
    for (g0, l0), (g1, l1) in zip(points, points[1:]):
        if l0 <= target <= l1 and l1 > l0:
            return g0 + (target - l0) * (g1 - g0) / (l1 - l0)
    return points[-1][0] if points[-1][1] < target else points[0][0]


def parse_loudnorm(stderr: str) -> dict[str, str] | None:
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr, re.S)
    if not match:
        return None
    return json.loads(match.group(0))


def measure_loudness(info: MediaInfo, moment: Moment, config, duration_s: float | None = None) -> dict[str, str] | None:  # noqa: ANN001
    """First pass: the segment's loudness (audio only). None for silence or no audio."""
    if not info.has_audio:
        return None
    duration = moment.duration_s if duration_s is None else duration_s
    stderr = run_ffmpeg(
        ["-ss", f"{moment.start_s:.3f}", "-t", f"{duration:.3f}", "-i", str(Path(info.path).resolve()), "-vn", "-sn", "-dn",
         "-map", "0:a:0", "-af", audio_prep(config) + "," + loudnorm_filter(config, None) + ":print_format=json",
         "-f", "null", "-"],
        what="loudness measurement", path=info.path,
    )
    values = parse_loudnorm(stderr)
    if values is None:
        return None
    try:
        if float(values["input_i"]) < -70:
            return None  # silence: nothing to normalise
        gain = config.loudness_lufs - float(values["input_i"])
        peak = float(values["input_tp"])
    except ValueError:
        return None
    values["limited"] = "1" if peak + gain > config.true_peak_dbtp else "0"
    if values["limited"] == "1":
        gain = _limited_gain(info, moment, config, duration, gain)
    values["gain_db"] = f"{gain:.2f}"
    return values


def measure_output_loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a finished file, with ffmpeg's ebur128 meter."""
    stderr = run_ffmpeg(["-i", str(path), "-vn", "-sn", "-map", "0:a:0", "-af", "ebur128=peak=true", "-f", "null", "-"],
                        what="loudness check", path=path)
    summary = stderr[stderr.rfind("Summary:"):]
    i = re.search(r"I:\s*(-?[\d.]+|-inf)\s*LUFS", summary)
    tp = re.search(r"Peak:\s*(-?[\d.]+|-inf)\s*dBFS", summary)
    if not i:
        raise MediaError("loudness check: no ebur128 summary", path=path)
    return float(i.group(1)), float(tp.group(1)) if tp else float("nan")


# ----------------------------------------------------------------- filter graph


@dataclass
class Overlays:
    """Work files and positions the graph needs (names relative to the work folder)."""

    ass_name: str | None = None
    fonts_dir: str = FONTS_DIRNAME
    qr_input: int | None = None  # ffmpeg input index of the QR image
    qr_card: tuple[int, int, int] | None = None
    card_spans: list[tuple[float, float]] | None = None
    qr_end: tuple[int, int, int] | None = None
    end_span: tuple[float, float] | None = None
    thumbs_pattern: str | None = None
    thumbs_from_s: float = 1.0
    thumbs_until_s: float = 0.0
    thumbs_fps: float = 1.0


def _enable(spans: list[tuple[float, float]]) -> str:
    return "+".join(f"between(t,{s:.3f},{e:.3f})" for s, e in spans)


def build_video_filter(info: MediaInfo, moment: Moment, preset: Preset, ass_name: str | None,
                       overlays: Overlays | None = None) -> str:
    """Video graph: [0:v] -> crop path -> scale -> captions/card -> QR -> [v] (and [thumbs])."""
    render = preset.render
    overlays = overlays or Overlays(ass_name=ass_name)
    if ass_name is not None:
        overlays.ass_name = ass_name
    out_w, out_h = render.width_px, render.height_px
    # constant frame rate on the source's timestamps (variable-rate sources keep sync): before the
    # crop when the source has more frames than the output needs, after the scale when it has fewer
    fps_first = info.fps <= 0 or info.fps > render.fps * 1.01
    steps: list[str] = [f"fps={render.fps:g}"] if fps_first else []
    if abs(info.sample_aspect - 1.0) > 1e-3:
        steps.append("scale=trunc(iw*sar/2)*2:ih,setsar=1")
    crop = moment.crop
    if crop is None or crop.mode == "none":
        chain = [*steps, f"scale={out_w}:{out_h}:force_original_aspect_ratio=decrease:flags=lanczos",
                 f"pad={out_w}:{out_h}:(ow-iw)/2:(oh-ih)/2:color=black"]
        graph = f"[0:v]{','.join(chain)}"
    elif crop.mode == "fit":
        pre = ",".join(steps) + ","
        graph = (
            f"[0:v]{pre}split=2[bgsrc][fgsrc];"
            f"[bgsrc]scale={out_w}:{out_h}:force_original_aspect_ratio=increase,crop={out_w}:{out_h},boxblur=24:2[bg];"
            f"[fgsrc]scale={out_w}:-2:flags=lanczos[fg];[bg][fg]overlay=(W-w)/2:(H-h)/2"
        )
    else:
        x_expr = crop_x_expression(crop.keyframes)
        y = crop.keyframes[0].y_px
        chain = [*steps, f"crop=w={crop.width_px}:h={crop.height_px}:x='{x_expr}':y={y}",
                 f"scale={out_w}:{out_h}:flags=lanczos"]
        graph = f"[0:v]{','.join(chain)}"
    graph += ",setsar=1" + ("" if fps_first else f",fps={render.fps:g}")
    parts: list[str] = []
    label = "canvas"
    if overlays.thumbs_pattern is not None:
        graph += "[canvas0];[canvas0]split=2[canvas][thumbsrc]"
        parts.append(
            f"[thumbsrc]trim=start={overlays.thumbs_from_s:.3f}:end={overlays.thumbs_until_s:.3f},"
            f"fps={overlays.thumbs_fps:.5f},scale=out_range=full,format=yuvj420p[thumbs]"
        )
    else:
        graph += "[canvas]"
    tail: list[str] = []
    if overlays.ass_name is not None:
        tail.append(
            f"[{label}]subtitles=filename={escape_filter_value(overlays.ass_name)}:"
            f"fontsdir={escape_filter_value(overlays.fonts_dir)}[subbed]"
        )
        label = "subbed"
    qr_uses = []
    if overlays.qr_input is not None:
        if overlays.qr_card and overlays.card_spans:
            qr_uses.append((overlays.qr_card, overlays.card_spans))
        if overlays.qr_end and overlays.end_span:
            qr_uses.append((overlays.qr_end, [overlays.end_span]))
    if qr_uses:
        names = [f"qr{i}" for i in range(len(qr_uses))]
        src = f"[{overlays.qr_input}:v]format=rgba"
        if len(qr_uses) > 1:
            tail.append(f"{src},split={len(qr_uses)}" + "".join(f"[{n}src]" for n in names))
        else:
            tail.append(f"{src}[{names[0]}src]")
        for n, ((x, y, size), spans) in zip(names, qr_uses):
            tail.append(f"[{n}src]scale={size}:{size}:flags=neighbor[{n}]")
            tail.append(f"[{label}][{n}]overlay=x={x}:y={y}:eof_action=repeat:enable='{_enable(spans)}'[{label}{n}]")
            label = f"{label}{n}"
    tail.append(f"[{label}]format=yuv420p[v]")
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
    qr_file: str | None = None,
    duration_s: float | None = None,
) -> list[str]:
    render = preset.render
    duration = moment.duration_s if duration_s is None else duration_s
    overlays = overlays or Overlays(ass_name=ass_name)
    inputs = ["-ss", f"{moment.start_s:.3f}", "-t", f"{duration:.3f}", "-i", str(Path(info.path).resolve())]
    index = 1
    if qr_file is not None:
        inputs += ["-i", qr_file]
        overlays.qr_input = index
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
        "-c:v", "libx264", "-preset", render.x264_preset, "-crf", str(render.crf), "-profile:v", "high",
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
    from .package import reel_link

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


def write_qr(link: str, target: Path) -> None:
    """The tracked link as a QR code PNG (black on white, quiet zone of two modules)."""
    import segno

    qr = segno.make(link, error="m", micro=False)
    with atomic_path(target) as tmp:
        qr.save(str(tmp), kind="png", scale=8, border=2, dark="#000000", light="#FFFFFF")


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
    qr_file = None
    card = plan.card
    if card is not None and preset.overlay.qr_code and (card.qr_card or card.qr_end):
        qr_file = f"qr-{stem}.png"
        write_qr(plan.link, work_dir / qr_file)
        overlays.qr_card, overlays.card_spans = card.qr_card, card.card_spans
        overlays.qr_end, overlays.end_span = card.qr_end, card.end_span
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
    with atomic_path(video_file) as tmp:
        run_ffmpeg(
            build_render_args(info, moment, preset, ass_name=ass_name, loudness=loudness, output=str(tmp.resolve()),
                              overlays=overlays, qr_file=qr_file, duration_s=plan.duration_s),
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
