"""Re-render only what changed: a reel whose moment, product, words and preset are as last rendered
is reused (no ffmpeg, the file untouched), an edited one is rendered anew, a rejected one not at
all; ``rendered_state`` tells the studio which reels are dirty."""

from __future__ import annotations

from pathlib import Path

import av

from reelcart.models import Catalog, MomentPlan, Product, TimeRange
from reelcart.pipeline import Hooks, Pipeline, RunRequest
from reelcart.stages.render import reuse

from .render_helpers import info_of, make_clip, moment, preset, product, timed_words, transcript


def duration_of(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration) / 1e6


def stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def test_only_the_edited_reel_is_rendered_again(tmp_path):
    clip = make_clip(tmp_path / "src.mp4", width=320, height=180, fps=15, duration=6.0)
    info = info_of(clip)
    pre = preset("default", render__width_px=144, render__height_px=256, render__normalize_loudness=False)
    catalog = Catalog(source="t", products=[product(), Product(sku="B", name="Bamboo Bottle", url="https://shop.example.com/b")])
    words = transcript(timed_words("grab the serum now and the bottle keeps water cold".split(), 0.4, 0.5))
    out = tmp_path / "out"
    steps: list[tuple[str, int, int, str]] = []
    pipe = Pipeline(RunRequest(video=clip, orders=tmp_path / "o.csv", catalog=tmp_path / "c.csv", preset=pre, out_dir=out),
                    hooks=Hooks(on_step=lambda *step: steps.append(step)))
    pipe.keys["probe"] = "probe-key"
    first = moment(0.5, 2.5, reel_id="reel-1", cta=1.0)
    second = moment(3.0, 5.0, reel_id="reel-2", sku="B", name="Bamboo Bottle")
    plan = MomentPlan(source=str(clip), language="en", moments=[first, second])

    rendered = pipe._render(plan, info, catalog, words, None)
    assert [r.id for r in rendered.reels] == ["reel-1", "reel-2"]
    assert [s[1:] for s in steps] == [(0, 2, "render reel-1"), (1, 2, "rendered reel-1"), (1, 2, "render reel-2"),
                                      (2, 2, "rendered reel-2")]
    kept = stamp(out / "reel-1.mp4"), stamp(out / "reel-1.jpg"), stamp(out / "reel-1.srt")
    old_second = stamp(out / "reel-2.mp4")
    record = reuse.load_reel_record(out, "reel-2")
    assert record is not None and record.moment == second and record.reel == rendered.reels[1]
    assert (out / "work" / "reels" / "reel-2.json").is_file()

    # the editor moves reel-2's segment: the studio sees it dirty, reel-1 clean
    edited = second.model_copy(update={"start_s": 3.0, "end_s": 4.0, "segments": [TimeRange(start_s=3.0, end_s=4.0)]})
    context = reuse.RenderContext(probe_key="probe-key", source=info.path, transcript=words)
    products = catalog.by_sku()
    assert reuse.rendered_state(out, first, product=products["A"], preset=pre, context=context)[1] is False
    assert reuse.rendered_state(out, edited, product=products["B"], preset=pre, context=context)[1] is True
    assert reuse.rendered_state(out, second, product=products["B"], preset=pre, context=context)[1] is False

    steps.clear()
    again = pipe._render(plan.model_copy(update={"moments": [first, edited]}), info, catalog, words, None)
    assert [s[3] for s in steps] == ["reuse reel-1", "reused reel-1", "render reel-2", "rendered reel-2"]
    assert (stamp(out / "reel-1.mp4"), stamp(out / "reel-1.jpg"), stamp(out / "reel-1.srt")) == kept  # not touched
    assert stamp(out / "reel-2.mp4") != old_second
    assert again.reels[0] == rendered.reels[0] and abs(again.reels[1].duration_s - 1.0) < 0.01
    assert abs(duration_of(out / "reel-1.mp4") - 2.0) < 0.15 and abs(duration_of(out / "reel-2.mp4") - 1.0) < 0.15
    assert reuse.rendered_state(out, edited, product=products["B"], preset=pre, context=context)[1] is False

    # another caption size changes every reel; a rejected reel is not rendered (its old file stays)
    bigger = preset("default", render__width_px=144, render__height_px=256, render__normalize_loudness=False,
                    captions__font_size_px=40)
    assert reuse.rendered_state(out, first, product=products["A"], preset=bigger, context=context)[1] is True
    steps.clear()
    rejected = edited.model_copy(update={"review": "rejected"})
    third = pipe._render(plan.model_copy(update={"moments": [first, rejected]}), info, catalog, words, None)
    assert [r.id for r in third.reels] == ["reel-1"] and [s[3] for s in steps] == ["reuse reel-1", "reused reel-1"]
    assert (out / "reel-2.mp4").is_file()

    # a reel file gone from disk is rendered again
    (out / "reel-1.srt").unlink()
    assert reuse.rendered_state(out, first, product=products["A"], preset=pre, context=context)[1] is True
    steps.clear()
    pipe._render(plan.model_copy(update={"moments": [first]}), info, catalog, words, None)
    assert [s[3] for s in steps] == ["render reel-1", "rendered reel-1"] and (out / "reel-1.srt").is_file()
