"""One order line as every reader hands it on (:class:`Record`), and the column-mapped reader that
turns a row of any export into one: a :class:`Spec` names, per field, the columns that may hold it,
which columns say an order was cancelled, and which say it came from the live."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ...config import OrdersConfig
from ...errors import ConfigError, InputError
from ..tabular import normalize_column, pick_column

FIELDS = ("timestamp", "order_id", "item", "sku", "sku_id", "parent_sku", "product_id", "product_name", "variation",
          "quantity", "amount", "unit_price", "status", "channel")
CANCELLED = re.compile(
    r"cancel|refund|void|return|chargeback|expired|ยกเลิก|dibatalkan|batal|h[uủ]y|huỷ|hoàn tiền|cancelad|"
    r"已关闭|交易关闭|已取消|退款成功|退货成功", re.I)
NOT_CANCELLED = re.compile(r"partial", re.I)


@dataclass(slots=True)
class Record:
    """One order line, in words as the export wrote them (parsing comes later)."""

    line: int
    stamp: str
    order_id: str | None
    sku: str = ""
    sku_id: str = ""
    parent_sku: str = ""
    product_id: str = ""
    name: str = ""
    variation: str = ""
    quantity: str = ""
    amount: str = ""
    unit_price: str = ""
    cancelled: bool = False
    live: bool | None = None  # None: the export does not say
    channel: str = ""  # the sales channel as the export names it
    item: str = ""  # the line item's own id, when the export has one (duplicates are found on it)
    rows: int = 1  # rows of the file this record stands for (Lazada writes one row per unit)
    duplicates: int = 0  # of those, rows that repeated an earlier one

    def key_item(self) -> str:
        return self.item or self.sku or self.sku_id or self.name


@dataclass(frozen=True)
class Spec:
    """How to read one export format from its columns (normalized names)."""

    name: str
    signatures: tuple[frozenset[str], ...]
    fields: dict[str, tuple[str, ...]]
    status: tuple[str, ...] = ()  # columns whose value may say cancelled / refunded
    markers: tuple[str, ...] = ()  # columns whose mere value marks the order cancelled
    live_values: frozenset[str] = frozenset()  # casefolded values of the channel column that mean "the live"
    empty: frozenset[str] = frozenset()  # cell values that stand for an empty cell
    description_row: bool = False  # a row of column descriptions may follow the header
    required: tuple[str, ...] = ("timestamp",)
    one_of: tuple[str, ...] = ("sku", "sku_id", "product_name")

    def recognises(self, columns: set[str]) -> bool:
        return any(signature <= columns for signature in self.signatures)


def resolve_columns(spec: Spec, columns: set[str], config: OrdersConfig, path: Path) -> dict[str, str | None]:
    """Field -> column of this file: the preset's ``orders.columns`` first, then the spec's candidates."""
    mapping = {k: normalize_column(v) for k, v in config.columns.items()}
    unknown_fields = set(mapping) - set(FIELDS)
    if unknown_fields:
        raise ConfigError(f"orders.columns: unknown field(s) {', '.join(sorted(unknown_fields))} "
                          f"(known: {', '.join(FIELDS)})")
    resolved: dict[str, str | None] = {}
    for name in FIELDS:
        if name in mapping:
            if mapping[name] not in columns:
                raise InputError(f"column {config.columns[name]!r} (orders.columns.{name}) not found "
                                 f"(found: {', '.join(sorted(columns))})", path=path)
            resolved[name] = mapping[name]
        else:
            resolved[name] = pick_column(columns, spec.fields.get(name, ()))
    missing = [n for n in spec.required if resolved[n] is None]
    if not any(resolved[n] for n in spec.one_of):
        missing.append(spec.one_of[0])
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (found: {', '.join(sorted(columns))}); "
            "map them with orders.columns in the preset",
            path=path,
        )
    return resolved


class RowReader:
    """Rows of one file -> :class:`Record` objects, by a spec and the resolved columns."""

    def __init__(self, spec: Spec, columns: dict[str, str | None], present: set[str]) -> None:
        self.spec = spec
        self.columns = columns
        statuses = [c for c in spec.status if c in present]
        if columns["status"] and columns["status"] not in statuses:
            statuses.insert(0, columns["status"])  # mapped by the preset
        self.statuses = statuses
        self.markers = [c for c in spec.markers if c in present]
        self.pairs = [(name, column) for name, column in columns.items()
                      if column and name not in ("timestamp", "order_id", "status", "channel")]

    def cancelled(self, row: dict[str, str]) -> bool:
        return any(
            (v := row.get(c, "")) and CANCELLED.search(v) and not NOT_CANCELLED.search(v) for c in self.statuses
        ) or any(row.get(c, "") for c in self.markers)

    def record(self, line: int, row: dict[str, str]) -> Record:
        if self.spec.empty:
            row = {k: ("" if v in self.spec.empty else v) for k, v in row.items()}
        columns = self.columns
        record = Record(line=line, stamp=row.get(columns["timestamp"] or "", ""),
                        order_id=row.get(columns["order_id"] or "", "") or None, cancelled=self.cancelled(row))
        for name, column in self.pairs:
            setattr(record, "name" if name == "product_name" else name, row.get(column, ""))
        channel = columns["channel"]
        if channel and self.spec.live_values and row.get(channel):
            record.channel = row[channel]
            record.live = record.channel.casefold() in self.spec.live_values
        return record

    def records(self, rows: Iterable[tuple[int, dict[str, str]]]) -> Iterator[Record]:
        first = True
        for line, row in rows:
            record = self.record(line, row)
            if first and self.spec.description_row:
                first = False
                if record.stamp and not any(ch.isdigit() for ch in record.stamp):
                    continue  # a row of column descriptions under the header (TikTok Shop)
            first = False
            yield record


GENERIC = Spec(
    name="generic",
    signatures=(),
    fields={
        "timestamp": ("timestamp", "time", "created at", "created time", "paid time", "order time", "order date",
                      "date", "datetime", "t s", "seconds", "processed at"),
        "sku": ("sku", "lineitem sku", "seller sku", "sku id", "product sku", "variant sku", "item sku"),
        "quantity": ("quantity", "qty", "lineitem quantity", "units", "item quantity"),
        "amount": ("amount", "revenue", "sku subtotal after discount", "line total", "line amount", "subtotal", "total",
                   "order amount"),
        "unit_price": ("lineitem price", "unit price", "price", "sku unit original price", "item price"),
        "order_id": ("order id", "order_id", "order number", "order no", "order", "id"),
        "status": ("status", "order status", "financial status", "payment status", "order substatus", "refund status"),
        "product_name": ("lineitem name", "product name", "item name", "product", "title", "product title"),
        "product_id": ("product id",),
        "variation": ("variation", "variant", "variant name"),
    },
    status=("status", "order status", "financial status", "payment status", "order substatus", "refund status"),
    markers=("cancelled at", "canceled at", "cancel reason", "cancelation/return type", "cancellation/return type",
             "cancel by", "cancelled time", "cancelled by"),
    required=("timestamp", "sku"),
    one_of=("sku",),
)
