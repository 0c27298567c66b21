"""Read order logs as shops export them and put every order on the recording's clock.

Formats: generic CSV / TSV / JSON array / JSONL / Excel workbook (``timestamp, sku, quantity,
amount, order_id``), native Shopify and TikTok Shop exports (recognised by their headers), and any
other export through the preset's column mapping (``orders.columns``).

Timestamps: ISO 8601 with any UTC offset (offsets may differ row to row), other common date
formats (``11/20/2026 7:10:00 PM``, ``20.11.2026 19:10``; day/month order detected from the whole
column), naive times in the preset's time zone, epoch seconds or milliseconds, Excel serial day
numbers, or seconds / ``H:MM:SS`` from stream start. Decimal commas are read in numbers.

Nothing is dropped silently: duplicates, cancelled/refunded orders, orders outside the recording,
unknown SKUs and unreadable rows (with their line numbers) are counted in :class:`OrderStats`.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from dateutil import parser as date_parser

from .catalog import parse_price
from ..config import OrdersConfig
from ..errors import ConfigError, InputError
from ..models import OrderStats, RowProblem
from .tabular import normalize_column, pick_column, read_rows

FIELD_CANDIDATES: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "time", "created at", "created time", "paid time", "order time", "order date",
                  "date", "datetime", "t s", "seconds", "processed at"),
    "sku": ("sku", "lineitem sku", "seller sku", "sku id", "product sku", "variant sku", "item sku"),
    "quantity": ("quantity", "qty", "lineitem quantity", "units", "item quantity"),
    "amount": ("amount", "revenue", "sku subtotal after discount", "line total", "line amount", "subtotal", "total",
               "order amount"),
    "unit_price": ("lineitem price", "unit price", "price", "sku unit original price", "item price"),
    "order_id": ("order id", "order_id", "name", "order number", "order no", "order", "id"),
    "status": ("status", "order status", "financial status", "payment status", "order substatus", "refund status"),
    "product_name": ("lineitem name", "product name", "item name", "product", "title", "product title"),
}
# columns whose mere presence of a value marks the order as cancelled / returned
CANCEL_MARKERS = ("cancelled at", "canceled at", "cancel reason", "cancelation/return type", "cancellation/return type",
                  "cancel by", "cancelled time", "cancelled by")
FORMAT_SIGNATURES = {
    "shopify": {"lineitem sku", "created at"},
    "tiktok": {"seller sku", "created time"},
}
CANCELLED = re.compile(r"cancel|refund|void|return|chargeback", re.I)
NOT_CANCELLED = re.compile(r"partial", re.I)
MAX_ORDER_LOG_BYTES = 256 * 2**20  # ~6 M rows (bench/bench_scale.py measures time and memory per size)
ORDER_CONTEXT_SIZE = 4096  # recent orders whose later line items may leave the time empty (Shopify)
TIME_CACHE_SIZE = 20_000
MAX_QUANTITY = 1_000_000
MAX_PROBLEMS = 20
MAX_UNKNOWN_SKUS = 50
EPOCH_MS_MIN = 1e11
EPOCH_S_MIN = 1e8
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_MIN, EXCEL_MAX = 20_000.0, 100_000.0  # 1954 .. 2173
EXCEL_NEAR_S = 7 * 86400.0  # an Excel serial must land this close to the stream start
NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{2,4})\b")
DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
TIME_FORMATS = ("auto", "clock", "epoch_s", "epoch_ms", "excel", "stream_s")


@dataclass
class OrderTable:
    """Orders on the recording's clock, as compact columns sorted by time.

    A million orders take 24 MB: times, quantities and amounts are numpy arrays and each
    order's SKU is a small integer code into ``skus`` (the SKUs that sold, sorted).
    """

    t_s: np.ndarray
    sku_code: np.ndarray  # int32 index into ``skus``
    quantity: np.ndarray
    amount: np.ndarray  # NaN where unknown
    stats: OrderStats
    absolute_times: bool = False
    skus: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, t_s: np.ndarray, sku: list[str], quantity: np.ndarray, amount: np.ndarray, stats: OrderStats,
           absolute_times: bool = False) -> OrderTable:
        """A table from one SKU name per order (tests and small tables)."""
        skus = sorted(set(sku))
        index = {name: i for i, name in enumerate(skus)}
        codes = np.fromiter((index[name] for name in sku), dtype=np.int32, count=len(sku))
        return cls(np.asarray(t_s, dtype=np.float64), codes, np.asarray(quantity), np.asarray(amount, dtype=np.float64),
                   stats, absolute_times, skus)

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def sku(self) -> list[str]:
        """Each order's SKU name (a list as long as the table: for tests and small tables)."""
        return [self.skus[code] for code in self.sku_code.tolist()]

    def mask(self, sku: str) -> np.ndarray:
        """Which orders are of ``sku``."""
        try:
            code = self.skus.index(sku)
        except ValueError:
            return np.zeros(len(self), dtype=bool)
        return self.sku_code == code

    def shifted(self, offset_s: float) -> OrderTable:
        """The same orders with ``offset_s`` added to every time (no re-filtering)."""
        return OrderTable(self.t_s + offset_s, self.sku_code, self.quantity, self.amount, self.stats, self.absolute_times,
                          self.skus)


