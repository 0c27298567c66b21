"""Every script renders: frames read back show caption pixels in the highlight colour, at the right
time, inside the safe zone, with the glyphs drawn (ink as wide as the measured text).

fontconfig is pointed at an empty configuration, so no system font can help: the faces come from
the PyPI packages reelcart depends on, as on a fresh machine.
"""

from __future__ import annotations

import numpy as np
import pytest

from reelcart.stages import render as render_mod

from .render_helpers import bbox, colour_mask, frame_at, info_of, make_clip, moment, preset, product, transcript, video_frames

HIGHLIGHT = "#FFD400"
SCRIPTS = {
    "vi": ["Bấm", "giỏ", "hàng", "ngay"],
    "ar": ["اضغط", "على", "السلة", "الآن"],
    "zh": ["点击", "购物车", "马上", "下单"],
}
WORD_START, WORD_STEP, WORD_LEN = 0.5, 0.6, 0.5


@pytest.fixture(scope="module")
def background(tmp_path_factory):
    root = tmp_path_factory.mktemp("scripts")
    return make_clip(root / "bg.mp4", width=640, height=360, duration=3.5, background="0x1E2A3A", audio="speech")


@pytest.fixture(scope="module")
def fresh_fontconfig(tmp_path_factory):
    root = tmp_path_factory.mktemp("fontconfig")
    conf = root / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><cachedir>{root}/cache</cachedir></fontconfig>\n')
    mp = pytest.MonkeyPatch()
    mp.setenv("FONTCONFIG_FILE", str(conf))
    yield conf
    mp.undo()


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_script_renders_highlighted_in_the_safe_zone(lang, background, fresh_fontconfig, tmp_path):
    tokens = SCRIPTS[lang]
    words = [(t, WORD_START + i * WORD_STEP, WORD_START + i * WORD_STEP + WORD_LEN) for i, t in enumerate(tokens)]
    tr = transcript(words, language=lang)
    m = moment(0.0, 3.5)
    pre = preset("default", render__width_px=480, render__height_px=854, overlay__product_card=False,
                 render__normalize_loudness=False, render__thumbnail=False, captions__words_per_line=4)
    plan = render_mod.plan_reel(info_of(background), m, product(), tr, pre)
    page = plan.pages[0]
    assert len(plan.pages) == 1 and len(page.lines[0]) >= 2  # four short words: one page
    reel = render_mod.render_reel(info_of(background), m, product(), tr, pre, work_dir=tmp_path / "work",
                                  out_dir=tmp_path / "out")
    frames = video_frames(tmp_path / "out" / reel.file)
    lay = plan.layout
    x0, y0, x1, y1 = lay.safe_rect

    # nothing before the first word is spoken
    before = frame_at(frames, WORD_START - 0.3)
    assert (before.min(axis=2) > 200).sum() == 0 and colour_mask(before, HIGHLIGHT).sum() == 0

    centres = []
    for i in (0, 1):  # two words of the first line
        t = WORD_START + i * WORD_STEP + WORD_LEN / 2
        frame = frame_at(frames, t)
        hl = colour_mask(frame, HIGHLIGHT)
        box = bbox(hl)
        assert box is not None and hl.sum() > 60, f"{lang}: no highlighted word at {t:.2f} s"
        bx0, by0, bx1, by1 = box
        assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1, f"{lang}: highlight {box} outside the safe zone"
        white = frame.min(axis=2) > 200
        wbox = bbox(white)
        assert wbox is not None
        assert x0 <= wbox[0] and wbox[2] <= x1 and y0 <= wbox[1] and wbox[3] <= y1, f"{lang}: caption outside the safe zone"
        centres.append((bx0 + bx1) / 2)
        if i == 0:
            # the whole line is drawn: ink about as wide as the measured line (missing glyphs draw nothing)
            ink = bbox(white | hl)
            from reelcart.stages.captions import line_width

            # (advance widths of isolated Arabic letters overestimate joined text a little)
            expected = max(line_width(line, plan.face, lay.font_px) for line in page.lines)
            assert 0.75 * expected <= ink[2] - ink[0] <= 1.35 * expected, (lang, ink, expected)
    # reading order: the first word is left of the second, except right to left for Arabic
    if lang == "ar":
        assert centres[0] > centres[1], centres
    else:
        assert centres[0] < centres[1], centres


def test_chinese_uses_simplified_forms_by_default(background):
    tr = transcript([("骨", 0.5, 1.0)], language="zh")
    plan = render_mod.plan_reel(info_of(background), moment(0.0, 3.0), product(), tr, preset("default"))
    assert "Language: zh" in plan.ass_text
    trad = render_mod.plan_reel(info_of(background), moment(0.0, 3.0), product(), tr,
                                preset("default", captions__chinese_forms="traditional"))
    assert "Language:" not in trad.ass_text
    assert np is not None
