"""Product names put right after decoding (pure): the words the decoder heard for an invented
brand name ("crellics earbuds", "blick samadic blender") are matched against the catalog's names
and aliases by spelling and by sound, and replaced by the name.

This replaces hotwords in the decoder as the default way to get names right: hotwords recovered
names but made the decoder drop or invent speech on some CPUs (see docs/transcription.md).

A window of heard words matches a term when

* spelling: rapidfuzz ratio of the two strings without spaces, and
* sound: ratio of their Metaphone keys (English spelling rules, Latin script only),

average at least ``MATCH_MIN`` (0-100), and the words in which the two differ reach
``DISTINCT_MIN`` on their own and are at least half as long ("vitamin C serum" is not the "Glow
Serum"). Only names with a word outside the decoder's vocabulary are written in. A one-word term needs ``SINGLE_WORD_SPELLING_MIN`` of
spelling as well, and a heard word that is one token of the decoder's vocabulary (a common word,
"number") is replaced by a one-word term only when it is spelt nearly alike: "number" never becomes
"Nimbra". Scripts without spaces or without Latin letters are matched by spelling alone, at the
stricter bar. Terms already heard right are left as they are.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from ..models import NameCorrection, Segment, Word
from ..text import join_words

MATCH_MIN = 75.0
SINGLE_WORD_SPELLING_MIN = 60.0
COMMON_WORD_SPELLING_MIN = 88.0
NON_LATIN_MIN = 88.0
CANDIDATE_BLOCK = 20000  # windows scored at once (terms × block bytes per matrix)
DISTINCT_MIN = 50.0  # the differing words of a multi-word name, spelling and sound
_EDGE_PUNCT = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


@dataclass(frozen=True)
class Correction:
    first: int  # index of the first heard word (in the word list given)
    last: int
    heard: str
    name: str
    score: float


@functools.lru_cache(maxsize=1)
def _english_vocabulary():  # noqa: ANN202 - tokenizers.Tokenizer or None
    """The English-only bundled model's tokenizer (GPT-2's byte-pair vocabulary of about 50,000
    pieces): a word that is one piece of it is a common English word. The same for every model, so
    what counts as common does not depend on the model that decoded."""
    try:
        from tokenizers import Tokenizer

        from .models import resolve_model

        return Tokenizer.from_file(str(Path(resolve_model("tiny.en", allow_download=False).path) / "tokenizer.json"))
    except Exception:  # noqa: BLE001 - no bundled English model: nothing counts as common
        return None


def is_common_english(word: str) -> bool:
    """One piece of the English vocabulary (``number``, ``pillow``; not ``nimbra``, ``krellix``)."""
    vocabulary = _english_vocabulary()
    return vocabulary is not None and len(vocabulary.encode(" " + word, add_special_tokens=False).ids) == 1


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def _latin(text: str) -> bool:
    return any("a" <= ch <= "z" for ch in text) and all(ch.isascii() or not ch.isalpha() for ch in text)


@dataclass(frozen=True)
class _Term:
    name: str
    folded: str
    squeezed: str
    sound: str
    words: int


@functools.lru_cache(maxsize=65536)
def _sound(squeezed: str) -> str:
    import jellyfish

    return jellyfish.metaphone(squeezed) if squeezed else ""


def prepare_terms(names: Sequence[str]) -> list[_Term]:
    out = []
    for name in dict.fromkeys(" ".join(n.split()) for n in names):
        folded = fold(name)
        if len(folded.replace(" ", "")) < 4:
            continue  # too short to tell from ordinary words
        squeezed = folded.replace(" ", "")
        out.append(_Term(name, folded, squeezed, _sound(squeezed) if _latin(folded) else "", len(folded.split())))
    return out


def term_score(term: _Term, heard: str, common: bool = False) -> float:
    """0-100: how well ``heard`` (folded words) matches the term (0 when it must not match)."""
    squeezed = heard.replace(" ", "")
    if not squeezed:
        return 0.0
    spelling = fuzz.ratio(term.squeezed, squeezed)
    if not term.sound or not _latin(heard):
        return spelling if spelling >= NON_LATIN_MIN else 0.0
    score = (spelling + fuzz.ratio(term.sound, _sound(squeezed))) / 2
    if term.words == 1:
        if spelling < (COMMON_WORD_SPELLING_MIN if common else SINGLE_WORD_SPELLING_MIN):
            return 0.0
    elif score >= MATCH_MIN:
        # the words that differ must sound alike too: "vitamin C serum" is not the "Glow Serum"
        shared = set(term.folded.split()) & set(heard.split())
        said = "".join(w for w in heard.split() if w not in shared)
        named = "".join(w for w in term.folded.split() if w not in shared)
        if said and named and (len(said) < len(named) / 2
                               or (fuzz.ratio(named, said) + fuzz.ratio(_sound(named), _sound(said))) / 2 < DISTINCT_MIN):
            return 0.0
    return score if score >= MATCH_MIN else 0.0


def _windows(folded_words: Sequence[str], max_size: int) -> list[tuple[int, int, str]]:
    """Every run of 1..``max_size`` heard words: (first index, size, folded text)."""
    out = []
    for size in range(1, max_size + 1):
        for first in range(0, len(folded_words) - size + 1):
            window = folded_words[first : first + size]
            if all(window):
                out.append((first, size, " ".join(window)))
    return out


def _candidates(terms: Sequence[_Term], windows: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """(term index, window index) pairs worth the full score: a vectorised pass (rapidfuzz cdist on
    spelling and on sound, in blocks) keeps the work flat in the transcript's length."""
    from rapidfuzz import process

    squeezed = [w[2].replace(" ", "") for w in windows]
    sounds = [_sound(q) if _latin(q) else "" for q in squeezed]
    sizes = np.array([w[1] for w in windows])
    letters = np.array([len(q) for q in squeezed])
    out: list[tuple[int, int]] = []
    for block in range(0, len(windows), CANDIDATE_BLOCK):
        part = slice(block, block + CANDIDATE_BLOCK)
        spelling = process.cdist([t.squeezed for t in terms], squeezed[part], scorer=fuzz.ratio, dtype=np.uint8, workers=1)
        sound = process.cdist([t.sound for t in terms], sounds[part], scorer=fuzz.ratio, dtype=np.uint8, workers=1)
        combined = (spelling.astype(np.uint16) + sound) / 2
        for k, term in enumerate(terms):
            bar = combined[k] >= MATCH_MIN if term.sound else spelling[k] >= NON_LATIN_MIN
            fits = (sizes[part] >= max(1, term.words - 1)) & (sizes[part] <= term.words + 1)
            fits &= (letters[part] >= 0.5 * len(term.squeezed)) & (letters[part] <= 1.6 * len(term.squeezed))
            out += [(k, block + int(i)) for i in np.nonzero(bar & fits)[0]]
    return out