def _zone(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"orders.timezone: unknown time zone {name!r}") from exc


class _NoStreamStart(Exception):
    pass


def _as_number(text: str) -> float | None:
    text = text.strip()
    if DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


class TimeParser:
    """Turns one timestamp cell into seconds from stream start (or raises ValueError).

    ``kind`` forces an interpretation of numbers/dates (``orders.time_format``); ``auto`` decides per
    cell: numbers >= 1e11 are epoch ms, >= 1e8 epoch s, Excel serials near the stream start are
    dates, other numbers are seconds from stream start; text is an ISO or other date format.
    """

    def __init__(
        self,
        stream_start: datetime | None,
        naive_zone: tzinfo | None,
        *,
        kind: str = "auto",
        dayfirst: bool | None = None,
        duration_s: float = math.inf,
    ) -> None:
        self.stream_start = stream_start
        self.zone_configured = naive_zone is not None
        self.naive_zone = naive_zone or (stream_start.tzinfo if stream_start else None) or timezone.utc
        self.kind = kind
        self.dayfirst = dayfirst
        self.duration_s = duration_s
        self.absolute = False
        self.naive_count = 0
        self.kinds_seen: dict[str, int] = {}
        self._cache: dict[str, tuple[float, str, bool]] = {}

    def __call__(self, text: str) -> float:
        text = text.strip()
        if not text:
            raise ValueError("empty timestamp")
        hit = self._cache.get(text)
        if hit is None:
            hit = self._parse(text)
            if len(self._cache) < TIME_CACHE_SIZE:
                self._cache[text] = hit
        seconds, kind, naive = hit
        self.kinds_seen[kind] = self.kinds_seen.get(kind, 0) + 1
        if kind != "stream seconds":
            self.absolute = True
        if naive:
            self.naive_count += 1
        return seconds

    def _parse(self, text: str) -> tuple[float, str, bool]:
        number = _as_number(text)
        if number is not None:
            return self._number(number, text)
        if self.kind in ("epoch_s", "epoch_ms", "excel", "stream_s"):
            raise ValueError(f"timestamp {text[:40]!r} is not a number (orders.time_format is {self.kind})")
        clock = re.fullmatch(r"(\d+):([0-5]\d):([0-5]\d(?:[.,]\d+)?)", text)
        if clock and self.kind != "clock":  # H:MM:SS from stream start
            seconds = int(clock.group(1)) * 3600 + int(clock.group(2)) * 60 + float(clock.group(3).replace(",", "."))
            return seconds, "stream seconds", False
        moment = self._date(text)
        return self._from_datetime(moment), "date", moment.tzinfo is None

    def _number(self, number: float, text: str) -> tuple[float, str, bool]:
        if not math.isfinite(number):
            raise ValueError(f"timestamp {text!r} is not a number")
        kind = self.kind
        if kind == "auto":
            if number >= EPOCH_MS_MIN:
                kind = "epoch_ms"
            elif number >= EPOCH_S_MIN:
                kind = "epoch_s"
            elif EXCEL_MIN <= number < EXCEL_MAX and self._excel_plausible(number):
                kind = "excel"
            else:
                kind = "stream_s"
        if kind == "epoch_ms":
            return self._from_datetime(datetime.fromtimestamp(number / 1000, tz=timezone.utc)), "epoch milliseconds", False
        if kind == "epoch_s":
            return self._from_datetime(datetime.fromtimestamp(number, tz=timezone.utc)), "epoch seconds", False
        if kind == "excel":
            moment = EXCEL_EPOCH + timedelta(days=number)
            return self._from_datetime(moment), "Excel serial date", True
        return number, "stream seconds", False

    def _excel_plausible(self, number: float) -> bool:
        if self.stream_start is None:
            if not self.kinds_seen and number > self.duration_s and not float(number).is_integer():
                raise _NoStreamStart()  # the log opens with an Excel date, most likely: it needs the stream start
            return False
        moment = (EXCEL_EPOCH + timedelta(days=number)).replace(tzinfo=self.naive_zone)
        return abs((moment - self.stream_start).total_seconds()) <= EXCEL_NEAR_S

    def _date(self, text: str) -> datetime:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            pass
        dayfirst = self.dayfirst
        if dayfirst is None:
            match = NUMERIC_DATE.match(text)
            dayfirst = bool(match and match.group(2) in ".-")
        try:
            return date_parser.parse(text, dayfirst=dayfirst)
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"unreadable timestamp {text[:40]!r}") from exc

    def _from_datetime(self, moment: datetime) -> float:
        if self.stream_start is None:
            raise _NoStreamStart()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.naive_zone)
        return (moment - self.stream_start).total_seconds()


