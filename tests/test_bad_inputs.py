"""Bad inputs through the CLI: one error line naming the file and the problem, a non-zero exit, earlier
outputs untouched. Valid but unusual media (VFR, rotated, 4K60, 10-bit HEVC, odd file names) succeed.

Every failing case runs against a copy of one good run's out folder and checks that every file in it
(outputs and stage cache) is byte-identical afterwards.
"""

from __future__ import annotations

import contextlib
import functools
import json
import resource
import shutil
import subprocess
from pathlib import Path

import pytest

from reelcart.media.ffmpeg import run_ffmpeg

from .reliability_kit import (
    SAMPLES, clip40, cli, error_line, good_copy, orders40, orders_text, probe_ok, run_args, scratch, snapshot,
)

CATALOG = SAMPLES / "catalog.csv"


def assert_clean_failure(result, out: Path, before: dict[str, str], *, names: str, problem: str,  # noqa: ANN001
                         cache_may_change: tuple[str, ...] = ()) -> str:
    assert result.exit_code not in (0, None), result.output
    line = error_line(result)
    assert names in line, line
    assert problem.lower() in line.lower(), line
    after = snapshot(out)
    for name in cache_may_change:  # a stage that succeeded on the new input may replace its cache entry
        before, after = {k: v for k, v in before.items() if k != name}, {k: v for k, v in after.items() if k != name}
    assert after == before, "a failed run changed earlier outputs"
    assert not list(out.rglob("*.partial*")), "temporary files left behind"
    return line


def fail_case(tmp_path: Path, *, video: Path | None = None, orders: Path | None = None, catalog: Path | None = None,
              extra=(), names: str, problem: str, cache_may_change: tuple[str, ...] = ()) -> str:
    out = good_copy(tmp_path / "out")
    before = snapshot(out)
    result = cli(*run_args(video or clip40(), out, orders=orders, catalog=catalog, extra=extra))
    return assert_clean_failure(result, out, before, names=names, problem=problem, cache_may_change=cache_may_change)


