"""Typed artifacts passed between stages and saved as JSON in the run's work folder.

Times are float seconds from the start of the recording, named ``*_s``; sizes in pixels ``*_px``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Artifact(Strict):
    schema_version: int = SCHEMA_VERSION


# ----------------------------------------------------------------- probe


class MediaInfo(Artifact):
    path: str
    container: str
    duration_s: float
    size_bytes: int
    has_video: bool
    width_px: int = 0
    height_px: int = 0
    display_width_px: int = 0
    display_height_px: int = 0
    rotation_deg: int = 0
    fps: float = 0.0
    video_codec: str | None = None
    pix_fmt: str | None = None
    sample_aspect: float = 1.0
    has_audio: bool = False
    audio_codec: str | None = None
    audio_rate_hz: int = 0
    audio_channels: int = 0
    creation_time: datetime | None = None


# ----------------------------------------------------------------- audio


class AudioTrack(Artifact):
    wav_file: str = Field(description="16 kHz mono PCM WAV, relative to the work folder")
    sample_rate_hz: int = 16000
    duration_s: float
    sha256: str | None = Field(None, description="SHA-256 of the PCM samples (the transcript's cache key)")


# ----------------------------------------------------------------- catalog / orders / spikes


class Product(Strict):
    sku: str
    name: str
    url: str
    price: float | None = None
    currency: str | None = None
    aliases: list[str] = Field(default_factory=list)
    image: str | None = None


class Catalog(Artifact):
    source: str
    products: list[Product]

    def by_sku(self) -> dict[str, Product]:
        return {p.sku: p for p in self.products}


class Order(Strict):
    t_s: float
    sku: str
    quantity: int = 1
    amount: float | None = None
    order_id: str | None = None


class RowProblem(Strict):
    line: int
    problem: str


class OrderStats(Strict):
    source: str
    format: str
    rows: int = 0
    orders_used: int = 0
    duplicates: int = 0
    cancelled: int = 0
    outside_recording: int = 0
    unknown_skus: dict[str, int] = Field(default_factory=dict)
    unreadable: int = 0
    problems: list[RowProblem] = Field(default_factory=list, description="First unreadable rows, with line numbers")


class Spike(Strict):
    sku: str
    onset_s: float
    peak_s: float
    end_s: float
    orders: int
    orders_above_baseline: float
    revenue_above_baseline: float
    peak_z: float


class SkuTimeline(Strict):
    sku: str
    counts: list[int] = Field(description="Orders per bin")


class SpikeReport(Artifact):
    stream_start: datetime | None
    clock_offset_s: float
    bin_s: float
    stats: OrderStats
    spikes: list[Spike]
    timeline: list[SkuTimeline] = Field(default_factory=list)
    timeline_bin_s: float = 60.0


# ----------------------------------------------------------------- transcript


class Word(Strict):
    text: str
    start_s: float
    end_s: float
    probability: float = 1.0


class Segment(Strict):
    start_s: float
    end_s: float
    text: str
    words: list[Word]


class TimeRange(Strict):
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class Transcript(Artifact):
    model: str
    language: str
    language_probability: float
    windows: list[TimeRange] = Field(description="Ranges of the recording that were transcribed")
    segments: list[Segment]
    audio_s: float = Field(description="Seconds of audio the model processed")
    speech_s: float = Field(0.0, description="Seconds of speech the voice activity detector found in the windows")
    language_source: Literal["preset", "detected", "model"] = Field(
        "detected", description="preset: given by the preset; detected: by the model on the recording; model: an English-only model"
    )
    device: str | None = Field(None, description="Inference device and compute type, e.g. cpu/int8")
    hints: bool = Field(False, description="Product names were fed to the decoder")

    def words(self) -> list[Word]:
        return [w for seg in self.segments for w in seg.words]


# ----------------------------------------------------------------- moments


class ScoreParts(Strict):
    sales_lift: float = Field(description="0-1, orders above baseline in the spike (saturating)")
    pitch: float = Field(description="0-1, how clearly and how often the product is named")
    call_to_action: float = Field(description="0 or 1, a call to action was found")
    speech_density: float = Field(description="0-1, share of the moment with speech")
    stale_penalty: float = Field(description="0-1, live-only phrases left inside")
    total: float


class CropKeyframe(Strict):
    t_s: float = Field(description="Seconds from the start of the reel")
    x_px: int
    y_px: int


class CropPlan(Strict):
    mode: Literal["track", "steady", "center", "fit", "none"]
    source_width_px: int
    source_height_px: int
    width_px: int
    height_px: int
    keyframes: list[CropKeyframe]
    subject: str = Field("none", description="What the window follows: face, motion or none")


class Moment(Strict):
    id: str
    sku: str
    product_name: str
    start_s: float
    end_s: float
    pitch_start_s: float
    cta_start_s: float | None = None
    cta_end_s: float | None = None
    cta_text: str | None = None
    spike_onset_s: float | None = None
    key_phrase: str = ""
    first_words: str = ""
    score: ScoreParts
    warnings: list[str] = Field(default_factory=list)
    crop: CropPlan | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class Rejected(Strict):
    sku: str
    spike_onset_s: float | None = None
    start_s: float | None = None
    end_s: float | None = None
    reason: str


class MomentPlan(Artifact):
    source: str
    language: str
    moments: list[Moment]
    rejected: list[Rejected] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Why fewer reels than asked were planned")


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
    url: str
    price: float | None = None
    currency: str | None = None


class ManifestReel(Strict):
    id: str
    file: str
    start_s: float
    end_s: float
    duration_s: float
    product: ManifestProduct
    link: str
    captions: str
    thumbnail: str
    title: str
    description: str
    hashtags: list[str]
    score: ScoreParts
    warnings: list[str]
    spike_onset_s: float | None = None


class Manifest(Artifact):
    tool: str
    version: str
    source: str
    stream_start: datetime | None
    preset: str
    platform: str
    language: str
    reels: list[ManifestReel]
    fewer_reels_reason: list[str] = Field(default_factory=list)
    rejected: list[Rejected] = Field(default_factory=list)
    order_stats: OrderStats
