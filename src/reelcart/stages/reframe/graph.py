"""The reframed picture as graph nodes (media.graphs): the crop path, fit on a blurred copy, or letterbox."""

from __future__ import annotations

from pathlib import Path

from ...media import graphs
from ...models import CropPlan, MediaInfo
from .path import _num, path_expression
from .window import even


def _fit(stream: graphs.Stream, out_w: int, out_h: int) -> graphs.Stream:
    """The whole frame, letterboxed on a blurred, enlarged copy of itself (blurred at quarter size: cheap)."""
    bw, bh = even(out_w / 4), even(out_h / 4)
    radius = max(1, min(8, min(bw, bh) // 2 - 1))  # boxblur needs radius < half the (chroma) plane
    chroma = max(0, min(radius, min(bw, bh) // 4 - 1))
    back, front = graphs.split(stream, 2)
    back = graphs.chain(back, ("scale", bw, bh, {"force_original_aspect_ratio": "increase"}), ("crop", bw, bh),
                        ("boxblur", radius, 2, chroma, 2), ("scale", out_w, out_h, {"flags": "bilinear"}))
    front = graphs.node(front, "scale", out_w, out_h, force_original_aspect_ratio="decrease", force_divisible_by=2, flags="lanczos")
    return graphs.node([back, front], "overlay", "(W-w)/2", "(H-h)/2")


def geometry(stream: graphs.Stream, info: MediaInfo, crop: CropPlan | None, out_w: int, out_h: int,
             fps: str | None = None) -> graphs.Stream:
    """The source picture as an ``out_w``×``out_h`` picture: (``fps`` first when given), sample-aspect
    fix, then the crop path, fit or letterbox.

    Shots planned as ``fit`` inside a cropped reel are switched in by ``overlay``'s timeline
    (``enable=between(t,…)``) in the same pass."""
    if fps is not None:
        stream = graphs.node(stream, "fps", fps)
    if abs(info.sample_aspect - 1.0) > 1e-3 and info.display_width_px and info.display_height_px:
        stream = graphs.chain(stream, ("scale", info.display_width_px, info.display_height_px), ("setsar", 1))
    if crop is None or crop.mode == "none":
        return graphs.chain(
            stream, ("scale", out_w, out_h, {"force_original_aspect_ratio": "decrease", "force_divisible_by": 2, "flags": "lanczos"}),
            ("pad", out_w, out_h, "(ow-iw)/2", "(oh-ih)/2", {"color": "black"}),
        )
    if crop.mode == "fit":
        return _fit(stream, out_w, out_h)
    x_expr = path_expression(crop.keyframes, "x")
    y_expr = path_expression(crop.keyframes, "y")

    def cropped(s: graphs.Stream) -> graphs.Stream:
        return graphs.chain(
            s, ("crop", {"w": crop.width_px, "h": crop.height_px, "x": f"clip({x_expr},0,in_w-out_w)",
                         "y": f"clip({y_expr},0,in_h-out_h)", "exact": 1}),
            ("scale", out_w, out_h, {"flags": "lanczos"}),
        )

    fit_spans = [s for s in crop.shots if s.mode == "fit"]
    if not fit_spans:
        return cropped(stream)
    enable = "+".join(f"between(t,{_num(s.start_s)},{_num(s.end_s)})" for s in fit_spans)
    crop_source, fit_source = graphs.split(stream, 2)
    return graphs.node([cropped(crop_source), _fit(fit_source, out_w, out_h)], "overlay", x=0, y=0, enable=enable)


def geometry_args(source: graphs.Stream, info: MediaInfo, crop: CropPlan | None, out_w: int, out_h: int,
                  target: str | Path, **options: object) -> list[str]:
    """An ffmpeg argument list that writes only the reframed picture of ``source`` to ``target``."""
    return graphs.compile_args(graphs.output([geometry(source.video, info, crop, out_w, out_h)], target, **options))
