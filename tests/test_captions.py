from pathlib import Path

from reelcart.config import CaptionsConfig, OverlayConfig, RenderConfig
from reelcart.fonts import bundled_font_path, text_width_px
from reelcart.models import Moment, Product, ScoreParts, Word
from reelcart.stages.captions import ass_escape, build_ass, build_card, build_pages, build_srt, reel_words

GOLDEN = Path(__file__).parent / "golden"
FONT = bundled_font_path("Montserrat")


def words(text: str, start: float = 0.0, step: float = 0.4) -> list[Word]:
    return [Word(text=t, start_s=round(start + i * step, 3), end_s=round(start + i * step + 0.3, 3)) for i, t in enumerate(text.split())]


def moment(**kw) -> Moment:
    base = dict(id="reel-1", sku="A", product_name="P", start_s=10.0, end_s=30.0, pitch_start_s=10.0, cta_start_s=24.0,
                score=ScoreParts(sales_lift=1, pitch=1, call_to_action=1, speech_density=1, stale_penalty=0, total=1))
    base.update(kw)
    return Moment(**base)


def test_escape_blocks_overrides_and_newlines():
    evil = "{\\b1\\c&H0000FF&}Pwn\\N\nline"
    out = ass_escape(evil)
    assert "{" not in out and "}" not in out and "\\" not in out and "\n" not in out
    assert "Pwn" in out


def test_lines_are_broken_by_measured_width():
    cfg = CaptionsConfig(max_words=20, max_lines=2, font_size_px=80, max_line_width_frac=0.8)
    pages = build_pages(words("wide WWWWW words MMMMM make lines break iiii early"), cfg, 1080, FONT, "en")
    limit = 0.8 * 1080
    for page in pages:
        assert len(page.lines) <= 2
        for line in page.lines:
            assert text_width_px(" ".join(w.text for w in line), FONT, 80) <= limit or len(line) == 1
    # narrow letters fit more words on a line than wide ones
    narrow = build_pages(words("i i i i i i i i i i i i"), cfg, 1080, FONT, "en")
    wide = build_pages(words("W W W W W W W W W W W W"), cfg, 1080, FONT, "en")
    assert len(narrow[0].lines[0]) > len(wide[0].lines[0])


def test_pages_break_at_sentence_end_and_pauses():
    ws = words("Hello there. This is new") + words("after a pause", start=5.0)
    pages = build_pages(ws, CaptionsConfig(), 1080, FONT, "en")
    assert [" ".join(w.text for w in p.words) for p in pages] == ["Hello there.", "This is new", "after a pause"]


def test_pop_style_highlights_each_word_once():
    ws = words("tap the cart now")
    pages = build_pages(ws, CaptionsConfig(), 1080, FONT, "en")
    ass = build_ass(pages, captions=CaptionsConfig(), overlay=OverlayConfig(), render=RenderConfig(), font_family="Montserrat",
                    language="en", card=None)
    events = [ln for ln in ass.splitlines() if ln.startswith("Dialogue:")]
    assert len(events) == 4
    assert all(ev.count("\\c&H0000D4FF") == 1 for ev in events)  # #FFD400 as ASS BGR
    assert "PlayResX: 1080" in ass and "PlayResY: 1920" in ass


def test_karaoke_uses_kf_tags():
    cfg = CaptionsConfig(style="karaoke")
    pages = build_pages(words("tap the cart"), cfg, 1080, FONT, "en")
    ass = build_ass(pages, captions=cfg, overlay=OverlayConfig(), render=RenderConfig(), font_family="Montserrat", language="en", card=None)
    assert ass.count("\\kf") == 3


def test_card_text_is_escaped_and_timed():
    product = Product(sku="A", name="Serum {\\an7}", url="https://shop.example.com/p/serum?x=1", price=24.9, currency="USD")
    text, spans = build_card(product, moment(), OverlayConfig(card_last_s=5))
    assert "{\\an7}" not in text and "24.90 USD" in text and "shop.example.com/p/serum" in text
    assert spans == [(14.0, 20.0)]  # from the call to action (24 s in the source = 14 s in the reel) to the end


def test_reel_words_are_on_the_reel_clock():
    ws = words("a b c d", start=9.5, step=1.0)
    inside = reel_words(ws, moment(start_s=10.0, end_s=12.0), uppercase=True)
    assert [w.text for w in inside] == ["B", "C"] and inside[0].start_s == 0.5


def test_srt_golden():
    ws = words("Tap the orange cart below to grab yours.") + words("Only twenty left!", start=4.0)
    pages = build_pages(ws, CaptionsConfig(max_words=4), 1080, FONT, "en")
    srt = build_srt(pages, "en")
    golden = GOLDEN / "captions.srt"
    assert srt == golden.read_text(encoding="utf-8")
