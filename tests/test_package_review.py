"""An editor's review in the exports: once any reel is reviewed, only approved reels go to
schedule.csv and the upload folders (the others leave them, also after the manifest was retired);
back to unreviewed, every reel goes again. A rejected reel is not in the manifest at all."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from reelcart.config import load_preset
from reelcart.models import Catalog, Product

from .package_helpers import make_media, synthetic_run, validate_manifest

PLATFORMS = ("tiktok", "reels", "shorts")


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("media"))


@pytest.fixture
def shop() -> Catalog:
    return Catalog(source="test", products=[
        Product(sku="GLOW", name="Glow Serum", url="https://shop.example.com/glow", price=24.9, currency="USD"),
        Product(sku="BOTTLE", name="Bamboo Bottle", url="https://shop.example.com/bottle", price=18.5, currency="USD"),
        Product(sku="GIFT", name="Gift Card", url="https://shop.example.com/gift"),
    ])


def csv_reels(path: Path) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [(row["reel"], row["platform"]) for row in csv.DictReader(fh)]


def folder_files(out: Path, platform: str) -> set[str]:
    return {p.name for p in (out / platform).iterdir()}


BOTH = {"reel-1-glow-serum.mp4", "reel-1-glow-serum.jpg", "reel-2-bamboo-bottle.mp4", "reel-2-bamboo-bottle.jpg", "schedule.csv"}
FIRST = {"reel-1-glow-serum.mp4", "reel-1-glow-serum.jpg", "schedule.csv"}


def test_only_approved_reels_are_exported_once_any_is_reviewed(tmp_path, shop, media):
    out = tmp_path / "out"
    preset = load_preset("default", [{"package": {"schedule_start": "2026-11-21T12:00:00+01:00"}}])

    # nobody reviewed: every reel, as a plain `reelcart run` does
    manifest = synthetic_run(out, shop, media, preset=preset)
    assert manifest.exports.reels == ["reel-1", "reel-2"]
    assert sorted(csv_reels(out / "schedule.csv")) == sorted((r, p) for r in ("reel-1", "reel-2") for p in PLATFORMS)
    assert all(folder_files(out, p) == BOTH for p in PLATFORMS)

    # reel-2 approved, reel-1 still pending: only reel-2 is exported, in the first schedule slot
    manifest = synthetic_run(out, shop, media, preset=preset, reviews=("pending", "approved"))
    data = json.loads((out / "manifest.json").read_text())
    validate_manifest(data)
    assert [(r["id"], r["review"]) for r in data["reels"]] == [("reel-1", "pending"), ("reel-2", "approved")]
    assert data["exports"]["reels"] == ["reel-2"]
    assert sorted(csv_reels(out / "schedule.csv")) == [("reel-2", p) for p in sorted(PLATFORMS)]
    for p in PLATFORMS:
        assert folder_files(out, p) == {"reel-2-bamboo-bottle.mp4", "reel-2-bamboo-bottle.jpg", "schedule.csv"}
        assert csv_reels(out / p / "schedule.csv") == [("reel-2", p)]
    post = manifest.reels[1].posts[0]
    assert post.scheduled_at is not None and post.scheduled_at.isoformat() == "2026-11-21T12:00:00+01:00"
    assert all(post.scheduled_at is None for post in manifest.reels[0].posts)  # not exported: no post time
    report = (out / "report.html").read_text()
    assert report.count("review pending · not in the upload folders") == 1 and report.count(">approved</span>") == 1
    assert assert_links_exist(out, report)

    # back to unreviewed: every reel returns
    synthetic_run(out, shop, media, preset=preset)
    assert sorted(csv_reels(out / "schedule.csv")) == sorted((r, p) for r in ("reel-1", "reel-2") for p in PLATFORMS)
    assert all(folder_files(out, p) == BOTH for p in PLATFORMS)

    # reel-1 approved after a re-render retired the manifest: reel-2's upload files still leave
    (out / "manifest.json").unlink()
    synthetic_run(out, shop, media, preset=preset, reviews=("approved", "pending"))
    assert all(folder_files(out, p) == FIRST for p in PLATFORMS)
    assert sorted(csv_reels(out / "schedule.csv")) == [("reel-1", p) for p in sorted(PLATFORMS)]


def assert_links_exist(out: Path, report: str) -> bool:
    """Every upload-folder file the review page links to is on disk."""
    for platform in PLATFORMS:
        for name in BOTH - {"schedule.csv"}:
            if f'href="{platform}/{name}"' in report:
                assert (out / platform / name).is_file(), f"{platform}/{name} linked but missing"
    return True


def test_a_rejected_reel_is_left_out_of_the_manifest(tmp_path, shop, media):
    out = tmp_path / "out"
    manifest = synthetic_run(out, shop, media, reviews=("pending", "rejected"))
    assert [r.id for r in manifest.reels] == ["reel-1"]
    assert manifest.exports.reels == []  # reviewed, none approved: nothing to upload yet
    assert [r.sku for r in manifest.rejected] == ["GIFT"] and manifest.fewer_reels_reason == []  # both as they were
    assert all(folder_files(out, p) == {"schedule.csv"} for p in PLATFORMS)
    assert csv_reels(out / "schedule.csv") == []
    assert "reel-2" not in (out / "report.html").read_text()
