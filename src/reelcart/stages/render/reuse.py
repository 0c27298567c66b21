"""Per-reel reuse: a reel is rendered again only when something it shows or plays has changed.

A reel's key (``reel_key``) hashes what of its moment reaches the picture and the sound (id, product,
segments, crop, call-to-action times), the product, the tracked link, the words it captions, the
preset sections the render reads and the recording (the probe stage's key). Every rendered reel
leaves ``<out>/work/reels/<stem>.json``: that key, the moment as rendered and its RenderedReel. The
pipeline reuses a reel whose record carries today's key and whose files are on disk; the studio
calls ``rendered_state`` to tell which reels of an edited plan need rendering again (dirty).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import Field, ValidationError

from ...artifacts import read_envelope, read_model, stable_hash, write_model_atomic
from ...config import Preset
from ...errors import InputError
from ...handoff.links import reel_link
from ...models import MediaInfo, Moment, Product, RenderedReel, SpikeReport, Strict, Transcript
from ..captions import reel_words
from . import STAGE, VERSION
from .plan import safe_stem
from .segments import frame_aligned

REELS_DIRNAME = "reels"  # inside the run's work folder
MOMENT_FIELDS = {"id", "sku", "product_name", "crop", "cta_start_s", "cta_end_s"}  # with the spans: what the render reads


@dataclass(frozen=True)
class RenderContext:
    """What every reel of a run shares: the recording (probe key and path), the transcript, and
    the stream start (it names the links' campaign)."""

    probe_key: str
    source: str
    transcript: Transcript
    stream_start: datetime | None = None


class ReelRecord(Strict):
    """``work/reels/<stem>.json``: one rendered reel, the key it was rendered with and its moment."""

    key: str = Field(description="reel_key of the render")
    moment: Moment = Field(description="The moment as rendered (after the pipeline refreshed it and planned its crop)")
    edited: Moment | None = Field(None, description="The moment as the editor's plan gave it, when there was one")
    reel: RenderedReel


def reel_key(moment: Moment, product: Product, preset: Preset, context: RenderContext) -> str:
    """The key of everything that reaches one reel's picture and sound (pure)."""
    aligned = frame_aligned(moment, preset.render.fps)  # what render_reel plays
    words = reel_words(context.transcript.words(), aligned, case=preset.captions.case)
    link = reel_link(product.url, preset.package, context.source, moment.id, context.stream_start)
    return stable_hash(
        STAGE, VERSION,
        {**aligned.model_dump(mode="json", include=MOMENT_FIELDS), "spans": [s.model_dump(mode="json") for s in aligned.spans()]},
        product.model_dump(mode="json"), link, context.transcript.language, [w.model_dump(mode="json") for w in words],
        [preset.captions.model_dump(mode="json"), preset.overlay.model_dump(mode="json"), preset.render.model_dump(mode="json"),
         preset.package.platform],
        context.probe_key,
    )


def record_path(out_dir: Path, moment_id: str) -> Path:
    return Path(out_dir) / "work" / REELS_DIRNAME / f"{safe_stem(moment_id)}.json"


def load_reel_record(out_dir: Path, moment_id: str) -> ReelRecord | None:
    """The record of the reel last rendered for ``moment_id``, or None (none yet, or unreadable)."""
    path = record_path(out_dir, moment_id)
    if not path.is_file():
        return None
    try:
        record = read_model(path, ReelRecord)
    except (InputError, ValidationError, OSError):
        return None
    return record if record.moment.id == moment_id else None  # two ids with one stem: not this reel's


def save_reel_record(out_dir: Path, record: ReelRecord) -> Path:
    path = record_path(out_dir, record.moment.id)
    write_model_atomic(path, record)
    return path


def files_present(out_dir: Path, reel: RenderedReel) -> bool:
    """The reel's video, thumbnail and captions are all on disk (and not empty)."""
    paths = [Path(out_dir) / name for name in (reel.file, reel.thumbnail, reel.captions_file)]
    return all(p.is_file() and p.stat().st_size > 0 for p in paths)


def reusable(out_dir: Path, record: ReelRecord | None, key: str) -> bool:
    return record is not None and record.key == key and files_present(out_dir, record.reel)


def load_render_context(out_dir: Path, preset: Preset) -> RenderContext | None:
    """The run's RenderContext from its work folder (probe, transcribe and spikes or clock
    artifacts), as the last run left it; None when the run has not got that far."""
    work = Path(out_dir) / "work"
    probed = read_envelope(work / "probe.json", MediaInfo)
    heard = read_envelope(work / "transcribe.json", Transcript)
    spikes = read_envelope(work / ("clock.json" if preset.orders.estimate_clock_offset else "spikes.json"), SpikeReport)
    if probed is None or heard is None:
        return None
    return RenderContext(probe_key=probed[0], source=probed[1].path, transcript=heard[1],
                         stream_start=spikes[1].stream_start if spikes is not None else None)


def same_edit(moment: Moment, record: ReelRecord) -> bool:
    """The moment asks for what was rendered: its id, product, segments and crop equal the moment
    as rendered or as the editor's plan gave it (the pipeline fills in the rest from these)."""
    def edit(m: Moment) -> tuple:
        return m.id, m.sku, [(round(s.start_s, 3), round(s.end_s, 3)) for s in m.spans()], m.crop
    return any(edit(moment) == edit(m) for m in (record.moment, record.edited) if m is not None)


def rendered_state(out_dir: Path, moment: Moment, *, product: Product, preset: Preset,
                   context: RenderContext | None = None) -> tuple[ReelRecord | None, bool]:
    """(the reel last rendered for this moment or None, dirty). Dirty: no reel yet, its files are
    gone, the moment's edit differs (``same_edit``), or the product, the words it plays, the preset
    or the recording changed since (its ``reel_key``). ``context`` defaults to the work folder's
    (``load_render_context``); pass it when checking many moments."""
    record = load_reel_record(out_dir, moment.id)
    if record is None or not files_present(out_dir, record.reel) or not same_edit(moment, record):
        return record, True
    context = context or load_render_context(out_dir, preset)
    if context is None:
        return record, True
    return record, reel_key(record.moment, product, preset, context) != record.key
