"""Every platform's order export, in its real shape, end to end through `reelcart moments` on the
sample recording. The exports carry the sample's sales (tests/data/exports/make_exports.py); the
catalog lists products, the exports name variants. Transcription is replaced by the sample's known
script: the order reading and the moments it leads to are under test, not the speech model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelcart.cli import main
from reelcart.stages import transcribe

from .conftest import SAMPLES
from .test_pipeline_clock import scripted_transcription

EXPORTS = Path(__file__).parent / "data" / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))


def run_moments(tmp_path: Path, files: list[str], *options: str) -> tuple[object, dict]:
    args = ["moments", str(SAMPLES / "livestream.mp4")]
    for name in files:
        args += ["--orders", str(EXPORTS / name)]
    args += ["--catalog", str(EXPORTS / "catalog.csv"), "--out", str(tmp_path / "out"), "--set", "reframe.mode=center",
             *options]
    result = CliRunner().invoke(main, args)
    plan = json.loads((tmp_path / "out" / "plan.json").read_text()) if result.exit_code == 0 else {}
    return result, plan


@pytest.fixture
def scripted(monkeypatch, sample_truth):
    monkeypatch.setattr(transcribe, "transcribe_windows", scripted_transcription(sample_truth))
    return sample_truth


@pytest.mark.parametrize("platform", sorted(EXPECTED))
def test_platform_export_end_to_end(tmp_path, scripted, platform):
    expected = EXPECTED[platform]
    result, plan = run_moments(tmp_path, expected["files"], *expected["options"])
    assert result.exit_code == 0, result.output
    stats = plan["order_stats"]
    assert (stats["format"], stats["rows"], stats["orders_used"]) == (expected["format"], expected["rows"],
                                                                      expected["orders_used"])
    assert stats["outside_recording"] == expected.get("outside", 0) and stats["unreadable"] == 0
    assert stats["not_live"] == expected.get("not_live", 0) and not stats["unknown_skus"] and not stats["ambiguous"]
    assert f"orders: {expected['orders_used']} used of {expected['rows']} rows ({expected['format']})" in result.output
    assert "products matched by: " in result.output
    if "inferred" in expected:  # shop-local times without an offset: the one offset that fits, said so
        assert f"read as {expected['inferred']}, inferred: set orders.timezone to be explicit" in result.output
    # the right moments: one reel per pitch that sold, cut from the pitch to its call to action
    truth = {p["sku"]: p for p in scripted["pitches"] if p["spike"]}
    assert [m["sku"] for m in plan["moments"]] == expected["reels"] == list(truth)
    for m in plan["moments"]:
        assert abs(m["start_s"] - truth[m["sku"]]["start_s"]) < 0.6
        assert truth[m["sku"]]["cta_end_s"] < m["end_s"] < truth[m["sku"]]["cta_end_s"] + 1.5


def test_shopify_variants_and_both_header_spellings_read_alike(tmp_path, scripted):
    first, plan = run_moments(tmp_path / "a", ["orders_export_1.csv"])
    other, plan_other = run_moments(tmp_path / "b", ["orders_export_spelling.csv"])
    assert first.exit_code == 0 and other.exit_code == 0, other.output
    stats = plan["order_stats"]
    assert stats["matched_by"] == plan_other["order_stats"]["matched_by"] == {"sku_prefix": 66, "name": 15}
    # the cancelled order's continuation row carries no status: it is cancelled with its order
    assert stats["cancelled"] == plan_other["order_stats"]["cancelled"] == 4
    assert len(plan["moments"]) == 3


def test_live_only_false_counts_every_channel(tmp_path, scripted):
    expected = EXPECTED["tiktok_vn"]
    result, plan = run_moments(tmp_path, expected["files"], "--set", "orders.live_only=false")
    assert result.exit_code == 0, result.output
    stats = plan["order_stats"]
    # the 12 orders from videos and product cards count now (the last one lands after the recording's end)
    assert (stats["orders_used"], stats["outside_recording"], stats["not_live"]) == (expected["orders_used"] + 11, 1, 0)
    assert "sales channel: 81 orders from the live, 12 from elsewhere" in result.output


def test_taobao_detail_list_alone_says_what_is_missing(tmp_path, scripted):
    result, _ = run_moments(tmp_path, ["ExportOrderDetailList202611201200.csv"])
    assert result.exit_code != 0
    assert "ExportOrderDetailList202611201200.csv: a Taobao ExportOrderDetailList holds no order times" in result.output
    assert "--orders twice" in result.output and "Traceback" not in result.output


def test_an_explicit_zone_still_wins_over_the_inference(tmp_path, scripted):
    result, plan = run_moments(tmp_path, ["tiktok_us.csv"], "--set", "orders.timezone=America/New_York")
    assert result.exit_code == 0, result.output
    assert "read in America/New_York (orders.timezone)" in result.output and "inferred" not in result.output
    assert len(plan["moments"]) == 3
