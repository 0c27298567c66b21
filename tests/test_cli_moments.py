"""The editor loop on real media: `reelcart moments` plans without rendering, an editor changes
plan.json by hand (times, a removed moment, a swapped product, a moment typed in), `reelcart render`
renders exactly that, and an impossible edit fails on one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import pytest
from click.testing import CliRunner

from reelcart.cli import main

from .conftest import SAMPLES

FAST = [
    "--set", "transcribe.model=tiny.en", "--set", "reframe.mode=center", "--set", "render.width_px=144",
    "--set", "render.height_px=256", "--set", "render.normalize_loudness=false",
]


def duration_of(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration) / 1e6


@pytest.fixture(scope="module")
def planned(short_clip, tmp_path_factory):
    out = tmp_path_factory.mktemp("editor") / "out"
    result = CliRunner().invoke(main, ["moments", str(short_clip), "--orders", str(SAMPLES / "orders.csv"),
                                       "--catalog", str(SAMPLES / "catalog.csv"), "--out", str(out), *FAST])
    return out, result


def test_moments_prints_the_plan_and_writes_plan_json_without_rendering(planned, sample_truth):
    out, result = planned
    assert result.exit_code == 0, result.output
    text = result.stdout
    # what was read from the order log, including what was left out
    assert "orders: 36 used of 81 rows (generic); 3 duplicate" in text
    assert "42 orders fall outside the recording (0-110 s)" in text
    # the table: range, product, score parts, first words
    header, row = next((lines[i], lines[i + 1]) for lines in [text.splitlines()] for i, line in enumerate(lines)
                       if line.startswith("id "))
    assert "sales pitch  cta speech stale" in header and "first words" in header
    heard = " ".join("".join(ch if ch.isalnum() else " " for ch in row.lower()).split())  # punctuation varies by decode
    # the words themselves vary with the CPU's decode ("first up tonight", "first up to hide"): the row
    # shows the plan's first words, and the pitch starts at its opening words
    assert row.startswith("reel-1  0:21.") and "Velvet Glow Serum" in row and "first up" in heard
    assert "note: 1 of 3 reels planned" in text and "1 order spike(s)" in text
    plan = json.loads((out / "plan.json").read_text())
    (m,) = plan["moments"]
    glow = next(p for p in sample_truth["pitches"] if p["sku"] == "SKU-GLOW-30")
    assert m["sku"] == "SKU-GLOW-30" and abs(m["start_s"] - glow["start_s"]) < 0.6
    shown = " ".join("".join(ch if ch.isalnum() else " " for ch in m["first_words"].lower()).split())
    assert shown[:40] in heard
    assert glow["cta_end_s"] < m["end_s"] < glow["cta_end_s"] + 1.5
    assert set(m["score"]) == {"sales_lift", "pitch", "call_to_action", "speech_density", "stale_penalty", "total"}
    assert plan["inputs"]["orders"].endswith("orders.csv") and plan["order_stats"]["outside_recording"] == 42
    assert not list(out.glob("*.mp4"))  # planning renders nothing


def test_render_follows_the_hand_edited_plan(planned):
    out, result = planned
    assert result.exit_code == 0, result.output
    plan_file = out / "plan.json"
    runner = CliRunner()

    # 1. changed times (a cut inside a word moves to its edge) and a moment typed in by hand
    plan = json.loads(plan_file.read_text())
    plan["moments"][0].update(start_s=30.0, end_s=40.0)
    plan["moments"].append({"sku": "SKU-BAMBOO-750", "start_s": 55.0, "end_s": 61.0})
    plan_file.write_text(json.dumps(plan, indent=2))
    result = runner.invoke(main, ["render", str(plan_file), *FAST])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    reels = {r["id"]: r for r in manifest["reels"]}
    assert [(r["id"], r["product"]["sku"]) for r in manifest["reels"]] == [("reel-1", "SKU-GLOW-30"), ("reel-2", "SKU-BAMBOO-750")]
    assert 29.5 < reels["reel-1"]["start_s"] <= 30.0 and reels["reel-1"]["end_s"] >= 40.0
    for reel_id, wanted in (("reel-1", reels["reel-1"]["duration_s"]), ("reel-2", reels["reel-2"]["duration_s"])):
        assert abs(duration_of(out / f"{reel_id}.mp4") - wanted) < 0.2
    assert 6.0 <= reels["reel-2"]["duration_s"] <= 7.0
    assert any(w.startswith("start moved from 30.00") for w in reels["reel-1"]["warnings"])
    assert "start moved from 30.00" in result.stdout

    # 2. a moment removed and the product of the other swapped
    plan = json.loads(plan_file.read_text())
    plan["moments"] = [m for m in plan["moments"] if m["id"] == "reel-2"]
    plan["moments"][0]["sku"] = "SKU-CLOUD-BLK"
    plan_file.write_text(json.dumps(plan, indent=2))
    result = runner.invoke(main, ["render", str(plan_file), *FAST])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    (reel,) = manifest["reels"]
    assert reel["id"] == "reel-2" and reel["product"]["name"] == "Cloud Comfort Blanket"
    assert reel["link"].startswith("https://shop.example.com/products/cloud-comfort-blanket?variant=123&utm_")
    assert abs(duration_of(out / "reel-2.mp4") - reel["duration_s"]) < 0.2

    # 3. times outside the recording: one line, naming the plan file, the moment and the problem
    plan["moments"][0]["end_s"] = 500
    plan_file.write_text(json.dumps(plan, indent=2))
    result = runner.invoke(main, ["render", str(plan_file), *FAST])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("reelcart: error:")]
    assert len(errors) == 1 and not result.stdout
    assert re.fullmatch(rf"reelcart: error: {re.escape(str(plan_file))}: moment reel-2: 54\.9-500\.0 s is outside the "
                        r"recording \(0-110\.\d s\)", errors[0]), errors[0]
