"""Find order spikes per SKU against a robust rolling baseline.

For each SKU, orders are counted in ``bin_s`` bins (orders, not units: one bulk order is one
order). The baseline is a centred rolling median over ``baseline_window_s``; the noise scale is
the larger of the Poisson scale and 1.4826·MAD of the window sums. A spike is a run of bins whose
next-minute order sum exceeds the baseline by ``min_z`` scales and by ``min_orders`` orders.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..config import SpikesConfig
from ..models import SkuTimeline, Spike, SpikeReport
from ..orders import OrderTable

STAGE = "spikes"
VERSION = 1
BURST_WINDOW_S = 60.0
TIMELINE_BIN_S = 60.0
ONSET_BIN_Z = 2.0


def rolling_median(values: np.ndarray, width: int) -> np.ndarray:
    width = max(1, min(width, len(values)))
    if width % 2 == 0:
        width += 1
    pad = width // 2
    padded = np.pad(values.astype(np.float64), pad, mode="reflect" if len(values) > pad else "edge")
    return np.median(sliding_window_view(padded, width), axis=1)[: len(values)]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, end) index pairs of True runs."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate(mask):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def detect_series(
    counts: np.ndarray, revenue: np.ndarray, *, sku: str, config: SpikesConfig
) -> list[Spike]:
    """Spikes in one SKU's per-bin order counts."""
    n = len(counts)
    if n == 0 or counts.sum() < config.min_orders:
        return []
    burst_bins = max(1, int(round(BURST_WINDOW_S / config.bin_s)))
    base_bins = max(3, int(round(config.baseline_window_s / config.bin_s)))
    baseline = rolling_median(counts, base_bins)
    # rate floor: the SKU's typical rate once its busiest bins are set aside (sparse logs)
    typical = float(np.mean(np.sort(counts)[: max(1, int(n * 0.8))]))
    baseline = np.maximum(baseline, typical)
    kernel = np.ones(burst_bins)
    # forward[i] = orders in bins [i, i + burst_bins): the burst that starts at bin i
    forward = np.convolve(counts.astype(np.float64), kernel[::-1], mode="full")[burst_bins - 1 :][:n]
    expected = np.convolve(baseline, kernel, mode="full")[burst_bins - 1 :][:n]
    excess = forward - expected
    mad = float(np.median(np.abs(forward - np.median(forward))))
    scale = np.maximum(np.sqrt(expected + 1.0), 1.4826 * mad)
    z = excess / scale
    residual = counts - baseline
    bin_mad = float(np.median(np.abs(residual - np.median(residual))))
    bin_z = residual / np.maximum(np.sqrt(baseline + 1.0), 1.4826 * bin_mad)
    hot = (z >= config.min_z) & (excess >= config.min_orders)
    spikes: list[Spike] = []
    for first, last in _runs(hot):
        # the burst starts at the first bin of the run that stands out on its own
        span = slice(first, min(n, last + burst_bins))
        above = np.nonzero(bin_z[span] >= ONSET_BIN_Z)[0]
        onset_bin = first + int(above[0]) if len(above) else first
        peak_bin = first + int(np.argmax(z[first : last + 1]))
        end_bin = min(n - 1, last + burst_bins - 1)
        body = slice(onset_bin, end_bin + 1)
        above_orders = float(np.sum(np.maximum(counts[body] - baseline[body], 0)))
        per_order = float(np.sum(revenue[body]) / max(1, np.sum(counts[body])))
        spikes.append(
            Spike(
                sku=sku,
                onset_s=onset_bin * config.bin_s,
                peak_s=peak_bin * config.bin_s,
                end_s=(end_bin + 1) * config.bin_s,
                orders=int(np.sum(counts[body])),
                orders_above_baseline=round(above_orders, 2),
                revenue_above_baseline=round(above_orders * per_order, 2),
                peak_z=round(float(z[peak_bin]), 2),
            )
        )
    return _merge(spikes, config.merge_gap_s)


def _merge(spikes: list[Spike], gap_s: float) -> list[Spike]:
    merged: list[Spike] = []
    for spike in sorted(spikes, key=lambda s: s.onset_s):
        if merged and spike.onset_s - merged[-1].end_s <= gap_s:
            prev = merged[-1]
            merged[-1] = prev.model_copy(
                update={
                    "end_s": max(prev.end_s, spike.end_s),
                    "orders": prev.orders + spike.orders,
                    "orders_above_baseline": round(prev.orders_above_baseline + spike.orders_above_baseline, 2),
                    "revenue_above_baseline": round(prev.revenue_above_baseline + spike.revenue_above_baseline, 2),
                    "peak_s": prev.peak_s if prev.peak_z >= spike.peak_z else spike.peak_s,
                    "peak_z": max(prev.peak_z, spike.peak_z),
                }
            )
        else:
            merged.append(spike)
    return merged


def bin_orders(table: OrderTable, sku: str, duration_s: float, bin_s: float) -> tuple[np.ndarray, np.ndarray]:
    n_bins = max(1, int(math.ceil(duration_s / bin_s)))
    mask = np.fromiter((s == sku for s in table.sku), dtype=bool, count=len(table))
    idx = np.clip((table.t_s[mask] / bin_s).astype(np.int64), 0, n_bins - 1)
    counts = np.bincount(idx, minlength=n_bins)
    amounts = np.nan_to_num(table.amount[mask], nan=0.0)
    revenue = np.bincount(idx, weights=amounts, minlength=n_bins)
    return counts, revenue


def find_spikes(
    table: OrderTable, *, duration_s: float, stream_start: datetime | None, config: SpikesConfig, clock_offset_s: float
) -> SpikeReport:
    spikes: list[Spike] = []
    timeline: list[SkuTimeline] = []
    for sku in table.skus:
        counts, revenue = bin_orders(table, sku, duration_s, config.bin_s)
        spikes.extend(detect_series(counts, revenue, sku=sku, config=config))
        minute_counts, _ = bin_orders(table, sku, duration_s, TIMELINE_BIN_S)
        timeline.append(SkuTimeline(sku=sku, counts=[int(c) for c in minute_counts]))
    spikes.sort(key=lambda s: s.onset_s)
    return SpikeReport(
        stream_start=stream_start,
        clock_offset_s=clock_offset_s,
        bin_s=config.bin_s,
        stats=table.stats,
        spikes=spikes,
        timeline=timeline,
        timeline_bin_s=TIMELINE_BIN_S,
    )
