"""The studio's render job: the batch child renders an editor plan given in its spec, leaves
plan.json as it is (``write_plan: false``), reports each reel as a step event, reuses the reels
that did not change, and exports only the approved reels once one is reviewed."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import av
import pytest
from click.testing import CliRunner

from reelcart.batch.process import JobProcess
from reelcart.cli import main
from reelcart.config import load_preset, parse_set_option
from reelcart.stages.moments import load_plan
from reelcart.stages.render import reuse

from .batchkit import add_catalog, cut_clip, orders_csv

SETS = ["transcribe.model=tiny.en", "transcribe.beam_size=1", "reframe.mode=center", "render.width_px=144",
        "render.height_px=256", "render.normalize_loudness=false"]


def duration_of(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration) / 1e6


def run_job(spec: dict) -> tuple[dict, list[dict]]:
    proc = JobProcess(spec)
    events: list[dict] = []
    deadline = time.monotonic() + 300
    while not proc.done() and time.monotonic() < deadline:
        events += proc.read_events()
        time.sleep(0.05)
    events += proc.read_events()
    return proc.finish(), events


def steps(events: list[dict]) -> list[tuple[str, int, int, str]]:
    return [(e["stage"], e["done"], e["total"], e["detail"]) for e in events if e.get("event") == "step"]


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    root = tmp_path_factory.mktemp("studio-job")
    clip = cut_clip(root / "live.mp4")
    orders = root / "orders.csv"
    orders.write_text(orders_csv(), encoding="utf-8")
    catalog = add_catalog(root)
    out = root / "out"
    args = ["moments", str(clip), "--orders", str(orders), "--catalog", str(catalog), "--out", str(out)]
    result = CliRunner().invoke(main, [*args, *(a for s in SETS for a in ("--set", s))])
    assert result.exit_code == 0, result.output
    spec = {"name": "studio", "video": str(clip), "orders": str(orders), "catalog": str(catalog), "out": str(out),
            "preset": "default", "overrides": [parse_set_option(s) for s in SETS], "stream_start": None, "threads": 1,
            "problem": None}
    return out, spec


def test_child_renders_the_studio_plan_without_touching_plan_json(planned):
    out, spec = planned
    original = (out / "plan.json").read_bytes()
    plan = json.loads(original)
    assert [m["id"] for m in plan["moments"]] == ["reel-1"]
    plan["moments"][0]["review"] = "approved"
    plan["moments"].append({"id": "reel-2", "sku": "SKU-BAMBOO-750", "start_s": 35.0, "end_s": 41.0})  # the studio names its moments
    plan["revision"] = 1
    studio_plan = out / "studio" / "plan.json"
    studio_plan.parent.mkdir()
    studio_plan.write_text(json.dumps(plan), encoding="utf-8")
    job = {**spec, "plan": str(studio_plan), "write_plan": False}

    result, events = run_job(job)
    assert result["status"] == "done", result
    assert (out / "plan.json").read_bytes() == original
    assert steps(events) == [("render", 0, 2, "render reel-1"), ("render", 1, 2, "rendered reel-1"),
                             ("render", 1, 2, "render reel-2"), ("render", 2, 2, "rendered reel-2")]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(r["id"], r["review"]) for r in manifest["reels"]] == [("reel-1", "approved"), ("reel-2", "pending")]
    with open(out / "schedule.csv", newline="", encoding="utf-8") as fh:
        assert {row["reel"] for row in csv.DictReader(fh)} == {"reel-1"}

    # what the studio sees: both reels as rendered; then it moves reel-2's start and only that one is dirty
    preset = load_preset("default", spec["overrides"])
    context = reuse.load_render_context(out, preset)
    assert context is not None
    from reelcart.inputs.catalog import load_catalog

    products = load_catalog(Path(spec["catalog"])).by_sku()
    edited = load_plan(studio_plan)
    assert [reuse.rendered_state(out, m, product=products[m.sku], preset=preset, context=context)[1]
            for m in edited.moments] == [False, False]
    plan["moments"][1].update(start_s=37.0, segments=[{"start_s": 37.0, "end_s": 41.0}])
    studio_plan.write_text(json.dumps(plan), encoding="utf-8")
    edited = load_plan(studio_plan)
    assert [reuse.rendered_state(out, m, product=products[m.sku], preset=preset, context=context)[1]
            for m in edited.moments] == [False, True]

    kept = (out / "reel-1.mp4").stat()
    old = (out / "reel-2.mp4").stat()
    result, events = run_job(job)
    assert result["status"] == "done", result
    assert [s[3] for s in steps(events)] == ["reuse reel-1", "reused reel-1", "render reel-2", "rendered reel-2"]
    now = (out / "reel-1.mp4").stat()
    assert (now.st_ino, now.st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)
    assert (out / "reel-2.mp4").stat().st_ino != old.st_ino
    manifest = json.loads((out / "manifest.json").read_text())
    second = manifest["reels"][1]
    assert 36.5 <= second["start_s"] <= 37.0 and abs(duration_of(out / "reel-2.mp4") - second["duration_s"]) < 0.15
    assert 3.9 <= second["duration_s"] <= 4.6
    assert (out / "plan.json").read_bytes() == original

    # reel-2 rejected: kept in the plan, not rendered, not in the manifest (its file from before stays)
    plan["moments"][1]["review"] = "rejected"
    studio_plan.write_text(json.dumps(plan), encoding="utf-8")
    result, events = run_job(job)
    assert result["status"] == "done" and result["reels"] == 1, result
    assert [s[3] for s in steps(events)] == ["reuse reel-1", "reused reel-1"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [r["id"] for r in manifest["reels"]] == ["reel-1"] and manifest["exports"]["reels"] == ["reel-1"]
    assert (out / "reel-2.mp4").is_file() and not list((out / "tiktok").glob("reel-2*"))
