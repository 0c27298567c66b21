"""A clip that carries its own clock, and readers for it: every frame shows its frame number as
eight bit-bars across the top half (machine-readable after scaling and encoding) and as text in
the bottom half (drawtext, for a person looking at it); the audio beeps for 40 ms at every half
second. After a multi-segment render, each output frame's number and each beep's onset say which
source time is playing at which reel time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelcart.ffmpeg import run_ffmpeg

FPS = 25
BITS = 9  # frame numbers up to 511 (20 s at 25 fps)
BEEP_EVERY_S = 0.5
BEEP_S = 0.04
AUDIO_RATE_HZ = 48000


def make_timecode_clip(path: Path, *, duration_s: float = 16.0, width_px: int = 144, height_px: int = 256) -> Path:
    bars = (f"geq=lum='if(lt(Y,H/2),255*mod(floor(N/pow(2,floor(X*{BITS}/W))),2),if(lt(Y,H*0.55),128,40))'"
            ":cb=128:cr=128")
    text = "drawtext=text='%{frame_num}':x=(w-tw)/2:y=h*0.7:fontsize=h/10:fontcolor=white"
    beeps = f"aevalsrc='0.6*sin(2*PI*1000*t)*lt(mod(t,{BEEP_EVERY_S}),{BEEP_S})':s={AUDIO_RATE_HZ}:d={duration_s}"
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=gray:s={width_px}x{height_px}:r={FPS}:d={duration_s}",
                "-f", "lavfi", "-i", beeps, "-vf", f"{bars},{text},format=yuv420p",
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-g", str(FPS), "-c:a", "aac", "-b:a", "192k",
                "-shortest", str(path)], what="timecode clip")
    return path


def frame_number(gray: np.ndarray) -> int:
    """The frame number a picture shows (its bit-bars: bar k, from the left, is bit k)."""
    h, w = gray.shape
    band = gray[int(h * 0.1): int(h * 0.4)]
    bits = [float(band[:, int((k + 0.5) * w / BITS)].mean()) > 128 for k in range(BITS)]
    return sum(1 << k for k, on in enumerate(bits) if on)


def frames_pyav(path: Path) -> list[tuple[float, int]]:
    """(presentation time, frame number shown) of every frame, decoded with PyAV."""
    import av

    out = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            out.append((float(frame.pts * stream.time_base), frame_number(frame.to_ndarray(format="gray"))))
    return out


def frames_opencv(path: Path) -> list[tuple[float, int]]:
    """The same with OpenCV's reader (its own demuxer and decoder path), frame index / fps as the time."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or FPS
    out = []
    index = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        out.append((index / fps, frame_number(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))))
        index += 1
    capture.release()
    return out


def beep_onsets(path: Path) -> list[float]:
    """Times at which a beep starts in the file's first audio track."""
    import av

    chunks = []
    rate = AUDIO_RATE_HZ
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        start = None
        for frame in container.decode(stream):
            if start is None:
                start = float(frame.pts * stream.time_base) if frame.pts is not None else 0.0
            rate = frame.sample_rate
            data = frame.to_ndarray()
            chunks.append(data.mean(axis=0) if data.ndim > 1 else data)
    samples = np.abs(np.concatenate(chunks).astype(np.float64))
    window = max(1, int(rate * 0.005))
    envelope = np.convolve(samples, np.ones(window) / window, mode="same")
    loud = envelope > 0.25 * envelope.max()
    rises = np.nonzero(loud[1:] & ~loud[:-1])[0] + 1
    onsets: list[float] = []
    for i in rises:
        t = (start or 0.0) + (i - window / 2) / rate
        if not onsets or t - onsets[-1] > BEEP_EVERY_S / 2:
            onsets.append(t)
    return onsets
