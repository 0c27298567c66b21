"""Ready-to-post copy: a key phrase from the pitch, titles, descriptions and hashtags per platform.

Everything here is pure: words and settings in, strings out. Lengths are measured the way each
platform counts them (see ``platforms.py``), and text is shortened on word boundaries, shrinking
the key phrase first so the product name, price and link survive.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from ..models import Product, Word
from .platforms import Platform, Unit, text_length
from .templates import render_template

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
CLAUSE_BREAK = re.compile(r"\s*[,;:–—，、；：]\s*|\s+-\s+")
QUESTION_END = ("?", "？", "؟")
TRAILING_PUNCT = " \t.!?…。！？؟,;:，、；：\"'“”‘’«»()"
PRICE_TALK = re.compile(r"[$€£¥₫₹₩₱฿]|\d\s*%|\bpercent\b|\bper ?cent\b|\boff\b", re.IGNORECASE)

# Words a host says before getting to the point, and the subject + verb that open a description
# ("It is a lightweight serum" -> "lightweight serum"). English only: other languages keep the clause.
LEADING_FILLERS = {
    "en": ["okay", "ok", "so", "and", "but", "now", "well", "honestly", "guys", "oh", "um", "uh", "alright", "right",
           "also", "plus", "then", "next", "first up", "first", "basically", "literally", "look", "see", "yes", "yeah"],
}
LEADING_SUBJECTS = {
    "en": ["it is a", "it is an", "it is", "it's a", "it's an", "it's", "this is a", "this is an", "this is", "it has a",
           "it has an", "it has", "this one is", "this one has", "these are", "they are", "they're", "there is a",
           "there's a", "you get a", "you get", "this has a", "this has"],
}
FIRST_PERSON = {
    "en": {"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "we", "we're", "we've", "our", "ours", "us", "let's"},
    "es": {"yo", "mi", "mis", "me", "nosotros", "nuestro", "nuestra"},
    "vi": {"tôi", "mình", "em", "chúng tôi", "chúng mình"},
    "zh": {"我", "我们"},
}
SECOND_PERSON = {"en": {"you", "your", "you're", "yours"}, "es": {"tu", "tus", "te", "usted"}, "vi": {"bạn"}, "zh": {"你", "您"}}
CONJUNCTIONS = {"en": ["and", "but", "so", "because", "which", "while", "plus"]}
TRAILING_STOPWORDS = {"en": {"and", "or", "but", "the", "a", "an", "to", "of", "with", "for", "in", "on", "at", "so", "that",
                             "your", "my", "is", "it", "this", "as", "by", "from"}}
MIN_WORDS, MAX_WORDS = 4, 12


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() or ch in "'’" else " " for ch in text).replace("’", "'").split())


def _tokens(text: str) -> list[str]:
    return _norm(text).split()


def _is_cjk(text: str) -> bool:
    return bool(CJK.search(text)) and " " not in text.strip()


def _size(text: str) -> float:
    """Word count; CJK text counts two characters as a word."""
    return len(text.replace(" ", "")) / 2 if _is_cjk(text) else len(text.split())


def _strip_lead(text: str, language: str) -> str:
    phrases = sorted(LEADING_FILLERS.get(language, []) + LEADING_SUBJECTS.get(language, []), key=len, reverse=True)
    changed = True
    while changed and text:
        changed = False
        low = _norm(text)
        for phrase in phrases:
            if low == phrase or low.startswith(phrase + " "):
                # drop as many words as the phrase has, keeping the rest's original spelling
                n = len(phrase.split())
                words = text.split()
                text = " ".join(words[n:]).lstrip(TRAILING_PUNCT)
                changed = True
                break
    return text


def _strip_tail(text: str, language: str) -> str:
    stop = TRAILING_STOPWORDS.get(language, set())
    text = text.strip(TRAILING_PUNCT)
    words = text.split()
    while words and _norm(words[-1]) in stop:
        words.pop()
    return " ".join(words).strip(TRAILING_PUNCT) if not _is_cjk(text) else text


def _shorten(text: str, language: str, max_chars: int) -> str | None:
    """Cut a long clause at a conjunction, else at a word boundary; None when nothing readable is left."""
    if _size(text) <= MAX_WORDS and len(text) <= max_chars:
        return text
    if _is_cjk(text):
        return text[:max_chars] if len(text) > max_chars else text
    words = text.split()
    conj = set(CONJUNCTIONS.get(language, []))
    for i in range(len(words) - 1, MIN_WORDS - 1, -1):
        if _norm(words[i]) in conj:
            head = " ".join(words[:i])
            if _size(head) <= MAX_WORDS and len(head) <= max_chars:
                return _strip_tail(head, language)
    head = clip_words(text, max_chars, ellipsis=False)
    head = _strip_tail(head, language)
    return head if _size(head) >= MIN_WORDS else None


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


@dataclass
class _Candidate:
    text: str
    score: float


def key_phrase(
    words: list[Word],
    *,
    product: Product,
    language: str,
    cta_phrases: list[str],
    stale_phrases: list[str],
    max_chars: int = 70,
) -> str:
    """A short, clean phrase from the pitch that says what the product does for the viewer.

    Clauses of the reel's sentences are candidates; calls to action, live-only talk, questions,
    prices and first-person asides are left out; the host's lead-in ("Okay, so it is a …") is
    dropped; earlier clauses, clauses addressed to the viewer and 5-10 words score higher; a
    clause that repeats the product name scores lower (the title already has the name).
    """
    from ..stages.moments import split_sentences  # late: stages import this module's neighbours

    lang = (language or "en").split("-")[0].lower()
    names = [n for n in {_norm(product.name), *(_norm(a) for a in product.aliases)} if n]
    skip = [_norm(p) for p in (*cta_phrases, *stale_phrases) if _norm(p)]
    first_person = FIRST_PERSON.get(lang, set())
    second_person = SECOND_PERSON.get(lang, set())
    candidates: list[_Candidate] = []
    for index, sentence in enumerate(split_sentences(words)):
        text = sentence.text.strip()
        low = _norm(text)
        if not low or text.endswith(QUESTION_END) or any(p in low for p in skip):
            continue
        clauses = [c for c in CLAUSE_BREAK.split(text) if c.strip()]
        joiner = "，" if _is_cjk(text) else ", "
        for i in range(len(clauses)):
            for j in (i, i + 1):
                if j >= len(clauses):
                    continue
                span = joiner.join(c.strip() for c in clauses[i : j + 1])
                phrase = _strip_tail(_strip_lead(span, lang), lang)
                if not phrase or PRICE_TALK.search(phrase):
                    continue
                tokens = _tokens(phrase)
                if _is_cjk(phrase):
                    if any(p in phrase for p in first_person):
                        continue
                elif first_person & set(tokens):
                    continue
                phrase_norm = " ".join(tokens)
                if any(phrase_norm == n or phrase_norm in n for n in names):
                    continue  # nothing but the product's name
                shortened = _shorten(phrase, lang, max_chars)
                if not shortened or _size(shortened) < MIN_WORDS:
                    continue
                score = 10.0 - 0.6 * index - 0.25 * abs(_size(shortened) - 8) - 0.4 * (j - i)
                if any(n in _norm(shortened) for n in names):
                    score -= 3.0
                if second_person & set(_tokens(shortened)) or (_is_cjk(shortened) and any(p in shortened for p in second_person)):
                    score += 1.5
                candidates.append(_Candidate(_capitalise(shortened), score))
    if not candidates:
        return ""
    return max(candidates, key=lambda c: c.score).text


def transcript_excerpt(words: list[Word], max_chars: int = 280) -> str:
    """What is said in the reel, joined per script, cut on a word boundary."""
    if not words:
        return ""
    joiner = "" if all(CJK.search(w.text) for w in words) else " "
    text = " ".join(joiner.join(w.text.strip() for w in words).split())
    return clip_words(text, max_chars)


# ---------------------------------------------------------------- fitting text into limits


def clip_words(text: str, limit: int, unit: Unit = "utf16", ellipsis: bool = True) -> str:
    """``text`` shortened on a word boundary (characters for CJK) until it fits ``limit``."""
    text = " ".join(text.split())
    if text_length(text, unit) <= limit:
        return text
    mark = "…" if ellipsis else ""
    budget = limit - text_length(mark, unit)
    if budget <= 0:
        return ""
    words = text.split(" ")
    while len(words) > 1 and text_length(" ".join(words), unit) > budget:
        words.pop()
    head = " ".join(words)
    while head and text_length(head, unit) > budget:  # one long word or CJK: cut by characters
        head = head[:-1]
    return head.rstrip(" ,;:–—") + mark


def _drop_last_word(text: str) -> str:
    if _is_cjk(text):
        return text[:-2] if len(text) > 2 else ""
    words = text.split()
    return " ".join(words[:-1])


def sanitize(text: str, forbidden: str, one_line: bool = True) -> str:
    """Text without the characters a platform rejects (YouTube: < and >), on one line unless told."""
    if one_line:  # line breaks and runs of spaces -> one space; no-break spaces (24,90\xa0US$) stay
        text = re.sub(r"[^\S\xa0\u202f]+", " ", text).strip()
    for ch in forbidden:
        text = text.replace(ch, {"<": "‹", ">": "›"}.get(ch, ""))
    return text


def fit_template(template: str, fields: dict[str, str], limit: int, unit: Unit = "utf16") -> str:
    """Render ``template``; when too long, shorten the key phrase word by word, then the name, then clip."""
    fields = dict(fields)
    for shrinkable in ("key_phrase", "product_name"):
        text = render_template(template, fields)
        while text_length(text, unit) > limit and fields.get(shrinkable):
            fields[shrinkable] = _strip_tail(_drop_last_word(fields[shrinkable]), "en")
            text = render_template(template, fields)
        if text_length(text, unit) <= limit:
            return text
    return clip_words(render_template(template, fields), limit, unit)


# ---------------------------------------------------------------- hashtags, price, links


def _hashtag_parts(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text)
    keep = "".join(ch if ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M") else " " for ch in text)
    return keep.split()


def hashtag(text: str) -> str:
    """'#Glow Serum 30ml!' -> '#GlowSerum30ml'; letters of every script are kept; '' when nothing is left."""
    parts = _hashtag_parts(text.strip().lstrip("#"))
    uncased = any(w[:1].isalpha() and w[:1].upper() == w[:1].lower() for w in parts)  # Arabic, CJK, Thai…
    if len(parts) == 1:
        body = parts[0]
    else:
        body = "_".join(parts) if uncased else "".join(w[:1].upper() + w[1:] for w in parts)
    return f"#{body}" if body and not body.isdigit() else ""


def product_hashtag(name: str) -> str:
    return hashtag(name)


def merge_hashtags(*groups: list[str], limit: int | None) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for raw in group:
            tag = hashtag(raw)
            if tag and tag.casefold() not in seen:
                seen.add(tag.casefold())
                out.append(tag)
    return out if limit is None else out[:limit]


def format_price(price: float | None, currency: str | None, language: str) -> str:
    """'$24.90' in English, '24,90 US$' in Vietnamese (CLDR rules via Babel); '' without a price."""
    if price is None or not math.isfinite(price):
        return ""
    code = (currency or "").strip()
    try:
        from babel.core import Locale, UnknownLocaleError
        from babel.numbers import format_currency, format_decimal

        try:
            locale = Locale.parse((language or "en").replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            locale = Locale.parse("en")
        if re.fullmatch(r"[A-Za-z]{3}", code):
            return format_currency(price, code.upper(), locale=locale)
        number = format_decimal(price, format="#,##0.00", locale=locale)
        return f"{number} {code}".strip()
    except ImportError:  # pragma: no cover - babel is a dependency
        return f"{price:,.2f} {code}".strip()


def caption_text(description: str, hashtags: list[str]) -> str:
    return description + ("\n\n" + " ".join(hashtags) if hashtags else "")


@dataclass
class PostCopy:
    title: str
    description: str
    hashtags: list[str]
    caption: str


def build_copy(
    spec: Platform,
    *,
    title_template: str,
    description_template: str,
    fields: dict[str, str],
    hashtags: list[str],
) -> PostCopy:
    """Title, description, hashtags and the full caption for one platform, within its limits."""
    clean = {k: (v if k == "link" else sanitize(v, spec.forbidden)) for k, v in fields.items()}
    title = sanitize(fit_template(title_template, clean, spec.title_max, "utf16"), spec.forbidden)
    tags = hashtags[: spec.hashtags_max] if spec.hashtags_max is not None else list(hashtags)
    tags_len = text_length(caption_text("", tags), spec.caption_unit)
    description = fit_template(description_template, clean, max(0, spec.caption_max - tags_len), spec.caption_unit)
    description = sanitize(description, spec.forbidden, one_line=False)
    while tags and text_length(caption_text(description, tags), spec.caption_unit) > spec.caption_max:
        tags.pop()
    return PostCopy(title=title, description=description, hashtags=tags, caption=caption_text(description, tags))
