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
  ``speech_activity.refine_word_times``).
* **Language** is detected once per recording, from up to 90 s of speech of the first chunk
  with at least 4 s of speech, unless the preset names it.
* **Product names** (names and aliases, those of the window's spike SKUs first) are given to the
  decoder as hotwords, within its prompt budget.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import logging
import os
import re
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..config import MomentsConfig, TranscribeConfig
from ..errors import ModelError
from ..models import Catalog, Segment, SpikeReport, TimeRange, Transcript, Word
from ..progress import audio_progress
from ..resources import cpu_threads
from ..speech_models import ModelInfo, model_identity, resolve_model
from .audio import SAMPLE_RATE_HZ, read_window
from .speech_activity import (
    FRAME_S,
    Region,
    TimedWord,
    drop_phantoms,
    quietest_time,
    refine_word_times,
    speech_probabilities,
    speech_regions,
)

log = logging.getLogger(__name__)

STAGE = "transcribe"
VERSION = 4  # 4: a fresh decoder replica per chunk (sampling no longer depends on earlier chunks)
SAMPLING_SEED = 0
CUT_SEARCH_S = 10.0  # a chunk may end this much before or after its nominal end, at the quietest point
MERGE_GAP_S = 5.0  # windows closer than this are merged
LANGUAGE_SPEECH_S = 90.0  # speech used to detect the language (up to three 30 s decoder windows)
MIN_LANGUAGE_SPEECH_S = 4.0  # a chunk with less speech is decoded in its own detected language, and the next one decides
HINT_TOKENS = 200  # faster-whisper keeps at most 223 hotword tokens
VAD_PARAMETERS = {"min_silence_duration_ms": 500, "speech_pad_ms": 200}
# Whisper writes Chinese in simplified or traditional characters at random; a sentence in
# simplified characters before the audio settles it (override with transcribe.prompt).
DEFAULT_PROMPTS = {"zh": "以下是普通话的句子。"}


# ------------------------------------------------------------------ planning (pure)


def merge_ranges(ranges: list[TimeRange], gap_s: float = 0.0) -> list[TimeRange]:
    merged: list[TimeRange] = []
    for r in sorted(ranges, key=lambda r: r.start_s):
        if merged and r.start_s <= merged[-1].end_s + gap_s:
            merged[-1] = TimeRange(start_s=merged[-1].start_s, end_s=max(merged[-1].end_s, r.end_s))
        else:
            merged.append(r)
    return merged


def spike_range(onset_s: float, duration_s: float, config: TranscribeConfig, moments: MomentsConfig, bin_s: float) -> TimeRange:
    """The audio the moment finder reads for a spike at ``onset_s``, plus the margin."""
    start = onset_s - moments.lookback_max_s - moments.pitch_max_s - config.window_margin_s
    end = onset_s - moments.lookback_min_s + bin_s + config.window_margin_s
    start, end = max(0.0, start), min(duration_s, max(end, start))
    return TimeRange(start_s=round(start, 3), end_s=round(max(start, end), 3))


def plan_windows(
    spikes: SpikeReport | None, duration_s: float, config: TranscribeConfig, moments: MomentsConfig
) -> list[TimeRange]:
    """The audio ranges to transcribe: the whole recording in full mode or without spikes, else
    the merged look-back ranges of the spikes."""
    if duration_s <= 0:
        return []
    if config.mode == "full" or spikes is None or not spikes.spikes:
        return [TimeRange(start_s=0.0, end_s=round(duration_s, 3))]
    ranges = [spike_range(s.onset_s, duration_s, config, moments, spikes.bin_s) for s in spikes.spikes]
    return merge_ranges([r for r in ranges if r.duration_s > 0], gap_s=MERGE_GAP_S)


def window_skus(
    spikes: SpikeReport | None, windows: list[TimeRange], duration_s: float, config: TranscribeConfig, moments: MomentsConfig
) -> list[list[str]]:
    """For each window, the SKUs of the spikes it was planned for (their names go first in the hints)."""
    out: list[list[str]] = [[] for _ in windows]
    if spikes is None:
        return out
    for spike in sorted(spikes.spikes, key=lambda s: -s.orders_above_baseline):
        r = spike_range(spike.onset_s, duration_s, config, moments, spikes.bin_s)
        for i, w in enumerate(windows):
            if r.start_s < w.end_s and r.end_s > w.start_s and spike.sku not in out[i]:
                out[i].append(spike.sku)
    return out


def split_at_pauses(start_s: float, end_s: float, chunk_s: float, probs_for: Callable[[float, float], tuple[float, np.ndarray]]) -> list[float]:
    """Cut points of ``[start_s, end_s]`` into chunks of about ``chunk_s``: each cut is the quietest
    moment within ``CUT_SEARCH_S`` of its nominal place. ``probs_for(a, b)`` returns the speech
    probabilities of ``[a, b]`` and the time of their first frame. Returns [start, cut..., end]."""
    cuts = [start_s]
    while end_s - cuts[-1] > chunk_s + CUT_SEARCH_S:
        nominal = cuts[-1] + chunk_s
        offset, probs = probs_for(nominal - CUT_SEARCH_S, nominal + CUT_SEARCH_S)
        cuts.append(quietest_time(probs, offset, nominal))
    cuts.append(end_s)
    return cuts


# ------------------------------------------------------------------ product hints (pure)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def hint_terms(catalog: Catalog | None, first_skus: Sequence[str] = (), vocabulary: Sequence[str] = ()) -> list[str]:
    """Product names and aliases (the ``first_skus`` first, then the user's vocabulary, then the
    rest of the catalog), without repeats: an alias contained in a term already listed adds nothing."""
    products = list(catalog.products) if catalog else []
    rank = {sku: i for i, sku in enumerate(first_skus)}
    first = sorted((p for p in products if p.sku in rank), key=lambda p: rank[p.sku])
    rest = [p for p in products if p.sku not in rank]
    candidates = [t for p in first for t in (p.name, *p.aliases)]
    candidates += list(vocabulary)
    candidates += [t for p in rest for t in (p.name, *p.aliases)]
    terms: list[str] = []
    folded: list[str] = []
    for term in candidates:
        term = " ".join(str(term).split())
        f = _fold(term)
        if not f or any(f in seen for seen in folded):
            continue
        terms.append(term)
        folded.append(f)
    return terms


def build_hints(terms: Sequence[str], count_tokens: Callable[[str], int] | None = None, max_tokens: int = HINT_TOKENS) -> str | None:
    """Join ``terms`` into the decoder's hotword text, dropping whole terms past the token budget.

    Terms are written as short sentences ("Zyntrelle Serum. Quorvani Lamp."): as a comma list
    the decoder sometimes continues the list into the transcript, naming products nobody said."""
    count = count_tokens or (lambda text: len(text.encode("utf-8")) // 3 + 1)
    chosen: list[str] = []
    for term in terms:
        if count(" " + _hint_text([*chosen, term])) > max_tokens:
            continue  # a shorter term later may still fit
        chosen.append(term)
    return _hint_text(chosen) if chosen else None


def _hint_text(terms: Sequence[str]) -> str:
    return " ".join(t if t.endswith((".", "!", "?", "。")) else f"{t}." for t in terms)


def product_hints(catalog: Catalog | None, first_skus: Sequence[str] = (), vocabulary: Sequence[str] = ()) -> str | None:
    """Hotword text for a catalog (no tokenizer: a conservative byte-based budget)."""
    return build_hints(hint_terms(catalog, first_skus, vocabulary))


# ------------------------------------------------------------------ model


def resolve_device(config: TranscribeConfig) -> tuple[str, str]:
    """(device, compute type) for the preset; raises a clear error for impossible choices."""
    try:
        import ctranslate2
    except ImportError as exc:  # pragma: no cover - dependency of faster-whisper
        raise ModelError("CTranslate2 is not installed (pip install faster-whisper)") from exc
    try:
        cuda = ctranslate2.get_cuda_device_count()
    except Exception:  # noqa: BLE001 - CUDA runtime missing or broken
        cuda = 0
    device = config.device
    if device == "auto":
        device = "cuda" if cuda > 0 else "cpu"
    elif device == "cuda" and cuda == 0:
        raise ModelError("transcribe.device is 'cuda' but CTranslate2 finds no CUDA device (use device: auto or cpu)")
    compute = config.compute_type
    if compute == "default":
        compute = "float16" if device == "cuda" else "int8"
    supported = set(ctranslate2.get_supported_compute_types(device))
    if compute not in supported and compute != "auto":
        raise ModelError(f"compute type {compute!r} is not supported on {device} (supported: {', '.join(sorted(supported))})")
    return device, compute


@functools.lru_cache(maxsize=2)
def _whisper(path: str, device: str, compute: str, threads: int):  # noqa: ANN202 - faster_whisper.WhisperModel
    from faster_whisper import WhisperModel

    return WhisperModel(path, device=device, compute_type=compute, cpu_threads=threads)


def unload_models() -> None:
    """Drop the loaded speech models once a run's transcription is done: the stages after it
    decode video and should not carry the decoder's few hundred MB."""
    _whisper.cache_clear()
    gc.collect()
    release_memory()


def load_model(config: TranscribeConfig):  # noqa: ANN201 - (WhisperModel, ModelInfo, "device/compute")
    """The model for the preset, loaded once per process."""
    info = resolve_model(config.model)
    device, compute = resolve_device(config)
    threads = config.cpu_threads or cpu_threads()  # a batch job's thread budget, else every core
    try:
        model = _whisper(info.path, device, compute, threads)
    except Exception as exc:  # noqa: BLE001 - CTranslate2 raises RuntimeError/ValueError with its own text
        raise ModelError(f"cannot load speech model {config.model!r} on {device}/{compute}: {exc}", path=info.path) from exc
    return model, info, f"{device}/{compute}"


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


# ------------------------------------------------------------------ running


_SPACE = re.compile(r"\s+")
_NO_SPACE = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _join_words(texts: list[str]) -> str:
    out = ""
    for text in texts:
        if out and not (_NO_SPACE.search(out[-1]) and _NO_SPACE.search(text[:1])):
            out += " "
        out += text
    return out


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
    if config.language and not info.multilingual and config.language != "en":
        raise ModelError(f"model {info.name!r} is English only but the preset asks for language {config.language!r}")
    if config.language:
        language, language_probability, source = config.language, 1.0, "preset"
    elif not info.multilingual:
        language, language_probability, source = "en", 1.0, "model"
    else:
        language, language_probability, source = None, 0.0, "detected"

    def count_tokens(text: str) -> int:
        return len(model.hf_tokenizer.encode(text, add_special_tokens=False).ids)

    terms_cache: dict[tuple[str, ...], str | None] = {}

    def hints_for(index: int) -> str | None:
        if not (config.product_hints and catalog) and not config.vocabulary:
            return None
        first = tuple(window_products[index]) if window_products and index < len(window_products) else ()
        if first not in terms_cache:
            terms = hint_terms(catalog if config.product_hints else None, first, config.vocabulary)
            terms_cache[first] = build_hints(terms, count_tokens, HINT_TOKENS - count_tokens(prompt_for(language)))
        return terms_cache[first]

    def prompt_for(lang: str | None) -> str:
        return config.prompt.strip() if config.prompt else DEFAULT_PROMPTS.get(lang or "", "")

    total_s = sum(w.duration_s for w in windows)
    # the chunks of every window, cut at pauses (a VAD pass over the candidate cut points only)
    chunks: list[tuple[int, float, float]] = []
    for index, window in enumerate(windows):
        def probs_for(a: float, b: float, _w: TimeRange = window) -> tuple[float, np.ndarray]:
            a, b = max(a, _w.start_s), min(b, _w.end_s)
            return a, speech_probabilities(read_window(wav_path, a, b))

        cuts = split_at_pauses(window.start_s, window.end_s, config.chunk_s, probs_for)
        chunks += [(index, a, b) for a, b in zip(cuts[:-1], cuts[1:])]
    if language is None:  # one language per recording, from the first chunk with enough speech
        language, language_probability = _first_language(model, wav_path, chunks)
    window_hints = [hints_for(index) for index in range(len(windows))]
    hotwords = [" ".join(p for p in (prompt_for(language), hints) if p) or None for hints in window_hints]
    lanes, lane_threads = decoder_lanes(device, len(chunks), config.cpu_threads or cpu_threads(), available_memory_bytes())
    log.info("transcribing %d chunks (%.0f s) on %d lane(s) of %d thread(s)", len(chunks), total_s, lanes, lane_threads)
    started = time.perf_counter()
    if progress is None:
        reporting = audio_progress(total_s, f"transcribe ({info.name})")
    else:
        reporting = contextlib.nullcontext(progress if callable(progress) else (lambda done_s: None))
    with reporting as report:
        done_by_chunk = [0.0] * len(chunks)
        lock = threading.Lock()
        stop = threading.Event()

        def advance(n: int, done_s: float) -> None:
            with lock:
                done_by_chunk[n] = done_s
                report(sum(done_by_chunk))

        def decode(n: int) -> tuple[list[PackedSegment], tuple[str, float] | None, float]:
            window_index, chunk_start, chunk_end = chunks[n]
            audio = read_window(wav_path, chunk_start, chunk_end)
            regions = speech_regions(speech_probabilities(audio)) if len(audio) else []
            chunk_speech_s = sum(r.end_s - r.start_s for r in regions)
            found: list[PackedSegment] = []
            chunk_language = None
            if chunk_speech_s >= 0.2:
                decoder = fresh_decoder(model, info, device, lane_threads)
                found, chunk_language = transcribe_chunk(
                    decoder, audio, regions, chunk_start, language, hotwords[window_index], config,
                    on_segment=lambda end_s: advance(n, end_s - chunk_start), stop=stop,
                )
                del decoder
            del audio
            release_memory()
            advance(n, chunk_end - chunk_start)
            return found, chunk_language, chunk_speech_s

        if lanes == 1:
            results = [decode(n) for n in range(len(chunks))]
        else:
            with ThreadPoolExecutor(lanes, thread_name_prefix="transcribe-lane") as pool:
                futures = [pool.submit(decode, n) for n in range(len(chunks))]
                try:
                    results = [future.result() for future in futures]
                finally:  # an error or an interruption: the other lanes stop at their next segment
                    stop.set()
                    for future in futures:
                        future.cancel()
    fallback_language: tuple[str, float] | None = None
    packed: list[PackedSegment] = []
    speech_s = 0.0
    used_hints = False
    for (window_index, _, _), (found, chunk_language, chunk_speech_s) in zip(chunks, results):
        packed += found
        speech_s += chunk_speech_s
        used_hints |= chunk_speech_s >= 0.2 and bool(window_hints[window_index])
        if chunk_language is not None:  # too little speech anywhere to settle it up front
            fallback_language = chunk_language
    log.info("transcribed %.0f s of audio in %.1f s", total_s, time.perf_counter() - started)
    if language is None and fallback_language is not None:
        language, language_probability = fallback_language
    return Transcript(
        model=info.name,
        language=language or "en",
        language_probability=round(language_probability, 3),
        windows=windows,
        segments=[p.unpack() for p in packed],
        audio_s=round(total_s, 3),
        speech_s=round(speech_s, 3),
        language_source=source,
        device=device,
        hints=used_hints,
    )


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


MAX_LANES = 4
LANE_BYTES = 400 * 2**20  # peak memory of one lane decoding a 120 s chunk with ``base`` (bench: 2 lanes 1.03 GB, 1 lane 0.69 GB)


def available_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not POSIX
        return None


def decoder_lanes(device: str, chunks: int, threads: int, available_bytes: int | None = None) -> tuple[int, int]:
    """(parallel decoders, threads each). On a CPU, one single-threaded decoder per core decodes
    more audio per second than one decoder on every core: a decoder's small matrix products
    leave cores idle (on 2 cores: 15.7 s for the sample on 1 thread, 18.7 s on 2). Each lane
    costs about ``LANE_BYTES`` at its peak, so there are at most ``MAX_LANES`` and no more than
    the free memory holds; the spare threads go to the lanes. A GPU takes one chunk at a time."""
    if device.startswith("cuda") or chunks <= 1:
        return 1, max(1, threads)
    lanes = max(1, min(threads, chunks, MAX_LANES))
    if available_bytes is not None:
        lanes = max(1, min(lanes, available_bytes // LANE_BYTES))
    return lanes, max(1, threads // lanes)


def fresh_decoder(model, info: ModelInfo, device: str, threads: int):  # noqa: ANN001, ANN201 - WhisperModel
    """A decoder for one chunk: the loaded model's tokenizer and features with a new CTranslate2
    replica (0.2 s for ``base``). CTranslate2's sampler (the temperature fallback) draws from a
    generator made once per worker thread, seeded when first used; a new replica has new worker
    threads, so every chunk's words depend on its audio alone, not on which chunks the process
    decoded before or which lane took it (the stage cache and two batch jobs agree)."""
    import ctranslate2

    device_name, _, compute = device.partition("/")
    ctranslate2.set_random_seed(SAMPLING_SEED)
    decoder = copy.copy(model)
    try:
        decoder.model = ctranslate2.models.Whisper(str(info.path), device=device_name, compute_type=compute,
                                                   intra_threads=threads, inter_threads=1)
    except Exception as exc:  # noqa: BLE001 - CTranslate2 raises RuntimeError/ValueError with its own text
        raise ModelError(f"cannot load speech model {info.name!r} on {device}: {exc}", path=info.path) from exc
    return decoder


class _Stopped(Exception):
    """A lane stops mid-chunk because another lane failed or the run was interrupted."""


@functools.lru_cache(maxsize=1)
def _malloc_trim():  # noqa: ANN202 - the C function, or None
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl or another libc
        return None


def release_memory() -> None:
    """Hand the chunk's freed buffers back to the system (glibc keeps freed heap pages that are
    below its mmap threshold, and after hours of chunks of slightly different sizes that
    fragmentation shows as a slowly growing resident size)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def transcribe_chunk(
    model, audio: np.ndarray, regions: list[Region], offset_s: float, language: str | None, hotwords: str | None,  # noqa: ANN001
    config: TranscribeConfig, on_segment: Callable[[float], None] | None = None, stop: threading.Event | None = None,
) -> tuple[list[PackedSegment], tuple[str, float] | None]:
    """Decode one chunk of audio starting at ``offset_s`` in the recording: segments in recording
    time (packed; ``.unpack()`` gives the model), their words bounded by the chunk's speech
    ``regions`` (chunk time), and the language the model detected when ``language`` is None."""
    # ``model`` is a fresh replica (``fresh_decoder``): its sampler starts from SAMPLING_SEED
    pieces, chunk_info = model.transcribe(
        audio,
        language=language,
        beam_size=config.beam_size,
        word_timestamps=True,
        vad_filter=config.vad,
        vad_parameters=dict(VAD_PARAMETERS),
        hotwords=hotwords,
        condition_on_previous_text=False,
    )
    raw_segments: list[tuple[str, list[TimedWord]]] = []
    for piece in pieces:
        if stop is not None and stop.is_set():
            raise _Stopped()
        words = [
            TimedWord(_SPACE.sub(" ", w.word).strip(), float(w.start), float(w.end), float(w.probability))
            for w in (piece.words or [])
            if w.word.strip()
        ]
        if words:
            raw_segments.append((_SPACE.sub(" ", piece.text).strip(), words))
            if on_segment is not None:
                on_segment(offset_s + words[-1].end_s)
    refined = iter(refine_word_times([w for _, ws in raw_segments for w in ws], regions))
    out: list[PackedSegment] = []
    for text, words in raw_segments:
        timed = drop_phantoms([next(refined) for _ in words], regions)
        if not timed:
            continue
        if len(timed) < len(words):
            text = _join_words([w.text for w in timed])
        times = np.round(np.array([(offset_s + w.start_s, offset_s + w.end_s, w.probability) for w in timed], dtype=np.float64), 3)
        out.append(PackedSegment(text, tuple(w.text for w in timed), times))
    detected = (chunk_info.language, float(chunk_info.language_probability)) if language is None else None
    return out, detected


class PackedSegment:
    """A transcribed segment kept compactly while a long recording is decoded (about 80 bytes a
    word instead of about 650 for the pydantic models), so the transcript of a 4-hour stream
    does not grow the stage's peak memory; ``unpack`` builds the artifact's models at the end."""

    __slots__ = ("text", "words", "times")

    def __init__(self, text: str, words: tuple[str, ...], times: np.ndarray) -> None:
        self.text, self.words, self.times = text, words, times  # times: (n, 3) start_s, end_s, probability

    @property
    def end_s(self) -> float:
        return float(self.times[-1, 1])

    def unpack(self) -> Segment:
        words = [Word(text=t, start_s=float(a), end_s=float(b), probability=float(p)) for t, (a, b, p) in zip(self.words, self.times.tolist())]
        return Segment(start_s=words[0].start_s, end_s=words[-1].end_s, text=self.text, words=words)


__all__ = [
    "FRAME_S", "STAGE", "VERSION", "ModelInfo", "TimeRange", "build_hints", "cache_key_parts", "hint_terms", "load_model",
    "merge_ranges", "plan_windows", "product_hints", "resolve_device", "spike_range", "split_at_pauses", "transcribe_chunk", "transcribe_windows",
    "unload_models", "window_skus",
]
