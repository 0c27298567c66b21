"""Rendered reels and the manifest handed to marketers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ..handoff.platforms import TARGET_NAMES
from .base import Artifact, Strict, TimeRange
from .orders import OrderStats
from .plan import Cut, Rejected, ScoreParts


# ----------------------------------------------------------------- render / package


class RenderedReel(Strict):
    id: str
    file: str
    captions_file: str
    ass_file: str
    thumbnail: str
    duration_s: float
    width_px: int
    height_px: int
    source_loudness_lufs: float | None = Field(None, description="Integrated loudness of the source segment before normalisation")


class RenderResult(Artifact):
    reels: list[RenderedReel]


class ManifestProduct(Strict):
    sku: str
    name: str
    url: str = Field(description="The product URL exactly as in the catalog")
    price: float | None = None
    currency: str | None = Field(None, description="ISO 4217 code or the catalog's text")


class PlatformPost(Strict):
    """Everything one platform's upload needs, ready to paste or import."""

    platform: Literal[TARGET_NAMES]  # type: ignore[valid-type] - the platform registry's upload targets
    file: str = Field(description="The reel, named for upload, in the platform's folder (relative to the manifest; "
                      "written when the reel is in exports.reels)")
    cover: str = Field(description="Cover image in the platform's folder")
    title: str = Field(description="Title (YouTube shows it; TikTok and Reels have none, schedulers may ask for one)")
    description: str = Field(description="Description without the hashtags")
    hashtags: list[str]
    caption: str = Field(description="Post text: description and hashtags, within the platform's length limits")
    link: str = Field(description="Product URL with this platform's UTM parameters")
    scheduled_at: datetime | None = Field(None, description="Post time, when package.schedule_start is set")


class ManifestReel(Strict):
    id: str
    file: str = Field(description="The reel, relative to the manifest")
    start_s: float = Field(description="Start in the source recording")
    end_s: float = Field(description="End in the source recording")
    duration_s: float
    product: ManifestProduct
    link: str = Field(description="Product URL with UTM parameters for the main platform; the URL's own query and fragment are kept")
    captions: str = Field(description="SRT captions file")
    thumbnail: str = Field(description="JPEG thumbnail, 9:16")
    title: str = Field(description="Title for the main platform")
    description: str = Field(description="Description for the main platform, without hashtags")
    hashtags: list[str]
    score: ScoreParts
    warnings: list[str] = Field(description="What an editor should check before posting")
    spike_onset_s: float | None = Field(None, description="When the order spike this reel explains began (source seconds)")
    key_phrase: str = Field("", description="Short phrase from the pitch used in the copy")
    transcript_excerpt: str = Field("", description="What is said in the reel (start of it)")
    cta_text: str | None = Field(None, description="The call to action in the reel, if one was found")
    segments: list[TimeRange] = Field(default_factory=list, description="Source ranges the reel plays, in order")
    cuts: list[Cut] = Field(default_factory=list, description="What was cut out between the segments, and why")
    posts: list[PlatformPost] = Field(default_factory=list, description="Copy, link and upload file per platform")
    review: Literal["pending", "approved", "rejected"] = Field("pending", description="The editor's verdict (approved or pending; rejected reels are not made)")


class Exports(Strict):
    schedule_csv: str = Field(description="Bulk-upload CSV for every platform (relative to the manifest)")
    folders: dict[str, str] = Field(description="Upload folder per platform; each holds the reels, covers and its own schedule.csv")
    reels: list[str] | None = Field(
        None, description="Ids of the reels in the CSV and the folders: the approved ones once any reel has been reviewed, "
        "else every reel (null: every reel, a manifest from before reviews)")


class Manifest(Artifact):
    """manifest.json: the reels of one run, with tracked links, ready-to-post copy and why fewer reels were made."""

    tool: str
    version: str = Field(description="reelcart version that wrote the manifest")
    source: str = Field(description="The recording")
    stream_start: datetime | None = Field(description="Wall-clock start of the stream, when known")
    preset: str
    platform: str = Field(description="Main platform of the preset (tiktok, reels, shorts or generic)")
    language: str = Field(description="Spoken language of the stream (ISO 639-1)")
    copy_language: str = Field("en", description="Language of the templates the copy was written with (English is the fallback)")
    campaign: str = Field("", description="utm_campaign of every link")
    reels: list[ManifestReel]
    fewer_reels_reason: list[str] = Field(default_factory=list, description="Why fewer reels than asked were made")
    rejected: list[Rejected] = Field(default_factory=list, description="Spikes and candidates not made into reels, with the reason")
    order_stats: OrderStats
    exports: Exports | None = Field(None, description="Scheduler CSV and per-platform upload folders")
