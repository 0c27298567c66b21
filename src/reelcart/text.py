"""The text core: scripts, word joining, sentence ends, subtitle clocks and duration formats.

One definition of each, used by captions, subtitle files, copy and every message that shows a time.
"""

from __future__ import annotations

import re

# a sentence ends with one of these marks, maybe followed by closing quotes or brackets
SENTENCE_END = re.compile(r"[.?!。？！؟…]['\"”’»」』)\]]*$")
# scripts written without spaces between words (Thai, Japanese kana, CJK ideographs, full-width forms)
NO_SPACE = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def ends_sentence(word: str) -> bool:
    return bool(SENTENCE_END.search(word.strip()))


def needs_space(before: str, after: str) -> bool:
    """Whether two words are written with a space between them (not between two no-space script characters)."""
    return not (before and after and NO_SPACE.search(before[-1]) and NO_SPACE.search(after[:1]))


def join_words(words: list[str]) -> str:
    """Words as running text: spaces between them except inside scripts written without spaces."""
    out = ""
    for word in words:
        text = word.strip()
        if out and needs_space(out, text):
            out += " "
        out += text
    return out


# ---------------------------------------------------------------- clocks of subtitle formats


def _hms_ms(t_s: float) -> tuple[int, int, int, int]:
    ms = max(0, int(round(t_s * 1000)))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return h, m, s, ms


def srt_time(t_s: float) -> str:
    """``HH:MM:SS,mmm`` (SubRip)."""
    h, m, s, ms = _hms_ms(t_s)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def vtt_time(t_s: float) -> str:
    """``HH:MM:SS.mmm`` (WebVTT)."""
    h, m, s, ms = _hms_ms(t_s)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def ass_time(t_s: float) -> str:
    """``H:MM:SS.cc`` (ASS, centiseconds)."""
    cs = int(round(max(0.0, t_s) * 100))
    h, rem = divmod(cs, 360000)
    m, rem = divmod(rem, 6000)
    s, cs = divmod(rem, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


# ---------------------------------------------------------------- durations for people


def format_duration(seconds: float, style: str = "clock") -> str:
    """A time or a length for messages and pages.

    ``clock``: a point in a recording, ``1:02`` or ``1:02:03``; ``clock.1``: with tenths, ``1:02.5``;
    ``words``: how long something takes, ``45 s``, ``2 min 05 s``, ``1 h 02 min``;
    ``compact``: the same in a table cell, ``45.0s``, ``2m05s``, ``1h02m``.
    """
    if style == "clock.1":
        m, s = divmod(max(0.0, seconds), 60)
        return f"{int(m)}:{s:04.1f}"
    if style == "compact":
        if seconds < 60:
            return f"{seconds:.1f}s"
        minutes, sec = divmod(int(round(seconds)), 60)
        if minutes < 60:
            return f"{minutes}m{sec:02d}s"
        hours, minutes = divmod(minutes, 60)
        return f"{hours}h{minutes:02d}m"
    whole = max(0, int(round(seconds)))
    if style == "words":
        if whole >= 3600:
            return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
        if whole >= 60:
            return f"{whole // 60} min {whole % 60:02d} s"
        return f"{whole} s"
    m, s = divmod(whole, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
