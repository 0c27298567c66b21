"""Transcript text for matching: folding (case, accents, letter forms, Chinese forms) and sentences."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from ...models import Word
from ...text import SENTENCE_END

CLAUSE_END = re.compile(r"[,;:，；：、،.?!。？！؟…]['\"”’)\]]*$")
SENTENCE_GAP_S = 0.9
PUNCTUATED_EVERY = 40  # a transcript with a sentence end per this many words counts as punctuated
MAX_SENTENCE_S = 20.0  # longer "sentences" are run-ons (no punctuation, no pause): split at pauses
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_SPACE = re.compile(r"(?<=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]) (?=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
_FOLD = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss", "ة": "ه", "ى": "ي", "ـ": None, "ٱ": "ا",
                       "’": "'", "ʼ": "'"})


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
    digression: Match | None = None
    fillers: list[tuple[int, int]] = field(default_factory=list)  # word index ranges (inclusive) of filler words
    aside: str | None = None  # names this product in passing, inside another product's pitch
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
    """The joiner of folded (normalized) text, where Korean counts with the CJK scripts."""
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


def first_words(words: list[Word], n: int = 12) -> str:
    out = ""
    for w in words[:n]:
        token = w.text.strip()
        out += _joiner(out, token) + token if out else token
    return out
