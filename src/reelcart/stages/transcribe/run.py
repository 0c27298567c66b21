"""Transcribe with faster-whisper: word timestamps bounded by speech activity, product names fed
to the decoder, and only the audio the moment finder will read.

* **Windows.** With order spikes, the moment finder reads, for a spike at *t*, the sentences in
  ``[t - lookback_max - pitch_max, t - lookback_min + bin]``; each window is that range plus a
  small margin, and windows that overlap or nearly touch are merged. Without spikes, or with
  ``mode: full``, the window is the whole recording.
* **Flat memory.** Windows are decoded in chunks of about ``chunk_s`` seconds (120 s), read from
  the 16 kHz WAV one at a time; each chunk ends at the quietest moment within 10 s of its
  nominal end, so no word is cut in two. faster-whisper computes the log-mel features of a whole
  input at once (about 1 MB per second of audio at its peak), so the chunk length, not the
  recording's, bounds the memory; decoding speed does not depend on it. Segments are kept
  packed until the end, so a long transcript does not raise the peak either.
* **Parallel lanes, reproducible words.** Chunks are decoded side by side, one single-threaded
  decoder per core (on 2 cores this decodes the sample in 10.5 s against 18.7 s for one decoder
  on both cores), and put back in order. Each chunk gets a fresh CTranslate2 replica of the
  loaded model (0.2 s), so the temperature fallback's sampler starts from the seed for every
  chunk: a chunk's words depend on its audio alone, not on the lanes or on earlier chunks.
* **Words follow the voice.** Silero VAD (shipped with faster-whisper) finds tight speech
  regions in each chunk; words stamped in silence are moved onto the speech (see
  ``speech.activity.refine_word_times``).
* **Language** is detected once per recording, from up to 90 s of speech of the first chunk
  with at least 4 s of speech, unless the preset names it.
* **Product names** (names and aliases, those of the window's spike SKUs first) are given to the
  decoder as hotwords, within its prompt budget.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ...config import TranscribeConfig
from ...errors import ModelError
from ...models import Catalog, Repair, TimeRange, Transcript
from ...progress import audio_progress
from ...resources import cpu_threads
from ...speech.activity import Region, speech_probabilities, speech_regions
from ...speech.decoder import (
    PackedSegment,
    available_memory_bytes,
    decoder_lanes,
    fresh_decoder,
    load_model,
    release_memory,
    transcribe_chunk,
)
from ...speech.hints import HINT_TOKENS, build_hints, hint_terms
from ...speech.names import correct_segments, is_common_english
from ...speech.quality import hint_vocabulary
from ...speech.repair import ChunkAudio, repair_chunk
from ...speech.models import model_identity
from ..audio import SAMPLE_RATE_HZ, read_window
from .plan import split_at_pauses

log = logging.getLogger(__name__)

STAGE = "transcribe"
VERSION = 5  # 5: failed decodes repaired; names put right after decoding instead of hotwords (4: a fresh replica per chunk)
LANGUAGE_SPEECH_S = 90.0  # speech used to detect the language (up to three 30 s decoder windows)
MIN_LANGUAGE_SPEECH_S = 4.0  # a chunk with less speech is decoded in its own detected language, and the next one decides
# Whisper writes Chinese in simplified or traditional characters at random; a sentence in
# simplified characters before the audio settles it (override with transcribe.prompt).
DEFAULT_PROMPTS = {"zh": "以下是普通话的句子。"}


def cache_key_parts(config: TranscribeConfig, audio_sha256: str | None, windows: list[TimeRange], hints: Any) -> dict[str, Any]:
    """What the transcript depends on: the audio's content, the model's weights, the options,
    the windows and the product hints."""
    return {
        "audio": audio_sha256,
        "model": model_identity(config.model),
        "cfg": config.model_dump(),
        "windows": [w.model_dump() for w in windows],
        "hints": hints if config.product_hints else None,
    }


def _speech_sample(audio: np.ndarray, regions: list[Region], limit_s: float) -> np.ndarray:
    pieces, total = [], 0
    for r in regions:
        a = max(0, int((r.start_s - 0.1) * SAMPLE_RATE_HZ))
        b = min(len(audio), int((r.end_s + 0.1) * SAMPLE_RATE_HZ))
        pieces.append(audio[a:b])
        total += b - a
        if total >= limit_s * SAMPLE_RATE_HZ:
            break
    return np.concatenate(pieces)[: int(limit_s * SAMPLE_RATE_HZ)] if pieces else np.zeros(0, np.float32)


def _detect_language(model, audio: np.ndarray, regions: list[Region]) -> tuple[str, float]:  # noqa: ANN001
    speech = _speech_sample(audio, regions, LANGUAGE_SPEECH_S)
    segments = max(1, min(3, int(np.ceil(len(speech) / (30 * SAMPLE_RATE_HZ)))))
    language, probability, _ = model.detect_language(audio=speech, language_detection_segments=segments, language_detection_threshold=0.5)
    return language, float(probability)


@dataclass
class _Decoding:
    """What every chunk's decode shares, settled before the lanes start."""

    model: Any
    info: Any
    device: str
    config: TranscribeConfig
    language: str | None
    chunks: list[tuple[int, float, float]]  # (window index, start_s, end_s)
    hotwords: list[str | None]  # per window: the prompt and the hints
    prompts: str | None  # the prompt alone (what a repair decodes with)
    hint_tokens: list[frozenset[str]]  # per window


