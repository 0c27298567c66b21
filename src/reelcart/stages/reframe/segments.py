"""The crop path of a multi-segment reel: planned per segment (each segment's own shots and
subject), joined on the reel's clock. A jump cut between segments is a cut of the path: two
keyframes at one time, so the window jumps with the picture instead of gliding across the cut."""

from __future__ import annotations

from collections.abc import Callable

from ...config import ReframeConfig
from ...models import CropPlan, MediaInfo, Moment
from ...timeline import segment_offsets


def join_crop_plans(plans: list[CropPlan], offsets_s: list[float]) -> CropPlan:
    """One path from per-segment paths (each on its segment's clock, starting at 0)."""
    first = plans[0]
    keys = [k.model_copy(update={"t_s": round(k.t_s + off, 4)}) for p, off in zip(plans, offsets_s) for k in p.keyframes]
    shots = [s.model_copy(update={"start_s": round(s.start_s + off, 4), "end_s": round(s.end_s + off, 4)})
             for p, off in zip(plans, offsets_s) for s in p.shots]
    summaries = {p.mode for p in plans}
    if summaries == {"none"}:
        mode = "none"
    elif summaries == {"fit"}:
        mode = "fit"
    else:
        mode = next(m for m in ("track", "steady", "center", "fit") if m in summaries)
    subjects = [p.subject for p in plans if p.subject != "none"]
    return first.model_copy(update={
        "mode": mode, "keyframes": keys, "shots": shots,
        "subject": max(set(subjects), key=subjects.count) if subjects else "none",
    })


def plan_segment_crops(info: MediaInfo, moment: Moment, config: ReframeConfig, out_w: int, out_h: int,
                       plan_one: Callable[[MediaInfo, Moment, ReframeConfig, int, int], CropPlan]) -> CropPlan:
    """``plan_one`` (the reframe stage's planner) for every segment, joined."""
    spans = moment.spans()
    if len(spans) == 1:
        return plan_one(info, moment, config, out_w, out_h)
    plans = [plan_one(info, moment.model_copy(update={"start_s": s.start_s, "end_s": s.end_s, "segments": [s], "cuts": []}),
                      config, out_w, out_h) for s in spans]
    return join_crop_plans(plans, segment_offsets(spans))
