"""Read the product catalog (CSV, JSON or YAML): sku, name, url, price, currency, aliases, image."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import InputError
from ..models import Catalog, Product
from .tabular import pick_column, read_rows

REQUIRED = ("sku", "name", "url")


def parse_price(text: str) -> float | None:
    """'19.99', '$1,299.00', '1.299,00', '12,5 €' -> float; '' -> None."""
    cleaned = re.sub(r"[^\d.,\-]", "", text or "")
    if not cleaned or not re.search(r"\d", cleaned):
        return None
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):  # 1.299,00
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:  # 1,299.00
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        head, _, tail = cleaned.rpartition(",")
        cleaned = f"{head.replace(',', '')}.{tail}" if len(tail) in (1, 2) else cleaned.replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def check_url(url: str, *, path: Path, line: int) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(f"line {line}: product URL {url[:80]!r} is not an http(s) link", path=path)
    if any(ch in url for ch in "\n\r\t "):
        raise InputError(f"line {line}: product URL contains white space", path=path)
    return url.strip()


def load_catalog(path: Path) -> Catalog:
    path = Path(path)
    products: list[Product] = []
    seen: set[str] = set()
    for line, row in read_rows(path):
        columns = set(row)
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise InputError(f"missing column(s) {', '.join(missing)} (found: {', '.join(sorted(columns))})", path=path)
        sku, name = row["sku"].strip(), row["name"].strip()
        if not sku:
            raise InputError(f"line {line}: empty sku", path=path)
        if not name:
            raise InputError(f"line {line}: empty product name for sku {sku!r}", path=path)
        if sku in seen:
            raise InputError(f"line {line}: sku {sku!r} is listed twice", path=path)
        seen.add(sku)
        alias_col = pick_column(columns, ("aliases", "alias", "keywords"))
        aliases = [a.strip() for a in (row.get(alias_col, "") if alias_col else "").split("|") if a.strip()]
        products.append(
            Product(
                sku=sku,
                name=name,
                url=check_url(row["url"], path=path, line=line),
                price=parse_price(row.get("price", "")),
                currency=(row.get("currency") or "").strip() or None,
                aliases=aliases,
                image=(row.get("image") or "").strip() or None,
            )
        )
    if not products:
        raise InputError("catalog has no products", path=path)
    return Catalog(source=str(path.resolve()), products=products)
