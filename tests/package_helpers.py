"""A small run built from models: real (tiny) media files, a catalog, a plan, spikes and a transcript.

The package stage is then run on it exactly as the pipeline does (``package.package_run``), in a
second rather than the minute a full sample run takes.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import jsonschema

from reelcart.config import Preset
from reelcart.media.ffmpeg import run_ffmpeg
from reelcart.models import (
    Catalog,
    Manifest,
    Moment,
    MomentPlan,
    OrderStats,
    Product,
    Rejected,
    RenderedReel,
    RenderResult,
    ScoreParts,
    SkuTimeline,
    Spike,
    SpikeReport,
)
from reelcart.handoff.schema import json_schema
from reelcart.stages import package

from .conftest import make_transcript

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored: screenshots a reviewer can open after the run
PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def make_media(folder: Path, seconds: float = 2.0) -> tuple[Path, Path]:
    """A 180x320 H.264/AAC clip with the moov atom first, and a JPEG frame of it."""
    folder.mkdir(parents=True, exist_ok=True)
    video, thumb = folder / "clip.mp4", folder / "clip.jpg"
    run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=size=180x320:rate=15:duration={seconds}", "-f", "lavfi", "-i",
                f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-movflags", "+faststart", "-shortest", str(video)], what="test clip")
    run_ffmpeg(["-i", str(video), "-frames:v", "1", str(thumb)], what="test thumbnail")
    return video, thumb


def validate_manifest(data: dict) -> None:
    """Raise when ``data`` does not follow the published manifest schema."""
    validator = jsonschema.Draft202012Validator(json_schema("manifest"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


SCRIPT = [
    (2.0, "Okay, first up is the Glow Serum."),
    (5.0, "It is a lightweight vitamin serum that sinks in fast and leaves your skin bright."),
    (10.0, "Tap the orange cart below to grab yours."),
    (30.0, "Next, the Bamboo Bottle."),
    (33.0, "It keeps your water cold for a full day, even in a hot car."),
    (38.0, "The link is pinned, so check it out."),
]


def synthetic_run(
    out: Path,
    catalog: Catalog,
    media: tuple[Path, Path],
    *,
    preset: Preset | None = None,
    script: list[tuple[float, str]] | None = None,
    language: str = "en",
    warnings: list[str] | None = None,
    rejected_reason: str = "ranked below the 2 chosen moments",
    source: str = "/recordings/friday-live.mp4",
    reviews: tuple[str, ...] = ("pending", "pending"),
) -> Manifest:
    """Two reels for the catalog's first two products (``reviews``: their review status); returns
    the manifest package_run wrote."""
    preset = preset or Preset()
    out.mkdir(parents=True, exist_ok=True)
    products = catalog.products
    transcript = make_transcript(script or SCRIPT, language=language)
    ranges = [(1.5, 13.0), (29.5, 41.0)]
    moments, reels = [], []
    for i, (product, (start, end)) in enumerate(zip(products[:2], ranges, strict=False), start=1):
        rid = f"reel-{i}"
        shutil.copyfile(media[0], out / f"{rid}.mp4")
        shutil.copyfile(media[1], out / f"{rid}.jpg")
        (out / f"{rid}.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n", encoding="utf-8")
        moments.append(Moment(
            id=rid, sku=product.sku, product_name=product.name, start_s=start, end_s=end, pitch_start_s=start + 0.5,
            cta_start_s=end - 3, cta_end_s=end - 0.6, cta_text="Tap the orange cart below to grab yours.", spike_onset_s=end + 40,
            key_phrase="", first_words="", warnings=list(warnings or []), review=reviews[i - 1],
            score=ScoreParts(sales_lift=0.8, pitch=0.6, call_to_action=1, speech_density=0.9, stale_penalty=0.0, total=0.8),
        ))
        reels.append(RenderedReel(id=rid, file=f"{rid}.mp4", captions_file=f"{rid}.srt", ass_file=f"work/{rid}.ass",
                                  thumbnail=f"{rid}.jpg", duration_s=2.0, width_px=180, height_px=320))
    rejected = [Rejected(sku=products[-1].sku, spike_onset_s=150.0, start_s=100.0, end_s=120.0, reason=rejected_reason)]
    plan = MomentPlan(source=source, language=language, moments=moments, rejected=rejected)
    counts = {p.sku: [0, 1, 12, 3, 0] if i == 0 else [0, 0, 1, 9, 2] if i == 1 else [0, 0, 0, 2, 5] for i, p in enumerate(products)}
    spikes = SpikeReport(
        stream_start=datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc), clock_offset_s=0.0, bin_s=10.0,
        stats=OrderStats(source="orders.csv", format="generic", rows=40, orders_used=35, duplicates=2, unknown_skus={"SKU-X": 1},
                         problems=[]),
        spikes=[Spike(sku=products[0].sku, onset_s=60.0, peak_s=90.0, end_s=120.0, orders=12, orders_above_baseline=11,
                      revenue_above_baseline=100.0, peak_z=9.0),
                Spike(sku=products[1].sku, onset_s=180.0, peak_s=200.0, end_s=230.0, orders=9, orders_above_baseline=8,
                      revenue_above_baseline=80.0, peak_z=7.0)],
        timeline=[SkuTimeline(sku=sku, counts=c) for sku, c in counts.items()], timeline_bin_s=60.0,
    )
    manifest = package.package_run(out, source=Path(source), preset=preset, plan=plan, rendered=RenderResult(reels=reels),
                                   catalog=catalog, spikes=spikes, transcript=transcript)
    (out / "work").mkdir(exist_ok=True)
    (out / "work" / "spikes.json").write_text(json.dumps({"artifact": json.loads(spikes.model_dump_json())}), encoding="utf-8")
    return manifest


def hostile_run(out: Path, media: tuple[Path, Path]) -> None:
    """A run whose catalog, transcript, warnings, reasons and file name carry script-injection payloads."""
    catalog = Catalog(source="hostile.csv", products=[
        Product(sku="SKU-<b>1</b>", name=PAYLOADS[0], price=19.0, currency="USD",
                url='https://shop.example.com/p?q="><script>alert(5)</script>#"><img src=x onerror=alert(6)>'),
        Product(sku="SKU-2", name=PAYLOADS[1], url="https://shop.example.com/b"),
        Product(sku="SKU-3'", name="</textarea><svg onload=alert(2)>", url="https://shop.example.com/c"),
    ])
    script = [(2.0, f"First up, the {PAYLOADS[0]} everyone asked about."),
              (5.0, "It is a <img src=x onerror=alert(3)> formula that keeps your skin bright all day."),
              (10.0, "Tap the orange cart below to grab yours."), (30.0, f"Next, {PAYLOADS[1]} is here."),
              (33.0, "It keeps </blockquote><script>alert(9)</script> water cold for a full day."), (38.0, "The link is pinned.")]
    synthetic_run(out, catalog, media, script=script, warnings=["</li><script>alert(4)</script> check the crop"],
                  rejected_reason="<iframe src=javascript:alert(7)></iframe>", source="/recordings/<svg onload=alert(8)>.mp4")
    validate_manifest(json.loads((out / "manifest.json").read_text()))
