"""The transcribe stage: plan the windows (``plan``), decode them (``run``, the I/O entry point)."""

from ...models import TimeRange
from ...speech.activity import FRAME_S
from ...speech.decoder import (
    LANE_BYTES,
    VAD_PARAMETERS,
    decoder_lanes,
    fresh_decoder,
    load_model,
    resolve_device,
    transcribe_chunk,
    unload_models,
)
from ...speech.hints import build_hints, hint_terms, product_hints
from ...speech.models import ModelInfo
from .plan import CUT_SEARCH_S, merge_ranges, plan_windows, spike_range, split_at_pauses, window_skus
from .run import MIN_LANGUAGE_SPEECH_S, STAGE, VERSION, cache_key_parts, transcribe_windows

__all__ = [
    "CUT_SEARCH_S", "FRAME_S", "LANE_BYTES", "MIN_LANGUAGE_SPEECH_S", "STAGE", "VAD_PARAMETERS", "VERSION", "ModelInfo",
    "TimeRange", "build_hints", "cache_key_parts", "decoder_lanes", "fresh_decoder", "hint_terms", "load_model",
    "merge_ranges", "plan_windows", "product_hints", "resolve_device", "spike_range", "split_at_pauses",
    "transcribe_chunk", "transcribe_windows", "unload_models", "window_skus",
]
