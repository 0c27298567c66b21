"""Word-timed captions (ASS for libass, SRT for the platforms) and the product card, as text.

Pure functions: words in, subtitle text out. Lines are broken by measured width (fontTools
advances of the face libass will draw with), balanced rather than greedy, at most two per page,
and placed inside the platform's UI-safe zone. Untrusted text (transcripts, product names,
prices, links) is escaped so it shows literally and can never open an ASS override block, start an
escape sequence or break the event line.
"""

from __future__ import annotations

import re

from ...config import CaptionsConfig, OverlayConfig
from ...media.fonts import Face, ass_size, line_factor
from ...text import ass_time
from .ass import (
    _bgr,
    _runs_text,
    apply_case,
    ass_colour,
    ass_escape,
    ass_unescape,
)
from .card import (
    CardPlan,
    _card_line,
    _card_rows,
    _fit_lines,
    _fit_text,
    _split_balanced,
    build_card,
    link_label,
    price_text,
    row_height,
)
from .layout import (
    BASE_HEIGHT_PX,
    Layout,
    build_layout,
)
from .pages import (
    NO_LINE_START,
    PAGE_GAP_S,
    Page,
    Token,
    _break_lines,
    _is_tight,
    _joiner,
    _LineFit,
    _pages_of_phrase,
    _phrases,
    build_pages,
    build_srt,
    line_width,
    make_tokens,
    reel_words,
)

__all__ = [
    "BASE_HEIGHT_PX",
    "CardPlan",
    "Layout",
    "NO_LINE_START",
    "PAGE_GAP_S",
    "Page",
    "Token",
    "_LineFit",
    "_bgr",
    "_break_lines",
    "_card_line",
    "_card_rows",
    "_fit_lines",
    "_fit_text",
    "_is_tight",
    "_joiner",
    "_pages_of_phrase",
    "_phrases",
    "_runs_text",
    "_split_balanced",
    "apply_case",
    "ass_colour",
    "ass_escape",
    "ass_unescape",
    "build_ass",
    "build_card",
    "build_layout",
    "build_pages",
    "build_srt",
    "caption_block_height",
    "line_width",
    "link_label",
    "make_tokens",
    "price_text",
    "reel_words",
    "row_height",
    "script_info",
]


def _page_text(page: Page, primary: Face, config: CaptionsConfig, active: Token | None, *, page_start_s: float,
               em_px: float) -> str:
    base, hl = _bgr(config.text_colour), _bgr(config.highlight_colour)
    lines = []
    clock = page_start_s
    for line in page.lines:
        parts = []
        prev: Token | None = None
        for tok in line:
            joiner = _joiner(prev, tok) if prev is not None else ""
            text = _runs_text(tok.runs, primary, em_px)
            if config.style == "karaoke":
                gap_cs = int(round((tok.start_s - clock) * 100))
                gap = f"{{\\k{gap_cs}}}" if gap_cs > 0 else ""
                dur_cs = max(1, int(round((tok.end_s - max(tok.start_s, clock)) * 100)))
                parts.append(f"{joiner}{gap}{{\\kf{dur_cs}}}{text}")
                clock = max(clock, tok.start_s) + dur_cs / 100
            elif tok is active:
                scale = config.highlight_scale_pct if config.style == "pop" else 100
                sc = f"\\fscx{scale}\\fscy{scale}" if scale != 100 else ""
                back = "\\fscx100\\fscy100" if scale != 100 else ""
                parts.append(f"{joiner}{{\\c{hl}{sc}}}{text}{{\\c{base}{back}}}")
            else:
                parts.append(joiner + text)
            prev = tok
        lines.append("".join(parts))
    return "\\N".join(lines)


def _caption_anchor(config: CaptionsConfig, layout: Layout, card_box: tuple[int, int, int, int] | None,
                    overlay: OverlayConfig) -> tuple[int, int, int]:
    """(alignment, x, y) of the caption block inside the safe zone, out of the card's way."""
    k = layout.scale
    margin = round(config.margin_px * k)
    x = layout.x_center
    y_top = layout.safe_top + layout.pad
    y_bottom = layout.height_px - layout.safe_bottom
    if card_box is not None:
        if overlay.position == "top":
            y_top = max(y_top, card_box[3] + layout.pad)
        else:
            y_bottom = min(y_bottom, card_box[1] - layout.pad)
    if config.position == "top":
        return 8, x, y_top + margin
    if config.position == "middle":
        return 5, x, (y_top + y_bottom) // 2 - margin
    return 2, x, y_bottom - margin


