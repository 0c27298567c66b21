"""The CLI end to end: the sample livestream through every stage, the cache, and one-line errors."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner

from reelcart import __version__
from reelcart.cli import main
from reelcart.media.ffmpeg import run_ffmpeg

from .conftest import GREEN, SAMPLES, invoke, run_args  # sample_run: a session fixture in conftest, shared with other modules


def stage_status(out: Path) -> dict[str, float]:
    return {p.stem: p.stat().st_mtime_ns for p in (out / "work").glob("*.json")}


def probe(path: Path) -> dict:
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        return {"w": v.codec_context.width, "h": v.codec_context.height, "vcodec": v.codec_context.name,
                "acodec": a.codec_context.name, "rate": a.codec_context.sample_rate, "duration": c.duration / 1e6,
                "profile": v.codec_context.profile, "pix_fmt": v.codec_context.format.name}


def frame_at(path: Path, t_s: float) -> np.ndarray:
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        c.seek(int(max(0.0, t_s - 1) / stream.time_base), stream=stream)
        for frame in c.decode(stream):
            if frame.time >= t_s:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame at {t_s} s in {path}")


def test_sample_makes_reels_per_contract(sample_run, sample_truth):
    out, output = sample_run
    manifest = json.loads((out / "manifest.json").read_text())
    reels = manifest["reels"]
    assert 2 <= len(reels) <= 3, output
    assert manifest["preset"] == "default" and manifest["stream_start"].startswith("2026-11-20T12:00:00")
    pitches = {p["sku"]: p for p in sample_truth["pitches"] if p["spike"]}
    for reel in reels:
        assert set(reel) >= {"id", "file", "start_s", "end_s", "duration_s", "product", "link", "captions", "thumbnail",
                             "title", "description", "hashtags", "score", "warnings"}
        info = probe(out / reel["file"])
        assert (info["w"], info["h"], info["vcodec"], info["acodec"]) == (1080, 1920, "h264", "aac")
        assert info["pix_fmt"] == "yuv420p" and info["rate"] == 48000
        assert abs(info["duration"] - reel["duration_s"]) < 0.25
        assert 15 <= reel["duration_s"] <= 60
        # the reel is the pitch and call to action that caused a spike of that product
        truth = pitches[reel["product"]["sku"]]
        overlap = min(reel["end_s"], truth["cta_end_s"]) - max(reel["start_s"], truth["start_s"])
        union = max(reel["end_s"], truth["cta_end_s"]) - min(reel["start_s"], truth["start_s"])
        assert overlap / union >= 0.8, (reel, truth)
        assert reel["link"].startswith(reel["product"]["url"].split("?")[0]) and "utm_content=" + reel["id"] in reel["link"]
        assert set(reel["score"]) == {"sales_lift", "pitch", "call_to_action", "speech_density", "stale_penalty", "total"}
        assert (out / reel["captions"]).read_text().count("-->") >= 3
        with av.open(str(out / reel["thumbnail"])) as c:
            thumb = c.streams.video[0].codec_context
            assert (thumb.width, thumb.height) == (1080, 1920)
    # the decoy gift-card order is never a reel
    assert "SKU-GIFT-50" not in {r["product"]["sku"] for r in reels}
    assert (out / "report.html").read_text().count("<video") == len(reels)
    for stage in ("probe", "audio", "spikes", "transcribe", "moments", "reframe", "render", "package"):
        envelope = json.loads((out / "work" / f"{stage}.json").read_text())
        assert envelope["stage"] == stage and envelope["cache_key"] and envelope["artifact"]["schema_version"] == 1


def test_captions_are_burned_in_the_safe_zone(sample_run):
    out, _ = sample_run
    manifest = json.loads((out / "manifest.json").read_text())
    reel = manifest["reels"][0]
    srt = (out / reel["captions"]).read_text().split("\n\n")[1]  # second caption: words are being spoken
    start = srt.splitlines()[1].split(" --> ")[0]
    h, m, s = start.replace(",", ".").split(":")
    t_s = int(h) * 3600 + int(m) * 60 + float(s) + 0.05
    frame = frame_at(out / reel["file"], t_s)
    green = (frame[:, :, 1] > 200) & (frame[:, :, 0] < 90) & (frame[:, :, 2] < 90)
    ys, _ = np.nonzero(green)
    assert len(ys) > 150, "no highlighted caption word on screen"
    # bottom of the text sits above the 300 px UI zone and below the middle of the frame
    assert 960 < ys.max() < 1920 - 300


def test_second_run_is_served_from_cache(sample_run):
    out, _ = sample_run
    before = stage_status(out)
    reel_mtime = (out / "reel-1.mp4").stat().st_mtime_ns
    result = invoke(*run_args(out))
    assert result.exit_code == 0
    assert "all stages from cache" in result.output
    assert stage_status(out) == before and (out / "reel-1.mp4").stat().st_mtime_ns == reel_mtime


def test_changed_preset_field_reruns_only_dependent_stages(sample_run, tmp_path):
    src, _ = sample_run
    out = tmp_path / "copy"
    shutil.copytree(src, out)
    before = stage_status(out)
    result = invoke(*run_args(out, "--set", "package.hashtags=[\"#newtag\"]"))
    assert result.exit_code == 0, result.output
    after = stage_status(out)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"package"}, changed
    assert "#newtag" in json.loads((out / "manifest.json").read_text())["reels"][0]["hashtags"]


def test_moments_command_prints_plan(sample_run):
    out, _ = sample_run
    result = invoke("moments", SAMPLES / "livestream.mp4", "--orders", SAMPLES / "orders.csv", "--catalog",
                    SAMPLES / "catalog.csv", "--out", out, "--set", f"captions.highlight_colour={GREEN}")
    assert result.exit_code == 0, result.output
    assert "Velvet Glow Serum" in result.output and "Bamboo Water Bottle" in result.output and "(live_only): " in result.output  # the live-only lines are cut, and listed
    plan = json.loads((out / "plan.json").read_text())
    assert plan["moments"][0]["crop"]["width_px"] % 2 == 0


def test_version_presets_doctor():
    assert invoke("--version").output.strip().endswith(__version__)
    listing = invoke("presets", "list").output
    assert all(name in listing for name in ("default", "tiktok", "reels", "shorts"))
    shown = invoke("presets", "show", "reels").output
    assert "package.platform" in shown and "reels" in shown and "Distance from the safe zone's edge" in shown
    doctor = invoke("doctor")
    assert doctor.exit_code == 0, doctor.output
    for line in ("ffmpeg", "model base", "face detector", "font Montserrat"):
        assert line in doctor.output


@pytest.fixture(scope="module")
def silent_video(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("media") / "no audio.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=2", "-c:v", "libx264", str(target)], what="fixture")
    return target


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "recording not found"),
        ("text_as_mp4", "not a readable media file"),
        ("empty_file", "file is empty (0 bytes)"),
        ("no_audio", "no audio track"),
        ("empty_orders", "file is empty"),
        ("orders_columns", "missing column(s) timestamp, sku"),
        ("bad_preset", "field 'captions.style'"),
        ("unknown_preset", "unknown preset"),
    ],
)
def test_bad_input_gives_one_line_error(case, expected, tmp_path, silent_video):
    video, orders, catalog = SAMPLES / "livestream.mp4", SAMPLES / "orders.csv", SAMPLES / "catalog.csv"
    preset = "default"
    named = None
    if case == "missing":
        video = named = tmp_path / "nope.mp4"
    elif case == "text_as_mp4":
        video = named = tmp_path / "notes.mp4"
        video.write_text("this is not a video\n" * 50)
    elif case == "empty_file":
        video = named = tmp_path / "empty.mp4"
        video.write_bytes(b"")
    elif case == "no_audio":
        video = named = silent_video
    elif case == "empty_orders":
        orders = named = tmp_path / "orders.csv"
        orders.write_text("")
    elif case == "orders_columns":
        orders = named = tmp_path / "orders.csv"
        orders.write_text("when,what\n1,2\n")
    elif case == "bad_preset":
        preset = named = tmp_path / "bad.yaml"
        preset.write_text("captions:\n  style: sparkly\n")
    else:
        preset = "sparkly"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(video), "--orders", str(orders), "--catalog", str(catalog),
                                       "--preset", str(preset), "--out", str(out)])
    assert result.exit_code != 0
    lines = [ln for ln in result.output.splitlines() if ln.startswith("reelcart: error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert expected in lines[0]
    if named is not None:
        assert str(named) in lines[0]
    assert not (out / "manifest.json").exists()


def test_debug_shows_traceback(tmp_path):
    result = CliRunner().invoke(main, ["--debug", "run", str(tmp_path / "x.mp4"), "--orders", "o", "--catalog", "c"])
    assert result.exit_code != 0 and result.exception is not None


def test_failed_run_keeps_earlier_outputs(sample_run, tmp_path):
    src, _ = sample_run
    out = tmp_path / "copy"
    shutil.copytree(src, out)
    manifest_before = (out / "manifest.json").read_bytes()
    bad = tmp_path / "orders.csv"
    bad.write_text("when,what\n1,2\n")
    result = CliRunner().invoke(main, ["run", str(SAMPLES / "livestream.mp4"), "--orders", str(bad), "--catalog",
                                       str(SAMPLES / "catalog.csv"), "--out", str(out)])
    assert result.exit_code != 0
    assert (out / "manifest.json").read_bytes() == manifest_before
    assert not [p for p in out.rglob("*partial*")], "temporary files left behind"
    os.sync()
