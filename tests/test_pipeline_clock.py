"""The opt-in clock-offset estimate inside the pipeline, on the sample recording whose shop clock
is made to run seven minutes behind. Transcription is replaced by the sample's known script (the
estimate's behaviour, not the speech model, is under test here), everything else runs for real."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta

import pytest

from reelcart.errors import InputError

from reelcart.config import load_preset
from reelcart.models import Segment, Transcript, Word
from reelcart.pipeline import Pipeline, RunRequest
from reelcart.stages import transcribe

from .conftest import SAMPLES

SHOP_BEHIND_S = 420.0


def scripted_transcription(truth: dict):
    def run(wav_path, windows, config, catalog=None, progress=None, **_):  # noqa: ANN001, ANN202 - transcribe_windows
        segments = []
        for sentence in truth["transcript"]:
            if not any(w.start_s <= sentence["start_s"] and sentence["end_s"] <= w.end_s for w in windows):
                continue
            tokens = sentence["text"].split()
            step = (sentence["end_s"] - sentence["start_s"]) / len(tokens)
            words = [Word(text=t, start_s=round(sentence["start_s"] + i * step, 3),
                          end_s=round(sentence["start_s"] + (i + 0.85) * step, 3)) for i, t in enumerate(tokens)]
            segments.append(Segment(start_s=words[0].start_s, end_s=words[-1].end_s, text=sentence["text"], words=words))
        return Transcript(model="script", language="en", language_probability=1.0, windows=windows, segments=segments,
                          audio_s=sum(w.duration_s for w in windows))

    return run


@pytest.fixture
def late_orders(tmp_path):
    target = tmp_path / "orders_behind.csv"
    with open(SAMPLES / "orders.csv", newline="") as src, open(target, "w", newline="") as dst:
        reader, writer = csv.DictReader(src), None
        for row in reader:
            writer = writer or csv.DictWriter(dst, fieldnames=reader.fieldnames)
            if dst.tell() == 0:
                writer.writeheader()
            row["timestamp"] = (datetime.fromisoformat(row["timestamp"]) - timedelta(seconds=SHOP_BEHIND_S)).isoformat()
            writer.writerow(row)
    return target


def run(tmp_path, orders, estimate: bool):
    preset = load_preset("default", [{"orders": {"estimate_clock_offset": estimate}, "reframe": {"mode": "center"}}])
    request = RunRequest(video=SAMPLES / "livestream.mp4", orders=orders, catalog=SAMPLES / "catalog.csv",
                         preset=preset, out_dir=tmp_path / f"out-{estimate}")
    return Pipeline(request).run(until="plan")


def test_pipeline_estimates_and_applies_the_shop_clock_offset(tmp_path, monkeypatch, late_orders, sample_truth):
    monkeypatch.setattr(transcribe, "transcribe_windows", scripted_transcription(sample_truth))
    # without the estimate every order falls before the stream: the run stops and says how to fix it
    with pytest.raises(InputError, match=r"no order time lies inside the recording.*estimate_clock_offset"):
        run(tmp_path, late_orders, estimate=False)

    result = run(tmp_path, late_orders, estimate=True)
    plan = result.plan
    estimate = plan.clock_estimate
    assert estimate.applied and estimate.confidence >= 0.5 and estimate.spikes_explained == 3
    assert abs(estimate.offset_s - SHOP_BEHIND_S) <= 60 and estimate.uncertainty_s <= 60
    assert plan.clock_offset_s == estimate.offset_s
    truth = {p["sku"]: p for p in sample_truth["pitches"] if p["spike"]}
    assert sorted(m.sku for m in plan.moments) == sorted(truth)
    for m in plan.moments:
        assert abs(m.start_s - truth[m.sku]["start_s"]) < 1.0 and abs(m.end_s - truth[m.sku]["cta_end_s"]) < 1.5
    assert any(n.startswith("clock offset estimate: +") and "applied" in n for n in plan.order_stats.notes)
    # the artifact is cached like every stage, and plan.json carries the estimate for the editor
    assert "clock" in [r.stage for r in result.stages]
    saved = json.loads((tmp_path / "out-True" / "plan.json").read_text())
    assert saved["clock_estimate"]["applied"] is True
    again = run(tmp_path, late_orders, estimate=True)
    assert {r.stage: r.status for r in again.stages}["clock"] == "cached"
