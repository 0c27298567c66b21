"""An editor's edits to a moment plan, as pure functions: one operation in, the new plan out.

Operations arrive from the browser as JSON (``EditOp``, validated by pydantic like plan.json
itself). Times are source seconds. Edges snap to word boundaries: an in point to where a word
starts, an out point to where one ends, so a reel never begins or ends mid-word. What follows from
an edit (product name, call to action, cuts between segments, warnings) is refreshed afterwards by
the same editor check `reelcart render` uses (``stages.moments.apply_editor_plan``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from ..errors import InputError
from ..models import Catalog, Moment, MomentPlan, ScoreParts, TimeRange, Word
from ..models.base import Strict

SNAP_REACH_S = 3.0  # an edge further than this from any word stays where it was dropped
MIN_SEGMENT_S = 0.2


class SetEdges(Strict):
    type: Literal["set_edges"]
    moment: str
    in_s: float | None = None
    out_s: float | None = None


class SetSegment(Strict):
    type: Literal["set_segment"]
    moment: str
    index: int = Field(ge=0)
    start_s: float
    end_s: float


class AddSegment(Strict):
    type: Literal["add_segment"]
    moment: str
    start_s: float
    end_s: float


class RemoveSegment(Strict):
    type: Literal["remove_segment"]
    moment: str
    index: int = Field(ge=0)


class CutRange(Strict):
    type: Literal["cut"]
    moment: str
    start_s: float
    end_s: float


class SwapProduct(Strict):
    type: Literal["swap_product"]
    moment: str
    sku: str


class Review(Strict):
    type: Literal["review"]
    moment: str
    status: Literal["pending", "approved", "rejected"]


class NewMoment(Strict):
    type: Literal["new_moment"]
    start_s: float
    end_s: float
    sku: str | None = None


class DeleteMoment(Strict):
    type: Literal["delete_moment"]
    moment: str


class Undo(Strict):
    """Take back the run's last edit that is not taken back yet (the moment as it was before it)."""

    type: Literal["undo"]


EditOp = Annotated[
    SetEdges | SetSegment | AddSegment | RemoveSegment | CutRange | SwapProduct | Review | NewMoment | DeleteMoment | Undo,
    Field(discriminator="type"),
]
EDIT_OP = TypeAdapter(EditOp)


# ---------------------------------------------------------------- snapping


def word_edges(words: Sequence[Word]) -> tuple[list[float], list[float]]:
    """Sorted word starts and word ends (the places an in point and an out point may sit)."""
    spoken = [w for w in words if w.text.strip()]
    return sorted(w.start_s for w in spoken), sorted(w.end_s for w in spoken)


def snap_to(t_s: float, edges: Sequence[float], reach_s: float = SNAP_REACH_S) -> float:
    """The edge nearest ``t_s`` (within ``reach_s``), else ``t_s``."""
    if not edges:
        return t_s
    i = bisect.bisect_left(edges, t_s)
    near = [edges[k] for k in (i - 1, i) if 0 <= k < len(edges)]
    best = min(near, key=lambda e: abs(e - t_s))
    return round(best, 3) if abs(best - t_s) <= reach_s else round(t_s, 3)


def snap_range(start_s: float, end_s: float, words: Sequence[Word]) -> tuple[float, float]:
    starts, ends = word_edges(words)
    return snap_to(start_s, starts), snap_to(end_s, ends)


def cut_bounds(start_s: float, end_s: float, words: Sequence[Word]) -> tuple[float, float]:
    """A cut leaves out whole words: from the first word it touches to the last one."""
    inside = [w for w in words if w.text.strip() and w.end_s > start_s and w.start_s < end_s]
    if not inside:
        return round(start_s, 3), round(end_s, 3)
    return round(min(start_s, inside[0].start_s), 3), round(max(end_s, inside[-1].end_s), 3)


# ---------------------------------------------------------------- spans


def subtract(spans: Sequence[TimeRange], start_s: float, end_s: float) -> list[TimeRange]:
    """The spans with ``[start_s, end_s]`` left out (pieces shorter than MIN_SEGMENT_S dropped)."""
    out: list[TimeRange] = []
    for seg in spans:
        for a, b in ((seg.start_s, min(seg.end_s, start_s)), (max(seg.start_s, end_s), seg.end_s)):
            if b - a >= MIN_SEGMENT_S:
                out.append(TimeRange(start_s=round(a, 3), end_s=round(b, 3)))
    return out


