"""Shared fixtures: synthetic transcripts and catalogs, and short media cut from the sample."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelcart.cli import main
from reelcart.media.ffmpeg import run_ffmpeg
from reelcart.models import Catalog, Product, Segment, TimeRange, Transcript, Word

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED_MEDIA = ROOT.parent / "shared" / "media"


def words_from_script(script: list[tuple[float, str]], wps: float = 2.5) -> list[Word]:
    """[(start_s, sentence)] -> words spoken at ``wps`` words per second."""
    out: list[Word] = []
    for start, sentence in script:
        t = start
        for token in sentence.split():
            out.append(Word(text=token, start_s=round(t, 3), end_s=round(t + 0.32, 3)))
            t += 1 / wps
    return out


def make_transcript(script: list[tuple[float, str]], language: str = "en") -> Transcript:
    words = words_from_script(script)
    segments = [Segment(start_s=w.start_s, end_s=w.end_s, text=w.text, words=[w]) for w in words]
    return Transcript(
        model="test", language=language, language_probability=1.0,
        windows=[TimeRange(start_s=0, end_s=words[-1].end_s)], segments=segments, audio_s=words[-1].end_s,
    )


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(
        source="test",
        products=[
            Product(sku="GLOW", name="Velvet Glow Serum", url="https://shop.example.com/glow", price=24.9, currency="USD",
                    aliases=["glow serum"]),
            Product(sku="BOTTLE", name="Bamboo Water Bottle", url="https://shop.example.com/bottle?variant=1#top",
                    price=18.5, currency="USD", aliases=["bamboo bottle"]),
            Product(sku="GIFT", name="Gift Card", url="https://shop.example.com/gift"),
        ],
    )


@pytest.fixture(scope="session")
def sample_truth() -> dict:
    return json.loads((SAMPLES / "ground_truth.json").read_text())


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory) -> Path:
    """A 1280x720 clip with speech: the sample's first two pitches (about 0-110 s), re-muxed."""
    target = tmp_path_factory.mktemp("media") / "clip.mp4"
    run_ffmpeg(["-i", str(SAMPLES / "livestream.mp4"), "-t", "110", "-c", "copy", "-map_metadata", "0", str(target)], what="cut fixture")
    return target


@pytest.fixture
def shared_media() -> Path:
    if not SHARED_MEDIA.is_dir():
        pytest.skip(f"shared test media not found at {SHARED_MEDIA}")
    return SHARED_MEDIA


def copy_to(tmp_path: Path, source: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(source, target)
    return target


GREEN = "#00FF00"  # highlight colour absent from the sample's palette: its pixels can only be captions


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def run_args(out: Path, *extra: str, video: Path | None = None) -> list[str]:
    return ["run", str(video or SAMPLES / "livestream.mp4"), "--orders", str(SAMPLES / "orders.csv"),
            "--catalog", str(SAMPLES / "catalog.csv"), "--out", str(out), "--set", f"captions.highlight_colour={GREEN}", *extra]


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """The sample livestream through every stage, once per test session (about a minute): (out folder, CLI output)."""
    out = tmp_path_factory.mktemp("run") / "out"
    result = invoke(*run_args(out))
    assert result.exit_code == 0, result.output
    return out, result.output
