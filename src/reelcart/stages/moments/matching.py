"""Matching product names and the phrase lexicons (call to action, live-only, digressions,
fillers) against sentences: exact, else fuzzy on whole words; CJK character by character."""

from __future__ import annotations

import functools
import re

import numpy as np
from rapidfuzz import fuzz, process

from ...config import MomentsConfig
from ...models import Catalog, Product
from .text import CJK, Match, Sentence, normalize_text


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

def find_fillers(fillers: list[str], sentence: Sentence) -> list[tuple[int, int]]:
    """Word ranges that are exactly a filler word or phrase (whole words; whole tokens in CJK)."""
    starts = {a: i for i, (a, b) in enumerate(sentence.spans) if b > a}
    ends = {b: i for i, (a, b) in enumerate(sentence.spans) if b > a}
    found: list[tuple[int, int]] = []
    for phrase in fillers:
        at = sentence.norm.find(phrase)
        while at != -1:
            first, last = starts.get(at), ends.get(at + len(phrase))
            if first is not None and last is not None and all(not (f <= first <= l) for f, l in found):
                found.append((first, last))
            at = sentence.norm.find(phrase, at + 1)
    return sorted(found)


def annotate(sentences: list[Sentence], catalog: Catalog, language: str, config: MomentsConfig) -> None:
    names = [(p.sku, term) for p in catalog.products for term in product_terms(p)]
    name_phrases = [term for _, term in names]
    lexicons = {key: _lexicon(phrases, language) for key, phrases in (
        ("cta", config.cta_phrases), ("stale", config.stale_phrases), ("digression", config.digression_phrases))}
    name_hits = _candidates(name_phrases, sentences, config.name_match_min)
    hits = {key: _candidates(phrases, sentences, config.cta_match_min) for key, phrases in lexicons.items()}
    fillers = _lexicon(config.filler_words, language) if config.cut_fillers else []
    for k, sentence in enumerate(sentences):
        sentence.mentions = {}
        by_sku: dict[str, list[int]] = {}
        for i in name_hits[k]:
            by_sku.setdefault(names[i][0], []).append(i)
        for sku, indices in by_sku.items():
            found = _best(name_phrases, indices, sentence, config.name_match_min)
            if found:
                sentence.mentions[sku] = found
        for key, phrases in lexicons.items():
            setattr(sentence, key, _best(phrases, hits[key][k], sentence, config.cta_match_min))
        sentence.fillers = find_fillers(fillers, sentence) if fillers else []
