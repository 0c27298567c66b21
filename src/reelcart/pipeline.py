"""Stage order, caching and resume.

Each stage's artifact is saved as ``<out>/work/<stage>.json`` inside an envelope that records its
cache key: stage name + stage version + the preset sections it reads + the keys of the stages it
reads + the identity of its input files. A run reuses every artifact whose key still matches (and
whose output files still exist), so a repeated run is served from the cache and a changed preset
field re-runs only the stages that read it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .artifacts import file_identity, stable_hash, write_json_atomic, write_model_atomic
from .catalog import load_catalog
from .config import Preset
from .errors import InputError, ReelcartError
from .models import (
    AudioTrack,
    Catalog,
    Manifest,
    MediaInfo,
    MomentPlan,
    PlanInputs,
    RenderResult,
    SpikeReport,
    Transcript,
)
from .orders import load_orders
from .stages import audio, clock, moments, package, probe, reframe, render, segment_crop, spikes, transcribe

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
WORK_DIRNAME = "work"
PLAN_FILE = "plan.json"


@dataclass
class RunRequest:
    video: Path
    orders: Path
    catalog: Path
    preset: Preset
    out_dir: Path
    stream_start: datetime | None = None
    plan: MomentPlan | None = None  # an editor's plan replaces the moment finder
    plan_file: Path | None = None  # where the editor's plan came from (named in errors)
    preset_ref: str | None = None  # the preset name or file, recorded in plan.json


@dataclass
class StageRecord:
    stage: str
    status: str  # "ran" or "cached"
    seconds: float


@dataclass
class RunResult:
    out_dir: Path
    manifest: Manifest | None
    plan: MomentPlan
    stages: list[StageRecord] = field(default_factory=list)


def _probe_checked(video: Path) -> MediaInfo:
    """Probe and check before caching: a wrong file never replaces a good probe in the cache."""
    info = probe.probe_media(video)
    probe.check_recording(info)
    return info


class Pipeline:
    def __init__(self, request: RunRequest, on_stage: Callable[[StageRecord], None] | None = None) -> None:
        self.request = request
        self.preset = request.preset
        self.out_dir = Path(request.out_dir)
        self.work_dir = self.out_dir / WORK_DIRNAME
        self.on_stage = on_stage
        self.records: list[StageRecord] = []
        self.keys: dict[str, str] = {}

    # ------------------------------------------------------------ cache
    def cached(
        self,
        stage: str,
        version: int,
        key_parts: dict[str, Any],
        model_type: type[T],
        compute: Callable[[], T],
        outputs: Callable[[T], list[Path]] | None = None,
    ) -> T:
        key = stable_hash(stage, version, key_parts)
        path = self.work_dir / f"{stage}.json"
        started = time.perf_counter()
        artifact = self._load(path, key, model_type)
        if artifact is not None and (outputs is None or all(p.is_file() and p.stat().st_size > 0 for p in outputs(artifact))):
            status = "cached"
        else:
            artifact = compute()
            envelope = {
                "stage": stage,
                "stage_version": version,
                "cache_key": key,
                "created": datetime.now().astimezone().isoformat(timespec="seconds"),
                "seconds": round(time.perf_counter() - started, 3),
                "artifact": json.loads(artifact.model_dump_json()),
            }
            write_json_atomic(path, envelope)
            status = "ran"
        self.keys[stage] = key
        record = StageRecord(stage, status, round(time.perf_counter() - started, 3))
        self.records.append(record)
        if self.on_stage:
            self.on_stage(record)
        return artifact

    @staticmethod
    def _load(path: Path, key: str, model_type: type[T]) -> T | None:
        if not path.is_file():
            return None
        try:
            envelope = json.loads(path.read_text(encoding="utf-8"))
            if envelope.get("cache_key") != key:
                return None
            return model_type.model_validate(envelope["artifact"])
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            return None  # unreadable or outdated: recompute

    # ------------------------------------------------------------ stages
    def run(self, *, until: str | None = None) -> RunResult:
        req, preset = self.request, self.preset
        try:
            self.work_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReelcartError(f"cannot create the output folder ({exc.strerror})", path=self.out_dir) from exc
        video_id = file_identity(req.video) if req.video.is_file() else None
        if video_id is None:
            raise InputError("file not found", path=req.video)

        info = self.cached(probe.STAGE, probe.VERSION, {"video": video_id}, MediaInfo, lambda: _probe_checked(req.video))
        probe.check_recording(info)
        if req.plan is not None:  # an edited plan with impossible times fails before any work
            moments.check_plan_times(req.plan, info.duration_s, req.plan_file or "plan")
        track = self.cached(
            audio.STAGE, audio.VERSION, {"probe": self.keys["probe"]}, AudioTrack,
            lambda: audio.extract_audio(info, self.work_dir),
            outputs=lambda a: [self.work_dir / a.wav_file],
        )
        catalog = load_catalog(req.catalog)
        catalog_id = stable_hash(catalog.model_dump(exclude={"source"}))
        if req.plan is not None:
            skus = catalog.by_sku()  # an edited plan fails before any stage runs again
            for n, m in enumerate(req.plan.moments, start=1):
                if m.sku not in skus:
                    raise InputError(f"moment {m.id or f'reel-{n}'}: SKU {m.sku!r} is not in the catalog", path=req.plan_file or "plan")
        stream_start = req.stream_start or info.creation_time
        spike_report = self.cached(
            spikes.STAGE, spikes.VERSION,
            {
                "probe": self.keys["probe"], "orders": file_identity(req.orders) if req.orders.is_file() else str(req.orders),
                "catalog": catalog_id, "stream_start": stream_start, "orders_cfg": preset.orders.model_dump(),
                "spikes_cfg": preset.spikes.model_dump(),
            },
            SpikeReport, lambda: self._spikes(info, catalog, stream_start),
        )
        windows = transcribe.plan_windows(spike_report, track.duration_s, preset.transcribe, preset.moments)
        estimate_clock = preset.orders.estimate_clock_offset
        if estimate_clock:  # the pitches may sit up to clock_search_s away from where the shop clock puts them
            reach = preset.orders.clock_search_s
            windows = transcribe.merge_ranges(
                [transcribe.TimeRange(start_s=max(0.0, w.start_s - reach), end_s=min(track.duration_s, w.end_s + reach))
                 for w in windows], gap_s=5.0,
            )
        if req.plan is not None:
            windows = transcribe.merge_ranges(
                [*windows, *(transcribe.TimeRange(start_s=max(0.0, m.start_s - 5), end_s=min(track.duration_s, m.end_s + 5))
                             for m in req.plan.moments)],
                gap_s=5.0,
            )
        first_skus = transcribe.window_skus(spike_report, windows, track.duration_s, preset.transcribe, preset.moments)
        transcript = self.cached(
            transcribe.STAGE, transcribe.VERSION,
            transcribe.cache_key_parts(preset.transcribe, track.sha256 or self.keys["audio"], windows, [catalog_id, first_skus]),
            Transcript,
            lambda: transcribe.transcribe_windows(
                self.work_dir / track.wav_file, windows, preset.transcribe, catalog, window_products=first_skus
            ),
        )
        transcribe.unload_models()
        if estimate_clock:
            spike_report = self.cached(
                clock.STAGE, clock.VERSION,
                {"spikes": self.keys["spikes"], "transcribe": self.keys["transcribe"], "moments_cfg": preset.moments.model_dump()},
                SpikeReport,
                lambda: clock.align_clock(req.orders, catalog=catalog, transcript=transcript, preset=preset,
                                          duration_s=info.duration_s, stream_start=stream_start),
            )
            self.keys["spikes"] = self.keys[clock.STAGE]
        if req.plan is not None:
            plan = self.cached(
                "moments", moments.VERSION,
                {"editor_plan": req.plan.model_dump(), "catalog": catalog_id, "transcript": self.keys["transcribe"],
                 "cfg": preset.moments.model_dump()},
                MomentPlan,
                lambda: self._editor_plan(req.plan, transcript, catalog, info),
            )
        else:
            plan = self.cached(
                moments.STAGE, moments.VERSION,
                {"transcript": self.keys["transcribe"], "spikes": self.keys["spikes"], "catalog": catalog_id, "cfg": preset.moments.model_dump()},
                MomentPlan, lambda: moments.plan_moments(transcript, spike_report, catalog, preset.moments, info.path),
            )
        plan = self.cached(
            reframe.STAGE, reframe.VERSION,
            {"moments": self.keys["moments"], "probe": self.keys["probe"], "cfg": preset.reframe.model_dump(),
             "size": [preset.render.width_px, preset.render.height_px]},
            MomentPlan, lambda: self._reframe(plan, info),
        )
        inputs = PlanInputs(orders=str(Path(req.orders).resolve()), catalog=str(Path(req.catalog).resolve()),
                            preset=req.preset_ref, stream_start=req.stream_start)
        plan = plan.model_copy(update={"inputs": inputs, "source": plan.source or info.path})
        write_model_atomic(self.out_dir / PLAN_FILE, plan)
        if until == "plan":
            return RunResult(self.out_dir, None, plan, self.records)
        rendered = self.cached(
            render.STAGE, render.VERSION,
            {"plan": self.keys["reframe"], "transcript": self.keys["transcribe"], "catalog": catalog_id,
             "cfg": [preset.captions.model_dump(), preset.overlay.model_dump(), preset.render.model_dump()],
             "link": [preset.package.model_dump(include={"platform", "utm_source", "utm_sources", "utm_medium", "utm_campaign"}),
                      spike_report.stream_start]},
            RenderResult, lambda: self._render(plan, info, catalog, transcript, spike_report.stream_start),
            outputs=lambda r: [self.out_dir / p for reel in r.reels for p in (reel.file, reel.thumbnail, reel.captions_file)],
        )
        manifest = self.cached(
            package.STAGE, package.VERSION,
            {"render": self.keys["render"], "spikes": self.keys["spikes"], "cfg": preset.package.model_dump(), "preset": preset.name},
            Manifest, lambda: self._package(info, plan, rendered, catalog, spike_report, transcript),
            outputs=lambda m: [self.out_dir / f for f in package.output_files(m)],
        )
        return RunResult(self.out_dir, manifest, plan, self.records)

    def transcribe_only(self, start_s: float = 0.0, end_s: float | None = None) -> tuple[MediaInfo, Transcript]:
        """`reelcart transcribe`: probe, audio and a full transcript of [start_s, end_s] (cached
        like a run's). The request's catalog is optional here and ``orders`` is not read."""
        req, preset = self.request, self.preset
        try:
            self.work_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReelcartError(f"cannot create the output folder ({exc.strerror})", path=self.out_dir) from exc
        if not req.video.is_file():
            raise InputError("file not found", path=req.video)
        info = self.cached(probe.STAGE, probe.VERSION, {"video": file_identity(req.video)}, MediaInfo, lambda: probe.probe_media(req.video))
        if not info.has_audio:
            raise InputError("no audio track to transcribe", path=info.path)
        track = self.cached(
            audio.STAGE, audio.VERSION, {"probe": self.keys["probe"]}, AudioTrack,
            lambda: audio.extract_audio(info, self.work_dir),
            outputs=lambda a: [self.work_dir / a.wav_file],
        )
        end = track.duration_s if end_s is None else min(end_s, track.duration_s)
        start = max(0.0, start_s)
        if end <= start:
            raise InputError(f"nothing to transcribe between {start:.1f} s and {end:.1f} s (the audio lasts {track.duration_s:.1f} s)", path=req.video)
        windows = [transcribe.TimeRange(start_s=round(start, 3), end_s=round(end, 3))]
        catalog = load_catalog(req.catalog) if req.catalog else None
        catalog_id = stable_hash(catalog.model_dump(exclude={"source"})) if catalog else None
        transcript = self.cached(
            transcribe.STAGE, transcribe.VERSION,
            transcribe.cache_key_parts(preset.transcribe, track.sha256 or self.keys["audio"], windows, [catalog_id, []]),
            Transcript,
            lambda: transcribe.transcribe_windows(self.work_dir / track.wav_file, windows, preset.transcribe, catalog),
        )
        return info, transcript

    # ------------------------------------------------------------ stage bodies
    def _spikes(self, info: MediaInfo, catalog: Catalog, stream_start: datetime | None) -> SpikeReport:
        table = load_orders(
            self.request.orders, config=self.preset.orders, known_skus={p.sku for p in catalog.products},
            duration_s=info.duration_s, stream_start=stream_start, product_names=clock.product_name_index(catalog),
        )
        return spikes.find_spikes(
            table, duration_s=info.duration_s, stream_start=stream_start, config=self.preset.spikes,
            clock_offset_s=self.preset.orders.clock_offset_s,
        )

    def _editor_plan(self, edited: MomentPlan, transcript: Transcript, catalog: Catalog, info: MediaInfo) -> MomentPlan:
        plan = moments.apply_editor_plan(edited, transcript, catalog, self.preset.moments, info.duration_s,
                                         self.request.plan_file or "plan")
        # a crop path the editor kept (times unchanged) is made safe; otherwise it is planned anew
        checked = [m.model_copy(update={"crop": reframe.edited_crop(m.crop, info)}) for m in plan.moments]
        return plan.model_copy(update={"moments": checked})

    def _reframe(self, plan: MomentPlan, info: MediaInfo) -> MomentPlan:
        r = self.preset.render
        planned = [m.model_copy(update={"crop": m.crop or segment_crop.plan_segment_crops(
                       info, m, self.preset.reframe, r.width_px, r.height_px, reframe.plan_crop)}) for m in plan.moments]  # a crop edited in plan.json is kept (checked by reframe.edited_crop)
        return plan.model_copy(update={"moments": planned})

    def _render(self, plan: MomentPlan, info: MediaInfo, catalog: Catalog, transcript: Transcript,
                stream_start: datetime | None) -> RenderResult:
        products = catalog.by_sku()
        reels = [
            render.render_reel(info, m, products[m.sku], transcript, self.preset, work_dir=self.work_dir, out_dir=self.out_dir,
                               link=package.reel_link(products[m.sku].url, self.preset.package, info.path, m.id, stream_start))
            for m in plan.moments
        ]
        return RenderResult(reels=reels)

    def _package(self, info: MediaInfo, plan: MomentPlan, rendered: RenderResult, catalog: Catalog, spike_report: SpikeReport,
                 transcript: Transcript) -> Manifest:
        return package.package_run(
            self.out_dir, source=Path(info.path), preset=self.preset, plan=plan, rendered=rendered, catalog=catalog,
            spikes=spike_report, transcript=transcript,
        )
