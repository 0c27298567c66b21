"""From order spikes back to the pitch and call to action that caused them.

For each spike of SKU *s* at time *t*: find the sentences that name *s* (fuzzy, any script) in the
look-back window before *t*; the pitch is the run of sentences around the last mention that
names no other product; the call to action is the last lexicon match in that run before *t*.
The moment runs from the first sentence naming *s* to the end of the call-to-action sentence,
fitted to the preset's length on sentence and word boundaries, with live-only phrases cut at the
edges or flagged. Candidates are scored with named parts and chosen without overlap.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ..config import MomentsConfig
from ..models import (
    Catalog,
    Moment,
    MomentPlan,
    Product,
    Rejected,
    ScoreParts,
    Spike,
    SpikeReport,
    Transcript,
    Word,
)

STAGE = "moments"
VERSION = 1
SENTENCE_END = re.compile(r"[.?!。？！؟…]$")
SENTENCE_GAP_S = 0.9
PITCH_GAP_S = 12.0  # silence that ends a pitch
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def normalize_text(text: str) -> str:
    """Case-fold, drop punctuation, fold white space; keeps letters of every script and diacritics."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch if (ch.isalnum() or ch.isspace()) else " " for ch in text)
    return " ".join(text.split())


@dataclass
class Sentence:
    index: int
    words: list[Word]
    text: str = ""
    norm: str = ""
    mentions: dict[str, float] = field(default_factory=dict)
    cta: str | None = None
    stale: str | None = None

    @property
    def start_s(self) -> float:
        return self.words[0].start_s

    @property
    def end_s(self) -> float:
        return self.words[-1].end_s


def split_sentences(words: list[Word]) -> list[Sentence]:
    sentences: list[Sentence] = []
    current: list[Word] = []
    for word in words:
        if current and (word.start_s - current[-1].end_s > SENTENCE_GAP_S or SENTENCE_END.search(current[-1].text)):
            sentences.append(Sentence(len(sentences), current))
            current = []
        current.append(word)
    if current:
        sentences.append(Sentence(len(sentences), current))
    for sentence in sentences:
        joiner = "" if all(CJK.search(w.text) for w in sentence.words) else " "
        sentence.text = joiner.join(w.text for w in sentence.words).strip()
        sentence.norm = normalize_text(sentence.text)
    return sentences


def _phrase_score(phrase: str, text: str) -> float:
    """0-100: how well ``phrase`` occurs inside ``text`` (both normalized)."""
    if not phrase or not text:
        return 0.0
    if phrase in text:
        return 100.0
    if len(phrase) < 4:
        return 100.0 if phrase in text.split() else 0.0
    return float(fuzz.partial_ratio(phrase, text))


def product_terms(product: Product) -> list[str]:
    terms = [normalize_text(product.name), *(normalize_text(a) for a in product.aliases)]
    return [t for t in dict.fromkeys(terms) if t]


def annotate(sentences: list[Sentence], catalog: Catalog, language: str, config: MomentsConfig) -> None:
    terms = {p.sku: product_terms(p) for p in catalog.products}
    languages = [language] + (["en"] if language != "en" else [])
    cta = [normalize_text(p) for lang in languages for p in config.cta_phrases.get(lang, [])]
    stale = [normalize_text(p) for lang in languages for p in config.stale_phrases.get(lang, [])]
    for sentence in sentences:
        for sku, names in terms.items():
            best = max((_phrase_score(n, sentence.norm) for n in names), default=0.0)
            if best >= config.name_match_min:
                sentence.mentions[sku] = best
        sentence.cta = next((p for p in cta if _phrase_score(p, sentence.norm) >= 90), None)
        sentence.stale = next((p for p in stale if _phrase_score(p, sentence.norm) >= 90), None)


def _other_product(sentence: Sentence, sku: str) -> bool:
    return any(other != sku for other in sentence.mentions)


@dataclass
class Candidate:
    moment: Moment
    spike: Spike


