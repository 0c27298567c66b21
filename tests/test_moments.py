from reelcart.config import MomentsConfig
from reelcart.models import OrderStats, Spike, SpikeReport
from reelcart.stages.moments import normalize_text, plan_moments, split_sentences

from .conftest import make_transcript

CFG = MomentsConfig()

SCRIPT = [
    (0.0, "Hello everyone and welcome to the show."),
    (5.0, "It is so good to see you all tonight."),
    (20.0, "First up is the Velvet Glow Serum."),
    (24.0, "This glow serum keeps your skin soft all day long."),
    (30.0, "I put the serum on every single morning before work."),
    (36.0, "It smells like fresh peaches and it never feels sticky."),
    (42.0, "Tap the orange cart below to grab yours."),
    (50.0, "Thanks Maria for joining us from Texas."),
    (62.0, "Next is the Bamboo Water Bottle."),
    (66.0, "The bamboo bottle keeps water cold for twenty four hours."),
    (72.0, "It fits in every cup holder and every bag I own."),
    (78.0, "The link is pinned at the top so grab it now."),
    (86.0, "For the next five minutes only comment below for a surprise."),
    (95.0, "Let us talk about the weather for a second."),
]


def report(*spikes: Spike) -> SpikeReport:
    return SpikeReport(stream_start=None, clock_offset_s=0, bin_s=10, stats=OrderStats(source="t", format="generic"), spikes=list(spikes))


def spike(sku: str, onset: float, above: float = 20) -> Spike:
    return Spike(sku=sku, onset_s=onset, peak_s=onset + 10, end_s=onset + 50, orders=int(above) + 2,
                 orders_above_baseline=above, revenue_above_baseline=above * 20, peak_z=8)


def test_sentences_split_on_punctuation_and_pauses():
    sentences = split_sentences(make_transcript(SCRIPT).words())
    assert len(sentences) == len(SCRIPT)
    assert sentences[2].text == "First up is the Velvet Glow Serum."
    assert normalize_text("Tap the CART, now!") == "tap the cart now"


def test_each_spike_maps_to_its_pitch_and_cta(catalog):
    plan = plan_moments(make_transcript(SCRIPT), report(spike("GLOW", 70), spike("BOTTLE", 110)), catalog, CFG, "x.mp4")
    assert [m.sku for m in plan.moments] == ["GLOW", "BOTTLE"]
    glow, bottle = plan.moments
    assert abs(glow.start_s - 20.0) < 0.5  # starts at the first sentence naming the product
    assert glow.cta_text == "Tap the orange cart below to grab yours."
    assert 42 < glow.end_s < 46  # ends after the CTA sentence, before the chit-chat
    assert abs(bottle.start_s - 62.0) < 0.5
    assert bottle.cta_text.startswith("The link is pinned")
    assert bottle.end_s < 86  # the live-only sentence after the CTA is not included
    assert glow.score.call_to_action == 1 and glow.score.sales_lift > 0.5
    assert [m.id for m in plan.moments] == ["reel-1", "reel-2"]
    assert plan.notes and "2 of 3" in plan.notes[0]


def test_decoy_spike_without_pitch_is_rejected(catalog):
    plan = plan_moments(make_transcript(SCRIPT), report(spike("GLOW", 70), spike("GIFT", 100, above=50)), catalog, CFG, "x.mp4")
    assert [m.sku for m in plan.moments] == ["GLOW"]
    gift = [r for r in plan.rejected if r.sku == "GIFT"]
    assert gift and "no pitch" in gift[0].reason
    assert any("GIFT" in note for note in plan.notes)


def test_spike_before_the_pitch_is_not_explained_by_it(catalog):
    plan = plan_moments(make_transcript(SCRIPT), report(spike("BOTTLE", 40)), catalog, CFG, "x.mp4")
    assert plan.moments == []