@dataclass
class _ChunkResult:
    segments: list[PackedSegment]
    language: tuple[str, float] | None
    speech_s: float
    repairs: list[Repair] = field(default_factory=list)
    speech: list[tuple[float, float]] = field(default_factory=list)  # speech regions, recording time


SPEECH_BRIDGE_S = 0.15  # breaks shorter than this are bridged in the transcript's speech regions


def bridged(regions: list[Region], offset_s: float, gap_s: float = SPEECH_BRIDGE_S) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for r in regions:
        a, b = round(r.start_s + offset_s, 3), round(r.end_s + offset_s, 3)
        if out and a - out[-1][1] < gap_s:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _preset_language(config: TranscribeConfig, info: Any) -> tuple[str | None, float, str]:
    if config.language and not info.multilingual and config.language != "en":
        raise ModelError(f"model {info.name!r} is English only but the preset asks for language {config.language!r}")
    if config.language:
        return config.language, 1.0, "preset"
    if not info.multilingual:
        return "en", 1.0, "model"
    return None, 0.0, "detected"


def plan_chunks(wav_path: Path, windows: list[TimeRange], chunk_s: float) -> list[tuple[int, float, float]]:
    """The chunks of every window, cut at pauses (a VAD pass over the candidate cut points only)."""
    chunks: list[tuple[int, float, float]] = []
    for index, window in enumerate(windows):
        def probs_for(a: float, b: float, _w: TimeRange = window) -> tuple[float, np.ndarray]:
            a, b = max(a, _w.start_s), min(b, _w.end_s)
            return a, speech_probabilities(read_window(wav_path, a, b))

        cuts = split_at_pauses(window.start_s, window.end_s, chunk_s, probs_for)
        chunks += [(index, a, b) for a, b in zip(cuts[:-1], cuts[1:])]
    return chunks


def decoder_hints(config: TranscribeConfig, catalog: Catalog | None, window_products: list[list[str]] | None, count_tokens: Callable[[str], int],
                  windows: int, prompt: str) -> list[str | None]:
    """Each window's hotword text by the hint policy: ``decoder``: every name (the window's spike
    products first); ``spike_windows``: only the window's spike products; ``correct``: none (the
    user's vocabulary still goes to the decoder)."""
    out: list[str | None] = []
    budget = HINT_TOKENS - count_tokens(prompt)
    for index in range(windows):
        first = tuple(window_products[index]) if window_products and index < len(window_products) else ()
        names = catalog if (config.product_hints and config.hint_policy != "correct") else None
        if names is not None and config.hint_policy == "spike_windows":
            names = catalog.model_copy(update={"products": [p for p in catalog.products if p.sku in first]}) if first else None
        terms = hint_terms(names, first, config.vocabulary)
        out.append(build_hints(terms, count_tokens, budget) if terms else None)
    return out


def transcribe_windows(
    wav_path: Path,
    windows: list[TimeRange],
    config: TranscribeConfig,
    catalog: Catalog | None = None,
    *,
    window_products: list[list[str]] | None = None,
    progress: Callable[[float], None] | bool | None = None,
) -> Transcript:
    """Transcribe ``windows`` of the 16 kHz mono WAV. ``window_products``: SKUs whose names go
    first in each window's hints. ``progress``: a ``report(done_s)`` callable, ``False`` for
    none, ``None`` for a bar on a terminal and plain lines otherwise."""
    model, info, device = load_model(config)
    language, language_probability, source = _preset_language(config, info)

    def count_tokens(text: str) -> int:
        return len(model.hf_tokenizer.encode(text, add_special_tokens=False).ids)

    chunks = plan_chunks(wav_path, windows, config.chunk_s)
    if language is None:  # one language per recording, from the first chunk with enough speech
        language, language_probability = _first_language(model, wav_path, chunks)
    prompt = config.prompt.strip() if config.prompt else DEFAULT_PROMPTS.get(language or "", "")
    hints = decoder_hints(config, catalog, window_products, count_tokens, len(windows), prompt)
    job = _Decoding(model, info, device, config, language, chunks,
                    hotwords=[" ".join(p for p in (prompt, h) if p) or None for h in hints], prompts=prompt or None,
                    hint_tokens=[hint_vocabulary(h) for h in hints])
    total_s = sum(w.duration_s for w in windows)
    started = time.perf_counter()
    results = _decode_chunks(job, wav_path, total_s, progress)
    log.info("transcribed %.0f s of audio in %.1f s", total_s, time.perf_counter() - started)
    used_hints = any(r.speech_s >= 0.2 and bool(hints[w]) for (w, _, _), r in zip(chunks, results))
    fallback = next((r.language for r in reversed(results) if r.language is not None), None)
    if language is None and fallback is not None:  # too little speech anywhere to settle it up front
        language, language_probability = fallback
    segments = [p.unpack() for r in results for p in r.segments]
    corrections = []
    if config.product_hints and config.hint_policy == "correct" and catalog is not None:
        names = [t for p in catalog.products for t in (p.name, *p.aliases)]
        segments, corrections = correct_segments(segments, names, is_common_english)
    return Transcript(
        model=info.name, language=language or "en", language_probability=round(language_probability, 3), windows=windows,
        segments=segments, audio_s=round(total_s, 3), speech_s=round(sum(r.speech_s for r in results), 3),
        language_source=source, device=device, hints=used_hints, hint_policy=config.hint_policy if config.product_hints else None,
        repairs=[rep for r in results for rep in r.repairs], corrections=corrections,
        speech=[TimeRange(start_s=a, end_s=b) for r in results for a, b in r.speech],
    )


