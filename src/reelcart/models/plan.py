"""The moment plan: reels as segments of the recording, their cuts, scores and crops."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from .base import Artifact, Strict, TimeRange
from .orders import ClockEstimate, OrderStats


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
    review: Literal["pending", "approved", "rejected"] = Field(
        "pending", description="An editor's verdict: approved reels go to the upload folders once any reel is reviewed; "
        "rejected ones are kept in the plan but not rendered")

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
    preset: str | None = Field(None, description="Preset name or file (a relative file is relative to the plan's folder)")
    overrides: list[dict[str, Any]] = Field(
        default_factory=list, description="Preset fields set on the command line (--set, --model, ...), applied over the preset")
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
    revision: int = Field(0, description="Edits made to this plan in the studio (each one writes plan.json anew)")
