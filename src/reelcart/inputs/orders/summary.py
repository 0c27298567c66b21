"""What the order log held, in plain words: the notes on how it was read and what was left out, and
the one-line errors when nothing in it can be used."""

from __future__ import annotations

from pathlib import Path

from ...config import OrdersConfig
from ...errors import InputError
from ...models import OrderStats
from .times import TimeParser


def summarise(stats: OrderStats, parser: TimeParser | None, unknown_rows: int, config: OrdersConfig,
               duration_s: float, offset_s: float) -> None:
    """Plain-language notes on how the log was read and what was left out."""
    notes = stats.notes
    if parser is not None and parser.kinds_seen:
        kinds = ", ".join(f"{k} ({n})" for k, n in sorted(parser.kinds_seen.items(), key=lambda kv: -kv[1]))
        notes.append(f"timestamps read as: {kinds}")
        if parser.naive_count:
            zone = config.timezone or getattr(parser.naive_zone, "key", None) or str(parser.naive_zone)
            source = "orders.timezone" if parser.zone_configured else "the stream start's offset; set orders.timezone if wrong"
            said = parser.zone_note or f"read in {zone} ({source})"
            notes.append(f"{parser.naive_count} timestamps had no UTC offset; {said}")
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
        first = f" (first: line {stats.problems[0].line}: {stats.problems[0].problem})" if stats.problems else ""
        notes.append(f"{stats.unreadable} rows could not be read{first}")


    if stats.ambiguous:
        shown = "; ".join(f"{what!r} fits {', '.join(skus)}" for what, skus in list(stats.ambiguous.items())[:5])
        notes.append(f"{len(stats.ambiguous)} order SKUs/names fit several catalog products and were left out: {shown}")


def live_note(stats: OrderStats, live: int, other: int, channels: dict[str, int], setting: bool | str) -> None:
    """The split of orders from the live and from elsewhere (TikTok Order Channel, Douyin 流量体裁)."""
    if not live and not other:
        return
    names = ", ".join(f"{name} {n}" for name, n in sorted(channels.items(), key=lambda kv: -kv[1])[:4])
    verdict = (f"{stats.not_live} left out (orders.live_only: {str(setting).lower()})" if stats.not_live
               else "all counted (orders.live_only: false)")
    stats.notes.insert(0, f"sales channel: {live} orders from the live, {other} from elsewhere ({names}); {verdict}")


def raise_if_unusable(stats: OrderStats, path: Path, kept: int, config: OrdersConfig, duration_s: float,
                      outside_s: tuple[float, float], parser: TimeParser | None) -> None:
    """Nothing usable: say why, not zero reels."""
    if stats.rows and stats.unreadable == stats.rows:
        first = f" (line {stats.problems[0].line}: {stats.problems[0].problem})" if stats.problems else ""
        raise InputError(f"no readable order rows{first}", path=path)
    if not stats.rows or kept or config.estimate_clock_offset:
        return
    if stats.outside_recording:
        low, high = outside_s
        if parser is not None and not parser.absolute and 20000 <= low <= high <= 80000:
            hint = "; these look like Excel serial dates: export the times as ISO 8601 date-times"
        else:
            hint = "; check --stream-start, or set orders.clock_offset_s (or orders.estimate_clock_offset: true)"
            if parser is not None and parser.naive_count:
                hint = "; the times carry no UTC offset: set orders.timezone to the shop's time zone" + hint[1:]
        raise InputError(f"no order time lies inside the recording (0-{duration_s:.0f} s); order times run from "
                         f"{low:.0f} to {high:.0f} s{hint}", path=path)
    if stats.ambiguous and not stats.unknown_skus:
        what, skus = next(iter(stats.ambiguous.items()))
        raise InputError(f"every order fits several catalog products ({what!r} fits {', '.join(skus)}); "
                         "list the variant SKUs in the catalog's variants column", path=path)
    if stats.unknown_skus:
        unknown = ", ".join(sorted(stats.unknown_skus)[:5])
        raise InputError(f"no order names a SKU of the catalog (unknown SKU: {unknown}); a catalog of products can list "
                         "variant SKUs or platform ids in its variants column", path=path)
