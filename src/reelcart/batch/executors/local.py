"""The local executor: up to ``workers`` job processes at once on this machine."""

from __future__ import annotations

import contextlib
import logging
import selectors
import subprocess
from collections import deque
from typing import TYPE_CHECKING

from ...resources import machine_cores
from ..jobs import Job
from ..process import JobProcess

if TYPE_CHECKING:
    from ..runner import Batch

log = logging.getLogger(__name__)


def default_workers(cores: int | None = None) -> int:
    """Recordings at once on this machine: half the cores (at least one), so each job's
    transcription and x264 get two threads instead of fighting over one core each."""
    cores = cores or machine_cores()
    return max(1, cores // 2)


class LocalExecutor:
    """Up to ``workers`` job processes at once on this machine."""

    name = "local"

    @staticmethod
    def defaults(workers: int | None, threads_per_job: int | None, cores: int) -> tuple[int, int]:
        workers = workers or default_workers(cores)
        return workers, threads_per_job or max(1, cores // workers)

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    def run(self, jobs: list[Job]) -> None:
        batch = self.batch
        pending = deque(jobs)
        running: dict[str, JobProcess] = {}
        selector = selectors.DefaultSelector()
        try:
            while pending or running:
                while pending and len(running) < batch.workers and not batch.stop:
                    job = pending.popleft()
                    try:
                        proc = JobProcess(job.spec(batch.threads))
                    except OSError as exc:
                        batch.job_end(job.name, {"status": "failed", "error": f"cannot start the job process: {exc}"})
                        continue
                    running[job.name] = proc
                    selector.register(proc.fileno(), selectors.EVENT_READ, job.name)
                if batch.stop:
                    for proc in running.values():
                        proc.stop()
                        if batch.stop.hurry or proc.overdue(batch.options.grace_s):
                            proc.kill()
                    pending.clear()
                ready = selector.select(timeout=0.25) if running else []
                names = {key.data for key, _ in ready} | {n for n, p in running.items() if p.proc.poll() is not None}
                for name in names:
                    proc = running[name]
                    for message in proc.read_events():
                        batch.job_event(name, message)
                    if proc.eof and not proc.done():
                        with contextlib.suppress(subprocess.TimeoutExpired):
                            proc.proc.wait(timeout=1.0)
                    if proc.done() or (proc.eof and proc.proc.poll() is not None):
                        selector.unregister(proc.fileno())
                        del running[name]
                        batch.job_end(name, proc.finish())
                batch.reporter.tick()
        finally:
            for name, proc in list(running.items()):  # only on an exception of our own
                proc.kill()
                with contextlib.suppress(Exception):
                    batch.job_end(name, proc.finish())
            selector.close()
