"""What the 9:16 window must keep in shot: pluggable detectors and tracks over time.

A *detector* turns one analysis frame (BGR, ≤ 480 px wide) into boxes. Detectors are registered by
name (``register_detector``) and chosen by the preset (``reframe.detectors``):

- ``haar`` (default, offline): OpenCV's Haar frontal-face cascade, plus the profile cascade on the
  frame and its mirror image when no frontal face is found. Ships with opencv-python-headless 4.x.
- ``yunet``: OpenCV's ``FaceDetectorYN`` with a YuNet ONNX file the user names in
  ``reframe.yunet_model`` (no package ships the weights, so it is opt-in).
- ``saliency`` (the fallback when there is no face): figure-ground colour contrast, i.e. each pixel's
  Lab distance from the frame's median colour (frequency-tuned saliency, Achanta et al. 2009, with
  the median as a robust background estimate), thresholded by Otsu; its connected regions are a
  silhouette, a host without a detectable face, a product held up to the camera.
- ``motion``: regions that changed since the previous analysis frame.

Detections are then linked into *tracks* (greedy IoU / centre-distance association with short gaps),
so the planner can follow the largest *steady* subject instead of whichever box flickers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from ...config import ReframeConfig
from ...errors import ConfigError

FACE_KINDS = ("face",)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in analysis-frame pixels."""

    x: float
    y: float
    w: float
    h: float
    score: float = 1.0
    kind: str = "face"

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def area(self) -> float:
        return self.w * self.h

    def iou(self, other: Box) -> float:
        ix = max(0.0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0.0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def scaled(self, sx: float, sy: float) -> Box:
        return Box(self.x * sx, self.y * sy, self.w * sx, self.h * sy, self.score, self.kind)


class Detector(Protocol):
    """A subject detector: one analysis frame in, boxes out (largest or most confident first)."""

    name: str
    kind: str  # "face", "saliency", "motion", … (faces win over the fallbacks)

    def detect(self, frame: np.ndarray, gray: np.ndarray) -> list[Box]: ...


_REGISTRY: dict[str, Callable[[ReframeConfig], Detector]] = {}


def register_detector(name: str) -> Callable[[Callable[[ReframeConfig], Detector]], Callable[[ReframeConfig], Detector]]:
    """Register a detector factory ``factory(config) -> Detector`` under ``name``."""

    def wrap(factory: Callable[[ReframeConfig], Detector]) -> Callable[[ReframeConfig], Detector]:
        _REGISTRY[name] = factory
        return factory

    return wrap


def detector_names() -> list[str]:
    return sorted(_REGISTRY)


def build_detectors(config: ReframeConfig) -> list[Detector]:
    """The face detectors named in the preset (YuNet first when a model file is given), then the fallbacks."""
    names = list(config.detectors)
    if config.yunet_model and "yunet" not in names:
        names.insert(0, "yunet")
    if config.fallback:
        names += [n for n in ("saliency", "motion") if n not in names]
    unknown = [n for n in names if n not in _REGISTRY]
    if unknown:
        raise ConfigError(f"reframe.detectors: unknown detector {unknown[0]!r} (known: {', '.join(detector_names())})")
    return [_REGISTRY[n](config) for n in names]


def nms(boxes: list[Box], iou_max: float = 0.3) -> list[Box]:
    """Drop boxes overlapping a bigger one (largest first)."""
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b.area):
        if all(box.iou(k) <= iou_max and not _inside(box, k) for k in kept):
            kept.append(box)
    return kept


def _inside(small: Box, big: Box) -> bool:
    return small.x >= big.x and small.y >= big.y and small.x + small.w <= big.x + big.w and small.y + small.h <= big.y + big.h


# ------------------------------------------------------------------------------------ faces


@functools.lru_cache(maxsize=None)
def haar_cascade(name: str):  # noqa: ANN201 - cv2.CascadeClassifier or None
    """A cascade shipped in ``cv2.data`` (opencv-python-headless 4.x), or None when absent."""
    import cv2

    folder = getattr(getattr(cv2, "data", None), "haarcascades", "")
    path = Path(folder) / name if folder else None
    if path is None or not path.is_file():
        return None
    cascade = cv2.CascadeClassifier(str(path))
    return None if cascade.empty() else cascade


