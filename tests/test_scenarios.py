"""The evaluation floor: precision and recall of chosen moments >= 0.9 in every hard-case family
(>= 0.95 in the platform-export and variant-catalog families).

Synthetic sessions from bench/scenarios.py go through the real order reader, spike detection,
clock-offset estimate and moment planner (no speech model). bench/bench_moments.py prints the full
table with more seeds.
"""

from __future__ import annotations

import pytest

from bench.scenario_exports import EXPORT_FAMILIES, EXPORT_FORMATS
from bench.scenarios import FAMILIES, FamilyScore, generate, run_scenario

SEEDS = range(6)
FLOOR = 0.9
EXPORT_FLOOR = 0.95


@pytest.fixture(scope="module")
def scores(tmp_path_factory) -> dict[str, tuple[FamilyScore, list]]:
    base = tmp_path_factory.mktemp("scenarios")
    out = {}
    for family in FAMILIES:
        fs = FamilyScore(family, 0, 0, 0, 0)
        outcomes = []
        for seed in SEEDS:
            outcome = run_scenario(generate(family, seed), base / f"{family}-{seed}")
            outcomes.append(outcome)
            fs.add(outcome)
        out[family] = (fs, outcomes)
    return out


@pytest.mark.parametrize("family", FAMILIES)
def test_precision_and_recall_floor(scores, family):
    fs, _ = scores[family]
    floor = EXPORT_FLOOR if family in EXPORT_FAMILIES else FLOOR
    assert fs.truths > 0
    assert fs.precision >= floor, f"{family}: precision {fs.precision:.3f} ({fs.correct}/{fs.chosen})"
    assert fs.recall >= floor, f"{family}: recall {fs.recall:.3f} ({fs.correct}/{fs.truths})"


def test_shop_clock_off_by_minutes_is_estimated_and_applied(scores):
    fs, outcomes = scores["clock_off"]
    for outcome in outcomes:
        estimate = outcome.plan.clock_estimate
        assert estimate is not None and estimate.applied, estimate
        assert estimate.confidence >= 0.5
        assert 120 <= abs(outcome.scenario.clock_error_s) <= 600
        assert outcome.clock_error_s <= 60  # within the look-back slack, far below the minutes it was off


def test_every_export_format_and_language_is_exercised(scores):
    formats = {o.scenario.order_format for _, outcomes in scores.values() for o in outcomes}
    languages = {o.scenario.language for _, outcomes in scores.values() for o in outcomes}
    assert formats == {"iso", "iso_mixed", "shopify", "tiktok", "epoch", "semicolon", "jsonl", "excel_serial",
                       *EXPORT_FORMATS}
    assert languages == {"en", "es", "ar", "vi", "zh"}


def test_decoys_never_become_reels(scores):
    for _, outcomes in scores.values():
        for outcome in outcomes:
            decoys = {row["sku"] for row in outcome.scenario.catalog_rows if row["sku"].endswith(("GIFT-50", "MYSTERY-BOX"))
                      or row["sku"] in ("ES-TARJETA", "AR-GIFT", "VI-QUA", "ZH-LIPIN")}
            assert not decoys & {m.sku for m in outcome.plan.moments}


EXPORT_RULES = {"export_shopify": {"sku_prefix", "name"}, "export_tiktok": {"variants"}, "export_shopee": {"sku"},
                "export_lazada": {"sku_prefix"}, "export_douyin": {"sku_prefix", "product_id"},
                "export_taobao": {"sku_prefix"}, "export_woocommerce": {"sku_prefix", "name"}, "variants_column": {"variants"}}


@pytest.mark.parametrize("family", EXPORT_FAMILIES)
def test_export_families_are_read_by_their_platform_reader_and_match_rules(scores, family):
    _, outcomes = scores[family]
    for outcome in outcomes:
        stats = outcome.plan.order_stats
        expected_format = "generic" if family == "variants_column" else family.replace("export_", "")
        assert stats.format == expected_format and stats.orders_used > 0 and stats.unreadable == 0
        assert set(stats.matched_by) == EXPORT_RULES[family] and not stats.ambiguous
        if family in ("export_tiktok", "export_douyin"):
            assert stats.not_live > 0 and any(n.startswith("sales channel:") for n in stats.notes)