def build_moment(
    sentences: list[Sentence],
    spike: Spike,
    product: Product,
    config: MomentsConfig,
    bin_s: float,
) -> Candidate | Rejected:
    sku = spike.sku
    latest_end = spike.onset_s - config.lookback_min_s + bin_s
    earliest_cta = spike.onset_s - config.lookback_max_s
    earliest_start = earliest_cta - config.pitch_max_s
    pool = [s for s in sentences if s.start_s >= earliest_start and s.end_s <= latest_end]
    named = [s for s in pool if sku in s.mentions and not _other_product(s, sku)]
    named = [s for s in named if s.end_s >= earliest_start]
    if not named:
        return Rejected(sku=sku, spike_onset_s=spike.onset_s, reason="no pitch for this product in the look-back window")
    anchor = named[-1]
    # the pitch run: contiguous sentences around the anchor that name no other product
    pos = {s.index: i for i, s in enumerate(sentences)}
    first = last = pos[anchor.index]
    while first > 0:
        prev = sentences[first - 1]
        if _other_product(prev, sku) or sentences[first].start_s - prev.end_s > PITCH_GAP_S:
            break
        if prev.start_s < earliest_start:
            break
        first -= 1
    while last + 1 < len(sentences):
        nxt = sentences[last + 1]
        if _other_product(nxt, sku) or nxt.start_s - sentences[last].end_s > PITCH_GAP_S or nxt.end_s > latest_end:
            break
        last += 1
    run = sentences[first : last + 1]
    # the pitch starts at the first sentence naming the product
    start_i = next(i for i, s in enumerate(run) if sku in s.mentions)
    ctas = [i for i, s in enumerate(run) if s.cta and i >= start_i and s.end_s >= earliest_cta]
    end_i = ctas[-1] if ctas else max(i for i, s in enumerate(run) if sku in s.mentions)
    chosen = run[start_i : end_i + 1]
    warnings: list[str] = []
    # grow to the minimum length with the run's neighbouring sentences (before first: context)
    while chosen[-1].end_s - chosen[0].start_s < config.min_duration_s:
        before = run[start_i - 1] if start_i > 0 else None
        after = run[end_i + 1] if end_i + 1 < len(run) else None
        if before is not None:
            start_i -= 1
        elif after is not None:
            end_i += 1
        else:
            break
        chosen = run[start_i : end_i + 1]
    # shrink to the maximum length by dropping sentences from the start, keeping the CTA
    while len(chosen) > 1 and chosen[-1].end_s - chosen[0].start_s > config.max_duration_s:
        chosen = chosen[1:]
    # cut live-only phrases at the edges, flag the ones inside
    while len(chosen) > 1 and chosen[0].stale and chosen[-1].end_s - chosen[1].start_s >= config.min_duration_s:
        warnings.append(f"cut live-only phrase at the start: {chosen[0].stale!r}")
        chosen = chosen[1:]
    while (
        len(chosen) > 1
        and chosen[-1].stale
        and not chosen[-1].cta
        and chosen[-2].end_s - chosen[0].start_s >= config.min_duration_s
    ):
        warnings.append(f"cut live-only phrase at the end: {chosen[-1].stale!r}")
        chosen = chosen[:-1]
    stale_inside = [s.stale for s in chosen if s.stale]
    for phrase in stale_inside:
        warnings.append(f"live-only phrase kept inside the reel: {phrase!r} (replay viewers cannot act on it)")
    if not any(sku in s.mentions for s in chosen):
        return Rejected(sku=sku, spike_onset_s=spike.onset_s, reason="pitch does not fit the maximum reel length")
    words = [w for s in chosen for w in s.words]
    start_s = max(0.0, words[0].start_s - config.lead_in_s)
    end_s = words[-1].end_s + config.tail_s
    duration_s = end_s - start_s
    if duration_s > config.max_duration_s:
        # one very long sentence: cut at the last word that fits (never inside a word)
        keep = [w for w in words if w.end_s + config.tail_s - start_s <= config.max_duration_s]
        words = keep or words[:1]
        end_s = words[-1].end_s + config.tail_s
        warnings.append("cut inside a sentence to respect the maximum length")
    if end_s - start_s < config.min_duration_s:
        warnings.append(f"shorter than the preset minimum ({end_s - start_s:.1f} s < {config.min_duration_s:.0f} s)")
    cta_sentence = next((s for s in reversed(chosen) if s.cta), None)
    speech_s = sum(w.end_s - w.start_s for w in words)
    mention_scores = [s.mentions[sku] for s in chosen if sku in s.mentions]
    parts = score_parts(
        orders_above=spike.orders_above_baseline,
        mention_scores=mention_scores,
        has_cta=cta_sentence is not None,
        speech_density=speech_s / max(1e-6, end_s - start_s),
        stale_count=len(stale_inside),
    )
    key_sentence = max((s for s in chosen if sku in s.mentions), key=lambda s: (s.mentions[sku], len(s.words)))
    moment = Moment(
        id="",
        sku=sku,
        product_name=product.name,
        start_s=round(start_s, 3),
        end_s=round(end_s, 3),
        pitch_start_s=chosen[0].start_s,
        cta_start_s=cta_sentence.start_s if cta_sentence else None,
        cta_end_s=cta_sentence.end_s if cta_sentence else None,
        cta_text=cta_sentence.text if cta_sentence else None,
        spike_onset_s=spike.onset_s,
        key_phrase=key_sentence.text[:120],
        first_words=" ".join(w.text for w in words[:12]),
        score=parts,
        warnings=warnings if cta_sentence else [*warnings, "no call to action found before the spike"],
    )
    return Candidate(moment=moment, spike=spike)


