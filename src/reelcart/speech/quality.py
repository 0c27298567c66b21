"""Is a decode believable? Signals the decoder and the audio already give, per segment and per
chunk, and one quality score to choose between decodes of the same audio (pure).

A failed decode looks like one of these (each seen on the sample or the fixtures under one of
CTranslate2's instruction sets; see docs/transcription.md for the measurements):

* **repetition**: an n-gram said again and again (``water bottle. water bottle.``);
* **hint echo**: a segment made only of the product names given as hints;
* **uncovered speech**: the voice activity detector hears speech for seconds with no word over it
  (the decoder dropped it);
* **implausible rate**: far too few words for the speech under a segment (17 s of speech, 4 words),
  or more than anyone can say;
* **decoder outliers**: a segment kept only after whisper's temperature fallback ran out
  (``temperature`` 1.0), a compression ratio over 2.4 (repetitive text), a mean log-probability
  under -1.

The thresholds are set from measured decodes: every good decode of the fixtures, the sample and the
shared media under GENERIC, AVX2 and AVX512 stays inside them with a margin, and every failed decode
we reproduced trips at least one (``bench/bench_hints.py`` prints both distributions).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .activity import Region

# --- thresholds (measured: see the module docstring)
MAX_REPEATS = 2  # an n-gram (n >= 2 words) said this many times in a row in one segment
MAX_WORD_REPEATS = 4  # one word said this many times in a row
MIN_WORDS_PER_SPEECH_S = 0.7  # good decodes measured: >= 1.58 words per second of speech under the segment
MAX_WORDS_PER_SPEECH_S = 7.0  # good decodes measured: <= 6.12 (fast talk)
MIN_RATE_SPEECH_S = 3.0  # the rate is judged only over this much speech
MAX_UNCOVERED_S = 2.5  # speech this long with no word over it was dropped (good decodes measured: <= 0.46 s; failed: up to 26 s)
WORD_PAD_S = 0.3  # a word covers the speech this close to it (word times are approximate)
JOIN_GAP_S = 1.0  # uncovered speech this close together is one dropped stretch
MAX_SEGMENT_S = 24.0  # good decodes: at most 21 s but one (27 s over sparse words, re-decoded for better timing); hints: up to 56 s
MAX_COMPRESSION_RATIO = 2.4  # whisper's own bar for repetitive text (every decode measured: <= 1.8)
MIN_AVG_LOGPROB = -1.0  # whisper's own bar for an unsure window (good decodes measured: >= -0.92; with hints down to -2.3)
FALLBACK_EXHAUSTED = 1.0  # the temperature at which whisper keeps whatever it sampled last


@dataclass(frozen=True)
class DecodedSegment:
    """What the checks read of a segment: its words (text, start_s, end_s, probability) and the
    decoder's statistics (None where unknown)."""

    words: tuple[tuple[str, float, float, float], ...]
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    temperature: float | None = None

    @property
    def start_s(self) -> float:
        return self.words[0][1]

    @property
    def end_s(self) -> float:
        return self.words[-1][2]


@dataclass
class Suspect:
    """A span of a decode that looks wrong, and why."""

    start_s: float
    end_s: float
    reasons: list[str] = field(default_factory=list)


_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, punctuation dropped (CJK: one token per character)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    for token in _TOKEN.findall(folded):
        if any("\u3400" <= ch <= "\u9fff" for ch in token):
            out.extend(token)
        else:
            out.append(token)
    return out


def repeated_share(words: Sequence[str]) -> float:
    """Share of the tokens inside runs of a repeated n-gram: an n-gram of 2-6 tokens said
    ``MAX_REPEATS`` times or more in a row, or one token ``MAX_WORD_REPEATS`` times or more."""
    n = len(words)
    marked = np.zeros(n, dtype=bool)
    for size in range(1, 7):
        need = MAX_WORD_REPEATS if size == 1 else MAX_REPEATS
        i = 0
        while i + size * need <= n:
            gram = words[i : i + size]
            count = 1
            while words[i + count * size : i + (count + 1) * size] == gram:
                count += 1
            if count >= need:
                marked[i : i + count * size] = True
                i += count * size
            else:
                i += 1
    return float(marked.mean()) if n else 0.0


def hint_echo(words: Sequence[str], hint_tokens: frozenset[str]) -> bool:
    """The segment is made only of hint words (at least one of them a name's distinctive word)."""
    return bool(words) and bool(hint_tokens) and all(w in hint_tokens for w in words)


def hint_vocabulary(hints: str | None) -> frozenset[str]:
    """The tokens of the hotword text (``build_hints``' output)."""
    return frozenset(tokens(hints or ""))


def speech_seconds(regions: Sequence[Region], start_s: float, end_s: float) -> float:
    return sum(max(0.0, min(r.end_s, end_s) - max(r.start_s, start_s)) for r in regions)


