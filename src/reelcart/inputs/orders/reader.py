"""The order log's one entry point, :func:`load_orders`: records from the export's reader, each matched
to a catalog product, put on the recording's clock, and kept or counted as left out (and why)."""

from __future__ import annotations

import math
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..catalog import parse_price
from ...config import OrdersConfig
from ...errors import ConfigError, InputError
from ...models import Catalog, OrderStats, RowProblem
from .matching import Ambiguous, ProductMatcher
from .platforms import ORDER_CONTEXT_SIZE, Source, open_orders
from .records import Record
from .summary import live_note, raise_if_unusable, summarise
from .table import KEPT, OUTSIDE, PROBLEM, UNKNOWN, Columns, OrderKeys, OrderTable
from .times import (NUMERIC_DATE, MinuteSpread, NoStreamStart, TimeParser, config_zone, decide_dayfirst, format_offset,
                    infer_offset, naive_seconds)

MAX_ORDER_LOG_BYTES = 256 * 2**20  # ~6 M rows (bench/bench_scale.py measures time and memory per size)
MAX_QUANTITY = 1_000_000
MAX_PROBLEMS = 20
MAX_UNKNOWN_SKUS = 50
MAX_AMBIGUOUS = 20
CLOCK_SAMPLE = 20_000  # order times looked at to decide day/month order and the shop's UTC offset


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


def _needs_sample(source: Source, config: OrdersConfig, stream_start: datetime | None) -> bool:
    """Whether the first time looks like one that needs the column looked at (a day/month order to
    decide, no UTC offset, written to the minute): most logs are read in one pass."""
    first = next((record.stamp for record in source() if record.stamp), "")
    if not first:
        return False
    if config.dayfirst is None and NUMERIC_DATE.match(first) or MinuteSpread.of([first]) is not None:
        return True
    return config.timezone is None and stream_start is not None and _first_is_naive([first], stream_start, config)


def _sample_stamps(source: Source) -> list[str]:
    stamps = []
    for record in source():
        if record.stamp:
            stamps.append(record.stamp)
            if len(stamps) >= CLOCK_SAMPLE:
                break
    return stamps


def _first_is_naive(stamps: list[str], stream_start: datetime, config: OrdersConfig) -> bool:
    parser = TimeParser(stream_start, timezone.utc, kind=config.time_format)
    for stamp in stamps[:20]:
        try:
            parser(stamp)
        except (ValueError, NoStreamStart):
            continue
        return parser.last_naive
    return False


def _minute_spread(source: Source, sample: list[str], parser: TimeParser, notes: list[str]) -> MinuteSpread | None:
    """Spread orders over their minute when every time is written to the minute."""
    if MinuteSpread.of(sample) is None:
        return None
    stamps = [record.stamp for record in source() if record.stamp]
    spread = MinuteSpread.of(stamps)
    if spread is None:
        return None
    try:
        spread.orient(parser.peek(stamps[0]), parser.peek(stamps[-1]))
    except (ValueError, NoStreamStart):
        return None
    notes.append("order times are written to the minute: each minute's orders are spread evenly over it, in file order")
    return spread


def plan_clock(source: Source, config: OrdersConfig, stream_start: datetime | None, duration_s: float,
               offset_s: float, path: Path) -> tuple[TimeParser, list[str]]:
    """The time parser for this log: its day/month order and, for times without a UTC offset and no
    ``orders.timezone``, the shop's offset found on the -12:00..+14:00 grid (15-minute steps)."""
    zone = config_zone(config.timezone)
    dayfirst, notes = config.dayfirst, []
    stamps = _sample_stamps(source) if _needs_sample(source, config, stream_start) else []
    if dayfirst is None and stamps and NUMERIC_DATE.match(stamps[0]):
        dayfirst, note = decide_dayfirst(stamps, stream_start, zone, duration_s)
        if note:
            notes.append(note)
    parser = TimeParser(stream_start, zone, kind=config.time_format, dayfirst=dayfirst, duration_s=duration_s)
    parser.spread = _minute_spread(source, stamps, parser, notes)
    if zone is not None or stream_start is None or not stamps or not _first_is_naive(stamps, stream_start, config):
        return parser, notes
    seconds = naive_seconds(stamps, stream_start, duration_s, kind=config.time_format, dayfirst=dayfirst) + offset_s
    default = parser.naive_zone.utcoffset(stream_start) or timedelta(0)
    found, candidates = infer_offset(seconds, duration_s, round(default.total_seconds() / 60))
    if found is not None:
        parser.naive_zone = timezone(timedelta(minutes=found))
        parser.zone_note = f"read as {format_offset(found)}, inferred: set orders.timezone to be explicit"
    elif candidates:
        contiguous = candidates[-1] - candidates[0] == 15 * (len(candidates) - 1)
        shown = (f"{format_offset(candidates[0])} to {format_offset(candidates[-1])}" if contiguous and len(candidates) > 2
                 else ", ".join(format_offset(m) for m in candidates[:8]) + (" ..." if len(candidates) > 8 else ""))
        raise InputError(f"order times carry no UTC offset and {len(candidates)} offsets put them inside the recording "
                         f"({shown}); set orders.timezone to the shop's time zone (e.g. Asia/Dubai)", path=path)
    return parser, notes


