"""Precision and recall of the moment finder per hard-case family, on synthetic sessions.

    PYTHONPATH=src python bench/bench_moments.py [--seeds 40] [--family lag ...] [--show-misses]

A chosen moment is right when it names the right SKU and overlaps the true pitch-to-call-to-action
window with IoU >= 0.5. Every scenario goes through the real order reader, spike detection (and
the clock-offset estimate for clock_off) and moment planner; no speech model is involved.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scenario_cuts import CUT_FAMILIES, word_shares  # noqa: E402
from bench.scenarios import FAMILIES, FamilyScore, generate, iou, run_scenario  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40, help="scenarios per family")
    parser.add_argument("--family", action="append", choices=FAMILIES, help="only these families")
    parser.add_argument("--show-misses", action="store_true", help="print the scenarios with a wrong or missing moment")
    args = parser.parse_args()
    families = tuple(args.family or FAMILIES)
    started = time.perf_counter()
    rows: list[FamilyScore] = []
    formats: set[str] = set()
    shares: dict[str, list[int]] = {}  # family -> [pitch words kept, pitch words, cut-worthy kept, cut-worthy]
    with tempfile.TemporaryDirectory() as tmp:
        for family in families:
            fs = FamilyScore(family, 0, 0, 0, 0)
            for seed in range(args.seeds):
                scenario = generate(family, seed)
                formats.add(scenario.order_format)
                out = run_scenario(scenario, Path(tmp) / f"{family}-{seed}")
                fs.add(out)
                shares[family] = [a + b for a, b in zip(shares.get(family, [0, 0, 0, 0]), word_shares(out))]
                if args.show_misses and (out.correct < out.chosen or out.correct < out.truths):
                    print(f"-- {family} seed {seed} ({scenario.language}, {scenario.order_format}): "
                          f"{out.correct} right of {out.chosen} chosen, {out.truths} true")
                    for t in scenario.truths:
                        print(f"   truth  {t.sku:<12} {t.start_s:7.1f}-{t.end_s:7.1f}  spike {t.spike_s:7.1f}")
                    for m in out.plan.moments:
                        best = max((iou((m.start_s, m.end_s), (t.start_s, t.end_s)) for t in scenario.truths if t.sku == m.sku), default=0)
                        print(f"   chosen {m.sku:<12} {m.start_s:7.1f}-{m.end_s:7.1f}  spike {m.spike_onset_s or 0:7.1f}  IoU {best:.2f}")
                    for r in out.plan.rejected:
                        print(f"   rejected {r.sku} @ {r.spike_onset_s}: {r.reason}")
            rows.append(fs)
    elapsed = time.perf_counter() - started
    print("| family | scenarios | true pitches | chosen | precision | recall | pitch words kept | live-only/digression words kept |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for fs in rows:
        extra = ""
        if fs.clock_errors:
            errs = sorted(fs.clock_errors)
            extra = f" (clock offset error: median {errs[len(errs) // 2]:.0f} s, max {errs[-1]:.0f} s)"
        kept, n_keep, cut_kept, n_cut = shares[fs.family] if fs.family in CUT_FAMILIES else (0, 0, 0, 0)
        words = f"{kept / n_keep:.3f}" if n_keep else "–"
        cut = f"{cut_kept / n_cut:.3f}" if n_cut else "–"
        print(f"| {fs.family}{extra} | {fs.scenarios} | {fs.truths} | {fs.chosen} | {fs.precision:.3f} | {fs.recall:.3f} | {words} | {cut} |")
    total = FamilyScore("all", sum(r.scenarios for r in rows), sum(r.correct for r in rows), sum(r.chosen for r in rows),
                        sum(r.truths for r in rows))
    print(f"| **all** | {total.scenarios} | {total.truths} | {total.chosen} | {total.precision:.3f} | {total.recall:.3f} | | |")
    print(f"\n{total.scenarios} scenarios in {elapsed:.1f} s; order-log formats exercised: {', '.join(sorted(formats))}")
    worst = min(min(r.precision, r.recall) for r in rows)
    return 0 if worst >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
