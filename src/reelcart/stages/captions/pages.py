"""Caption pages: the reel's words as tokens, broken into lines that fit and pages that follow the speech."""

from __future__ import annotations

from dataclasses import dataclass

from ...config import CaptionsConfig
from ...media.fonts import CJK_LANGS, Face, char_script, face_runs, text_width_px
from ...models import Moment, Word
from ...text import SENTENCE_END, srt_time
from ...timeline import words_on_reel_clock
from .ass import apply_case
from .layout import Layout

PAGE_GAP_S = 0.7


NO_LINE_START = set("，。、！？：；）」』】》〉,.!?:;)]}%”’»")


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