class _Reading:
    """The state of one pass over the records: what was kept, and what was left out and why."""

    def __init__(self, stats: OrderStats, matcher: ProductMatcher, parse_time: TimeParser, config: OrdersConfig,
                 duration_s: float, margin_s: float, offset_s: float, live_only: bool | str, path: Path) -> None:
        self.stats, self.matcher, self.parse_time = stats, matcher, parse_time
        self.duration_s, self.margin_s, self.offset_s, self.path = duration_s, margin_s, offset_s, path
        self.live_only = live_only
        self.kept = Columns()
        self.keys = OrderKeys()
        self.context: OrderedDict[str, tuple[str, bool]] = OrderedDict()  # order id -> (time, cancelled)
        self.unknown_rows = 0
        self.outside_s = (math.inf, -math.inf)
        self.live = self.other = 0
        self.channels: dict[str, int] = {}

    def take(self, record: Record) -> None:
        stats = self.stats
        stats.rows += record.rows
        stats.duplicates += record.duplicates
        order_id = record.order_id
        stamp, cancelled = record.stamp, record.cancelled
        if order_id is not None and order_id in self.context and not stamp:  # later line items of an order
            stamp, parent_cancelled = self.context[order_id]
            cancelled = cancelled or parent_cancelled
        elif order_id is not None and stamp:
            self.context[order_id] = (stamp, cancelled)
            if len(self.context) > ORDER_CONTEXT_SIZE:
                self.context.popitem(last=False)
        if cancelled:
            stats.cancelled += 1
            return
        if record.live is not None and not self._count_channel(record):
            return
        self._place(record, stamp, order_id)

    def _count_channel(self, record: Record) -> bool:
        """Counts the live / elsewhere split; False when the order is left out as not from the live."""
        if record.live:
            self.live += 1
            return True
        self.other += 1
        self.channels[record.channel] = self.channels.get(record.channel, 0) + 1
        if self.live_only is False:
            return True
        self.stats.not_live += 1
        return False

    def _place(self, record: Record, stamp: str, order_id: str | None) -> None:
        stats, line = self.stats, record.line
        try:
            found = self.matcher.match(record)
        except Ambiguous as exc:
            if exc.what in stats.ambiguous or len(stats.ambiguous) < MAX_AMBIGUOUS:
                stats.ambiguous[exc.what] = exc.candidates
            found = None
        shown = record.sku or record.sku_id or record.parent_sku
        if found is None and not shown:
            _problem(stats, line, f"empty sku (product name {record.name[:60]!r} is not in the catalog)" if record.name
                     else "empty sku")
            return
        try:
            t_s = self.parse_time(stamp) + self.offset_s
        except NoStreamStart:
            raise InputError(f"line {line}: order times are clock times but the stream start is unknown; "
                             "pass --stream-start or use a recording with a creation time", path=self.path) from None
        except ValueError as exc:
            _problem(stats, line, str(exc))
            return
        # Duplicates are found at the end, on 8-byte hashes of (order id, item): every row with an
        # order id notes its key and what became of it, and later copies of a key are undone then.
        key = hash((order_id, record.key_item())) if order_id else None
        try:
            quantity = _quantity(record.quantity)
        except ValueError as exc:
            _problem(stats, line, str(exc))
            self.keys.note(key, PROBLEM, line)
            return
        amount = parse_price(record.amount) if record.amount else None
        if amount is None and record.unit_price:
            unit = parse_price(record.unit_price)
            amount = unit * quantity if unit is not None else None
        if found is None:
            self._unknown(shown, key)
            return
        if t_s < -self.margin_s or t_s > self.duration_s + self.margin_s:
            stats.outside_recording += 1
            self.outside_s = (min(self.outside_s[0], t_s), max(self.outside_s[1], t_s))
            self.keys.note(key, OUTSIDE, 0)
            return
        self.keys.note(key, KEPT, len(self.kept))
        self.kept.append(t_s, found[0], quantity, amount, found[1])

    def _unknown(self, sku: str, key: int | None) -> None:
        stats = self.stats
        self.unknown_rows += 1
        if sku in stats.ambiguous:
            self.keys.note(key, UNKNOWN, -1)
        elif sku in stats.unknown_skus or len(stats.unknown_skus) < MAX_UNKNOWN_SKUS:
            stats.unknown_skus[sku] = stats.unknown_skus.get(sku, 0) + 1
            self.keys.note(key, UNKNOWN, self.keys.unknown_ref(sku))
        else:
            self.keys.note(key, UNKNOWN, -1)


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
    catalog: Catalog | None = None,
    more_paths: tuple[Path, ...] | list[Path] = (),
) -> OrderTable:
    """Read an order log; keep orders of catalog products between ``-margin_s`` and ``duration_s + margin_s``.

    ``catalog`` (or else ``known_skus`` and ``product_names``, normalized product name -> SKU)
    says which products exist; variants are matched to them (see :mod:`.matching`).
    ``more_paths``: further files of the same export (Taobao's ExportOrderDetailList).
    ``clock_offset_s`` overrides ``config.clock_offset_s`` (the clock-offset estimate uses it).
    """
    paths = [Path(path), *(Path(p) for p in more_paths)]
    for each in paths:
        if each.is_file() and each.stat().st_size > MAX_ORDER_LOG_BYTES:  # refused up front, before any memory is spent
            raise InputError(f"order log is {each.stat().st_size / 2**20:.0f} MB; reelcart reads at most "
                             f"{MAX_ORDER_LOG_BYTES // 2**20} MB (about 6 million rows): keep only the rows of this stream",
                             path=each)
    config_zone(config.timezone)  # an unknown zone is reported before the file is read
    matcher = ProductMatcher.from_catalog(catalog) if catalog is not None else \
        ProductMatcher.from_names(known_skus, product_names)
    offset = config.clock_offset_s if clock_offset_s is None else clock_offset_s
    fmt, source = open_orders(paths, config)
    parse_time, notes = plan_clock(source, config, stream_start, duration_s, offset, paths[0])
    return _read(source, fmt, notes, matcher, parse_time, config, duration_s, margin_s, offset, paths[0])


