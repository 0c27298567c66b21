"""Word-timed captions (ASS for libass, SRT for the platforms) and the product card, as text.

Pure functions: words in, subtitle text out. Lines are broken by measured width (fontTools
advances of the face libass will draw with), balanced rather than greedy, at most two per page,
and placed inside the platform's UI-safe zone. Untrusted text (transcripts, product names,
prices, links) is escaped so it shows literally and can never open an ASS override block, start an
escape sequence or break the event line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ...config import CaptionsConfig, OverlayConfig, RenderConfig
from ...media.fonts import CJK_LANGS, Face, ass_size, char_script, face_runs, line_factor, text_width_px
from ...models import Moment, Product, Word
from ...handoff.platforms import Platform
from ...timeline import to_reel_time, words_on_reel_clock

PAGE_GAP_S = 0.7
SENTENCE_END = re.compile(r"[.?!。？！؟…]['\"”’»」』)]*$")
NO_LINE_START = set("，。、！？：；）」』】》〉,.!?:;)]}%”’»")
BASE_HEIGHT_PX = 1920


# ----------------------------------------------------------------- escaping and formats


def ass_escape(text: str) -> str:
    """Text that libass shows literally.

    ``{``/``}`` become libass's ``\\{``/``\\}`` escapes; every backslash is followed by an invisible
    WORD JOINER so it can never start ``\\N``, ``\\n``, ``\\h`` or a brace escape; line breaks and
    control characters become spaces (an event is one line of the file).
    """
    text = re.sub(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+", " ", text)
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\u2060")
        elif ch == "{":
            out.append("\\{")
        elif ch == "}":
            out.append("\\}")
        else:
            out.append(ch)
    return "".join(out)


def ass_unescape(text: str) -> str:
    """What libass shows for escaped plain text (no override blocks): the inverse of ``ass_escape``."""
    return text.replace("\\{", "{").replace("\\}", "}").replace("\\\u2060", "\\")


def ass_colour(hex_rgb: str, alpha: float | int = 0) -> str:
    """``#RRGGBB`` -> ``&HAABBGGRR`` (alpha 0 = opaque; a float is an opacity 0-1)."""
    if isinstance(alpha, float):
        alpha = round((1.0 - alpha) * 255)
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def _bgr(hex_rgb: str) -> str:
    """Colour for override tags (``\\c&HBBGGRR&``)."""
    return f"&H{hex_rgb[5:7]}{hex_rgb[3:5]}{hex_rgb[1:3]}&".upper()


def _alpha(opacity: float) -> str:
    return f"&H{round((1.0 - opacity) * 255):02X}&"


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


def apply_case(text: str, case: str) -> str:
    return text.upper() if case == "upper" else text.lower() if case == "lower" else text


def reel_words(words: list[Word], moment: Moment, uppercase: bool = False, *, case: str | None = None) -> list[Word]:
    """Words inside the moment's segments, on the reel's clock (text stripped; case applied); words
    in a cut are left out."""
    case = case or ("upper" if uppercase else "original")
    out = []
    for w in words_on_reel_clock(words, moment.spans()):
        text = apply_case(w.text.strip(), case)
        if text:
            out.append(w.model_copy(update={"text": text}))
    return out


