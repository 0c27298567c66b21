"""Pick each reel's thumbnail from clean candidate frames written by the render pass.

The render pass writes a dozen full-size candidates (the reframed picture before captions and
cards, never the first second). Each is scored on a small grey copy: sharpness (variance of the
Laplacian), exposure, a visible face inside the window's middle, and open eyes on that face (the
Haar eye cascade finds open eyes, rarely closed ones). The winner is copied as the reel's JPEG.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Candidate:
    path: Path
    t_s: float
    sharpness: float = 0.0
    brightness: float = 0.0
    contrast: float = 0.0
    faces: int = 0
    eyes: int = 0
    face_centred: bool = False
    score: float = 0.0


@functools.lru_cache(maxsize=1)
def _cascades():  # noqa: ANN202 - (face, eye) cv2.CascadeClassifier or None
    import cv2

    folder = getattr(getattr(cv2, "data", None), "haarcascades", "")
    if not folder:
        return None, None
    face = cv2.CascadeClassifier(str(Path(folder) / "haarcascade_frontalface_default.xml"))
    eye = cv2.CascadeClassifier(str(Path(folder) / "haarcascade_eye.xml"))
    return (None if face.empty() else face), (None if eye.empty() else eye)


def sharpness(gray: np.ndarray) -> float:
    import cv2

    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def face_and_eyes(gray: np.ndarray, detail: np.ndarray | None = None) -> tuple[int, int, bool]:
    """(faces, open eyes on the largest face, largest face in the middle of the frame).

    Faces are found on ``gray`` (small); eyes on the same face in ``detail`` (a larger copy), if given.
    """
    face_cc, eye_cc = _cascades()
    if face_cc is None:
        return 0, 0, False
    h, w = gray.shape
    min_side = max(20, int(min(h, w) * 0.08))
    faces = face_cc.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side))
    if len(faces) == 0:
        return 0, 0, False
    x, y, fw, fh = (int(v) for v in max(faces, key=lambda f: f[2] * f[3]))
    centred = 0.2 * w <= x + fw / 2 <= 0.8 * w
    eyes = 0
    if eye_cc is not None:
        big = detail if detail is not None else gray
        k = big.shape[1] / w
        x, y, fw, fh = int(x * k), int(y * k), int(fw * k), int(fh * k)
        upper = big[y : y + int(fh * 0.6), x : x + fw]
        min_eye = max(8, int(fw * 0.12))
        found = eye_cc.detectMultiScale(upper, scaleFactor=1.1, minNeighbors=4, minSize=(min_eye, min_eye),
                                        maxSize=(int(fw * 0.5), int(fw * 0.5)))
        eyes = min(2, len(found))
    return len(faces), eyes, centred


def analyse(path: Path, t_s: float) -> Candidate | None:
    import cv2

    detail = cv2.imread(str(path), cv2.IMREAD_REDUCED_GRAYSCALE_2)
    if detail is None:
        return None
    cand = Candidate(path, t_s)
    small = cv2.resize(detail, (detail.shape[1] // 2, detail.shape[0] // 2), interpolation=cv2.INTER_AREA)
    cand.sharpness = sharpness(small)
    cand.brightness = float(small.mean())
    cand.contrast = float(small.std())
    cand.faces, cand.eyes, cand.face_centred = face_and_eyes(small, detail)
    return cand


def score(cands: list[Candidate], subject: str = "none") -> None:
    """Sharpness first; a centred face with open eyes wins among the sharp ones."""
    top = max((c.sharpness for c in cands), default=0.0) or 1.0
    any_face = any(c.faces for c in cands)
    for c in cands:
        s = c.sharpness / top
        if c.brightness < 25 or c.brightness > 235 or c.contrast < 8:
            s -= 1.0  # black, blown out or flat (a fade, a blank card)
        if any_face or subject == "face":
            s += 0.5 if c.faces else 0.0
            s += 0.2 if c.face_centred else 0.0
            s += 0.35 * c.eyes  # two open eyes: +0.7
        c.score = s


def choose(frames: list[tuple[Path, float]], subject: str = "none") -> Candidate | None:
    cands = [c for c in (analyse(p, t) for p, t in frames) if c is not None]
    if not cands:
        return None
    score(cands, subject)
    return max(cands, key=lambda c: (c.score, -abs(c.t_s)))
