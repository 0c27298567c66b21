"""Running a batch: skip finished jobs, run the rest on an executor, keep the report current."""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..artifacts import write_model_atomic
from ..resources import machine_cores
from .executors import get_executor
from .jobs import REPORT_FILE, STOP_GRACE_S, Job
from .report import BatchReport, JobOutcome, StageOutcome, _now
from .resume import finished_manifest

log = logging.getLogger(__name__)


@dataclass
class BatchOptions:
    out_root: Path
    executor: str = "local"  # a name in executors.EXECUTORS
    workers: int | None = None  # local: processes at once; ray: tasks in flight (None = all)
    threads_per_job: int | None = None
    address: str | None = None  # ray
    grace_s: float = STOP_GRACE_S
    source: str = ""


class Reporter(Protocol):
    """Where batch events go (``progress.py``): a terminal display, plain lines or JSON lines."""

    def handle(self, event: dict[str, Any]) -> None: ...

    def tick(self) -> None: ...


class _Stop:
    """SIGINT/SIGTERM in the batch process: first one stops gracefully, a second one kills."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.hurry = False
        self._previous: dict[int, Any] = {}

    def __bool__(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, frame: Any) -> None:  # noqa: ARG002
        if self.signum is not None:
            self.hurry = True
        else:
            self.signum = signum

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


class Batch:
    """Runs jobs on an executor and keeps ``batch-report.json`` current."""

    def __init__(self, jobs: list[Job], options: BatchOptions, reporter: Reporter) -> None:
        self.jobs = jobs
        self.options = options
        self.reporter = reporter
        self.exit_code = 0
        self._started: dict[str, float] = {}
        self._stage: dict[str, str | None] = {}
        self.started = time.perf_counter()
        self.stop = _Stop()
        cores = machine_cores()
        self.executor = get_executor(options.executor)
        self.workers, self.threads = self.executor.defaults(options.workers, options.threads_per_job, cores)
        self.outcomes = {
            job.name: JobOutcome(name=job.name, video=str(job.video), orders=str(job.orders) if job.orders else None,
                                 catalog=str(job.catalog) if job.catalog else None, out=str(job.out))
            for job in jobs
        }
        self.report = BatchReport(
            source=options.source, out=str(options.out_root), executor=options.executor, workers=self.workers,
            threads_per_job=self.threads, started=_now(), jobs=list(self.outcomes.values()),
        )

    # -------------------------------------------------------------- events and report
    def emit(self, event: str, job: str | None = None, stage: str | None = None, seconds: float = 0.0, **extra: Any) -> None:
        self.reporter.handle({
            "time": _now(), "elapsed_s": round(time.perf_counter() - self.started, 3), "job": job, "stage": stage,
            "event": event, "seconds": round(seconds, 3), **extra,
        })

    def save(self) -> None:
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        self.report.counts = counts
        self.report.jobs = list(self.outcomes.values())
        write_model_atomic(self.options.out_root / REPORT_FILE, self.report)

    def job_event(self, name: str, message: dict[str, Any]) -> None:
        if message.get("event") == "job_start":
            self.outcomes[name].status = "running"
            self._started[name] = time.perf_counter()
        elif message.get("event") == "stage_start":
            self._stage[name] = message.get("stage")
        extra = {k: v for k, v in message.items() if k not in ("kind", "event", "stage", "seconds", "job")}
        self.emit(message.get("event", "?"), job=name, stage=message.get("stage"), seconds=float(message.get("seconds") or 0.0), **extra)

    def job_end(self, name: str, result: dict[str, Any]) -> None:
        outcome = self.outcomes[name]
        status = result.get("status", "failed")
        if status == "interrupted" and outcome.status == "pending":
            status = "not run"  # stopped before it started
        if status == "interrupted" and self.stop.signum is not None:
            result = {**result, "error": f"stopped: the batch received {signal.Signals(self.stop.signum).name}"}
        if name in self._started:  # what the job process could not tell (a cancelled Ray task)
            result.setdefault("seconds", round(time.perf_counter() - self._started[name], 3))
            if not result.get("stage"):
                result["stage"] = self._stage.get(name)
        outcome.status = status if status in ("done", "failed", "interrupted", "not run") else "failed"
        outcome.reels = result.get("reels")
        outcome.seconds = result.get("seconds")
        outcome.error = result.get("error")
        outcome.failed_stage = result.get("stage") if outcome.status != "done" else None
        outcome.manifest = result.get("manifest")
        outcome.log = result.get("log")
        outcome.exit_code = result.get("exit_code")
        outcome.node = result.get("node")
        outcome.stages = [StageOutcome(**s) for s in result.get("stages", [])]
        self.emit("job_end", job=name, stage=outcome.failed_stage, seconds=outcome.seconds or 0.0, status=outcome.status,
                  reels=outcome.reels, error=outcome.error)
        self.save()

    # -------------------------------------------------------------- run
    def run(self) -> BatchReport:
        self.options.out_root.mkdir(parents=True, exist_ok=True)
        to_run: list[Job] = []
        for job in self.jobs:
            manifest = finished_manifest(job)
            if manifest is not None:
                o = self.outcomes[job.name]
                o.status, o.reels, o.seconds, o.manifest = "skipped", len(manifest.reels), 0.0, str(job.out / "manifest.json")
            else:
                to_run.append(job)
        self.emit("batch_start", jobs=len(self.jobs), to_run=len(to_run), skipped=len(self.jobs) - len(to_run),
                  executor=self.options.executor, workers=self.workers, threads_per_job=self.threads)
        for job in self.jobs:
            if self.outcomes[job.name].status == "skipped":
                self.emit("job_end", job=job.name, status="skipped", reels=self.outcomes[job.name].reels, error=None,
                          note="finished earlier: manifest and every stage are current")
        self.save()
        for job in [j for j in to_run if j.problem]:  # known to fail: no process needed
            to_run.remove(job)
            self.job_end(job.name, {"status": "failed", "error": job.problem, "seconds": 0.0})
        self.stop.install()
        aborted: BaseException | None = None
        try:
            if to_run:
                self.executor(self).run(to_run)
        except BaseException as exc:
            aborted = exc
            raise
        finally:
            self.stop.restore()
            for outcome in self.outcomes.values():
                if outcome.status in ("pending", "running"):
                    outcome.status = "not run" if outcome.status == "pending" else "interrupted"
            self.report.state = "aborted" if aborted is not None else ("interrupted" if self.stop else "finished")
            if aborted is not None:
                self.report.error = str(aborted) or type(aborted).__name__
            self.report.finished = _now()
            self.report.seconds = round(time.perf_counter() - self.started, 3)
            self.save()
        code = self.report.exit_code
        if self.stop.signum is not None:
            code = 128 + self.stop.signum
        self.emit("batch_end", seconds=self.report.seconds or 0.0, counts=self.report.counts, state=self.report.state, exit_code=code)
        self.exit_code = code
        return self.report


def run_batch(jobs: list[Job], options: BatchOptions, reporter: Reporter) -> tuple[BatchReport, int]:
    """Run ``jobs``; return the report and the exit code (0 all good, 1 a job failed,
    128+signal when the batch was stopped)."""
    batch = Batch(jobs, options, reporter)
    report = batch.run()
    return report, batch.exit_code
