"""One moment: from the pitch that explains a spike to the reel's segments, cuts and score."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...config import MomentsConfig
from ...models import Moment, Product, Rejected, ScoreParts, Spike, Word
from .cuts import Edit, plan_edit
from .fit import fit_length
from .pitch import Block, find_pitch, pitch_blocks
from .text import Sentence, first_words

NAME_PARTS_MAX = 3.0  # named sentences that make a pitch complete


@dataclass
class Candidate:
    moment: Moment
    spike: Spike
    first_word_s: float
    last_word_s: float


def _edit_warnings(edit: Edit, has_cta: bool, config: MomentsConfig) -> list[str]:
    warnings = [f"keeps {gap:.1f} s of silence at {at:.1f} s (moments.cut_dead_air is off)" for at, gap in edit.silences_kept]
    warnings += [f"live-only phrase kept inside the reel: {p!r} (replay viewers cannot act on it)" for p in edit.stale_kept]
    if edit.duration_s < config.min_duration_s:
        warnings.append(f"shorter than the preset minimum ({edit.duration_s:.1f} s < {config.min_duration_s:.0f} s): "
                        "nothing around the pitch belongs to it")
    if not has_cta:
        warnings.append("no call to action found before the spike")
    return warnings


def _lay_out(sku: str, config: MomentsConfig, words: list[Word], limit_s: float | None):  # noqa: ANN202
    def lay(part: list[Sentence], start_at: float | None = None) -> Edit | None:
        return plan_edit(part, sku, config, words, limit_s, start_at=start_at)
    return lay


def build_moment(
    sentences: list[Sentence],
    spike: Spike,
    product: Product,
    config: MomentsConfig,
    bin_s: float,
    *,
    blocks: list[Block] | None = None,
    words: list[Word] | None = None,
    limit_s: float | None = None,
) -> Candidate | Rejected:
    sku = spike.sku
    blocks = blocks if blocks is not None else pitch_blocks(sentences, config.max_pause_s)
    words = words if words is not None else [w for s in sentences for w in s.words]
    pitch = find_pitch(blocks, spike, config, bin_s)
    if isinstance(pitch, Rejected):
        return pitch
    lay = _lay_out(sku, config, words, limit_s)
    chosen = fit_length(pitch.sentences, sentences, sku, config, lay)
    edit = lay(chosen)
    if edit is None:
        return Rejected(sku=sku, spike_onset_s=spike.onset_s, reason="nothing of the pitch is left after the cuts")
    warnings: list[str] = []
    if edit.duration_s > config.max_duration_s:  # one very long sentence: start inside it, on a word
        over = edit.duration_s - config.max_duration_s
        later = next((w for w in edit.kept if w.start_s - edit.first.start_s >= over), None)
        if later is not None and (trimmed := lay(chosen, later.start_s)) is not None:
            edit = trimmed
            warnings.append("started inside a sentence to respect the maximum length")
    warnings += _edit_warnings(edit, pitch.has_cta, config)
    cta_sentence = next((s for s in reversed(chosen) if s.cta is not None and s.aside is None
                         and edit.first.start_s <= s.end_s and s.start_s <= edit.last.end_s), None)
    kept_ids = {id(w) for w in edit.kept}
    kept_sentences = [s for s in chosen if any(id(w) in kept_ids for w in s.words)]
    named = [s for s in kept_sentences if sku in s.mentions and s.aside is None] or [s for s in chosen if sku in s.mentions]
    speech_s = sum(w.end_s - w.start_s for w in edit.kept)
    parts = score_parts(
        orders_above=spike.orders_above_baseline,
        mention_scores=[s.mentions[sku].score for s in named],
        has_cta=cta_sentence is not None,
        speech_density=speech_s / max(1e-6, edit.duration_s),
        stale_count=len(edit.stale_kept),
    )
    key_sentence = max(named, key=lambda s: (s.mentions[sku].score, len(s.words)))
    moment = Moment(
        id="", sku=sku, product_name=product.name, start_s=edit.start_s, end_s=edit.end_s,
        pitch_start_s=edit.first.start_s,
        cta_start_s=cta_sentence.start_s if cta_sentence else None,
        cta_end_s=cta_sentence.end_s if cta_sentence else None,
        cta_text=cta_sentence.text if cta_sentence else None,
        spike_onset_s=spike.onset_s, key_phrase=key_sentence.text[:120], first_words=first_words(edit.kept),
        score=parts, warnings=warnings, segments=edit.segments, cuts=edit.cuts,
    )
    return Candidate(moment=moment, spike=spike, first_word_s=edit.first.start_s, last_word_s=edit.last.end_s)


def score_parts(
    *, orders_above: float, mention_scores: list[float], has_cta: bool, speech_density: float, stale_count: int
) -> ScoreParts:
    sales = 1.0 - math.exp(-max(0.0, orders_above) / 15.0)
    quality = sum(mention_scores) / len(mention_scores) / 100.0 if mention_scores else 0.0
    pitch = min(1.0, len(mention_scores) / NAME_PARTS_MAX) * quality
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
