"""The runner: walks the stages of ``stages.STAGES`` in order, each through the stage cache."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from ..artifacts import file_identity, stable_hash, write_model_atomic
from ..config import Preset
from ..errors import InputError, ReelcartError
from ..handoff.links import reel_link
from ..inputs.catalog import load_catalog
from ..inputs.orders import load_orders
from ..media import probe
from ..models import (
    AudioTrack,
    Catalog,
    Manifest,
    MediaInfo,
    MomentPlan,
    PlanInputs,
    RenderResult,
    SpikeReport,
    TimeRange,
    Transcript,
)
from ..stages import audio, clock, moments, package, reframe, render, spikes, transcribe
from ..stages.reframe.segments import plan_segment_crops
from ..stages.render import reuse
from .cache import Hooks, StageCache
from .request import RunRequest, RunResult, StageRecord

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
WORK_DIRNAME = "work"
PLAN_FILE = "plan.json"


def _probe_checked(video: Path) -> MediaInfo:
    """Probe and check before caching: a wrong file never replaces a good probe in the cache."""
    info = probe.probe_media(video)
    probe.check_recording(info)
    return info


def plan_transcript_windows(spike_report: SpikeReport, duration_s: float, preset: Preset,
                            edited: MomentPlan | None) -> list[TimeRange]:
    """The audio ranges to transcribe: around the spikes, widened by the clock search, plus an
    editor's moments."""
    windows = transcribe.plan_windows(spike_report, duration_s, preset.transcribe, preset.moments)
    if preset.orders.estimate_clock_offset:  # the pitches may sit up to clock_search_s away from where the shop clock puts them
        reach = preset.orders.clock_search_s
        windows = transcribe.merge_ranges(
            [TimeRange(start_s=max(0.0, w.start_s - reach), end_s=min(duration_s, w.end_s + reach)) for w in windows], gap_s=5.0,
        )
    if edited is not None:
        windows = transcribe.merge_ranges(
            [*windows, *(TimeRange(start_s=max(0.0, m.start_s - 5), end_s=min(duration_s, m.end_s + 5)) for m in edited.moments)],
            gap_s=5.0,
        )
    return windows


