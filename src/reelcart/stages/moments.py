"""From order spikes back to the pitch and call to action that caused them.

1. The transcript is split into sentences (punctuation, or pauses). Each sentence is matched,
   fuzzily and on word boundaries, against every product's name and aliases (any script: text is
   case-, accent- and letter-form-folded, traditional Chinese folded to simplified, and Chinese /
   Japanese text is matched character by character), and against the call-to-action and
   live-only ("stale offer") lexicons of every language, the recording's own language first.
2. Sentences are grouped into *pitch blocks*: a block starts at a sentence naming a product and
   runs on while that product stays the topic (until another product is named, or
   ``TOPIC_HOLD_S`` after its last mention).
3. For a spike of SKU *s* at time *t*, the candidates are the blocks of *s* whose action point (the
   end of the last call to action, else of the last mention) lies between ``t - lookback_max_s``
   and ``t - lookback_min_s``. A block needs a call to action or two mentions to count as a
   pitch: a passing mention (a gift card named in chit-chat) never becomes a reel. The latest such
   pitch wins.
4. The moment runs from the start of the block's first sentence to the end of the action
   sentence, is fitted to the preset's length on sentence and word boundaries (never inside a
   word), loses dead air (a long pause at its start), and loses live-only phrases at its edges;
   live-only phrases inside are kept and flagged.
5. Candidates are scored with named parts and chosen without overlap, one per product unless the
   preset allows repeats; the plan says why each spike did or did not make a reel.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
import numpy as np
from rapidfuzz import fuzz, process

from ..config import MomentsConfig
from ..errors import InputError
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
VERSION = 2
SENTENCE_END = re.compile(r"[.?!。？！؟…]['\"”’)\]]*$")
SENTENCE_GAP_S = 0.9
PUNCTUATED_EVERY = 40  # a transcript with a sentence end per this many words counts as punctuated
MAX_SENTENCE_S = 20.0  # longer "sentences" are run-ons (no punctuation, no pause): split at pauses
TOPIC_HOLD_S = 45.0  # an unnamed sentence still belongs to the product named this recently
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_SPACE = re.compile(r"(?<=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]) (?=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
_FOLD = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss", "ة": "ه", "ى": "ي", "ـ": None, "ٱ": "ا",
                       "’": "'", "ʼ": "'"})
NAME_PARTS_MAX = 3.0  # named sentences that make a pitch complete


# ------------------------------------------------------------------ text


@functools.lru_cache(maxsize=1)
def _t2s():  # noqa: ANN202 - an OpenCC converter, or None when the package is missing
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # noqa: BLE001 - optional: without it only simplified text matches simplified names
        return None


@functools.lru_cache(maxsize=65536)
def normalize_text(text: str) -> str:
    """Fold text for matching: case, accents, Arabic letter forms, traditional -> simplified Chinese,
    punctuation -> space; spaces between CJK characters are dropped (those scripts have none)."""
    text = unicodedata.normalize("NFKC", text)
    if HAN.search(text) and (converter := _t2s()) is not None:
        text = converter.convert(text)
    text = unicodedata.normalize("NFD", text.casefold().translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return _CJK_SPACE.sub("", " ".join(text.split()))


@dataclass
class Match:
    phrase: str
    score: float
    first: int  # word indices inside the sentence, inclusive
    last: int


@dataclass
class Sentence:
    index: int
    words: list[Word]
    text: str = ""
    norm: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)  # each word's [start, end) in ``norm``
    mentions: dict[str, Match] = field(default_factory=dict)
    cta: Match | None = None
    stale: Match | None = None
    block: int | None = None

    @property
    def start_s(self) -> float:
        return self.words[0].start_s

    @property
    def end_s(self) -> float:
        return self.words[-1].end_s

    @property
    def primary(self) -> str | None:
        """The product this sentence is about (best match), if it names one."""
        if not self.mentions:
            return None
        return max(self.mentions, key=lambda sku: self.mentions[sku].score)


def _joiner(prev: str, nxt: str) -> str:
    return "" if prev and nxt and CJK.match(prev[-1]) and CJK.match(nxt[0]) else " "


def _finish(sentence: Sentence) -> Sentence:
    text_parts: list[str] = []
    norm = ""
    spans: list[tuple[int, int]] = []
    for word in sentence.words:
        raw = word.text.strip()
        if text_parts:
            text_parts.append(_joiner(text_parts[-1], raw))
        text_parts.append(raw)
        token = normalize_text(raw)
        if token and norm:
            norm += _joiner(norm, token)
        spans.append((len(norm), len(norm) + len(token)))
        norm += token
    sentence.text = "".join(text_parts).strip()
    sentence.norm = norm
    sentence.spans = spans
    return sentence


def pause_threshold(words: list[Word]) -> float:
    """The pause that ends a sentence: SENTENCE_GAP_S in punctuated text; in a transcript without
    punctuation, the longest ~12 % of the pauses between words (sentence ends), at least 0.2 s."""
    if len(words) < 20:
        return SENTENCE_GAP_S
    ends = sum(1 for w in words if SENTENCE_END.search(w.text.strip()))
    if ends * PUNCTUATED_EVERY >= len(words):
        return SENTENCE_GAP_S
    gaps = sorted(b.start_s - a.end_s for a, b in zip(words, words[1:]))
    return min(SENTENCE_GAP_S, max(0.2, gaps[int(len(gaps) * 0.88)]))


def _split_long(words: list[Word]) -> list[list[Word]]:
    """A run-on sentence longer than MAX_SENTENCE_S is split at its longest pause, recursively."""
    if len(words) < 4 or words[-1].end_s - words[0].start_s <= MAX_SENTENCE_S:
        return [words]
    k = max(range(2, len(words) - 1), key=lambda i: (words[i].start_s - words[i - 1].end_s, -abs(i - len(words) / 2)))
    return _split_long(words[:k]) + _split_long(words[k:])


def split_sentences(words: list[Word]) -> list[Sentence]:
    words = [w for w in words if w.text.strip()]
    gap_s = pause_threshold(words)
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current and (word.start_s - current[-1].end_s > gap_s or SENTENCE_END.search(current[-1].text.strip())):
            groups.extend(_split_long(current))
            current = []
        current.append(word)
    if current:
        groups.extend(_split_long(current))
    return [_finish(Sentence(i, group)) for i, group in enumerate(groups)]


# ------------------------------------------------------------------ matching


def _is_boundary(text: str, i: int) -> bool:
    return i < 0 or i >= len(text) or text[i] == " " or bool(CJK.match(text[i]))


def _words_in(sentence: Sentence, start: int, end: int) -> tuple[int, int] | None:
    """Indices of the first and last word overlapping ``norm[start:end]``."""
    hit = [i for i, (a, b) in enumerate(sentence.spans) if b > a and a < end and b > start]
    return (hit[0], hit[-1]) if hit else None


def _span_text(sentence: Sentence, first: int, last: int) -> str:
    return sentence.norm[sentence.spans[first][0] : sentence.spans[last][1]]


@functools.lru_cache(maxsize=4096)
def _wildcard(phrase: str) -> re.Pattern[str]:
    parts = [r"\S+(?: \S+){0,2}" if p == "*" else re.escape(p) for p in phrase.split()]
    return re.compile(r"(?<!\S)" + " ".join(parts) + r"(?!\S)")


def match_phrase(phrase: str, sentence: Sentence, min_score: float) -> Match | None:
    """Where ``phrase`` (normalized) occurs in the sentence: exact, else fuzzy on whole words
    (character-wise for CJK phrases, where four or more characters may have one wrong). Short
    phrases (< 4 letters; < 3 CJK characters) must match exactly."""
    text = sentence.norm
    if not phrase or not text:
        return None
    if "*" in phrase.split():
        found = _wildcard(phrase).search(text)
        if not found:
            return None
        words = _words_in(sentence, found.start(), found.end())
        return Match(phrase, 100.0, *words) if words else None
    cjk = bool(CJK.search(phrase))
    start = text.find(phrase)
    while start != -1:
        end = start + len(phrase)
        if cjk or (_is_boundary(text, start - 1) and _is_boundary(text, end)):
            words = _words_in(sentence, start, end)
            if words:
                return Match(phrase, 100.0, *words)
        start = text.find(phrase, start + 1)
    if len(phrase) < (3 if cjk else 4):
        return None
    aligned = fuzz.partial_ratio_alignment(phrase, text, score_cutoff=max(0.0, min_score - 15))
    if aligned is None:
        return None
    words = _words_in(sentence, aligned.dest_start, aligned.dest_end)
    if words is None:
        return None
    if cjk:  # names of four or more characters may have one character misheard (a homophone)
        bar = min(min_score, 100.0 * (len(phrase) - 1) / len(phrase) - 0.01) if len(phrase) >= 4 else min_score
        return Match(phrase, aligned.score, *words) if aligned.score >= bar else None
    first, last = words
    squeezed = phrase.replace(" ", "")
    best: tuple[float, int, int] = (0.0, first, last)
    n = len(sentence.words)
    for a, b in {(first, last), (first + 1, last), (first, last - 1), (first - 1, last), (first, last + 1)}:
        if 0 <= a <= b < n:
            candidate = _span_text(sentence, a, b)
            score = max(fuzz.ratio(phrase, candidate), fuzz.ratio(squeezed, candidate.replace(" ", "")))
            if score > best[0]:
                best = (score, a, b)
    return Match(phrase, best[0], best[1], best[2]) if best[0] >= min_score else None


def product_terms(product: Product) -> list[str]:
    terms = [normalize_text(product.name), *(normalize_text(a) for a in product.aliases)]
    return [t for t in dict.fromkeys(terms) if t]


def _normalize_wild(phrase: str) -> str:
    return " ".join("*" if p == "*" else normalize_text(p) for p in phrase.split())


def _lexicon(phrases: dict[str, list[str]], language: str) -> list[str]:
    order = [language] + [lang for lang in phrases if lang != language]
    out = [_normalize_wild(p) for lang in order for p in phrases.get(lang, [])]
    return [t for t in dict.fromkeys(out) if t.strip("* ")]


def _candidates(phrases: list[str], sentences: list[Sentence], min_score: float) -> list[list[int]]:
    """For each sentence, the phrases (indices) that may occur in it: one vectorized rapidfuzz pass
    (partial_ratio, a little below the bar) so the exact matcher runs only where it can succeed."""
    out: list[list[int]] = [[] for _ in sentences]
    plain = [i for i, p in enumerate(phrases) if "*" not in p.split()]
    wild = [i for i, p in enumerate(phrases) if "*" in p.split()]
    if plain and sentences:
        matrix = process.cdist(
            [phrases[i] for i in plain], [s.norm for s in sentences], scorer=fuzz.partial_ratio,
            score_cutoff=max(0.0, min_score - 15), dtype=np.uint8, workers=1,
        )
        rows, cols = np.nonzero(matrix)
        for r, c in zip(rows.tolist(), cols.tolist()):
            out[c].append(plain[r])
    for k in range(len(sentences)):
        out[k].extend(wild)
    return out


def _best(phrases: list[str], indices: list[int], sentence: Sentence, min_score: float) -> Match | None:
    best: Match | None = None
    for i in sorted(indices):
        found = match_phrase(phrases[i], sentence, min_score)
        if found and (best is None or (found.score, found.last - found.first) > (best.score, best.last - best.first)):
            best = found  # the best score; on a tie, the longest span (so a cut takes the whole phrase)
    return best


def annotate(sentences: list[Sentence], catalog: Catalog, language: str, config: MomentsConfig) -> None:
    names = [(p.sku, term) for p in catalog.products for term in product_terms(p)]
    name_phrases = [term for _, term in names]
    cta = _lexicon(config.cta_phrases, language)
    stale = _lexicon(config.stale_phrases, language)
    name_hits = _candidates(name_phrases, sentences, config.name_match_min)
    cta_hits = _candidates(cta, sentences, config.cta_match_min)
    stale_hits = _candidates(stale, sentences, config.cta_match_min)
    for k, sentence in enumerate(sentences):
        sentence.mentions = {}
        by_sku: dict[str, list[int]] = {}
        for i in name_hits[k]:
            by_sku.setdefault(names[i][0], []).append(i)
        for sku, indices in by_sku.items():
            found = _best(name_phrases, indices, sentence, config.name_match_min)
            if found:
                sentence.mentions[sku] = found
        sentence.cta = _best(cta, cta_hits[k], sentence, config.cta_match_min)
        sentence.stale = _best(stale, stale_hits[k], sentence, config.cta_match_min)


# ------------------------------------------------------------------ pitch blocks


@dataclass
class Block:
    index: int
    sku: str
    sentences: list[Sentence]
    last_mention_s: float


def pitch_blocks(sentences: list[Sentence]) -> list[Block]:
    """Group sentences into runs about one product (see the module docstring)."""
    blocks: list[Block] = []
    current: Block | None = None
    for sentence in sentences:
        named = sentence.primary
        if named is not None:
            if current is not None and current.sku == named:
                current.sentences.append(sentence)
                current.last_mention_s = sentence.end_s
            else:
                current = Block(len(blocks), named, [sentence], sentence.end_s)
                blocks.append(current)
        elif current is not None and sentence.start_s - current.last_mention_s <= TOPIC_HOLD_S:
            current.sentences.append(sentence)
        else:
            current = None
            continue
        sentence.block = current.index
    return blocks


def _action_index(run: list[Sentence], sku: str) -> tuple[int, bool]:
    """Index of the pitch's last call to action (else its last mention), and whether it is a CTA."""
    ctas = [i for i, s in enumerate(run) if s.cta is not None]
    if ctas:
        return ctas[-1], True
    return max(i for i, s in enumerate(run) if sku in s.mentions), False


