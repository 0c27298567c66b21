"""Spikes of all orders together: credited to the SKU that carries one, or a store-wide burst."""

from __future__ import annotations

import math

import numpy as np

from ...config import SpikesConfig
from ...models import Spike
from ...inputs.orders import OrderTable
from .baseline import analyse
from .bursts import bin_orders

STOREWIDE_MIN_EXTRA = 2.0  # extra orders that make a product part of a store-wide burst
STOREWIDE_WINDOW_S = 60.0  # ... counted in this window after an onset


def _overlaps(a: Spike, b: Spike) -> bool:
    return a.onset_s < b.end_s and b.onset_s < a.end_s


class _Shares:
    """Per-SKU orders above baseline inside a time window (for overall spikes)."""

    def __init__(self, table: OrderTable, duration_s: float, config: SpikesConfig) -> None:
        self.config = config
        self.n_bins = max(1, int(math.ceil(duration_s / config.bin_s)))
        self.series: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for sku in table.skus:
            counts, rev = bin_orders(table, sku, duration_s, config.bin_s)
            self.series[sku] = (counts.astype(np.float64), rev, analyse(counts, config)[0])

    def __call__(self, spike: Spike) -> dict[str, tuple[float, int, float]]:
        """sku -> (orders above baseline, orders, revenue above baseline) in the spike's window."""
        return self.window(spike.onset_s, spike.end_s)

    def window(self, start_s: float, end_s: float) -> dict[str, tuple[float, int, float]]:
        first = max(0, int(start_s / self.config.bin_s))
        last = min(self.n_bins, int(math.ceil(end_s / self.config.bin_s)))
        out: dict[str, tuple[float, int, float]] = {}
        for sku, (counts, rev, baseline) in self.series.items():
            above = float(np.sum(np.maximum(counts[first:last] - baseline[first:last], 0)))
            if above > 0:
                n = int(np.sum(counts[first:last]))
                out[sku] = (above, n, float(np.sum(rev[first:last]) / max(1, n) * above))
        return out

    def together(self, at_s: float, sku: str | None) -> tuple[int, float, float]:
        """Around an onset: products with extra orders, the extra of the (storewide_min_skus-1)-th
        busiest other product, and this SKU's own extra."""
        extra = {k: e for k, (e, _, _) in self.window(at_s - self.config.bin_s, at_s + STOREWIDE_WINDOW_S).items()}
        busy = sum(1 for e in extra.values() if e >= STOREWIDE_MIN_EXTRA)
        others = sorted((e for k, e in extra.items() if k != sku), reverse=True)
        rank = self.config.storewide_min_skus - 1
        return busy, (others[rank - 1] if len(others) >= rank else 0.0), extra.get(sku or "", 0.0)


def attribute_overall(
    overall: list[Spike], sku_spikes: list[Spike], table: OrderTable, *, duration_s: float, config: SpikesConfig,
    shares: _Shares | None = None,
) -> list[Spike]:
    """SKU spikes credited from overall spikes that no SKU spike overlaps and one SKU dominates."""
    shares = shares or _Shares(table, duration_s, config)
    credited: list[Spike] = []
    for spike in overall:
        if spike.storewide_skus or any(_overlaps(spike, s) for s in sku_spikes):
            continue
        extra = shares(spike)
        total = sum(e for e, _, _ in extra.values())
        if not total:
            continue
        top = max(extra, key=lambda k: extra[k][0])
        above, orders, revenue = extra[top]
        if above / total >= config.attribute_min_share and above >= config.min_orders * 0.6:
            credited.append(spike.model_copy(update={
                "sku": top, "orders": orders, "orders_above_baseline": round(above, 2),
                "revenue_above_baseline": round(revenue, 2), "source": "overall",
            }))
    return credited


def is_storewide(shares: _Shares, spike: Spike, config: SpikesConfig) -> int:
    """Products in a store-wide burst (a flash sale) that this spike merely shares in; 0 if none.

    Around the spike's onset at least ``storewide_min_skus`` products gain orders together, and this
    SKU gained no more than about what the others did (a pitch that sold stands far above them)."""
    busy, typical, own = shares.together(spike.onset_s, None if spike.sku == "*" else spike.sku)
    if busy < config.storewide_min_skus or typical < STOREWIDE_MIN_EXTRA:
        return 0
    if spike.sku != "*" and own > 2 * typical + config.min_orders:
        return 0
    return busy