def find_corrections(words: Sequence[str], names: Sequence[str], is_common: Callable[[str], bool] | None = None) -> list[Correction]:
    """Non-overlapping replacements of heard words by catalog names, best first. Names made only
    of common words ("the serum", "water bottle") are never written in: the decoder hears those
    right, and a near miss of them is ordinary speech ("these are")."""
    terms = [t for t in prepare_terms(names) if is_common is None or not all(is_common(w) for w in t.folded.split())]
    folded_words = [fold(w) for w in words]
    if not terms or not folded_words:
        return []
    windows = _windows(folded_words, max(t.words for t in terms) + 1)
    found: list[Correction] = []
    for k, index in _candidates(terms, windows):
        term, (first, size, heard) = terms[k], windows[index]
        if _heard_right(heard, term):
            continue
        common = size == 1 and is_common is not None and is_common(heard)
        score = term_score(term, heard, common)
        if score:
            found.append(Correction(first, first + size - 1, " ".join(words[first : first + size]), term.name, round(score, 1)))
    chosen: list[Correction] = []
    taken = _exact_spans(folded_words, terms)
    for c in sorted(found, key=lambda c: (-c.score, c.last - c.first, c.first)):
        span = set(range(c.first, c.last + 1))
        if span & taken:
            continue
        chosen.append(c)
        taken |= span
    return sorted(chosen, key=lambda c: c.first)


