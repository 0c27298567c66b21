"""Which audio to transcribe (pure): the look-back windows of the order spikes, merged, and
their chunks cut at pauses."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...config import MomentsConfig, TranscribeConfig
from ...models import SpikeReport, TimeRange
from ...speech.activity import quietest_time

CUT_SEARCH_S = 10.0  # a chunk may end this much before or after its nominal end, at the quietest point
MERGE_GAP_S = 5.0  # windows closer than this are merged


def merge_ranges(ranges: list[TimeRange], gap_s: float = 0.0) -> list[TimeRange]:
    merged: list[TimeRange] = []
    for r in sorted(ranges, key=lambda r: r.start_s):
        if merged and r.start_s <= merged[-1].end_s + gap_s:
            merged[-1] = TimeRange(start_s=merged[-1].start_s, end_s=max(merged[-1].end_s, r.end_s))
        else:
            merged.append(r)
    return merged


def spike_range(onset_s: float, duration_s: float, config: TranscribeConfig, moments: MomentsConfig, bin_s: float) -> TimeRange:
    """The audio the moment finder reads for a spike at ``onset_s``, plus the margin."""
    start = onset_s - moments.lookback_max_s - moments.pitch_max_s - config.window_margin_s
    end = onset_s - moments.lookback_min_s + bin_s + config.window_margin_s
    start, end = max(0.0, start), min(duration_s, max(end, start))
    return TimeRange(start_s=round(start, 3), end_s=round(max(start, end), 3))


def plan_windows(
    spikes: SpikeReport | None, duration_s: float, config: TranscribeConfig, moments: MomentsConfig
) -> list[TimeRange]:
    """The audio ranges to transcribe: the whole recording in full mode or without spikes, else
    the merged look-back ranges of the spikes."""
    if duration_s <= 0:
        return []
    if config.mode == "full" or spikes is None or not spikes.spikes:
        return [TimeRange(start_s=0.0, end_s=round(duration_s, 3))]
    ranges = [spike_range(s.onset_s, duration_s, config, moments, spikes.bin_s) for s in spikes.spikes]
    return merge_ranges([r for r in ranges if r.duration_s > 0], gap_s=MERGE_GAP_S)


def window_skus(
    spikes: SpikeReport | None, windows: list[TimeRange], duration_s: float, config: TranscribeConfig, moments: MomentsConfig
) -> list[list[str]]:
    """For each window, the SKUs of the spikes it was planned for (their names go first in the hints)."""
    out: list[list[str]] = [[] for _ in windows]
    if spikes is None:
        return out
    for spike in sorted(spikes.spikes, key=lambda s: -s.orders_above_baseline):
        r = spike_range(spike.onset_s, duration_s, config, moments, spikes.bin_s)
        for i, w in enumerate(windows):
            if r.start_s < w.end_s and r.end_s > w.start_s and spike.sku not in out[i]:
                out[i].append(spike.sku)
    return out


def split_at_pauses(start_s: float, end_s: float, chunk_s: float, probs_for: Callable[[float, float], tuple[float, np.ndarray]]) -> list[float]:
    """Cut points of ``[start_s, end_s]`` into chunks of about ``chunk_s``: each cut is the quietest
    moment within ``CUT_SEARCH_S`` of its nominal place. ``probs_for(a, b)`` returns the speech
    probabilities of ``[a, b]`` and the time of their first frame. Returns [start, cut..., end]."""
    cuts = [start_s]
    while end_s - cuts[-1] > chunk_s + CUT_SEARCH_S:
        nominal = cuts[-1] + chunk_s
        offset, probs = probs_for(nominal - CUT_SEARCH_S, nominal + CUT_SEARCH_S)
        cuts.append(quietest_time(probs, offset, nominal))
    cuts.append(end_s)
    return cuts
