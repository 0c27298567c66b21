"""The studio's work, apart from HTTP: the runs it serves, their state, edits, preview frames,
style and re-renders. One ``Studio`` per served folder."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ..artifacts import MANIFEST_FILE, write_model_atomic
from ..errors import InputError
from ..handoff.links import reel_link
from ..models import Moment
from ..pipeline import PLAN_FILE
from ..stages.render import reuse
from . import state
from .edits import EditOp
from .jobs import RenderJobs, build_job_spec
from .runs import (
    STUDIO_DIRNAME,
    RunContext,
    find_runs,
    load_context,
    preset_ref,
    read_manifest,
    source_file,
)
from .store import PlanStore
from .style import build_style, parse_style, write_style

RENDER_PLAN = "render-plan.json"


class UnknownRun(LookupError):
    pass


class RenderBusy(Exception):
    pass


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


class Studio:
    def __init__(self, root: Path, jobs: RenderJobs) -> None:
        self.root = root.resolve()
        if not self.root.is_dir():
            raise InputError("not a folder", path=root)
        self.jobs = jobs
        self.runs = find_runs(self.root)
        self.stores = {run: PlanStore(folder) for run, folder in self.runs.items()}
        self._contexts: dict[str, tuple[tuple, RunContext]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ runs
    def folder(self, run: str) -> Path:
        folder = self.runs.get(run)
        if folder is None:
            raise UnknownRun(run)
        return folder

    def list_runs(self) -> list[dict[str, Any]]:
        out = []
        for run, folder in self.runs.items():
            manifest = read_manifest(folder)
            try:
                count = len(self.stores[run].read().moments)
            except InputError:
                count = 0
            out.append({"id": run, "name": folder.name, "reels": count, "rendered": manifest is not None})
        return out

    def context(self, run: str) -> RunContext:
        """The run's context, loaded again only when one of its files changed."""
        folder = self.folder(run)
        work = folder / "work"
        stamp = tuple(_mtime(p) for p in (folder / PLAN_FILE, work / "probe.json", work / "transcribe.json",
                                          work / "spikes.json", work / "clock.json", folder / "studio-preset.yaml"))
        with self._lock:
            cached = self._contexts.get(run)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        ctx = load_context(folder)
        with self._lock:
            self._contexts[run] = (stamp, ctx)
        return ctx

    def state(self, run: str) -> dict[str, Any]:
        ctx = self.context(run)
        folder, plan, info = ctx.folder, ctx.plan, ctx.info
        manifest = read_manifest(folder)
        job = self.jobs.latest(run)
        return {
            "id": run, "name": folder.name, "revision": plan.revision, "duration_s": info.duration_s,
            "width_px": info.display_width_px or info.width_px, "height_px": info.display_height_px or info.height_px,
            "fps": info.fps, "language": plan.language, "video_url": f"/api/runs/{run}/source",
            "plan": plan.model_dump(mode="json"), "catalog": state.build_catalog(ctx.catalog),
            "orders": state.build_orders(ctx.spikes, ctx.catalog, info.duration_s), "words": state.build_words(ctx.words),
            "reels": state.build_reels(run, plan, manifest, self.dirty(ctx), _mtime(folder / MANIFEST_FILE)),
            "style": build_style(ctx.preset, preset_ref(folder, plan), folder),
            "job": job.public() if job else None,
        }

    def dirty(self, ctx: RunContext) -> dict[str, bool]:
        """Per moment: would a render now make another reel than the one on disk (the render's own reuse key)."""
        context = reuse.load_render_context(ctx.folder, ctx.preset)
        products = ctx.catalog.by_sku()
        out: dict[str, bool] = {}
        for m in ctx.plan.moments:
            product = products.get(m.sku)
            out[m.id] = product is None or reuse.rendered_state(ctx.folder, m, product=product, preset=ctx.preset,
                                                                 context=context)[1]
        return out

    def rendered_moments(self, ctx: RunContext) -> dict[str, Moment]:
        """Each moment as it was last rendered (from the render's reel records)."""
        out: dict[str, Moment] = {}
        for m in ctx.plan.moments:
            record = reuse.load_reel_record(ctx.folder, m.id)
            if record is not None and reuse.files_present(ctx.folder, record.reel):
                out[m.id] = record.moment
        return out

    # ------------------------------------------------------------ edits
    def edit(self, run: str, base_revision: int, op: EditOp) -> dict[str, Any]:
        ctx = self.context(run)
        result = self.stores[run].edit(ctx, base_revision, op)
        fresh = self.state(run)
        return {"revision": result.plan.revision, "moment": result.moment_id, "notes": result.notes,
                "plan": fresh["plan"], "reels": fresh["reels"]}

    def save_style(self, run: str, payload: dict[str, Any]) -> dict[str, Any]:
        ctx = self.context(run)
        choice = parse_style(payload)
        path = write_style(ctx.folder, choice)
        self.stores[run].update_inputs(ctx, path.name, set(choice.captions.model_dump()))
        fresh = self.state(run)
        return {"style": fresh["style"], "revision": fresh["revision"], "reels": fresh["reels"]}

    # ------------------------------------------------------------ media
    def source(self, run: str) -> Path:
        return source_file(self.context(run))

    def frame(self, run: str, moment_id: str, t_s: float) -> bytes:
        from ..stages.render.preview import render_preview_frame

        ctx = self.context(run)
        moment = next((m for m in ctx.plan.moments if m.id == moment_id), None)
        if moment is None:
            raise InputError(f"there is no reel {moment_id!r} in the plan")
        product = ctx.catalog.by_sku()[moment.sku]
        stream_start = ctx.spikes.stream_start if ctx.spikes else None
        link = reel_link(product.url, ctx.preset.package, ctx.info.path, moment.id, stream_start)
        return render_preview_frame(ctx.info, moment, product, ctx.transcript, ctx.preset, t_s=t_s,
                                    work_dir=ctx.work_dir / STUDIO_DIRNAME, link=link)

    def render(self, run: str, ids: list[str]) -> dict[str, Any]:
        if self.jobs.running(run) is not None:
            raise RenderBusy("a render of this run is already running: wait for it to finish")
        ctx = self.context(run)
        known = {m.id for m in ctx.plan.moments}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise InputError(f"render: no reel {unknown[0]!r} in the plan")
        plan = state.build_render_plan(ctx.plan, set(ids), self.rendered_moments(ctx))
        if not any(m.review != "rejected" for m in plan.moments):
            raise InputError("render: every chosen reel is rejected; approve one or choose another")
        plan_file = ctx.work_dir / STUDIO_DIRNAME / RENDER_PLAN
        write_model_atomic(plan_file, plan)
        assert ctx.plan.inputs is not None
        spec = build_job_spec(run, ctx.folder, plan_file, video=ctx.info.path, preset=preset_ref(ctx.folder, ctx.plan),
                              inputs=ctx.plan.inputs)
        job = self.jobs.start(run, spec, reels_total=sum(1 for m in plan.moments if m.review != "rejected"))
        return {"job": job.public()}
