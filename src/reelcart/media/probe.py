"""Probe a recording with PyAV (the embedded ffmpeg has no ffprobe)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from pathlib import Path

from ..errors import InputError
from ..models import MediaInfo

STAGE = "probe"
VERSION = 2


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _rotation(stream) -> int:  # noqa: ANN001 - av stream
    """Display rotation in degrees (0, 90, 180, 270) from side data or the legacy 'rotate' tag."""
    angle = 0.0
    try:
        frame_rotation = getattr(stream.codec_context, "display_matrix", None)  # newer PyAV
        if frame_rotation is not None:
            angle = float(frame_rotation)
    except Exception:  # noqa: BLE001 - attribute availability differs by PyAV version
        angle = 0.0
    tag = stream.metadata.get("rotate")
    if tag:
        try:
            angle = float(tag)
        except ValueError:
            pass
    side = getattr(stream, "side_data", None)
    if side is not None and not angle:
        try:
            for key in ("DISPLAYMATRIX", "displaymatrix"):
                if key in side:
                    angle = -float(side[key])
        except Exception:  # noqa: BLE001
            pass
    return int(round(angle)) % 360


def _first_frame_rotation(container, stream) -> int:  # noqa: ANN001 - av container and stream
    """Rotation of the first decoded frame (PyAV ≥ 13 exposes the display matrix on frames only)."""
    try:
        for frame in container.decode(stream):
            return int(round(float(getattr(frame, "rotation", 0) or 0))) % 360
    except Exception:  # noqa: BLE001 - a broken first frame must not fail the probe
        return 0
    return 0


def probe_media(path: Path) -> MediaInfo:
    import av

    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a folder, not a recording", path=path)
    size = path.stat().st_size
    if size == 0:
        raise InputError("file is empty (0 bytes)", path=path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable media file ({exc.__class__.__name__}: {getattr(exc, 'strerror', None) or exc})", path=path) from exc
    with container:
        video = next((s for s in container.streams.video if s.codec_context is not None), None)
        audio = next(iter(container.streams.audio), None)
        if video is None and audio is None:
            raise InputError("no audio or video stream found", path=path)
        duration_s = 0.0
        if container.duration:
            duration_s = container.duration / 1_000_000
        for stream in (video, audio):
            if stream is not None and stream.duration and stream.time_base:
                duration_s = max(duration_s, float(stream.duration * stream.time_base))
        if duration_s <= 0:
            raise InputError("recording has no duration (truncated or not a media file)", path=path)
        info = MediaInfo(
            path=str(path.resolve()),
            container=container.format.name,
            duration_s=round(duration_s, 3),
            size_bytes=size,
            has_video=video is not None,
            creation_time=_parse_time(container.metadata.get("creation_time")),
        )
        if video is not None:
            cc = video.codec_context
            rate = video.average_rate or video.guessed_rate or Fraction(0)
            sar = cc.sample_aspect_ratio or Fraction(1)
            rotation = _rotation(video) or _first_frame_rotation(container, video)
            width, height = int(cc.width), int(cc.height)
            disp_w = int(round(width * float(sar))) if sar else width
            disp_h = height
            if rotation in (90, 270):
                disp_w, disp_h = disp_h, disp_w
            info.width_px, info.height_px = width, height
            info.display_width_px, info.display_height_px = disp_w - disp_w % 2, disp_h - disp_h % 2
            info.rotation_deg = rotation
            info.fps = round(float(rate), 3) if rate else 0.0
            info.video_codec = cc.name
            info.pix_fmt = cc.format.name if cc.format else None
            info.sample_aspect = float(sar) if sar else 1.0
            if width <= 0 or height <= 0:
                raise InputError("video stream has no frame size (corrupt header)", path=path)
        if audio is not None:
            info.has_audio = True
            info.audio_codec = audio.codec_context.name
            info.audio_rate_hz = int(audio.codec_context.sample_rate or 0)
            info.audio_channels = int(audio.codec_context.channels or 0)
    return info


MAX_DURATION_S = 36 * 3600  # the 16 kHz 16-bit speech track must stay under the 4 GiB WAV limit (~37.3 h)


def check_recording(info: MediaInfo) -> None:
    """The checks `reelcart run` needs: a video track, an audio track, a duration it can handle."""
    if info.duration_s > MAX_DURATION_S:
        raise InputError(f"recording is {info.duration_s / 3600:.1f} h long; reelcart handles at most "
                         f"{MAX_DURATION_S // 3600} h: cut it into parts", path=info.path)
    if not info.has_video:
        raise InputError("no video track (audio-only file); reelcart needs a video recording", path=info.path)
    if not info.has_audio:
        raise InputError("no audio track; reelcart needs the host's voice to find the pitch", path=info.path)
