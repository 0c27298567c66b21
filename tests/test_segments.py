"""Moments as lists of segments: the reel's clock, the whole pitch, cuts from the middle (per
language), the crop path per segment, and the editor loop speaking segments."""

from __future__ import annotations

import json

import pytest

from reelcart.cli.reels import _segment_lines
from reelcart.config import MomentsConfig
from reelcart.errors import InputError
from reelcart.models import CropKeyframe, CropPlan, CropShot, Cut, TimeRange, Word
from reelcart.stages.moments import apply_editor_plan, check_plan_times, load_plan, plan_moments
from reelcart.stages.reframe.segments import join_crop_plans
from reelcart.timeline import segment_offsets, to_reel_time, to_source_time, words_on_reel_clock

from .conftest import make_transcript
from .test_moments import CFG, report, spike, transcript_of

SEGMENTS = [TimeRange(start_s=10.0, end_s=14.0), TimeRange(start_s=20.0, end_s=23.0), TimeRange(start_s=30.0, end_s=35.0)]


def test_the_reel_clock_maps_source_words_and_drops_cut_ones():
    assert segment_offsets(SEGMENTS) == [0.0, 4.0, 7.0]
    assert to_reel_time(12.0, SEGMENTS) == 2.0 and to_reel_time(21.5, SEGMENTS) == 5.5
    assert to_reel_time(17.0, SEGMENTS) is None and to_reel_time(17.0, SEGMENTS, snap=True) == 4.0
    assert to_source_time(5.5, SEGMENTS) == 21.5 and to_source_time(99, SEGMENTS) == 35.0
    words = [Word(text="a", start_s=10.2, end_s=10.6), Word(text="cut", start_s=15.0, end_s=15.4),
             Word(text="b", start_s=20.1, end_s=20.5), Word(text="edge", start_s=34.6, end_s=35.2)]
    out = words_on_reel_clock(words, SEGMENTS)
    assert [(w.text, w.start_s, w.end_s) for w in out] == [("a", 0.2, 0.6), ("b", 4.1, 4.5), ("edge", 11.6, 12.0)]


# ---------------------------------------------------------------- the whole pitch


def test_the_whole_pitch_keeps_unnamed_continuations_and_ends_at_another_product(catalog):
    script = [
        (0.0, "Welcome back everyone."),
        (3.0, "The last product tonight is the Velvet Glow Serum."),
        (7.0, "It fills your skin with moisture all night long."),
        (12.0, "It has a light peach smell that never gets sticky."),
        (17.0, "And only for the next ten minutes, comment STARS below and we add a free gift wrap."),
        (24.0, "It comes in a glass bottle that lasts three months."),
        (29.0, "Tap the basket now to grab yours."),
        (33.0, "Next is the Bamboo Water Bottle."),
        (37.0, "It keeps water cold for a day."),
    ]
    transcript = make_transcript(script)
    (m,) = plan_moments(transcript, report(spike("GLOW", 45)), catalog, MomentsConfig(min_duration_s=5), "x.mp4").moments
    assert abs(m.start_s - 3.0) <= 0.3  # the sentence introducing the product
    assert m.cta_text == "Tap the basket now to grab yours." and m.end_s < 33.0  # the next product ends the pitch
    (cut,) = m.cuts  # the live-only line is cut, never a boundary
    assert cut.reason == "live_only" and cut.text.startswith("And only for the next ten minutes")
    played = " ".join(w.text for w in words_on_reel_clock(transcript.words(), m.segments))
    assert "It fills your skin" in played and "glass bottle" in played and "STARS" not in played


def test_another_product_named_in_passing_is_a_digression_and_the_pitch_runs_on(catalog):
    script = [
        (0.0, "First up is the Velvet Glow Serum."),
        (4.0, "It smells like fresh peaches every morning."),
        (9.0, "Oh and we also have the Bamboo Water Bottle in the shop, I will show it later."),
        (15.0, "The glow serum never feels sticky on the skin."),
        (20.0, "Thank you Maria for joining us from Texas."),
        (24.0, "Tap the orange cart below to grab yours."),
    ]
    (m,) = plan_moments(make_transcript(script), report(spike("GLOW", 40)), catalog, MomentsConfig(min_duration_s=5),
                        "x.mp4").moments
    assert [c.reason for c in m.cuts] == ["digression", "digression"]
    assert m.cuts[0].text.startswith("Oh and we also have") and m.cuts[1].text.startswith("Thank you Maria")
    assert len(m.segments) == 3 and m.cta_text.startswith("Tap the orange cart")
    off = plan_moments(make_transcript(script), report(spike("GLOW", 40)), catalog,
                       MomentsConfig(min_duration_s=5, cut_digressions=False), "x.mp4").moments
    assert off and off[0].cuts == []


