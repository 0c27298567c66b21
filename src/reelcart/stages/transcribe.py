"""Transcribe with faster-whisper, word timestamps on, only where the moment finder will look.

Windowed mode transcribes the stretch before each order spike (look-back + pitch length + a
margin), merged where windows overlap; full mode transcribes everything. Audio is read from the
16 kHz WAV one window at a time, so memory does not grow with the recording's length.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from ..config import MomentsConfig, TranscribeConfig
from ..errors import ModelError
from ..models import Catalog, Segment, SpikeReport, TimeRange, Transcript, Word
from ..resources import cpu_threads
from ..speech_models import resolve_model
from .audio import SAMPLE_RATE_HZ, read_window

log = logging.getLogger(__name__)

STAGE = "transcribe"
VERSION = 1
CHUNK_S = 600.0  # full mode transcribes in chunks of this length


def merge_ranges(ranges: list[TimeRange], gap_s: float = 0.0) -> list[TimeRange]:
    merged: list[TimeRange] = []
    for r in sorted(ranges, key=lambda r: r.start_s):
        if merged and r.start_s <= merged[-1].end_s + gap_s:
            merged[-1] = TimeRange(start_s=merged[-1].start_s, end_s=max(merged[-1].end_s, r.end_s))
        else:
            merged.append(r)
    return merged


def plan_windows(
    spikes: SpikeReport | None, duration_s: float, config: TranscribeConfig, moments: MomentsConfig
) -> list[TimeRange]:
    """The audio ranges to transcribe."""
    if config.mode == "full" or spikes is None or not spikes.spikes:
        ranges = []
        start = 0.0
        while start < duration_s:
            ranges.append(TimeRange(start_s=start, end_s=min(duration_s, start + CHUNK_S)))
            start += CHUNK_S
        return ranges
    before = moments.lookback_max_s + moments.pitch_max_s + config.window_margin_s
    after = max(0.0, config.window_margin_s - moments.lookback_min_s)
    ranges = [
        TimeRange(start_s=max(0.0, s.onset_s - before), end_s=min(duration_s, s.onset_s + after)) for s in spikes.spikes
    ]
    return merge_ranges(ranges, gap_s=5.0)


def product_hints(catalog: Catalog | None) -> str | None:
    if catalog is None:
        return None
    names: list[str] = []
    for product in catalog.products:
        for name in (product.name, *product.aliases):
            if name and name not in names:
                names.append(name)
    text = ", ".join(names)
    return text[:600] or None


def _device(config: TranscribeConfig) -> tuple[str, str]:
    device = config.device
    if device == "auto":
        try:
            import ctranslate2

            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        except Exception:  # noqa: BLE001 - no CUDA runtime
            device = "cpu"
    compute = config.compute_type
    if compute == "default":
        compute = "float16" if device == "cuda" else "int8"
    return device, compute


def load_model(config: TranscribeConfig):  # noqa: ANN201 - faster_whisper.WhisperModel
    from faster_whisper import WhisperModel

    info = resolve_model(config.model)
    device, compute = _device(config)
    try:
        return WhisperModel(info.path, device=device, compute_type=compute, cpu_threads=cpu_threads()), info
    except Exception as exc:  # noqa: BLE001 - faster-whisper raises many kinds
        hint = ""
        if not info.bundled and not Path(info.path).exists():
            hint = " (a model name is downloaded on first use and needs network; offline, use 'base', 'tiny.en' or a local folder)"
        raise ModelError(f"cannot load speech model {config.model!r}: {exc}{hint}") from exc


_SPACE = re.compile(r"\s+")


def transcribe_windows(
    wav_path: Path,
    windows: list[TimeRange],
    config: TranscribeConfig,
    catalog: Catalog | None = None,
    progress=None,  # noqa: ANN001 - callable(done_s, total_s)
) -> Transcript:
    model, info = load_model(config)
    if config.language and not info.multilingual and config.language != "en":
        raise ModelError(f"model {info.name!r} is English only but the preset asks for language {config.language!r}")
    language = config.language if config.language else (None if info.multilingual else "en")
    language_probability = 1.0 if language else 0.0
    hotwords = product_hints(catalog) if config.product_hints else None
    segments: list[Segment] = []
    total_s = sum(w.duration_s for w in windows)
    done_s = 0.0
    for window in windows:
        audio = read_window(wav_path, window.start_s, window.end_s)
        if len(audio) < SAMPLE_RATE_HZ * 0.5:
            continue
        pieces, result = model.transcribe(
            audio,
            language=language,
            beam_size=config.beam_size,
            word_timestamps=True,
            vad_filter=config.vad,
            vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 200},
            hotwords=hotwords,
            condition_on_previous_text=False,
        )
        if language is None:  # detected on the first window with speech; kept for the rest
            language, language_probability = result.language, float(result.language_probability)
        for piece in pieces:
            words = [
                Word(
                    text=_SPACE.sub(" ", w.word).strip(),
                    start_s=round(window.start_s + w.start, 3),
                    end_s=round(window.start_s + w.end, 3),
                    probability=round(float(w.probability), 3),
                )
                for w in (piece.words or [])
                if w.word.strip()
            ]
            if not words:
                continue
            segments.append(
                Segment(
                    start_s=words[0].start_s,
                    end_s=words[-1].end_s,
                    text=_SPACE.sub(" ", piece.text).strip(),
                    words=words,
                )
            )
        done_s += window.duration_s
        if progress is not None:
            progress(done_s, total_s)
    return Transcript(
        model=info.name,
        language=language or "en",
        language_probability=round(language_probability, 3),
        windows=windows,
        segments=segments,
        audio_s=round(total_s, 3),
    )