def insert_span(spans: Sequence[TimeRange], new: TimeRange) -> list[TimeRange]:
    """The spans with ``new`` added in time order; spans it overlaps or touches are joined with it."""
    merged: list[TimeRange] = []
    for seg in sorted([*spans, new], key=lambda s: s.start_s):
        if merged and seg.start_s <= merged[-1].end_s:
            merged[-1] = TimeRange(start_s=merged[-1].start_s, end_s=max(merged[-1].end_s, seg.end_s))
        else:
            merged.append(seg)
    return merged


# ---------------------------------------------------------------- operations


def find_moment(plan: MomentPlan, moment_id: str) -> int:
    for i, m in enumerate(plan.moments):
        if m.id == moment_id:
            return i
    raise InputError(f"there is no reel {moment_id!r} in the plan (it may have been deleted in another tab)")


def _checked(spans: list[TimeRange], duration_s: float, what: str) -> list[TimeRange]:
    if not spans:
        raise InputError(f"{what}: the reel would have nothing left to play")
    for seg in spans:
        if seg.end_s - seg.start_s < MIN_SEGMENT_S:
            raise InputError(f"{what}: a segment would be shorter than {MIN_SEGMENT_S} s")
        if seg.start_s < 0 or seg.end_s > duration_s + 0.05:
            raise InputError(f"{what}: {seg.start_s:.1f}-{seg.end_s:.1f} s is outside the recording (0-{duration_s:.1f} s)")
    return spans


def _edges(m: Moment, op: SetEdges, words: Sequence[Word], duration_s: float) -> tuple[list[TimeRange], list[str]]:
    spans, notes = m.spans(), []
    starts, ends = word_edges(words)
    if op.in_s is not None and op.out_s is not None and op.out_s <= op.in_s:
        raise InputError(f"reel {m.id}: out point {op.out_s:.2f} s is not after the in point {op.in_s:.2f} s")
    if op.in_s is not None:
        if op.in_s >= spans[-1].end_s - MIN_SEGMENT_S:
            raise InputError(f"reel {m.id}: in point {op.in_s:.2f} s is not before the out point {spans[-1].end_s:.2f} s")
        in_s = snap_to(max(0.0, op.in_s), starts)
        spans = [s for s in spans if s.end_s > in_s + MIN_SEGMENT_S] or spans[-1:]
        spans[0] = TimeRange(start_s=in_s, end_s=spans[0].end_s)
        notes.append(f"in point at {in_s:.2f} s" + (" (a word's start)" if in_s in starts else ""))
    if op.out_s is not None:
        if op.out_s <= spans[0].start_s + MIN_SEGMENT_S:
            raise InputError(f"reel {m.id}: out point {op.out_s:.2f} s is not after the in point {spans[0].start_s:.2f} s")
        out_s = snap_to(min(duration_s, op.out_s), ends)
        spans = [s for s in spans if s.start_s < out_s - MIN_SEGMENT_S] or spans[:1]
        spans[-1] = TimeRange(start_s=spans[-1].start_s, end_s=out_s)
        notes.append(f"out point at {out_s:.2f} s" + (" (a word's end)" if out_s in ends else ""))
    return spans, notes


def _segment_op(m: Moment, op: SetSegment | AddSegment | RemoveSegment | CutRange,
                words: Sequence[Word]) -> tuple[list[TimeRange], list[str]]:
    spans = m.spans()
    if isinstance(op, RemoveSegment | SetSegment) and op.index >= len(spans):
        raise InputError(f"reel {m.id} has no segment {op.index + 1} (it has {len(spans)})")
    if isinstance(op, RemoveSegment):
        if len(spans) == 1:
            raise InputError(f"reel {m.id}: its only segment cannot be removed (reject or delete the reel instead)")
        gone = spans.pop(op.index)
        return spans, [f"segment {op.index + 1} ({gone.start_s:.1f}-{gone.end_s:.1f} s) removed"]
    if isinstance(op, CutRange):
        a, b = cut_bounds(min(op.start_s, op.end_s), max(op.start_s, op.end_s), words)
        return subtract(spans, a, b), [f"cut {a:.2f}-{b:.2f} s"]
    start_s, end_s = snap_range(min(op.start_s, op.end_s), max(op.start_s, op.end_s), words)
    new = TimeRange(start_s=start_s, end_s=end_s)
    if isinstance(op, SetSegment):
        others = [s for k, s in enumerate(spans) if k != op.index]
        return insert_span(others, new), [f"segment {op.index + 1} at {start_s:.2f}-{end_s:.2f} s"]
    return insert_span(spans, new), [f"segment added at {start_s:.2f}-{end_s:.2f} s"]


