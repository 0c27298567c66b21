"""Where the voice is: Silero VAD probabilities (the model faster-whisper ships), speech regions,
quiet cut points, and word times bounded by speech.

Whisper's word times come from cross-attention alignment. They run together (each word starts
where the previous one ended, so pauses vanish) and the first word after a long silence is often
stamped seconds early, inside the silence. ``refine_word_times`` moves every word boundary that
lies in silence onto the speech next to it, using tight speech regions (no padding), so captions
start when the voice starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..text import SENTENCE_END

SAMPLE_RATE_HZ = 16000
FRAME_SAMPLES = 512  # Silero's step: 32 ms
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE_HZ


@dataclass(frozen=True)
class Region:
    start_s: float
    end_s: float


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """Speech probability of every 32 ms frame of 16 kHz mono ``audio`` (Silero VAD v6)."""
    if len(audio) == 0:
        return np.zeros(0, dtype=np.float32)
    from faster_whisper.vad import get_vad_model

    pad = (-len(audio)) % FRAME_SAMPLES
    padded = np.pad(audio.astype(np.float32, copy=False), (0, pad))
    return np.asarray(get_vad_model()(padded), dtype=np.float32).reshape(-1)


def speech_regions(
    probs: np.ndarray,
    *,
    threshold: float = 0.5,
    neg_threshold: float = 0.35,
    min_gap_s: float = 0.07,
    min_speech_s: float = 0.06,
) -> list[Region]:
    """Tight speech regions (seconds from the start of ``probs``): a region opens when the
    probability reaches ``threshold`` and closes when it falls below ``neg_threshold``;
    gaps shorter than ``min_gap_s`` are bridged and blips shorter than ``min_speech_s`` dropped."""
    raw: list[list[float]] = []
    start = None
    for i, p in enumerate(np.asarray(probs, dtype=np.float32)):
        if start is None and p >= threshold:
            start = i
        elif start is not None and p < neg_threshold:
            raw.append([start * FRAME_S, i * FRAME_S])
            start = None
    if start is not None:
        raw.append([start * FRAME_S, len(probs) * FRAME_S])
    merged: list[list[float]] = []
    for r in raw:
        if merged and r[0] - merged[-1][1] < min_gap_s:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    return [Region(round(a, 3), round(b, 3)) for a, b in merged if b - a >= min_speech_s]


def quietest_time(probs: np.ndarray, offset_s: float, target_s: float, smooth_s: float = 0.4) -> float:
    """The least speech-like moment in ``probs`` (which start at ``offset_s``), ties going to the
    one nearest ``target_s``: where to cut long audio so no word is split."""
    if len(probs) == 0:
        return target_s
    k = max(1, int(round(smooth_s / FRAME_S)))
    padded = np.pad(np.asarray(probs, dtype=np.float64), (k // 2, k - 1 - k // 2), mode="edge")
    smoothed = np.convolve(padded, np.ones(k) / k, mode="valid")
    times = offset_s + (np.arange(len(probs)) + 0.5) * FRAME_S
    # prefer silence strongly, distance weakly (1 s away costs as much as 0.005 probability)
    cost = smoothed + 0.005 * np.abs(times - target_s)
    return float(round(times[int(np.argmin(cost))], 3))


@dataclass
class TimedWord:
    text: str
    start_s: float
    end_s: float
    probability: float = 1.0


def refine_word_times(words: Sequence[TimedWord], regions: Sequence[Region], max_shift_s: float = 30.0) -> list[TimedWord]:
    """Bound words by speech activity (times in the same clock as ``regions``).

    * A word that starts in silence starts where the speech inside it starts; one that ends in
      silence ends where that speech ends.
    * A word whose span only grazes the speech of its neighbour across a pause (a smaller overlap
      than with the speech after the pause, or the neighbour ended a sentence) is moved off it:
      that is Whisper gluing words across a pause.
    * A word lying wholly in silence (the "first word after a long silence stamped seconds early"
      failure) moves onto the next speech region, if that region starts before the next word
      ends and within ``max_shift_s``.
    Words keep their order and never overlap the previous word.
    """
    if not regions:
        return [TimedWord(w.text, w.start_s, w.end_s, w.probability) for w in words]
    starts = np.array([r.start_s for r in regions])
    out: list[TimedWord] = []
    prev_end = -np.inf
    for i, word in enumerate(words):
        s = float(word.start_s)
        e = float(max(word.end_s, s + 0.01))  # zero-length words still have a place
        lo = int(np.searchsorted(starts, s, side="right")) - 1
        hits = []
        for j in range(max(lo, 0), len(regions)):
            r = regions[j]
            if r.start_s >= e:
                break
            overlap = min(e, r.end_s) - max(s, r.start_s)
            if overlap > 0:
                hits.append((r, overlap))
        if hits:
            starts_sentence = i > 0 and bool(SENTENCE_END.search(words[i - 1].text))
            if len(hits) >= 2 and hits[0][0].start_s < s and (starts_sentence or hits[0][1] < max(o for _, o in hits[1:])):
                hits = hits[1:]
            ends_sentence = bool(SENTENCE_END.search(word.text))
            if len(hits) >= 2 and hits[-1][0].end_s > e and (ends_sentence or hits[-1][1] < max(o for _, o in hits[:-1])):
                hits = hits[:-1]
            new_s, new_e = max(s, hits[0][0].start_s), min(e, hits[-1][0].end_s)
        else:
            nxt = int(np.searchsorted(starts, e, side="left"))
            limit = float(words[i + 1].end_s) if i + 1 < len(words) else np.inf
            if nxt < len(regions) and regions[nxt].start_s < limit and regions[nxt].start_s - s <= max_shift_s:
                r = regions[nxt]
                new_s = r.start_s
                share = (limit - new_s) / 2 if np.isfinite(limit) else e - s  # leave room for the next word
                new_e = min(r.end_s, new_s + max(min(e - s, share), FRAME_S))
            else:
                new_s, new_e = s, e
        new_s = max(new_s, prev_end) if np.isfinite(prev_end) else new_s
        new_e = max(new_e, new_s)
        out.append(TimedWord(word.text, round(new_s, 3), round(new_e, 3), word.probability))
        prev_end = new_e
    return out


def overlaps_speech(word: TimedWord, regions: Sequence[Region]) -> bool:
    return any(r.start_s < max(word.end_s, word.start_s + 0.01) and r.end_s > word.start_s for r in regions)


def drop_phantoms(words: Sequence[TimedWord], regions: Sequence[Region], min_probability: float = 0.5) -> list[TimedWord]:
    """Remove words that lie wholly outside speech (after ``refine_word_times``) and that the
    decoder itself doubted: text made up over silence, such as the prompt echoed after the last
    sentence or "thank you for watching"."""
    if not regions:
        return list(words)
    return [w for w in words if w.probability >= min_probability or overlaps_speech(w, regions)]
