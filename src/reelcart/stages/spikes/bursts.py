"""Bursts of one series: onset, end, a second take-off inside one burst, and the Spike records."""

from __future__ import annotations

import math

import numpy as np

from ...config import SpikesConfig
from ...models import Spike
from ...inputs.orders import OrderTable
from .baseline import _runs, _scales, _window_sums, analyse

ONSET_BIN_Z = 2.0  # a burst's first bin stands this far above the baseline (bin z)
ONSET_PEAK_SHARE = 0.2  # ... and holds at least this share of the peak bin's extra orders
QUIET_END_S = 30.0  # a burst is over after this long without extra orders


def detect_series(
    counts: np.ndarray, revenue: np.ndarray, *, sku: str, config: SpikesConfig, min_z: float | None = None
) -> list[Spike]:
    """Spikes in one SKU's per-bin order counts (``min_z`` overrides ``config.min_z``)."""
    n = len(counts)
    if n == 0 or counts.sum() < config.min_orders:
        return []
    scales = _scales(config)
    burst_bins = scales[0][0]
    widest = max(w for w, _ in scales)
    counts_f = counts.astype(np.float64)
    baseline, hot, z = analyse(counts, config, min_z)
    residual = counts_f - baseline
    bin_mad = float(np.median(np.abs(residual - np.median(residual))))
    bin_z = residual / np.maximum(np.sqrt(baseline + 1.0), 1.4826 * bin_mad)
    elevated = residual > 0.5 * np.sqrt(baseline + 1.0)
    # bursts: onset = first bin of a hot run that stands out on its own; end = before the first
    # QUIET_END_S without extra orders; bursts of one SKU closer than merge_gap_s are one burst
    bursts: list[list[int]] = []  # [onset, end, first, last]
    for first, last in _runs(hot):
        stop = min(n, last + widest)
        onset_bin = _onset(residual, bin_z, first, stop, burst_bins)
        end_bin = onset_bin
        for k in range(onset_bin, stop):
            if elevated[k]:
                end_bin = k
            elif (k - end_bin) * config.bin_s >= QUIET_END_S and k > last:
                break
        if bursts and (onset_bin - bursts[-1][1] - 1) * config.bin_s <= config.merge_gap_s:
            bursts[-1][1] = max(bursts[-1][1], end_bin)
            bursts[-1][3] = last
        else:
            bursts.append([onset_bin, end_bin, first, last])
    spikes: list[Spike] = []
    for onset_bin, end_bin, first, last in bursts:
        cuts = [_onset(residual, bin_z, k, min(end_bin + 1, k + burst_bins), burst_bins)
                for k in _second_onsets(counts_f, onset_bin, end_bin, burst_bins, config)]
        for a, b in zip([onset_bin, *cuts], [*(c - 1 for c in cuts), end_bin]):
            body = slice(a, b + 1)
            peak_bin = a + int(np.argmax(residual[body]))
            above_orders = max(0.0, float(np.sum(residual[body])))
            per_order = float(np.sum(revenue[body]) / max(1, np.sum(counts[body])))
            zone = z[max(first, a - widest) : max(a + 1, min(last, b) + 1)]
            spikes.append(
                Spike(
                    sku=sku,
                    onset_s=a * config.bin_s,
                    peak_s=peak_bin * config.bin_s,
                    end_s=(b + 1) * config.bin_s,
                    orders=int(np.sum(counts[body])),
                    orders_above_baseline=round(above_orders, 2),
                    revenue_above_baseline=round(above_orders * per_order, 2),
                    peak_z=round(float(np.max(zone)) if len(zone) else float(np.max(z[first : last + 1])), 2),
                )
            )
    return spikes


def _onset(residual: np.ndarray, bin_z: np.ndarray, first: int, stop: int, width: int) -> int:
    """The burst's first bin: the first one before its peak that stands out on its own (bin z) and
    carries a noticeable share of the peak (so a noise bin in a dense log does not count). In a
    sparse log where no bin stands out alone: the first order of the first minute (``width`` bins)
    that holds nearly as many orders as the busiest."""
    peak = first + int(np.argmax(residual[first:stop]))
    ok = (bin_z[first : peak + 1] >= ONSET_BIN_Z) & (residual[first : peak + 1] >= ONSET_PEAK_SHARE * residual[peak])
    standing = np.nonzero(ok)[0]
    if len(standing):
        return first + int(standing[0])
    minutes = _window_sums(np.maximum(residual[first:stop], 0), width)
    busiest = first + int(np.argmax(minutes >= 0.75 * minutes.max()))  # the first nearly-busiest minute
    rising = np.nonzero(residual[busiest:stop] > 0)[0]
    return busiest + int(rising[0]) if len(rising) else busiest


def _second_onsets(counts: np.ndarray, onset: int, end: int, width: int, config: SpikesConfig) -> list[int]:
    """Bins inside one burst where orders take off again after falling off: a second pitch of the
    same product while the first burst still trickles. Needs the previous minute to have dropped
    below half the burst's best minute, and the next minute to beat it by min_z and min_orders."""
    cuts: list[int] = []
    start = onset
    k = onset + width
    while k + 1 <= end:
        before = float(np.sum(counts[k - width : k]))
        after = float(np.sum(counts[k : k + width]))
        best = max(float(np.sum(counts[i : i + width])) for i in range(start, k - width + 1))
        jump = after - before
        if (before <= 0.5 * best and jump >= config.min_orders and jump / math.sqrt(before + 1.0) >= config.min_z
                and counts[k] > counts[k - 1]):
            cuts.append(k)
            start = k
            k += width
        else:
            k += 1
    return cuts


def bin_orders(table: OrderTable, sku: str | None, duration_s: float, bin_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Orders and revenue per bin for one SKU (``None``: all SKUs)."""
    n_bins = max(1, int(math.ceil(duration_s / bin_s)))
    if sku is None:
        mask = np.ones(len(table), dtype=bool)
    else:
        mask = table.mask(sku)
    idx = np.clip((table.t_s[mask] / bin_s).astype(np.int64), 0, n_bins - 1)
    counts = np.bincount(idx, minlength=n_bins)
    amounts = np.nan_to_num(table.amount[mask], nan=0.0)
    revenue = np.bincount(idx, weights=amounts, minlength=n_bins)
    return counts, revenue
