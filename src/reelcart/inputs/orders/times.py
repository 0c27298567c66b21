"""Order timestamps on the recording's clock: one cell at a time (:class:`TimeParser`), the day/month
order of a whole column, and the shop's UTC offset when the times carry none (:func:`infer_offset`)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from dateutil import parser as date_parser

from ...errors import ConfigError

TIME_CACHE_SIZE = 20_000
EPOCH_MS_MIN = 1e11
EPOCH_S_MIN = 1e8
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_MIN, EXCEL_MAX = 20_000.0, 100_000.0  # 1954 .. 2173
EXCEL_NEAR_S = 7 * 86400.0  # an Excel serial must land this close to the stream start
NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{2,4})\b")
DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def config_zone(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"orders.timezone: unknown time zone {name!r}") from exc


class NoStreamStart(Exception):
    """Clock times need the stream start, which is unknown."""


def as_number(text: str) -> float | None:
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
        self.last_naive = False
        self.zone_note: str | None = None  # how the zone of naive times was chosen, when it was inferred
        self.spread: MinuteSpread | None = None  # times written to the minute: spread over it
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
        if self.spread is not None and kind == "date":
            seconds += self.spread(text)
        self.kinds_seen[kind] = self.kinds_seen.get(kind, 0) + 1
        if kind != "stream seconds":
            self.absolute = True
        self.last_naive = naive
        if naive:
            self.naive_count += 1
        return seconds

    def peek(self, text: str) -> float:
        """Seconds from the stream start of one cell, without counting it."""
        return self._parse(text.strip())[0]

    def _parse(self, text: str) -> tuple[float, str, bool]:
        number = as_number(text)
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
        try:
            if kind == "epoch_ms":
                return self._from_datetime(datetime.fromtimestamp(number / 1000, tz=timezone.utc)), "epoch milliseconds", False
            if kind == "epoch_s":
                return self._from_datetime(datetime.fromtimestamp(number, tz=timezone.utc)), "epoch seconds", False
            if kind == "excel":
                moment = EXCEL_EPOCH + timedelta(days=number)
                return self._from_datetime(moment), "Excel serial date", True
        except (OverflowError, OSError, ValueError) as exc:  # beyond the years a datetime holds
            raise ValueError(f"timestamp {text[:40]!r} is out of range as {kind.replace('_', ' ')}") from exc
        return number, "stream seconds", False

    def _excel_plausible(self, number: float) -> bool:
        if self.stream_start is None:
            if not self.kinds_seen and number > self.duration_s and not float(number).is_integer():
                raise NoStreamStart()  # the log opens with an Excel date, most likely: it needs the stream start
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
            raise NoStreamStart()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.naive_zone)
        return (moment - self.stream_start).total_seconds()


def decide_dayfirst(cells: list[str], stream_start: datetime | None, zone: tzinfo | None,
                    duration_s: float) -> tuple[bool | None, str | None]:
    """Day/month order of a column of ``11/05/2026``-style dates, from the whole column."""
    samples: list[str] = []
    day_evidence = month_evidence = 0
    separator = "/"
    for cell in cells:
        match = NUMERIC_DATE.match(cell)
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(3))
        separator = match.group(2)
        day_evidence += first > 12
        month_evidence += second > 12
        if len(samples) < 2000:
            samples.append(cell)
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
                except (ValueError, NoStreamStart):
                    pass
            inside[choice] = count
        if inside[True] != inside[False]:
            choice = inside[True] > inside[False]
            order = "day/month/year" if choice else "month/day/year"
            return choice, f"dates are ambiguous; read as {order} (it puts more orders inside the recording)"
    choice = separator in ".-"
    order = "day/month/year" if choice else "month/day/year"
    return choice, f"dates are ambiguous; read as {order} (set orders.dayfirst to change)"


OFFSET_GRID_MIN = tuple(range(-12 * 60, 14 * 60 + 1, 15))  # the UTC offsets in use, -12:00 .. +14:00


def format_offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def naive_seconds(cells: list[str], stream_start: datetime, duration_s: float, *, kind: str,
                  dayfirst: bool | None) -> np.ndarray:
    """Seconds from the stream start of the cells that carry no UTC offset, read as if in UTC."""
    parser = TimeParser(stream_start, timezone.utc, kind=kind, dayfirst=dayfirst, duration_s=duration_s)
    seconds = []
    for cell in cells:
        try:
            value = parser(cell)
        except (ValueError, NoStreamStart):
            continue
        if parser.last_naive:
            seconds.append(value)
    return np.sort(np.asarray(seconds, dtype=np.float64))


def infer_offset(seconds: np.ndarray, duration_s: float, default_offset_min: int) -> tuple[int | None, list[int]]:
    """The UTC offset (minutes) that puts these naive order times inside the recording.

    Returns ``(None, [])`` when the default offset (the stream start's) serves at least half as
    well as the best one (nothing to infer), ``(offset, [offset])`` when exactly one offset on the
    15-minute grid fits best, and ``(None, candidates)`` when several fit equally well.
    """
    if not len(seconds):
        return None, []

    def inside(minutes: int) -> int:
        low, high = minutes * 60.0, minutes * 60.0 + duration_s
        return int(np.searchsorted(seconds, high, side="right") - np.searchsorted(seconds, low, side="left"))

    counts = {minutes: inside(minutes) for minutes in OFFSET_GRID_MIN}
    best = max(counts.values())
    if best == 0 or inside(default_offset_min) * 2 >= best:
        return None, []
    candidates = [m for m, n in counts.items() if n == best]
    return (candidates[0] if len(candidates) == 1 else None), candidates


HAS_MINUTES = re.compile(r"\d{1,2}:\d{2}")
HAS_SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")


class MinuteSpread:
    """Times written to the minute (Shopee ``2024-10-01 10:00``, Lazada ``03 Jun 2026 20:41``): the
    orders of one minute are spread evenly over it, in file order (reversed when the file runs from
    new to old), instead of all landing on its first second."""

    def __init__(self, counts: dict[str, int], descending: bool) -> None:
        self.counts = counts
        self.descending = descending
        self.seen: dict[str, int] = {}

    @classmethod
    def of(cls, stamps: list[str]) -> MinuteSpread | None:
        dated = [s for s in stamps if HAS_MINUTES.search(s)]
        if not dated or len(dated) < 0.95 * len(stamps) or any(HAS_SECONDS.search(s) for s in dated):
            return None
        counts: dict[str, int] = {}
        for stamp in dated:
            counts[stamp] = counts.get(stamp, 0) + 1
        return cls(counts, descending=False)

    def orient(self, first_s: float, last_s: float) -> None:
        self.descending = last_s < first_s

    def __call__(self, stamp: str) -> float:
        n = self.counts.get(stamp)
        if not n:
            return 0.0
        k = self.seen.get(stamp, 0)
        self.seen[stamp] = k + 1
        k = min(k, n - 1)
        if self.descending:
            k = n - 1 - k
        return (k + 0.5) / n * 60.0
