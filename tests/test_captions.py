"""Caption pages, line breaking, styles, escaping, layout and the card: pure functions, no ffmpeg."""

import re
from pathlib import Path

import pytest

from reelcart.config import CaptionsConfig, OverlayConfig, RenderConfig, load_preset
from reelcart.media.fonts import face_runs, missing_glyphs, primary_face, resolve_face, text_width_px
from reelcart.models import Moment, Product, ScoreParts, Word
from reelcart.handoff.platforms import PLATFORMS
from reelcart.stages.captions import (
    ass_escape,
    ass_unescape,
    build_ass,
    build_card,
    build_layout,
    build_pages,
    build_srt,
    caption_block_height,
    line_width,
    make_tokens,
    reel_words,
)

GOLDEN = Path(__file__).parent / "golden"
FACE = resolve_face("Be Vietnam Pro", 800)
EVIL = 'Serum {\\b1\\c&H0000FF&} "50%" off: C:\\N\\path\nnext line; [x], \\h {\\an7}'


def words(text: str, start: float = 0.0, step: float = 0.4) -> list[Word]:
    return [Word(text=t, start_s=round(start + i * step, 3), end_s=round(start + i * step + 0.3, 3)) for i, t in enumerate(text.split())]


def moment(**kw) -> Moment:
    base = dict(id="reel-1", sku="A", product_name="P", start_s=10.0, end_s=30.0, pitch_start_s=10.0, cta_start_s=24.0,
                score=ScoreParts(sales_lift=1, pitch=1, call_to_action=1, speech_density=1, stale_penalty=0, total=1))
    base.update(kw)
    return Moment(**base)


def layout(platform="generic", **cap):
    return build_layout(CaptionsConfig(**cap), RenderConfig(), PLATFORMS[platform])


def pages_of(text, cfg=None, lang="en", face=FACE, lay=None):
    cfg = cfg or CaptionsConfig()
    return build_pages(words(text), cfg, lay or build_layout(cfg, RenderConfig(), PLATFORMS["generic"]), face, lang)


def line_text(line):
    return " ".join(t.text for t in line)


def ass_events(ass: str) -> list[str]:
    return [ln for ln in ass.splitlines() if ln.startswith("Dialogue:")]


# ----------------------------------------------------------------- escaping


def test_escape_shows_text_literally_and_opens_nothing():
    out = ass_escape(EVIL)
    assert "\n" not in out and "\r" not in out
    assert not re.search(r"(?<!\\)[{}]", out), "an unescaped brace would open an override block"
    # every backslash is followed by a word joiner or is a brace escape: never \N, \n, \h
    assert not re.search(r"\\[Nnh]", out)
    assert ass_unescape(out) == EVIL.replace("\n", " ")


@pytest.mark.parametrize("text", ["100% {x}", "a\\{b", "\\", "}{", "C:\\new\\Net", "tab\there", "quote's \"q\""])
def test_escape_round_trips(text):
    assert ass_unescape(ass_escape(text)) == text.replace("\t", " ")


# ----------------------------------------------------------------- pages and lines


def test_lines_are_broken_by_measured_width():
    cfg = CaptionsConfig(words_per_line=12, max_lines=2, font_size_px=80, max_line_width_frac=0.8)
    lay = build_layout(cfg, RenderConfig(), PLATFORMS["generic"])
    pages = pages_of("wide WWWWW words MMMMM make lines break iiii early", cfg, lay=lay)
    for page in pages:
        assert len(page.lines) <= 2
        for line in page.lines:
            assert line_width(line, FACE, lay.font_px, 1.12) <= lay.max_line_w or len(line) == 1
    narrow = pages_of("i i i i i i i i i i i i", cfg, lay=lay)
    wide = pages_of("W W W W W W W W W W W W", cfg, lay=lay)
    assert len(narrow[0].lines[0]) > len(wide[0].lines[0])


def test_two_lines_are_balanced_not_greedy():
    cfg = CaptionsConfig(words_per_line=12, max_lines=2, font_size_px=90)
    lay = build_layout(cfg, RenderConfig(), PLATFORMS["generic"])
    text = "Grab the velvet glow serum before tonight ends"
    page = pages_of(text, cfg, lay=lay)[0]
    assert len(page.lines) == 2
    w1, w2 = (line_width(ln, FACE, lay.font_px) for ln in page.lines)
    # greedy would fill the first line and leave a short second one
    assert abs(w1 - w2) < 0.35 * max(w1, w2), [line_text(ln) for ln in page.lines]


