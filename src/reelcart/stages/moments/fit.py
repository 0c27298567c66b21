"""Fit a pitch to the preset's length, on sentence boundaries, measuring what the reel plays
(the segments, after the cuts)."""

from __future__ import annotations

from collections.abc import Callable

from ...config import MomentsConfig
from .cuts import Edit
from .text import Sentence


def fit_length(chosen: list[Sentence], sentences: list[Sentence], sku: str, config: MomentsConfig,
               lay: Callable[[list[Sentence]], Edit | None]) -> list[Sentence]:
    """Too short: add the block's sentences after the call to action, then unclaimed ones before.
    Too long: drop sentences from the start while the product is still named in the rest."""
    pos = {s.index: k for k, s in enumerate(sentences)}

    def duration(part: list[Sentence]) -> float:
        edit = lay(part)
        return edit.duration_s if edit is not None else 0.0

    def named(part: list[Sentence]) -> bool:
        return any(sku in s.mentions and s.aside is None for s in part)

    while duration(chosen) < config.min_duration_s:
        after_i = pos[chosen[-1].index] + 1
        before_i = pos[chosen[0].index] - 1
        nxt = sentences[after_i] if after_i < len(sentences) else None
        prev = sentences[before_i] if before_i >= 0 else None
        if (nxt is not None and nxt.block == chosen[-1].block and nxt.stale is None and nxt.digression is None
                and not nxt.mentions.keys() - {sku} and nxt.start_s - chosen[-1].end_s <= config.max_pause_s):
            chosen = [*chosen, nxt]
        elif (prev is not None and prev.block is None and prev.stale is None and prev.digression is None
              and not prev.mentions and chosen[0].start_s - prev.end_s <= config.max_pause_s):
            chosen = [prev, *chosen]
        else:
            break
    while len(chosen) > 1 and duration(chosen) > config.max_duration_s and named(chosen[1:]):
        chosen = chosen[1:]
    return chosen