FILLER_CASES = {
    "en": ("Velvet Glow Serum", ["Next is the Velvet Glow Serum.", "Um the glow serum is uh so light and fresh.",
                                 "You know it really lasts for months and months.", "Tap the cart to grab yours."], {"um", "uh", "you know"}),
    "es": ("Sérum Brillo", ["Ahora les presento el Sérum Brillo.", "Este el sérum brillo pues deja la piel suave.",
                            "Eh yo lo uso todas las mañanas del año.", "Toca el carrito para comprar el tuyo."], {"este", "pues", "eh"}),
    "vi": ("Kem Nhung Sáng", ["Sản phẩm tiếp theo là Kem Nhung Sáng.", "Ờ kem nhung sáng kiểu thấm rất nhanh luôn.",
                              "Mình dùng mỗi sáng ừm không bết dính.", "Các bạn bấm vào giỏ hàng nhé."], {"ờ", "kiểu", "ừm"}),
    "ar": ("سيروم التوهج", ["المنتج التالي هو سيروم التوهج.", "يعني سيروم التوهج خفيف جدا ويمتص بسرعة.",
                            "أنا أستخدمه امم كل صباح قبل العمل.", "اضغطوا على السلة الآن."], {"يعني", "امم"}),
    "zh": ("丝绒光精华", ["今天下一款是丝绒光精华。", "嗯这款丝绒光精华吸收特别快。", "那个我每天早上都用真的好用。",
                          "大家点击小黄车马上下单。"], {"嗯", "那个"}),
}


@pytest.mark.parametrize("language", sorted(FILLER_CASES))
def test_fillers_are_cut_per_language_when_switched_on(language):
    from reelcart.models import Catalog, Product

    name, lines, fillers = FILLER_CASES[language]
    catalog = Catalog(source="t", products=[Product(sku="P", name=name, url="https://x.example/p")])
    words = []
    t = 0.0
    for line in lines:  # fillers with a pause around them, as hosts say them
        for token in (list(line[i:i + 2] for i in range(0, len(line), 2)) if language == "zh" else line.split()):
            if language == "zh" and token[0] in "嗯那":
                token = "嗯" if token[0] == "嗯" else "那个"
            filler = token.strip(".,").lower() in fillers
            t += 0.6 if filler else 0.05
            words.append(Word(text=token, start_s=round(t, 3), end_s=round(t + 0.3, 3)))
            t += 0.3 + (0.6 if filler else 0.0)
        t += 0.5
    from reelcart.models import Segment, TimeRange as TR, Transcript

    transcript = Transcript(model="t", language=language, language_probability=1, windows=[TR(start_s=0, end_s=t + 5)],
                            segments=[Segment(start_s=w.start_s, end_s=w.end_s, text=w.text, words=[w]) for w in words],
                            audio_s=t)
    config = MomentsConfig(min_duration_s=3, cut_fillers=True, min_segment_s=0.5)
    (m,) = plan_moments(transcript, report(spike("P", t + 15)), catalog, config, "x.mp4").moments
    cut_words = {c.text.strip(".,").lower() for c in m.cuts if c.reason == "filler"}
    assert cut_words and cut_words <= fillers, (m.cuts, fillers)
    for c in m.cuts:  # never inside a word
        assert not any(w.start_s < c.start_s < w.end_s or w.start_s < c.end_s < w.end_s for w in words)
    (plain,) = plan_moments(transcript, report(spike("P", t + 15)), catalog, MomentsConfig(min_duration_s=3), "x.mp4").moments
    assert not [c for c in plain.cuts if c.reason == "filler"]  # off by default


def test_a_flash_between_two_cuts_is_merged_back(catalog):
    script = [(0.0, "First up is the Velvet Glow Serum, so light on the skin."), (5.0, "Comment below if you want one."),
              (8.0, "Yes."), (9.0, "Type yes in the chat for the bundle."), (13.0, "The glow serum lasts three months."),
              (18.0, "Tap the orange cart below to grab yours.")]
    (m,) = plan_moments(make_transcript(script), report(spike("GLOW", 40)), catalog, MomentsConfig(min_duration_s=5),
                        "x.mp4").moments
    assert all(s.end_s - s.start_s >= CFG.min_segment_s for s in m.segments)
    (cut,) = m.cuts  # the "Yes." between the two live-only lines goes with them
    assert cut.reason == "live_only" and "Comment below" in cut.text and "chat" in cut.text


# ---------------------------------------------------------------- crop path per segment


def plan_of(x_px: int, length_s: float, mode: str) -> CropPlan:
    return CropPlan(mode=mode, source_width_px=1280, source_height_px=720, width_px=404, height_px=720,
                    keyframes=[CropKeyframe(t_s=0, x_px=x_px, y_px=0), CropKeyframe(t_s=length_s, x_px=x_px + 10, y_px=0)],
                    shots=[CropShot(start_s=0, end_s=length_s, mode=mode)], subject="face")


