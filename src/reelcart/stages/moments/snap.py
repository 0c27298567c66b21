"""Reel edges at the voice's own pauses (pure). Where a sentence starts or ends depends on the
decode (one CPU hears "...I see you. Next, let me show you", another "...I see you next. Let me
show you"), but the speech regions the voice activity detector found do not. An outer edge whose
first (last) word lies in a run of speech that starts (ends) at most ``SNAP_MAX_S`` away moves to
the run's edge, with the usual lead-in (tail), so the same reel comes out on every CPU."""

from __future__ import annotations

from collections.abc import Sequence

from ...config import MomentsConfig
from ...models import Moment, TimeRange, Word
from .edges import with_span

RUN_GAP_S = 0.6  # pauses shorter than this (a comma, a breath) do not end a run of speech
SNAP_MAX_S = 1.0  # an edge moves to a run's edge at most this far


def speech_runs(speech: Sequence[TimeRange], gap_s: float = RUN_GAP_S) -> list[tuple[float, float]]:
    runs: list[list[float]] = []
    for r in sorted(speech, key=lambda r: r.start_s):
        if runs and r.start_s - runs[-1][1] < gap_s:
            runs[-1][1] = max(runs[-1][1], r.end_s)
        else:
            runs.append([r.start_s, r.end_s])
    return [(a, b) for a, b in runs]


def _run_at(runs: Sequence[tuple[float, float]], t_s: float) -> tuple[float, float] | None:
    return next(((a, b) for a, b in runs if a - 0.05 <= t_s <= b + 0.05), None)


def snap_edges(moment: Moment, words: Sequence[Word], speech: Sequence[TimeRange], config: MomentsConfig) -> Moment:
    """The moment with its outer edges at the pauses around its first and last words."""
    if not speech or not words:
        return moment
    runs = speech_runs(speech)
    inside = [w for w in words if moment.start_s <= w.start_s and w.end_s <= moment.end_s + 0.05]
    if not inside:
        return moment
    start_s, end_s = moment.start_s, moment.end_s
    run = _run_at(runs, inside[0].start_s)
    if run is not None and 0 < inside[0].start_s - run[0] <= SNAP_MAX_S:
        before = max((w.end_s for w in words if w.end_s <= run[0]), default=0.0)
        start_s = round(max(before, run[0] - config.lead_in_s, 0.0), 3)
    run = _run_at(runs, inside[-1].end_s)
    if run is not None and 0 < run[1] - inside[-1].end_s <= SNAP_MAX_S and not any(inside[-1].end_s < w.start_s < run[1] for w in words):
        after = min((w.start_s for w in words if w.start_s >= run[1]), default=run[1] + config.tail_s)
        end_s = round(min(after, run[1] + config.tail_s), 3)
    if (start_s, end_s) == (moment.start_s, moment.end_s) or end_s <= start_s:
        return moment
    return with_span(moment, start_s, end_s)
