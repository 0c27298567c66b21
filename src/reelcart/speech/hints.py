"""Product names for the decoder: the catalog's names and aliases as hotword text within the
prompt budget (pure)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from ..models import Catalog

HINT_TOKENS = 200  # faster-whisper keeps at most 223 hotword tokens


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def hint_terms(catalog: Catalog | None, first_skus: Sequence[str] = (), vocabulary: Sequence[str] = ()) -> list[str]:
    """Product names and aliases (the ``first_skus`` first, then the user's vocabulary, then the
    rest of the catalog), without repeats: an alias contained in a term already listed adds nothing."""
    products = list(catalog.products) if catalog else []
    rank = {sku: i for i, sku in enumerate(first_skus)}
    first = sorted((p for p in products if p.sku in rank), key=lambda p: rank[p.sku])
    rest = [p for p in products if p.sku not in rank]
    candidates = [t for p in first for t in (p.name, *p.aliases)]
    candidates += list(vocabulary)
    candidates += [t for p in rest for t in (p.name, *p.aliases)]
    terms: list[str] = []
    folded: list[str] = []
    for term in candidates:
        term = " ".join(str(term).split())
        f = _fold(term)
        if not f or any(f in seen for seen in folded):
            continue
        terms.append(term)
        folded.append(f)
    return terms


def build_hints(terms: Sequence[str], count_tokens: Callable[[str], int] | None = None, max_tokens: int = HINT_TOKENS) -> str | None:
    """Join ``terms`` into the decoder's hotword text, dropping whole terms past the token budget.

    Terms are written as short sentences ("Zyntrelle Serum. Quorvani Lamp."): as a comma list
    the decoder sometimes continues the list into the transcript, naming products nobody said."""
    count = count_tokens or (lambda text: len(text.encode("utf-8")) // 3 + 1)
    chosen: list[str] = []
    for term in terms:
        if count(" " + _hint_text([*chosen, term])) > max_tokens:
            continue  # a shorter term later may still fit
        chosen.append(term)
    return _hint_text(chosen) if chosen else None


def _hint_text(terms: Sequence[str]) -> str:
    return " ".join(t if t.endswith((".", "!", "?", "。")) else f"{t}." for t in terms)


def product_hints(catalog: Catalog | None, first_skus: Sequence[str] = (), vocabulary: Sequence[str] = ()) -> str | None:
    """Hotword text for a catalog (no tokenizer: a conservative byte-based budget)."""
    return build_hints(hint_terms(catalog, first_skus, vocabulary))