def test_crop_paths_join_on_the_reel_clock_with_a_jump_at_each_cut():
    joined = join_crop_plans([plan_of(100, 4.0, "track"), plan_of(600, 3.0, "steady")], [0.0, 4.0])
    assert [(k.t_s, k.x_px) for k in joined.keyframes] == [(0.0, 100), (4.0, 110), (4.0, 600), (7.0, 610)]
    assert [(s.start_s, s.end_s, s.mode) for s in joined.shots] == [(0.0, 4.0, "track"), (4.0, 7.0, "steady")]
    assert joined.mode == "track" and joined.subject == "face"


# ---------------------------------------------------------------- the editor loop


def edited(tmp_path, moment: dict):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"source": "x.mp4", "moments": [moment]}))
    return path, load_plan(path)


def test_an_editor_adds_moves_and_removes_segments(tmp_path, catalog):
    from .test_moments import SCRIPT

    transcript = make_transcript(SCRIPT)
    # a plan without segments plays its span
    path, plan = edited(tmp_path, {"sku": "GLOW", "start_s": 19.8, "end_s": 46.0})
    (m,) = apply_editor_plan(plan, transcript, catalog, CFG, 120.0, path).moments
    assert [(s.start_s, s.end_s) for s in m.segments] == [(19.8, 46.0)] and m.cuts == []
    # two segments: the gap is an editor's cut with the words left out; a cut inside a word moves
    path, plan = edited(tmp_path, {"sku": "GLOW", "start_s": 0, "end_s": 0, "segments": [
        {"start_s": 19.8, "end_s": 26.5}, {"start_s": 36.0, "end_s": 46.0}]})
    (m,) = apply_editor_plan(plan, transcript, catalog, CFG, 120.0, path).moments
    assert (m.start_s, m.end_s) == (19.8, 46.0) and [s.end_s for s in m.segments][0] == 26.72
    assert any(w.startswith("segment 1 end moved from 26.50 to 26.72") for w in m.warnings)
    (cut,) = m.cuts
    assert cut.reason == "edited" and cut.text.startswith("all day long. I put the serum")
    assert m.duration_s == pytest.approx((26.72 - 19.8) + 10.0)
    # removing a segment keeps the planner's cut where the gap is unchanged
    planned = Cut(start_s=26.72, end_s=36.0, reason="live_only", text="x")
    kept = m.model_copy(update={"cuts": [planned]})
    (again,) = apply_editor_plan(plan.model_copy(update={"moments": [kept]}), transcript, catalog, CFG, 120.0).moments
    assert again.cuts[0].reason == "live_only"
    assert _segment_lines(again)[1].strip().startswith("cut 0:26.7-0:36.0 (live_only)")


@pytest.mark.parametrize("segments, message", [
    ([{"start_s": 20, "end_s": 30}, {"start_s": 25, "end_s": 40}], "moment #1 segment 2: 25.0-40.0 s overlaps segment 1"),
    ([{"start_s": 50, "end_s": 60}, {"start_s": 20, "end_s": 30}], "moment #1 segment 2: 20.0-30.0 s comes before segment 1"),
    ([{"start_s": 20, "end_s": 30}, {"start_s": 110, "end_s": 130}], "moment #1 segment 2: 110.0-130.0 s is outside the recording"),
    ([{"start_s": 20, "end_s": 30}, {"start_s": 40, "end_s": 35}], "moment #1 segment 2: end_s 35.0 is not after start_s 40.0"),
])
def test_impossible_segments_fail_on_one_line(tmp_path, segments, message):
    path, plan = edited(tmp_path, {"sku": "GLOW", "start_s": 20, "end_s": 60, "segments": segments})
    with pytest.raises(InputError) as err:
        check_plan_times(plan, 120.0, path)
    assert str(err.value).startswith(f"{path}: {message}")


def test_non_english_digressions_are_cut():
    from reelcart.models import Catalog, Product

    catalog = Catalog(source="t", products=[Product(sku="P", name="Manta Nube", url="https://x.example/p")])
    script = [(0, "Ahora les presento la Manta Nube."), (5, "La manta nube es muy suave y ligera."),
              (10, "Gracias María por acompañarnos desde México."), (15, "Tiene dos años de garantía."),
              (20, "Toca el carrito para comprar la tuya.")]
    transcript = transcript_of(script, "es")
    (m,) = plan_moments(transcript, report(spike("P", 40)), catalog, MomentsConfig(min_duration_s=5), "x.mp4").moments
    assert [c.reason for c in m.cuts] == ["digression"] and m.cuts[0].text.startswith("Gracias María")
