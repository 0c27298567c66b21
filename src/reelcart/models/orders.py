"""The catalog, the order log's statistics and the order spikes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from .base import Artifact, Strict


# ----------------------------------------------------------------- catalog / orders / spikes


class Product(Strict):
    sku: str
    name: str
    url: str
    price: float | None = None
    currency: str | None = None
    aliases: list[str] = Field(default_factory=list)
    image: str | None = None
    variants: list[str] = Field(default_factory=list, description="Variant SKUs or platform SKU ids of this product")
    product_ids: list[str] = Field(default_factory=list, description="The product's ids on the selling platforms")


class Catalog(Artifact):
    source: str
    products: list[Product]

    def by_sku(self) -> dict[str, Product]:
        return {p.sku: p for p in self.products}


class Order(Strict):
    t_s: float
    sku: str
    quantity: int = 1
    amount: float | None = None
    order_id: str | None = None


class RowProblem(Strict):
    line: int
    problem: str


class OrderStats(Strict):
    source: str
    format: str
    rows: int = 0
    orders_used: int = 0
    duplicates: int = 0
    cancelled: int = 0
    outside_recording: int = 0
    unknown_skus: dict[str, int] = Field(default_factory=dict)
    unreadable: int = 0
    problems: list[RowProblem] = Field(default_factory=list, description="First unreadable rows, with line numbers")
    notes: list[str] = Field(default_factory=list, description="How the log was read and what was left out, in words")
    matched_by: dict[str, int] = Field(
        default_factory=dict, description="Orders used per product-match rule: sku, variants, sku_prefix, name, product_id"
    )
    ambiguous: dict[str, list[str]] = Field(
        default_factory=dict, description="Order SKUs or names that fit several catalog products (left out, not guessed)"
    )
    not_live: int = Field(0, description="Orders left out because the export says they did not come from the live")


class Spike(Strict):
    sku: str
    onset_s: float
    peak_s: float
    end_s: float
    orders: int
    orders_above_baseline: float
    revenue_above_baseline: float
    peak_z: float
    source: Literal["sku", "overall"] = Field(
        "sku", description="sku: the SKU's own orders spiked; overall: credited from a spike of all orders"
    )
    storewide_skus: int = Field(
        0, description="Products that rose together with this spike (a store-wide burst such as a flash sale); 0 = none"
    )


class ClockEstimate(Strict):
    offset_s: float = Field(description="Correction found, added on top of orders.clock_offset_s")
    applied: bool = Field(description="Whether the correction was applied (confidence high enough)")
    confidence: float = Field(description="0-1: explained share of spikes x uniqueness x evidence count")
    uncertainty_s: float = Field(description="Half-width of the offsets that explain the spikes equally well")
    spikes_explained: int
    spikes_used: int = Field(description="Spikes of SKUs that are mentioned somewhere in the transcript")
    searched_s: float
    note: str = ""


class SkuTimeline(Strict):
    sku: str
    counts: list[int] = Field(description="Orders per bin")


class SpikeReport(Artifact):
    stream_start: datetime | None
    clock_offset_s: float
    bin_s: float
    stats: OrderStats
    spikes: list[Spike]
    timeline: list[SkuTimeline] = Field(default_factory=list)
    timeline_bin_s: float = 60.0
    overall: list[Spike] = Field(default_factory=list, description="Spikes of all orders together (sku '*')")
    clock_estimate: ClockEstimate | None = None