def detect_format(columns: set[str]) -> str:
    for name, signature in FORMAT_SIGNATURES.items():
        if signature <= columns:
            return name
    return "generic"


def _resolve_columns(columns: set[str], config: OrdersConfig, path: Path, fmt: str = "generic") -> dict[str, str | None]:
    mapping = {k: normalize_column(v) for k, v in config.columns.items()}
    unknown_fields = set(mapping) - set(FIELD_CANDIDATES)
    if unknown_fields:
        raise ConfigError(f"orders.columns: unknown field(s) {', '.join(sorted(unknown_fields))} "
                          f"(known: {', '.join(FIELD_CANDIDATES)})")
    resolved: dict[str, str | None] = {}
    for name, candidates in FIELD_CANDIDATES.items():
        if name in mapping:
            if mapping[name] not in columns:
                raise InputError(f"column {config.columns[name]!r} (orders.columns.{name}) not found "
                                 f"(found: {', '.join(sorted(columns))})", path=path)
            resolved[name] = mapping[name]
        else:
            resolved[name] = pick_column(columns, candidates)
    if "order_id" not in mapping and resolved["order_id"] == "name" and fmt != "shopify":
        resolved["order_id"] = None  # outside Shopify exports, "name" is more likely the product's name
    if fmt == "shopify" and "amount" not in mapping:
        resolved["amount"] = None  # Shopify's Total/Subtotal are per order: use Lineitem price x quantity
    missing = [n for n in ("timestamp", "sku") if resolved[n] is None]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (found: {', '.join(sorted(columns))}); "
            "map them with orders.columns in the preset",
            path=path,
        )
    return resolved


def _status_columns(columns: set[str], resolved: dict[str, str | None]) -> tuple[list[str], list[str]]:
    statuses = [c for c in FIELD_CANDIDATES["status"] if c in columns]
    if resolved.get("status") and resolved["status"] not in statuses:
        statuses.insert(0, resolved["status"])  # mapped by the preset
    markers = [c for c in CANCEL_MARKERS if c in columns]
    return statuses, markers