def test_pages_are_even_no_lonely_last_word():
    cfg = CaptionsConfig(words_per_line=3, max_lines=2)
    pages = pages_of("one two three four five six seven", cfg)
    sizes = [len(p.words) for p in pages]
    assert sizes in ([4, 3], [3, 4]), sizes


def test_pages_break_at_sentence_end_and_pauses():
    ws = words("Hello there. This is new") + words("after a pause", start=5.0)
    cfg = CaptionsConfig()
    pages = build_pages(ws, cfg, build_layout(cfg, RenderConfig(), PLATFORMS["generic"]), FACE, "en")
    assert [" ".join(w.text for w in p.words) for p in pages] == ["Hello there.", "This is new", "after a pause"]


def test_chinese_breaks_by_characters_without_spaces():
    cfg = CaptionsConfig()
    lay = build_layout(cfg, RenderConfig(), PLATFORMS["generic"])
    zh = "点击购物车马上下单库存有限赶紧抢今天最后二十件"  # one "word" far wider than a line
    ws = [Word(text=zh, start_s=0.0, end_s=4.8)]
    face = primary_face(cfg.font, cfg.font_weight, zh, "zh")
    assert "CJK" in face.ass_name
    pages = build_pages(ws, cfg, lay, face, "zh")
    shown = "".join(t.text for p in pages for t in p.words)
    assert shown == zh
    for p in pages:
        assert len(p.lines) <= 2
        for line in p.lines:
            assert line_width(line, face, lay.font_px, 1.12) <= lay.max_line_w + 1
    ass = build_ass(pages, captions=cfg, layout=lay, primary=face, language="zh")
    assert "Language: zh" in ass
    assert all(" " not in ev.split(",,", 1)[1].split("}", 1)[1].replace("\\N", "") for ev in ass_events(ass))
    # time is shared out over the pieces, in order
    starts = [t.start_s for p in pages for t in p.words]
    assert starts == sorted(starts) and starts[0] == 0.0


def test_reel_words_are_on_the_reel_clock_and_cased():
    ws = words("a b c d", start=9.5, step=1.0)
    inside = reel_words(ws, moment(start_s=10.0, end_s=12.0), case="upper")
    assert [w.text for w in inside] == ["B", "C"] and inside[0].start_s == 0.5


# ----------------------------------------------------------------- styles


def test_pop_highlights_each_word_once_and_enlarges_it():
    cfg = CaptionsConfig(highlight_colour="#FFD400", highlight_scale_pct=115)
    lay = build_layout(cfg, RenderConfig(), PLATFORMS["generic"])
    pages = build_pages(words("tap the cart now"), cfg, lay, FACE, "en")
    events = ass_events(build_ass(pages, captions=cfg, layout=lay, primary=FACE, language="en"))
    assert len(events) == 4
    assert all(ev.count("\\c&H00D4FF&\\fscx115") == 1 for ev in events)  # #FFD400 as BGR
    starts = [ev.split(",")[1] for ev in events]
    assert starts == ["0:00:00.00", "0:00:00.40", "0:00:00.80", "0:00:01.20"]


def test_karaoke_fills_each_word_and_waits_through_gaps():
    cfg = CaptionsConfig(style="karaoke")
    lay = build_layout(cfg, RenderConfig(), PLATFORMS["generic"])
    ws = [Word(text="tap", start_s=0.0, end_s=0.3), Word(text="the", start_s=0.6, end_s=0.8), Word(text="cart", start_s=0.8, end_s=1.2)]
    ass = build_ass(build_pages(ws, cfg, lay, FACE, "en"), captions=cfg, layout=lay, primary=FACE, language="en")
    (event,) = ass_events(ass)
    assert re.findall(r"\\kf?(\d+)", event) == ["30", "30", "20", "40"]  # 0.3 s gap before "the"
    style = next(ln for ln in ass.splitlines() if ln.startswith("Style: Caption"))
    assert style.split(",")[3] == "&H0000D4FF"  # filled colour = highlight


