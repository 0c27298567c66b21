"""manifest.json and its published schema, the scheduler CSV and the per-platform upload folders."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import av
import pytest

from reelcart.config import load_preset
from reelcart.handoff.export import COLUMNS, csv_cell, render_csv
from reelcart.models import Catalog, Product
from reelcart.handoff.platforms import PLATFORMS, text_length
from reelcart.handoff.schema import schema_text

from .conftest import invoke
from .package_helpers import PAYLOADS, ROOT, hostile_run, make_media, synthetic_run, validate_manifest


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("media"))


@pytest.fixture
def shop() -> Catalog:
    return Catalog(source="test", products=[
        Product(sku="GLOW", name="Glow Serum", url="https://shop.example.com/glow?variant=7#reviews", price=24.9, currency="USD",
                aliases=["glow serum"]),
        Product(sku="BOTTLE", name="Bamboo Bottle", url="https://bücher.example/bottle", price=18.5, currency="USD"),
        Product(sku="GIFT", name="Gift Card", url="https://shop.example.com/gift"),
    ])


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- schema


def test_committed_schema_matches_the_models():
    committed = json.loads((ROOT / "schemas" / "manifest.schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(schema_text("manifest")), "regenerate: reelcart schema manifest > schemas/manifest.schema.json"


def test_schema_command_prints_the_schema():
    result = invoke("schema", "manifest")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["$schema"].endswith("2020-12/schema") and schema["title"] == "reelcart manifest"
    reel = schema["$defs"]["ManifestReel"]
    assert set(reel["required"]) >= {"id", "file", "start_s", "end_s", "duration_s", "product", "link", "captions", "thumbnail",
                                     "title", "description", "hashtags", "score", "warnings"}
    assert reel["additionalProperties"] is False


def test_schema_rejects_what_the_contract_forbids(tmp_path, media, shop):
    manifest = synthetic_run(tmp_path / "out", shop, media)
    data = json.loads((tmp_path / "out" / "manifest.json").read_text())
    validate_manifest(data)
    for broken in (lambda d: d["reels"][0].pop("link"), lambda d: d["reels"][0]["posts"][0].update(platform="myspace"),
                   lambda d: d["reels"][0].update(surprise=1), lambda d: d["reels"][0]["score"].update(total="high")):
        copy = json.loads(json.dumps(data))
        broken(copy)
        with pytest.raises(AssertionError):
            validate_manifest(copy)
    assert manifest.reels[0].posts[0].platform == "tiktok"


# ---------------------------------------------------------------- manifest content


def test_manifest_links_copy_and_posts(tmp_path, media, shop):
    out = tmp_path / "out"
    manifest = synthetic_run(out, shop, media)
    validate_manifest(json.loads((out / "manifest.json").read_text()))
    assert manifest.campaign == "friday-live-2026-11-20" and manifest.copy_language == "en"
    glow, bottle = manifest.reels
    assert glow.key_phrase == "Lightweight vitamin serum that sinks in fast"
    assert glow.title == "Glow Serum: Lightweight vitamin serum that sinks in fast"
    assert glow.description.startswith("Lightweight vitamin serum that sinks in fast. Get the Glow Serum for $24.90 here: https://")
    assert glow.hashtags == ["#GlowSerum", "#shopping", "#livedeal"]
    assert glow.link.startswith("https://shop.example.com/glow?variant=7&utm_source=social&utm_medium=social&"
                                "utm_campaign=friday-live-2026-11-20&utm_content=reel-1#reviews")
    assert bottle.link.startswith("https://xn--bcher-kva.example/bottle?utm_source=social")
    assert "Tap the orange cart" in glow.transcript_excerpt
    by_platform = {p.platform: p for p in glow.posts}
    assert list(by_platform) == ["tiktok", "reels", "shorts"]
    sources = {k: p.link.split("utm_source=")[1].split("&")[0] for k, p in by_platform.items()}
    assert sources == {"tiktok": "tiktok", "reels": "instagram", "shorts": "youtube"}
    assert by_platform["tiktok"].hashtags == ["#GlowSerum", "#shopping", "#livedeal", "#tiktokshop", "#tiktokmademebuyit"]
    assert by_platform["shorts"].hashtags == ["#GlowSerum", "#shopping", "#livedeal", "#shorts"]
    for post in glow.posts:
        spec = PLATFORMS[post.platform]
        assert text_length(post.caption, spec.caption_unit) <= spec.caption_max and len(post.title) <= spec.title_max
        assert post.caption.endswith(" ".join(post.hashtags)) and post.link in post.caption
        assert post.file == f"{post.platform}/reel-1-glow-serum.mp4" and post.scheduled_at is None


def test_manifest_in_the_streams_language_with_schedule(tmp_path, media, shop):
    preset = load_preset("tiktok", [{"package": {"schedule_start": "2026-11-21T18:00:00+07:00", "schedule_every_h": 6,
                                                  "platforms": ["tiktok", "shorts"]}}])
    script = [(2.0, "Glow Serum đây các bạn."), (5.0, "Serum thấm rất nhanh, giúp da sáng và mịn màng cả ngày."),
              (10.0, "Bấm vào giỏ hàng ngay nhé."), (30.0, "Tiếp theo là Bamboo Bottle."),
              (33.0, "Bình giữ nước lạnh suốt cả ngày dài luôn."), (38.0, "Chốt đơn ngay.")]
    manifest = synthetic_run(tmp_path / "out", shop, media, preset=preset, script=script, language="vi")
    validate_manifest(json.loads((tmp_path / "out" / "manifest.json").read_text()))
    glow = manifest.reels[0]
    assert manifest.language == manifest.copy_language == "vi" and manifest.platform == "tiktok"
    assert glow.description.startswith("Giúp da sáng và mịn màng cả ngày. Mua Glow Serum giá chỉ 24,90\xa0US$ tại đây: https://")
    assert glow.link.split("utm_source=")[1].startswith("tiktok&")
    assert [p.platform for p in glow.posts] == ["tiktok", "shorts"]
    times = [r.posts[0].scheduled_at.isoformat() for r in manifest.reels]
    assert times == ["2026-11-21T18:00:00+07:00", "2026-11-22T00:00:00+07:00"]
    rows = read_csv(tmp_path / "out" / "schedule.csv")
    assert [(r["time"], r["time_utc"]) for r in rows[:2]] == [("2026-11-21 18:00", "2026-11-21T11:00:00Z")] * 2
    assert not (tmp_path / "out" / "reels").exists()


# ---------------------------------------------------------------- scheduler CSV and folders


def test_schedule_csv_and_platform_folders(tmp_path, media, shop):
    out = tmp_path / "out"
    preset = load_preset("default", [{"package": {"media_base_url": "https://cdn.example.com/runs/42/"}}])
    manifest = synthetic_run(out, shop, media, preset=preset)
    rows = read_csv(out / "schedule.csv")
    assert tuple(rows[0]) == COLUMNS and list(COLUMNS[:4]) == ["file", "caption", "link", "time"]
    assert len(rows) == len(manifest.reels) * 3
    for row in rows:
        post = next(p for r in manifest.reels for p in r.posts if p.file == row["file"])
        assert row["caption"] == post.caption and "\n\n#" in row["caption"] and row["link"] == post.link
        assert row["media_url"] == f"https://cdn.example.com/runs/42/{post.file}" and row["time"] == ""
        video = out / row["file"]
        assert video.is_file() and (out / row["cover"]).is_file()
        with av.open(str(video)) as container:  # a real, playable reel under its upload name
            assert container.streams.video[0].codec_context.name == "h264" and container.duration > 1e6
        reel = next(r for r in manifest.reels if r.id == row["reel"])
        assert os.path.samefile(video, out / reel.file)  # a hard link: no extra disk space
    for platform in ("tiktok", "reels", "shorts"):
        own = read_csv(out / platform / "schedule.csv")
        assert [r["platform"] for r in own] == [platform] * 2
        assert all((out / platform / r["file"]).is_file() and "/" not in r["file"] for r in own)
    assert not list(out.rglob("*.partial*")), "temporary files left behind"


def test_copy_mode_and_rerun_with_fewer_reels_clears_old_uploads(tmp_path, media, shop):
    out = tmp_path / "out"
    preset = load_preset("default", [{"package": {"export_files": "copy"}}])
    synthetic_run(out, shop, media, preset=preset)
    assert not os.path.samefile(out / "tiktok" / "reel-1-glow-serum.mp4", out / "reel-1.mp4")
    assert (out / "tiktok" / "reel-1-glow-serum.mp4").read_bytes() == (out / "reel-1.mp4").read_bytes()
    (out / "tiktok" / "notes.txt").write_text("mine")  # a file reelcart did not make is left alone
    renamed = Catalog(source="t", products=[shop.products[0].model_copy(update={"name": "Glow Serum Pro"}), *shop.products[1:]])
    only_tiktok = load_preset("default", [{"package": {"platforms": ["tiktok"]}}])
    synthetic_run(out, renamed, media, preset=only_tiktok)
    assert sorted(p.name for p in (out / "tiktok").iterdir()) == [
        "notes.txt", "reel-1-glow-serum-pro.jpg", "reel-1-glow-serum-pro.mp4", "reel-2-bamboo-bottle.jpg",
        "reel-2-bamboo-bottle.mp4", "schedule.csv"]
    assert not (out / "reels").exists() and not (out / "shorts").exists()


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "＝1+1"])
def test_csv_cells_that_look_like_formulas_are_neutralised(value):
    assert csv_cell(value) == "'" + value
    text = render_csv([{"file": "a.mp4", "caption": value, "product": value, "link": "https://x.example"}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["caption"] == row["product"] == "'" + value and row["link"] == "https://x.example"


@pytest.mark.parametrize("value", ["Glow Serum", "#tag", "https://x.example/?a=-1", "2026-11-21 18:00", "", "a=b"])
def test_csv_cells_that_are_plain_text_stay_as_they_are(value):
    assert csv_cell(value) == value


def test_formula_product_name_reaches_the_csv_as_text(tmp_path, media):
    catalog = Catalog(source="t", products=[
        Product(sku="=cmd|' /C calc'!A0", name="=HYPERLINK(\"https://evil.example\",\"Win\")", url="https://x.example/a"),
        Product(sku="B", name="@SUM(1+1)*cmd|' /C calc'!A0", url="https://x.example/b"),
        Product(sku="C", name="-Gift", url="https://x.example/c"),
    ])
    synthetic_run(tmp_path / "out", catalog, media)
    for row in read_csv(tmp_path / "out" / "schedule.csv"):
        for column in COLUMNS:
            assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r")), (column, row[column])
    rows = read_csv(tmp_path / "out" / "schedule.csv")
    assert rows[0]["product"] == "'=HYPERLINK(\"https://evil.example\",\"Win\")" and rows[0]["sku"].startswith("'=cmd")


# ---------------------------------------------------------------- review page, without a browser


def test_report_escapes_every_input_string(tmp_path, media):
    """The page source itself: no markup from the inputs survives (the browser test shows it rendered)."""
    from html.parser import HTMLParser

    out = tmp_path / "hostile"
    hostile_run(out, media)
    page = (out / "report.html").read_text(encoding="utf-8")
    found: list[tuple[str, list]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):  # noqa: ANN001
            found.append((tag, attrs))

    Tags().feed(page)
    assert not [t for t, _ in found if t in ("script", "img", "iframe", "object", "embed")]
    assert not [(t, a) for t, attrs in found for a, _ in attrs if a.startswith("on")]
    assert [t for t, _ in found].count("svg") == 1 and [t for t, _ in found].count("textarea") == 6
    for payload in PAYLOADS:
        assert payload not in page and payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in page


def test_report_without_reels_or_orders_says_so(tmp_path):
    from datetime import datetime, timezone

    from reelcart.models import Manifest, OrderStats, Rejected, SpikeReport
    from reelcart.handoff.report import build_report

    stats = OrderStats(source="o.csv", format="shopify", rows=3, unreadable=3)
    manifest = Manifest(tool="reelcart", version="0", source="/x/live.mp4", stream_start=datetime(2026, 1, 1, tzinfo=timezone.utc),
                        preset="default", platform="generic", language="en", reels=[], order_stats=stats,
                        fewer_reels_reason=["0 of 3 reels planned", "no order spikes were found in the order log"],
                        rejected=[Rejected(sku="<A>", reason="SKU not in the catalog")])
    page = build_report(manifest, SpikeReport(stream_start=None, clock_offset_s=0, bin_s=10, stats=stats, spikes=[]))
    assert "No reels were made." in page and "no order spikes were found in the order log" in page
    assert "no timeline to draw" in page and "&lt;A&gt;" in page and "<video" not in page
