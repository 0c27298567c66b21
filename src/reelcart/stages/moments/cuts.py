"""Cuts from the middle of a pitch, and the segments the reel plays.

Each sentence of the pitch says which of its words go (:func:`word_drops`): a live-only offer
(its clause, or the whole sentence when nothing else in it names the product or asks to buy), a
digression (comments read out, a stock check, another product named in passing), filler words.
Between the first and the last kept word, every run of dropped words is one cut, and so is a
silence longer than ``moments.max_pause_s``. Cuts fall in the pauses between words, never inside
a word, and keep up to ``KEEP_PAUSE_S`` of the pause on each side. A piece shorter than
``moments.min_segment_s`` between two cuts is merged back (or, next to a cut of content, left out
with it) so the reel never flashes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ...config import MomentsConfig
from ...models import Cut, TimeRange, Word
from .edges import safe_edges, stale_words
from .text import Sentence, _joiner

KEEP_PAUSE_S = 0.3  # pause kept on each side of a cut
CONTENT_REASONS = ("live_only", "digression")  # cuts of what was said (the others only tidy it)


@dataclass
class Edit:
    """What the reel keeps of a run of sentences."""

    first: Word
    last: Word
    start_s: float
    end_s: float
    cuts: list[Cut]
    segments: list[TimeRange]
    kept: list[Word]
    stale_kept: list[str] = field(default_factory=list)  # live-only phrases left inside (cutting switched off)
    silences_kept: list[tuple[float, float]] = field(default_factory=list)  # (at, seconds) of dead air left inside

    @property
    def duration_s(self) -> float:
        return sum(s.end_s - s.start_s for s in self.segments)


def word_drops(sentence: Sentence, sku: str, config: MomentsConfig) -> dict[int, str]:
    """Word index -> reason, for the words of this sentence the reel leaves out."""
    drops: dict[int, str] = {}
    if config.cut_fillers:
        for first, last in sentence.fillers:
            drops.update({i: "filler" for i in range(first, last + 1)})
    own = sku in sentence.mentions and sentence.aside is None
    if config.cut_digressions and not own and sentence.cta is None and (sentence.aside or sentence.digression):
        drops.update({i: "digression" for i in range(len(sentence.words))})
    if config.cut_live_only and sentence.stale is not None:
        drops.update({i: "live_only" for i in stale_words(sentence, sku)})
    return drops


def _join(words: list[Word]) -> str:
    out = ""
    for w in words:
        token = w.text.strip()
        out += (_joiner(out, token) + token) if out else token
    return out


def _cut_between(before: Word, dropped: list[tuple[Word, str]], after: Word) -> Cut:
    d0, dn = dropped[0][0], dropped[-1][0]
    start = before.end_s + min(KEEP_PAUSE_S, max(0.0, d0.start_s - before.end_s) / 2)
    end = after.start_s - min(KEEP_PAUSE_S, max(0.0, after.start_s - dn.end_s) / 2)
    reason = Counter(r for _, r in dropped).most_common(1)[0][0]
    return Cut(start_s=round(start, 3), end_s=round(end, 3), reason=reason, text=_join([w for w, _ in dropped]))


def complement(start_s: float, end_s: float, cuts: list[Cut]) -> list[TimeRange]:
    """The span without the cuts."""
    out: list[TimeRange] = []
    t = start_s
    for cut in sorted(cuts, key=lambda c: c.start_s):
        if cut.start_s > t:
            out.append(TimeRange(start_s=round(t, 3), end_s=round(cut.start_s, 3)))
        t = max(t, cut.end_s)
    if end_s > t:
        out.append(TimeRange(start_s=round(t, 3), end_s=round(end_s, 3)))
    return out


def merge_short(start_s: float, end_s: float, cuts: list[Cut], min_s: float) -> tuple[float, float, list[Cut]]:
    """No piece shorter than ``min_s``: the tidy-up cut next to it goes (the piece joins its
    neighbour); between two cuts of content the piece goes with them; at an edge it is left out."""
    cuts = sorted(cuts, key=lambda c: c.start_s)
    while cuts:
        segments = complement(start_s, end_s, cuts)
        short = next((i for i, s in enumerate(segments) if s.end_s - s.start_s < min_s), None)
        if short is None or len(segments) != len(cuts) + 1:
            break
        left = cuts[short - 1] if short > 0 else None
        right = cuts[short] if short < len(cuts) else None
        tidy = [c for c in (left, right) if c is not None and c.reason not in CONTENT_REASONS]
        if tidy:
            cuts.remove(min(tidy, key=lambda c: c.end_s - c.start_s))
        elif left is not None and right is not None:
            big = max((left, right), key=lambda c: c.end_s - c.start_s)
            joined = Cut(start_s=left.start_s, end_s=right.end_s, reason=big.reason, text=f"{left.text} … {right.text}")
            cuts[short - 1: short + 1] = [joined]
        elif left is None:
            start_s = right.end_s  # a flash before the first cut: the reel starts after the cut
            cuts.remove(right)
        else:
            end_s = left.start_s
            cuts.remove(left)
    return start_s, end_s, cuts


def plan_edit(run: list[Sentence], sku: str, config: MomentsConfig, words: list[Word], limit_s: float | None,
              *, start_at: float | None = None) -> Edit | None:
    """The reel's span, cuts and segments for a run of sentences (None when nothing is kept)."""
    drops = [word_drops(s, sku, config) for s in run]
    items = [(w, d.get(i)) for s, d in zip(run, drops) for i, w in enumerate(s.words)
             if start_at is None or w.start_s >= start_at]
    kept = [w for w, r in items if r is None]
    if not kept:
        return None
    cuts: list[Cut] = []
    silences: list[tuple[float, float]] = []
    prev: Word | None = None
    pending: list[tuple[Word, str]] = []
    for w, reason in items:
        if reason is not None:
            if prev is not None:
                pending.append((w, reason))
            continue
        if pending:
            cuts.append(_cut_between(prev, pending, w))
        elif prev is not None and w.start_s - prev.end_s > config.max_pause_s:
            if config.cut_dead_air:
                cuts.append(Cut(start_s=round(prev.end_s + KEEP_PAUSE_S, 3), end_s=round(w.start_s - KEEP_PAUSE_S, 3),
                                reason="dead_air", text=""))
            else:
                silences.append((prev.end_s, w.start_s - prev.end_s))
        pending, prev = [], w
    start_s, end_s = safe_edges(words, kept[0], kept[-1], config, limit_s)
    start_s, end_s, cuts = merge_short(start_s, end_s, cuts, config.min_segment_s)
    inside = [w for w in kept if start_s <= w.start_s and w.end_s <= end_s]
    first, last = (inside[0], inside[-1]) if inside else (kept[0], kept[-1])
    stale_kept = [s.stale.phrase for s, d in zip(run, drops) if s.stale is not None and "live_only" not in d.values()
                  and first.start_s <= s.words[s.stale.first].start_s <= last.start_s]
    return Edit(first=first, last=last, start_s=start_s, end_s=end_s, cuts=cuts, segments=complement(start_s, end_s, cuts),
                kept=[w for w in kept if not any(c.start_s <= w.start_s < c.end_s for c in cuts) and start_s <= w.start_s < end_s],
                stale_kept=stale_kept, silences_kept=silences)
