"""Extract the speech track: 16 kHz mono PCM WAV, read later in windows (flat memory).

ffmpeg streams the decode to disk, and the samples are hashed in blocks (SHA-256 of the PCM data,
about 0.3 s for 4 hours of audio), so the transcript can be cached by what the audio *is*, not by
the file it came from: a re-muxed or re-tagged recording with the same sound reuses it.
"""

from __future__ import annotations

import hashlib
import wave
from pathlib import Path

import numpy as np

from ..artifacts import atomic_path
from ..errors import MediaError
from ..media import graphs
from ..media.ffmpeg import run_ffmpeg
from ..models import AudioTrack, MediaInfo

STAGE = "audio"
VERSION = 2
SAMPLE_RATE_HZ = 16000
WAV_NAME = "audio-16k.wav"


def build_extract_args(source: str, target: str) -> list[str]:
    # keep the audio on the video's clock: fill gaps, drop overlaps
    track = graphs.node(graphs.source(source)["a:0"], "aresample", **{"async": 1, "first_pts": 0})
    return graphs.compile_args(graphs.output([track], target, f="wav", ac=1, ar=SAMPLE_RATE_HZ, **{"c:a": "pcm_s16le"}))


def extract_audio(info: MediaInfo, work_dir: Path) -> AudioTrack:
    target = work_dir / WAV_NAME
    with atomic_path(target) as tmp:  # checked before the rename: a bad file never replaces a good cache
        run_ffmpeg(build_extract_args(info.path, str(tmp)), what="audio extraction", path=info.path)
        duration_s, digest = pcm_digest(tmp)
        if duration_s <= 0:
            raise MediaError("audio track decoded to nothing", path=info.path)
        if duration_s < info.duration_s - max(3.0, 0.1 * info.duration_s):  # index promises more than the data holds
            raise MediaError(f"recording is truncated: its audio ends at {duration_s:.1f} s of the "
                             f"{info.duration_s:.1f} s its header promises", path=info.path)
    return AudioTrack(wav_file=WAV_NAME, sample_rate_hz=SAMPLE_RATE_HZ, duration_s=round(duration_s, 3), sha256=digest)


def pcm_digest(wav_path: Path, block_frames: int = 1 << 20) -> tuple[float, str]:
    """(duration in seconds, SHA-256 of the PCM samples) of a WAV, read in blocks."""
    digest = hashlib.sha256()
    with wave.open(str(wav_path), "rb") as wav:
        rate, frames = wav.getframerate(), wav.getnframes()
        digest.update(f"{rate}:{wav.getnchannels()}:{wav.getsampwidth()}:".encode())
        while True:
            block = wav.readframes(block_frames)
            if not block:
                break
            digest.update(block)
    return frames / rate, digest.hexdigest()


def read_window(wav_path: Path, start_s: float, end_s: float) -> np.ndarray:
    """Float32 samples of [start_s, end_s) from a 16-bit mono WAV, without reading the rest."""
    with wave.open(str(wav_path), "rb") as wav:
        rate = wav.getframerate()
        total = wav.getnframes()
        first = max(0, min(total, int(round(start_s * rate))))
        last = max(first, min(total, int(round(end_s * rate))))
        wav.setpos(first)
        raw = wav.readframes(last - first)
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