def _decode_chunk(job: _Decoding, wav_path: Path, n: int, lane_threads: int, advance: Callable[[int, float], None],
                  stop: threading.Event) -> _ChunkResult:
    window_index, chunk_start, chunk_end = job.chunks[n]
    audio = read_window(wav_path, chunk_start, chunk_end)
    probs = speech_probabilities(audio) if len(audio) else np.zeros(0, np.float32)
    regions = speech_regions(probs) if len(audio) else []
    result = _ChunkResult([], None, sum(r.end_s - r.start_s for r in regions), speech=bridged(regions, chunk_start))
    if result.speech_s >= 0.2:
        decoder = fresh_decoder(job.model, job.info, job.device, lane_threads)
        result.segments, result.language = transcribe_chunk(
            decoder, audio, regions, chunk_start, job.language, job.hotwords[window_index], job.config,
            on_segment=lambda end_s: advance(n, end_s - chunk_start), stop=stop,
        )
        if job.config.repair:
            chunk = ChunkAudio(audio, chunk_start, [Region(r.start_s + chunk_start, r.end_s + chunk_start) for r in regions], probs)
            language = job.language or (result.language[0] if result.language else None)
            result.segments, result.repairs = repair_chunk(decoder, chunk, result.segments, language, job.prompts, job.config,
                                                           job.hint_tokens[window_index], stop)
        del decoder
    del audio
    release_memory()
    advance(n, chunk_end - chunk_start)
    return result


def _decode_chunks(job: _Decoding, wav_path: Path, total_s: float, progress: Callable[[float], None] | bool | None) -> list[_ChunkResult]:
    """Every chunk's decode, side by side in lanes, back in order."""
    lanes, lane_threads = decoder_lanes(job.device, len(job.chunks), job.config.cpu_threads or cpu_threads(), available_memory_bytes())
    log.info("transcribing %d chunks (%.0f s) on %d lane(s) of %d thread(s)", len(job.chunks), total_s, lanes, lane_threads)
    if progress is None:
        reporting = audio_progress(total_s, f"transcribe ({job.info.name})")
    else:
        reporting = contextlib.nullcontext(progress if callable(progress) else (lambda done_s: None))
    with reporting as report:
        done_by_chunk = [0.0] * len(job.chunks)
        lock = threading.Lock()
        stop = threading.Event()

        def advance(n: int, done_s: float) -> None:
            with lock:
                done_by_chunk[n] = done_s
                report(sum(done_by_chunk))

        if lanes == 1:
            return [_decode_chunk(job, wav_path, n, lane_threads, advance, stop) for n in range(len(job.chunks))]
        with ThreadPoolExecutor(lanes, thread_name_prefix="transcribe-lane") as pool:
            futures = [pool.submit(_decode_chunk, job, wav_path, n, lane_threads, advance, stop) for n in range(len(job.chunks))]
            try:
                return [future.result() for future in futures]
            finally:  # an error or an interruption: the other lanes stop at their next segment
                stop.set()
                for future in futures:
                    future.cancel()


def _first_language(model, wav_path: Path, chunks: list[tuple[int, float, float]]) -> tuple[str | None, float]:  # noqa: ANN001
    """The language of the first chunk with at least ``MIN_LANGUAGE_SPEECH_S`` of speech (None
    when no chunk has that much: each chunk is then decoded in its own detected language)."""
    for _, chunk_start, chunk_end in chunks:
        audio = read_window(wav_path, chunk_start, chunk_end)
        regions = speech_regions(speech_probabilities(audio)) if len(audio) else []
        if sum(r.end_s - r.start_s for r in regions) >= MIN_LANGUAGE_SPEECH_S:
            language, probability = _detect_language(model, audio, regions)
            log.info("detected language %s (p=%.2f)", language, probability)
            return language, probability
    return None, 0.0
