"""`reelcart validate`: check a video file against a platform's upload rules (platforms.py).

Reads the container with PyAV (demuxing only, no decoding) and the MP4 box layout directly:
container, H.264 High profile, yuv420p, even dimensions and the 9:16 canvas, constant frame rate
inside the platform's range, closed GOPs (every keyframe an IDR picture), ``moov`` before
``mdat`` (+faststart), AAC audio at ≤ 48 kHz, audio and video of the same length, and the length
limit. Every failure is listed, not just the first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import InputError, MediaError
from ..handoff.platforms import PLATFORMS, Platform


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str


def top_level_boxes(path: Path, limit: int = 64) -> list[tuple[str, int, int]]:
    """(type, offset, size) of the MP4/MOV top-level boxes."""
    boxes = []
    size_total = path.stat().st_size
    with path.open("rb") as fh:
        offset = 0
        while offset < size_total and len(boxes) < limit:
            fh.seek(offset)
            head = fh.read(8)
            if len(head) < 8:
                break
            size, kind = struct.unpack(">I4s", head)
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
            elif size == 0:
                size = size_total - offset
            if size < 8:
                break
            boxes.append((kind.decode("latin-1"), offset, size))
            offset += size
    return boxes


def _nal_types(packet: bytes, length_size: int = 4) -> list[int]:
    """NAL unit types in an AVCC (length-prefixed) H.264 packet."""
    types, i = [], 0
    while i + length_size <= len(packet):
        n = int.from_bytes(packet[i : i + length_size], "big")
        if n <= 0 or i + length_size + n > len(packet):
            break
        types.append(packet[i + length_size] & 0x1F)
        i += length_size + n
    return types


@dataclass
class _Scan:
    pts: list[int]
    keyframes: int
    open_keyframes: int
    longest_gop: int


def _scan_video(container, stream) -> _Scan:  # noqa: ANN001 - PyAV objects
    extradata = stream.codec_context.extradata or b""
    length_size = (extradata[4] & 0x03) + 1 if len(extradata) > 4 and extradata[0] == 1 else 4
    pts: list[int] = []
    keyframes = open_keyframes = 0
    gop = longest = 0
    for packet in container.demux(stream):
        if packet.size == 0 or packet.pts is None:
            continue
        pts.append(packet.pts)
        gop += 1
        if packet.is_keyframe:
            keyframes += 1
            longest = max(longest, gop - 1)
            gop = 1
            if stream.codec_context.name == "h264" and 5 not in _nal_types(bytes(packet), length_size):
                open_keyframes += 1
    longest = max(longest, gop)
    return _Scan(sorted(pts), keyframes, open_keyframes, longest)


def validate_file(path: str | Path, platform: str) -> list[Finding]:
    import av

    path = Path(path)
    if platform not in PLATFORMS:
        raise InputError(f"unknown platform {platform!r} (known: {', '.join(sorted(PLATFORMS))})")
    spec: Platform = PLATFORMS[platform]
    if not path.is_file():
        raise InputError("file not found", path=path)
    out: list[Finding] = []

    def add(check: str, ok: bool, detail: str) -> None:
        out.append(Finding(check, ok, detail))

    try:
        container = av.open(str(path))
    except Exception as exc:  # noqa: BLE001 - PyAV raises many types
        raise MediaError(f"not a readable video ({exc})", path=path) from exc
    with container:
        fmt = container.format.name
        add("container", "mp4" in fmt.split(",") and path.suffix.lower() in (".mp4", ".m4v"),
            f"{path.suffix or 'no extension'} ({fmt})")
        boxes = [b[0] for b in top_level_boxes(path)]
        if "moov" in boxes and "mdat" in boxes:
            add("faststart", boxes.index("moov") < boxes.index("mdat"),
                "moov before mdat" if boxes.index("moov") < boxes.index("mdat") else "moov after mdat (needs +faststart)")
        else:
            add("faststart", False, f"top-level boxes: {', '.join(boxes[:8]) or 'none'}")
        if not container.streams.video:
            add("video", False, "no video stream")
            return out
        v = container.streams.video[0]
        cc = v.codec_context
        add("video codec", cc.name == "h264", cc.name)
        profile = (cc.profile or "").strip()
        add("H.264 profile", cc.name == "h264" and profile.lower() in ("high", "constrained high", "progressive high"),
            profile or "unknown")
        pix = getattr(cc, "pix_fmt", None) or str(v.format.name if v.format else "")
        add("pixel format", pix in ("yuv420p", "yuvj420p"), pix or "unknown")
        w, h = v.width, v.height
        add("even dimensions", w % 2 == 0 and h % 2 == 0, f"{w}x{h}")
        if (w, h) == (spec.width_px, spec.height_px):
            add("canvas", True, f"{w}x{h}")
        else:
            ratio_ok = h > 0 and abs(w / h - spec.width_px / spec.height_px) < 0.01 and h >= 1280
            add("canvas", ratio_ok, f"{w}x{h}, expected {spec.width_px}x{spec.height_px} (9:16, at least 720x1280)")
        scan = _scan_video(container, v)
        tb = v.time_base or Fraction(1, 90000)
        deltas = [b - a for a, b in zip(scan.pts, scan.pts[1:])]
        if deltas:
            deltas_sorted = sorted(deltas)
            median = deltas_sorted[len(deltas_sorted) // 2]
            fps = 1 / float(median * tb) if median > 0 else 0.0
            tolerance = max(1, int(median * 0.02))
            uneven = sum(1 for d in deltas if abs(d - median) > tolerance)
            add("constant frame rate", uneven == 0,
                f"{fps:.3f} fps" + ("" if uneven == 0 else f", {uneven} of {len(deltas)} frame intervals differ (variable frame rate)"))
            add("frame rate", spec.min_fps - 0.01 <= fps <= spec.max_fps + 0.01,
                f"{fps:.3f} fps (allowed {spec.min_fps:g}-{spec.max_fps:g})")
        else:
            add("frame rate", False, "fewer than two frames")
        if cc.name == "h264":
            add("closed GOP", scan.keyframes > 0 and scan.open_keyframes == 0,
                f"{scan.keyframes} keyframes, all IDR" if scan.open_keyframes == 0
                else f"{scan.open_keyframes} of {scan.keyframes} keyframes are not IDR (open GOP)")
        v_dur = float(v.duration * tb) if v.duration else (float((scan.pts[-1] - scan.pts[0] + (median if deltas else 0)) * tb) if scan.pts else 0.0)
        duration = float(container.duration / 1_000_000) if container.duration else v_dur
        add("length", spec.min_duration_s <= duration <= spec.max_duration_s,
            f"{duration:.2f} s (allowed {spec.min_duration_s:g}-{spec.max_duration_s:g} s)")
        if not container.streams.audio:
            add("audio", False, "no audio stream (platforms expect AAC audio)")
        else:
            a = container.streams.audio[0]
            add("audio codec", a.codec_context.name == "aac", a.codec_context.name)
            rate = a.codec_context.sample_rate or a.rate or 0
            add("audio sample rate", 0 < rate <= spec.max_audio_rate_hz, f"{rate} Hz (at most {spec.max_audio_rate_hz})")
            if a.duration and a.time_base and v_dur:
                a_dur = float(a.duration * a.time_base)
                add("audio/video length", abs(a_dur - v_dur) <= 0.1, f"audio {a_dur:.3f} s, video {v_dur:.3f} s")
    return out
