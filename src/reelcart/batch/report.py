"""The batch report (``batch-report.json``) and its one-screen summary."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import __version__
from ..text import format_duration
from .jobs import REPORT_FILE, JobStatus

log = logging.getLogger(__name__)


class StageOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: str
    status: str
    seconds: float


class JobOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    status: JobStatus = "pending"
    reels: int | None = None
    seconds: float | None = Field(None, description="Wall time of this run of the job.")
    error: str | None = None
    failed_stage: str | None = None
    video: str
    orders: str | None
    catalog: str | None
    out: str
    manifest: str | None = None
    log: str | None = None
    exit_code: int | None = None
    node: str | None = Field(None, description="Host the job ran on.")
    stages: list[StageOutcome] = Field(default_factory=list)


class BatchReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int = 1
    tool: str = "reelcart"
    version: str = __version__
    state: Literal["running", "finished", "interrupted", "aborted"] = "running"
    error: str | None = Field(None, description="Why the batch itself stopped early (state 'aborted').")
    source: str
    out: str
    executor: str
    workers: int
    threads_per_job: int | None
    host: str = Field(default_factory=socket.gethostname)
    pid: int = Field(default_factory=os.getpid)
    started: str
    finished: str | None = None
    seconds: float | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    jobs: list[JobOutcome]

    @property
    def exit_code(self) -> int:
        if self.state == "interrupted":
            return 130
        return 1 if self.counts.get("failed", 0) else 0


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def format_summary(report: BatchReport, width: int | None = None) -> str:
    """The table printed at the end: job, status, reels, time, error."""
    import shutil

    width = width or max(100, shutil.get_terminal_size((160, 24)).columns)
    name_w = min(28, max([3, *(len(j.name) for j in report.jobs)]))
    head = f"{'job':<{name_w}}  {'status':<11} {'reels':>5} {'time':>8}  error"
    lines = [head, "-" * min(width, max(len(head), 60))]
    for job in report.jobs:
        reels = "-" if job.reels is None else str(job.reels)
        took = "-" if job.seconds is None else format_duration(job.seconds, 'compact')
        error = job.error or ""
        if job.failed_stage and error:
            error = f"[{job.failed_stage}] {error}"
        room = max(20, width - name_w - 31)
        if len(error) > room:
            error = error[: room - 1] + "…"
        name = job.name if len(job.name) <= name_w else job.name[: name_w - 1] + "…"
        lines.append(f"{name:<{name_w}}  {job.status:<11} {reels:>5} {took:>8}  {error}".rstrip())
    c = report.counts
    parts = [f"{c[k]} {k}" for k in ("done", "skipped", "failed", "interrupted", "not run") if c.get(k)]
    total = format_duration(report.seconds or 0.0, 'compact')
    lines.append(f"{len(report.jobs)} job(s): {', '.join(parts) or 'nothing to do'} in {total}; report: {Path(report.out) / REPORT_FILE}")
    return "\n".join(lines)
