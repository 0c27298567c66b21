"""Which catalog product an order line is, when the catalog lists products and the order names a
variant. Rules, tried in this order (the first that decides wins):

1. ``sku``: the order's SKU is a catalog SKU;
2. ``variants``: the order's SKU or platform SKU id is listed in a product's ``variants`` column;
3. ``sku_prefix``: the longest catalog SKU that starts the order's SKU, followed by a separator
   (``-``, ``_``, ``/``, ``.``, space): ``KB-101-GREY-M`` is ``KB-101``;
4. ``name``: the product name, whole or with its variant part removed (Shopify's
   ``Product - Option / Option``; the variation column of TikTok, Shopee, Lazada, Douyin, ...);
5. ``product_id``: the platform product id, listed in the catalog's ``product_ids`` column.

An identifier that fits several products under one rule is ambiguous: it is reported and the
order is left out, never credited to a guess.
"""

from __future__ import annotations

import re

from ...models import Catalog
from .records import Record
from .table import RULES

SEPARATORS = "-_/. "
MATCH_CACHE_SIZE = 50_000
VARIANT_SUFFIX = re.compile(r"\s*[\(\[（【][^\)\]）】]*[\)\]）】]\s*$")


def normalize_name(text: str) -> str:
    return " ".join(text.casefold().split())


class Ambiguous(Exception):
    def __init__(self, what: str, candidates: list[str]) -> None:
        super().__init__(what)
        self.what = what
        self.candidates = candidates


class ProductMatcher:
    """Order line -> (catalog SKU, rule index); ``None`` when no rule finds a product."""

    def __init__(self, skus: set[str], names: dict[str, list[str]] | None = None,
                 variants: dict[str, list[str]] | None = None, product_ids: dict[str, list[str]] | None = None) -> None:
        self.skus = skus
        self.names = names or {}
        self.variants = variants or {}
        self.product_ids = product_ids or {}
        self.by_length = sorted({len(s) for s in skus}, reverse=True)
        self._cache: dict[tuple, tuple[str, int] | None] = {}

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> ProductMatcher:
        names: dict[str, list[str]] = {}
        variants: dict[str, list[str]] = {}
        product_ids: dict[str, list[str]] = {}
        for product in catalog.products:
            _add(names, normalize_name(product.name), product.sku)
            for variant in product.variants:
                _add(variants, variant, product.sku)
            for pid in product.product_ids:
                _add(product_ids, pid, product.sku)
        return cls({p.sku for p in catalog.products}, names, variants, product_ids)

    @classmethod
    def from_names(cls, skus: set[str], product_names: dict[str, str] | None) -> ProductMatcher:
        """For callers that know the SKUs and normalized names only (no variants, no ids)."""
        return cls(set(skus), {name: [sku] for name, sku in (product_names or {}).items()})

    def match(self, record: Record) -> tuple[str, int] | None:
        """Raises :class:`Ambiguous` when a rule finds several products."""
        key = (record.sku, record.sku_id, record.parent_sku, record.name, record.variation, record.product_id)
        if key in self._cache:
            hit = self._cache[key]
            if isinstance(hit, Ambiguous):
                raise hit
            return hit
        try:
            found = self._match(record)
        except Ambiguous as exc:
            found = exc  # type: ignore[assignment]
        if len(self._cache) < MATCH_CACHE_SIZE:
            self._cache[key] = found
        if isinstance(found, Ambiguous):
            raise found
        return found

    def _match(self, record: Record) -> tuple[str, int] | None:
        for code in (record.sku, record.parent_sku):
            if code in self.skus:
                return code, RULES.index("sku")
        for code in (record.sku, record.sku_id, record.parent_sku):
            if code and code in self.variants:
                return _one(code, self.variants[code]), RULES.index("variants")
        for code in (record.sku, record.parent_sku):
            prefix = self._prefix(code)
            if prefix:
                return prefix, RULES.index("sku_prefix")
        name = self._by_name(record.name, record.variation)
        if name:
            return name, RULES.index("name")
        if record.product_id and record.product_id in self.product_ids:
            return _one(record.product_id, self.product_ids[record.product_id]), RULES.index("product_id")
        return None

    def _prefix(self, code: str) -> str | None:
        if not code:
            return None
        for length in self.by_length:
            if length < len(code) and code[length] in SEPARATORS and code[:length] in self.skus:
                return code[:length]  # the longest one: lengths are tried from long to short
        return None

    def _by_name(self, name: str, variation: str) -> str | None:
        if not name or not self.names:
            return None
        for candidate in _name_forms(name, variation):
            if candidate in self.names:
                return _one(name, self.names[candidate])
        return None


def _name_forms(name: str, variation: str) -> list[str]:
    """The product name as written, then without its variant part."""
    full = normalize_name(name)
    forms = [full]
    if variation:
        var = normalize_name(variation)
        for joiner in (" - ", " ", ", ", " / "):
            if var and full.endswith(joiner + var):
                forms.append(full[: -len(joiner + var)].strip())
    if " - " in full:  # Shopify: "Product - Option / Option"
        forms.append(full.rsplit(" - ", 1)[0].strip())
    stripped = VARIANT_SUFFIX.sub("", full)  # "Product (Rose, 30 ml)"
    if stripped != full:
        forms.append(stripped)
    return forms


def _add(index: dict[str, list[str]], key: str, sku: str) -> None:
    if key and sku not in index.setdefault(key, []):
        index[key].append(sku)


def _one(what: str, skus: list[str]) -> str:
    if len(skus) > 1:
        raise Ambiguous(what, sorted(skus))
    return skus[0]
