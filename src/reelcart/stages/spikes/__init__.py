"""Find order spikes per SKU and overall against a robust rolling baseline.

For each SKU, orders are counted in ``bin_s`` bins (orders, not units: one bulk order is one
order). The baseline (``baseline``) is a centred rolling median over ``baseline_window_s``, floored by the
SKU's local mean rate in its quiet stretches; the noise scale is the larger of the Poisson scale
and 1.4826·MAD of quiet window sums. A spike is a run of bins whose next-minute order sum (or
next-two-minute sum, at ``min_z + 0.5``: slow bursts in sparse logs) exceeds the baseline by
``min_z`` scales (raised for long logs of many SKUs, see :func:`required_z`) and by ``min_orders``
orders; it starts at the first bin that stands out on its own. Baseline and scale are
re-estimated with the bursts found so far set aside.

The same test runs on all orders together. An overall spike that no SKU spike overlaps (many
SKUs each a little busier) is credited to the SKU that carries ``attribute_min_share`` of its
extra orders, or kept as a store-wide burst (a flash sale) that no single pitch explains.
"""

from __future__ import annotations

import math
from datetime import datetime

from ...config import SpikesConfig
from ...models import SkuTimeline, Spike, SpikeReport
from ...inputs.orders import OrderTable
from .baseline import analyse, poisson_sf, required_z, rolling_median
from .bursts import bin_orders, detect_series
from .overall import _Shares, attribute_overall, is_storewide

STAGE = "spikes"
VERSION = 4
TIMELINE_BIN_S = 60.0

__all__ = ["STAGE", "VERSION", "analyse", "attribute_overall", "bin_orders", "detect_series", "find_spikes",
           "is_storewide", "poisson_sf", "required_z", "rolling_median"]


def find_spikes(
    table: OrderTable, *, duration_s: float, stream_start: datetime | None, config: SpikesConfig, clock_offset_s: float
) -> SpikeReport:
    spikes: list[Spike] = []
    timeline: list[SkuTimeline] = []
    n_bins = max(1, int(math.ceil(duration_s / config.bin_s)))
    sku_z = required_z(config, n_bins, len(table.skus))
    for sku in table.skus:
        counts, revenue = bin_orders(table, sku, duration_s, config.bin_s)
        spikes.extend(detect_series(counts, revenue, sku=sku, config=config, min_z=sku_z))
        minute_counts, _ = bin_orders(table, sku, duration_s, TIMELINE_BIN_S)
        timeline.append(SkuTimeline(sku=sku, counts=[int(c) for c in minute_counts]))
    overall: list[Spike] = []
    if config.overall and len(table):
        counts, revenue = bin_orders(table, None, duration_s, config.bin_s)
        found = detect_series(counts, revenue, sku="*", config=config, min_z=required_z(config, n_bins, 1))
        overall = [s.model_copy(update={"source": "overall"}) for s in found]
        shares = _Shares(table, duration_s, config)
        overall = [s.model_copy(update={"storewide_skus": is_storewide(shares, s, config)}) for s in overall]
        spikes = [s.model_copy(update={"storewide_skus": is_storewide(shares, s, config)}) for s in spikes]
        spikes.extend(attribute_overall(overall, spikes, table, duration_s=duration_s, config=config, shares=shares))
    spikes.sort(key=lambda s: s.onset_s)
    return SpikeReport(
        stream_start=stream_start,
        clock_offset_s=clock_offset_s,
        bin_s=config.bin_s,
        stats=table.stats,
        spikes=spikes,
        timeline=timeline,
        timeline_bin_s=TIMELINE_BIN_S,
        overall=overall,
    )