def _decide_dayfirst(path: Path, column: str, stream_start: datetime | None, zone: tzinfo | None,
                     duration_s: float) -> tuple[bool | None, str | None]:
    """Day/month order of a column of ``11/05/2026``-style dates, from the whole column."""
    samples: list[str] = []
    day_evidence = month_evidence = 0
    separator = "/"
    for _, row in read_rows(path):
        match = NUMERIC_DATE.match(row.get(column, ""))
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(3))
        separator = match.group(2)
        day_evidence += first > 12
        month_evidence += second > 12
        if len(samples) < 2000:
            samples.append(row[column])
    if not samples:
        return None, None
    if day_evidence and not month_evidence:
        return True, "dates read as day/month/year (a day above 12 came first)"
    if month_evidence and not day_evidence:
        return False, "dates read as month/day/year (a day above 12 came second)"
    if day_evidence and month_evidence:
        choice = day_evidence >= month_evidence
        order = "day/month/year" if choice else "month/day/year"
        return choice, f"dates mix day/month orders; read as {order} (the majority), others reported as unreadable"
    # every date is ambiguous: take the order that puts more orders inside the recording
    if stream_start is not None:
        inside = {}
        for choice in (False, True):
            parser = TimeParser(stream_start, zone, dayfirst=choice)
            count = 0
            for text in samples:
                try:
                    count += -3600 <= parser(text) <= duration_s + 3600
                except (ValueError, _NoStreamStart):
                    pass
            inside[choice] = count
        if inside[True] != inside[False]:
            choice = inside[True] > inside[False]
            order = "day/month/year" if choice else "month/day/year"
            return choice, f"dates are ambiguous; read as {order} (it puts more orders inside the recording)"
    choice = separator in ".-"
    order = "day/month/year" if choice else "month/day/year"
    return choice, f"dates are ambiguous; read as {order} (set orders.dayfirst to change)"


def _problem(stats: OrderStats, line: int, text: str) -> None:
    stats.unreadable += 1
    if len(stats.problems) < MAX_PROBLEMS:
        stats.problems.append(RowProblem(line=line, problem=text))


def _quantity(text: str) -> int:
    if not text:
        return 1
    value = parse_price(text)
    if value is None:
        raise ValueError(f"unreadable quantity {text[:20]!r}")
    if value != value or value <= 0:
        raise ValueError(f"quantity {text[:20]} is not positive")
    if value > MAX_QUANTITY:
        raise ValueError(f"quantity {text[:20]} is implausible (more than {MAX_QUANTITY:,} units in one line)")
    return max(1, int(round(value)))


