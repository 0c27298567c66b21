"""The kept orders: packed columns while reading, a compact time-sorted table at the end, and the
duplicate bookkeeping (later copies of an (order id, item) key are undone)."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np

from ...models import OrderStats

RULES = ("sku", "variants", "sku_prefix", "name", "product_id")  # product-match rules, in the order they are tried


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


class Columns:
    """The kept orders, appended as packed machine values (no Python object per order)."""

    def __init__(self) -> None:
        self.t_s = array("d")
        self.code = array("i")
        self.quantity = array("i")
        self.amount = array("d")
        self.rule = array("b")  # index into RULES: how the order's product was found
        self.codes: dict[str, int] = {}
        self.alive: np.ndarray | None = None  # set when duplicates were removed

    def __len__(self) -> int:
        return len(self.t_s) if self.alive is None else int(np.count_nonzero(self.alive))

    def append(self, t_s: float, sku: str, quantity: int, amount: float | None, rule: int = 0) -> None:
        code = self.codes.get(sku)
        if code is None:
            code = self.codes[sku] = len(self.codes)
        self.t_s.append(t_s)
        self.code.append(code)
        self.quantity.append(quantity)
        self.amount.append(math.nan if amount is None else amount)
        self.rule.append(rule)

    def rule_counts(self) -> dict[str, int]:
        """Kept orders (duplicates undone) per product-match rule."""
        rules = np.frombuffer(self.rule, dtype=np.int8) if len(self.rule) else np.zeros(0, dtype=np.int8)
        if self.alive is not None:
            rules = rules[self.alive]
        counts = np.bincount(rules, minlength=len(RULES)) if len(rules) else np.zeros(len(RULES), dtype=int)
        return {name: int(n) for name, n in zip(RULES, counts) if n}

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


KEPT, PROBLEM, UNKNOWN, OUTSIDE = range(4)


class OrderKeys:
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

    def undo_duplicates(self, stats: OrderStats, kept: Columns) -> int:
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
        kept_rows = ref[outcome == KEPT]
        if len(kept_rows):
            kept.alive = np.ones(len(kept.t_s), dtype=bool)
            kept.alive[kept_rows] = False
        problem_lines = set(ref[outcome == PROBLEM].tolist())
        stats.unreadable -= int((outcome == PROBLEM).sum())
        stats.problems = [p for p in stats.problems if p.line not in problem_lines]
        stats.outside_recording -= int((outcome == OUTSIDE).sum())
        names = {i: name for name, i in self.unknown_names.items()}
        for index in ref[(outcome == UNKNOWN) & (ref >= 0)].tolist():
            name = names[index]
            stats.unknown_skus[name] -= 1
            if not stats.unknown_skus[name]:
                del stats.unknown_skus[name]
        return int((outcome == UNKNOWN).sum())
