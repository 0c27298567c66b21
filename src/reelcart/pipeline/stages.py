"""The stage list: the order every run walks, in one place.

The pipeline runner, the progress display, the batch report and the README's code map follow this
list. ``clock`` runs only when the preset asks to estimate the shop clock's offset
(``orders.estimate_clock_offset``); every other stage runs on every ``reelcart run``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageInfo:
    name: str
    module: str  # where the stage's code lives, under ``reelcart``
    summary: str
    optional: bool = False  # runs only when the preset switches it on


STAGES: tuple[StageInfo, ...] = (
    StageInfo("probe", "media.probe", "read the recording's streams, duration and clock"),
    StageInfo("audio", "stages.audio", "extract the mono 16 kHz speech track"),
    StageInfo("spikes", "stages.spikes", "read the order log and find each product's order spikes"),
    StageInfo("transcribe", "stages.transcribe", "transcribe the audio around the spikes (word times)"),
    StageInfo("clock", "stages.clock", "estimate the shop clock's offset from the pitches", optional=True),
    StageInfo("moments", "stages.moments", "pick each reel's pitch, cut and trim it"),
    StageInfo("reframe", "stages.reframe", "plan the 9:16 crop path that follows the host"),
    StageInfo("render", "stages.render", "burn captions and overlays, encode the reel and its thumbnail"),
    StageInfo("package", "stages.package", "write the manifest, copy, links, exports and the review page"),
)


def stage_names(*, clock: bool = False) -> tuple[str, ...]:
    """The stages a run goes through, in order (``clock`` when the clock offset is estimated)."""
    return tuple(s.name for s in STAGES if not s.optional or (clock and s.name == "clock"))