class Pipeline:
    def __init__(self, request: RunRequest, on_stage: Callable[[StageRecord], None] | None = None,
                 hooks: Hooks | None = None) -> None:
        self.request = request
        self.preset = request.preset
        self.out_dir = Path(request.out_dir)
        self.work_dir = self.out_dir / WORK_DIRNAME
        hooks = hooks or Hooks()
        if on_stage is not None:
            hooks = replace(hooks, on_end=on_stage)
        self.hooks = hooks
        self.cache = StageCache(self.work_dir, hooks)
        self.records = self.cache.records
        self.keys = self.cache.keys

    def cached(self, stage: str, version: int, key_parts: dict[str, Any], model_type: type[T], compute: Callable[[], T],
               outputs: Callable[[T], list[Path]] | None = None) -> T:
        return self.cache.cached(stage, version, key_parts, model_type, compute, outputs)

    # ------------------------------------------------------------ the walk
    def run(self, *, until: str | None = None) -> RunResult:
        req, preset = self.request, self.preset
        info = self._probe(self._video_identity())
        if req.plan is not None:  # an edited plan with impossible times fails before any work
            moments.check_plan_times(req.plan, info.duration_s, req.plan_file or "plan")
        track = self._audio(info)
        catalog = load_catalog(req.catalog)
        catalog_id = stable_hash(catalog.model_dump(exclude={"source"}))
        self._check_plan_skus(catalog)
        stream_start = req.stream_start or info.creation_time
        spike_report = self._spike_stage(info, catalog, catalog_id, stream_start)
        transcript = self._transcribe_stage(track, catalog, catalog_id, spike_report)
        transcribe.unload_models()
        if preset.orders.estimate_clock_offset:
            spike_report = self._clock_stage(info, catalog, transcript, stream_start)
        plan = self._moments_stage(info, catalog, catalog_id, transcript, spike_report)
        plan = self.cached(
            reframe.STAGE, reframe.VERSION,
            {"moments": self.keys["moments"], "probe": self.keys["probe"], "cfg": preset.reframe.model_dump(),
             "size": [preset.render.width_px, preset.render.height_px]},
            MomentPlan, lambda: self._reframe(plan, info),
        )
        plan = self._with_inputs(plan, info)
        if until == "plan":
            self._write_plan(plan)
            return RunResult(self.out_dir, None, plan, self.records)
        rendered = self._render_stage(plan, info, catalog, catalog_id, transcript, spike_report)
        manifest = self.cached(
            package.STAGE, package.VERSION,
            {"render": self.keys["render"], "spikes": self.keys["spikes"], "cfg": preset.package.model_dump(), "preset": preset.name},
            Manifest, lambda: self._package(info, plan, rendered, catalog, spike_report, transcript),
            outputs=lambda m: [self.out_dir / f for f in package.output_files(m)],
        )
        self._write_plan(plan)  # last: a run that fails keeps the plan.json it found (an editor's, maybe)
        return RunResult(self.out_dir, manifest, plan, self.records)

    def transcribe_only(self, start_s: float = 0.0, end_s: float | None = None) -> tuple[MediaInfo, Transcript]:
        """`reelcart transcribe`: probe, audio and a full transcript of [start_s, end_s] (cached
        like a run's). The request's catalog is optional here and ``orders`` is not read."""
        req, preset = self.request, self.preset
        video_id = self._video_identity()
        info = self.cached(probe.STAGE, probe.VERSION, {"video": video_id}, MediaInfo, lambda: probe.probe_media(req.video))
        if not info.has_audio:
            raise InputError("no audio track to transcribe", path=info.path)
        track = self._audio(info)
        end = track.duration_s if end_s is None else min(end_s, track.duration_s)
        start = max(0.0, start_s)
        if end <= start:
            raise InputError(f"nothing to transcribe between {start:.1f} s and {end:.1f} s (the audio lasts {track.duration_s:.1f} s)", path=req.video)
        windows = [TimeRange(start_s=round(start, 3), end_s=round(end, 3))]
        catalog = load_catalog(req.catalog) if req.catalog else None
        catalog_id = stable_hash(catalog.model_dump(exclude={"source"})) if catalog else None
        transcript = self.cached(
            transcribe.STAGE, transcribe.VERSION,
            transcribe.cache_key_parts(preset.transcribe, track.sha256 or self.keys["audio"], windows, [catalog_id, []]),
            Transcript,
            lambda: transcribe.transcribe_windows(self.work_dir / track.wav_file, windows, preset.transcribe, catalog),
        )
        return info, transcript

    # ------------------------------------------------------------ the stages, one step each
    def _video_identity(self) -> dict[str, Any]:
        try:
            self.work_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReelcartError(f"cannot create the output folder ({exc.strerror})", path=self.out_dir) from exc
        video = self.request.video
        video_id = file_identity(video) if video.is_file() else None
        if video_id is None:
            raise InputError("file not found", path=video)
        return video_id

    def _probe(self, video_id: dict[str, Any]) -> MediaInfo:
        info = self.cached(probe.STAGE, probe.VERSION, {"video": video_id}, MediaInfo, lambda: _probe_checked(self.request.video))
        probe.check_recording(info)
        return info

    def _audio(self, info: MediaInfo) -> AudioTrack:
        return self.cached(
            audio.STAGE, audio.VERSION, {"probe": self.keys["probe"]}, AudioTrack,
            lambda: audio.extract_audio(info, self.work_dir),
            outputs=lambda a: [self.work_dir / a.wav_file],
        )

    def _check_plan_skus(self, catalog: Catalog) -> None:
        """An edited plan naming a product the catalog lacks fails before any stage runs again."""
        req = self.request
        if req.plan is None:
            return
        skus = catalog.by_sku()
        for n, m in enumerate(req.plan.moments, start=1):
            if m.sku not in skus:
                raise InputError(f"moment {m.id or f'reel-{n}'}: SKU {m.sku!r} is not in the catalog", path=req.plan_file or "plan")

    def _spike_stage(self, info: MediaInfo, catalog: Catalog, catalog_id: str, stream_start: datetime | None) -> SpikeReport:
        req, preset = self.request, self.preset
        return self.cached(
            spikes.STAGE, spikes.VERSION,
            {
                "probe": self.keys["probe"], "orders": file_identity(req.orders) if req.orders.is_file() else str(req.orders),
                **({"more_orders": [file_identity(p) for p in req.more_orders]} if req.more_orders else {}),
                "catalog": catalog_id, "stream_start": stream_start, "orders_cfg": preset.orders.model_dump(),
                "spikes_cfg": preset.spikes.model_dump(),
            },
            SpikeReport, lambda: self._spikes(info, catalog, stream_start),
        )

    def _transcribe_stage(self, track: AudioTrack, catalog: Catalog, catalog_id: str, spike_report: SpikeReport) -> Transcript:
        preset = self.preset
        windows = plan_transcript_windows(spike_report, track.duration_s, preset, self.request.plan)
        first_skus = transcribe.window_skus(spike_report, windows, track.duration_s, preset.transcribe, preset.moments)
        return self.cached(
            transcribe.STAGE, transcribe.VERSION,
            transcribe.cache_key_parts(preset.transcribe, track.sha256 or self.keys["audio"], windows, [catalog_id, first_skus]),
            Transcript,
            lambda: transcribe.transcribe_windows(
                self.work_dir / track.wav_file, windows, preset.transcribe, catalog, window_products=first_skus
            ),
        )

    def _clock_stage(self, info: MediaInfo, catalog: Catalog, transcript: Transcript, stream_start: datetime | None) -> SpikeReport:
        req, preset = self.request, self.preset
        report = self.cached(
            clock.STAGE, clock.VERSION,
            {"spikes": self.keys["spikes"], "transcribe": self.keys["transcribe"], "moments_cfg": preset.moments.model_dump()},
            SpikeReport,
            lambda: clock.align_clock(req.orders, catalog=catalog, transcript=transcript, preset=preset,
                                      duration_s=info.duration_s, stream_start=stream_start, more_paths=req.more_orders),
        )
        self.keys["spikes"] = self.keys[clock.STAGE]
        return report

    def _moments_stage(self, info: MediaInfo, catalog: Catalog, catalog_id: str, transcript: Transcript,
                       spike_report: SpikeReport) -> MomentPlan:
        req, preset = self.request, self.preset
        if req.plan is not None:
            return self.cached(
                "moments", moments.VERSION,
                {"editor_plan": req.plan.model_dump(), "catalog": catalog_id, "transcript": self.keys["transcribe"],
                 "cfg": preset.moments.model_dump()},
                MomentPlan,
                lambda: self._editor_plan(req.plan, transcript, catalog, info),
            )
        return self.cached(
            moments.STAGE, moments.VERSION,
            {"transcript": self.keys["transcribe"], "spikes": self.keys["spikes"], "catalog": catalog_id, "cfg": preset.moments.model_dump()},
            MomentPlan, lambda: moments.plan_moments(transcript, spike_report, catalog, preset.moments, info.path),
        )

    def _with_inputs(self, plan: MomentPlan, info: MediaInfo) -> MomentPlan:
        """The plan with the files and preset it was made from (defaults for `reelcart render`)."""
        req = self.request
        inputs = PlanInputs(orders=str(Path(req.orders).resolve()), catalog=str(Path(req.catalog).resolve()),
                            more_orders=[str(Path(p).resolve()) for p in req.more_orders],
                            preset=req.preset_ref, overrides=req.overrides, stream_start=req.stream_start)
        return plan.model_copy(update={"inputs": inputs, "source": plan.source or info.path})

    def _write_plan(self, plan: MomentPlan) -> None:
        if self.request.write_plan:  # the studio renders a copy of its plan and keeps plan.json for itself
            write_model_atomic(self.out_dir / PLAN_FILE, plan)

    def _render_stage(self, plan: MomentPlan, info: MediaInfo, catalog: Catalog, catalog_id: str, transcript: Transcript,
                      spike_report: SpikeReport) -> RenderResult:
        preset = self.preset
        return self.cached(
            render.STAGE, render.VERSION,
            {"plan": self.keys["reframe"], "transcript": self.keys["transcribe"], "catalog": catalog_id,
             "cfg": [preset.captions.model_dump(), preset.overlay.model_dump(), preset.render.model_dump()],
             "link": [preset.package.model_dump(include={"platform", "utm_source", "utm_sources", "utm_medium", "utm_campaign"}),
                      spike_report.stream_start]},
            RenderResult, lambda: self._render(plan, info, catalog, transcript, spike_report.stream_start),
            outputs=lambda r: [self.out_dir / p for reel in r.reels for p in (reel.file, reel.thumbnail, reel.captions_file)],
        )

    # ------------------------------------------------------------ stage bodies
    def _spikes(self, info: MediaInfo, catalog: Catalog, stream_start: datetime | None) -> SpikeReport:
        table = load_orders(
            self.request.orders, config=self.preset.orders, known_skus={p.sku for p in catalog.products},
            duration_s=info.duration_s, stream_start=stream_start, catalog=catalog, more_paths=self.request.more_orders,
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
        planned = [m if m.crop is not None or m.review == "rejected" else m.model_copy(update={"crop": plan_segment_crops(
                       info, m, self.preset.reframe, r.width_px, r.height_px, reframe.plan_crop)}) for m in plan.moments]  # a crop edited in plan.json is kept (checked by reframe.edited_crop)
        return plan.model_copy(update={"moments": planned})

    def _render(self, plan: MomentPlan, info: MediaInfo, catalog: Catalog, transcript: Transcript,
                stream_start: datetime | None) -> RenderResult:
        """Every reel not rejected; one whose record (work/reels/) has today's key and whose files
        exist is reused as it is (see stages/render/reuse.py)."""
        products = catalog.by_sku()
        context = reuse.RenderContext(probe_key=self.keys["probe"], source=info.path, transcript=transcript,
                                      stream_start=stream_start)
        edited = self.request.plan
        given = {m.id: e for m, e in zip(plan.moments, edited.moments)} if edited and len(edited.moments) == len(plan.moments) else {}
        todo = [m for m in plan.moments if m.review != "rejected"]
        reels = []
        for done, m in enumerate(todo):
            product = products[m.sku]
            key = reuse.reel_key(m, product, self.preset, context)
            record = reuse.load_reel_record(self.out_dir, m.id)
            if record is not None and reuse.reusable(self.out_dir, record, key):
                self.hooks.step(render.STAGE, done, len(todo), f"reuse {m.id}")
                if record.edited != given.get(m.id):  # another edit that renders the same: the studio compares with it
                    reuse.save_reel_record(self.out_dir, record.model_copy(update={"edited": given.get(m.id)}))
                reels.append(record.reel)
                self.hooks.step(render.STAGE, done + 1, len(todo), f"reused {m.id}")
                continue
            self.hooks.step(render.STAGE, done, len(todo), f"render {m.id}")
            reel = render.render_reel(info, m, product, transcript, self.preset, work_dir=self.work_dir, out_dir=self.out_dir,
                                      link=reel_link(product.url, self.preset.package, info.path, m.id, stream_start))
            reuse.save_reel_record(self.out_dir, reuse.ReelRecord(key=key, moment=m, edited=given.get(m.id), reel=reel))
            reels.append(reel)
            self.hooks.step(render.STAGE, done + 1, len(todo), f"rendered {m.id}")
        return RenderResult(reels=reels)

    def _package(self, info: MediaInfo, plan: MomentPlan, rendered: RenderResult, catalog: Catalog, spike_report: SpikeReport,
                 transcript: Transcript) -> Manifest:
        return package.package_run(
            self.out_dir, source=Path(info.path), preset=self.preset, plan=plan, rendered=rendered, catalog=catalog,
            spikes=spike_report, transcript=transcript,
        )
