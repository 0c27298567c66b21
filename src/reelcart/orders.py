"""Read order logs as shops export them and put every order on the recording's clock.

Formats: generic CSV / JSON array / JSONL (``timestamp, sku, quantity, amount, order_id``),
native Shopify and TikTok Shop exports (recognised by their headers), and any other export through
the preset's column mapping. Timestamps: ISO 8601 with any offset, other common date formats,
naive times in the preset's time zone, epoch seconds or milliseconds, or seconds from stream start.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from dateutil import parser as date_parser

from .catalog import parse_price
from .config import OrdersConfig
from .errors import ConfigError, InputError
from .models import OrderStats, RowProblem
from .tabular import normalize_column, pick_column, read_rows

FIELD_CANDIDATES: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "time", "created at", "created time", "paid time", "order time", "order date",
                  "date", "datetime", "t s", "seconds"),
    "sku": ("sku", "lineitem sku", "seller sku", "sku id", "product sku", "variant sku"),
    "quantity": ("quantity", "qty", "lineitem quantity", "units"),
    "amount": ("amount", "revenue", "total", "sku subtotal after discount", "order amount", "line total"),
    "unit_price": ("lineitem price", "unit price", "price", "sku unit original price"),
    "order_id": ("order id", "order_id", "name", "order number", "id"),
    "status": ("status", "order status", "financial status", "cancelled at", "cancel reason", "order substatus"),
}
FORMAT_SIGNATURES = {
    "shopify": {"lineitem sku", "created at"},
    "tiktok": {"seller sku", "created time"},
}
CANCELLED = re.compile(r"cancel|refund|void|return|fail|declin|unpaid|chargeback", re.I)
MAX_ORDER_LOG_BYTES = 256 * 2**20  # ~6 M rows; 1 M rows take ~650 MB RSS (bench/bench_scale.py)
MAX_PROBLEMS = 20
EPOCH_MS_MIN = 1e11
EPOCH_S_MIN = 1e8


@dataclass
class OrderTable:
    """Orders on the recording's clock, as columns (flat memory for million-row logs)."""

    t_s: np.ndarray
    sku: list[str]
    quantity: np.ndarray
    amount: np.ndarray  # NaN where unknown
    stats: OrderStats
    absolute_times: bool = False
    skus: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sku)


def _zone(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"orders.timezone: unknown time zone {name!r}") from exc


class TimeParser:
    """Turns one timestamp cell into seconds from stream start (or raises ValueError)."""

    def __init__(self, stream_start: datetime | None, naive_zone: tzinfo | None) -> None:
        self.stream_start = stream_start
        self.naive_zone = naive_zone or (stream_start.tzinfo if stream_start else None) or timezone.utc
        self.absolute = False

    def __call__(self, text: str) -> float:
        text = text.strip()
        if not text:
            raise ValueError("empty timestamp")
        number = _as_number(text)
        if number is not None:
            if not math.isfinite(number):
                raise ValueError(f"timestamp {text!r} is not a number")
            if number >= EPOCH_MS_MIN:
                return self._from_datetime(datetime.fromtimestamp(number / 1000, tz=timezone.utc))
            if number >= EPOCH_S_MIN:
                return self._from_datetime(datetime.fromtimestamp(number, tz=timezone.utc))
            return number  # seconds from stream start
        clock = re.fullmatch(r"(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)", text)
        if clock:  # H:MM:SS from stream start
            return int(clock.group(1)) * 3600 + int(clock.group(2)) * 60 + float(clock.group(3))
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                moment = date_parser.parse(text)
            except (ValueError, OverflowError) as exc:
                raise ValueError(f"unreadable timestamp {text[:40]!r}") from exc
        return self._from_datetime(moment)

    def _from_datetime(self, moment: datetime) -> float:
        if self.stream_start is None:
            raise _NoStreamStart()
        self.absolute = True
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.naive_zone)
        return (moment - self.stream_start).total_seconds()


class _NoStreamStart(Exception):
    pass


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def detect_format(columns: set[str]) -> str:
    for name, signature in FORMAT_SIGNATURES.items():
        if signature <= columns:
            return name
    return "generic"


def _resolve_columns(columns: set[str], config: OrdersConfig, path: Path) -> dict[str, str | None]:
    mapping = {k: normalize_column(v) for k, v in config.columns.items()}
    unknown_fields = set(mapping) - set(FIELD_CANDIDATES)
    if unknown_fields:
        raise ConfigError(f"orders.columns: unknown field(s) {', '.join(sorted(unknown_fields))}")
    resolved: dict[str, str | None] = {}
    for name, candidates in FIELD_CANDIDATES.items():
        if name in mapping:
            if mapping[name] not in columns:
                raise InputError(f"column {config.columns[name]!r} (orders.columns.{name}) not found", path=path)
            resolved[name] = mapping[name]
        else:
            resolved[name] = pick_column(columns, candidates)
    missing = [n for n in ("timestamp", "sku") if resolved[n] is None]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (found: {', '.join(sorted(columns))}); "
            "map them with orders.columns in the preset",
            path=path,
        )
    return resolved