# ----------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Where things go on the canvas, in pixels, derived from the preset and the platform."""

    width_px: int
    height_px: int
    scale: float
    safe_top: int
    safe_bottom: int
    safe_left: int
    safe_right: int
    pad: int
    font_px: int
    max_line_w: float
    x_left: int
    x_right: int

    @property
    def x_center(self) -> int:
        return (self.x_left + self.x_right) // 2

    @property
    def safe_rect(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the UI-safe area."""
        return self.safe_left, self.safe_top, self.width_px - self.safe_right, self.height_px - self.safe_bottom


def build_layout(captions: CaptionsConfig, render: RenderConfig, platform: Platform) -> Layout:
    w, h = render.width_px, render.height_px
    k = h / BASE_HEIGHT_PX
    top, bottom, left, right = platform.safe.px(w, h)
    pad = max(4, round(24 * k))
    x_left, x_right = left + pad, w - right - pad
    return Layout(
        width_px=w, height_px=h, scale=k, safe_top=top, safe_bottom=bottom, safe_left=left, safe_right=right,
        pad=pad, font_px=max(8, round(captions.font_size_px * k)),
        max_line_w=min(captions.max_line_width_frac * w, x_right - x_left), x_left=x_left, x_right=x_right,
    )


# ----------------------------------------------------------------- pages


@dataclass
class Token:
    """One caption word: its text, reel-clock times, and the faces that draw it."""

    text: str
    start_s: float
    end_s: float
    runs: list[tuple[Face, str]]
    width_px: float
    tight: bool = False  # no space before or after (Chinese, Japanese)


@dataclass
class Page:
    lines: list[list[Token]]
    start_s: float
    end_s: float

    @property
    def words(self) -> list[Token]:
        return [w for line in self.lines for w in line]


def _is_tight(text: str) -> bool:
    letters = [ch for ch in text if char_script(ch) is not None]
    return bool(letters) and all(char_script(ch) == "cjk" for ch in letters) or (bool(text) and all(ch in NO_LINE_START for ch in text))


def make_tokens(words: list[Word], primary: Face, weight: int, font_px: int, max_w: float) -> list[Token]:
    """Caption tokens; a word wider than a line is split by characters (its time shared out)."""
    tokens: list[Token] = []
    for w in words:
        runs = face_runs(w.text, primary, weight)
        width = sum(text_width_px(t, f.path, font_px) for f, t in runs)
        if width <= max_w or len(w.text) < 2:
            tokens.append(Token(w.text, w.start_s, w.end_s, runs, width, _is_tight(w.text)))
            continue
        # split into pieces that fit, by characters
        pieces: list[str] = []
        current = ""
        for ch in w.text:
            trial = current + ch
            if current and sum(text_width_px(t, f.path, font_px) for f, t in face_runs(trial, primary, weight)) > max_w:
                pieces.append(current)
                current = ch
            else:
                current = trial
        pieces.append(current)
        total = sum(len(p) for p in pieces)
        t = w.start_s
        for p in pieces:
            dur = (w.end_s - w.start_s) * len(p) / total
            pruns = face_runs(p, primary, weight)
            tokens.append(Token(p, round(t, 3), round(t + dur, 3), pruns,
                                sum(text_width_px(x, f.path, font_px) for f, x in pruns), True))
            t += dur
    return tokens


def _joiner(a: Token, b: Token) -> str:
    return "" if (a.tight or b.tight) else " "


def line_width(tokens: list[Token], primary: Face, font_px: int, extra_scale: float = 1.0) -> float:
    """Width of tokens set on one line; ``extra_scale`` allows for the enlarged spoken word."""
    if not tokens:
        return 0.0
    space = text_width_px(" ", primary.path, font_px)
    total = sum(t.width_px for t in tokens)
    total += sum(space for a, b in zip(tokens, tokens[1:]) if _joiner(a, b))
    return total + (extra_scale - 1.0) * max(t.width_px for t in tokens)


def _break_lines(tokens: list[Token], fits_line, max_lines: int) -> list[list[Token]] | None:  # noqa: ANN001
    """One line when it fits, else the most balanced split into two (None if nothing fits)."""
    if fits_line(tokens):
        return [tokens]
    if max_lines < 2:
        return None
    best, best_cost = None, None
    for k in range(1, len(tokens)):
        a, b = tokens[:k], tokens[k:]
        if b[0].text and b[0].text[0] in NO_LINE_START:
            continue
        if fits_line(a) and fits_line(b):
            wa, wb = fits_line.width(a), fits_line.width(b)
            # balanced: the longer line as short as possible; ties go to a shorter top line
            cost = (max(wa, wb), wa > wb)
            if best_cost is None or cost < best_cost:
                best, best_cost = [a, b], cost
    return best


class _LineFit:
    def __init__(self, primary: Face, font_px: int, max_w: float, max_words: int | None, extra_scale: float) -> None:
        self.primary, self.font_px, self.max_w, self.max_words, self.extra_scale = primary, font_px, max_w, max_words, extra_scale

    def width(self, tokens: list[Token]) -> float:
        return line_width(tokens, self.primary, self.font_px, self.extra_scale)

    def __call__(self, tokens: list[Token]) -> bool:
        if self.max_words is not None and len(tokens) > self.max_words:
            return False
        return len(tokens) == 1 or self.width(tokens) <= self.max_w


def _phrases(tokens: list[Token]) -> list[list[Token]]:
    """Split at sentence ends and pauses: a page never spans two sentences."""
    out: list[list[Token]] = []
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        if prev is None or tok.start_s - prev.end_s > PAGE_GAP_S or SENTENCE_END.search(prev.text):
            out.append([])
        out[-1].append(tok)
    return out


def _pages_of_phrase(tokens: list[Token], fits_line, max_lines: int) -> list[list[list[Token]]]:  # noqa: ANN001
    """Fewest pages, then the most even number of words per page (no lonely last word)."""
    n = len(tokens)
    layout_cache: dict[tuple[int, int], list[list[Token]] | None] = {}

    def lay(i: int, j: int) -> list[list[Token]] | None:
        if (i, j) not in layout_cache:
            layout_cache[(i, j)] = _break_lines(tokens[i:j], fits_line, max_lines)
        return layout_cache[(i, j)]

    # best[i] = (pages, sum of squared page sizes, next index) for tokens[i:]
    best: list[tuple[int, int, int] | None] = [None] * (n + 1)
    best[n] = (0, 0, n)
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n + 1):
            if j - i > 1 and lay(i, j) is None:
                break  # longer spans from i cannot fit either
            tail = best[j]
            if tail is None:
                continue
            cand = (tail[0] + 1, tail[1] + (j - i) ** 2, j)
            if best[i] is None or cand[:2] < best[i][:2]:
                best[i] = cand
    pages, i = [], 0
    while i < n:
        j = best[i][2]  # type: ignore[index]
        pages.append(lay(i, j) or [tokens[i:j]])
        i = j
    return pages


def build_pages(
    words: list[Word],
    config: CaptionsConfig,
    layout: Layout,
    primary: Face,
    language: str,
    *,
    tokens: list[Token] | None = None,
) -> list[Page]:
    """Group words into pages of at most ``max_lines`` balanced lines, each no wider than the limit."""
    extra = config.highlight_scale_pct / 100 if config.style == "pop" else 1.0
    max_w = layout.max_line_w / extra
    if tokens is None:
        tokens = make_tokens(words, primary, config.font_weight, layout.font_px, max_w)
    cjk = language.split("-")[0] in CJK_LANGS
    max_words = None if cjk else config.words_per_line
    fits = _LineFit(primary, layout.font_px, layout.max_line_w, max_words, extra)
    pages: list[Page] = []
    for phrase in _phrases(tokens):
        for lines in _pages_of_phrase(phrase, fits, config.max_lines):
            flat = [t for ln in lines for t in ln]
            pages.append(Page(lines, flat[0].start_s, flat[-1].end_s))
    # each page stays up until the next one starts (no flicker between words)
    for page, nxt in zip(pages, pages[1:]):
        if nxt.start_s - page.end_s < PAGE_GAP_S:
            page.end_s = nxt.start_s
    return pages


# ----------------------------------------------------------------- ASS text


def _runs_text(runs: list[tuple[Face, str]], primary: Face, em_px: float) -> str:
    """Escaped text with ``\\fn`` switches where a run needs another face (same em size in every face)."""
    parts = []
    for face, text in runs:
        if face.ass_name != primary.ass_name:
            parts.append(f"{{\\fn{face.ass_name}\\fs{ass_size(face, em_px):g}}}{ass_escape(text)}"
                         f"{{\\fn{primary.ass_name}\\fs{ass_size(primary, em_px):g}}}")
        else:
            parts.append(ass_escape(text))
    return "".join(parts)


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


@dataclass
class CardPlan:
    """The product card and end card on the reel clock, in pixels.

    The text is ASS (``events``, drawn by libass); the boxes, the dimmed picture and the QR codes are
    images (``render.card_images``) that ffmpeg's overlay filter lays under the text.
    """

    events: list[str]
    card_box: tuple[int, int, int, int] | None  # x0, y0, x1, y1
    card_spans: list[tuple[float, float]]
    qr_card: tuple[int, int, int] | None  # x, y, size during the card spans
    end_span: tuple[float, float] | None
    qr_end: tuple[int, int, int] | None  # x, y, size during the end card
    faces: list[Face] = field(default_factory=list)
    end_box: tuple[int, int, int, int] | None = None  # the end card's panel
    radius_px: int = 0
    end_radius_px: int = 0
    colour: str = "#FF4F00"
    opacity: float = 1.0
    dim: float = 0.0


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


# ----------------------------------------------------------------- product card


def link_label(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") or url


def price_text(product: Product) -> str:
    if product.price is None:
        return ""
    return f"{product.price:,.2f} {product.currency or ''}".strip()


def _fit_text(text: str, face: Face, weight: int, size_px: int, min_px: int, max_w: float) -> tuple[str, int]:
    """(text, size): shrink the font to fit ``max_w``; below ``min_px``, cut the text with an ellipsis."""
    def width(t: str, s: int) -> float:
        return sum(text_width_px(x, f.path, s) for f, x in face_runs(t, face, weight))

    w = width(text, size_px)
    if w <= max_w:
        return text, size_px
    size = max(min_px, int(size_px * max_w / w))
    if width(text, size) <= max_w:
        return text, size
    cut = text
    while cut and width(cut + "…", size) > max_w:
        cut = cut[:-1]
    return cut.rstrip() + "…", size


def _split_balanced(text: str, face: Face, weight: int, size: int) -> tuple[str, str] | None:
    """Two lines of about equal width, broken at a space (between characters for Chinese/Japanese)."""
    tokens = text.split(" ") if " " in text.strip() else list(text)
    joiner = " " if " " in text.strip() else ""
    if len(tokens) < 2:
        return None

    def width(t: str) -> float:
        return sum(text_width_px(x, f.path, size) for f, x in face_runs(t, face, weight))

    best = None
    for i in range(1, len(tokens)):
        a, b = joiner.join(tokens[:i]).strip(), joiner.join(tokens[i:]).strip()
        if not a or not b or b[0] in NO_LINE_START:
            continue
        cost = max(width(a), width(b))
        if best is None or cost < best[0]:
            best = (cost, a, b)
    return (best[1], best[2]) if best else None


def _fit_lines(text: str, face: Face, weight: int, size_px: int, min_px: int, max_w: float) -> list[tuple[str, int]]:
    """One line at full size, else two balanced lines (shrunk if needed, the last cut with an ellipsis)."""
    def width(t: str, s: int) -> float:
        return sum(text_width_px(x, f.path, s) for f, x in face_runs(t, face, weight))

    text = " ".join(text.split())
    one_line_min = round(size_px * 0.8)
    if width(text, one_line_min) <= max_w:
        return [_fit_text(text, face, weight, size_px, one_line_min, max_w)]
    size = round(size_px * 0.92)
    while size >= min_px:
        pair = _split_balanced(text, face, weight, size)
        if pair and max(width(pair[0], size), width(pair[1], size)) <= max_w:
            return [(pair[0], size), (pair[1], size)]
        size -= max(1, size_px // 16)
    # too long for two lines: fill the first, cut the end of the second (never the middle)
    spaced = " " in text
    tokens = text.split(" ") if spaced else list(text)
    joiner = " " if spaced else ""
    k = 1
    while k < len(tokens) and width(joiner.join(tokens[: k + 1]), min_px) <= max_w:
        k += 1
    first = joiner.join(tokens[:k])
    if width(first, min_px) > max_w:
        return [_fit_text(text, face, weight, min_px, min_px, max_w)]
    second, _ = _fit_text(joiner.join(tokens[k:]), face, weight, min_px, min_px, max_w)
    return [(first, min_px), (second, min_px)] if second else [(first, min_px)]


def _card_rows(product: Product, overlay: OverlayConfig, face: Face, weight: int, k: float, max_w: float) -> list[tuple[str, int]]:
    """The card's lines: name (one or two lines), price, link text; each fitted to the width."""
    rows = _fit_lines(product.name, face, weight, round(54 * k), round(34 * k), max_w)
    price = price_text(product) if overlay.show_price else ""
    if price:
        rows.append(_fit_text(price, face, weight, round(48 * k), round(30 * k), max_w))
    link = overlay.link_text or link_label(product.url)
    if link:
        size, min_px = round(34 * k), round(26 * k)
        text, px = _fit_text(link, face, weight, size, min_px, max_w)
        host = urlsplit(product.url).netloc
        if text != link and not overlay.link_text and host:
            text, px = _fit_text(host, face, weight, size, min_px, max_w)  # the QR code carries the full link
        rows.append((text, px))
    return rows


def _card_line(text: str, face: Face, weight: int, size: int, colour: str, x: int, y: int, align: int) -> str:
    runs = face_runs(text, face, weight)
    return (f"{{\\an{align}\\pos({x},{y})\\fn{face.ass_name}\\fs{ass_size(face, size):g}\\c{colour}\\bord0\\shad0}}"
            f"{_runs_text(runs, face, size)}")


def row_height(text: str, face: Face, weight: int, size: int) -> int:
    """Height libass gives a line of ``text`` at ``size`` px per em (the tallest face in it)."""
    return round(size * max(line_factor(f) for f, _ in face_runs(text, face, weight) or [(face, "")]))


def build_card(
    product: Product,
    moment: Moment,
    overlay: OverlayConfig,
    layout: Layout,
    *,
    face: Face,
    weight: int,
    link: str,
    rtl: bool = False,
    duration_s: float | None = None,
) -> CardPlan | None:
    """Card and end-card events (escaped text), their spans on the reel clock, and where the QR goes."""
    if not overlay.product_card and not overlay.end_card:
        return None
    k = layout.scale
    duration = moment.duration_s if duration_s is None else duration_s
    text_c = _bgr(overlay.card_text_colour)
    end_span = None
    if overlay.end_card:
        end_span = (max(0.0, duration - overlay.end_card_s), duration)
    card_until = end_span[0] if end_span else duration
    events: list[str] = []
    faces = [face]
    detail = " · ".join(x for x in ((price_text(product) if overlay.show_price else ""),
                                     overlay.link_text or link_label(product.url)) if x)  # end card line

    # ---- the card: a rounded box in the safe zone, text on one side, the QR code on the other
    card_box = None
    spans: list[tuple[float, float]] = []
    qr_card = None
    if overlay.product_card:
        pad = round(28 * k)
        qr = round(220 * k) if overlay.qr_code else 0
        x0, x1 = layout.x_left, layout.x_right
        text_w = (x1 - x0) - 2 * pad - (qr + pad if qr else 0)
        rows = _card_rows(product, overlay, face, weight, k, text_w)
        text_h = sum(row_height(t, face, weight, px) for t, px in rows)
        card_h = max(text_h, qr) + 2 * pad
        if overlay.position == "top":
            y0 = layout.safe_top + layout.pad
        else:
            y0 = layout.height_px - layout.safe_bottom - layout.pad - card_h
        card_box = (x0, y0, x1, y0 + card_h)
        if rtl:
            qr_x, tx, talign = x0 + pad, x1 - pad, 9
        else:
            qr_x, tx, talign = x1 - pad - qr, x0 + pad, 7
        if moment.cta_start_s is not None:
            spans.append((to_reel_time(moment.cta_start_s, moment.spans(), snap=True) or 0.0, card_until))
        spans.append((max(0.0, duration - overlay.card_last_s), card_until))
        merged: list[tuple[float, float]] = []
        for s, e in sorted(spans):
            if e - s < 0.05:
                continue
            if merged and s <= merged[-1][1] + 0.5:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        spans = merged
        for s, e in spans:
            ty = y0 + (card_h - text_h) // 2
            for text, px in rows:
                events.append(f"Dialogue: 3,{ass_time(s)},{ass_time(e)},Card,,0,0,0,,"
                              f"{_card_line(text, face, weight, px, text_c, tx, ty, talign)}")
                ty += row_height(text, face, weight, px)
        if qr and spans:
            qr_card = (qr_x, y0 + (card_h - qr) // 2, qr)
        faces += [f for text, _ in rows for f, _ in face_runs(text, face, weight)]

    # ---- the end card: the picture dimmed, a panel with the product and a large QR code
    qr_end = None
    end_box = None
    if end_span is not None:
        s, e = end_span
        w, h = layout.width_px, layout.height_px
        sx0, sy0, sx1, sy1 = layout.x_left, layout.safe_top + layout.pad, layout.x_right, h - layout.safe_bottom - layout.pad
        pad = round(40 * k)
        title_px, name_px, detail_px = round(52 * k), round(60 * k), round(44 * k)
        panel_w = sx1 - sx0
        inner_w = panel_w - 2 * pad
        rows = []
        if overlay.end_card_title.strip():
            rows.append(("title", title_px))
        qr = min(round(0.5 * w), inner_w) if overlay.qr_code else 0
        rows += [("name", name_px), ("detail", detail_px)]
        text_h = sum(round(px * line_factor(face)) for _, px in rows)
        panel_h = text_h + (qr + pad if qr else 0) + 2 * pad
        if panel_h > sy1 - sy0 and qr:
            qr = max(round(120 * k), qr - (panel_h - (sy1 - sy0)))
            panel_h = text_h + qr + pad + 2 * pad
        py0 = sy0 + max(0, ((sy1 - sy0) - panel_h) // 2)
        cx = (sx0 + sx1) // 2
        end_box = (sx0, py0, sx1, py0 + panel_h)
        y = py0 + pad
        for kind, px in rows:
            if kind == "name" and qr:
                qr_end = (cx - qr // 2, y, qr)
                y += qr + pad
            source = {"title": overlay.end_card_title, "name": product.name, "detail": detail}[kind]
            text, size = _fit_text(source, face, weight, px, round(28 * k), inner_w)
            events.append(f"Dialogue: 6,{ass_time(s)},{ass_time(e)},Card,,0,0,0,,{_card_line(text, face, weight, size, text_c, cx, y, 8)}")
            faces += [f for f, _ in face_runs(text, face, weight)]
            y += round(px * line_factor(face))
    unique = list({f.ass_name: f for f in faces}.values())
    return CardPlan(events, card_box, spans, qr_card, end_span, qr_end, unique,
                    end_box=end_box if end_span is not None else None, radius_px=round(overlay.card_radius_px * k),
                    end_radius_px=round(overlay.card_radius_px * k * 1.5), colour=overlay.card_colour,
                    opacity=overlay.card_opacity, dim=overlay.end_card_dim)


# ----------------------------------------------------------------- SRT


def build_srt(pages: list[Page], language: str) -> str:
    blocks = []
    for i, page in enumerate(pages, start=1):
        lines = []
        for line in page.lines:
            text = ""
            prev = None
            for tok in line:
                text += (_joiner(prev, tok) if prev is not None else "") + tok.text
                prev = tok
            lines.append(text)
        text = "\n".join(" ".join(ln.split()) for ln in lines)
        blocks.append(f"{i}\n{srt_time(page.start_s)} --> {srt_time(page.end_s)}\n{text}\n")
    return "\n".join(blocks)
