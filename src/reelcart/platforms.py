"""What each platform accepts for a post's text: the limits reelcart fits its copy into.

Sources (checked 2026): TikTok Content Posting API (video caption, ``post_info.title``: at most
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
PLATFORMS: tuple[str, ...] = ("tiktok", "reels", "shorts")


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
