"""What was said, when: words, segments, repairs of failed decodes, names put right."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Artifact, Strict, TimeRange


# ----------------------------------------------------------------- transcript


class Word(Strict):
    text: str
    start_s: float
    end_s: float
    probability: float = 1.0


class Segment(Strict):
    start_s: float
    end_s: float
    text: str
    words: list[Word]
    avg_logprob: float | None = Field(None, description="The decoder's mean token log-probability")
    compression_ratio: float | None = Field(None, description="gzip compression ratio of the text (high: repetitive)")
    no_speech_prob: float | None = Field(None, description="The decoder's probability that the window holds no speech")
    temperature: float | None = Field(None, description="Sampling temperature of the decode that was kept (0: beam search)")



class RepairAttempt(Strict):
    name: Literal["original", "plain", "plain_fallback", "short_windows"] = Field(
        description="original: the first decode; plain: no hints, beam search only (temperature 0); plain_fallback: "
        "no hints, with whisper's temperature fallback; short_windows: no hints, temperature 0, in pieces of at most 10 s"
    )
    score: float = Field(description="Quality score 0-1 (speech.quality.quality_score)")
    text: str
    suspects: list[str] = Field(default_factory=list, description="What still looked wrong in this decode")


class Repair(Strict):
    start_s: float
    end_s: float
    reasons: list[str] = Field(description="Why the span was decoded again (speech.quality signals)")
    attempts: list[RepairAttempt]
    chosen: str = Field(description="The attempt whose words the transcript keeps")


class NameCorrection(Strict):
    start_s: float
    end_s: float
    heard: str
    name: str
    score: float = Field(description="Spelling and sound match, 0-100 (speech.names)")


class Transcript(Artifact):
    model: str
    language: str
    language_probability: float
    windows: list[TimeRange] = Field(description="Ranges of the recording that were transcribed")
    segments: list[Segment]
    audio_s: float = Field(description="Seconds of audio the model processed")
    speech_s: float = Field(0.0, description="Seconds of speech the voice activity detector found in the windows")
    language_source: Literal["preset", "detected", "model"] = Field(
        "detected", description="preset: given by the preset; detected: by the model on the recording; model: an English-only model"
    )
    device: str | None = Field(None, description="Inference device and compute type, e.g. cpu/int8")
    hints: bool = Field(False, description="Product names were fed to the decoder")
    hint_policy: str | None = Field(None, description="How product names were used (transcribe.hint_policy)")
    repairs: list[Repair] = Field(default_factory=list, description="Spans decoded again because the first decode looked wrong")
    corrections: list[NameCorrection] = Field(default_factory=list, description="Heard words replaced by a catalog name")
    speech: list[TimeRange] = Field(
        default_factory=list, description="Where the voice activity detector heard speech (recording time; breaks under "
        "0.15 s bridged): the same on every CPU, so plans can cut at its pauses")

    def words(self) -> list[Word]:
        return [w for seg in self.segments for w in seg.words]
