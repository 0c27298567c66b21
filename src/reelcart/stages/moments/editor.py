"""The editor loop: a plan read back from plan.json (also one edited by hand), checked, and
refreshed from the edits. Segments are what the reel plays; an editor may add, move or remove
one. A plan without segments plays its span, start_s to end_s."""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import ValidationError

from ...config import MomentsConfig
from ...errors import InputError
from ...models import Catalog, Cut, Moment, MomentPlan, ScoreParts, TimeRange, Transcript, Word
from .matching import annotate
from .text import first_words, split_sentences

SAME_S = 0.05  # times this close are the same edit


def load_plan(path: Path) -> MomentPlan:
    """Read a plan, also one edited by hand: a moment needs only ``sku``, ``start_s`` and ``end_s``.

    Problems are reported on one line naming the file, the moment and the field.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("plan file not found", path=path) from None
    except UnicodeDecodeError:
        raise InputError("plan is not UTF-8 text", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"line {exc.lineno}: invalid JSON ({exc.msg})", path=path) from None
    if not isinstance(data, dict) or not isinstance(data.get("moments"), list):
        raise InputError("not a reelcart plan (no 'moments' list)", path=path)
    data.setdefault("source", "")
    data.setdefault("language", "en")
    for i, m in enumerate(data["moments"], start=1):
        if not isinstance(m, dict):
            raise InputError(f"moment {i}: expected an object", path=path)
        missing = [k for k in ("sku", "start_s", "end_s") if k not in m]
        if missing:
            raise InputError(f"moment {m.get('id') or i}: missing field(s) {', '.join(missing)}", path=path)
        m.setdefault("id", "")
        m.setdefault("product_name", "")
        if m.get("pitch_start_s") is None:
            m["pitch_start_s"] = m["start_s"]
        _fill_segments(m)
        if not isinstance(m.get("score"), dict):
            m["score"] = ScoreParts(sales_lift=0, pitch=0, call_to_action=0, speech_density=0, stale_penalty=0, total=0).model_dump()
    try:
        return MomentPlan.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "moments" and isinstance(loc[1], int):
            where = f"moment {loc[1] + 1}: "
            loc = loc[2:]
        field_name = ".".join(str(p) for p in loc) or "(top level)"
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        raise InputError(f"{where}field '{field_name}': {msg}", path=path) from None


def _fill_segments(m: dict) -> None:
    """Segments for a hand-edited moment: the span when there are none, or when there is one (an
    edit of start_s/end_s moves it). With several segments, the segments are the edit."""
    segments = m.get("segments")
    if not segments or (isinstance(segments, list) and len(segments) == 1 and isinstance(segments[0], dict)):
        m["segments"] = [{"start_s": m["start_s"], "end_s": m["end_s"]}]


def check_plan_times(plan: MomentPlan, duration_s: float, path: str | Path = "plan") -> None:
    """One-line errors for segments outside the recording, reversed, out of order or overlapping,
    and duplicate ids."""
    seen: set[str] = set()
    for i, m in enumerate(plan.moments, start=1):
        name = m.id or f"#{i}"
        spans = m.spans()
        for k, seg in enumerate(spans, start=1):
            what = f"moment {name}" + (f" segment {k}" if len(spans) > 1 else "")
            if not (math.isfinite(seg.start_s) and math.isfinite(seg.end_s)):
                raise InputError(f"{what}: times must be numbers", path=path)
            if seg.end_s <= seg.start_s:
                raise InputError(f"{what}: end_s {seg.end_s} is not after start_s {seg.start_s}", path=path)
            if seg.start_s < 0 or seg.end_s > duration_s + SAME_S:
                raise InputError(f"{what}: {seg.start_s:.1f}-{seg.end_s:.1f} s is outside the recording "
                                 f"(0-{duration_s:.1f} s)", path=path)
            if k > 1 and seg.start_s < spans[k - 2].end_s:
                order = "overlaps" if seg.start_s > spans[k - 2].start_s else "comes before"
                raise InputError(f"{what}: {seg.start_s:.1f}-{seg.end_s:.1f} s {order} segment {k - 1} "
                                 "(segments play in order and must not overlap)", path=path)
        if m.id and m.id in seen:
            raise InputError(f"moment id {m.id!r} is used twice", path=path)
        seen.add(m.id)


def snap_segments(spans: list[TimeRange], words: list[Word], duration_s: float) -> tuple[list[TimeRange], list[str]]:
    """Segment edges that fall inside a word move to the word's edge (the word is kept); segments
    that then touch are joined."""
    warnings: list[str] = []
    out: list[TimeRange] = []
    for k, seg in enumerate(spans, start=1):
        start_s, end_s = seg.start_s, seg.end_s
        label = f"segment {k} " if len(spans) > 1 else ""
        for w in words:
            if w.start_s < start_s < w.end_s:
                warnings.append(f"{label}start moved from {start_s:.2f} to {w.start_s:.2f} s so no word is cut")
                start_s = w.start_s
            if w.start_s < end_s < w.end_s:
                warnings.append(f"{label}end moved from {end_s:.2f} to {min(duration_s, w.end_s):.2f} s so no word is cut")
                end_s = min(duration_s, w.end_s)
        if out and start_s <= out[-1].end_s:
            out[-1] = TimeRange(start_s=out[-1].start_s, end_s=round(max(end_s, out[-1].end_s), 3))
        else:
            out.append(TimeRange(start_s=round(start_s, 3), end_s=round(end_s, 3)))
    return out, warnings


def cuts_between(spans: list[TimeRange], planned: list[Cut], words: list[Word]) -> list[Cut]:
    """A cut for every gap between segments: the planned one when the gap is unchanged, else an
    editor's cut ("edited") with the words it leaves out."""
    out: list[Cut] = []
    for a, b in zip(spans, spans[1:]):
        same = next((c for c in planned if abs(c.start_s - a.end_s) <= SAME_S and abs(c.end_s - b.start_s) <= SAME_S), None)
        if same is not None:
            out.append(same.model_copy(update={"start_s": a.end_s, "end_s": b.start_s}))
            continue
        gone = [w for w in words if a.end_s <= w.start_s and w.end_s <= b.start_s]
        out.append(Cut(start_s=a.end_s, end_s=b.start_s, reason="edited", text=first_words(gone, n=len(gone))))
    return out


