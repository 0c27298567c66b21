"""The job process: ``python -m reelcart.batch`` runs one recording with the spec read from stdin."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..artifacts import folder_lock, remove_stale_partials
from ..errors import InputError, ReelcartError
from ..resources import ENV_THREADS
from .jobs import EVENT_PREFIX, Job
from .resume import _run_request, finished_manifest

log = logging.getLogger(__name__)


class JobInterrupted(BaseException):
    """Raised inside the job process by SIGTERM/SIGINT: unwinds through every ``finally`` (which
    kills running ffmpeg children and deletes half-written temporary files)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(EVENT_PREFIX + json.dumps(message, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _on_signal(signum: int, frame: Any) -> None:  # noqa: ARG001
    # one interruption is enough: the cleanup that follows must not be interrupted again
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    raise JobInterrupted(signum)


def _read_spec() -> dict[str, Any]:
    """The job spec: the first line on stdin (read from the descriptor: no buffered reader, whose
    lock a blocked reader thread would hold at interpreter shutdown)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(0, 65536)
        if not chunk:
            break
        data += chunk
    return json.loads(data)


def _watch_parent() -> None:
    """The parent holds our stdin open until we exit: EOF means it died (even by SIGKILL)."""
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def _limit_threads(threads: int | None) -> None:
    if not threads:
        return
    os.environ[ENV_THREADS] = str(threads)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    with contextlib.suppress(Exception):
        import cv2

        cv2.setNumThreads(threads)


def _job_request(spec: dict[str, Any]):  # noqa: ANN202 - RunRequest
    """The run request of a job spec. Optional keys (the studio's render jobs): ``plan``, an editor
    plan to render exactly like ``reelcart render PLAN``, and ``write_plan: false`` to leave
    ``<out>/plan.json`` as it is."""
    request = _run_request(spec)
    if spec.get("plan"):
        from ..stages.moments import load_plan

        request.plan_file = Path(spec["plan"])
        request.plan = load_plan(request.plan_file)
    request.write_plan = bool(spec.get("write_plan", True))
    return request


def job_main() -> int:
    """Entry point of one job process: ``python -m reelcart.batch`` with the job spec on stdin."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    spec = _read_spec()
    threading.Thread(target=_watch_parent, name="parent-watch", daemon=True).start()
    current: dict[str, Any] = {"stage": None}
    stages: list[dict[str, Any]] = []
    started = time.perf_counter()

    def result(status: str, **extra: Any) -> None:
        _emit({"kind": "result", "status": status, "stage": current["stage"], "stages": stages,
               "seconds": round(time.perf_counter() - started, 3), **extra})

    try:
        print(f"--- {datetime.now().astimezone().isoformat(timespec='seconds')} reelcart {__version__} job {spec['name']} "
              f"(pid {os.getpid()}, threads {spec.get('threads') or 'all'})", file=sys.stderr, flush=True)
        _emit({"kind": "event", "event": "job_start", "stage": None, "seconds": 0.0})
        if spec.get("problem"):
            raise InputError(spec["problem"])
        _limit_threads(spec.get("threads"))
        from ..pipeline import Hooks, Pipeline

        out = Path(spec["out"])
        with folder_lock(out):
            remove_stale_partials(out)
            request = _job_request(spec)
            job = Job(name=spec["name"], video=request.video, orders=request.orders, catalog=request.catalog, out=out,
                      preset=spec["preset"], overrides=spec.get("overrides", []), stream_start=spec.get("stream_start"))
            if request.plan is None and finished_manifest(job) is None:
                # an old manifest describes other inputs or outputs: it must not outlive this run
                with contextlib.suppress(FileNotFoundError):
                    (out / "manifest.json").unlink()

            def on_start(stage: str) -> None:
                current["stage"] = stage
                _emit({"kind": "event", "event": "stage_start", "stage": stage, "seconds": 0.0})

            def on_end(record) -> None:  # noqa: ANN001
                stages.append({"stage": record.stage, "status": record.status, "seconds": record.seconds})
                _emit({"kind": "event", "event": "stage_end", "stage": record.stage, "status": record.status,
                       "seconds": record.seconds})

            def on_step(stage: str, done: int, total: int, detail: str) -> None:
                _emit({"kind": "event", "event": "step", "stage": stage, "done": done, "total": total, "detail": detail})

            run = Pipeline(request, hooks=Hooks(on_start=on_start, on_end=on_end, on_step=on_step)).run()
            current["stage"] = None
            manifest = run.manifest
            assert manifest is not None
            result("done", reels=len(manifest.reels), manifest=str(out / "manifest.json"),
                   cached=all(s["status"] == "cached" for s in stages))
        return 0
    except JobInterrupted as exc:
        name = signal.Signals(exc.signum).name
        print(f"interrupted by {name}", file=sys.stderr, flush=True)
        with contextlib.suppress(Exception):
            result("interrupted", error=f"stopped by {name}")
        return 128 + exc.signum
    except ReelcartError as exc:
        print(f"failed: {exc}", file=sys.stderr, flush=True)
        result("failed", error=str(exc))
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - one job's bug must not end the batch
        import traceback

        traceback.print_exc()
        result("failed", error=f"unexpected {type(exc).__name__}: {exc}")
        return 70