def pitch_anchors(sentences: list[Sentence]) -> dict[str, list[tuple[float, float]]]:
    """Per SKU, (action time, weight) of every pitch block: where orders should follow."""
    anchors: dict[str, list[tuple[float, float]]] = {}
    for block in pitch_blocks(sentences):
        i, has_cta = _action_index(block.sentences, block.sku)
        named = sum(1 for s in block.sentences[: i + 1] if block.sku in s.mentions)
        if not has_cta and named < 2:
            continue
        anchors.setdefault(block.sku, []).append((block.sentences[i].end_s, 1.0 if has_cta else 0.6))
    return anchors


# ------------------------------------------------------------------ one moment


@dataclass
class Candidate:
    moment: Moment
    spike: Spike
    first_word_s: float
    last_word_s: float


def _rejected(spike: Spike, reason: str) -> Rejected:
    return Rejected(sku=spike.sku, spike_onset_s=spike.onset_s, reason=reason)


def _safe_edges(words: list[Word], first: Word, last: Word, config: MomentsConfig, limit_s: float | None) -> tuple[float, float]:
    """Cut points around [first, last] that never fall inside a neighbouring word."""
    i = next(k for k, w in enumerate(words) if w is first)
    j = next(k for k, w in enumerate(words) if w is last)
    start = max(0.0, first.start_s - config.lead_in_s)
    if i > 0 and words[i - 1].end_s > start:
        start = max(words[i - 1].end_s, (words[i - 1].end_s + first.start_s) / 2)
    end = last.end_s + config.tail_s
    if j + 1 < len(words) and words[j + 1].start_s < end:
        end = min(words[j + 1].start_s, (last.end_s + words[j + 1].start_s) / 2)
    if limit_s is not None:
        end = min(end, max(last.end_s, limit_s))
    return round(start, 3), round(max(end, last.end_s), 3)


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
    blocks = blocks if blocks is not None else pitch_blocks(sentences)
    words = words if words is not None else [w for s in sentences for w in s.words]
    latest_end = spike.onset_s - config.lookback_min_s + bin_s
    earliest_action = spike.onset_s - config.lookback_max_s
    found: list[tuple[float, bool, list[Sentence], int]] = []
    passing = False
    for block in blocks:
        if block.sku != sku:
            continue
        run = [s for s in block.sentences if s.end_s <= latest_end]
        if not run or not any(sku in s.mentions for s in run):
            continue
        action, has_cta = _action_index(run, sku)
        action_s = run[action].end_s
        if action_s < earliest_action:
            continue
        if not has_cta and sum(1 for s in run[: action + 1] if sku in s.mentions) < 2:
            passing = True
            continue
        found.append((action_s, has_cta, run, action))
    if not found:
        if passing:
            return _rejected(spike, "only a passing mention of the product before the spike, no pitch or call to action")
        return _rejected(spike, "no pitch for this product in the look-back window")
    _, has_cta, run, action = max(found, key=lambda f: f[0])
    chosen = run[: action + 1]
    warnings: list[str] = []
    pos = {s.index: k for k, s in enumerate(sentences)}

    def duration(part: list[Sentence]) -> float:
        return part[-1].end_s - part[0].start_s

    def named(part: list[Sentence]) -> bool:
        return any(sku in s.mentions for s in part)

    # too short: add the block's sentences after the call to action, then unclaimed ones before
    while duration(chosen) < config.min_duration_s:
        after_i = pos[chosen[-1].index] + 1
        before_i = pos[chosen[0].index] - 1
        nxt = sentences[after_i] if after_i < len(sentences) else None
        prev = sentences[before_i] if before_i >= 0 else None
        if (nxt is not None and nxt.block == chosen[-1].block and nxt.stale is None and not nxt.mentions.keys() - {sku}
                and nxt.start_s - chosen[-1].end_s <= config.max_pause_s):
            chosen = [*chosen, nxt]
        elif (prev is not None and prev.block is None and prev.stale is None and not prev.mentions
              and chosen[0].start_s - prev.end_s <= config.max_pause_s):
            chosen = [prev, *chosen]
        else:
            break
    # too long: drop sentences from the start while a mention remains
    while len(chosen) > 1 and duration(chosen) > config.max_duration_s and named(chosen[1:]):
        chosen = chosen[1:]
    # dead air: a long pause inside -> start after it when the rest still holds the pitch, else flag it
    for k in range(len(chosen) - 1, 0, -1):
        gap = chosen[k].start_s - chosen[k - 1].end_s
        if gap > config.max_pause_s:
            rest = chosen[k:]
            if named(rest) and duration(rest) >= config.min_duration_s:
                warnings.append(f"started after {gap:.1f} s of silence at {chosen[k - 1].end_s:.1f} s")
                chosen = rest
                break
    for a, b in zip(chosen, chosen[1:]):
        if b.start_s - a.end_s > config.max_pause_s:
            warnings.append(f"keeps {b.start_s - a.end_s:.1f} s of silence at {a.end_s:.1f} s (the pitch runs on both sides)")
    # live-only phrases at the edges are cut, those inside are flagged
    def opens_with_stale(sentence: Sentence) -> bool:  # the phrase can go and the sentence stays
        st = sentence.stale
        return st is not None and st.first <= 2 and len(sentence.words) - st.last - 1 >= 3 and (
            sentence.cta is None or sentence.cta.first > st.last)

    while (len(chosen) > 1 and chosen[0].stale and not opens_with_stale(chosen[0]) and named(chosen[1:])
           and duration(chosen[1:]) >= config.min_duration_s):
        warnings.append(f"cut live-only phrase at the start: {chosen[0].stale.phrase!r}")
        chosen = chosen[1:]
    first_word = chosen[0].words[0]
    last_word = chosen[-1].words[-1]
    head, tail = chosen[0], chosen[-1]
    cut_head = cut_tail = False
    if opens_with_stale(head):
        cand = head.words[head.stale.last + 1]
        if chosen[-1].end_s - cand.start_s >= config.min_duration_s or len(chosen) == 1:
            warnings.append(f"cut live-only phrase at the start: {head.stale.phrase!r}")
            first_word, cut_head = cand, True
    if tail.stale and tail.stale.last >= len(tail.words) - 2 and tail.stale.first > 0 and (
        tail.cta is None or tail.cta.last < tail.stale.first
    ) and not (tail is head and cut_head):
        cand = tail.words[tail.stale.first - 1]
        if cand.end_s - first_word.start_s >= config.min_duration_s:
            warnings.append(f"cut live-only phrase at the end: {tail.stale.phrase!r}")
            last_word, cut_tail = cand, True
    for k, s in enumerate(chosen):
        if s.stale and not ((k == 0 and cut_head) or (k == len(chosen) - 1 and cut_tail)):
            warnings.append(f"live-only phrase kept inside the reel: {s.stale.phrase!r} (replay viewers cannot act on it)")
    stale_inside = sum(1 for w in warnings if w.startswith("live-only phrase kept"))
    # one very long sentence: keep the call to action, cut at a word boundary at the start
    if last_word.end_s + config.tail_s - (first_word.start_s - config.lead_in_s) > config.max_duration_s:
        inside = [w for s in chosen for w in s.words if w.start_s >= first_word.start_s and w.end_s <= last_word.end_s]
        fits = [w for w in inside if last_word.end_s + config.tail_s - (w.start_s - config.lead_in_s) <= config.max_duration_s]
        if fits:
            first_word = fits[0]
            warnings.append("started inside a sentence to respect the maximum length")
    start_s, end_s = _safe_edges(words, first_word, last_word, config, limit_s)
    if end_s - start_s < config.min_duration_s:
        warnings.append(f"shorter than the preset minimum ({end_s - start_s:.1f} s < {config.min_duration_s:.0f} s): "
                        "nothing around the pitch belongs to it")
    if not has_cta:
        warnings.append("no call to action found before the spike")
    span_words = [w for s in chosen for w in s.words if first_word.start_s <= w.start_s and w.end_s <= last_word.end_s]
    speech_s = sum(w.end_s - w.start_s for w in span_words)
    mention_scores = [s.mentions[sku].score for s in chosen if sku in s.mentions]
    cta_sentence = next((s for s in reversed(chosen) if s.cta is not None), None)
    parts = score_parts(
        orders_above=spike.orders_above_baseline,
        mention_scores=mention_scores,
        has_cta=cta_sentence is not None,
        speech_density=speech_s / max(1e-6, end_s - start_s),
        stale_count=stale_inside,
    )
    key_sentence = max((s for s in chosen if sku in s.mentions), key=lambda s: (s.mentions[sku].score, len(s.words)))
    moment = Moment(
        id="",
        sku=sku,
        product_name=product.name,
        start_s=start_s,
        end_s=end_s,
        pitch_start_s=first_word.start_s,
        cta_start_s=cta_sentence.start_s if cta_sentence else None,
        cta_end_s=cta_sentence.end_s if cta_sentence else None,
        cta_text=cta_sentence.text if cta_sentence else None,
        spike_onset_s=spike.onset_s,
        key_phrase=key_sentence.text[:120],
        first_words=_first_words(span_words),
        score=parts,
        warnings=warnings,
    )
    return Candidate(moment=moment, spike=spike, first_word_s=first_word.start_s, last_word_s=last_word.end_s)


