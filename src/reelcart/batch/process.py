"""The parent side of a job process: start it, read its events, stop it with its children."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..resources import ENV_THREADS
from .jobs import EVENT_PREFIX, JOB_LOG

log = logging.getLogger(__name__)


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])


class JobProcess:
    """One running job process: its events, its exit, and stopping it with its children."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.name = spec["name"]
        out = Path(spec["out"])
        (out / "work").mkdir(parents=True, exist_ok=True)
        self.log_path = out / "work" / JOB_LOG
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_root(), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        env.pop(ENV_THREADS, None)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in finish()
        self.started = time.perf_counter()
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True  # own process group: terminal Ctrl-C goes to the batch only
        else:  # pragma: no cover
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reelcart.batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._log, env=env, **kwargs,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps(spec) + "\n").encode())
        self.proc.stdin.flush()  # stdin stays open: its EOF tells the job that we died
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._buffer = b""
        self.eof = False
        self.result: dict[str, Any] | None = None
        self.result_at: float | None = None
        self.stage: str | None = None
        self.stop_sent_at: float | None = None
        self.killed = False

    def fileno(self) -> int:
        assert self.proc.stdout is not None
        return self.proc.stdout.fileno()

    def read_events(self) -> list[dict[str, Any]]:
        """Events available now (non-blocking); records the final result."""
        assert self.proc.stdout is not None
        chunks = []
        while True:
            try:
                chunk = os.read(self.fileno(), 65536)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self.eof = True
                break
            chunks.append(chunk)
        self._buffer += b"".join(chunks)
        *lines, self._buffer = self._buffer.split(b"\n")
        if self.eof and self._buffer:
            lines.append(self._buffer)
            self._buffer = b""
        events = []
        for raw in lines:
            text = raw.decode("utf-8", "replace")
            if not text.startswith(EVENT_PREFIX):
                if text.strip():
                    self._log.write(raw + b"\n")
                continue
            try:
                message = json.loads(text[len(EVENT_PREFIX):])
            except ValueError:
                continue
            if message.get("kind") == "result":
                self.result = message
                self.result_at = time.monotonic()
            else:
                if message.get("event") == "stage_start":
                    self.stage = message.get("stage")
                events.append(message)
        return events

    def done(self) -> bool:
        return self.eof and self.proc.poll() is not None

    def stop(self) -> None:
        """Ask the job to stop: it kills its ffmpeg children and deletes its temporary files."""
        if self.stop_sent_at is None:
            self.stop_sent_at = time.monotonic()  # noted even when the job has just ended: its end raced the stop
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, OSError):
                    self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """Kill the job and everything it started, now."""
        self.killed = True
        self._kill_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)

    def _kill_group(self, sig: int) -> None:
        if os.name == "posix":
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                os.killpg(self.proc.pid, sig)
        else:  # pragma: no cover
            with contextlib.suppress(OSError):
                self.proc.kill()

    def overdue(self, grace_s: float) -> bool:
        return self.stop_sent_at is not None and time.monotonic() - self.stop_sent_at > grace_s and self.proc.poll() is None

    def finish(self) -> dict[str, Any]:
        """After exit: reap stragglers of the job's process group and build its outcome."""
        code = self.proc.wait()
        self._kill_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        with contextlib.suppress(OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        with contextlib.suppress(OSError):
            assert self.proc.stdout is not None
            self.proc.stdout.close()
        self._log.close()
        seconds = round(time.perf_counter() - self.started, 3)
        result = job_result(self.result, code=code, stage=self.stage, stop_sent_at=self.stop_sent_at,
                            result_at=self.result_at, killed=self.killed, log_path=self.log_path)
        result.setdefault("stages", [])
        result["seconds"] = seconds
        result["exit_code"] = code
        result["log"] = str(self.log_path)
        result["node"] = socket.gethostname()
        return result


def job_result(result: dict[str, Any] | None, *, code: int, stage: str | None, stop_sent_at: float | None,
               result_at: float | None, killed: bool, log_path: Path) -> dict[str, Any]:
    """What became of a job process, from its result message (if any) and how it ended.

    A job the batch asked to stop is "interrupted" when it ends without a result, and also when
    its result says "failed" but came after the stop: a stage cut short by the signal (an encoder
    or decoder killed mid-way) fails in ways of its own, and the stop, not the recording, is the
    cause. If the recording itself was bad, the next run says so."""
    result = dict(result or {})
    stopped = stop_sent_at is not None
    if not result:
        if stopped:
            result = {"status": "interrupted", "error": "stopped" + (" (killed after the grace period)" if killed else "")}
        else:
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            result = {"status": "failed", "error": f"job process died ({how}) without a result; see {log_path}"}
        result["stage"] = stage
    elif result.get("status") == "failed" and stopped and (result_at is None or result_at >= stop_sent_at):
        result = {**result, "status": "interrupted", "error": f"stopped (while stopping, the job reported: {result.get('error')})"}
    return result
