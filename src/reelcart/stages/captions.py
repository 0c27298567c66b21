"""Word-timed captions (ASS for libass, SRT for the platforms) and the product card, as text.

Pure functions: words in, subtitle text out. Untrusted text (transcripts, product names, links)
is escaped so it can never open an ASS override block or break a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..config import CaptionsConfig, OverlayConfig, RenderConfig
from ..fonts import CJK_LANGS, text_width_px
from ..models import Moment, Product, Word

PAGE_GAP_S = 0.7
CARD_NAME_PX = 56
CARD_DETAIL_PX = 40
CARD_MIN_PX = 20
RTL_LANGS = {"ar", "fa", "ur", "he", "yi"}


@dataclass
class Page:
    lines: list[list[Word]]
    start_s: float
    end_s: float

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line]


def ass_escape(text: str) -> str:
    """Text that libass shows literally: no override blocks, no escapes, no line breaks."""
    text = re.sub(r"[\r\n\t\v\f]+", " ", text)
    text = text.replace("\\", "\u29f5")  # reverse solidus operator: looks like '\', never an escape
    return text.replace("{", "\uff5b").replace("}", "\uff5d")


def ass_colour(hex_rgb: str, alpha: int = 0) -> str:
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def ass_time(t_s: float) -> str:
    t_s = max(0.0, t_s)
    cs = int(round(t_s * 100))
    h, rem = divmod(cs, 360000)
    m, rem = divmod(rem, 6000)
    s, cs = divmod(rem, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def srt_time(t_s: float) -> str:
    ms = int(round(max(0.0, t_s) * 1000))
    h, rem = divmod(ms, 3600000)
    m, rem = divmod(rem, 60000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def reel_words(words: list[Word], moment: Moment, uppercase: bool = False) -> list[Word]:
    """Words inside the moment, on the reel's clock."""
    out = []
    for w in words:
        if w.end_s <= moment.start_s or w.start_s >= moment.end_s:
            continue
        text = w.text.upper() if uppercase else w.text
        out.append(
            Word(
                text=text,
                start_s=round(max(0.0, w.start_s - moment.start_s), 3),
                end_s=round(min(moment.duration_s, w.end_s - moment.start_s), 3),
                probability=w.probability,
            )
        )
    return out


def _joiner(language: str) -> str:
    return "" if language in CJK_LANGS else " "


def build_pages(words: list[Word], config: CaptionsConfig, canvas_w: int, font_path: Path | None, language: str) -> list[Page]:
    """Group words into pages of at most ``max_lines`` lines, each no wider than the limit."""
    max_w = config.max_line_width_frac * canvas_w
    joiner = _joiner(language)
    pages: list[Page] = []
    lines: list[list[Word]] = [[]]
    count = 0

    def flush() -> None:
        nonlocal lines, count
        filled = [ln for ln in lines if ln]
        if filled:
            pages.append(Page(filled, filled[0][0].start_s, filled[-1][-1].end_s))
        lines, count = [[]], 0

    for i, word in enumerate(words):
        prev = words[i - 1] if i else None
        if prev is not None and (word.start_s - prev.end_s > PAGE_GAP_S or re.search(r"[.?!。？！؟]$", prev.text)):
            flush()
        if count >= config.max_words:
            flush()
        candidate = joiner.join(w.text for w in [*lines[-1], word])
        if lines[-1] and text_width_px(candidate, font_path, config.font_size_px, config.bold) > max_w:
            if len(lines) >= config.max_lines:
                flush()
            else:
                lines.append([])
        lines[-1].append(word)
        count += 1
    flush()
    # each page stays up until the next one starts (no flicker between words)
    for page, nxt in zip(pages, pages[1:]):
        if nxt.start_s - page.end_s < PAGE_GAP_S:
            page.end_s = nxt.start_s
    return pages


def _page_text(page: Page, language: str, active: Word | None, highlight: str, base: str, style: str) -> str:
    joiner = _joiner(language)
    rendered_lines = []
    for line in page.lines:
        parts = []
        for w in line:
            text = ass_escape(w.text)
            if style == "karaoke":
                dur_cs = max(1, int(round((w.end_s - w.start_s) * 100)))
                parts.append(f"{{\\kf{dur_cs}}}{text}")
            elif active is not None and w is active:
                parts.append(f"{{\\c{highlight}\\fscx110\\fscy110}}{text}{{\\c{base}\\fscx100\\fscy100}}")
            else:
                parts.append(text)
        rendered_lines.append(joiner.join(parts))
    return "\\N".join(rendered_lines)


