"""Checks for `reelcart doctor`: everything a user needs to debug an install."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass

from .. import __version__


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def run_checks(preset=None, transcript=None) -> list[Check]:  # noqa: ANN001 - Preset, Path
    checks = [Check("reelcart", True, f"{__version__} on Python {sys.version.split()[0]} ({platform.platform()}), {os.cpu_count()} cores")]
    try:
        from ..media.ffmpeg import (
            ENV_FFMPEG,
            ffmpeg_exe,
            ffmpeg_filters,
            ffmpeg_version,
        )

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
    from ..speech.models import ENV_CACHE, available_models, cache_dir, device_summary

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

        from ..stages.reframe.subjects import default_face_detector

        detector = default_face_detector()
        checks.append(Check("face detector", detector is not None, f"OpenCV {cv2.__version__} Haar frontal-face cascade" if detector is not None else f"OpenCV {cv2.__version__} has no Haar cascades (needs opencv-python-headless 4.x); motion tracking only"))
    except Exception as exc:  # noqa: BLE001
        checks.append(Check("face detector", False, str(exc)))
    checks += font_checks(preset, transcript)
    return checks


def _load_transcript(path):  # noqa: ANN001, ANN202 - Path -> Transcript
    import json
    from pathlib import Path

    from ..errors import InputError
    from ..models import Transcript

    path = Path(path)
    if path.is_dir():
        candidates = [path / "work" / "transcribe.json", path / "transcribe.json"]
        path = next((c for c in candidates if c.is_file()), candidates[0])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read transcript ({exc})", path=path) from exc
    return Transcript.model_validate(data.get("artifact", data))


def font_checks(preset=None, transcript=None) -> list[Check]:  # noqa: ANN001
    """Caption faces per script, and glyph coverage of a transcript's text by the faces reelcart picks."""
    from ..config import Preset
    from ..media.fonts import (
        FAMILIES,
        SCRIPT_SAMPLES,
        bundled_font_path,
        face_runs,
        missing_glyphs,
        primary_face,
        resolve_face,
    )

    preset = preset or Preset()
    cap = preset.captions
    checks: list[Check] = []
    for fam in FAMILIES.values():
        path = bundled_font_path(fam.name)
        kind = "variable, instanced at the caption weight on first use" if fam.variable else "static"
        checks.append(Check(f"font {fam.name}", path is not None,
                            f"{path} ({kind})" if path else f"package {fam.module} not installed"))
    preferred = resolve_face(cap.font, cap.font_weight)
    if preferred.path is None:
        checks.append(Check("caption font", False, f"{cap.font!r} is not bundled and not a font file: reelcart cannot check its "
                            "glyphs (libass looks it up through fontconfig)", required=False))
    texts = dict(SCRIPT_SAMPLES)
    language = None
    if transcript is not None:
        t = _load_transcript(transcript)
        language = t.language
        texts = {f"transcript ({t.language})": " ".join(w.text for w in t.words())}
    for script, text in texts.items():
        face = primary_face(cap.font, cap.font_weight, text, language if transcript is not None else None)
        lacking_preferred = sorted(missing_glyphs(text, preferred.path)) if preferred.path else []
        missing: set[str] = set()
        used = set()
        for f, run in face_runs(text, face, cap.font_weight):
            used.add(f.ass_name)
            missing |= missing_glyphs(run, f.path)
        note = ""
        if lacking_preferred:
            shown = "".join(lacking_preferred[:12])
            note = f"; {cap.font} lacks {len(lacking_preferred)} glyph(s) ({shown}), drawn with {', '.join(sorted(used))} instead"
        if missing:
            shown = "".join(sorted(missing)[:12])
            checks.append(Check(f"glyphs {script}", False, f"no bundled face has {len(missing)} character(s): {shown}{note}"))
        else:
            checks.append(Check(f"glyphs {script}", True, f"{', '.join(sorted(used))}{note}", required=not lacking_preferred))
    return checks
