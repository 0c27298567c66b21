"""The reel's own clock: a reel plays source segments back to back (a jump cut between each two).

Pure functions that map source times to reel times. Captions, the product card, the crop path
and the thumbnail all run on the reel's clock; what falls in a cut is not in the reel.
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import TimeRange, Word


def segment_offsets(segments: Sequence[TimeRange]) -> list[float]:
    """Reel time at which each segment starts."""
    out: list[float] = []
    t = 0.0
    for seg in segments:
        out.append(round(t, 6))
        t += seg.end_s - seg.start_s
    return out


def reel_length_s(segments: Sequence[TimeRange]) -> float:
    return sum(seg.end_s - seg.start_s for seg in segments)


def to_reel_time(t_s: float, segments: Sequence[TimeRange], *, snap: bool = False) -> float | None:
    """The reel time of source time ``t_s``; None when it falls in a cut or outside the reel.
    With ``snap``, a time in a cut maps to the start of the next segment (the end, after the last)."""
    for seg, offset in zip(segments, segment_offsets(segments)):
        if seg.start_s <= t_s <= seg.end_s:
            return offset + (t_s - seg.start_s)
        if snap and t_s < seg.start_s:
            return offset
    if snap and segments:
        return reel_length_s(segments)
    return None


def to_source_time(t_s: float, segments: Sequence[TimeRange]) -> float:
    """The source time shown at reel time ``t_s`` (clamped to the reel)."""
    for seg, offset in zip(segments, segment_offsets(segments)):
        if t_s <= offset + (seg.end_s - seg.start_s) + 1e-9:
            return seg.start_s + max(0.0, t_s - offset)
    return segments[-1].end_s if segments else t_s


def _segment_of(w: Word, segments: Sequence[TimeRange]) -> int | None:
    middle = (w.start_s + w.end_s) / 2
    for i, seg in enumerate(segments):
        if seg.start_s <= middle < seg.end_s or (middle == seg.end_s == w.end_s):
            return i
    return None


def words_inside(words: Sequence[Word], segments: Sequence[TimeRange]) -> list[Word]:
    """The source-time words the reel plays (those whose middle lies in a segment)."""
    return [w for w in words if _segment_of(w, segments) is not None]


def words_on_reel_clock(words: Sequence[Word], segments: Sequence[TimeRange]) -> list[Word]:
    """Source-time words mapped to reel time; words whose middle falls in a cut are dropped, words
    reaching over a segment's edge are clipped to it (a cut never falls inside a word in a plan
    the planner or the editor check made)."""
    out: list[Word] = []
    offsets = segment_offsets(segments)
    for w in words:
        i = _segment_of(w, segments)
        if i is None:
            continue
        seg, offset = segments[i], offsets[i]
        start = offset + max(0.0, w.start_s - seg.start_s)
        end = offset + min(seg.end_s, w.end_s) - seg.start_s
        out.append(w.model_copy(update={"start_s": round(start, 3), "end_s": round(max(start, end), 3)}))
    return out
