"""The crop window: even sizes of the output's aspect that fit the source, and the geometry of one reel's window."""

from __future__ import annotations

from dataclasses import dataclass

from .subjects import Box


def even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def window_size(width_px: int, height_px: int, out_w: int, out_h: int) -> tuple[int, int]:
    """Largest even window of the output's aspect that fits the source."""
    target = out_w / out_h
    if width_px / height_px > target:
        return min(even(width_px), even(height_px * target)), even(height_px)
    return even(width_px), min(even(height_px), even(width_px / target))


# ------------------------------------------------------------------------------------ geometry


@dataclass(frozen=True)
class Geometry:
    src_w: int
    src_h: int
    win_w: int
    win_h: int
    axis: str  # "x": the window slides horizontally; "y": vertically; "": it covers the frame
    scale: float  # source px per analysis px

    @property
    def length(self) -> int:  # source extent along the axis
        return self.src_w if self.axis != "y" else self.src_h

    @property
    def window(self) -> int:  # window extent along the axis
        return self.win_w if self.axis != "y" else self.win_h

    def lo_hi(self, box: Box) -> tuple[float, float]:
        """Box extent along the axis, in source px."""
        if self.axis == "y":
            return box.y * self.scale, (box.y + box.h) * self.scale
        return box.x * self.scale, (box.x + box.w) * self.scale

    def clamp_centre(self, centre: float) -> float:
        half = self.window / 2
        return min(max(centre, half), self.length - half)


def make_geometry(src_w: int, src_h: int, out_w: int, out_h: int, analysis_w: int) -> Geometry:
    win_w, win_h = window_size(src_w, src_h, out_w, out_h)
    axis = "x" if win_w < src_w - 1 else ("y" if win_h < src_h - 1 else "")
    return Geometry(src_w, src_h, win_w, win_h, axis, src_w / analysis_w)
