"""The platform registry: what each platform accepts, the media (design.md §4) and the text of a post.

Everything that names platforms derives from ``PLATFORMS``: the CLI's ``--platform`` choices, the
preset's ``package.platform``/``package.platforms`` literals, the default UTM sources and hashtags.

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

Unit = Literal["utf16", "utf8"]


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
    # the text of a post
    utm_source: str = ""  # default utm_source (GA4 recognises these as social sources)
    hashtags: tuple[str, ...] = ()  # default hashtags of a post
    title_max: int = 100
    caption_max: int = 2200
    caption_unit: Unit = "utf16"
    hashtags_max: int | None = None
    forbidden: str = ""  # characters the platform rejects in title and description
    separate_title: bool = False  # the platform shows the title apart from the caption


_TARGETS = (
    Platform("tiktok", "TikTok", 1080, 1920, 3.0, 600.0, 23.0, 60.0, 48000,
             SafeZone(top=100 / 1920, bottom=300 / 1920, left=40 / 1080, right=150 / 1080),
             utm_source="tiktok", hashtags=("#tiktokshop", "#tiktokmademebuyit"), caption_max=2200, caption_unit="utf16"),
    Platform("reels", "Instagram Reels", 1080, 1920, 3.0, 180.0, 23.0, 60.0, 48000,
             SafeZone(top=0.14, bottom=0.35, left=0.06, right=0.06),
             utm_source="instagram", hashtags=("#reels", "#instashop"), caption_max=2200, hashtags_max=5),
    Platform("shorts", "YouTube Shorts", 1080, 1920, 1.0, 180.0, 23.0, 60.0, 48000,
             SafeZone(top=0.10, bottom=0.25, left=40 / 1080, right=0.13),
             utm_source="youtube", hashtags=("#shorts",), title_max=100, caption_max=5000, caption_unit="utf8",
             hashtags_max=15, forbidden="<>", separate_title=True),
)
# ``generic``: what is safe everywhere: the union of the safe zones and the strictest text limits
_GENERIC = Platform(
    "generic", "every platform", 1080, 1920, 3.0, 180.0, 23.0, 60.0, 48000,
    SafeZone(
        top=max(p.safe.top for p in _TARGETS),
        bottom=max(p.safe.bottom for p in _TARGETS),
        left=max(p.safe.left for p in _TARGETS),
        right=max(p.safe.right for p in _TARGETS),
    ),
    utm_source="social", caption_max=2200, hashtags_max=5, forbidden="<>",
)
PLATFORMS: dict[str, Platform] = {p.name: p for p in (*_TARGETS, _GENERIC)}
PLATFORM_NAMES: tuple[str, ...] = tuple(PLATFORMS)  # choices for a main platform
TARGET_NAMES: tuple[str, ...] = tuple(p.name for p in _TARGETS)  # platforms that get an upload folder
DEFAULT_UTM_SOURCES: dict[str, str] = {p.name: p.utm_source for p in PLATFORMS.values()}
DEFAULT_HASHTAGS: dict[str, list[str]] = {p.name: list(p.hashtags) for p in _TARGETS}


def platform(name: str) -> Platform:
    return PLATFORMS.get(name, PLATFORMS["generic"])


def text_length(text: str, unit: Unit = "utf16") -> int:
    """Length as the platform counts it: UTF-16 code units (an emoji is 2) or UTF-8 bytes."""
    if unit == "utf8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2