def load_orders(
    path: Path,
    *,
    config: OrdersConfig,
    known_skus: set[str],
    duration_s: float,
    stream_start: datetime | None,
) -> OrderTable:
    path = Path(path)
    if path.is_file() and path.stat().st_size > MAX_ORDER_LOG_BYTES:  # refused up front, before any memory is spent
        raise InputError(f"order log is {path.stat().st_size / 2**20:.0f} MB; reelcart reads at most "
                         f"{MAX_ORDER_LOG_BYTES // 2**20} MB (about 6 million rows): keep only the rows of this stream", path=path)
    parse_time = TimeParser(stream_start, _zone(config.timezone))
    times: list[float] = []
    skus: list[str] = []
    quantities: list[int] = []
    amounts: list[float] = []
    seen_ids: set[tuple[str, str]] = set()
    stats: OrderStats | None = None
    columns: dict[str, str | None] = {}
    last_time_by_order: dict[str, str] = {}
    outside_s = (math.inf, -math.inf)
    for line, row in read_rows(path):
        if stats is None:
            present = set(row)
            columns = _resolve_columns(present, config, path)
            stats = OrderStats(source=str(path.resolve()), format=detect_format(present))
        stats.rows += 1

        def problem(text: str) -> None:
            stats.unreadable += 1
            if len(stats.problems) < MAX_PROBLEMS:
                stats.problems.append(RowProblem(line=line, problem=text))

        order_id = row.get(columns["order_id"] or "", "").strip() or None
        status = row.get(columns["status"] or "", "").strip()
        if status and CANCELLED.search(status):
            stats.cancelled += 1
            continue
        sku = row.get(columns["sku"] or "", "").strip()
        if not sku:
            problem("empty sku")
            continue
        stamp = row.get(columns["timestamp"] or "", "").strip()
        if not stamp and order_id and order_id in last_time_by_order:
            stamp = last_time_by_order[order_id]  # Shopify: later line items of an order leave it empty
        try:
            t_s = parse_time(stamp) + config.clock_offset_s
        except _NoStreamStart:
            raise InputError(
                f"line {line}: order times are clock times but the stream start is unknown; "
                "pass --stream-start or use a recording with a creation time",
                path=path,
            ) from None
        except ValueError as exc:
            problem(str(exc))
            continue
        if order_id:
            last_time_by_order[order_id] = stamp
            key = (order_id, sku)
            if key in seen_ids:
                stats.duplicates += 1
                continue
            seen_ids.add(key)
        qty_text = row.get(columns["quantity"] or "", "").strip()
        try:
            quantity = int(float(qty_text.replace(",", "."))) if qty_text else 1
        except ValueError:
            problem(f"unreadable quantity {qty_text[:20]!r}")
            continue
        if quantity <= 0:
            problem(f"quantity {quantity} is not positive")
            continue
        amount = parse_price(row.get(columns["amount"] or "", "")) if columns["amount"] else None
        if amount is None and columns["unit_price"]:
            unit = parse_price(row.get(columns["unit_price"] or "", ""))
            amount = unit * quantity if unit is not None else None
        if sku not in known_skus:
            stats.unknown_skus[sku] = stats.unknown_skus.get(sku, 0) + 1
            continue
        if t_s < 0 or t_s > duration_s:
            stats.outside_recording += 1
            outside_s = (min(outside_s[0], t_s), max(outside_s[1], t_s))
            continue
        times.append(t_s)
        skus.append(sku)
        quantities.append(quantity)
        amounts.append(float("nan") if amount is None else amount)
    if stats is None:
        raise InputError("order log has no rows", path=path)
    if stats.rows and stats.unreadable == stats.rows:
        first = stats.problems[0]
        raise InputError(f"no readable order rows (line {first.line}: {first.problem})", path=path)
    if stats.rows and not times:  # nothing usable: say why instead of making zero reels
        if stats.outside_recording:
            low, high = outside_s
            hint = ("; these look like Excel serial dates: export the times as ISO 8601 date-times"
                    if not parse_time.absolute and 20000 <= low <= high <= 80000 else "")
            raise InputError(f"no order time lies inside the recording (0-{duration_s:.0f} s); order times run from "
                             f"{low:.0f} to {high:.0f} s{hint}", path=path)
        if stats.unknown_skus:
            unknown = ", ".join(sorted(stats.unknown_skus)[:5])
            raise InputError(f"no order names a SKU of the catalog (unknown SKU: {unknown})", path=path)
    stats.orders_used = len(times)
    order = np.argsort(np.asarray(times, dtype=np.float64), kind="stable")
    return OrderTable(
        t_s=np.asarray(times, dtype=np.float64)[order],
        sku=[skus[i] for i in order],
        quantity=np.asarray(quantities, dtype=np.int64)[order],
        amount=np.asarray(amounts, dtype=np.float64)[order],
        stats=stats,
        absolute_times=parse_time.absolute,
        skus=sorted(set(skus)),
    )


def describe_offset(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))
