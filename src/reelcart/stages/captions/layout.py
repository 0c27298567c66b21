"""Where captions go on the canvas: sizes and margins scaled from the 1920 px design, inside the platform's safe zone."""

from __future__ import annotations

from dataclasses import dataclass

from ...config import CaptionsConfig, RenderConfig
from ...handoff.platforms import Platform

BASE_HEIGHT_PX = 1920


# ----------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Where things go on the canvas, in pixels, derived from the preset and the platform."""

    width_px: int
    height_px: int
    scale: float
    safe_top: int
    safe_bottom: int
    safe_left: int
    safe_right: int
    pad: int
    font_px: int
    max_line_w: float
    x_left: int
    x_right: int

    @property
    def x_center(self) -> int:
        return (self.x_left + self.x_right) // 2

    @property
    def safe_rect(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the UI-safe area."""
        return self.safe_left, self.safe_top, self.width_px - self.safe_right, self.height_px - self.safe_bottom


def build_layout(captions: CaptionsConfig, render: RenderConfig, platform: Platform) -> Layout:
    w, h = render.width_px, render.height_px
    k = h / BASE_HEIGHT_PX
    top, bottom, left, right = platform.safe.px(w, h)
    pad = max(4, round(24 * k))
    x_left, x_right = left + pad, w - right - pad
    return Layout(
        width_px=w, height_px=h, scale=k, safe_top=top, safe_bottom=bottom, safe_left=left, safe_right=right,
        pad=pad, font_px=max(8, round(captions.font_size_px * k)),
        max_line_w=min(captions.max_line_width_frac * w, x_right - x_left), x_left=x_left, x_right=x_right,
    )