def test_length_limits_and_stale_warning(catalog):
    script = SCRIPT[:8] + [
        (62.0, "Next is the Bamboo Water Bottle."),
        (66.0, "For the next five minutes only you get a free strap."),
        (72.0, "The bamboo bottle keeps water cold for a whole day."),
        (78.0, "Tap the cart to grab yours."),
    ]
    config = MomentsConfig(max_duration_s=20)
    plan = plan_moments(make_transcript(script), report(spike("BOTTLE", 100)), catalog, config, "x.mp4")
    (m,) = plan.moments
    assert m.duration_s <= 20.0 + 1e-6
    assert m.cta_text == "Tap the cart to grab yours."
    (cut,) = m.cuts  # the live-only line is cut out of the middle, listed with its reason
    assert cut.reason == "live_only" and cut.text.startswith("For the next five minutes only")
    assert [(s.start_s, s.end_s) for s in m.segments] == [(m.start_s, cut.start_s), (cut.end_s, m.end_s)]
    assert m.score.stale_penalty == 0


def test_no_repeat_products_and_no_overlap(catalog):
    plan = plan_moments(
        make_transcript(SCRIPT), report(spike("GLOW", 70), spike("GLOW", 75, above=5)), catalog, CFG, "x.mp4"
    )
    assert len(plan.moments) == 1
    assert any("overlaps" in r.reason or "same product" in r.reason for r in plan.rejected)


# ---------------------------------------------------------------- any language, real-world transcripts

import json  # noqa: E402

import pytest  # noqa: E402

from reelcart.errors import InputError  # noqa: E402
from reelcart.models import Catalog, Product, Segment, TimeRange, Transcript, Word  # noqa: E402
from reelcart.stages.moments import (  # noqa: E402
    apply_editor_plan,
    check_plan_times,
    load_plan,
    match_phrase,
)


def tokens_of(sentence: str, language: str) -> list[str]:
    if language == "zh":  # whisper writes Chinese as runs of one to three characters, no spaces
        return [sentence[i : i + 2] for i in range(0, len(sentence), 2)]
    return sentence.split()


def transcript_of(script: list[tuple[float, str]], language: str, *, per_token_s: float = 0.4) -> Transcript:
    """Sentences spoken back to back (0.5 s apart); a script time only adds a pause before chit-chat."""
    words: list[Word] = []
    for start, sentence in script:
        t = words[-1].end_s + 0.5 if words else start
        for token in tokens_of(sentence, language):
            words.append(Word(text=token, start_s=round(t, 3), end_s=round(t + per_token_s * 0.8, 3)))
            t += per_token_s
    segments = [Segment(start_s=w.start_s, end_s=w.end_s, text=w.text, words=[w]) for w in words]
    return Transcript(model="test", language=language, language_probability=1.0,
                      windows=[TimeRange(start_s=0, end_s=words[-1].end_s + 30)], segments=segments, audio_s=words[-1].end_s)