# ---------------------------------------------------------------- media that must fail
@functools.cache
def media(kind: str) -> Path:
    """Tiny generated recordings, 3 s of the pitch (speech) unless the kind says otherwise."""
    d = scratch() / "media"
    d.mkdir(exist_ok=True)
    src = str(clip40())
    cut = ["-ss", "22", "-t", "3", "-i", src]
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-c:a", "aac", "-b:a", "64k"]
    target = d / f"{kind}.mp4"
    if kind == "base":
        run_ffmpeg([*cut, "-vf", "scale=640:360", *x264, str(target)], what="fixture")
    elif kind == "vfr":
        target = d / "vfr.mp4"  # phone-style: irregular frame gaps, timestamps kept
        run_ffmpeg([*cut, "-vf", "scale=640:360,select='lt(mod(n\\,5)\\,2)+eq(mod(n\\,7)\\,0)'", "-fps_mode", "vfr",
                    *x264, str(target)], what="fixture")
    elif kind == "rotated":
        run_ffmpeg(["-display_rotation:v:0", "90", "-i", str(media("base")), "-c", "copy", str(target)], what="fixture")
    elif kind == "4k60":
        run_ffmpeg(["-ss", "22", "-t", "1.2", "-i", src, "-vf", "scale=3840:2160,fps=60", *x264, str(target)], what="fixture")
    elif kind == "hevc10":
        run_ffmpeg([*cut, "-vf", "scale=640:360", "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
                    "-x265-params", "log-level=error", "-tag:v", "hvc1", "-c:a", "aac", str(target)], what="fixture")
    elif kind == "noaudio":
        run_ffmpeg(["-i", str(media("base")), "-c", "copy", "-an", str(target)], what="fixture")
    elif kind == "audioonly":
        target = d / "audioonly.m4a"
        run_ffmpeg(["-i", str(media("base")), "-c", "copy", "-vn", str(target)], what="fixture")
    elif kind == "zero":
        target.write_bytes(b"")
    elif kind == "text":
        target.write_text("this is a shopping list, not a video\n" * 50)
    elif kind == "truncated":  # cut in the middle: moov at the end (the default) is lost
        data = clip40().read_bytes()
        target.write_bytes(data[: len(data) // 2])
    elif kind == "truncated_faststart":  # moov first: the index promises 70 s, half the data is missing
        full = d / "faststart_full.mp4"
        run_ffmpeg(["-i", src, "-c", "copy", "-movflags", "+faststart", str(full)], what="fixture")
        data = full.read_bytes()
        target.write_bytes(data[: len(data) // 2])
    else:
        raise ValueError(kind)
    return target


@pytest.mark.parametrize(("kind", "problem"), [
    ("zero", "empty"),
    ("text", "not a readable media file"),
    ("truncated", "not a readable media file"),
    ("truncated_faststart", "truncated"),
    ("noaudio", "no audio track"),
    ("audioonly", "no video track"),
])
def test_bad_recording(tmp_path, kind, problem):
    video = media(kind)
    line = fail_case(tmp_path, video=video, names=video.name, problem=problem,
                     cache_may_change=("work/probe.json",) if kind == "truncated_faststart" else ())
    assert line.startswith(f"reelcart: error: {video}: ")


def test_missing_recording(tmp_path):
    fail_case(tmp_path, video=tmp_path / "gone.mp4", names="gone.mp4", problem="not found")


# ---------------------------------------------------------------- unusual media that must work
def render_plan_for(video: Path, out: Path, extra=()):  # noqa: ANN201
    """Render a hand-made plan of one reel over the whole tiny clip (probe, audio, transcribe, reframe, render, package)."""
    plan = json.loads((clip_plan_template()).read_text())
    moment = plan["moments"][0]
    import av

    with av.open(str(video)) as c:
        duration = c.duration / 1e6
    moment.update(start_s=0.1, end_s=round(min(duration, 3.0) - 0.15, 2), pitch_start_s=0.1, spike_onset_s=None,
                  cta_start_s=None, cta_end_s=None, cta_text=None, crop=None)
    plan.update(source=str(video), moments=[moment], rejected=[], notes=[])
    out.mkdir(parents=True, exist_ok=True)
    plan_file = out / "plan.json"
    plan_file.write_text(json.dumps(plan))
    orders = out.parent / "orders-short.csv"
    orders.write_text(orders_text(spike_at_s=0.5, duration_s=duration))
    return cli("render", plan_file, "--orders", orders, "--catalog", CATALOG, "--out", out,
               "--set", "transcribe.model=tiny.en", "--set", "render.width_px=270", "--set", "render.height_px=480", *extra)


@functools.cache
def clip_plan_template() -> Path:
    from .reliability_kit import good_run

    return good_run() / "plan.json"


def assert_reel_made(result, out: Path) -> None:  # noqa: ANN001
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["reels"]) == 1
    reel = out / manifest["reels"][0]["file"]
    import av

    with av.open(str(reel)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.width, v.codec_context.height) == (270, 480)
        assert c.streams.audio, "reel lost its audio"
        assert c.duration / 1e6 > 0.8 * (manifest["reels"][0]["end_s"] - manifest["reels"][0]["start_s"])
    probe_ok(reel)


@pytest.mark.parametrize("kind", ["vfr", "rotated", "4k60", "hevc10"])
def test_unusual_media_succeeds(tmp_path, kind):
    video = media(kind)
    out = tmp_path / "out"
    result = render_plan_for(video, out)
    assert_reel_made(result, out)
    info = json.loads((out / "work" / "probe.json").read_text())["artifact"]
    if kind == "rotated":
        assert info["rotation_deg"] in (90, 270) and info["display_height_px"] > info["display_width_px"]
    if kind == "4k60":
        assert (info["width_px"], info["height_px"], round(info["fps"])) == (3840, 2160, 60)
    if kind == "hevc10":
        assert info["video_codec"] == "hevc" and "10" in info["pix_fmt"]


ODD_NAME = "-my \"odd\" 'clip' ünïcödé 名 ;=%{x}[1].mp4"


def test_odd_file_name_succeeds(tmp_path, monkeypatch):
    """Spaces, quotes, non-ASCII, shell and filter-graph characters and a leading dash, given after `--`."""
    shutil.copyfile(media("base"), tmp_path / ODD_NAME)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    orders = tmp_path / "orders.csv"
    orders.write_text(orders_text(spike_at_s=0.5, duration_s=3.0))
    result = cli("run", "--orders", orders, "--catalog", CATALOG, "--out", out, "--set", "transcribe.model=tiny.en",
                 "--set", "render.width_px=270", "--set", "render.height_px=480", "--", ODD_NAME)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert Path(manifest["source"]["path"] if isinstance(manifest.get("source"), dict) else manifest["source"]).name == ODD_NAME
    # and rendered through an edited plan naming it
    out2 = tmp_path / "out2"
    assert_reel_made(render_plan_for(tmp_path / ODD_NAME, out2), out2)


# ---------------------------------------------------------------- orders
def orders_file(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_orders_all_bad_timestamps(tmp_path):
    orders = orders_file(tmp_path, "orders bad times.csv", "order_id,timestamp,sku,quantity\n1,yesterday-ish,SKU-GLOW-30,1\n2,25:99:99,SKU-GLOW-30,1\n")
    fail_case(tmp_path, orders=orders, names="orders bad times.csv", problem="timestamp")


def test_orders_negative_quantities_only(tmp_path):
    orders = orders_file(tmp_path, "neg.csv", "order_id,timestamp,sku,quantity\n1,30,SKU-GLOW-30,-2\n2,31,SKU-GLOW-30,-1\n")
    fail_case(tmp_path, orders=orders, names="neg.csv", problem="not positive")


def test_orders_garbage_10mb(tmp_path):
    import random

    rng = random.Random(10)
    orders = orders_file(tmp_path, "garbage.csv", rng.randbytes(10 * 1024 * 1024))
    fail_case(tmp_path, orders=orders, names="garbage.csv", problem="binary data")


def test_orders_garbage_10mb_of_text(tmp_path):
    """10 MB of printable noise with delimiters and quotes: read as a table, refused for what it lacks."""
    import random

    rng = random.Random(11)
    alphabet = "abcXYZ0123456789 ,;\t|\"'\n:-+=@{}[]"
    orders = orders_file(tmp_path, "noise.csv", "".join(rng.choices(alphabet, k=10 * 1024 * 1024)))
    fail_case(tmp_path, orders=orders, names="noise.csv", problem="missing column")


def test_orders_empty_file(tmp_path):
    orders = orders_file(tmp_path, "empty.csv", "")
    fail_case(tmp_path, orders=orders, names="empty.csv", problem="file is empty")


def test_orders_excel_serial_dates_are_read_as_dates(tmp_path):
    """Excel serial dates (46346.5 = 2026-11-20 12:00 UTC, the sample's stream start) are dates, not seconds."""
    rows = "".join(f"{i},{46346.5 + i / 86400:.6f},SKU-GLOW-30,1\n" for i in range(40))
    orders = orders_file(tmp_path, "excel.csv", "order_id,timestamp,sku,quantity\n" + rows)
    out = good_copy(tmp_path / "out")
    result = cli(*run_args(clip40(), out, orders=orders))
    assert result.exit_code == 0, result.output
    assert "Excel serial date (40)" in result.output and "0 outside the recording" in result.output


def _good_rows() -> list[str]:
    return orders40().read_text().splitlines()


def run_ok(tmp_path: Path, **kwargs) -> tuple[dict, dict]:  # noqa: ANN003
    out = good_copy(tmp_path / "out")
    result = cli(*run_args(clip40(), out, **kwargs))
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reels"], result.output
    return manifest, json.loads((out / "work" / "spikes.json").read_text())["artifact"]["stats"]


@pytest.mark.parametrize("variant", ["bom", "semicolon", "duplicates", "mixed_offsets", "some_bad_rows"])
def test_orders_unusual_but_valid(tmp_path, variant):
    rows = _good_rows()
    extra: tuple = ()
    if variant == "bom":
        content = "\ufeff" + "\n".join(rows) + "\n"
    elif variant == "semicolon":
        content = "\n".join(r.replace(",", ";") for r in rows) + "\n"
    elif variant == "duplicates":
        content = "\n".join(rows + rows[1:]) + "\n"
    elif variant == "some_bad_rows":
        content = "\n".join([*rows, "X1,not a time,SKU-GLOW-30,1", "X2,12,SKU-GLOW-30,-3", "X3,13,,1"]) + "\n"
    else:  # the same instants written with two UTC offsets
        from datetime import datetime, timedelta, timezone

        start = datetime(2026, 11, 20, 19, 0, tzinfo=timezone(timedelta(hours=7)))
        out_rows = [rows[0]]
        for i, r in enumerate(rows[1:]):
            oid, t, sku, q = r.split(",")
            moment = start + timedelta(seconds=float(t))
            if i % 2:
                moment = moment.astimezone(timezone.utc)
            out_rows.append(f"{oid},{moment.isoformat()},{sku},{q}")
        content = "\n".join(out_rows) + "\n"
        extra = ("--stream-start", start.isoformat())
    orders = orders_file(tmp_path, f"{variant}.csv", content)
    manifest, stats = run_ok(tmp_path, orders=orders, extra=extra)
    assert manifest["reels"][0]["product"]["sku"] == "SKU-GLOW-30"
    good = len(rows) - 1
    assert stats["orders_used"] == good, stats
    assert stats["duplicates"] == (good if variant == "duplicates" else 0), stats
    assert stats["unreadable"] == (3 if variant == "some_bad_rows" else 0), stats


# ---------------------------------------------------------------- catalog
def test_catalog_empty(tmp_path):
    catalog = orders_file(tmp_path, "catalog.csv", "sku,name,url\n")
    fail_case(tmp_path, catalog=catalog, names="catalog.csv", problem="no products")


def test_catalog_javascript_url(tmp_path):
    catalog = orders_file(tmp_path, "cat-js.csv", CATALOG.read_text().replace(
        "https://shop.example.com/products/velvet-glow-serum", "javascript:alert(1)"))
    fail_case(tmp_path, catalog=catalog, names="cat-js.csv", problem="not an http(s) link")


def test_orders_only_unknown_skus(tmp_path):
    orders = orders_file(tmp_path, "unknown.csv", "order_id,timestamp,sku,quantity\n" +
                         "".join(f"{i},{i},SKU-NOPE,1\n" for i in range(30)))
    fail_case(tmp_path, orders=orders, names="unknown.csv", problem="SKU")


def test_plan_with_unknown_sku(tmp_path):
    out = good_copy(tmp_path / "out")
    plan = json.loads((out / "plan.json").read_text())
    plan["moments"][0]["sku"] = "SKU-DOES-NOT-EXIST"
    edited = tmp_path / "edited plan.json"
    edited.write_text(json.dumps(plan))
    before = snapshot(out)
    result = cli("render", edited, "--orders", orders40(), "--catalog", CATALOG, "--out", out, "--set", "transcribe.model=tiny.en",
                 "--set", "render.width_px=270", "--set", "render.height_px=480")
    assert_clean_failure(result, out, before, names="plan", problem="not in the catalog")


# ---------------------------------------------------------------- presets
@pytest.mark.parametrize(("text", "problem"), [
    ("render:\n  width_px: wide\n", "render.width_px"),
    ("render:\n  width_px: 270\n  colour_depth: 10\n", "render.colour_depth"),
    ("render:\n  width_px: [270\n", "line"),
])
def test_bad_preset(tmp_path, text, problem):
    preset = orders_file(tmp_path, "my preset.yaml", "description: test\n" + text)
    line = fail_case(tmp_path, extra=("--preset", str(preset)), names="my preset.yaml", problem=problem)
    assert "line" in line


def test_plan_outside_recording(tmp_path):
    out = good_copy(tmp_path / "out")
    plan = json.loads((out / "plan.json").read_text())
    plan["moments"][0]["start_s"], plan["moments"][0]["end_s"] = 35.0, 95.0
    edited = tmp_path / "plan.json"
    edited.write_text(json.dumps(plan))
    before = snapshot(out)
    result = cli("render", edited, "--orders", orders40(), "--catalog", CATALOG, "--out", out, "--set", "transcribe.model=tiny.en",
                 "--set", "render.width_px=270", "--set", "render.height_px=480")
    assert_clean_failure(result, out, before, names="plan", problem="outside the recording")


# ---------------------------------------------------------------- output folder
def test_output_folder_not_writable(tmp_path):
    """Root ignores permission bits: the out folder lies under a regular file, which fails for everyone."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = cli(*run_args(clip40(), blocker / "out"))
    assert result.exit_code != 0
    line = error_line(result)
    assert "a-file" in line and ("not a directory" in line.lower() or "cannot create" in line.lower()), line
    assert blocker.read_text() == "x"


def _limited_ffmpeg(monkeypatch, limit_bytes: int) -> None:
    """Fault injection: every ffmpeg child may write at most ``limit_bytes`` per file (SIGXFSZ beyond)."""
    import reelcart.media.ffmpeg as ff

    real_run = ff.subprocess.run

    def limited(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        def preexec() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

        return real_run(*args, preexec_fn=preexec, **kwargs)

    monkeypatch.setattr(ff.subprocess, "run", limited)


def test_disk_full_during_encode_fault_injection(tmp_path, monkeypatch):
    out = good_copy(tmp_path / "out")
    before = snapshot(out)
    _limited_ffmpeg(monkeypatch, 64 * 1024)
    result = cli(*run_args(clip40(), out, extra=("--set", "render.crf=30")))  # a changed render field: render runs again
    assert result.exit_code != 0, result.output
    line = error_line(result)
    assert "reel-1" in line or "render" in line.lower(), line
    after = snapshot(out)
    outputs = {k: v for k, v in before.items() if not k.startswith("work/")}
    assert {k: after.get(k) for k in outputs} == outputs, "earlier outputs changed"
    assert not list(out.rglob("*.partial*"))


@contextlib.contextmanager
def small_tmpfs(path: Path, size_kb: int):
    path.mkdir()
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)], capture_output=True, check=False)
    except OSError:
        proc = None
    if proc is None or proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the fault-injection test covers a full disk")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_disk_full_during_encode_tmpfs(tmp_path):
    good = good_copy(tmp_path / "good")
    used_kb = sum(p.stat().st_size for p in good.rglob("*") if p.is_file()) // 1024
    with small_tmpfs(tmp_path / "disk", used_kb + 300) as disk:
        out = disk / "out"
        shutil.copytree(good, out)
        before = snapshot(out)
        result = cli(*run_args(clip40(), out, extra=("--set", "render.crf=18")))
        assert result.exit_code != 0, result.output
        line = error_line(result)
        assert "space" in line.lower() or "reel-1" in line, line
        after = snapshot(out)
        outputs = {k: v for k, v in before.items() if not k.startswith("work/")}
        assert {k: after.get(k) for k in outputs} == outputs, "earlier outputs changed"
        assert not list(out.rglob("*.partial*"))


def test_orders_absurdly_large_refused_up_front(tmp_path):
    """A 300 MB order log (sparse: no disk used) is refused before it is read, with the documented limit."""
    orders = tmp_path / "huge orders.csv"
    with open(orders, "wb") as fh:
        fh.write(b"order_id,timestamp,sku,quantity\n")
        fh.truncate(300 * 2**20)
    line = fail_case(tmp_path, orders=orders, names="huge orders.csv", problem="at most 256 MB")
    assert "300 MB" in line


def test_recording_longer_than_the_limit_is_refused_up_front():
    """Over 36 h the speech track would not fit a WAV file (4 GiB): refused before any work, 24-30 h work
    (bench/bench_scale.py recording --hours 24 --hours 30)."""
    from reelcart.errors import InputError
    from reelcart.models import MediaInfo
    from reelcart.media import probe

    def info(hours: float) -> MediaInfo:
        return MediaInfo(path="/rec/long.mp4", container="mov", duration_s=hours * 3600, size_bytes=1, has_video=True,
                         has_audio=True)

    probe.check_recording(info(30))
    with pytest.raises(InputError, match=r"long\.mp4: recording is 40\.0 h long; reelcart handles at most 36 h"):
        probe.check_recording(info(40))
