"""Find a chunk's failed decodes and decode those spans again in safer ways.

For each suspect span (``speech.quality.find_suspects``), widened to the segments it touches, the
span's audio is decoded again, in order, until one decode shows nothing suspect:

1. ``plain``: no hints, beam search only (temperature 0);
2. ``plain_fallback``: no hints, with whisper's temperature fallback;
3. ``short_windows``: no hints, temperature 0, in pieces of at most ``SHORT_WINDOW_S`` cut at pauses.

The first decode (``original``) competes too: the transcript keeps the decode with the highest
``quality_score`` (the original wins a tie), and every repair is recorded with its span, reasons,
the decodes tried (score, text, what still looked wrong) and the one chosen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config import TranscribeConfig
from ..models import Repair, RepairAttempt
from .activity import SAMPLE_RATE_HZ, Region, quietest_time
from .decoder import PackedSegment, transcribe_chunk
from .quality import DecodedSegment, clip_regions, find_suspects, quality_score

log = logging.getLogger(__name__)

SHORT_WINDOW_S = 10.0
EDGE_PAD_S = 0.3  # audio kept around a span so its first and last words are whole


@dataclass
class ChunkAudio:
    """One chunk's audio and what is known of it, in recording time (``offset_s`` is its start)."""

    audio: np.ndarray
    offset_s: float
    regions: list[Region]  # speech, recording time
    probs: np.ndarray  # VAD probabilities per frame, chunk time

    @property
    def end_s(self) -> float:
        return self.offset_s + len(self.audio) / SAMPLE_RATE_HZ


def decoded(packed: Sequence[PackedSegment]) -> list[DecodedSegment]:
    out = []
    for p in packed:
        lp, cr, _, temp = p.stats if p.stats else (None, None, None, None)
        words = tuple((t, float(a), float(b), float(q)) for t, (a, b, q) in zip(p.words, p.times.tolist()))
        out.append(DecodedSegment(words, lp, cr, temp))
    return out


def span_of(suspect_start_s: float, suspect_end_s: float, packed: Sequence[PackedSegment], chunk: ChunkAudio,
            after_s: float = -1.0) -> tuple[float, float, list[PackedSegment]]:
    """The suspect span widened to the whole segments it overlaps (never cutting a kept segment),
    with a little audio around it, and those segments. ``after_s``: where an earlier repair ended."""
    inside = [p for p in packed if p.end_s > suspect_start_s and p.start_s < suspect_end_s and p.start_s >= after_s]
    start = min([suspect_start_s, *(p.start_s for p in inside)])
    end = max([suspect_end_s, *(p.end_s for p in inside)])
    before = max([chunk.offset_s, after_s, *(p.end_s for p in packed if p.end_s <= start)])
    following = min([chunk.end_s, *(p.start_s for p in packed if p.start_s >= end)])
    return max(before, start - EDGE_PAD_S), min(following, end + EDGE_PAD_S), inside


def _decode_span(decoder, chunk: ChunkAudio, start_s: float, end_s: float, language: str | None, prompt: str | None,  # noqa: ANN001
                 config: TranscribeConfig, temperature, stop: threading.Event | None) -> list[PackedSegment]:  # noqa: ANN001
    a = int(round((start_s - chunk.offset_s) * SAMPLE_RATE_HZ))
    b = int(round((end_s - chunk.offset_s) * SAMPLE_RATE_HZ))
    regions = [Region(r.start_s - start_s, r.end_s - start_s) for r in clip_regions(chunk.regions, start_s, end_s)]
    found, _ = transcribe_chunk(decoder, chunk.audio[a:b], regions, start_s, language, prompt, config, stop=stop, temperature=temperature)
    return found


def _short_cuts(chunk: ChunkAudio, start_s: float, end_s: float) -> list[float]:
    cuts = [start_s]
    while end_s - cuts[-1] > SHORT_WINDOW_S * 1.5:
        nominal = cuts[-1] + SHORT_WINDOW_S
        lo = max(0, int((nominal - 3 - chunk.offset_s) / 0.032))
        hi = min(len(chunk.probs), int((nominal + 3 - chunk.offset_s) / 0.032) + 1)
        cut = quietest_time(chunk.probs[lo:hi], chunk.offset_s + lo * 0.032, nominal) if hi > lo else nominal
        cuts.append(min(max(cut, cuts[-1] + 1.0), end_s - 1.0))
    return [*cuts, end_s]


def attempts_for(decoder, chunk: ChunkAudio, start_s: float, end_s: float, language: str | None, prompt: str | None,  # noqa: ANN001
                 config: TranscribeConfig, stop: threading.Event | None):  # noqa: ANN201 - iterator of (name, segments)
    from .decoder import FALLBACK_TEMPERATURES

    yield "plain", _decode_span(decoder, chunk, start_s, end_s, language, prompt, config, 0.0, stop)
    yield "plain_fallback", _decode_span(decoder, chunk, start_s, end_s, language, prompt, config, FALLBACK_TEMPERATURES, stop)
    cuts = _short_cuts(chunk, start_s, end_s)
    pieces: list[PackedSegment] = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        pieces += _decode_span(decoder, chunk, a, b, language, prompt, config, 0.0, stop)
    yield "short_windows", pieces


def _text(packed: Sequence[PackedSegment]) -> str:
    return " ".join(p.text for p in packed)


def repair_chunk(
    decoder, chunk: ChunkAudio, packed: list[PackedSegment], language: str | None, prompt: str | None,  # noqa: ANN001
    config: TranscribeConfig, hint_tokens: frozenset[str] = frozenset(), stop: threading.Event | None = None,
) -> tuple[list[PackedSegment], list[Repair]]:
    """The chunk's segments with every suspect span replaced by its best decode, and the repairs."""
    repairs: list[Repair] = []
    suspects = find_suspects(decoded(packed), chunk.regions, hint_tokens)
    done_until = -1.0
    for suspect in suspects:
        if suspect.end_s <= done_until:
            continue
        start_s, end_s, inside = span_of(max(suspect.start_s, done_until), suspect.end_s, packed, chunk, done_until)
        regions = clip_regions(chunk.regions, start_s, end_s)
        best_name, best, best_score = "original", inside, quality_score(decoded(inside), regions, hint_tokens)
        tried = [RepairAttempt(name="original", score=best_score, text=_text(inside), suspects=suspect.reasons)]
        for name, segments in attempts_for(decoder, chunk, start_s, end_s, language, prompt, config, stop):
            left = find_suspects(decoded(segments), regions)
            score = quality_score(decoded(segments), regions)
            tried.append(RepairAttempt(name=name, score=score, text=_text(segments), suspects=sorted({r for s in left for r in s.reasons})))
            if score > best_score:
                best_name, best, best_score = name, segments, score
            if not left and best_name == name:
                break  # a clean decode that beats the original: no need to try further
        repairs.append(Repair(start_s=round(start_s, 3), end_s=round(end_s, 3), reasons=suspect.reasons, attempts=tried, chosen=best_name))
        log.info("repaired %.1f-%.1f s (%s): kept %s (%.2f)", start_s, end_s, ", ".join(suspect.reasons), best_name, best_score)
        if best is not inside:
            packed = [p for p in packed if p not in inside]
            packed = sorted([*packed, *best], key=lambda p: p.start_s)
        done_until = end_s
    return packed, repairs