def apply_editor_plan(
    plan: MomentPlan, transcript: Transcript, catalog: Catalog, config: MomentsConfig, duration_s: float,
    path: str | Path = "plan",
) -> MomentPlan:
    """Take an editor's plan as the moments: refresh what follows from the edits (product name,
    call to action, first words, cuts), move a segment edge that falls inside a word to the word's
    edge, flag overlaps and lengths outside the preset. The editor's choices themselves are kept."""
    check_plan_times(plan, duration_s, path)
    products = catalog.by_sku()
    words = [w for w in transcript.words() if w.text.strip()]
    sentences = split_sentences(words)
    annotate(sentences, catalog, transcript.language, config)
    out: list[Moment] = []
    for i, m in enumerate(plan.moments, start=1):
        name = m.id or f"reel-{i}"
        product = products.get(m.sku)
        if product is None:
            raise InputError(f"moment {name}: SKU {m.sku!r} is not in the catalog", path=path)
        warnings = [w for w in m.warnings if not w.startswith(("edited:", "start moved", "end moved", "segment "))]
        spans, moved = snap_segments(m.spans(), words, duration_s)
        warnings += moved
        out.append(_refreshed(m, name, product, spans, sentences, words, config, warnings))
    ordered = sorted(out, key=lambda m: m.start_s)
    for a, b in zip(ordered, ordered[1:]):
        if b.start_s < a.end_s:
            b.warnings.append(f"edited: overlaps {a.id}")
    return plan.model_copy(update={"moments": out})


def _refreshed(m: Moment, name: str, product, spans: list[TimeRange], sentences, words: list[Word],  # noqa: ANN001
               config: MomentsConfig, warnings: list[str]) -> Moment:
    start_s, end_s = spans[0].start_s, spans[-1].end_s
    inside = [s for s in sentences if any(g.start_s - SAME_S <= s.start_s and s.end_s <= g.end_s + SAME_S for g in spans)]
    in_words = [w for w in words if any(g.start_s <= w.start_s and w.end_s <= g.end_s + SAME_S for g in spans)]
    ctas = [s for s in inside if s.cta is not None]
    named = [s for s in inside if m.sku in s.mentions]
    if not named:
        warnings.append(f"edited: {product.name} is not named inside {start_s:.1f}-{end_s:.1f} s")
    length_s = sum(g.end_s - g.start_s for g in spans)
    if length_s < config.min_duration_s or length_s > config.max_duration_s:
        warnings.append(f"edited: {length_s:.1f} s is outside the preset's "
                        f"{config.min_duration_s:.0f}-{config.max_duration_s:.0f} s")
    key = max(named, key=lambda s: (s.mentions[m.sku].score, len(s.words))) if named else None
    same_times = [(g.start_s, g.end_s) for g in spans] == [(g.start_s, g.end_s) for g in m.spans()]
    return m.model_copy(update={
        "id": name,
        "product_name": product.name,
        "start_s": start_s,
        "end_s": end_s,
        "segments": spans,
        "cuts": cuts_between(spans, m.cuts, words),
        "pitch_start_s": min(max(m.pitch_start_s, start_s), end_s),
        "cta_start_s": ctas[-1].start_s if ctas else None,
        "cta_end_s": ctas[-1].end_s if ctas else None,
        "cta_text": ctas[-1].text if ctas else None,
        "key_phrase": key.text[:120] if key else product.name,
        "first_words": first_words(in_words),
        "warnings": warnings,
        # the crop path runs on the reel's clock: kept only while the segments are
        "crop": m.crop if same_times else None,
    })