def _heard_right(heard: str, term: _Term) -> bool:
    """Nothing to put right: the name itself, part of it ("serum" of "the serum"), or a form of it
    ("backpacks")."""
    words = heard.split()
    if heard == term.folded or set(words) <= set(term.folded.split()):
        return True
    squeezed = heard.replace(" ", "")
    return squeezed.startswith(term.squeezed) or term.squeezed.startswith(squeezed)


def _exact_spans(folded_words: Sequence[str], terms: Sequence[_Term]) -> set[int]:
    """Word indices already inside a name heard right (never rewritten)."""
    taken: set[int] = set()
    for term in terms:
        parts = term.folded.split()
        for i in range(len(folded_words) - len(parts) + 1):
            if folded_words[i : i + len(parts)] == parts:
                taken.update(range(i, i + len(parts)))
    return taken


def apply_correction(texts: Sequence[str], correction: Correction) -> list[str]:
    """The name's words in place of the heard ones, keeping the punctuation around them, one text
    per heard word: the name's last words take the last heard words one to one, its first word
    takes the first heard word, and heard words left over between them become empty (the caller
    drops them and stretches the first word over them). When fewer words were heard than the name
    has, the first heard word holds the name's first words."""
    first_text, last_text = texts[correction.first], texts[correction.last]
    lead = _EDGE_PUNCT.match(first_text).group(1)
    trail = _EDGE_PUNCT.match(last_text).group(3)
    heard_n = correction.last - correction.first + 1
    name_words = correction.name.split()
    if heard_n >= len(name_words):
        pieces = [name_words[0]] + [""] * (heard_n - len(name_words)) + name_words[1:]
    else:
        pieces = [" ".join(name_words[: len(name_words) - heard_n + 1])] + name_words[len(name_words) - heard_n + 1 :]
    pieces[0] = lead + pieces[0]
    pieces[-1] = pieces[-1] + trail
    return pieces


def correct_segments(segments: Sequence[Segment], names: Sequence[str], is_common: Callable[[str], bool] | None = None) -> tuple[list[Segment], list[NameCorrection]]:
    """The segments with heard names put right (across segment edges too), and what changed.
    A replaced span keeps its times: surplus heard words are dropped and the kept name word
    stretches over them."""
    flat = [(k, w) for k, s in enumerate(segments) for w in s.words]
    if not flat or not names:
        return list(segments), []
    texts = [w.text for _, w in flat]
    corrections = find_corrections(texts, names, is_common)
    if not corrections:
        return list(segments), []
    new_texts: list[str] = list(texts)
    ends = [w.end_s for _, w in flat]
    for c in corrections:
        pieces = apply_correction(texts, c)
        new_texts[c.first : c.last + 1] = pieces
        for i, piece in enumerate(pieces[1:], start=c.first + 1):
            if not piece:
                ends[c.first] = flat[i][1].end_s  # the first name word stretches over the dropped words
    by_segment: list[list[Word]] = [[] for _ in segments]
    for (k, w), text, end_s in zip(flat, new_texts, ends):
        if text:
            by_segment[k].append(w.model_copy(update={"text": text, "end_s": end_s}))
    out = []
    for segment, words in zip(segments, by_segment):
        if words:
            out.append(segment.model_copy(update={"words": words, "text": join_words([w.text for w in words]),
                                                  "start_s": words[0].start_s, "end_s": words[-1].end_s}))
    records = [NameCorrection(start_s=flat[c.first][1].start_s, end_s=flat[c.last][1].end_s, heard=c.heard, name=c.name, score=c.score)
               for c in corrections]
    return out, records