def load_orders(
    path: Path,
    *,
    config: OrdersConfig,
    known_skus: set[str],
    duration_s: float,
    stream_start: datetime | None,
    product_names: dict[str, str] | None = None,
    margin_s: float = 0.0,
    clock_offset_s: float | None = None,
) -> OrderTable:
    """Read an order log; keep orders of catalog SKUs between ``-margin_s`` and ``duration_s + margin_s``.

    ``product_names`` (normalized product name -> SKU) rescues rows whose SKU cell is empty or
    unknown but whose product-name cell names a catalog product. ``clock_offset_s`` overrides
    ``config.clock_offset_s`` (the clock-offset estimate uses it).
    """
    path = Path(path)
    if path.is_file() and path.stat().st_size > MAX_ORDER_LOG_BYTES:  # refused up front, before any memory is spent
        raise InputError(f"order log is {path.stat().st_size / 2**20:.0f} MB; reelcart reads at most "
                         f"{MAX_ORDER_LOG_BYTES // 2**20} MB (about 6 million rows): keep only the rows of this stream", path=path)
    zone = _zone(config.timezone)
    offset = config.clock_offset_s if clock_offset_s is None else clock_offset_s
    kept = _Columns()
    keys = _OrderKeys()
    stats: OrderStats | None = None
    columns: dict[str, str | None] = {}
    statuses: list[str] = []
    markers: list[str] = []
    # order id -> (timestamp, cancelled) of the most recent orders, for Shopify's later line items
    order_context: OrderedDict[str, tuple[str, bool]] = OrderedDict()
    parse_time: TimeParser | None = None
    first_data_line = True
    unknown_rows = 0
    outside_s = (math.inf, -math.inf)  # range of the order times outside the recording
    for line, row in read_rows(path):
        if stats is None:
            present = set(row)
            fmt = detect_format(present)
            columns = _resolve_columns(present, config, path, fmt)
            statuses, markers = _status_columns(present, columns)
            stats = OrderStats(source=str(path.resolve()), format=fmt)
            dayfirst, note = config.dayfirst, None
            if dayfirst is None and NUMERIC_DATE.match(row.get(columns["timestamp"] or "", "")):
                dayfirst, note = _decide_dayfirst(path, columns["timestamp"] or "", stream_start, zone, duration_s)
            if note:
                stats.notes.append(note)
            parse_time = TimeParser(stream_start, zone, kind=config.time_format, dayfirst=dayfirst, duration_s=duration_s)
        assert parse_time is not None
        if first_data_line:
            first_data_line = False
            stamp = row.get(columns["timestamp"] or "", "")
            if stats.format == "tiktok" and stamp and not any(ch.isdigit() for ch in stamp):
                continue  # TikTok Shop exports carry a row of column descriptions under the header
        stats.rows += 1
        order_id = row.get(columns["order_id"] or "", "").strip() or None
        stamp = row.get(columns["timestamp"] or "", "").strip()
        cancelled = any(
            (v := row.get(c, "").strip()) and CANCELLED.search(v) and not NOT_CANCELLED.search(v) for c in statuses
        ) or any(row.get(c, "").strip() for c in markers)
        inherited = order_id is not None and order_id in order_context and not stamp
        if inherited:  # Shopify: later line items of an order leave the order's fields empty
            stamp, parent_cancelled = order_context[order_id]
            cancelled = cancelled or parent_cancelled
        elif order_id is not None and stamp:
            order_context[order_id] = (stamp, cancelled)
            if len(order_context) > ORDER_CONTEXT_SIZE:
                order_context.popitem(last=False)
        if cancelled:
            stats.cancelled += 1
            continue
        sku = row.get(columns["sku"] or "", "").strip()
        if (not sku or sku not in known_skus) and product_names and columns["product_name"]:
            named = product_names.get(" ".join(row.get(columns["product_name"], "").casefold().split()))
            if named:
                sku = named
        if not sku:
            _problem(stats, line, "empty sku")
            continue
        try:
            t_s = parse_time(stamp) + offset
        except _NoStreamStart:
            raise InputError(
                f"line {line}: order times are clock times but the stream start is unknown; "
                "pass --stream-start or use a recording with a creation time",
                path=path,
            ) from None
        except ValueError as exc:
            _problem(stats, line, str(exc))
            continue
        # Duplicates are found at the end, on 8-byte hashes of (order id, SKU): every row with an
        # order id notes its key and what became of it, and later copies of a key are undone then.
        key = hash((order_id, sku)) if order_id else None
        try:
            quantity = _quantity(row.get(columns["quantity"] or "", "").strip())
        except ValueError as exc:
            _problem(stats, line, str(exc))
            keys.note(key, _PROBLEM, line)
            continue
        amount = parse_price(row.get(columns["amount"] or "", "")) if columns["amount"] else None
        if amount is None and columns["unit_price"]:
            unit = parse_price(row.get(columns["unit_price"] or "", ""))
            amount = unit * quantity if unit is not None else None
        if sku not in known_skus:
            unknown_rows += 1
            if sku in stats.unknown_skus or len(stats.unknown_skus) < MAX_UNKNOWN_SKUS:
                stats.unknown_skus[sku] = stats.unknown_skus.get(sku, 0) + 1
                keys.note(key, _UNKNOWN, keys.unknown_ref(sku))
            else:
                keys.note(key, _UNKNOWN, -1)
            continue
        if t_s < -margin_s or t_s > duration_s + margin_s:
            stats.outside_recording += 1
            outside_s = (min(outside_s[0], t_s), max(outside_s[1], t_s))
            keys.note(key, _OUTSIDE, 0)
            continue
        keys.note(key, _KEPT, len(kept))
        kept.append(t_s, sku, quantity, amount)
    if stats is None:
        raise InputError("order log has no rows", path=path)
    unknown_rows -= keys.undo_duplicates(stats, kept)
    del keys
    if stats.rows and stats.unreadable == stats.rows:
        first = stats.problems[0]
        raise InputError(f"no readable order rows (line {first.line}: {first.problem})", path=path)
    if stats.rows and not len(kept) and not config.estimate_clock_offset:  # nothing usable: say why, not zero reels
        if stats.outside_recording:
            low, high = outside_s
            hint = ("; these look like Excel serial dates: export the times as ISO 8601 date-times"
                    if parse_time is not None and not parse_time.absolute and 20000 <= low <= high <= 80000 else
                    "; check --stream-start, or set orders.clock_offset_s (or orders.estimate_clock_offset: true)")
            raise InputError(f"no order time lies inside the recording (0-{duration_s:.0f} s); order times run from "
                             f"{low:.0f} to {high:.0f} s{hint}", path=path)
        if stats.unknown_skus:
            unknown = ", ".join(sorted(stats.unknown_skus)[:5])
            raise InputError(f"no order names a SKU of the catalog (unknown SKU: {unknown})", path=path)
    stats.orders_used = len(kept)
    _summarise(stats, parse_time, unknown_rows, config, duration_s, offset)
    return kept.table(stats, absolute_times=parse_time.absolute if parse_time else False)


