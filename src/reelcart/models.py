"""Typed artifacts passed between stages and saved as JSON in the run's work folder.

Times are float seconds from the start of the recording, named ``*_s``; sizes in pixels ``*_px``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .handoff.platforms import TARGET_NAMES

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
    variants: list[str] = Field(default_factory=list, description="Variant SKUs or platform SKU ids of this product")
    product_ids: list[str] = Field(default_factory=list, description="The product's ids on the selling platforms")


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
    notes: list[str] = Field(default_factory=list, description="How the log was read and what was left out, in words")
    matched_by: dict[str, int] = Field(
        default_factory=dict, description="Orders used per product-match rule: sku, variants, sku_prefix, name, product_id"
    )
    ambiguous: dict[str, list[str]] = Field(
        default_factory=dict, description="Order SKUs or names that fit several catalog products (left out, not guessed)"
    )
    not_live: int = Field(0, description="Orders left out because the export says they did not come from the live")


class Spike(Strict):
    sku: str
    onset_s: float
    peak_s: float
    end_s: float
    orders: int
    orders_above_baseline: float
    revenue_above_baseline: float
    peak_z: float
    source: Literal["sku", "overall"] = Field(
        "sku", description="sku: the SKU's own orders spiked; overall: credited from a spike of all orders"
    )
    storewide_skus: int = Field(
        0, description="Products that rose together with this spike (a store-wide burst such as a flash sale); 0 = none"
    )


class ClockEstimate(Strict):
    offset_s: float = Field(description="Correction found, added on top of orders.clock_offset_s")
    applied: bool = Field(description="Whether the correction was applied (confidence high enough)")
    confidence: float = Field(description="0-1: explained share of spikes x uniqueness x evidence count")
    uncertainty_s: float = Field(description="Half-width of the offsets that explain the spikes equally well")
    spikes_explained: int
    spikes_used: int = Field(description="Spikes of SKUs that are mentioned somewhere in the transcript")
    searched_s: float
    note: str = ""


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
    overall: list[Spike] = Field(default_factory=list, description="Spikes of all orders together (sku '*')")
    clock_estimate: ClockEstimate | None = None


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
    avg_logprob: float | None = Field(None, description="The decoder's mean token log-probability")
    compression_ratio: float | None = Field(None, description="gzip compression ratio of the text (high: repetitive)")
    no_speech_prob: float | None = Field(None, description="The decoder's probability that the window holds no speech")
    temperature: float | None = Field(None, description="Sampling temperature of the decode that was kept (0: beam search)")


class TimeRange(Strict):
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class RepairAttempt(Strict):
    name: Literal["original", "plain", "plain_fallback", "short_windows"] = Field(
        description="original: the first decode; plain: no hints, beam search only (temperature 0); plain_fallback: "
        "no hints, with whisper's temperature fallback; short_windows: no hints, temperature 0, in pieces of at most 10 s"
    )
    score: float = Field(description="Quality score 0-1 (speech.quality.quality_score)")
    text: str
    suspects: list[str] = Field(default_factory=list, description="What still looked wrong in this decode")


class Repair(Strict):
    start_s: float
    end_s: float
    reasons: list[str] = Field(description="Why the span was decoded again (speech.quality signals)")
    attempts: list[RepairAttempt]
    chosen: str = Field(description="The attempt whose words the transcript keeps")


class NameCorrection(Strict):
    start_s: float
    end_s: float
    heard: str
    name: str
    score: float = Field(description="Spelling and sound match, 0-100 (speech.names)")


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
    hint_policy: str | None = Field(None, description="How product names were used (transcribe.hint_policy)")
    repairs: list[Repair] = Field(default_factory=list, description="Spans decoded again because the first decode looked wrong")
    corrections: list[NameCorrection] = Field(default_factory=list, description="Heard words replaced by a catalog name")
    speech: list[TimeRange] = Field(
        default_factory=list, description="Where the voice activity detector heard speech (recording time; breaks under "
        "0.15 s bridged): the same on every CPU, so plans can cut at its pauses")

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
    t_s: float = Field(description="Seconds from the start of the reel; two keyframes at one time are a cut (the window jumps)")
    x_px: int = Field(description="Left edge of the window in the source (display orientation)")
    y_px: int = Field(description="Top edge of the window in the source (display orientation)")


class CropShot(Strict):
    start_s: float = Field(description="Seconds from the start of the reel")
    end_s: float
    mode: Literal["steady", "track", "center", "fit"] = Field(description="How this shot is framed")
    subject: str = Field("none", description="What the window keeps in shot: face, saliency, motion or none")
    subjects: int = Field(0, description="Steady subjects of that kind seen in the shot")


class CropPlan(Strict):
    mode: Literal["track", "steady", "center", "fit", "none"] = Field(
        description="Summary: none (already vertical), fit (every shot fits the whole frame), else the crop mode; "
        "per-shot modes are in shots"
    )
    source_width_px: int
    source_height_px: int
    width_px: int = Field(description="Window width (even)")
    height_px: int = Field(description="Window height (even)")
    keyframes: list[CropKeyframe] = Field(description="Window path, linear between keyframes")
    subject: str = Field("none", description="What the window follows: face, saliency, motion or none")
    shots: list[CropShot] = Field(default_factory=list, description="Shots between cuts and how each is framed")


CutReason = Literal["live_only", "dead_air", "digression", "filler", "edited"]


class Cut(Strict):
    """A stretch of the source left out of the middle of a reel (between two of its segments)."""

    start_s: float = Field(description="Start in the source recording")
    end_s: float = Field(description="End in the source recording")
    reason: CutReason = Field(description="live_only: an offer replay viewers cannot act on; dead_air: a long pause; "
                              "digression: chat, comments or another product; filler: um, uh...; edited: by an editor")
    text: str = Field("", description="The words left out")


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
    segments: list[TimeRange] = Field(
        default_factory=list, description="Source ranges the reel plays, in order (a jump cut between each two); "
        "empty: the one range start_s-end_s")
    cuts: list[Cut] = Field(default_factory=list, description="What was left out between the segments, and why")

    def spans(self) -> list[TimeRange]:
        """The segments, or the whole span when there are none (an older or hand-edited plan)."""
        return list(self.segments) or [TimeRange(start_s=self.start_s, end_s=self.end_s)]

    @property
    def duration_s(self) -> float:
        return sum(s.end_s - s.start_s for s in self.spans())


class Rejected(Strict):
    sku: str
    spike_onset_s: float | None = None
    start_s: float | None = None
    end_s: float | None = None
    reason: str


class PlanInputs(Strict):
    orders: str | None = None
    more_orders: list[str] = Field(default_factory=list, description="Further files of the same order export (Taobao)")
    catalog: str | None = None
    preset: str | None = None
    stream_start: datetime | None = None


class MomentPlan(Artifact):
    source: str
    language: str
    moments: list[Moment]
    rejected: list[Rejected] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Why fewer reels than asked were planned")
    inputs: PlanInputs | None = Field(None, description="Files the plan was made from (defaults for `reelcart render`)")
    order_stats: OrderStats | None = None
    clock_offset_s: float | None = None
    clock_estimate: ClockEstimate | None = None


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
    file: str = Field(description="The reel, named for upload, in the platform's folder (relative to the manifest)")
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


class Exports(Strict):
    schedule_csv: str = Field(description="Bulk-upload CSV for every platform (relative to the manifest)")
    folders: dict[str, str] = Field(description="Upload folder per platform; each holds the reels, covers and its own schedule.csv")


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
