"""What the probe and audio stages found in the recording."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .base import Artifact


# ----------------------------------------------------------------- probe


class MediaInfo(Artifact):
    path: str
    container: str
    duration_s: float
    size_bytes: int
    has_video: bool
    width_px: int = 0
    height_px: int = 0
    display_width_px: int = 0
    display_height_px: int = 0
    rotation_deg: int = 0
    fps: float = 0.0
    video_codec: str | None = None
    pix_fmt: str | None = None
    sample_aspect: float = 1.0
    has_audio: bool = False
    audio_codec: str | None = None
    audio_rate_hz: int = 0
    audio_channels: int = 0
    creation_time: datetime | None = None


# ----------------------------------------------------------------- audio


class AudioTrack(Artifact):
    wav_file: str = Field(description="16 kHz mono PCM WAV, relative to the work folder")
    sample_rate_hz: int = 16000
    duration_s: float
    sha256: str | None = Field(None, description="SHA-256 of the PCM samples (the transcript's cache key)")