def test_clean_style_draws_a_box():
    cfg = CaptionsConfig(style="clean", box_opacity=0.5)
    lay = build_layout(cfg, RenderConfig(), PLATFORMS["generic"])
    ass = build_ass(build_pages(words("a clean line"), cfg, lay, FACE, "en"), captions=cfg, layout=lay, primary=FACE, language="en")
    style = next(ln for ln in ass.splitlines() if ln.startswith("Style: Caption")).split(",")
    assert style[15] == "3" and style[6] == "&H80000000"


@pytest.mark.parametrize("name", ["pop", "karaoke", "clean"])
def test_built_in_styles_are_fully_tunable(name):
    base = load_preset(name)
    assert base.captions.style == name
    from reelcart.config import parse_set_option

    tuned = load_preset(name, [parse_set_option(s) for s in (
        "captions.font=Noto Sans CJK", "captions.font_size_px=90", "captions.text_colour=#112233",
        "captions.highlight_colour=#445566", "captions.outline_px=7", "captions.shadow_px=4", "captions.case=upper",
        "captions.position=top", "captions.words_per_line=2",
    )]).captions
    lay = build_layout(tuned, RenderConfig(), PLATFORMS["generic"])
    face = primary_face(tuned.font, tuned.font_weight, "hello", "en")
    ws = reel_words(words("tap the cart now please", start=1), moment(start_s=0.0, end_s=10.0), case=tuned.case)
    pages = build_pages(ws, tuned, lay, face, "en")
    assert all(len(line) <= 2 for p in pages for line in p.lines)
    ass = build_ass(pages, captions=tuned, layout=lay, primary=face, language="en")
    style = next(ln for ln in ass.splitlines() if ln.startswith("Style: Caption")).split(",")
    assert style[2] == "133.2" and style[16] == "7.0"  # 90 px per em in a face whose line is 1.48 em and style[17] == "4.0"
    colours = style[3:6]
    assert "&H00332211" in colours or "&H00665544" in colours
    assert "TAP" in ass and "\\an8" in ass and style[1] == "Noto Sans CJK TC Bold"


# ----------------------------------------------------------------- safe zone


