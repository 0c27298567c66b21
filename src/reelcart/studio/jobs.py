"""Background re-renders: one job process per run (the batch's job process, ``python -m
reelcart.batch``), fed the plan to render, read for progress. The job takes the run folder's lock
and writes every output atomically, so the studio's pages keep showing the old reels until the new
ones are complete; stopping the studio stops the job, which kills its ffmpeg and deletes its
temporary files."""

from __future__ import annotations

import contextlib
import itertools
import select
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..batch.jobs import JOB_LOG, STOP_GRACE_S
from ..batch.process import JobProcess
from ..pipeline.stages import stage_names

RENDER_SHARE = (0.15, 0.9)  # the part of the progress bar the render stage fills


@dataclass
class RenderJob:
    id: str
    run: str
    reels_total: int
    status: str = "running"
    stage: str | None = None
    progress: float = 0.0
    message: str = "starting"
    reels_done: int = 0
    error: str | None = None
    started_s: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    rendered: list[str] = field(default_factory=list)  # reels encoded anew
    reused: list[str] = field(default_factory=list)  # reels whose picture and sound did not change

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "run": self.run, "status": self.status, "stage": self.stage, "progress": round(self.progress, 3),
                "message": self.message, "reels_done": self.reels_done, "reels_total": self.reels_total,
                "error": self.error, "seconds": self.seconds, "rendered": self.rendered, "reused": self.reused}


def build_job_spec(name: str, folder: Path, plan_file: Path, *, video: str, preset: str,
                   inputs: Any) -> dict[str, Any]:
    """The job process's spec: render ``plan_file`` into ``folder`` with the plan's own inputs."""
    orders = [inputs.orders, *inputs.more_orders] if inputs.more_orders else inputs.orders
    return {"name": name, "video": video, "orders": orders, "catalog": inputs.catalog, "out": str(folder), "preset": preset,
            "overrides": inputs.overrides, "stream_start": inputs.stream_start.isoformat() if inputs.stream_start else None,
            "threads": None, "problem": None, "plan": str(plan_file), "write_plan": False}


def apply_event(job: RenderJob, event: dict[str, Any]) -> None:
    """Progress from one job event (stage_start, stage_end, step)."""
    names = stage_names(clock=True)
    kind, stage = event.get("event"), event.get("stage")
    if kind == "stage_start" and stage:
        job.stage = stage
        job.message = f"{stage}…"
        if stage in names and stage != "render":
            index = names.index(stage)
            before = names.index("render")
            job.progress = max(job.progress, RENDER_SHARE[0] * index / before if index < before else RENDER_SHARE[1])
    elif kind == "step":
        done, total = int(event.get("done", 0)), max(1, int(event.get("total", 1)))
        job.reels_done = done
        detail = str(event.get("detail") or f"{done}/{total}")
        job.message = detail
        verb, _, reel = detail.partition(" ")
        if verb in ("rendered", "reused") and reel:
            getattr(job, verb).append(reel)
        lo, hi = RENDER_SHARE
        job.progress = max(job.progress, lo + (hi - lo) * done / total)
    elif kind == "stage_end" and stage == "render":
        job.progress = max(job.progress, RENDER_SHARE[1])
        job.reels_done = job.reels_total


class RenderJobs:
    """The studio's render jobs (one at a time per run)."""

    def __init__(self) -> None:
        self.jobs: dict[str, RenderJob] = {}
        self.processes: dict[str, JobProcess] = {}
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.closing = False

    def running(self, run: str) -> RenderJob | None:
        with self.lock:
            return next((j for j in self.jobs.values() if j.run == run and j.status == "running"), None)

    def latest(self, run: str) -> RenderJob | None:
        with self.lock:
            mine = [j for j in self.jobs.values() if j.run == run]
            return mine[-1] if mine else None

    def start(self, run: str, spec: dict[str, Any], reels_total: int, on_done: Any = None) -> RenderJob:
        job = RenderJob(id=f"job-{next(self._ids)}", run=run, reels_total=reels_total)
        process = JobProcess(spec)
        with self.lock:
            self.jobs[job.id] = job
            self.processes[job.id] = process
        threading.Thread(target=self._follow, args=(job, process, on_done), name=job.id, daemon=True).start()
        return job

    def _follow(self, job: RenderJob, process: JobProcess, on_done: Any) -> None:
        while not process.done():
            with contextlib.suppress(OSError, ValueError):
                select.select([process.fileno()], [], [], 0.25)
            for event in process.read_events():
                apply_event(job, event)
            if process.overdue(STOP_GRACE_S):
                process.kill()
        for event in process.read_events():
            apply_event(job, event)
        result = process.finish()
        status = result.get("status", "failed")
        job.status = status if status in ("done", "failed", "interrupted") else "failed"
        job.error = result.get("error")
        job.seconds = round(time.monotonic() - job.started_s, 2)
        job.stage = None
        if job.status == "done":
            job.progress = 1.0
            job.message = f"done in {job.seconds:.1f} s: {len(job.rendered)} rendered, {len(job.reused)} reused"
        else:
            job.message = f"{job.status}: {job.error or f'see work/{JOB_LOG}'}"
        if on_done is not None:
            with contextlib.suppress(Exception):
                on_done(job)

    def stop_all(self, wait_s: float = STOP_GRACE_S + 2) -> None:
        """Stop every running job (studio shutdown) and wait for them to clean up."""
        self.closing = True
        with self.lock:
            live = [(self.jobs[k], p) for k, p in self.processes.items() if self.jobs[k].status == "running"]
        for _, process in live:
            process.stop()
        deadline = time.monotonic() + wait_s
        while any(job.status == "running" for job, _ in live) and time.monotonic() < deadline:
            time.sleep(0.1)