class _Columns:
    """The kept orders, appended as packed machine values (no Python object per order)."""

    def __init__(self) -> None:
        self.t_s = array("d")
        self.code = array("i")
        self.quantity = array("i")
        self.amount = array("d")
        self.codes: dict[str, int] = {}
        self.alive: np.ndarray | None = None  # set when duplicates were removed

    def __len__(self) -> int:
        return len(self.t_s) if self.alive is None else int(np.count_nonzero(self.alive))

    def append(self, t_s: float, sku: str, quantity: int, amount: float | None) -> None:
        code = self.codes.get(sku)
        if code is None:
            code = self.codes[sku] = len(self.codes)
        self.t_s.append(t_s)
        self.code.append(code)
        self.quantity.append(quantity)
        self.amount.append(math.nan if amount is None else amount)

    def table(self, stats: OrderStats, absolute_times: bool) -> OrderTable:
        """The kept orders sorted by time; each packed column is released as soon as it is copied."""
        t_s = self._take("t_s", np.float64, None)
        order = np.argsort(t_s, kind="stable")
        t_s = t_s[order]
        code = self._take("code", np.int32, order)
        names = sorted(self.codes)
        renumber = np.zeros(len(self.codes), dtype=np.int32)  # first-seen code -> code in sorted order
        for rank, name in enumerate(names):
            renumber[self.codes[name]] = rank
        return OrderTable(t_s=t_s, sku_code=renumber[code] if len(code) else code,
                          quantity=self._take("quantity", np.int32, order), amount=self._take("amount", np.float64, order),
                          stats=stats, absolute_times=absolute_times, skus=names)

    def _take(self, name: str, dtype: type, order: np.ndarray | None) -> np.ndarray:
        packed = getattr(self, name)
        setattr(self, name, array(packed.typecode))
        column = np.frombuffer(packed, dtype=dtype) if len(packed) else np.zeros(0, dtype=dtype)
        if self.alive is not None:
            column = column[self.alive]
        return column[order] if order is not None else column.copy()


_KEPT, _PROBLEM, _UNKNOWN, _OUTSIDE = range(4)


