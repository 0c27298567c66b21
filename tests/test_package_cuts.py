"""A multi-segment reel through the package stage: manifest.json carries its segments and cuts
(schema-valid), the copy only quotes words the reel plays, and report.html lists every cut with its
reason and words, escaped."""

from __future__ import annotations

import json
import shutil

from reelcart.config import Preset
from reelcart.handoff.report import build_report
from reelcart.models import (
    Catalog,
    Cut,
    Moment,
    MomentPlan,
    OrderStats,
    Product,
    RenderedReel,
    RenderResult,
    ScoreParts,
    SpikeReport,
    TimeRange,
)
from reelcart.stages import package

from .conftest import make_transcript
from .package_helpers import make_media, validate_manifest

SCRIPT = [(2.0, "First up is the Glow Serum."), (5.0, "Comment below <script>alert(1)</script> for a sample."),
          (9.0, "It sinks in fast and leaves your skin bright."), (14.0, "Tap the orange cart below to grab yours.")]


def test_manifest_and_report_list_segments_and_cuts(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    video, thumb = make_media(tmp_path / "media")
    shutil.copyfile(video, out / "reel-1.mp4")
    shutil.copyfile(thumb, out / "reel-1.jpg")
    (out / "reel-1.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n", encoding="utf-8")
    catalog = Catalog(source="t", products=[Product(sku="GLOW", name="Glow Serum", url="https://shop.example.com/glow")])
    cut = Cut(start_s=4.9, end_s=8.9, reason="live_only", text="Comment below <script>alert(1)</script> for a sample.")
    segments = [TimeRange(start_s=1.75, end_s=4.9), TimeRange(start_s=8.9, end_s=17.5)]
    moment = Moment(id="reel-1", sku="GLOW", product_name="Glow Serum", start_s=1.75, end_s=17.5, pitch_start_s=2.0,
                    cta_start_s=14.0, cta_text="Tap the orange cart below to grab yours.", segments=segments, cuts=[cut],
                    score=ScoreParts(sales_lift=1, pitch=1, call_to_action=1, speech_density=1, stale_penalty=0, total=1))
    plan = MomentPlan(source="/r/live.mp4", language="en", moments=[moment])
    rendered = RenderResult(reels=[RenderedReel(id="reel-1", file="reel-1.mp4", captions_file="reel-1.srt", ass_file="w.ass",
                                                thumbnail="reel-1.jpg", duration_s=11.75, width_px=180, height_px=320)])
    spikes = SpikeReport(stream_start=None, clock_offset_s=0, bin_s=10, stats=OrderStats(source="o.csv", format="generic"),
                         spikes=[])
    manifest = package.package_run(out, source=tmp_path / "live.mp4", preset=Preset(), plan=plan, rendered=rendered,
                                   catalog=catalog, spikes=spikes, transcript=make_transcript(SCRIPT))
    data = json.loads((out / "manifest.json").read_text())
    validate_manifest(data)
    (reel,) = data["reels"]
    assert reel["segments"] == [{"start_s": 1.75, "end_s": 4.9}, {"start_s": 8.9, "end_s": 17.5}]
    assert reel["cuts"] == [json.loads(cut.model_dump_json())]
    assert reel["duration_s"] == 11.75 and (reel["start_s"], reel["end_s"]) == (1.75, 17.5)
    assert "Comment" not in reel["transcript_excerpt"] and "sinks in fast" in reel["transcript_excerpt"]
    html = build_report(manifest, spikes, catalog)
    assert "2 segments: 0:01.8–0:04.9, 0:08.9–0:17.5" in html
    assert "<td>live-only offer</td>" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