def build_ass(
    pages: list[Page],
    *,
    captions: CaptionsConfig,
    overlay: OverlayConfig,
    render: RenderConfig,
    font_family: str,
    language: str,
    card: tuple[str, list[tuple[float, float]]] | None,
) -> str:
    """The ASS document: caption events plus the product card events."""
    base = ass_colour(captions.text_colour)
    highlight = ass_colour(captions.highlight_colour)
    bold = -1 if captions.bold else 0
    # karaoke: SecondaryColour is the not-yet-sung colour, PrimaryColour the filled one
    primary, secondary = (highlight, base) if captions.style == "karaoke" else (base, base)
    encoding = 178 if language in RTL_LANGS else 1
    header = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {render.width_px}",
        f"PlayResY: {render.height_px}",
        "WrapStyle: 2",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, "
        "MarginV, Encoding",
        f"Style: Caption,{font_family},{captions.font_size_px},{primary},{secondary},{ass_colour(captions.outline_colour)},"
        f"&H80000000,{bold},0,0,0,100,100,0,0,1,{captions.outline_px:g},{captions.shadow_px:g},2,60,60,"
        f"{captions.bottom_margin_px},{encoding}",
        f"Style: Card,{font_family},52,{ass_colour(overlay.card_text_colour)},{ass_colour(overlay.card_text_colour)},"
        f"{ass_colour(overlay.card_colour)},{ass_colour(overlay.card_colour, 0x30)},-1,0,0,0,100,100,0,0,3,18,0,8,80,80,"
        f"{overlay.card_top_px},{encoding}",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events: list[str] = []
    if captions.enabled:
        for page in pages:
            if captions.style == "pop":
                words = page.words
                for i, word in enumerate(words):
                    start = page.start_s if i == 0 else word.start_s
                    end = words[i + 1].start_s if i + 1 < len(words) else page.end_s
                    if end - start < 0.01:
                        continue
                    text = _page_text(page, language, word, highlight, base, "pop")
                    events.append(f"Dialogue: 1,{ass_time(start)},{ass_time(end)},Caption,,0,0,0,,{text}")
            else:
                text = _page_text(page, language, None, highlight, base, captions.style)
                events.append(f"Dialogue: 1,{ass_time(page.start_s)},{ass_time(page.end_s)},Caption,,0,0,0,,{text}")
    if card is not None:
        card_text, spans = card
        for start, end in spans:
            events.append(f"Dialogue: 2,{ass_time(start)},{ass_time(end)},Card,,0,0,0,,{card_text}")
    return "\n".join(header + events) + "\n"


def link_label(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")


def _fit_size(text: str, size_px: int, max_width_px: float, font_path: Path | None) -> int:
    width = text_width_px(text, font_path, size_px)
    return size_px if width <= max_width_px else max(CARD_MIN_PX, int(size_px * max_width_px / width))


def build_card(
    product: Product, moment: Moment, overlay: OverlayConfig, *, max_width_px: float = 860.0, font_path: Path | None = None
) -> tuple[str, list[tuple[float, float]]] | None:
    """Card text (escaped) and the reel-clock spans it shows: the call to action and the last seconds."""
    if not overlay.product_card:
        return None
    detail = []
    if overlay.show_price and product.price is not None:
        detail.append(f"{product.price:,.2f} {product.currency or ''}".strip())
    detail.append(overlay.link_text or link_label(product.url))
    detail_text = "  ·  ".join(detail)
    # fit each line to the card's width by measurement: shrink the font, never overflow
    name_px = _fit_size(product.name, CARD_NAME_PX, max_width_px, font_path)
    detail_px = _fit_size(detail_text, CARD_DETAIL_PX, max_width_px, font_path)
    lines = [f"{{\\fs{name_px}}}{ass_escape(product.name)}", f"{{\\fs{detail_px}}}{ass_escape(detail_text)}"]
    spans: list[tuple[float, float]] = []
    duration = moment.duration_s
    if moment.cta_start_s is not None:
        spans.append((max(0.0, moment.cta_start_s - moment.start_s), duration))
    spans.append((max(0.0, duration - overlay.card_last_s), duration))
    spans.sort()
    merged: list[tuple[float, float]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return "\\N".join(lines), merged


def build_srt(pages: list[Page], language: str) -> str:
    joiner = _joiner(language)
    blocks = []
    for i, page in enumerate(pages, start=1):
        text = "\n".join(joiner.join(w.text for w in line) for line in page.lines)
        blocks.append(f"{i}\n{srt_time(page.start_s)} --> {srt_time(page.end_s)}\n{text}\n")
    return "\n".join(blocks)
