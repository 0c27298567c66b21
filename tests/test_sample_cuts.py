"""Done-when on the sample: the Cloud Comfort Blanket pitch holds two live-only lines ("comment
below", "for the next five minutes only"). Its reel keeps the whole pitch and the call to action,
cuts the live-only lines out of the middle, lists each cut in the plan, and its captions (the SRT)
hold none of their words. Transcription is the sample's known script (the planner is under test,
not the speech model); orders, spikes, planning and the caption plan run for real."""

from __future__ import annotations

import json
import re

import pytest

from reelcart.inputs.catalog import load_catalog
from reelcart.config import load_preset
from reelcart.pipeline import PLAN_FILE, Pipeline, RunRequest
from reelcart.media import probe
from reelcart.models import TimeRange
from reelcart.stages import render, transcribe

from .conftest import SAMPLES
from .test_pipeline_clock import scripted_transcription


@pytest.fixture(scope="module")
def planned(tmp_path_factory, sample_truth):
    mp = pytest.MonkeyPatch()
    mp.setattr(transcribe, "transcribe_windows", scripted_transcription(sample_truth))
    try:
        preset = load_preset("default", [{"reframe": {"mode": "center"}}])
        out = tmp_path_factory.mktemp("sample-cuts") / "out"
        request = RunRequest(video=SAMPLES / "livestream.mp4", orders=SAMPLES / "orders.csv", catalog=SAMPLES / "catalog.csv",
                             preset=preset, out_dir=out)
        result = Pipeline(request).run(until="plan")
        whole = [transcribe.TimeRange(start_s=0, end_s=sample_truth["duration_s"])]
        transcript = scripted_transcription(sample_truth)(None, whole, None)
    finally:
        mp.undo()
    return result, out, preset, transcript


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def test_blanket_reel_cuts_the_live_only_lines_and_keeps_the_pitch(planned, sample_truth):
    result, out, preset, transcript = planned
    blanket = next(m for m in result.plan.moments if m.sku == "SKU-CLOUD-BLK")
    truth = next(p for p in sample_truth["pitches"] if p["sku"] == "SKU-CLOUD-BLK")
    assert abs(blanket.start_s - truth["start_s"]) < 0.5  # starts at the sentence introducing the product
    assert truth["cta_end_s"] < blanket.end_s < truth["cta_end_s"] + 1.0 and blanket.cta_text == truth["cta_text"]
    live = [c for c in blanket.cuts if c.reason == "live_only"]
    assert [c.text.split(",")[0] for c in live] == ["Comment below if you always feel cold at night",
                                                    "For the next five minutes only"]
    assert len(blanket.segments) == 3 and blanket.warnings == []
    # listed in plan.json as written for the editor
    saved = json.loads((out / PLAN_FILE).read_text())
    entry = next(m for m in saved["moments"] if m["sku"] == "SKU-CLOUD-BLK")
    assert [c["reason"] for c in entry["cuts"]] == ["live_only", "live_only"]
    assert [(s["start_s"], s["end_s"]) for s in entry["segments"]] == [(s.start_s, s.end_s) for s in blanket.segments]
    # the reel's captions: none of the cut words, every other word of the pitch
    info = probe.probe_media(SAMPLES / "livestream.mp4")
    product = next(p for p in load_catalog(SAMPLES / "catalog.csv").products if p.sku == "SKU-CLOUD-BLK")
    srt = render.plan_reel(info, blanket, product, transcript, preset).srt_text
    said = words_of(" ".join(line for line in srt.splitlines() if line and not line[0].isdigit()))
    assert "minutes" not in said and "comment" not in said and "percent" not in said
    for sentence in ("the Cloud Comfort Blanket.", "it washes like a dream.", "my partner stole one on the very first night.",
                     "Only twenty left, grab yours quickly."):
        joined = " ".join(said)
        assert " ".join(words_of(sentence)) in joined, sentence
    assert "because the cloud comfort blanket was made for you" in " ".join(said)  # the rest of that sentence stays



def test_an_edited_multi_segment_plan_renders_what_it_says(planned, sample_truth, tmp_path):
    # the editor keeps the blanket reel, drops its last segment's tail sentence and adds a segment
    # of the glow serum's CTA at the end; `reelcart render` plays exactly those segments
    result, _, _, _ = planned
    blanket = next(m for m in result.plan.moments if m.sku == "SKU-CLOUD-BLK")
    glow_cta = next(p for p in sample_truth["pitches"] if p["sku"] == "SKU-GLOW-30")
    segments = [*blanket.segments, TimeRange(start_s=glow_cta["cta_start_s"] - 0.2, end_s=glow_cta["cta_end_s"] + 0.3)]
    segments.sort(key=lambda s: s.start_s)
    edited = result.plan.model_copy(update={"moments": [blanket.model_copy(update={"segments": segments, "crop": None})]})
    preset = load_preset("default", [{"reframe": {"mode": "center"}, "render": {"width_px": 144, "height_px": 256,
                                      "normalize_loudness": False, "thumbnail": False}}])
    mp = pytest.MonkeyPatch()
    mp.setattr(transcribe, "transcribe_windows", scripted_transcription(sample_truth))
    try:
        request = RunRequest(video=SAMPLES / "livestream.mp4", orders=SAMPLES / "orders.csv", catalog=SAMPLES / "catalog.csv",
                             preset=preset, out_dir=tmp_path / "out", plan=edited, plan_file=tmp_path / "plan.json")
        run = Pipeline(request).run()
    finally:
        mp.undo()
    (reel,) = run.manifest.reels
    assert [(s.start_s, s.end_s) for s in reel.segments][0][0] < glow_cta["cta_start_s"]  # the added segment leads
    assert len(reel.segments) == 4 and [c.reason for c in reel.cuts] == ["edited", "live_only", "live_only"]
    info = probe.probe_media(tmp_path / "out" / reel.file)
    assert abs(info.duration_s - reel.duration_s) < 0.1
    srt = (tmp_path / "out" / reel.captions).read_text()
    said = " ".join(words_of(" ".join(line for line in srt.splitlines() if line and not line[0].isdigit())))
    assert said.startswith("tap the orange cart below to grab yours")
    assert "minutes" not in said and "comment" not in said and "only twenty left grab yours quickly" in said