LANGUAGE_CASES = {
    "es": (
        [("ES-S", "Sérum Brillo Terciopelo", ["sérum brillo"]), ("ES-B", "Botella de Bambú", ["botella de bambú"])],
        [(0, "Hola a todos, bienvenidos al directo."), (20, "Ahora les presento el Sérum Brillo Terciopelo."),
         (26, "Yo uso el serum brillo todas las mañanas."), (32, "Se absorbe rápido y no deja la piel pegajosa."),
         (38, "Toca el carrito naranja para comprar el tuyo."), (46, "Gracias María por acompañarnos desde México."),
         (70, "Miren esta maravilla, la Botella de Bambú."), (76, "La botella de bambu mantiene el agua fría todo el día."),
         (83, "Cabe en cualquier bolso y no gotea."), (89, "El enlace fijado está arriba, compra ahora."),
         (97, "Déjenme tomar un poco de agua.")],
    ),
    "ar": (
        [("AR-S", "سيروم التوهج المخملي", ["سيروم التوهج"]), ("AR-B", "زجاجة الخيزران", ["زجاجة الماء"])],
        [(0, "أهلا بكم جميعا في البث المباشر."), (20, "المنتج الأول اليوم هو سيروم التوهج المخملي."),
         (26, "أنا أستخدم سيروم التّوهج كل صباح قبل العمل."), (32, "النتيجة رائعة بعد أسبوعين فقط."),
         (38, "اضغطوا على السلة البرتقالية واطلبوا الآن."), (46, "شكرا لسارة على المتابعة من الرياض."),
         (70, "الآن عندي لكم زجاجة الخيزران."), (76, "زجاجة الماء تحافظ على البرودة طوال اليوم."),
         (83, "السعر ممتاز والجودة عالية."), (89, "الرابط مثبت في الأعلى، اشتروا الآن."),
         (97, "دقيقة أشرب قليلا من الماء.")],
    ),
    "vi": (
        [("VI-S", "Kem dưỡng Nhung Sáng", ["kem nhung sáng"]), ("VI-B", "Bình nước Tre Xanh", ["bình tre xanh"])],
        [(0, "Chào cả nhà đã vào live tối nay."), (20, "Sản phẩm đầu tiên là Kem dưỡng Nhung Sáng."),
         (26, "Mình dùng kem nhung sang mỗi sáng luôn."), (32, "Thấm rất nhanh và không bết dính chút nào."),
         (38, "Các bạn bấm vào giỏ hàng để chốt đơn nhé."), (46, "Cảm ơn chị Lan đã xem từ Hà Nội."),
         (70, "Bây giờ mình giới thiệu Bình nước Tre Xanh."), (76, "Bình tre xanh giữ nước lạnh cả ngày."),
         (83, "Chất lượng rất tốt mà giá lại mềm."), (89, "Link ghim ở trên, mua ngay nhé."),
         (97, "Cho mình uống miếng nước nha.")],
    ),
    "zh": (
        [("ZH-S", "丝绒光精华", ["光精华"]), ("ZH-B", "竹子水杯", ["竹杯"])],
        [(0, "大家好欢迎来到直播间。"), (20, "今天第一款是丝绒光精化。"), (26, "我每天早上都用光精华效果特别好。"),
         (32, "用了两个星期皮肤亮了很多。"), (38, "大家点击小黄车马上下单。"), (46, "谢谢小美从上海来看直播。"),
         (70, "现在给大家介绍竹子水杯。"), (76, "这个竹杯保冷一整天。"), (83, "质量很好价格也很实惠。"),
         (89, "链接已置顶赶紧抢。"), (97, "我先喝口水。")],
    ),
    # traditional characters out of the speech model, simplified names in the catalog
    "zh-Hant": (
        [("ZH-S", "丝绒光精华", ["光精华"]), ("ZH-B", "竹子水杯", ["竹杯"])],
        [(0, "大家好歡迎來到直播間。"), (20, "今天第一款是絲絨光精華。"), (26, "我每天早上都用光精華效果特別好。"),
         (32, "用了兩個星期皮膚亮了很多。"), (38, "大家點擊小黃車馬上下單。"), (46, "謝謝小美從上海來看直播。"),
         (70, "現在給大家介紹竹子水杯。"), (76, "這個竹杯保冷一整天。"), (83, "質量很好價格也很實惠。"),
         (89, "鏈接已置頂趕緊搶。"), (97, "我先喝口水。")],
    ),
}


@pytest.mark.parametrize("case", sorted(LANGUAGE_CASES))
def test_pitches_and_calls_to_action_in_any_language(case):
    products, script = LANGUAGE_CASES[case]
    language = case.split("-")[0]
    catalog = Catalog(source="t", products=[Product(sku=s, name=n, url=f"https://x.example/{s}", aliases=a) for s, n, a in products])
    transcript = transcript_of(script, language)
    words = transcript.words()
    lines: list[list[Word]] = []  # the words of each script line
    for _, sentence in script:
        n = len(tokens_of(sentence, language))
        done = sum(len(x) for x in lines)
        lines.append(words[done : done + n])
    spikes = report(spike(products[0][0], lines[4][-1].end_s + 20), spike(products[1][0], lines[9][-1].end_s + 20))
    plan = plan_moments(transcript, spikes, catalog, MomentsConfig(min_duration_s=8), "x.mp4")
    assert [m.sku for m in plan.moments] == [products[0][0], products[1][0]]
    for m, (pitch, cta) in zip(plan.moments, ((lines[1], lines[4]), (lines[6], lines[9]))):
        assert pitch[0].start_s - CFG.lead_in_s - 1e-6 <= m.start_s <= pitch[0].start_s  # the pitch sentence starts it
        assert m.cta_start_s == cta[0].start_s
        assert cta[-1].end_s < m.end_s <= cta[-1].end_s + CFG.tail_s + 1e-6  # ends just after the CTA sentence
        assert m.score.call_to_action == 1 and m.score.pitch > 0.5
        assert not m.warnings, m.warnings


