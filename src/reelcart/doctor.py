"""Checks for `reelcart doctor`: everything a user needs to debug an install."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass

from . import __version__


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def run_checks() -> list[Check]:
    checks = [Check("reelcart", True, f"{__version__} on Python {sys.version.split()[0]} ({platform.platform()}), {os.cpu_count()} cores")]
    try:
        from .ffmpeg import ENV_FFMPEG, ffmpeg_exe, ffmpeg_filters, ffmpeg_version

        exe = ffmpeg_exe()
        filters = ffmpeg_filters()
        needed = {"subtitles", "loudnorm", "crop", "scale", "boxblur", "overlay"}
        missing = needed - filters
        origin = f"${ENV_FFMPEG}" if os.environ.get(ENV_FFMPEG) else "imageio-ffmpeg wheel"
        detail = f"{ffmpeg_version()} at {exe} (from {origin})"
        checks.append(Check("ffmpeg", not missing, detail + (f"; missing filters: {', '.join(sorted(missing))}" if missing else "")))
    except Exception as exc:  # noqa: BLE001
        checks.append(Check("ffmpeg", False, str(exc)))
    try:
        import av

        checks.append(Check("decoder", True, f"PyAV {av.__version__}"))
    except Exception as exc:  # noqa: BLE001
        checks.append(Check("decoder", False, f"PyAV not importable: {exc}"))
    from .speech_models import ENV_CACHE, available_models, cache_dir, device_summary

    for row in available_models():
        detail = f"{row['languages']}; {row['source']}; {row['detail']}"
        checks.append(Check(f"model {row['name']}", bool(row["installed"]), detail, required=row["name"] == "base"))
    origin = f"${ENV_CACHE}" if os.environ.get(ENV_CACHE) else "platform cache folder"
    checks.append(Check("model cache", True, f"{cache_dir()} (from {origin})", required=False))
    checks.append(Check("speech device", True, device_summary(), required=False))
    checks.append(Check("other models", True, "any faster-whisper name (small, large-v3, …) downloads once with network; "
                        "or a local CTranslate2 folder (--model PATH)", required=False))
    try:
        import faster_whisper

        checks.append(Check("faster-whisper", True, faster_whisper.__version__))
    except Exception as exc:  # noqa: BLE001
        checks.append(Check("faster-whisper", False, str(exc)))
    try:
        import cv2

        from .stages.reframe import _face_detector

        detector = _face_detector()
        checks.append(Check("face detector", detector is not None, f"OpenCV {cv2.__version__} Haar frontal-face cascade" if detector is not None else f"OpenCV {cv2.__version__} has no Haar cascades (needs opencv-python-headless 4.x); motion tracking only"))
    except Exception as exc:  # noqa: BLE001
        checks.append(Check("face detector", False, str(exc)))
    from .fonts import BUNDLED, SYSTEM_CJK, bundled_font_path

    for family in BUNDLED:
        path = bundled_font_path(family)
        checks.append(Check(f"font {family}", path is not None, str(path) if path else "not installed"))
    cjk = next((p for p in SYSTEM_CJK if os.path.exists(p)), None)
    checks.append(Check("font CJK", cjk is not None, cjk or "no Noto Sans CJK (apt-get install fonts-noto-cjk) - Chinese/Japanese captions will lack glyphs", required=False))
    return checks
