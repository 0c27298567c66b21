"""`reelcart validate`, `reelcart doctor` caption-font checks, and thumbnail scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelcart.cli import main
from reelcart.media.ffmpeg import run_ffmpeg
from reelcart.media.validate import top_level_boxes, validate_file

from .render_helpers import make_clip, transcript


@pytest.fixture(scope="module")
def bad_file(tmp_path_factory) -> Path:
    """640x360, 24 then 60 fps (VFR), yuv444p (High 4:4:4), open GOP, moov at the end, MP3 audio."""
    root = tmp_path_factory.mktemp("bad")
    path = root / "bad.mp4"
    run_ffmpeg([
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=24:d=2", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=60:d=2",
        "-f", "lavfi", "-i", "sine=f=300:d=4:sample_rate=44100",
        "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-map", "2:a",
        "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p",
        "-x264-params", "open-gop=1:keyint=20:min-keyint=20:scenecut=0:bframes=2", "-c:a", "libmp3lame", str(path),
    ], what="bad fixture")
    return path


@pytest.fixture(scope="module")
def good_file(tmp_path_factory) -> Path:
    """A file made like reelcart's reels (1080x1920 H.264 High yuv420p, CFR 30, closed GOP, faststart, AAC 48 kHz)."""
    root = tmp_path_factory.mktemp("good")
    path = root / "good.mp4"
    run_ffmpeg([
        "-f", "lavfi", "-i", "color=c=0x334455:s=1080x1920:r=30:d=4", "-f", "lavfi", "-i", "sine=f=300:d=4:sample_rate=48000",
        "-c:v", "libx264", "-preset", "superfast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "60",
        "-flags", "+cgop", "-c:a", "aac", "-ar", "48000", "-movflags", "+faststart", str(path),
    ], what="good fixture")
    return path


def test_bad_file_lists_every_failure(bad_file):
    failed = {f.check for f in validate_file(bad_file, "reels") if not f.ok}
    assert {"canvas", "pixel format", "H.264 profile", "constant frame rate", "closed GOP", "faststart", "audio codec"} <= failed


def test_good_file_passes(good_file):
    for platform in ("tiktok", "reels", "shorts"):
        assert [f for f in validate_file(good_file, platform) if not f.ok] == []
    boxes = [b[0] for b in top_level_boxes(good_file)]
    assert boxes.index("moov") < boxes.index("mdat")


def test_validate_cli_exit_codes(bad_file, good_file):
    runner = CliRunner()
    good = runner.invoke(main, ["validate", str(good_file), "--platform", "tiktok"])
    assert good.exit_code == 0, good.output
    bad = runner.invoke(main, ["validate", str(bad_file), "--platform", "tiktok"])
    assert bad.exit_code == 1
    fails = [ln for ln in bad.output.splitlines() if "FAIL" in ln]
    assert len(fails) >= 6 and any("yuv444p" in ln for ln in fails) and any("640x360" in ln for ln in fails)
    missing = runner.invoke(main, ["validate", "/nonexistent.mp4", "--platform", "reels"])
    assert missing.exit_code != 0 and "not found" in missing.output


def test_length_limit_is_checked(tmp_path):
    long = make_clip(tmp_path / "short.mp4", width=1080, height=1920, duration=2.0, background="black")
    failed = {f.check: f.detail for f in validate_file(long, "reels") if not f.ok}
    assert "length" in failed and "allowed 3-180" in failed["length"]


# ----------------------------------------------------------------- doctor


def _write_transcript(tmp_path: Path, words, language: str) -> Path:
    t = transcript(words, language=language)
    path = tmp_path / "work" / "transcribe.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"stage": "transcribe", "artifact": json.loads(t.model_dump_json())}), encoding="utf-8")
    return tmp_path


def test_doctor_reports_a_font_that_lacks_the_transcripts_glyphs(tmp_path):
    out = _write_transcript(tmp_path, [("שלום", 0.0, 0.5), ("עולם", 0.6, 1.0)], "he")
    result = CliRunner().invoke(main, ["doctor", "--transcript", str(out)])
    line = next(ln for ln in result.output.splitlines() if "glyphs transcript" in ln)
    assert line.startswith("!!") and "ש" in line
    assert result.exit_code == 1


def test_doctor_names_the_face_used_when_the_preset_font_lacks_a_script(tmp_path):
    out = _write_transcript(tmp_path, [("اضغط", 0.0, 0.5), ("الآن", 0.6, 1.0)], "ar")
    result = CliRunner().invoke(main, ["doctor", "--transcript", str(out)])
    line = next(ln for ln in result.output.splitlines() if "glyphs transcript" in ln)
    assert line.startswith("ok") and "Be Vietnam Pro lacks" in line and "Noto Sans Arabic" in line


# ----------------------------------------------------------------- thumbnail scoring


def test_open_eyes_beat_a_sharper_frame_with_closed_eyes(tmp_path, shared_media):
    import av
    import cv2
    import numpy as np

    from reelcart.stages.render import thumbnail

    with av.open(str(shared_media / "crowd_faces_1080p_4s.mp4")) as c:
        frame = next(f for i, f in enumerate(c.decode(video=0)) if i == 50).to_ndarray(format="bgr24")
    # a 9:16 window on the face that shows both eyes, at reel size
    window = cv2.resize(frame[300:1080, 720:1159], (1080, 1920), interpolation=cv2.INTER_CUBIC)
    gray = cv2.cvtColor(window, cv2.COLOR_BGR2GRAY)
    face_cc, eye_cc = thumbnail._cascades()
    small = cv2.resize(gray, (540, 960))
    faces = face_cc.detectMultiScale(small, 1.1, 5, minSize=(60, 60))
    assert len(faces) >= 1
    x, y, w, h = (int(v) * 2 for v in max(faces, key=lambda f: f[2] * f[3]))
    eyes = eye_cc.detectMultiScale(gray[y: y + int(h * 0.6), x: x + w], 1.1, 4, minSize=(int(w * 0.12),) * 2)
    assert len(eyes) >= 1
    closed = window.copy()
    for ex, ey, ew, eh in eyes:  # lids shut: the eye region smoothed into the skin around it
        x0, y0 = x + ex, y + ey
        patch = closed[y0: y0 + eh, x0: x0 + ew]
        closed[y0: y0 + eh, x0: x0 + ew] = cv2.GaussianBlur(patch, (0, 0), ew / 3)
    closed = cv2.filter2D(closed, -1, np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]))  # and sharper overall
    open_path, closed_path = tmp_path / "open.jpg", tmp_path / "closed.jpg"
    cv2.imwrite(str(open_path), window)
    cv2.imwrite(str(closed_path), closed)
    a, b = thumbnail.analyse(open_path, 2.0), thumbnail.analyse(closed_path, 1.0)
    assert a.eyes >= 1 and b.eyes == 0 and b.sharpness > a.sharpness
    best = thumbnail.choose([(closed_path, 1.0), (open_path, 2.0)], "face")
    assert best.path == open_path