def next_moment_id(plan: MomentPlan) -> str:
    used = {m.id for m in plan.moments}
    numbers = [int(x.group(1)) for m in plan.moments if (x := re.fullmatch(r"reel-(\d+)", m.id))]
    n = max(numbers, default=0) + 1
    while f"reel-{n}" in used:
        n += 1
    return f"reel-{n}"


def named_sku(words: Sequence[Word], catalog: Catalog) -> str | None:
    """The product named most often in ``words`` (by name or alias), for a moment made from a text selection."""
    text = " " + " ".join(w.text.strip().lower() for w in words) + " "
    counts: dict[str, int] = {}
    for p in catalog.products:
        for term in [p.name, *p.aliases]:
            term = term.strip().lower()
            if term:
                counts[p.sku] = counts.get(p.sku, 0) + text.count(term)
    best = max(counts.items(), key=lambda kv: kv[1], default=(None, 0))
    return best[0] if best[1] > 0 else None


def _new_moment(plan: MomentPlan, op: NewMoment, words: Sequence[Word], catalog: Catalog) -> tuple[Moment, list[str]]:
    start_s, end_s = snap_range(min(op.start_s, op.end_s), max(op.start_s, op.end_s), words)
    inside = [w for w in words if start_s <= w.start_s and w.end_s <= end_s]
    sku = op.sku or named_sku(inside, catalog)
    if sku is None:
        raise InputError("no product is named in the selected words: choose the product for the new reel")
    zero = ScoreParts(sales_lift=0, pitch=0, call_to_action=0, speech_density=0, stale_penalty=0, total=0)
    moment = Moment(id=next_moment_id(plan), sku=sku, product_name="", start_s=start_s, end_s=end_s, pitch_start_s=start_s,
                    score=zero, segments=[TimeRange(start_s=start_s, end_s=end_s)], warnings=["edited: made in the studio"])
    return moment, [f"new reel {moment.id} at {start_s:.2f}-{end_s:.2f} s"]


def apply_op(plan: MomentPlan, op: EditOp, words: Sequence[Word], catalog: Catalog,
             duration_s: float) -> tuple[MomentPlan, str | None, list[str]]:
    """The plan after ``op``: (new plan, id of the moment edited or made, notes on what was done).

    Raises ``InputError`` (one line) for an edit that cannot be made; nothing is changed then."""
    if isinstance(op, Undo):
        raise InputError("undo needs the edit log (PlanStore.edit)")
    moments = list(plan.moments)
    if isinstance(op, NewMoment):
        moment, notes = _new_moment(plan, op, words, catalog)
        _checked(moment.spans(), duration_s, moment.id)
        return plan.model_copy(update={"moments": [*moments, moment]}), moment.id, notes
    i = find_moment(plan, op.moment)
    m = moments[i]
    if isinstance(op, DeleteMoment):
        del moments[i]
        return plan.model_copy(update={"moments": moments}), m.id, [f"reel {m.id} deleted"]
    if isinstance(op, Review):
        moments[i] = m.model_copy(update={"review": op.status})
        return plan.model_copy(update={"moments": moments}), m.id, [f"reel {m.id} {op.status}"]
    if isinstance(op, SwapProduct):
        product = catalog.by_sku().get(op.sku)
        if product is None:
            raise InputError(f"SKU {op.sku!r} is not in the catalog")
        moments[i] = m.model_copy(update={"sku": product.sku, "product_name": product.name})
        return plan.model_copy(update={"moments": moments}), m.id, [f"reel {m.id} now sells {product.name}"]
    if isinstance(op, SetEdges):
        spans, notes = _edges(m, op, words, duration_s)
    else:
        spans, notes = _segment_op(m, op, words)
    spans = _checked(spans, duration_s, f"reel {m.id}")
    # the crop path runs on the reel's clock: new segments need a new one (the render plans it)
    moments[i] = m.model_copy(update={"segments": spans, "start_s": spans[0].start_s, "end_s": spans[-1].end_s, "crop": None})
    return plan.model_copy(update={"moments": moments}), m.id, notes