def test_whisper_mishearings_of_calls_to_action(catalog):
    script = [
        (0.0, "Okay everyone, next is the Velvet Glow Serum."),
        (5.0, "The glow serum smells like fresh peaches."),
        (10.0, "I use the serum every morning before work, honestly."),
        (16.0, "Just tap the orange card below."),
        (40.0, "Now the Bamboo Water Bottle."),
        (44.0, "The bamboo bottle keeps water cold all day long."),
        (50.0, "It fits every cup holder I own, and it never leaks."),
        (56.0, "The link is been at the top."),
    ]
    plan = plan_moments(make_transcript(script), report(spike("GLOW", 30), spike("BOTTLE", 70)), catalog, CFG, "x.mp4")
    assert [(m.sku, m.cta_text) for m in plan.moments] == [
        ("GLOW", "Just tap the orange card below."), ("BOTTLE", "The link is been at the top.")]


def test_names_match_fuzzily_but_only_on_word_boundaries():
    from reelcart.stages.moments import normalize_text, split_sentences

    def sentence(text: str):
        return split_sentences(make_transcript([(0.0, text)]).words())[0]

    assert match_phrase("velvet glow serum", sentence("the velvets glow sirum is here."), 80).score >= 80
    assert match_phrase("summit trail backpack", sentence("my summit trial back pack is great."), 80) is not None
    assert match_phrase("pan", sentence("what a panorama view."), 80) is None  # short names: whole words only
    assert match_phrase("pan", sentence("this pan is great."), 80).first == 1
    assert match_phrase("serum", sentence("the sermon was long."), 80) is None
    assert normalize_text("Sérum BRILLO, ¡ya!") == "serum brillo ya"
    assert normalize_text("أَضِفْ إلى السلة") == normalize_text("اضف الى السله")  # harakat, hamza forms, ta marbuta
    assert normalize_text("點擊 小黃車") == "点击小黄车"


def test_cuts_never_fall_inside_a_word(catalog):
    # words back to back, no gaps: the lead-in and tail must stop at the neighbouring words
    words, t = [], 0.0
    text = ("Thanks for coming everyone. First up is the Velvet Glow Serum. The glow serum is so light on the skin. "
            "I put the serum on every morning before work. Tap the cart below to grab yours. And now the weather.")
    for token in text.split():
        words.append(Word(text=token, start_s=round(t, 3), end_s=round(t + 0.35, 3)))
        t += 0.35
    transcript = Transcript(model="t", language="en", language_probability=1, windows=[TimeRange(start_s=0, end_s=t)],
                            segments=[Segment(start_s=0, end_s=t, text=text, words=words)], audio_s=t)
    (m,) = plan_moments(transcript, report(spike("GLOW", 30)), catalog, MomentsConfig(min_duration_s=5), "x.mp4").moments
    for w in words:
        assert not (w.start_s < m.start_s < w.end_s) and not (w.start_s < m.end_s < w.end_s)
    assert m.first_words.startswith("First up is the Velvet Glow Serum.")
    assert m.cta_text == "Tap the cart below to grab yours."


