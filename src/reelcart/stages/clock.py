"""Estimate a shop clock's offset from the recording itself (opt-in: ``orders.estimate_clock_offset``).

Orders follow pitches: a spike of SKU *s* starts ``lookback_min_s``–``lookback_max_s`` after a
pitch of *s* ends (its call to action). For every candidate offset *d* within
``±orders.clock_search_s`` the spikes are shifted by *d* and scored by how many of them land in the
look-back window after a pitch of their own product (pitches found in the transcript exactly as
the moment finder finds them). Every offset in the best-scoring run explains the spikes equally
well; its midpoint is the estimate and its half-width the uncertainty.

Confidence (0-1) = share of spikes explained (of those whose product is pitched at all)
× uniqueness (1 - best score elsewhere / best score) × evidence (1 - 0.5^spikes explained): one
spike lined up with one pitch proves little; three lined up at one offset and nowhere else do.
The correction is applied only at ``orders.clock_min_confidence`` or above.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from ..config import Preset
from ..models import Catalog, ClockEstimate, Spike, SpikeReport, Transcript
from ..inputs.orders import load_orders
from . import moments, spikes

STAGE = "clock"
VERSION = 1
STEP_S = 1.0
FALLOFF_S = 10.0  # soft edges of the look-back window


def _kernel(lag: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """1 inside [lo, hi], falling linearly to 0 over FALLOFF_S outside."""
    below = np.clip(1 - (lo - lag) / FALLOFF_S, 0, 1)
    above = np.clip(1 - (lag - hi) / FALLOFF_S, 0, 1)
    return np.where(lag < lo, below, np.where(lag > hi, above, 1.0))


def estimate_offset(
    spike_list: list[Spike],
    anchors: dict[str, list[tuple[float, float]]],
    *,
    search_s: float,
    lookback_min_s: float,
    lookback_max_s: float,
    bin_s: float,
) -> ClockEstimate:
    offsets = np.arange(-search_s, search_s + STEP_S / 2, STEP_S)
    lo, hi = lookback_min_s - bin_s, lookback_max_s
    used = [s for s in spike_list if anchors.get(s.sku)]
    base = {"searched_s": search_s, "spikes_used": len(used)}
    if not used:
        return ClockEstimate(offset_s=0.0, applied=False, confidence=0.0, uncertainty_s=search_s, spikes_explained=0,
                             note="no spike belongs to a product pitched in the transcript", **base)
    per_spike = np.zeros((len(used), len(offsets)))
    for i, spike in enumerate(used):
        for at_s, weight in anchors[spike.sku]:
            per_spike[i] = np.maximum(per_spike[i], weight * _kernel(spike.onset_s + offsets - at_s, lo, hi))
    score = per_spike.sum(axis=0)
    best = float(score.max())
    if best <= 0:
        return ClockEstimate(offset_s=0.0, applied=False, confidence=0.0, uncertainty_s=search_s, spikes_explained=0,
                             note="no offset puts any spike after a pitch of its product", **base)
    # plateaus of the score that stand above both neighbours: separate ways to line the spikes up
    values = np.round(score, 6)
    change = np.flatnonzero(np.diff(values)) + 1
    starts, ends = np.r_[0, change], np.r_[change - 1, len(values) - 1]
    level = values[starts]
    peaks = [
        r for r in range(len(starts))
        if level[r] > 0 and (r == 0 or level[r - 1] < level[r]) and (r == len(starts) - 1 or level[r + 1] < level[r])
    ]
    best_peaks = [r for r in peaks if level[r] >= round(best, 6)]

    def distance(r: int) -> float:
        lo_s, hi_s = offsets[starts[r]], offsets[ends[r]]
        return 0.0 if lo_s <= 0 <= hi_s else float(min(abs(lo_s), abs(hi_s)))

    chosen = min(best_peaks, key=distance)
    first, last = int(starts[chosen]), int(ends[chosen])
    offset = float((offsets[first] + offsets[last]) / 2)
    half_width = float((offsets[last] - offsets[first]) / 2)
    alternative = max((float(level[r]) for r in peaks if r != chosen), default=0.0)
    k = int(np.argmin(np.abs(offsets - offset)))
    explained = int(np.sum(per_spike[:, k] >= 0.5))
    uniqueness = max(0.0, 1.0 - alternative / best)
    confidence = (explained / len(used)) * uniqueness * (1.0 - 0.5**explained)
    return ClockEstimate(
        offset_s=round(offset, 1),
        applied=False,
        confidence=round(confidence, 3),
        uncertainty_s=round(half_width, 1),
        spikes_explained=explained,
        note="" if len(best_peaks) == 1 else f"{len(best_peaks)} separate offsets fit equally well",
        **base,
    )


def align_clock(
    orders_path: Path,
    *,
    catalog: Catalog,
    transcript: Transcript,
    preset: Preset,
    duration_s: float,
    stream_start: datetime | None,
    more_paths: tuple[Path, ...] = (),
) -> SpikeReport:
    """Spikes on the corrected clock, with the estimate (applied or not) attached and explained."""
    cfg = preset.orders
    known = {p.sku for p in catalog.products}
    names = product_name_index(catalog)
    margin = cfg.clock_search_s
    wide = load_orders(orders_path, config=cfg, known_skus=known, duration_s=duration_s, stream_start=stream_start,
                       product_names=names, margin_s=margin, catalog=catalog, more_paths=more_paths)
    wide_report = spikes.find_spikes(wide.shifted(margin), duration_s=duration_s + 2 * margin, stream_start=stream_start,
                                     config=preset.spikes, clock_offset_s=cfg.clock_offset_s)
    found = [s.model_copy(update={"onset_s": s.onset_s - margin, "peak_s": s.peak_s - margin, "end_s": s.end_s - margin})
             for s in wide_report.spikes]
    sentences = moments.split_sentences([w for w in transcript.words() if w.text.strip()])
    moments.annotate(sentences, catalog, transcript.language, preset.moments)
    estimate = estimate_offset(
        found, moments.pitch_anchors(sentences, preset.moments.max_pause_s), search_s=margin, lookback_min_s=preset.moments.lookback_min_s,
        lookback_max_s=preset.moments.lookback_max_s, bin_s=preset.spikes.bin_s,
    )
    applied = estimate.confidence >= cfg.clock_min_confidence and estimate.spikes_explained > 0
    estimate = estimate.model_copy(update={"applied": applied})
    total = cfg.clock_offset_s + (estimate.offset_s if applied else 0.0)
    table = load_orders(orders_path, config=cfg, known_skus=known, duration_s=duration_s, stream_start=stream_start,
                        product_names=names, clock_offset_s=total, catalog=catalog, more_paths=more_paths)
    report = spikes.find_spikes(table, duration_s=duration_s, stream_start=stream_start, config=preset.spikes,
                                clock_offset_s=total)
    verdict = "applied" if applied else f"not applied (below orders.clock_min_confidence={cfg.clock_min_confidence})"
    report.stats.notes.append(
        f"clock offset estimate: {estimate.offset_s:+.1f} s ± {estimate.uncertainty_s:.0f} s, confidence "
        f"{estimate.confidence:.2f} ({estimate.spikes_explained} of {estimate.spikes_used} spikes line up with a pitch); "
        f"{verdict}{'; ' + estimate.note if estimate.note else ''}"
    )
    return report.model_copy(update={"clock_estimate": estimate})


def product_name_index(catalog: Catalog) -> dict[str, str]:
    """Normalized product name -> SKU, for order rows that name the product but not its SKU."""
    index: dict[str, str] = {}
    for product in catalog.products:
        index.setdefault(" ".join(product.name.casefold().split()), product.sku)
    return index
