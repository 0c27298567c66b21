"""Write one order export per platform, in each platform's real shape, from the sample session.

Every export carries the same sales as ``samples/orders.csv`` (the sample recording's order log:
spikes after pitches 1-3), re-dressed the way each platform writes them: its headers, time format
and shop-local time zone, status words, amounts, ids, variants and quirks. The data is invented:
buyers are ``Test Buyer NN``, addresses are ``1 Example Street``, ids are made up.

``expected.json`` holds, per export, the options a run needs (none for most) and what a run must
report: rows, orders used, and the products that get reels. ``catalog.csv`` is the sample catalog
plus the optional ``variants`` and ``product_ids`` columns.

    python tests/data/exports/make_exports.py     # rewrites the files beside this script
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "samples"
UTC = timezone.utc

# catalog SKU -> (variant SKUs, variant names, TikTok SKU ids, Douyin product id)
VARIANTS = {
    "SKU-GLOW-30": (["SKU-GLOW-30-ROSE", "SKU-GLOW-30-NEROLI"], ["Rose / 30 ml", "Neroli / 30 ml"],
                    ["1729000000000000101", "1729000000000000102"], "3600000000000000001"),
    "SKU-BAMBOO-750": (["SKU-BAMBOO-750-SAGE", "SKU-BAMBOO-750-SAND"], ["Sage / 750 ml", "Sand / 750 ml"],
                       ["1729000000000000201", "1729000000000000202"], "3600000000000000002"),
    "SKU-CLOUD-BLK": (["SKU-CLOUD-BLK-Q", "SKU-CLOUD-BLK-K"], ["Black / Queen", "Black / King"],
                      ["1729000000000000301", "1729000000000000302"], "3600000000000000003"),
    "SKU-TRAIL-28": (["SKU-TRAIL-28-OLIVE"], ["Olive / 28 L"], ["1729000000000000401"], "3600000000000000004"),
    "SKU-GIFT-50": (["SKU-GIFT-50-E"], ["E-card"], ["1729000000000000501"], "3600000000000000005"),
    "SKU-CANDLE-AMB": (["SKU-CANDLE-AMB-L"], ["Large"], ["1729000000000000601"], "3600000000000000006"),
}


@dataclass(frozen=True)
class Sale:
    order_id: str
    at: datetime  # aware
    sku: str  # catalog SKU
    quantity: int
    amount: float
    index: int  # position in the sample log (picks the variant)
    cancelled: bool = False
    live: bool = True

    @property
    def variant(self) -> int:
        return self.index % len(VARIANTS[self.sku][0])

    @property
    def variant_sku(self) -> str:
        return VARIANTS[self.sku][0][self.variant]

    @property
    def variant_name(self) -> str:
        return VARIANTS[self.sku][1][self.variant]

    @property
    def sku_id(self) -> str:
        return VARIANTS[self.sku][2][self.variant]

    def local(self, hours: float) -> datetime:
        return self.at.astimezone(timezone(timedelta(hours=hours))).replace(tzinfo=None)


def sample_sales() -> list[Sale]:
    with open(SAMPLES / "orders.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    first: dict[str, int] = {}  # a repeated row (an overlapping export) repeats its order exactly
    return [Sale(r["order_id"], datetime.fromisoformat(r["timestamp"]), r["sku"], int(r["quantity"]), float(r["amount"]),
                 first.setdefault(r["order_id"], i)) for i, r in enumerate(rows)]


def product_names() -> dict[str, str]:
    with open(SAMPLES / "catalog.csv", newline="", encoding="utf-8") as fh:
        return {r["sku"]: r["name"] for r in csv.DictReader(fh)}


NAMES = product_names()
START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def extras(sales: list[Sale], *, cancelled: int = 3, not_live: int = 0) -> list[Sale]:
    """The sample's sales plus cancelled orders and orders from outside the live, spread over the stream."""
    out = list(sales)
    for k in range(cancelled):
        out.append(Sale(f"CX-{k}", START + timedelta(seconds=30 + 70 * k), "SKU-GLOW-30", 1, 24.9, 1000 + k, cancelled=True))
    for k in range(not_live):
        sku = ("SKU-GLOW-30", "SKU-BAMBOO-750")[k % 2]
        out.append(Sale(f"NL-{k}", START + timedelta(seconds=8 + 21 * k), sku, 1, 20.0, 2000 + k, live=False))
    return sorted(out, key=lambda s: (s.at, s.order_id))


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, encoding: str = "utf-8", **kw) -> None:
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, **kw)
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx(path: Path, header: list[str], rows: list[list], *, description: list[str] | None = None,
               wrong_dimension: bool = False) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "OrderSKUList" if description else "orders"
    sheet.append(header)
    if description:
        sheet.append(description)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if wrong_dimension:  # as some exporters write it: the sheet claims to hold one cell
        data = _rewrite_dimension(data)
    path.write_bytes(data)


def _rewrite_dimension(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', content)
            target.writestr(item, content)
    return out.getvalue()


def money(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}"


def dots(value: float) -> str:
    """159000 -> '159.000' (Vietnamese / Indonesian thousands)."""
    return f"{round(value):,}".replace(",", ".")


def buyer(sale: Sale) -> str:
    return f"Test Buyer {sale.index % 50:02d}"


def digits(order_id: str) -> str:
    return re.sub(r"\D", "", order_id) or "0"


def long_id(prefix: str, sale: Sale, width: int = 19) -> str:
    """An 18-19 digit platform id (text: it does not fit a float)."""
    number = digits(sale.order_id)[-6:].rjust(6, "0")
    tag = {"CX": "8", "NL": "9"}.get(sale.order_id[:2], "1")
    return (prefix + tag).ljust(width - len(number), "0") + number


def unique_items(items: list[tuple[str, str, bool, bool]]) -> int:
    """Orders a reader must keep: distinct (order, item) pairs that are neither cancelled nor off the live."""
    return len({(order, item) for order, item, cancelled, live in items if not cancelled and live})


def main() -> None:
    from shapes_asia import ASIA
    from shapes_west import WEST

    sales = sample_sales()
    expected = {}
    for name, writer in {**WEST, **ASIA}.items():
        expected[name] = writer(sales, HERE)
    write_catalog(HERE / "catalog.csv")
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_catalog(path: Path) -> None:
    with open(SAMPLES / "catalog.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        fields = list(reader.fieldnames or []) + ["variants", "product_ids"]
    for row in rows:
        skus, _, ids, product_id = VARIANTS[row["sku"]]
        row["variants"] = "|".join(ids)  # TikTok SKU ids; the variant SKUs are found by their prefix
        row["product_ids"] = product_id
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