class HaarFaceDetector:
    name = "haar"
    kind = "face"

    def __init__(self, config: ReframeConfig) -> None:
        self.frontal = haar_cascade("haarcascade_frontalface_default.xml")
        self.profile = haar_cascade("haarcascade_profileface.xml")
        self.min_face_frac = config.min_face_frac
        self.calls = 0
        self.profile_hit = False

    def _run(self, cascade, gray: np.ndarray, min_px: int, mirror: bool = False) -> list[Box]:  # noqa: ANN001
        if cascade is None:
            return []
        img = gray[:, ::-1] if mirror else gray
        found = cascade.detectMultiScale(
            np.ascontiguousarray(img), scaleFactor=1.15, minNeighbors=4, minSize=(min_px, min_px),
            maxSize=(int(gray.shape[0] * 0.9), int(gray.shape[0] * 0.9)),
        )
        width = gray.shape[1]
        out = []
        for x, y, w, h in found:
            x0 = width - x - w if mirror else x
            out.append(Box(float(x0), float(y), float(w), float(h), 1.0, "face"))
        return out

    def detect(self, frame: np.ndarray, gray: np.ndarray) -> list[Box]:
        # the cascades' own window is 24 px (frontal) / 20 px (profile): smaller faces are never found
        min_px = max(20, int(round(self.min_face_frac * min(gray.shape))))
        faces = self._run(self.frontal, gray, min_px)
        self.calls += 1
        # Profiles only when nobody faces the camera, and then on every other frame unless the last
        # try found one (tracks bridge one-frame gaps): the cascades are the costly part.
        if not faces and (self.profile_hit or self.calls % 2 == 1):
            faces = self._run(self.profile, gray, min_px) + self._run(self.profile, gray, min_px, mirror=True)
            self.profile_hit = bool(faces)
        return nms(faces)


class YuNetFaceDetector:
    name = "yunet"
    kind = "face"

    def __init__(self, config: ReframeConfig) -> None:
        import cv2

        if not config.yunet_model:
            raise ConfigError("reframe.detectors names 'yunet' but reframe.yunet_model (a YuNet .onnx file) is not set")
        path = Path(config.yunet_model).expanduser()
        if not path.is_file():
            raise ConfigError("reframe.yunet_model: file not found", path=path)
        if not hasattr(cv2, "FaceDetectorYN"):
            raise ConfigError(f"reframe.yunet_model: OpenCV {cv2.__version__} has no FaceDetectorYN")
        try:
            self.net = cv2.FaceDetectorYN.create(str(path), "", (320, 320), 0.7, 0.3, 50)
        except cv2.error as exc:
            raise ConfigError(f"reframe.yunet_model: OpenCV cannot load it ({str(exc).strip().splitlines()[-1]})", path=path) from exc
        self.size: tuple[int, int] | None = None

    def detect(self, frame: np.ndarray, gray: np.ndarray) -> list[Box]:
        size = (frame.shape[1], frame.shape[0])
        if size != self.size:
            self.net.setInputSize(size)
            self.size = size
        _, found = self.net.detect(frame)
        if found is None:
            return []
        return nms([Box(float(f[0]), float(f[1]), float(f[2]), float(f[3]), float(f[-1]), "face") for f in found])


register_detector("haar")(HaarFaceDetector)
register_detector("yunet")(YuNetFaceDetector)


# ------------------------------------------------------------------------------------ fallbacks

MAP_WIDTH_PX = 128  # saliency and motion maps are computed on a copy this wide


