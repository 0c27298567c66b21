"""The floors of reels cut from the middle (bench/scenario_cuts.py families), asserted in the default
run: per family precision and recall >= 0.95 (right SKU, IoU >= 0.5 of the pitch-to-CTA span), the
share of the true pitch and CTA words the reel plays >= 0.9, and of the words of live-only lines and
digressions inside the pitch <= 0.1."""

from __future__ import annotations

import pytest

from bench.scenario_cuts import CUT_CEILING, CUT_FAMILIES, KEEP_FLOOR, word_shares
from bench.scenarios import FAMILIES, FamilyScore, generate, run_scenario

SEEDS = range(8)
FLOOR = 0.95


@pytest.fixture(scope="module")
def scores(tmp_path_factory) -> dict[str, tuple[FamilyScore, list[int]]]:
    base = tmp_path_factory.mktemp("cut-scenarios")
    out = {}
    for family in CUT_FAMILIES:
        fs, shares = FamilyScore(family, 0, 0, 0, 0), [0, 0, 0, 0]
        for seed in SEEDS:
            outcome = run_scenario(generate(family, seed), base / f"{family}-{seed}")
            fs.add(outcome)
            shares = [a + b for a, b in zip(shares, word_shares(outcome))]
        out[family] = (fs, shares)
    return out


def test_the_families_are_registered():
    assert set(CUT_FAMILIES) <= set(FAMILIES)


@pytest.mark.parametrize("family", CUT_FAMILIES)
def test_cut_family_floors(scores, family):
    fs, (kept, n_keep, cut_kept, n_cut) = scores[family]
    assert fs.truths > 0 and n_keep > 0
    assert fs.precision >= FLOOR, f"{family}: precision {fs.precision:.3f} ({fs.correct}/{fs.chosen})"
    assert fs.recall >= FLOOR, f"{family}: recall {fs.recall:.3f} ({fs.correct}/{fs.truths})"
    assert kept / n_keep >= KEEP_FLOOR, f"{family}: {kept}/{n_keep} pitch words kept"
    if family in ("live_only_mid", "digression_mid"):
        assert n_cut > 0 and cut_kept / n_cut <= CUT_CEILING, f"{family}: {cut_kept}/{n_cut} live-only/digression words kept"


def test_cut_families_cut_with_reasons(scores, tmp_path):
    # each reel of the live-only and digression families lists its cut with the right reason
    for family, reason in (("live_only_mid", "live_only"), ("digression_mid", "digression")):
        outcome = run_scenario(generate(family, 0), tmp_path / family)
        assert outcome.plan.moments and all(any(c.reason == reason for c in m.cuts) for m in outcome.plan.moments)
        assert all(len(m.segments) >= 2 for m in outcome.plan.moments)