def test_dead_air_inside_the_pitch_is_cut(catalog):
    script = [
        (0.0, "First up is the Velvet Glow Serum."),
        (3.0, "Let me just find it on the table here."),
        (18.0, "Here it is, the glow serum, so light on the skin."),  # 11 s of silence before this
        (24.0, "I use the serum every morning before work."),
        (30.0, "It smells like fresh peaches and never feels sticky."),
        (36.0, "Tap the orange cart below to grab yours."),
    ]
    words = make_transcript(script).words()
    (m,) = plan_moments(make_transcript(script), report(spike("GLOW", 60)), catalog, CFG, "x.mp4").moments
    assert m.start_s < 0.5 and m.first_words.startswith("First up is the Velvet Glow Serum")  # the intro stays
    (cut,) = m.cuts
    before = max(w.end_s for w in words if w.end_s < 10)
    assert cut.reason == "dead_air" and abs(cut.start_s - (before + 0.3)) < 0.01 and abs(cut.end_s - 17.7) < 0.01
    assert m.duration_s == pytest.approx(m.end_s - m.start_s - (cut.end_s - cut.start_s), abs=1e-3)
    # with the cut switched off, the pause is kept and flagged
    (m,) = plan_moments(make_transcript(script), report(spike("GLOW", 60)), catalog, MomentsConfig(cut_dead_air=False),
                        "x.mp4").moments
    assert m.cuts == [] and len(m.segments) == 1 and any("keeps" in w and "silence" in w for w in m.warnings)
    # a longer silence ends the pitch: the reel starts at the sentence naming the product after it
    far = [(t + 10 if t >= 18 else t, line) for t, line in script]
    (m,) = plan_moments(make_transcript(far), report(spike("GLOW", 70)), catalog, CFG, "x.mp4").moments
    assert abs(m.start_s - 28.0) <= 0.25 and m.cuts == []


STALE_CASES = {
    # language: (products, script with the CTA sentence last, the live-only phrase at its end), phrase
    "en": ("Velvet Glow Serum", ["Next is the Velvet Glow Serum.", "The glow serum is so light and fresh on the skin.",
            "Comment below if you want a sample.", "Honestly the glow serum is my favourite this year.",
            "Tap the cart to grab yours, only for viewers right now."], "only for viewers right now"),
    "es": ("Sérum Brillo", ["Ahora les presento el Sérum Brillo.", "El sérum brillo deja la piel suave todo el día.",
            "Comenta abajo qué color quieres.", "Yo uso el sérum brillo todas las mañanas.",
            "Toca el carrito para comprar el tuyo, solo en este live."], "solo en este live"),
    "ar": ("سيروم التوهج", ["المنتج التالي هو سيروم التوهج.", "سيروم التوهج خفيف جدا ويمتص بسرعة.",
            "اكتبوا في التعليقات أي لون تريدون.", "أنا أستخدم سيروم التوهج كل صباح.",
            "اضغطوا على السلة الآن، فقط على اللايف."], "فقط على اللايف"),
    "vi": ("Kem Nhung Sáng", ["Sản phẩm tiếp theo là Kem Nhung Sáng.", "Kem nhung sáng thấm rất nhanh và không bết dính.",
            "Bình luận bên dưới màu các bạn thích nhé.", "Mình dùng kem nhung sáng mỗi sáng luôn.",
            "Các bạn bấm vào giỏ hàng nhé, chỉ trong live thôi."], "chi trong live"),
    "zh": ("丝绒光精华", ["今天下一款是丝绒光精华。", "这款丝绒光精华吸收特别快一点都不油。", "评论区扣一告诉我你要什么颜色。",
            "我每天早上都用丝绒光精华真的好用。", "大家点击小黄车马上下单直播间专享。"], "直播间专享"),
}


