"""The Ray executor: each recording is a task on a Ray cluster (``pip install "reelcart[ray]"``)."""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError, ReelcartError
from ...resources import machine_cores
from ..jobs import STOP_GRACE_S, Job
from ..process import JobProcess

if TYPE_CHECKING:
    from ..runner import Batch

log = logging.getLogger(__name__)


def _ray():  # noqa: ANN202
    try:
        import ray
    except ImportError as exc:
        raise ConfigError('the ray executor needs Ray: pip install "reelcart[ray]" (or "ray[default]")') from exc
    return ray


class EventRelay:
    """A tiny Ray actor: job tasks put events, the driver drains them."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def put(self, name: str, message: dict[str, Any]) -> None:
        self.items.append((name, message))

    def drain(self) -> list[tuple[str, dict[str, Any]]]:
        items, self.items = self.items, []
        return items


def run_job_task(spec: dict[str, Any], relay: Any) -> dict[str, Any]:
    """Body of the Ray task: the same job process as the local executor, on the task's node.

    Cancelling the task (``ray.cancel``) raises KeyboardInterrupt here; the job process is then
    stopped the same way a local batch stops it.
    """
    proc = JobProcess(spec)
    selector = selectors.DefaultSelector()
    selector.register(proc.fileno(), selectors.EVENT_READ)
    try:
        while not proc.done():
            selector.select(timeout=0.5)
            for message in proc.read_events():
                relay.put.remote(spec["name"], message)
            if proc.eof:
                proc.proc.wait()
        return proc.finish()
    except BaseException:
        proc.stop()
        deadline = time.monotonic() + STOP_GRACE_S
        while proc.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.kill()
        with contextlib.suppress(Exception):
            proc.finish()
        raise
    finally:
        selector.close()


class RayExecutor:
    """Each recording is a Ray task; Ray places it on a node with ``threads_per_job`` free CPUs.

    The cluster's nodes must see the batch's files at the same paths (a shared file system) and
    have reelcart installed; the driver only schedules, relays events and writes the report.
    """

    name = "ray"

    @staticmethod
    def defaults(workers: int | None, threads_per_job: int | None, cores: int) -> tuple[int, int]:
        return workers or 0, threads_per_job or 2  # 0: as many tasks in flight as there are jobs

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    def run(self, jobs: list[Job]) -> None:
        ray = _ray()
        batch = self.batch
        address = batch.options.address or os.environ.get("RAY_ADDRESS") or None
        init: dict[str, Any] = {"address": address, "log_to_driver": False, "configure_logging": False}
        if address is None:
            init.update(num_cpus=machine_cores(), include_dashboard=False)
        try:
            ray.init(**init)
        except Exception as exc:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError, ...
            where = f"at {address}" if address else "locally"
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            hint = ""
            if "auth" in str(exc).lower() or not os.environ.get("RAY_AUTH_MODE"):
                hint = " (if the cluster uses token authentication, set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN as on the cluster)"
            raise ReelcartError(f"cannot reach a Ray cluster {where}: {detail}{hint}") from exc
        # Ray installs its own handlers during init: ours must win for a clean stop
        batch.stop.restore()
        batch.stop.install()
        with contextlib.suppress(Exception):
            largest = max((n["Resources"].get("CPU", 0) for n in ray.nodes() if n.get("Alive")), default=0)
            if largest and largest < batch.threads:
                log.warning("no Ray node has %d CPUs (the largest has %g): jobs wait until the cluster grows; "
                            "lower --threads-per-job to run them now", batch.threads, largest)
        try:
            self._run(ray, jobs)
        finally:
            with contextlib.suppress(Exception):
                ray.shutdown()

    def _run(self, ray: Any, jobs: list[Job]) -> None:
        batch = self.batch
        relay = ray.remote(num_cpus=0)(EventRelay).remote()
        task = ray.remote(run_job_task)
        pending = deque(jobs)
        refs: dict[Any, str] = {}
        cancelled_at: float | None = None
        forced = False
        limit = batch.workers or len(jobs)

        def relay_events() -> None:
            for name, message in ray.get(relay.drain.remote()):
                batch.job_event(name, message)

        while pending or refs:
            while pending and len(refs) < limit and not batch.stop:
                job = pending.popleft()
                spec = job.spec(batch.threads)
                options = {"num_cpus": batch.threads, "max_retries": 1, "retry_exceptions": False, "name": f"reelcart:{job.name}"}
                refs[task.options(**options).remote(spec, relay)] = job.name
            if batch.stop:
                pending.clear()
                if cancelled_at is None:
                    cancelled_at = time.monotonic()
                    for ref in refs:
                        ray.cancel(ref, force=False)
                elif not forced and (batch.stop.hurry or time.monotonic() - cancelled_at > batch.options.grace_s + 5):
                    forced = True
                    for ref in refs:
                        with contextlib.suppress(Exception):
                            ray.cancel(ref, force=True)
            if not refs:
                break
            ready, _ = ray.wait(list(refs), num_returns=len(refs), timeout=0.3)
            relay_events()
            for ref in ready:
                name = refs.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - task errors arrive as many kinds
                    kind = type(exc).__name__
                    if batch.stop and ("Cancel" in kind or "KeyboardInterrupt" in str(exc)):
                        result = {"status": "interrupted", "error": "stopped (Ray task cancelled)"}
                    else:
                        first = next((ln for ln in str(exc).splitlines() if ln.strip()), kind)
                        result = {"status": "failed", "error": f"Ray task failed ({kind}): {first}"}
                batch.job_end(name, result)
            batch.reporter.tick()
        relay_events()
