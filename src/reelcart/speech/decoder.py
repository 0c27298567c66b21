"""The speech decoder: loading a faster-whisper model once per process, a fresh CTranslate2
replica per chunk (reproducible sampling), parallel lanes, and one chunk's decode with word
times bounded by speech activity."""

from __future__ import annotations

import copy
import functools
import gc
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence

import numpy as np

from ..config import TranscribeConfig
from ..errors import ModelError
from ..models import Segment, Word
from ..resources import cpu_threads
from ..text import join_words
from .activity import Region, TimedWord, drop_phantoms, refine_word_times
from .models import ModelInfo, resolve_model

SAMPLING_SEED = 0
VAD_PARAMETERS = {"min_silence_duration_ms": 500, "speech_pad_ms": 200}
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # faster-whisper's default fallback


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


_SPACE = re.compile(r"\s+")


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
    temperature: float | Sequence[float] = FALLBACK_TEMPERATURES,
) -> tuple[list[PackedSegment], tuple[str, float] | None]:
    """Decode one chunk of audio starting at ``offset_s`` in the recording: segments in recording
    time (packed; ``.unpack()`` gives the model), their words bounded by the chunk's speech
    ``regions`` (chunk time), and the language the model detected when ``language`` is None.
    ``temperature``: 0 for greedy/beam decoding only, a sequence for whisper's fallback."""
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
        temperature=list(temperature) if isinstance(temperature, Sequence) else temperature,
    )
    raw_segments: list[tuple[str, list[TimedWord], tuple[float, float, float, float]]] = []
    for piece in pieces:
        if stop is not None and stop.is_set():
            raise _Stopped()
        words = [
            TimedWord(_SPACE.sub(" ", w.word).strip(), float(w.start), float(w.end), float(w.probability))
            for w in (piece.words or [])
            if w.word.strip()
        ]
        if words:
            stats = (float(piece.avg_logprob), float(piece.compression_ratio), float(piece.no_speech_prob), float(piece.temperature or 0.0))
            raw_segments.append((_SPACE.sub(" ", piece.text).strip(), words, stats))
            if on_segment is not None:
                on_segment(offset_s + words[-1].end_s)
    refined = iter(refine_word_times([w for _, ws, _ in raw_segments for w in ws], regions))
    out: list[PackedSegment] = []
    for text, words, stats in raw_segments:
        timed = drop_phantoms([next(refined) for _ in words], regions)
        if not timed:
            continue
        if len(timed) < len(words):
            text = join_words([w.text for w in timed])
        times = np.round(np.array([(offset_s + w.start_s, offset_s + w.end_s, w.probability) for w in timed], dtype=np.float64), 3)
        out.append(PackedSegment(text, tuple(w.text for w in timed), times, stats))
    detected = (chunk_info.language, float(chunk_info.language_probability)) if language is None else None
    return out, detected


class PackedSegment:
    """A transcribed segment kept compactly while a long recording is decoded (about 80 bytes a
    word instead of about 650 for the pydantic models), so the transcript of a 4-hour stream
    does not grow the stage's peak memory; ``unpack`` builds the artifact's models at the end."""

    __slots__ = ("text", "words", "times", "stats")

    def __init__(self, text: str, words: tuple[str, ...], times: np.ndarray, stats: tuple[float, float, float, float] | None = None) -> None:
        self.text, self.words, self.times = text, words, times  # times: (n, 3) start_s, end_s, probability
        self.stats = stats  # the decoder's avg_logprob, compression_ratio, no_speech_prob, temperature

    @property
    def start_s(self) -> float:
        return float(self.times[0, 0])

    @property
    def end_s(self) -> float:
        return float(self.times[-1, 1])

    def unpack(self) -> Segment:
        words = [Word(text=t, start_s=float(a), end_s=float(b), probability=float(p)) for t, (a, b, p) in zip(self.words, self.times.tolist())]
        extra = {}
        if self.stats is not None:
            extra = dict(zip(("avg_logprob", "compression_ratio", "no_speech_prob", "temperature"), (round(v, 4) for v in self.stats)))
        return Segment(start_s=words[0].start_s, end_s=words[-1].end_s, text=self.text, words=words, **extra)
