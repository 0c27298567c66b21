"""The edges of what a reel keeps: which words of a live-only line go, and cut points that never
fall inside a word."""

from __future__ import annotations

from ...config import MomentsConfig
from ...models import Moment, TimeRange, Word
from .text import CLAUSE_END, Sentence


def stale_words(sentence: Sentence, sku: str) -> list[int]:
    """Word indices of a live-only offer to cut: the whole sentence, unless something else in it
    names the product or asks to buy; then the clause holding the offer, or (when that clause
    holds the name or the call to action too) only the offer's own words."""
    stale = sentence.stale
    if stale is None:
        return []
    words = sentence.words
    keep: set[int] = set()
    if sentence.cta is not None:
        keep |= set(range(sentence.cta.first, sentence.cta.last + 1))
    if sku in sentence.mentions:
        keep |= set(range(sentence.mentions[sku].first, sentence.mentions[sku].last + 1))
    phrase = set(range(stale.first, stale.last + 1))
    if not keep:
        return list(range(len(words)))
    if keep <= phrase:
        return []  # the offer's words are the call to action's own: kept (and flagged)
    first, last = stale.first, stale.last
    while first > 0 and not CLAUSE_END.search(words[first - 1].text.strip()):
        first -= 1
    while last < len(words) - 1 and not CLAUSE_END.search(words[last].text.strip()):
        last += 1
    clause = set(range(first, last + 1))
    if clause & keep:
        return sorted(phrase - keep)
    return sorted(clause)


def safe_edges(words: list[Word], first: Word, last: Word, config: MomentsConfig, limit_s: float | None) -> tuple[float, float]:
    """Cut points around [first, last] that never fall inside a neighbouring word."""
    i = next(k for k, w in enumerate(words) if w is first)
    j = next(k for k, w in enumerate(words) if w is last)
    start = max(0.0, first.start_s - config.lead_in_s)
    if i > 0 and words[i - 1].end_s > start:
        start = max(words[i - 1].end_s, (words[i - 1].end_s + first.start_s) / 2)
    end = last.end_s + config.tail_s
    if j + 1 < len(words) and words[j + 1].start_s < end:
        end = min(words[j + 1].start_s, (last.end_s + words[j + 1].start_s) / 2)
    if limit_s is not None:
        end = min(end, max(last.end_s, limit_s))
    return round(start, 3), round(max(end, last.end_s), 3)


def with_span(moment: Moment, start_s: float, end_s: float) -> Moment:
    """The moment with new outer edges: its first segment starts, its last one ends there."""
    segments = [s.model_copy() for s in moment.spans()]
    segments[0] = TimeRange(start_s=start_s, end_s=max(start_s, segments[0].end_s))
    segments[-1] = TimeRange(start_s=min(segments[-1].start_s, end_s) if len(segments) > 1 else start_s, end_s=end_s)
    return moment.model_copy(update={"start_s": start_s, "end_s": end_s, "segments": segments})
