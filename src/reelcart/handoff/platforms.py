"""What each platform accepts: the media it takes (design.md §4) and the text of a post.

Media: canvas, length, frame rate, audio rate and the UI-safe zone, kept as fractions of the canvas
so it scales to any output size; ``generic`` is the union of the three (what is safe everywhere).

Text (checked 2026): TikTok Content Posting API (video caption, ``post_info.title``: at most
2,200 UTF-16 code units, hashtags parsed from it); Instagram Graph API / Reels (caption at most
2,200 characters; since late 2025 at most 5 hashtags a post); YouTube Data API (``snippet.title``
at most 100 characters, ``snippet.description`` at most 5,000 bytes, neither may contain ``<`` or
``>``; a video with more than 15 hashtags has all of them ignored). TikTok and Reels have no
separate title: reelcart still writes one (at most 100 characters) for schedulers that ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class SafeZone:
    """Fractions of the canvas that the platform's UI covers on each side."""

    top: float
    bottom: float
    left: float
    right: float

    def px(self, width_px: int, height_px: int) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) in pixels."""
        return (round(self.top * height_px), round(self.bottom * height_px),
                round(self.left * width_px), round(self.right * width_px))


@dataclass(frozen=True)
class Platform:
    name: str
    label: str
    width_px: int
    height_px: int
    min_duration_s: float
    max_duration_s: float
    min_fps: float
    max_fps: float
    max_audio_rate_hz: int
    safe: SafeZone


PLATFORMS: dict[str, Platform] = {
    "tiktok": Platform("tiktok", "TikTok", 1080, 1920, 3.0, 600.0, 23.0, 60.0, 48000,
                       SafeZone(top=100 / 1920, bottom=300 / 1920, left=40 / 1080, right=150 / 1080)),
    "reels": Platform("reels", "Instagram Reels", 1080, 1920, 3.0, 180.0, 23.0, 60.0, 48000,
                      SafeZone(top=0.14, bottom=0.35, left=0.06, right=0.06)),
    "shorts": Platform("shorts", "YouTube Shorts", 1080, 1920, 1.0, 180.0, 23.0, 60.0, 48000,
                       SafeZone(top=0.10, bottom=0.25, left=40 / 1080, right=0.13)),
}
PLATFORMS["generic"] = Platform(
    "generic", "every platform", 1080, 1920, 3.0, 180.0, 23.0, 60.0, 48000,
    SafeZone(
        top=max(p.safe.top for p in PLATFORMS.values()),
        bottom=max(p.safe.bottom for p in PLATFORMS.values()),
        left=max(p.safe.left for p in PLATFORMS.values()),
        right=max(p.safe.right for p in PLATFORMS.values()),
    ),
)


def platform(name: str) -> Platform:
    return PLATFORMS.get(name, PLATFORMS["generic"])


# ---------------------------------------------------------------- the text of a post

Unit = Literal["utf16", "utf8"]


@dataclass(frozen=True)
class PlatformSpec:
    key: str
    label: str
    utm_source: str = ""  # default utm_source (GA4 recognises these as social sources)
    title_max: int = 100
    caption_max: int = 2200
    caption_unit: Unit = "utf16"
    hashtags_max: int | None = None
    forbidden: str = ""  # characters the platform rejects in title and description
    separate_title: bool = False  # the platform shows the title apart from the caption


SPECS: dict[str, PlatformSpec] = {
    "tiktok": PlatformSpec("tiktok", "TikTok", utm_source="tiktok", caption_max=2200, caption_unit="utf16"),
    "reels": PlatformSpec("reels", "Instagram Reels", utm_source="instagram", caption_max=2200, hashtags_max=5),
    "shorts": PlatformSpec(
        "shorts", "YouTube Shorts", utm_source="youtube", title_max=100, caption_max=5000, caption_unit="utf8",
        hashtags_max=15, forbidden="<>", separate_title=True,
    ),
    # copy that fits every platform above: the strictest of each limit
    "generic": PlatformSpec("generic", "any platform", utm_source="social", caption_max=2200, hashtags_max=5, forbidden="<>"),
}


def text_length(text: str, unit: Unit = "utf16") -> int:
    """Length as the platform counts it: UTF-16 code units (an emoji is 2) or UTF-8 bytes."""
    if unit == "utf8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2