def _first_words(words: list[Word], n: int = 12) -> str:
    out = ""
    for w in words[:n]:
        token = w.text.strip()
        out += _joiner(out, token) + token if out else token
    return out


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


# ------------------------------------------------------------------ the plan


def _fmt(t_s: float) -> str:
    m, s = divmod(int(round(t_s)), 60)
    return f"{m}:{s:02d}"


def plan_moments(
    transcript: Transcript, spikes: SpikeReport, catalog: Catalog, config: MomentsConfig, source: str
) -> MomentPlan:
    products = catalog.by_sku()
    words = [w for w in transcript.words() if w.text.strip()]
    sentences = split_sentences(words)
    annotate(sentences, catalog, transcript.language, config)
    blocks = pitch_blocks(sentences)
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
    """Moments whose padding overlaps meet half way between their words."""
    out = sorted(chosen, key=lambda m: m.start_s)
    for k in range(1, len(out)):
        prev, cur = out[k - 1], out[k]
        if cur.start_s < prev.end_s:
            middle = round((prev.end_s + cur.start_s) / 2, 3)
            out[k - 1] = prev.model_copy(update={"end_s": middle})
            out[k] = cur.model_copy(update={"start_s": middle})
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
        where = ", ".join(f"{r.sku} at {_fmt(r.spike_onset_s or 0)}" for r in items[:6])
        more = f" and {len(items) - 6} more" if len(items) > 6 else ""
        notes.append(f"{len(items)} spike(s) not used: {reason} ({where}{more})")
    credited = {(s.onset_s, s.end_s) for s in spikes.spikes if s.source == "overall"}
    for burst in spikes.overall:
        if (burst.onset_s, burst.end_s) in credited or any(
            s.onset_s < burst.end_s and burst.onset_s < s.end_s for s in spikes.spikes if s.source == "sku"
        ):
            continue
        spread = f"{burst.storewide_skus} products" if burst.storewide_skus else "several products"
        notes.append(f"order burst across {spread} at {_fmt(burst.onset_s)} ({burst.orders} orders, none dominating): "
                     "no single pitch explains it")
    ranked_out = [r for r in rejected if r.start_s is not None]
    if ranked_out and len(moments) < config.count:
        reasons = sorted({r.reason.split(" (")[0] for r in ranked_out})
        notes.append(f"{len(ranked_out)} candidate(s) set aside: {'; '.join(reasons)}")
    return notes


