"""The render stage on generated media: platform rules, loudness, QR link, thumbnail, escaping, one pass."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reelcart.media import ffmpeg as ffmpeg_mod
from reelcart.media.graphs import filter_text
from reelcart.media.fonts import line_factor, text_width_px
from reelcart.stages import render as render_mod
from reelcart.stages.captions import ass_unescape
from reelcart.handoff.links import reel_link
from reelcart.media.validate import validate_file

from .render_helpers import (
    audio_samples,
    frame_at,
    info_of,
    make_clip,
    moment,
    preset,
    product,
    timed_words,
    transcript,
    video_frames,
)

EVIL_NAME = 'Glow {\\b1} "50%" C:\\N\\x\'s\n{\\an8}'
SHARP_FROM, SHARP_TO = 2.6, 3.6  # source seconds without blur (and the first 0.8 s)


def decode_qr(rgb: np.ndarray, box: tuple[int, int, int]) -> str:
    import cv2

    x, y, size = box
    m = max(8, size // 6)
    crop = rgb[max(0, y - m): y + size + m, max(0, x - m): x + size + m]
    crop = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
    return text


@pytest.fixture(scope="module")
def reel_1080(tmp_path_factory):
    """A real 1080x1920 render: 6 s reel from a 1280x720 clip, blurred except a sharp stretch."""
    root = tmp_path_factory.mktemp("reel1080")
    blur = f"boxblur=10:2:enable='not(between(t,0,0.8)+between(t,{SHARP_FROM},{SHARP_TO}))'"
    src = make_clip(root / "src.mp4", duration=7.0, video_filter=blur)
    info = info_of(src)
    words = timed_words("Tap the orange cart below to grab yours before they sell out".split(), 0.6, 0.4)
    tr = transcript(words)
    m = moment(0.2, 6.2, cta=3.0)
    p = product()
    pre = preset("default", overlay__card_last_s=2)
    reel = render_mod.render_reel(info, m, p, tr, pre, work_dir=root / "work", out_dir=root / "out")
    return {"root": root, "info": info, "moment": m, "product": p, "preset": pre, "reel": reel,
            "file": root / "out" / reel.file, "plan": render_mod.plan_reel(info, m, p, tr, pre),
            "frames": video_frames(root / "out" / reel.file)}


@pytest.mark.parametrize("platform", ["tiktok", "reels", "shorts"])
def test_reel_meets_every_platform_rule(reel_1080, platform):
    findings = validate_file(reel_1080["file"], platform)
    assert [f for f in findings if not f.ok] == []
    checks = {f.check for f in findings}
    assert {"H.264 profile", "pixel format", "constant frame rate", "closed GOP", "faststart", "even dimensions",
            "audio codec", "audio sample rate", "length", "canvas"} <= checks


def test_reel_streams(reel_1080):
    import av

    with av.open(str(reel_1080["file"])) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert (v.width, v.height) == (1080, 1920) and v.codec_context.profile == "High"
        assert a.codec_context.name == "aac" and a.codec_context.sample_rate == 48000 and a.codec_context.channels == 2
        assert abs(float(c.duration / 1e6) - 6.0) < 0.1
    frames = reel_1080["frames"]
    assert len(frames) == 180 and abs(frames[1][0] - frames[0][0] - 1 / 30) < 1e-3


def test_an_independent_reader_agrees_on_size_duration_and_picture(reel_1080):
    """moviepy (its own reader, not our probe or PyAV) reads the reel: size, duration, a decoded frame."""
    from moviepy import VideoFileClip

    reel = reel_1080["reel"]
    with VideoFileClip(str(reel_1080["file"])) as clip:
        assert tuple(clip.size) == (1080, 1920)
        assert abs(clip.duration - reel.duration_s) < 0.1
        assert clip.audio is not None and abs(clip.audio.duration - reel.duration_s) < 0.15
        frame = clip.get_frame(2.0)
    assert frame.shape == (1920, 1080, 3)
    reference = frame_at(reel_1080["frames"], 2.0).astype(int)
    assert np.abs(frame.astype(int) - reference).mean() < 6  # the same picture PyAV decodes
    assert frame.std() > 10  # a real picture, not a blank


def test_loudness_is_on_target(reel_1080):
    integrated, true_peak = render_mod.measure_output_loudness(reel_1080["file"])
    assert abs(integrated - (-14.0)) <= 1.0, integrated
    assert true_peak <= -0.5, true_peak
    assert reel_1080["reel"].source_loudness_lufs < -18  # the source was quieter: normalisation did something


def test_loudness_by_plain_gain_when_peaks_allow(tmp_path):
    src = make_clip(tmp_path / "tone.mp4", width=320, height=180, duration=4.0, background="black",
                    audio="sine=f=440:d=4:sample_rate=44100")
    info = info_of(src)
    m = moment(0.0, 4.0)
    pre = preset("default", render__width_px=270, render__height_px=480, render__loudness_lufs=-16.0,
                 overlay__product_card=False, render__thumbnail=False)
    measured = render_mod.measure_loudness(info, m, pre.render)
    assert [f[0] for f in render_mod.loudness_filters(pre.render, measured)] == ["volume"]  # peaks leave room: a plain gain
    reel = render_mod.render_reel(info, m, product(), transcript(timed_words(["la"], 1.0, 0.5)), pre,
                                  work_dir=tmp_path / "work", out_dir=tmp_path / "out")
    integrated, true_peak = render_mod.measure_output_loudness(tmp_path / "out" / reel.file)
    assert abs(integrated - (-16.0)) <= 1.0 and true_peak <= -1.0, (integrated, true_peak)


def test_qr_code_carries_the_tracked_link(reel_1080):
    plan = reel_1080["plan"]
    expected = reel_link(reel_1080["product"].url, reel_1080["preset"].package, reel_1080["info"].path, "reel-1")
    assert plan.link == expected and "utm_content=reel-1" in expected and "variant=2" in expected
    during = frame_at(reel_1080["frames"], 4.5)  # after the call to action (2.8 s into the reel)
    assert decode_qr(during, plan.card.qr_card) == expected
    before = frame_at(reel_1080["frames"], 1.0)
    assert decode_qr(before, plan.card.qr_card) == ""  # not before the call to action


def test_thumbnail_is_a_sharp_clean_frame_not_the_first(reel_1080):
    import cv2

    thumb_path = reel_1080["root"] / "out" / reel_1080["reel"].thumbnail
    thumb = cv2.cvtColor(cv2.imread(str(thumb_path)), cv2.COLOR_BGR2RGB)
    assert thumb.shape == (1920, 1080, 3) and thumb_path.read_bytes()[:2] == b"\xff\xd8"
    frames = reel_1080["frames"]
    band = slice(620, 960)  # clear of the card (top) and the captions (bottom) in the reel frames
    diffs = [(float(np.abs(f[band].astype(int) - thumb[band].astype(int)).mean()), t) for t, f in frames]
    best_diff, t_best = min(diffs)
    assert best_diff < 12, best_diff
    reel_start = reel_1080["moment"].start_s
    assert SHARP_FROM - reel_start - 0.1 <= t_best <= SHARP_TO - reel_start + 0.1, t_best
    assert t_best >= 1.0  # never the first frame
    # clean: no caption highlight and no card in the thumbnail
    from .render_helpers import colour_mask

    assert colour_mask(thumb, "#FFD400", 30)[1000:1300].sum() < 50
    assert colour_mask(thumb, "#FF4F00", 30)[250:600].sum() < 200
    work = reel_1080["root"] / "work"
    assert not any((work / "thumbs").glob("*/*.jpg")), "candidate frames are cleaned up"


# ----------------------------------------------------------------- hostile text, one pass, work files


@pytest.fixture(scope="module")
def evil_reel(tmp_path_factory):
    root = tmp_path_factory.mktemp("evil")
    src = make_clip(root / "src.mp4", width=640, height=360, duration=5.0, background="0x203040")
    info = info_of(src)
    tr = transcript(timed_words(['{\\an8}', "50%", 'C:\\N', "it's"], 0.4, 0.5))
    m = moment(0.0, 5.0, cta=1.0, reel_id="../x y:z,'[0]")
    p = product(name=EVIL_NAME, url="https://shop.example.com/p/a'b?q=1%202&x=[y]")
    pre = preset("default", render__width_px=480, render__height_px=854, overlay__end_card=True, overlay__end_card_s=1.5,
                 overlay__end_card_title="Scan: 100% {safe}")
    calls: list[list[str]] = []
    real = ffmpeg_mod.run_ffmpeg

    def counting(args, **kw):  # noqa: ANN001, ANN003, ANN202
        calls.append(list(args))
        return real(args, **kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(ffmpeg_mod, "run_ffmpeg", counting)
    try:
        reel = render_mod.render_reel(info, m, p, tr, pre, work_dir=root / "work", out_dir=root / "out")
    finally:
        mp.undo()
    return {"root": root, "info": info, "moment": m, "product": p, "preset": pre, "reel": reel, "calls": calls,
            "plan": render_mod.plan_reel(info, m, p, tr, pre), "frames": video_frames(root / "out" / reel.file)}


def test_hostile_names_render_and_files_stay_in_their_folders(evil_reel):
    reel = evil_reel["reel"]
    out = evil_reel["root"] / "out"
    assert "/" not in reel.file and ".." not in reel.file and ":" not in reel.file
    assert sorted(p.name for p in out.iterdir()) == sorted([reel.file, reel.thumbnail, reel.captions_file])
    work = evil_reel["root"] / "work"
    assert (work / reel.ass_file).is_file() and any(work.glob("card-*.png")) and any(work.glob("end-*.png")) and (work / "fonts").is_dir()


def test_one_ffmpeg_pass_does_everything(evil_reel):
    calls = evil_reel["calls"]
    *measure, render = calls
    # audio-only loudness measurement (a second audio-only run tries limiter gains when peaks need it)
    assert 1 <= len(measure) <= 2 and all("libx264" not in m and "[0:a:0]" in filter_text(m) and ":v]" not in filter_text(m)
                                          for m in measure)
    assert sum("libx264" in c for c in calls) == 1
    graph = filter_text(render)
    for part in ("fps=30", "scale=480:854", "subtitles=", "overlay=", "aresample=48000"):
        assert part in graph, part
    assert re.search(r"volume=-?[\d.]+dB", graph)
    assert render.count("-ss") == 1 and "libx264" in render and "+faststart" in render
    # untrusted text never enters the filter graph: it is in the ASS file, the QR image and the title tag
    for piece in ("50%", "Glow", "shop.example", "x y", "{safe}"):
        assert piece not in graph
    title = render[render.index("-metadata") + 1]
    assert "\n" not in title and title.startswith("title=")


def _ass_card_rows(ass_text: str) -> list[tuple[int, int, float, str]]:
    """(x, y, ASS font size, literal text) of the card lines in an ASS document."""
    rows = []
    for line in ass_text.splitlines():
        if not line.startswith("Dialogue: 3,"):
            continue
        text = line.split(",", 9)[9]
        x, y = map(int, re.search(r"\\pos\((\d+),(\d+)\)", text).groups())
        size = float(re.search(r"\\fs([\d.]+)", text).group(1))
        body = re.sub(r"\{\\(?:an|fn)[^{}]*\}", "", text)
        rows.append((x, y, size, ass_unescape(body)))
    return rows


def test_hostile_product_name_shows_literally(evil_reel):
    plan = evil_reel["plan"]
    rows = _ass_card_rows(plan.ass_text)
    name_rows = rows[: len(rows) - 2]
    assert " ".join(r[3] for r in name_rows) == " ".join(EVIL_NAME.split())
    frame = frame_at(evil_reel["frames"], 2.0)
    face = plan.card.faces[0]
    qr_x = plan.card.qr_card[0]
    for x, y, fs, text in name_rows:
        size = fs / line_factor(face)  # pixels per em
        band = frame[y: y + round(fs), x: qr_x - 4]
        white = (band.min(axis=2) > 170)
        ys, xs = np.nonzero(white)
        assert len(xs) > 20, text
        ink_w = xs.max() - xs.min() + 1
        expected = text_width_px(text, face.path, size)
        # braces swallowed as an override, or \N taken as a line break, would change the ink a lot
        assert 0.85 * expected <= ink_w <= 1.06 * expected, (text, ink_w, expected)
        assert ys.max() - ys.min() <= size * 1.3, "one line of text per row"


def test_end_card_qr_and_title(evil_reel):
    plan = evil_reel["plan"]
    assert plan.card.end_span == (3.5, 5.0)
    frame = frame_at(evil_reel["frames"], 4.5)
    assert decode_qr(frame, plan.card.qr_end) == plan.link
    assert "a%27b" in plan.link or "a'b" in plan.link
    titles = [r for r in (line for line in plan.ass_text.splitlines() if line.startswith("Dialogue: 6,"))]
    assert ass_unescape(re.sub(r"\{\\(?:an|fn)[^{}]*\}", "", titles[0].split(",", 9)[9])) == "Scan: 100% {safe}"


# ----------------------------------------------------------------- variable frame rate


@pytest.fixture(scope="module")
def vfr_source(tmp_path_factory):
    """640x360, 24 → 60 → 30 fps segments (VFR), a white flash and a 1 kHz beep at 7.5 s."""
    root = tmp_path_factory.mktemp("vfr")
    video = root / "vfr_video.mkv"
    flash = "drawbox=c=white:t=fill:enable='between(t,1.5,1.6)'"
    ffmpeg_mod.run_ffmpeg([
        "-f", "lavfi", "-i", "color=c=0x202020:s=640x360:r=24:d=3",
        "-f", "lavfi", "-i", "color=c=0x202020:s=640x360:r=60:d=3",
        "-f", "lavfi", "-i", "color=c=0x202020:s=640x360:r=30:d=2.5",
        "-filter_complex", f"[2:v]{flash}[c];[0:v][1:v][c]concat=n=3:v=1:a=0,setpts='PTS+0.004*sin(N)/TB'[v]",
        "-map", "[v]", "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        str(video)], what="vfr video")
    import av

    with av.open(str(video)) as c:
        flash_t = next(float(f.time) for f in c.decode(video=0) if f.to_ndarray(format="gray").mean() > 128)
    src = root / "vfr.mp4"
    beep = (f"aevalsrc='0.05*sin(2*PI*220*t)+if(between(t,{flash_t:.4f},{flash_t + 0.1:.4f}),0.6*sin(2*PI*1000*t),0)'"
            ":s=48000:d=8.5")
    ffmpeg_mod.run_ffmpeg(["-i", str(video), "-f", "lavfi", "-i", beep, "-map", "0:v", "-map", "1:a", "-c:v", "copy",
                           "-c:a", "aac", "-b:a", "160k", "-video_track_timescale", "90000", str(src)], what="vfr mux")
    return src, flash_t


def test_variable_frame_rate_source_stays_in_sync(vfr_source, tmp_path):
    src, flash_t = vfr_source
    source_check = {f.check: f for f in validate_file(src, "tiktok")}
    assert not source_check["constant frame rate"].ok, "the fixture must really be VFR"
    info = info_of(src)
    m = moment(0.37, 8.3)
    pre = preset("default", render__width_px=480, render__height_px=854, overlay__product_card=False,
                 render__thumbnail=False)
    tr = transcript(timed_words(["sync", "check"], 1.0, 0.5))
    reel = render_mod.render_reel(info, m, product(), tr, pre, work_dir=tmp_path / "work", out_dir=tmp_path / "out")
    out = tmp_path / "out" / reel.file
    assert {f.check: f.ok for f in validate_file(out, "tiktok")}["constant frame rate"]
    frames = video_frames(out)
    t_flash = next(t for t, f in frames if f.mean() > 50)
    samples, rate, first = audio_samples(out)
    envelope = np.abs(samples)
    search_from = int((flash_t - m.start_s - 1.0) * rate)
    onset = search_from + int(np.argmax(envelope[search_from:] > 0.3))
    t_beep = first + onset / rate
    expected = flash_t - m.start_s
    assert abs(t_beep - expected) < 0.01, (t_beep, expected)  # audio on the source clock
    assert abs(t_flash - t_beep) <= 1 / 30 + 1e-3, (t_flash, t_beep)  # drift at the end ≤ 1 frame
    # a loud beep over a quiet tone: the gain needs the limiter, measured to still land on the target
    measured = render_mod.measure_loudness(info, m, pre.render)
    assert measured["limited"] == "1" and "alimiter" in [f[0] for f in render_mod.loudness_filters(pre.render, measured)]
    integrated, true_peak = render_mod.measure_output_loudness(out)
    assert abs(integrated + 14.0) <= 1.0 and true_peak <= -0.5, (integrated, true_peak)


def test_a_reel_longer_than_the_platform_allows_is_refused():
    from reelcart.errors import ConfigError
    from reelcart.models import MediaInfo

    info = MediaInfo(path="x.mp4", container="mp4", duration_s=600, size_bytes=1, has_video=True, width_px=1280,
                     height_px=720, fps=30)
    tr = transcript(timed_words(["hello"], 1.0, 0.5))
    with pytest.raises(ConfigError, match="Instagram Reels allows at most 180 s"):
        render_mod.plan_reel(info, moment(0.0, 200.0), product(), tr, preset("reels"))
    assert render_mod.plan_reel(info, moment(0.0, 200.0), product(), tr, preset("tiktok")).duration_s == 200.0
