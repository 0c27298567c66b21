"""Studio edits: word-edge snapping, segments, product, review, new moments, revisions, two tabs,
and the style file; each checked on plan.json as written to disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from reelcart.config import load_preset
from reelcart.models import TimeRange, Word
from reelcart.stages.moments import load_plan
from reelcart.studio.edits import cut_bounds, insert_span, snap_to, subtract, word_edges
from reelcart.studio.store import find_conflict

from .studio_helpers import copy_run, edit, plan_on_disk, rid, studio_client, word_ends, word_starts

WORDS = [Word(text=t, start_s=s, end_s=e) for t, s, e in
         [("try", 10.0, 10.3), ("the", 10.4, 10.5), ("serum", 10.6, 11.2), ("today", 11.5, 12.0)]]


def test_snapping_goes_to_the_nearest_word_edge_of_the_right_kind():
    starts, ends = word_edges(WORDS)
    assert snap_to(10.55, starts) == 10.6 and snap_to(10.55, ends) == 10.5
    assert snap_to(11.4, ends) == 11.2
    assert snap_to(30.0, ends) == 30.0  # nothing within reach: left where it was dropped
    assert cut_bounds(10.45, 10.7, WORDS) == (10.4, 11.2)  # whole words leave


def test_span_arithmetic():
    spans = [TimeRange(start_s=0, end_s=10), TimeRange(start_s=20, end_s=30)]
    assert [(s.start_s, s.end_s) for s in subtract(spans, 4, 6)] == [(0, 4), (6, 10), (20, 30)]
    assert [(s.start_s, s.end_s) for s in subtract(spans, 8, 25)] == [(0, 8), (25, 30)]
    assert [(s.start_s, s.end_s) for s in insert_span(spans, TimeRange(start_s=9, end_s=21))] == [(0, 30)]
    assert [(s.start_s, s.end_s) for s in insert_span(spans, TimeRange(start_s=12, end_s=14))] == [(0, 10), (12, 14), (20, 30)]


def test_conflict_rule():
    log = [{"revision": 1, "moment": "reel-1", "op": {"type": "set_edges"}},
           {"revision": 2, "moment": "reel-2", "op": {"type": "cut"}}]
    assert find_conflict(log, 2, 2, "reel-1") is None
    assert find_conflict(log, 1, 2, "reel-1") is None  # only reel-2 changed since revision 1
    assert "reel-1 was changed in another tab" in find_conflict(log, 0, 2, "reel-1")
    assert "outside this studio" in find_conflict(log[:1], 0, 2, "reel-3")
    assert find_conflict(log, 0, 2, None) is None  # a new moment touches no one's reel


@pytest.fixture
def studio(sample_run, tmp_path):
    folder = copy_run(sample_run[0], tmp_path)
    client = studio_client(folder)
    run = rid(folder)
    return folder, client, run, client.get(f"/api/runs/{run}").json()


def _moment(plan: dict, moment_id: str) -> dict:
    return next(m for m in plan["moments"] if m["id"] == moment_id)


def test_out_point_snaps_to_a_word_end_and_is_written_with_a_revision(studio):
    folder, client, run, state = studio
    m = _moment(state["plan"], "reel-1")
    target = m["end_s"] - 4.13
    response = edit(client, run, state["revision"], {"type": "set_edges", "moment": "reel-1", "out_s": target})
    assert response.status_code == 200, response.text
    body = response.json()
    on_disk = plan_on_disk(folder)
    new = _moment(on_disk, "reel-1")
    assert on_disk["revision"] == state["revision"] + 1 == body["revision"]
    assert round(new["end_s"], 3) in word_ends(state) and abs(new["end_s"] - target) < 3
    assert new["end_s"] < m["end_s"] and new["segments"][-1]["end_s"] == new["end_s"]
    assert any("out point" in n for n in body["notes"])
    load_plan(folder / "plan.json")  # still a plan `reelcart render` reads
    log = (folder / "work" / "studio" / "edits.jsonl").read_text().splitlines()
    assert len(log) == 1 and '"set_edges"' in log[0]
    assert body["reels"]["reel-1"]["dirty"] is True and body["reels"]["reel-2"]["dirty"] is False


def test_cut_segments_product_review_and_delete(studio):
    folder, client, run, state = studio
    m = _moment(state["plan"], "reel-1")
    inside = [w for w in state["words"] if m["start_s"] + 5 < w["start_s"] and w["end_s"] < m["end_s"] - 5]
    a, b = inside[2], inside[5]
    rev = state["revision"]
    r = edit(client, run, rev, {"type": "cut", "moment": "reel-1", "start_s": a["start_s"], "end_s": b["end_s"]})
    assert r.status_code == 200, r.text
    new = _moment(plan_on_disk(folder), "reel-1")
    assert len(new["segments"]) == len(m["segments"]) + 1
    edited = [c for c in new["cuts"] if c["reason"] == "edited"]
    assert edited and edited[0]["start_s"] == pytest.approx(a["start_s"], abs=0.01)
    assert edited[0]["end_s"] == pytest.approx(b["end_s"], abs=0.01) and b["text"].strip(".,!?") in edited[0]["text"]
    rev = r.json()["revision"]
    other = next(p for p in state["catalog"] if p["sku"] != m["sku"])
    r = edit(client, run, rev, {"type": "swap_product", "moment": "reel-1", "sku": other["sku"]})
    new = _moment(plan_on_disk(folder), "reel-1")
    assert r.status_code == 200 and new["sku"] == other["sku"] and new["product_name"] == other["name"]
    assert any(other["name"] in w and "not named" in w for w in new["warnings"])
    rev = r.json()["revision"]
    r = edit(client, run, rev, {"type": "remove_segment", "moment": "reel-1", "index": 0})
    assert r.status_code == 200 and len(_moment(plan_on_disk(folder), "reel-1")["segments"]) == len(new["segments"]) - 1
    rev = r.json()["revision"]
    r = edit(client, run, rev, {"type": "review", "moment": "reel-2", "status": "rejected"})
    assert r.status_code == 200 and _moment(plan_on_disk(folder), "reel-2")["review"] == "rejected"
    assert r.json()["reels"]["reel-2"]["dirty"] is False  # a rejected reel is not rendered
    rev = r.json()["revision"]
    r = edit(client, run, rev, {"type": "delete_moment", "moment": "reel-3"})
    assert r.status_code == 200 and [m["id"] for m in plan_on_disk(folder)["moments"]] == ["reel-1", "reel-2"]
    assert plan_on_disk(folder)["revision"] == rev + 1


def test_new_moment_from_selected_words_finds_the_product(studio):
    folder, client, run, state = studio
    m = _moment(state["plan"], "reel-2")
    words = [w for w in state["words"] if m["start_s"] <= w["start_s"] and w["end_s"] <= m["end_s"]]
    r = edit(client, run, state["revision"], {"type": "new_moment", "start_s": words[0]["start_s"] + 0.05,
                                              "end_s": words[-1]["end_s"] - 0.05, "sku": None})
    assert r.status_code == 200, r.text
    made = _moment(plan_on_disk(folder), r.json()["moment"])
    assert made["id"] == "reel-4" and made["sku"] == m["sku"] and made["review"] == "pending"
    assert round(made["start_s"], 3) in word_starts(state) and round(made["end_s"], 3) in word_ends(state)
    assert any("overlaps reel-2" in w for w in made["warnings"])
    assert r.json()["reels"]["reel-4"] == {"rendered": False, "dirty": True, "file_url": None, "thumbnail_url": None,
                                           "duration_s": None}


@pytest.mark.parametrize("op, words", [
    ({"type": "set_edges", "moment": "reel-1", "out_s": 0.5}, "is not after the in point"),
    ({"type": "add_segment", "moment": "reel-1", "start_s": 99990, "end_s": 99999}, "outside the recording"),
    ({"type": "swap_product", "moment": "reel-1", "sku": "NOPE"}, "not in the catalog"),
    ({"type": "remove_segment", "moment": "reel-1", "index": 7}, "has no segment 8"),
    ({"type": "review", "moment": "reel-9", "status": "approved"}, "no reel 'reel-9'"),
    ({"type": "explode", "moment": "reel-1"}, "edit:"),
    ({"type": "set_edges", "moment": "reel-1", "out_s": "late"}, "edit:"),
])
def test_impossible_edits_are_refused_and_nothing_is_written(studio, op, words):
    folder, client, run, state = studio
    before = (folder / "plan.json").read_bytes()
    r = edit(client, run, state["revision"], op)
    assert r.status_code == 422, r.text
    assert words in r.json()["message"] and "\n" not in r.json()["message"]
    assert (folder / "plan.json").read_bytes() == before


def test_two_tabs_get_a_conflict_and_lose_no_edit(studio):
    folder, client, run, state = studio
    rev = state["revision"]
    m1, m2 = _moment(state["plan"], "reel-1"), _moment(state["plan"], "reel-2")
    tab_a = edit(client, run, rev, {"type": "set_edges", "moment": "reel-1", "out_s": m1["end_s"] - 3})
    assert tab_a.status_code == 200
    # tab B is still on the old revision: an edit of another reel goes through
    tab_b = edit(client, run, rev, {"type": "set_edges", "moment": "reel-2", "in_s": m2["start_s"] + 2})
    assert tab_b.status_code == 200 and tab_b.json()["revision"] == rev + 2
    # ... an edit of the reel tab A changed is refused with a message that says why
    clash = {"type": "set_edges", "moment": "reel-1", "out_s": m1["end_s"] - 6}
    refused = edit(client, run, rev, clash)
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "conflict" and body["revision"] == rev + 2
    assert "reel-1 was changed in another tab" in body["message"] and "kept" in body["message"]
    on_disk = plan_on_disk(folder)
    assert _moment(on_disk, "reel-1")["end_s"] == _moment(tab_a.json()["plan"], "reel-1")["end_s"]  # A's edit stands
    assert _moment(on_disk, "reel-2")["start_s"] == _moment(tab_b.json()["plan"], "reel-2")["start_s"]  # B's too
    # B applies its kept edit again on the latest revision
    again = edit(client, run, body["revision"], clash)
    assert again.status_code == 200 and _moment(plan_on_disk(folder), "reel-1")["end_s"] < _moment(on_disk, "reel-1")["end_s"]


def test_a_plan_rewritten_outside_the_studio_is_a_conflict(studio):
    folder, client, run, state = studio
    plan = load_plan(folder / "plan.json")
    (folder / "plan.json").write_text(plan.model_copy(update={"revision": plan.revision + 1}).model_dump_json())
    r = edit(client, run, state["revision"], {"type": "review", "moment": "reel-1", "status": "approved"})
    assert r.status_code == 409 and "outside this studio" in r.json()["message"]


def test_style_is_validated_and_written_to_a_preset_file(studio):
    folder, client, run, state = studio
    style = state["style"]
    assert style["preset"] == "default" and "karaoke" in style["presets"] and style["file"] is None
    csrf = {"X-Reelcart-CSRF": "test-csrf-abcdef"}
    bad = {"preset": "default", "captions": {**style["captions"], "highlight_colour": "red; }"}}
    r = client.put(f"/api/runs/{run}/style", json=bad, headers=csrf)
    assert r.status_code == 422 and "highlight_colour" in r.json()["message"]
    assert not (folder / "studio-preset.yaml").exists()
    good = {"preset": "karaoke", "captions": {**style["captions"], "font_size_px": 80, "highlight_colour": "#00FF00",
                                              "position": "middle"}}
    r = client.put(f"/api/runs/{run}/style", json=good, headers=csrf)
    assert r.status_code == 200, r.text
    written = folder / "studio-preset.yaml"
    data = yaml.safe_load(written.read_text())
    assert data["extends"] == "karaoke" and data["captions"]["font_size_px"] == 80
    preset = load_preset(str(written))
    assert preset.captions.highlight_colour == "#00FF00" and preset.captions.position == "middle"
    assert plan_on_disk(folder)["inputs"]["preset"] == "studio-preset.yaml"
    fresh = client.get(f"/api/runs/{run}").json()["style"]
    assert fresh["preset"] == "karaoke" and fresh["file"] == "studio-preset.yaml" and fresh["captions"]["font_size_px"] == 80
    assert all(v["dirty"] for v in r.json()["reels"].values())  # every reel now renders in the new style


def test_a_batch_folder_serves_each_run(sample_run, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    first = copy_run(sample_run[0], batch, "show-1")
    copy_run(sample_run[0], batch, "show <2>")
    client = studio_client(batch)
    runs = client.get("/api/runs").json()["runs"]
    assert sorted(r["name"] for r in runs) == ["show <2>", "show-1"]
    assert all(r["reels"] == 3 and r["rendered"] for r in runs)
    assert {r["id"] for r in runs} == {rid(batch, first), rid(batch, batch / "show <2>")}
    assert all(Path(r["id"]).name == r["id"] and "<" not in r["id"] for r in runs)


def test_two_studios_on_one_folder_lose_no_edit(sample_run, tmp_path):
    """Two studio processes' worth of state (two apps, no shared memory) editing at once: the lock
    file serialises them, every edit lands once with its own revision."""
    import threading

    folder = copy_run(sample_run[0], tmp_path)
    clients = [studio_client(folder), studio_client(folder)]
    run = rid(folder)
    start = clients[0].get(f"/api/runs/{run}").json()["revision"]
    failures: list[str] = []

    def tab(client, moment: str) -> None:  # noqa: ANN001
        seen = start
        for k in range(5):
            status = ("approved", "pending")[k % 2]
            r = edit(client, run, seen, {"type": "review", "moment": moment, "status": status})
            if r.status_code != 200:
                failures.append(r.text)
                return
            seen = r.json()["revision"]

    threads = [threading.Thread(target=tab, args=(c, m)) for c, m in zip(clients, ("reel-1", "reel-2"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    log = [json.loads(line) for line in (folder / "work" / "studio" / "edits.jsonl").read_text().splitlines()]
    assert sorted(e["revision"] for e in log) == list(range(start + 1, start + 11))
    assert plan_on_disk(folder)["revision"] == start + 10
    reviews = {m["id"]: m["review"] for m in plan_on_disk(folder)["moments"]}
    assert reviews["reel-1"] == reviews["reel-2"] == "approved"


def test_undo_takes_edits_back_one_by_one_exactly(studio):
    folder, client, run, state = studio
    original = plan_on_disk(folder)
    m1 = _moment(original, "reel-1")
    rev = state["revision"]
    words = [w for w in state["words"] if m1["start_s"] + 3 < w["start_s"] and w["end_s"] < m1["end_s"] - 3]
    other = next(p for p in state["catalog"] if p["sku"] != m1["sku"])
    ops = [{"type": "set_edges", "moment": "reel-1", "out_s": m1["end_s"] - 4},
           {"type": "cut", "moment": "reel-1", "start_s": words[1]["start_s"], "end_s": words[3]["end_s"]},
           {"type": "swap_product", "moment": "reel-1", "sku": other["sku"]},
           {"type": "delete_moment", "moment": "reel-2"},
           {"type": "new_moment", "start_s": words[0]["start_s"], "end_s": words[-1]["end_s"], "sku": other["sku"]}]
    for op in ops:
        r = edit(client, run, rev, op)
        assert r.status_code == 200, r.text
        rev = r.json()["revision"]
    assert [m["id"] for m in plan_on_disk(folder)["moments"]] == ["reel-1", "reel-3", "reel-4"]
    notes = []
    for _ in ops:
        r = edit(client, run, rev, {"type": "undo"})
        assert r.status_code == 200, r.text
        rev = r.json()["revision"]
        notes += r.json()["notes"]
    assert notes[0].startswith("undid the new moment of reel-4") and notes[-1].startswith("undid the set edges of reel-1")
    back = plan_on_disk(folder)
    assert back["moments"] == original["moments"]  # every moment exactly as it was, crop path and all
    assert back["revision"] == state["revision"] + 2 * len(ops)
    r = edit(client, run, rev, {"type": "undo"})
    assert r.status_code == 422 and "nothing to undo" in r.json()["message"]


def test_undo_of_another_tabs_edit_is_a_conflict(studio):
    folder, client, run, state = studio
    m1 = _moment(state["plan"], "reel-1")
    rev = state["revision"]
    assert edit(client, run, rev, {"type": "set_edges", "moment": "reel-1", "out_s": m1["end_s"] - 4}).status_code == 200
    blind = edit(client, run, rev, {"type": "undo"})  # a tab that never saw that edit does not take it back
    assert blind.status_code == 409 and "reel-1 was changed in another tab" in blind.json()["message"]
    assert edit(client, run, rev + 1, {"type": "undo"}).status_code == 200
    assert _moment(plan_on_disk(folder), "reel-1") == _moment(state["plan"], "reel-1")