@pytest.mark.parametrize("platform", ["tiktok", "reels", "shorts", "generic"])
@pytest.mark.parametrize("position", ["bottom", "middle", "top"])
def test_captions_and_card_stay_in_the_safe_zone(platform, position):
    cfg = CaptionsConfig(position=position)
    render = RenderConfig()
    lay = build_layout(cfg, render, PLATFORMS[platform])
    x0, y0, x1, y1 = lay.safe_rect
    card = build_card(Product(sku="A", name="Velvet Glow Serum", url="https://s.example.com/p", price=9.5), moment(),
                      OverlayConfig(), lay, face=FACE, weight=800, link="https://s.example.com/p?utm_source=x")
    cx0, cy0, cx1, cy1 = card.card_box
    assert x0 <= cx0 < cx1 <= x1 and y0 <= cy0 < cy1 <= y1
    qx, qy, qs = card.qr_card
    assert cx0 <= qx and qx + qs <= cx1 and cy0 <= qy and qy + qs <= cy1
    pages = build_pages(words("tap the orange cart below to grab yours now"), cfg, lay, FACE, "en")
    ass = build_ass(pages, captions=cfg, layout=lay, primary=FACE, language="en", card=card)
    an, x, y = map(int, re.search(r"\\an(\d)\\pos\((\d+),(\d+)\)", ass_events(ass)[0]).groups())
    block = caption_block_height(cfg, lay, FACE)
    top = {2: y - block, 5: y - block // 2, 8: y}[an]
    assert y0 <= top and top + block <= y1
    assert not (top < cy1 and top + block > cy0), "captions overlap the card"
    widest = max(line_width(line, FACE, lay.font_px, 1.12) for p in pages for line in p.lines)
    assert x - widest / 2 >= x0 and x + widest / 2 <= x1


# ----------------------------------------------------------------- card


def test_card_text_is_escaped_fitted_and_timed():
    lay = build_layout(CaptionsConfig(), RenderConfig(), PLATFORMS["generic"])
    product = Product(sku="A", name=EVIL, url="https://shop.example.com/p/serum?x=1", price=24.9, currency="USD")
    card = build_card(product, moment(), OverlayConfig(card_last_s=5), lay, face=FACE, weight=800, link="https://x.example/?a=1")
    assert card.card_spans == [(14.0, 20.0)]  # from the call to action (24 s in the source = 14 s in the reel) to the end
    texts = [ev.split(",", 9)[9] for ev in card.events if ev.startswith("Dialogue: 3")]
    plain = [ass_unescape(re.sub(r"^\{[^}]*\}", "", t)) for t in texts]
    shown = " ".join(plain[:-2])
    assert shown.endswith("…") and " ".join(EVIL.split()).startswith(shown[:-1])  # literal, cut only at the end
    assert '"50%" off: C:\\N\\path' in shown
    assert plain[-2] == "24.90 USD" and plain[-1] == "shop.example.com/p/serum"
    for t in texts:
        body = re.sub(r"\{\\(?:an|fn)[^{}]*\}", "", t)  # reelcart's own override blocks
        assert not re.search(r"(?<!\\)[{}]", body), body


def test_end_card_and_mirrored_layout_for_right_to_left():
    lay = build_layout(CaptionsConfig(), RenderConfig(), PLATFORMS["generic"])
    product = Product(sku="A", name="عطر الورد", url="https://shop.example.com/p", price=10)
    card = build_card(product, moment(cta_start_s=None), OverlayConfig(end_card=True, end_card_s=3, card_last_s=6), lay,
                      face=FACE, weight=800, link="https://x.example/", rtl=True)
    assert card.end_span == (17.0, 20.0) and card.card_spans == [(14.0, 17.0)]
    assert card.qr_card[0] < (card.card_box[0] + card.card_box[2]) / 2  # QR on the left, text on the right
    assert card.qr_end[2] > card.qr_card[2] * 1.5
    assert any("Noto Sans Arabic" in f.ass_name for f in card.faces)
    pages = build_pages(words("shop now", start=18), CaptionsConfig(), lay, FACE, "en")
    ass = build_ass(pages, captions=CaptionsConfig(), layout=lay, primary=FACE, language="ar", card=card)
    assert not [ev for ev in ass_events(ass) if ",Caption," in ev], "captions hide under the end card"


# ----------------------------------------------------------------- fonts


def test_every_script_gets_a_bundled_face_with_its_glyphs():
    samples = {"vi": "Bấm vào giỏ hàng chốt đơn ngay ạ ữ ỹ Đ", "ar": "اضغط على السلة البرتقالية الآن", "zh": "中国今日又望创下历史单日出行人次最高"}
    for lang, text in samples.items():
        face = primary_face("Be Vietnam Pro", 800, text, lang)
        assert face.path is not None and not missing_glyphs(text.replace(" ", ""), face.path), (lang, face)
    mixed = face_runs("اشتري Việt Nam 中国 الآن", primary_face("Be Vietnam Pro", 800, "اشتري", "ar"), 800)
    assert [f.family for f, _ in mixed] == ["Noto Sans Arabic", "Be Vietnam Pro", "Noto Sans CJK", "Noto Sans Arabic"]


def test_variable_fonts_are_instanced_at_the_weight_and_cached():
    from fontTools.ttLib import TTFont

    face = resolve_face("Noto Sans Arabic", 700)
    font = TTFont(str(face.path), lazy=True)
    assert "fvar" not in font and font["OS/2"].usWeightClass == 700
    assert font["name"].getDebugName(4) == face.ass_name == "Noto Sans Arabic RC700"
    resolve_face.cache_clear()
    again = resolve_face("Noto Sans Arabic", 700)
    assert again.path == face.path and again.path.stat().st_mtime == face.path.stat().st_mtime
    assert text_width_px("ب", face.path, 100) > 0


def test_srt_golden():
    ws = words("Tap the orange cart below to grab yours.") + words("Only twenty left!", start=4.0)
    cfg = CaptionsConfig(words_per_line=4)
    pages = build_pages(ws, cfg, build_layout(cfg, RenderConfig(), PLATFORMS["generic"]), FACE, "en")
    srt = build_srt(pages, "en")
    golden = GOLDEN / "captions.srt"
    assert srt == golden.read_text(encoding="utf-8")


def test_tokens_keep_words_that_fit_whole():
    lay = build_layout(CaptionsConfig(), RenderConfig(), PLATFORMS["generic"])
    toks = make_tokens(words("supercalifragilistic ok"), FACE, 800, lay.font_px, lay.max_line_w)
    assert [t.text for t in toks] == ["supercalifragilistic", "ok"]
