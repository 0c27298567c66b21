"""Generated video with a subject on a known path, for the reframing tests and benchmark.

A still background (a studio-like set: gradient wall, shelves, a floor band) with sensor noise, and a
subject composited by ffmpeg's ``overlay`` whose ``x`` is an expression of time, so the subject's
true box is known for every frame. The subject is a bright blob (what the saliency fallback sees)
or a face cut from a real frame of ``crowd_faces_1080p_4s.mp4`` (what the face detector sees).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from reelcart.media.ffmpeg import run_ffmpeg


@dataclass(frozen=True)
class Layer:
    image: Path  # PNG (with alpha for blobs)
    width: int
    height: int
    x_expr: str  # ffmpeg overlay x(t) of the left edge
    y: int
    enable: str | None = None  # overlay timeline expression (None: always shown)

    def centre_x(self, t: np.ndarray) -> np.ndarray:
        """The same x(t) in Python: the expressions below are written in this restricted form."""
        return np.array([_eval(self.x_expr, float(v)) for v in np.atleast_1d(t)]) + self.width / 2


def _eval(expr: str, t: float) -> float:
    return float(eval(expr.replace("PI", "math.pi").replace("sin(", "math.sin("), {"math": math, "t": t}))  # noqa: S307 - our own literals


def sine_x(centre: float, amplitude: float, period_s: float, width: int) -> str:
    """Left edge of a ``width``-wide layer whose centre moves on centre + amplitude·sin(2πt/period)."""
    return f"{centre - width / 2:.1f}+{amplitude:.1f}*sin(2*PI*t/{period_s:g})"


def background(path: Path, width: int, height: int, seed: int = 1, hue: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.uint8)
    ramp = np.linspace(40, 70, height, dtype=np.float32)[:, None]
    img[:] = np.dstack([ramp + 10 + hue, ramp, ramp - 10 + hue // 2]).astype(np.uint8)
    floor = int(height * 0.78)
    img[floor:] = (58 + hue // 3, 62, 66)
    for _ in range(6):  # shelves with boxes
        x = int(rng.integers(0, width - width // 6))
        y = int(rng.integers(height // 10, floor - height // 8))
        cv2.rectangle(img, (x, y), (x + width // 6, y + 6), (90, 96, 104), -1)
        for k in range(3):
            c = tuple(int(v) for v in rng.integers(60, 150, 3))
            bx = x + 10 + k * (width // 20)
            cv2.rectangle(img, (bx, y - height // 18), (bx + width // 32, y), c, -1)
    cv2.imwrite(str(path), img)
    return path


def blob(path: Path, width: int, height: int, colour: tuple[int, int, int] = (60, 200, 255)) -> Path:
    """A bright ellipse (a host's torso, a product held up) on a transparent PNG."""
    img = np.zeros((height, width, 4), np.uint8)
    cv2.ellipse(img, (width // 2, height // 2), (width // 2 - 1, height // 2 - 1), 0, 0, 360, (*colour, 255), -1)
    cv2.imwrite(str(path), img)
    return path


def face_from_clip(path: Path, clip: Path, t_s: float, box_xywh: list[float], out_w: int, grow: float = 1.5) -> tuple[Path, int, int]:
    """Cut a real face (``box`` grown by ``grow``, hair and chin included) out of ``clip`` at ``t_s``."""
    x, y, w, h = box_xywh
    cx, cy, side = x + w / 2, y + h / 2, max(w, h) * grow
    cw, ch = int(side) // 2 * 2, int(side * 1.2) // 2 * 2
    left, top = int(cx - cw / 2), int(cy - ch / 2)
    out_h = int(round(out_w * ch / cw / 2)) * 2
    run_ffmpeg(["-ss", f"{t_s:.3f}", "-i", str(clip), "-frames:v", "1",
                "-vf", f"crop={cw}:{ch}:{left}:{top},scale={out_w}:{out_h}:flags=lanczos", str(path)], what="face crop")
    return path, out_w, out_h


def compose(out: Path, bg: Path, layers: list[Layer], *, duration_s: float, fps: int = 30, noise: int = 6) -> Path:
    """Background + moving layers → an H.264 MP4 (all-intra free: plain x264 ultrafast)."""
    args = ["-loop", "1", "-framerate", str(fps), "-t", f"{duration_s:g}", "-i", str(bg)]
    for layer in layers:
        args += ["-loop", "1", "-framerate", str(fps), "-t", f"{duration_s:g}", "-i", str(layer.image)]
    chain = f"[0:v]noise=alls={noise}:allf=t,format=yuv420p[b0]" if noise else "[0:v]format=yuv420p[b0]"
    last = "b0"
    for i, layer in enumerate(layers, start=1):
        enable = f":enable='{layer.enable}'" if layer.enable else ""
        chain += f";[{last}][{i}:v]overlay=x='{layer.x_expr}':y={layer.y}:eval=frame{enable}[b{i}]"
        last = f"b{i}"
    run_ffmpeg([*args, "-filter_complex", chain, "-map", f"[{last}]", "-c:v", "libx264", "-preset", "ultrafast",
                "-crf", "20", "-pix_fmt", "yuv420p", "-r", str(fps), "-an", str(out)], what="test video")
    return out


def concat(out: Path, parts: list[Path]) -> Path:
    """Join clips with a hard cut between them (re-encoded, so the cut is exact)."""
    args: list[str] = []
    for p in parts:
        args += ["-i", str(p)]
    inputs = "".join(f"[{i}:v]" for i in range(len(parts)))
    run_ffmpeg([*args, "-filter_complex", f"{inputs}concat=n={len(parts)}:v=1:a=0[v]", "-map", "[v]", "-c:v", "libx264",
                "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p", str(out)], what="concat test video")
    return out