@pytest.mark.parametrize("language", sorted(STALE_CASES))
def test_stale_offers_are_cut_from_the_middle_and_the_end(language):
    name, lines, phrase = STALE_CASES[language]
    catalog = Catalog(source="t", products=[Product(sku="P", name=name, url="https://x.example/p")])
    script = [(10.0, line) for line in lines]
    transcript = transcript_of(script, language)
    last_line = transcript.words()[-len(tokens_of(lines[-1], language)) :]
    plan = plan_moments(transcript, report(spike("P", last_line[-1].end_s + 15)), catalog, MomentsConfig(min_duration_s=5), "x.mp4")
    (m,) = plan.moments
    assert m.end_s < last_line[-1].end_s  # the live-only tail is gone, the CTA stays
    kept = [w for w in last_line if w.end_s <= m.end_s]
    assert len(kept) >= 2 and m.cta_text
    (cut,) = m.cuts  # the comment-below line, cut whole from the middle
    assert cut.reason == "live_only" and normalize_text(cut.text) == normalize_text(lines[2])
    assert len(m.segments) == 2 and m.score.stale_penalty == 0
    assert not [w for w in m.warnings if "live-only" in w]
    # switched off: kept and flagged, as before
    off = MomentsConfig(min_duration_s=5, cut_live_only=False)
    (m,) = plan_moments(transcript, report(spike("P", last_line[-1].end_s + 15)), catalog, off, "x.mp4").moments
    assert m.cuts == [] and any(w.startswith("live-only phrase kept inside") for w in m.warnings)
    assert m.score.stale_penalty > 0


def test_stale_phrase_opening_the_pitch_is_cut_at_word_level(catalog):
    script = [
        (0.0, "For the next five minutes only the Velvet Glow Serum is half price."),
        (7.0, "The glow serum is so light and fresh on the skin."),
        (13.0, "I use the serum every morning before work."),
        (19.0, "Tap the orange cart below to grab yours."),
    ]
    (m,) = plan_moments(make_transcript(script), report(spike("GLOW", 40)), catalog, MomentsConfig(min_duration_s=10), "x.mp4").moments
    assert m.first_words.startswith("the Velvet Glow Serum")
    assert m.cuts == [] and len(m.segments) == 1  # at the edge the span itself starts later


def test_a_passing_mention_never_becomes_a_reel(catalog):
    script = SCRIPT[:8] + [(60.0, "Oh and we also have a Gift Card if you need a present."), (66.0, "Let us talk about the weather.")]
    plan = plan_moments(make_transcript(script), report(spike("GLOW", 70), spike("GIFT", 90, above=60)), catalog, CFG, "x.mp4")
    assert [m.sku for m in plan.moments] == ["GLOW"]
    (gift,) = [r for r in plan.rejected if r.sku == "GIFT"]
    assert "passing mention" in gift.reason
    assert any("passing mention" in n and "GIFT" in n for n in plan.notes)


def test_a_store_wide_burst_is_never_credited_to_a_pitch(catalog):
    flash = spike("GLOW", 70).model_copy(update={"storewide_skus": 7})
    plan = plan_moments(make_transcript(SCRIPT), report(flash), catalog, CFG, "x.mp4")
    assert plan.moments == [] and "store-wide" in plan.rejected[0].reason


def test_min_count_takes_a_second_moment_of_the_same_product(catalog):
    script = SCRIPT[:7] + [(200.0 + t - 20.0, s) for t, s in SCRIPT[2:7]]
    spikes = report(spike("GLOW", 70), spike("GLOW", 250, above=12))
    plan = plan_moments(make_transcript(script), spikes, catalog, CFG, "x.mp4")
    assert [(m.sku, round(m.start_s)) for m in plan.moments] == [("GLOW", 20), ("GLOW", 200)]
    assert any("min_count" in w for w in plan.moments[1].warnings)
    plan = plan_moments(make_transcript(script), spikes, catalog, MomentsConfig(min_count=1), "x.mp4")
    assert len(plan.moments) == 1 and "same product" in plan.rejected[0].reason


def test_notes_say_why_there_are_no_reels(catalog):
    stats = OrderStats(source="t", format="generic", rows=40, orders_used=0, outside_recording=40)
    empty = SpikeReport(stream_start=None, clock_offset_s=0, bin_s=10, stats=stats, spikes=[])
    plan = plan_moments(make_transcript(SCRIPT), empty, catalog, CFG, "x.mp4")
    assert plan.notes[0] == "0 of 3 reels planned"
    assert "40 fall outside it" in plan.notes[1] and "--stream-start" in plan.notes[1]
    assert plan.order_stats == stats


