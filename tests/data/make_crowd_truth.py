"""Ground truth for the reframing test on ../shared/media/crowd_faces_1080p_4s.mp4.

The planner sees 480 px frames at 4 fps. The truth is derived independently and more expensively:
every source frame at full resolution (1920×1080, 25 fps), OpenCV's Haar frontal cascade with a
finer scale step (1.05) and stricter voting (6 neighbours) than the planner uses, plus the profile
cascade; detections are linked frame to frame by overlap (IoU ≥ 0.3, gaps up to 3 frames bridged by
linear interpolation). "The subject" is the most prominent person: the track with the largest sum of
face areas over the clip (big and long-lived), among tracks present in at least half of the frames.
Its face box is recorded per frame (null where it was not seen and no gap could be bridged).

Run once (about a minute): PYTHONPATH=src python tests/data/make_crowd_truth.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOURCE = next(
    (p / "shared" / "media" / "crowd_faces_1080p_4s.mp4" for p in (ROOT.parent, ROOT.parent.parent)
     if (p / "shared" / "media" / "crowd_faces_1080p_4s.mp4").is_file()),
    ROOT.parent / "shared" / "media" / "crowd_faces_1080p_4s.mp4",
)
OUT = HERE / "crowd_faces_truth.json"


def iou(a, b) -> float:  # noqa: ANN001
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def main() -> None:
    sys.path.insert(0, str(HERE.parents[1] / "src"))
    from reelcart.media.ffmpeg import ffmpeg_exe

    import av

    with av.open(str(SOURCE)) as c:
        s = c.streams.video[0]
        w, h, fps = s.codec_context.width, s.codec_context.height, float(s.average_rate)
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(SOURCE), "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"],
        capture_output=True, check=True,
    ).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w)
    frontal = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    profile = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_profileface.xml")
    per_frame = []
    for i, gray in enumerate(frames):
        found = [tuple(map(int, b)) for b in frontal.detectMultiScale(gray, 1.05, 6, minSize=(40, 40))]
        for b in profile.detectMultiScale(gray, 1.05, 6, minSize=(40, 40)):
            b = tuple(map(int, b))
            if all(iou(b, f) < 0.3 for f in found):
                found.append(b)
        per_frame.append(found)
        print(f"frame {i}: {found}", file=sys.stderr)
    tracks: list[dict[int, tuple]] = []
    for i, boxes in enumerate(per_frame):
        used = set()
        for track in sorted(tracks, key=lambda t: -len(t)):
            last_i = max(track)
            if i - last_i > 4:
                continue
            best = max(((iou(track[last_i], b), j) for j, b in enumerate(boxes) if j not in used), default=(0, -1))
            if best[0] >= 0.3:
                track[i] = boxes[best[1]]
                used.add(best[1])
        tracks += [{i: b} for j, b in enumerate(boxes) if j not in used]
    n = len(frames)
    candidates = [t for t in tracks if len(t) >= n / 2]
    subject = max(candidates, key=lambda t: sum(b[2] * b[3] for b in t.values()))
    boxes: list[list[float] | None] = []
    seen = sorted(subject)
    for i in range(n):
        if i in subject:
            boxes.append([float(v) for v in subject[i]])
            continue
        before = [k for k in seen if k < i]
        after = [k for k in seen if k > i]
        if before and after and after[0] - before[-1] <= 4:
            a, b = np.array(subject[before[-1]], float), np.array(subject[after[0]], float)
            f = (i - before[-1]) / (after[0] - before[-1])
            boxes.append([float(v) for v in a + (b - a) * f])
        else:
            boxes.append(None)
    OUT.write_text(json.dumps({
        "source": SOURCE.name, "source_size_bytes": SOURCE.stat().st_size, "width_px": w, "height_px": h, "fps": fps,
        "method": __doc__.split("\n\n")[1].replace("\n", " "),
        "tracks_considered": len(candidates), "frames": n, "frames_seen": len(subject),
        "boxes_xywh": boxes,
    }, indent=1) + "\n")
    print(f"wrote {OUT}: subject seen in {len(subject)}/{n} frames, {len(candidates)} candidate tracks")


if __name__ == "__main__":
    main()