def _regions(mask: np.ndarray, weight: np.ndarray, scale: float, kind: str, *, min_area_frac: float = 0.01,
             max_width_frac: float = 0.7) -> list[Box]:
    """Connected regions of ``mask`` as boxes in analysis pixels (``scale`` = analysis px per map px)."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    h, w = mask.shape
    out = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if area < min_area_frac * h * w or bw > max_width_frac * w:
            continue  # specks, and layout bands spanning the frame
        strength = float(weight[labels == i].mean())
        out.append(Box(x * scale, y * scale, bw * scale, bh * scale, strength * area / (h * w), kind))
    return sorted(out, key=lambda b: -b.score)[:3]


class SaliencyDetector:
    """Regions whose colour stands out from the frame's dominant (median) colour."""

    name = "saliency"
    kind = "saliency"

    def __init__(self, config: ReframeConfig) -> None:
        pass

    def detect(self, frame: np.ndarray, gray: np.ndarray) -> list[Box]:
        import cv2

        scale = frame.shape[1] / MAP_WIDTH_PX
        small = cv2.resize(frame, (MAP_WIDTH_PX, max(2, int(round(frame.shape[0] / scale)))), interpolation=cv2.INTER_AREA)
        lab = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32), (3, 3), 0)
        background = np.median(lab.reshape(-1, 3), axis=0)
        sal = np.linalg.norm(lab - background, axis=2)
        peak = float(np.percentile(sal, 99.5))
        if peak < 12:  # nothing stands out (a flat frame): no subject
            return []
        s8 = np.clip(sal * (255 / peak), 0, 255).astype(np.uint8)
        level, mask = cv2.threshold(s8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        if level < 40:  # Otsu split noise from noise
            return []
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
        return _regions(mask, sal / peak, scale, self.kind)


class MotionDetector:
    """Regions that changed since the previous analysis frame (the frame is remembered)."""

    name = "motion"
    kind = "motion"

    def __init__(self, config: ReframeConfig) -> None:
        self.prev: np.ndarray | None = None

    def detect(self, frame: np.ndarray, gray: np.ndarray) -> list[Box]:
        import cv2

        scale = gray.shape[1] / MAP_WIDTH_PX
        small = cv2.resize(gray, (MAP_WIDTH_PX, max(2, int(round(gray.shape[0] / scale)))), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (3, 3), 0).astype(np.int16)
        prev, self.prev = self.prev, small
        if prev is None or prev.shape != small.shape:
            return []
        diff = np.abs(small - prev)
        mask = diff > 18
        if mask.mean() < 0.003 or mask.mean() > 0.5:  # still frame, or a cut / camera move
            return []
        mask = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        return _regions(mask, diff / 255.0, scale, self.kind, min_area_frac=0.005)


register_detector("saliency")(SaliencyDetector)
register_detector("motion")(MotionDetector)


# ------------------------------------------------------------------------------------ tracks


@dataclass
class Track:
    id: int
    kind: str
    frames: list[int] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)

    def in_range(self, first: int, last: int) -> list[tuple[int, Box]]:
        """(frame index, box) pairs with first <= index <= last."""
        return [(f, b) for f, b in zip(self.frames, self.boxes) if first <= f <= last]


def link_tracks(per_frame: list[list[Box]], *, max_gap: int = 2, min_iou: float = 0.1, max_jump: float = 1.0) -> list[Track]:
    """Greedy association of detections into tracks, per kind.

    Each active track (last seen at most ``max_gap`` frames earlier) predicts where its box is now
    (constant velocity from its last two boxes). A detection joins the track whose prediction it
    overlaps (IoU ≥ ``min_iou``) or lies within ``max_jump`` box widths of, if the sizes agree
    (ratio < 2); best pairs first. A detection that matches nothing starts a new track, so a
    one-frame false positive stays a one-frame track and never wins a shot.
    """
    tracks: list[Track] = []
    active: list[Track] = []
    for index, boxes in enumerate(per_frame):
        active = [t for t in active if index - t.frames[-1] <= max_gap + 1]
        pairs = []
        for ti, track in enumerate(active):
            last = track.boxes[-1]
            gap = index - track.frames[-1]
            vx = vy = 0.0
            if len(track.boxes) >= 2:
                prev, steps = track.boxes[-2], track.frames[-1] - track.frames[-2]
                vx, vy = (last.cx - prev.cx) / steps, (last.cy - prev.cy) / steps
            predicted = Box(last.x + vx * gap, last.y + vy * gap, last.w, last.h, last.score, last.kind)
            for di, box in enumerate(boxes):
                if box.kind != track.kind:
                    continue
                iou = predicted.iou(box)
                size = max(last.w, box.w, 1.0)
                dist = float(np.hypot(predicted.cx - box.cx, predicted.cy - box.cy)) / size
                ratio = max(last.w, box.w) / max(1.0, min(last.w, box.w))
                if (iou >= min_iou or dist <= max_jump) and ratio < 2.0:
                    pairs.append((iou - dist, ti, di))
        used_t: set[int] = set()
        used_d: set[int] = set()
        for _, ti, di in sorted(pairs, reverse=True):
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            active[ti].frames.append(index)
            active[ti].boxes.append(boxes[di])
        for di, box in enumerate(boxes):
            if di not in used_d:
                track = Track(id=len(tracks), kind=box.kind, frames=[index], boxes=[box])
                tracks.append(track)
                active.append(track)
    return tracks


@functools.lru_cache(maxsize=1)
def default_face_detector():  # noqa: ANN201 - the default frontal cascade, or None (``reelcart doctor`` checks it)
    return haar_cascade("haarcascade_frontalface_default.xml")