def test_unpunctuated_transcript_still_splits_into_sentences(catalog):
    # no punctuation at all and short pauses between sentences (0.5 s) against 0.08 s between words
    script = [(t, s.rstrip(".").lower()) for t, s in SCRIPT]
    words = make_transcript(script).words()
    from reelcart.stages.moments import split_sentences

    assert len(split_sentences(words)) == len(SCRIPT)
    plan = plan_moments(make_transcript(script), report(spike("GLOW", 70)), catalog, CFG, "x.mp4")
    (m,) = plan.moments
    assert abs(m.start_s - 20.0) < 0.5 and 42 < m.end_s < 46


# ---------------------------------------------------------------- editors


def test_hand_edited_plan_needs_only_sku_and_times(tmp_path, catalog):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"source": "x.mp4", "moments": [{"sku": "BOTTLE", "start_s": 62.5, "end_s": 80.1}]}))
    plan = load_plan(path)
    transcript = make_transcript(SCRIPT)
    edited = apply_editor_plan(plan, transcript, catalog, CFG, duration_s=120.0, path=path)
    (m,) = edited.moments
    assert m.id == "reel-1" and m.product_name == "Bamboo Water Bottle"
    assert m.start_s == 62.4  # moved to the start of the word it cut into
    assert any(w.startswith("start moved from 62.50 to 62.40") for w in m.warnings)
    assert m.first_words.startswith("is the Bamboo Water Bottle.")
    # swapping the product: the name follows the catalog, and the editor is told it is not named there
    swapped = plan.model_copy(update={"moments": [plan.moments[0].model_copy(update={"sku": "GLOW"})]})
    (m,) = apply_editor_plan(swapped, transcript, catalog, CFG, duration_s=120.0).moments
    assert m.product_name == "Velvet Glow Serum" and any("is not named inside" in w for w in m.warnings)


@pytest.mark.parametrize(
    "moments, message",
    [
        ([{"sku": "GLOW", "start_s": 100, "end_s": 130}], "moment #1: 100.0-130.0 s is outside the recording (0-120.0 s)"),
        ([{"sku": "GLOW", "start_s": 30, "end_s": 20}], "moment #1: end_s 20.0 is not after start_s 30.0"),
        ([{"id": "a", "sku": "GLOW", "start_s": 1, "end_s": 20}, {"id": "a", "sku": "GLOW", "start_s": 30, "end_s": 50}],
         "moment id 'a' is used twice"),
    ],
)
def test_impossible_edits_fail_on_one_line(tmp_path, moments, message):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"moments": moments}))
    with pytest.raises(InputError) as err:
        check_plan_times(load_plan(path), 120.0, path)
    assert str(err.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"moments": [\n{"sku": "GLOW", "start_s": 1,}\n]}', "line 2: invalid JSON"),
        ('{"moments": [{"sku": "GLOW", "start_s": "soon", "end_s": 9}]}', "moment 1: field 'start_s'"),
        ('{"moments": [{"sku": "GLOW", "end_s": 9}]}', "moment 1: missing field(s) start_s"),
        ('{"moments": [{"sku": "GLOW", "start_s": 1, "end_s": 9, "colour": "red"}]}', "moment 1: field 'colour': unknown field"),
        ('[1, 2]', "not a reelcart plan"),
    ],
)
def test_broken_plan_files_are_reported_on_one_line(tmp_path, text, message):
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_plan(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_misheard_character_in_a_chinese_name_still_matches():
    from reelcart.stages.moments import split_sentences

    words = transcript_of([(0.0, "今天下一款是云朵毛摊。")], "zh").words()
    (sentence,) = split_sentences(words)
    assert match_phrase("云朵毛毯", sentence, 80) is not None  # one homophone in four characters
    assert match_phrase("云朵毛毯", split_sentences(transcript_of([(0.0, "今天云彩很好看。")], "zh").words())[0], 80) is None
