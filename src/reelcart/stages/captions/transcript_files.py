"""Subtitle files of a transcript: SRT and WebVTT cues built from the word times.

A cue holds at most two lines of ``max_chars`` characters and ``max_duration_s`` seconds; it ends
at the end of a sentence, at a pause longer than ``pause_s`` and never spans two windows. Words
of scripts written without spaces (Chinese, Japanese, Thai) are joined without spaces.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...models import Transcript, Word
from ...text import ends_sentence, join_words, srt_time, vtt_time


@dataclass
class Cue:
    start_s: float
    end_s: float
    lines: list[str]


def _join(words: list[Word]) -> str:
    return join_words([w.text for w in words])


def _wrap(words: list[Word], max_chars: int) -> list[str]:
    """Two balanced lines when one is too long."""
    text = _join(words)
    if len(text) <= max_chars or len(words) < 2:
        return [text]
    best = None
    for k in range(1, len(words)):
        a, b = _join(words[:k]), _join(words[k:])
        score = max(len(a), len(b))
        if best is None or score < best[0]:
            best = (score, [a, b])
    return best[1] if best else [text]


def build_cues(
    transcript: Transcript, *, max_chars: int = 42, max_lines: int = 2, max_duration_s: float = 6.0, pause_s: float = 1.0
) -> list[Cue]:
    cues: list[Cue] = []
    limit = max_chars * max_lines
    window_ends = sorted(w.end_s for w in transcript.windows)

    def window_of(t: float) -> int:
        return next((i for i, end in enumerate(window_ends) if t <= end + 1e-6), len(window_ends))

    current: list[Word] = []

    def flush() -> None:
        if current:
            cues.append(Cue(current[0].start_s, max(current[-1].end_s, current[0].start_s + 0.2), _wrap(current, max_chars)))
            current.clear()

    for word in transcript.words():
        if current:
            prev = current[-1]
            too_long = len(_join([*current, word])) > limit or word.end_s - current[0].start_s > max_duration_s
            if too_long or word.start_s - prev.end_s > pause_s or ends_sentence(prev.text) or window_of(word.start_s) != window_of(prev.start_s):
                flush()
        current.append(word)
    flush()
    for a, b in zip(cues, cues[1:]):  # players show overlapping cues together: keep them apart
        a.end_s = min(a.end_s, b.start_s)
    return cues


def _clean(line: str) -> str:
    return line.replace("\r", " ").replace("\n", " ").replace("-->", "->")


def build_srt(transcript: Transcript, **kwargs: float) -> str:
    blocks = [
        f"{i}\n{srt_time(c.start_s)} --> {srt_time(c.end_s)}\n" + "\n".join(_clean(line) for line in c.lines) + "\n"
        for i, c in enumerate(build_cues(transcript, **kwargs), start=1)
    ]
    return "\n".join(blocks)


def vtt_escape(text: str) -> str:
    return _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_vtt(transcript: Transcript, **kwargs: float) -> str:
    header = f"WEBVTT\n\nNOTE reelcart transcript, model {vtt_escape(transcript.model)}, language {vtt_escape(transcript.language)}\n"
    blocks = [
        f"{vtt_time(c.start_s)} --> {vtt_time(c.end_s)}\n" + "\n".join(vtt_escape(line) for line in c.lines) + "\n"
        for c in build_cues(transcript, **kwargs)
    ]
    return "\n".join([header, *blocks])
