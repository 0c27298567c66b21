"""Synthetic media and read-back helpers for the render tests (lavfi sources, PyAV decoding)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelcart.config import Preset, load_preset
from reelcart.media.ffmpeg import run_ffmpeg
from reelcart.models import Moment, Product, ScoreParts, Segment, TimeRange, Transcript, Word
from reelcart.media import probe

SCORE = ScoreParts(sales_lift=1, pitch=1, call_to_action=1, speech_density=1, stale_penalty=0, total=1)

# speech-like programme: pink noise with a syllable-rate envelope, about -26 LUFS before normalisation
SPEECHLIKE = (
    "anoisesrc=color=pink:amplitude=0.25:sample_rate=48000:seed=7:d={d},"
    "volume='0.35+0.65*abs(sin(2*PI*2.7*t))*abs(sin(2*PI*0.31*t))':eval=frame,"
    "highpass=f=120,lowpass=f=6000"
)


def make_clip(path: Path, *, width: int = 1280, height: int = 720, fps: int = 30, duration: float = 6.0,
              background: str = "testsrc2", audio: str | None = "speech", video_filter: str | None = None) -> Path:
    """An H.264/AAC clip from lavfi sources (``background``: testsrc2 or a colour like 0x203040)."""
    if background == "testsrc2":
        vsrc = f"testsrc2=s={width}x{height}:r={fps}:d={duration}"
    else:
        vsrc = f"color=c={background}:s={width}x{height}:r={fps}:d={duration}"
    args = ["-f", "lavfi", "-i", vsrc]
    if audio == "speech":
        args += ["-f", "lavfi", "-i", SPEECHLIKE.format(d=duration)]
    elif audio is not None:
        args += ["-f", "lavfi", "-i", audio]
    if video_filter:
        args += ["-vf", video_filter]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", "-g", str(fps)]
    if audio is not None:
        args += ["-c:a", "aac", "-b:a", "128k", "-shortest"]
    args += [str(path)]
    run_ffmpeg(args, what="test clip")
    return path


def transcript(words: list[tuple[str, float, float]], language: str = "en") -> Transcript:
    ws = [Word(text=t, start_s=s, end_s=e) for t, s, e in words]
    return Transcript(
        model="test", language=language, language_probability=1.0,
        windows=[TimeRange(start_s=0, end_s=ws[-1].end_s)],
        segments=[Segment(start_s=ws[0].start_s, end_s=ws[-1].end_s, text=" ".join(t for t, _, _ in words), words=ws)],
        audio_s=ws[-1].end_s,
    )


def timed_words(tokens: list[str], start: float, step: float, length: float = 0.3) -> list[tuple[str, float, float]]:
    return [(t, round(start + i * step, 3), round(start + i * step + length, 3)) for i, t in enumerate(tokens)]


def moment(start: float, end: float, *, cta: float | None = None, reel_id: str = "reel-1", name: str = "P",
           sku: str = "A") -> Moment:
    return Moment(id=reel_id, sku=sku, product_name=name, start_s=start, end_s=end, pitch_start_s=start,
                  cta_start_s=cta, score=SCORE)


def product(name: str = "Velvet Glow Serum", url: str = "https://shop.example.com/p/serum?variant=2",
            price: float | None = 24.9) -> Product:
    return Product(sku="A", name=name, url=url, price=price, currency="USD")


def preset(name: str = "default", **sets: object) -> Preset:
    """A built-in preset with fields overridden: ``render__width_px=480`` sets render.width_px."""
    layers = []
    for key, value in sets.items():
        section, field = key.split("__", 1)
        layers.append({section: {field: value}})
    return load_preset(name, layers)


def info_of(path: Path):  # noqa: ANN201 - MediaInfo
    return probe.probe_media(path)


def video_frames(path: Path) -> list[tuple[float, np.ndarray]]:
    """Every decoded frame as (time in s, RGB array), decoded with PyAV."""
    import av

    out = []
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            out.append((float(frame.time), frame.to_ndarray(format="rgb24")))
    return out


def frame_at(frames: list[tuple[float, np.ndarray]], t: float) -> np.ndarray:
    return min(frames, key=lambda f: abs(f[0] - t))[1]


def audio_samples(path: Path) -> tuple[np.ndarray, int, float]:
    """(mono float samples, rate, time of the first sample) decoded with PyAV."""
    import av

    chunks, rate, first = [], 0, None
    with av.open(str(path)) as c:
        for frame in c.decode(audio=0):
            rate = frame.sample_rate
            if first is None:
                first = float(frame.time or 0.0)
            arr = frame.to_ndarray()
            if arr.ndim == 2 and arr.shape[0] > 1 and not frame.format.is_planar:
                arr = arr.reshape(-1, frame.layout.nb_channels).T
            chunks.append(arr.astype(np.float64).mean(axis=0) if arr.ndim == 2 else arr.astype(np.float64))
    return np.concatenate(chunks), rate, first or 0.0


def colour_mask(rgb: np.ndarray, hex_rgb: str, tol: int = 45) -> np.ndarray:
    target = np.array([int(hex_rgb[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int32)
    return (np.abs(rgb.astype(np.int32) - target).max(axis=2) <= tol)


def bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())