def caption_block_height(config: CaptionsConfig, layout: Layout, face: Face | None = None) -> int:
    """Height of a full caption page (every line), for checks and tests."""
    return round(layout.font_px * line_factor(face) * config.max_lines + 2 * config.outline_px * layout.scale)


def script_info(layout: Layout, language: str, chinese_forms: str) -> list[str]:
    lines = [
        "[Script Info]",
        "; made by reelcart",
        "ScriptType: v4.00+",
        f"PlayResX: {layout.width_px}",
        f"PlayResY: {layout.height_px}",
        "WrapStyle: 2",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
    ]
    lang = language.split("-")[0].lower()
    # libass shapes with this language: Chinese gets simplified forms from the Pan-CJK face
    if re.fullmatch(r"[a-z]{2}", lang) and not (lang == "zh" and chinese_forms == "traditional"):
        lines.append(f"Language: {lang}")
    return lines


def build_ass(
    pages: list[Page],
    *,
    captions: CaptionsConfig,
    layout: Layout,
    primary: Face,
    language: str,
    card: CardPlan | None = None,
    overlay: OverlayConfig | None = None,
) -> str:
    """The ASS document: caption events plus the product card events."""
    overlay = overlay or OverlayConfig()
    k = layout.scale
    base = ass_colour(captions.text_colour)
    highlight = ass_colour(captions.highlight_colour)
    shadow = ass_colour(captions.shadow_colour, float(captions.shadow_opacity))
    primary_c, secondary_c = (highlight, base) if captions.style == "karaoke" else (base, base)
    encoding = -1  # libass: base direction from the text (right to left for Arabic)
    outline_px = captions.outline_px * k
    if captions.style == "clean":
        border_style, outline_c = 3, ass_colour(captions.outline_colour, float(captions.box_opacity))
        back_c = ass_colour(captions.outline_colour, float(captions.box_opacity))
    else:
        border_style, outline_c, back_c = 1, ass_colour(captions.outline_colour), shadow
    align, x, y = _caption_anchor(captions, layout, card.card_box if card and card.card_spans else None, overlay)
    header = [
        *script_info(layout, language, captions.chinese_forms),
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, "
        "MarginV, Encoding",
        f"Style: Caption,{primary.ass_name},{ass_size(primary, layout.font_px):g},{primary_c},{secondary_c},{outline_c},"
        f"{back_c},0,0,0,0,100,100,0,0,{border_style},{outline_px:.1f},{captions.shadow_px * k:.1f},{align},"
        f"{layout.x_left},{layout.width_px - layout.x_right},{layout.safe_bottom},{encoding}",
        f"Style: Card,{primary.ass_name},{layout.font_px},&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,"
        f"1,0,0,7,0,0,0,{encoding}",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    pos = f"{{\\an{align}\\pos({x},{y})}}"
    end_start = card.end_span[0] if card and card.end_span else None
    events: list[str] = []
    if captions.enabled:
        for page in pages:
            p_start, p_end = page.start_s, page.end_s
            if end_start is not None:
                if p_start >= end_start:
                    continue
                p_end = min(p_end, end_start)
            if captions.style == "karaoke":
                text = _page_text(page, primary, captions, None, page_start_s=p_start, em_px=layout.font_px)
                events.append(f"Dialogue: 1,{ass_time(p_start)},{ass_time(p_end)},Caption,,0,0,0,,{pos}{text}")
                continue
            words = page.words
            for i, word in enumerate(words):
                start = p_start if i == 0 else word.start_s
                end = words[i + 1].start_s if i + 1 < len(words) else p_end
                end = min(end, p_end)
                if end - start < 0.01:
                    continue
                text = _page_text(page, primary, captions, word, page_start_s=p_start, em_px=layout.font_px)
                events.append(f"Dialogue: 1,{ass_time(start)},{ass_time(end)},Caption,,0,0,0,,{pos}{text}")
    if card is not None:
        events.extend(card.events)
    return "\n".join(header + events) + "\n"