def score_parts(
    *, orders_above: float, mention_scores: list[float], has_cta: bool, speech_density: float, stale_count: int
) -> ScoreParts:
    sales = 1.0 - math.exp(-max(0.0, orders_above) / 15.0)
    pitch = min(1.0, len(mention_scores) / 3.0) * (sum(mention_scores) / len(mention_scores) / 100.0 if mention_scores else 0.0)
    cta = 1.0 if has_cta else 0.0
    density = max(0.0, min(1.0, speech_density))
    stale = min(1.0, 0.5 * stale_count)
    total = 0.45 * sales + 0.25 * pitch + 0.15 * cta + 0.15 * density - 0.2 * stale
    return ScoreParts(
        sales_lift=round(sales, 3),
        pitch=round(pitch, 3),
        call_to_action=cta,
        speech_density=round(density, 3),
        stale_penalty=round(stale, 3),
        total=round(total, 4),
    )


def plan_moments(
    transcript: Transcript, spikes: SpikeReport, catalog: Catalog, config: MomentsConfig, source: str
) -> MomentPlan:
    products = catalog.by_sku()
    sentences = split_sentences(transcript.words())
    annotate(sentences, catalog, transcript.language, config)
    candidates: list[Candidate] = []
    rejected: list[Rejected] = []
    for spike in spikes.spikes:
        product = products.get(spike.sku)
        if product is None:
            rejected.append(Rejected(sku=spike.sku, spike_onset_s=spike.onset_s, reason="SKU not in the catalog"))
            continue
        result = build_moment(sentences, spike, product, config, spikes.bin_s)
        if isinstance(result, Rejected):
            rejected.append(result)
        else:
            candidates.append(result)
    chosen: list[Moment] = []
    for cand in sorted(candidates, key=lambda c: -c.moment.score.total):
        m = cand.moment
        reason = None
        if len(chosen) >= config.count:
            reason = f"ranked below the {config.count} chosen moments"
        elif any(m.start_s < c.end_s and c.start_s < m.end_s for c in chosen):
            reason = "overlaps a higher-scoring moment"
        elif not config.allow_repeat_products and any(c.sku == m.sku for c in chosen):
            reason = "same product as a higher-scoring moment (moments.allow_repeat_products is off)"
        if reason:
            rejected.append(Rejected(sku=m.sku, spike_onset_s=m.spike_onset_s, start_s=m.start_s, end_s=m.end_s, reason=reason))
        else:
            chosen.append(m)
    chosen.sort(key=lambda m: m.start_s)
    chosen = [m.model_copy(update={"id": f"reel-{i}"}) for i, m in enumerate(chosen, start=1)]
    notes: list[str] = []
    if len(chosen) < config.count:
        notes.append(f"{len(chosen)} of {config.count} reels planned")
        if not spikes.spikes:
            notes.append("no order spikes were found in the order log")
        for r in rejected:
            if r.start_s is None:
                notes.append(f"spike of {r.sku} at {r.spike_onset_s:.0f} s: {r.reason}")
    return MomentPlan(source=source, language=transcript.language, moments=chosen, rejected=rejected, notes=notes)