# ------------------------------------------------------------------ editors


def load_plan(path: Path) -> MomentPlan:
    """Read a plan, also one edited by hand: a moment needs only ``sku``, ``start_s`` and ``end_s``.

    Problems are reported on one line naming the file, the moment and the field.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("plan file not found", path=path) from None
    except UnicodeDecodeError:
        raise InputError("plan is not UTF-8 text", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"line {exc.lineno}: invalid JSON ({exc.msg})", path=path) from None
    if not isinstance(data, dict) or not isinstance(data.get("moments"), list):
        raise InputError("not a reelcart plan (no 'moments' list)", path=path)
    data.setdefault("source", "")
    data.setdefault("language", "en")
    for i, m in enumerate(data["moments"], start=1):
        if not isinstance(m, dict):
            raise InputError(f"moment {i}: expected an object", path=path)
        missing = [k for k in ("sku", "start_s", "end_s") if k not in m]
        if missing:
            raise InputError(f"moment {m.get('id') or i}: missing field(s) {', '.join(missing)}", path=path)
        m.setdefault("id", "")
        m.setdefault("product_name", "")
        if m.get("pitch_start_s") is None:
            m["pitch_start_s"] = m["start_s"]
        if not isinstance(m.get("score"), dict):
            m["score"] = ScoreParts(sales_lift=0, pitch=0, call_to_action=0, speech_density=0, stale_penalty=0, total=0).model_dump()
    try:
        return MomentPlan.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "moments" and isinstance(loc[1], int):
            where = f"moment {loc[1] + 1}: "
            loc = loc[2:]
        field_name = ".".join(str(p) for p in loc) or "(top level)"
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        raise InputError(f"{where}field '{field_name}': {msg}", path=path) from None


def check_plan_times(plan: MomentPlan, duration_s: float, path: str | Path = "plan") -> None:
    """One-line errors for moments outside the recording, reversed or duplicate ids."""
    seen: set[str] = set()
    for i, m in enumerate(plan.moments, start=1):
        name = m.id or f"#{i}"
        if not (math.isfinite(m.start_s) and math.isfinite(m.end_s)):
            raise InputError(f"moment {name}: times must be numbers", path=path)
        if m.end_s <= m.start_s:
            raise InputError(f"moment {name}: end_s {m.end_s} is not after start_s {m.start_s}", path=path)
        if m.start_s < 0 or m.end_s > duration_s + 0.05:
            raise InputError(
                f"moment {name}: {m.start_s:.1f}-{m.end_s:.1f} s is outside the recording (0-{duration_s:.1f} s)", path=path
            )
        if m.id and m.id in seen:
            raise InputError(f"moment id {m.id!r} is used twice", path=path)
        seen.add(m.id)


def apply_editor_plan(
    plan: MomentPlan, transcript: Transcript, catalog: Catalog, config: MomentsConfig, duration_s: float,
    path: str | Path = "plan",
) -> MomentPlan:
    """Take an editor's plan as the moments: refresh what follows from the edits (product name,
    call to action, first words), move a cut that falls inside a word to the word's edge, flag
    overlaps and lengths outside the preset. The editor's choices themselves are kept."""
    check_plan_times(plan, duration_s, path)
    products = catalog.by_sku()
    words = [w for w in transcript.words() if w.text.strip()]
    sentences = split_sentences(words)
    annotate(sentences, catalog, transcript.language, config)
    out: list[Moment] = []
    for i, m in enumerate(plan.moments, start=1):
        name = m.id or f"reel-{i}"
        product = products.get(m.sku)
        if product is None:
            raise InputError(f"moment {name}: SKU {m.sku!r} is not in the catalog", path=path)
        warnings = [w for w in m.warnings if not w.startswith(("edited:", "start moved", "end moved"))]
        start_s, end_s = m.start_s, m.end_s
        for w in words:
            if w.start_s < start_s < w.end_s:
                warnings.append(f"start moved from {start_s:.2f} to {w.start_s:.2f} s so no word is cut")
                start_s = w.start_s
            if w.start_s < end_s < w.end_s:
                warnings.append(f"end moved from {end_s:.2f} to {min(duration_s, w.end_s):.2f} s so no word is cut")
                end_s = min(duration_s, w.end_s)
        inside = [s for s in sentences if s.start_s >= start_s - 0.05 and s.end_s <= end_s + 0.05]
        in_words = [w for w in words if w.start_s >= start_s and w.end_s <= end_s + 0.05]
        ctas = [s for s in inside if s.cta is not None]
        named = [s for s in inside if m.sku in s.mentions]
        if not named:
            warnings.append(f"edited: {product.name} is not named inside {start_s:.1f}-{end_s:.1f} s")
        if end_s - start_s < config.min_duration_s or end_s - start_s > config.max_duration_s:
            warnings.append(f"edited: {end_s - start_s:.1f} s is outside the preset's "
                            f"{config.min_duration_s:.0f}-{config.max_duration_s:.0f} s")
        key = max(named, key=lambda s: (s.mentions[m.sku].score, len(s.words))) if named else None
        out.append(
            m.model_copy(
                update={
                    "id": name,
                    "product_name": product.name,
                    "start_s": round(start_s, 3),
                    "end_s": round(end_s, 3),
                    "pitch_start_s": min(max(m.pitch_start_s, start_s), end_s),
                    "cta_start_s": ctas[-1].start_s if ctas else None,
                    "cta_end_s": ctas[-1].end_s if ctas else None,
                    "cta_text": ctas[-1].text if ctas else None,
                    "key_phrase": key.text[:120] if key else product.name,
                    "first_words": _first_words(in_words),
                    "warnings": warnings,
                    # the crop path is relative to the reel's start: kept only while the times are
                    "crop": m.crop if (round(start_s, 3), round(end_s, 3)) == (m.start_s, m.end_s) else None,
                }
            )
        )
    ordered = sorted(out, key=lambda m: m.start_s)
    for a, b in zip(ordered, ordered[1:]):
        if b.start_s < a.end_s:
            b.warnings.append(f"edited: overlaps {a.id}")
    return plan.model_copy(update={"moments": out})
