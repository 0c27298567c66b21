"""Multi-segment reels in the single render pass: the segments are cut from the decoded source
and joined on the reel's clock before anything else is drawn. Video: one ``trim`` per segment and
``concat``; audio: one ``atrim`` per segment, each inner edge reaching ``CROSSFADE_S / 2`` into the
cut, joined by ``acrossfade`` (triangular, ``CROSSFADE_S`` long), so every crossfade is centred on
its cut, the audio stays exactly as long as the video and no cut clicks.

The input is opened at the first segment (``-ss``) for the whole span (``-t``), so the segment
times here are relative to the span's start."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ...media import graphs
from ...models import MediaInfo, Moment, TimeRange

CROSSFADE_S = 0.02


def frame_aligned(moment: Moment, fps: float) -> Moment:
    """A multi-segment moment with its segment edges on the output's frame grid, so every segment
    is a whole number of frames and the audio (cut at the same times) never drifts from the video;
    captions, card and crop then run on exactly the clock that plays. One segment is left as is."""
    spans = moment.spans()
    if len(spans) < 2 or fps <= 0:
        return moment
    snapped: list[TimeRange] = []
    for seg in spans:
        start, end = round(seg.start_s * fps) / fps, round(seg.end_s * fps) / fps
        if snapped and start < snapped[-1].end_s:
            start = snapped[-1].end_s
        if end > start:
            snapped.append(TimeRange(start_s=round(start, 6), end_s=round(end, 6)))
    return moment.model_copy(update={"segments": snapped, "start_s": snapped[0].start_s, "end_s": snapped[-1].end_s})


def relative(segments: Sequence[TimeRange]) -> list[tuple[float, float]]:
    """Segment times relative to the first segment's start (the input's seek point)."""
    origin = segments[0].start_s
    return [(round(s.start_s - origin, 4), round(s.end_s - origin, 4)) for s in segments]


def audio_windows(segments: Sequence[TimeRange], crossfade_s: float = CROSSFADE_S) -> list[tuple[float, float]]:
    """The audio taken of each segment: inner edges reach half a crossfade into the cut."""
    windows = relative(segments)
    half = crossfade_s / 2
    return [(max(0.0, a - half) if i else a, b + half if i < len(windows) - 1 else b) for i, (a, b) in enumerate(windows)]


def join_video(stream: graphs.Stream, segments: Sequence[TimeRange]) -> graphs.Stream:
    if len(segments) < 2:
        return stream
    parts = graphs.split(stream, len(segments))
    pieces = [graphs.chain(p, ("trim", {"start": a, "end": b}), ("setpts", {"expr": "PTS-STARTPTS"}))
              for p, (a, b) in zip(parts, relative(segments))]
    return graphs.node(pieces, "concat", n=len(pieces), v=1, a=0)


def join_audio(stream: graphs.Stream, segments: Sequence[TimeRange], crossfade_s: float = CROSSFADE_S) -> graphs.Stream:
    if len(segments) < 2:
        return stream
    parts = graphs.split(stream, len(segments), audio=True)
    pieces = [graphs.chain(p, ("atrim", {"start": a, "end": b}), ("asetpts", {"expr": "PTS-STARTPTS"}))
              for p, (a, b) in zip(parts, audio_windows(segments, crossfade_s))]
    joined = pieces[0]
    for piece in pieces[1:]:
        joined = graphs.node([joined, piece], "acrossfade", d=crossfade_s, c1="tri", c2="tri")
    return joined


def span_source(info: MediaInfo, moment: Moment, duration_s: float | None = None) -> graphs.Stream:
    """The recording opened at the moment's first segment, for its whole span (one segment: the
    reel's ``duration_s``, as before)."""
    spans = moment.spans()
    length = spans[-1].end_s - spans[0].start_s if len(spans) > 1 else (moment.duration_s if duration_s is None else duration_s)
    return graphs.source(Path(info.path).resolve(), ss=f"{spans[0].start_s:.3f}", t=f"{length:.3f}")


def reel_audio(info: MediaInfo, moment: Moment, duration_s: float | None = None) -> graphs.Stream:
    """The reel's audio before any processing: the segments' audio, crossfaded at each cut."""
    return join_audio(span_source(info, moment, duration_s)["a:0"], moment.spans())