def _read(source: Source, fmt: str, notes: list[str], matcher: ProductMatcher, parse_time: TimeParser,
          config: OrdersConfig, duration_s: float, margin_s: float, offset_s: float, path: Path) -> OrderTable:
    stats = OrderStats(source=str(path.resolve()), format=fmt, notes=list(notes))
    reading = _Reading(stats, matcher, parse_time, config, duration_s, margin_s, offset_s, config.live_only, path)
    for record in source():
        reading.take(record)
    if config.live_only is True and not (reading.live or reading.other):
        raise ConfigError("orders.live_only is true but this export does not say which orders came from the live "
                          "(no TikTok Order Channel or Douyin 流量体裁 column)")
    if config.live_only == "auto" and stats.not_live and not reading.live:  # nothing from the live: count everything
        retry = config.model_copy(update={"live_only": False})
        parse_time.kinds_seen.clear()
        parse_time.naive_count = 0
        return _read(source, fmt, notes + ["no order came from the live: orders from every channel are counted"],
                     matcher, parse_time, retry, duration_s, margin_s, offset_s, path)
    if stats.rows == 0:
        raise InputError("order log has no rows", path=path)
    kept = reading.kept
    reading.unknown_rows -= reading.keys.undo_duplicates(stats, kept)
    raise_if_unusable(stats, path, len(kept), config, duration_s, reading.outside_s, parse_time)
    stats.orders_used = len(kept)
    stats.matched_by = kept.rule_counts()
    live_note(stats, reading.live, reading.other, reading.channels, config.live_only)
    summarise(stats, parse_time, reading.unknown_rows, config, duration_s, offset_s)
    return kept.table(stats, absolute_times=parse_time.absolute)
