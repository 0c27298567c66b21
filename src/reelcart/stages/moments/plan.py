"""The plan: every spike's candidate moment, chosen without overlap, and why fewer reels were made."""

from __future__ import annotations

from ...config import MomentsConfig
from ...text import format_duration
from ...models import Catalog, Moment, MomentPlan, Rejected, SpikeReport, Transcript
from .assemble import Candidate, build_moment
from .edges import with_span
from .matching import annotate
from .pitch import pitch_blocks
from .snap import snap_edges
from .text import split_sentences


def _rejected(spike, reason: str) -> Rejected:  # noqa: ANN001 - a Spike
    return Rejected(sku=spike.sku, spike_onset_s=spike.onset_s, reason=reason)



def plan_moments(
    transcript: Transcript, spikes: SpikeReport, catalog: Catalog, config: MomentsConfig, source: str
) -> MomentPlan:
    products = catalog.by_sku()
    words = [w for w in transcript.words() if w.text.strip()]
    sentences = split_sentences(words)
    annotate(sentences, catalog, transcript.language, config)
    blocks = pitch_blocks(sentences, config.max_pause_s)
    limit_s = max((w.end_s for w in transcript.windows), default=None)
    candidates: list[Candidate] = []
    rejected: list[Rejected] = []
    for spike in spikes.spikes:
        product = products.get(spike.sku)
        if product is None:
            rejected.append(_rejected(spike, "SKU not in the catalog"))
            continue
        if spike.storewide_skus:
            rejected.append(_rejected(spike, f"part of a store-wide burst ({spike.storewide_skus} products at once, a flash "
                                             "sale?): no single pitch explains it"))
            continue
        result = build_moment(sentences, spike, product, config, spikes.bin_s, blocks=blocks, words=words, limit_s=limit_s)
        if isinstance(result, Rejected):
            rejected.append(result)
        else:
            result.moment = snap_edges(result.moment, words, transcript.speech, config)
            candidates.append(result)
    chosen, passed = _choose(candidates, config)
    rejected.extend(passed)
    chosen.sort(key=lambda c: c.moment.start_s)
    moments = resolve_padding([c.moment.model_copy(update={"id": f"reel-{i}"}) for i, c in enumerate(chosen, start=1)])
    notes = _notes(moments, rejected, spikes, config)
    return MomentPlan(
        source=source, language=transcript.language, moments=moments, rejected=rejected, notes=notes,
        order_stats=spikes.stats, clock_offset_s=spikes.clock_offset_s, clock_estimate=spikes.clock_estimate,
    )


def _choose(candidates: list[Candidate], config: MomentsConfig) -> tuple[list[Candidate], list[Rejected]]:
    chosen: list[Candidate] = []
    waiting: list[tuple[Candidate, str]] = []
    ranked = sorted(candidates, key=lambda c: (-c.moment.score.total, c.moment.start_s))
    for cand in ranked:
        reason = _conflict(cand, chosen, config, repeats=config.allow_repeat_products)
        if reason is None and len(chosen) >= config.count:
            reason = f"ranked below the {config.count} chosen moments"
        if reason:
            waiting.append((cand, reason))
        else:
            chosen.append(cand)
    # reach min_count with a second moment of a chosen product when nothing else is left
    if len(chosen) < min(config.min_count, config.count):
        for cand, reason in list(waiting):
            if len(chosen) >= min(config.min_count, config.count):
                break
            if reason.startswith("same product") and _conflict(cand, chosen, config, repeats=True) is None:
                note = f"second reel of this product, to reach moments.min_count={config.min_count}"
                cand.moment = cand.moment.model_copy(update={"warnings": [*cand.moment.warnings, note]})
                chosen.append(cand)
                waiting.remove((cand, reason))
    passed = [
        Rejected(sku=c.moment.sku, spike_onset_s=c.moment.spike_onset_s, start_s=c.moment.start_s, end_s=c.moment.end_s, reason=r)
        for c, r in waiting
    ]
    return chosen, passed


def _conflict(cand: Candidate, chosen: list[Candidate], config: MomentsConfig, *, repeats: bool) -> str | None:
    m = cand.moment
    for other in chosen:
        o = other.moment
        if m.start_s < o.end_s and o.start_s < m.end_s:
            # only the padding around the words overlaps: meet half way between the words
            if cand.last_word_s <= other.first_word_s or other.last_word_s <= cand.first_word_s:
                continue
            return "overlaps a higher-scoring moment"
    if not repeats and any(c.moment.sku == m.sku for c in chosen):
        return "same product as a higher-scoring moment (moments.allow_repeat_products is off)"
    return None

def resolve_padding(chosen: list[Moment]) -> list[Moment]:
    """Moments whose padding overlaps meet half way between their words (segments follow)."""
    out = sorted(chosen, key=lambda m: m.start_s)
    for k in range(1, len(out)):
        prev, cur = out[k - 1], out[k]
        if cur.start_s < prev.end_s:
            middle = round((prev.end_s + cur.start_s) / 2, 3)
            out[k - 1] = with_span(prev, prev.start_s, middle)
            out[k] = with_span(cur, middle, cur.end_s)
    return out


def _notes(moments: list[Moment], rejected: list[Rejected], spikes: SpikeReport, config: MomentsConfig) -> list[str]:
    notes: list[str] = []
    if len(moments) >= config.count:
        return notes
    notes.append(f"{len(moments)} of {config.count} reels planned")
    stats = spikes.stats
    if 0 < len(spikes.spikes) < config.count:
        notes.append(f"the order log has {len(spikes.spikes)} order spike(s) inside the recording")
    if not spikes.spikes:
        if stats.orders_used == 0:
            why = "no orders of catalog products inside the recording"
            if stats.outside_recording:
                why += f" ({stats.outside_recording} fall outside it: check --stream-start, orders.timezone, orders.clock_offset_s)"
            notes.append(why)
        else:
            notes.append(f"no order spikes were found in the order log ({stats.orders_used} orders, steady background only)")
    by_reason: dict[str, list[Rejected]] = {}
    for r in rejected:
        if r.start_s is None:
            by_reason.setdefault(r.reason, []).append(r)
    for reason, items in by_reason.items():
        where = ", ".join(f"{r.sku} at {format_duration(r.spike_onset_s or 0)}" for r in items[:6])
        more = f" and {len(items) - 6} more" if len(items) > 6 else ""
        notes.append(f"{len(items)} spike(s) not used: {reason} ({where}{more})")
    credited = {(s.onset_s, s.end_s) for s in spikes.spikes if s.source == "overall"}
    for burst in spikes.overall:
        if (burst.onset_s, burst.end_s) in credited or any(
            s.onset_s < burst.end_s and burst.onset_s < s.end_s for s in spikes.spikes if s.source == "sku"
        ):
            continue
        spread = f"{burst.storewide_skus} products" if burst.storewide_skus else "several products"
        notes.append(f"order burst across {spread} at {format_duration(burst.onset_s)} ({burst.orders} orders, none dominating): "
                     "no single pitch explains it")
    ranked_out = [r for r in rejected if r.start_s is not None]
    if ranked_out and len(moments) < config.count:
        reasons = sorted({r.reason.split(" (")[0] for r in ranked_out})
        notes.append(f"{len(ranked_out)} candidate(s) set aside: {'; '.join(reasons)}")
    return notes
