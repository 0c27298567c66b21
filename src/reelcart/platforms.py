"""What each platform accepts (design.md §4): canvas, length, frame rate, codecs, UI-safe zone.

The safe zone is kept as fractions of the canvas so it scales to any output size. ``generic``
is the union of the three (what is safe everywhere).
"""

from __future__ import annotations

from dataclasses import dataclass


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