class _OrderKeys:
    """Rows with an order id: the key's hash, what became of the row, and a reference to undo it.

    A later row with the same (order id, SKU) is a duplicate: whatever was counted for it is taken
    back and it is counted as a duplicate instead, so the first copy alone counts, as if the copies
    had been skipped while reading. 17 bytes per row, not a set of Python strings.
    """

    def __init__(self) -> None:
        self.hash = array("q")
        self.outcome = array("b")
        self.ref = array("q")  # kept: row index; problem: line; unknown: index into unknown names
        self.unknown_names: dict[str, int] = {}

    def note(self, key: int | None, outcome: int, ref: int) -> None:
        if key is None:
            return
        self.hash.append(key)
        self.outcome.append(outcome)
        self.ref.append(ref)

    def unknown_ref(self, sku: str) -> int:
        return self.unknown_names.setdefault(sku, len(self.unknown_names))

    def undo_duplicates(self, stats: OrderStats, kept: _Columns) -> int:
        """Count and undo the later copies of every key; returns how many unknown-SKU rows were undone."""
        if not self.hash:
            return 0
        hashes = np.frombuffer(self.hash, dtype=np.int64)
        by_key = np.argsort(hashes, kind="stable")  # equal keys stay in file order: the first copy leads
        in_order = hashes[by_key]
        repeats = np.flatnonzero(in_order[1:] == in_order[:-1]) + 1
        del in_order
        if not len(repeats):
            return 0
        later = np.zeros(len(hashes), dtype=bool)
        later[by_key[repeats]] = True
        del by_key, repeats
        outcome = np.frombuffer(self.outcome, dtype=np.int8)[later]
        ref = np.frombuffer(self.ref, dtype=np.int64)[later]
        stats.duplicates += int(later.sum())
        kept_rows = ref[outcome == _KEPT]
        if len(kept_rows):
            kept.alive = np.ones(len(kept.t_s), dtype=bool)
            kept.alive[kept_rows] = False
        problem_lines = set(ref[outcome == _PROBLEM].tolist())
        stats.unreadable -= int((outcome == _PROBLEM).sum())
        stats.problems = [p for p in stats.problems if p.line not in problem_lines]
        stats.outside_recording -= int((outcome == _OUTSIDE).sum())
        names = {i: name for name, i in self.unknown_names.items()}
        for index in ref[(outcome == _UNKNOWN) & (ref >= 0)].tolist():
            name = names[index]
            stats.unknown_skus[name] -= 1
            if not stats.unknown_skus[name]:
                del stats.unknown_skus[name]
        return int((outcome == _UNKNOWN).sum())


def _summarise(stats: OrderStats, parser: TimeParser | None, unknown_rows: int, config: OrdersConfig,
               duration_s: float, offset_s: float) -> None:
    """Plain-language notes on how the log was read and what was left out."""
    notes = stats.notes
    if parser is not None and parser.kinds_seen:
        kinds = ", ".join(f"{k} ({n})" for k, n in sorted(parser.kinds_seen.items(), key=lambda kv: -kv[1]))
        notes.append(f"timestamps read as: {kinds}")
        if parser.naive_count:
            zone = config.timezone or getattr(parser.naive_zone, "key", None) or str(parser.naive_zone)
            source = "orders.timezone" if parser.zone_configured else "the stream start's offset; set orders.timezone if wrong"
            notes.append(f"{parser.naive_count} timestamps had no UTC offset; read in {zone} ({source})")
    if offset_s:
        notes.append(f"clock offset {offset_s:+.1f} s added to every order time")
    considered = stats.orders_used + stats.outside_recording
    if stats.outside_recording:
        share = stats.outside_recording / max(1, considered)
        hint = ("; that is most of them: if unexpected, check --stream-start, orders.timezone or "
                "orders.clock_offset_s" if share > 0.5 else "")
        notes.append(f"{stats.outside_recording} orders fall outside the recording (0-{duration_s:.0f} s){hint}")
    if unknown_rows:
        shown = ", ".join(f"{k} ({v})" for k, v in sorted(stats.unknown_skus.items(), key=lambda kv: -kv[1])[:8])
        notes.append(f"{unknown_rows} orders name SKUs that are not in the catalog: {shown}")
    if stats.unreadable:
        first = stats.problems[0]
        notes.append(f"{stats.unreadable} rows could not be read (first: line {first.line}: {first.problem})")


def describe_offset(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))