def uncovered_spans(segments: Sequence[DecodedSegment], regions: Sequence[Region], min_s: float = MAX_UNCOVERED_S) -> list[Region]:
    """Stretches holding at least ``min_s`` of speech with no word within ``WORD_PAD_S`` of it;
    pieces of uncovered speech less than ``JOIN_GAP_S`` apart count as one stretch (a dropped
    sentence is several speech regions with short breaths between them)."""
    covered = sorted((w[1] - WORD_PAD_S, w[2] + WORD_PAD_S) for s in segments for w in s.words)
    pieces: list[tuple[float, float]] = []
    for region in regions:
        gaps = [(region.start_s, region.end_s)]
        for a, b in covered:
            if b <= region.start_s or a >= region.end_s:
                continue
            gaps = [piece for g in gaps for piece in ((g[0], min(g[1], a)), (max(g[0], b), g[1])) if piece[1] > piece[0]]
        pieces += gaps
    runs: list[list[float]] = []  # [start_s, end_s, speech_s]
    for a, b in sorted(pieces):
        if runs and a - runs[-1][1] < JOIN_GAP_S and not _word_between(covered, runs[-1][1], a):
            runs[-1][1] = max(runs[-1][1], b)
            runs[-1][2] += b - a
        else:
            runs.append([a, b, b - a])
    return [Region(round(a, 3), round(b, 3)) for a, b, speech_s in runs if speech_s >= min_s and speech_s > 0]


def _word_between(covered: Sequence[tuple[float, float]], a: float, b: float) -> bool:
    return any(x < b and y > a for x, y in covered)


def segment_reasons(segment: DecodedSegment, regions: Sequence[Region], hint_tokens: frozenset[str]) -> list[str]:
    """Why one segment looks wrong (empty: it looks fine)."""
    words = [t for w in segment.words for t in tokens(w[0])]
    reasons = []
    if repeated_share(words) > 0:
        reasons.append("repetition")
    if hint_echo(words, hint_tokens):
        reasons.append("hint_echo")
    speech_s = speech_seconds(regions, segment.start_s, segment.end_s)
    if speech_s >= MIN_RATE_SPEECH_S:
        rate = len(words) / speech_s
        if rate < MIN_WORDS_PER_SPEECH_S or rate > MAX_WORDS_PER_SPEECH_S:
            reasons.append("word_rate")
    if segment.end_s - segment.start_s > MAX_SEGMENT_S:
        reasons.append("long_segment")
    if segment.compression_ratio is not None and segment.compression_ratio > MAX_COMPRESSION_RATIO:
        reasons.append("compression_ratio")
    if segment.avg_logprob is not None and segment.avg_logprob < MIN_AVG_LOGPROB:
        reasons.append("low_logprob")
    if segment.temperature is not None and segment.temperature >= FALLBACK_EXHAUSTED:
        reasons.append("fallback_exhausted")
    return reasons


def find_suspects(
    segments: Sequence[DecodedSegment], regions: Sequence[Region], hint_tokens: frozenset[str] = frozenset(), merge_gap_s: float = 1.0
) -> list[Suspect]:
    """The spans of a decode to decode again: flagged segments and dropped speech, merged when
    they touch or lie within ``merge_gap_s`` of each other."""
    found = [Suspect(s.start_s, s.end_s, segment_reasons(s, regions, hint_tokens)) for s in segments]
    found = [s for s in found if s.reasons]
    found += [Suspect(r.start_s, r.end_s, ["uncovered_speech"]) for r in uncovered_spans(segments, regions)]
    merged: list[Suspect] = []
    for s in sorted(found, key=lambda s: s.start_s):
        if merged and s.start_s <= merged[-1].end_s + merge_gap_s:
            last = merged[-1]
            last.end_s = max(last.end_s, s.end_s)
            last.reasons += [r for r in s.reasons if r not in last.reasons]
        else:
            merged.append(Suspect(s.start_s, s.end_s, list(s.reasons)))
    return merged


def quality_score(segments: Sequence[DecodedSegment], regions: Sequence[Region], hint_tokens: frozenset[str] = frozenset()) -> float:
    """One score in [0, 1] for a decode of some audio, higher is better:

    ``coverage × (1 − repeated) × (1 − echo) × rate × (0.5 + 0.5 × confidence)``

    * coverage: share of the speech (VAD) with a word within ``WORD_PAD_S``; 1 without speech;
    * repeated: share of words in repeated n-gram runs; echo: share in hint-only segments;
    * rate: 1 when the words per second of speech are plausible, else 0.5;
    * confidence: mean word probability.
    """
    words = [(tokens(w[0]), w[3]) for s in segments for w in s.words]
    flat = [t for toks, _ in words for t in toks]
    speech_s = sum(r.end_s - r.start_s for r in regions)
    if speech_s <= 0:
        return 1.0 if not flat else 0.5
    uncovered = sum(r.end_s - r.start_s for r in uncovered_spans(segments, regions, min_s=0.0))
    coverage = max(0.0, 1.0 - uncovered / speech_s)
    repeated = repeated_share(flat)
    echo_words = sum(len(t) for s in segments for t in [[x for w in s.words for x in tokens(w[0])]] if hint_echo(t, hint_tokens))
    echo = echo_words / len(flat) if flat else 0.0
    rate_value = len(flat) / speech_s
    rate = 1.0 if speech_s < MIN_RATE_SPEECH_S or MIN_WORDS_PER_SPEECH_S <= rate_value <= MAX_WORDS_PER_SPEECH_S else 0.5
    confidence = float(np.mean([p for _, p in words])) if words else 0.0
    return round(coverage * (1 - repeated) * (1 - echo) * rate * (0.5 + 0.5 * confidence), 4)


def clip_regions(regions: Iterable[Region], start_s: float, end_s: float) -> list[Region]:
    return [Region(max(r.start_s, start_s), min(r.end_s, end_s)) for r in regions if r.end_s > start_s and r.start_s < end_s]
