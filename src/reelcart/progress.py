"""Progress displays.

* Long work in seconds of audio (transcription): a tqdm bar on a terminal, plain periodic lines
  elsewhere (CI logs, cron, pipes), nothing when switched off::

      with audio_progress(total_s, "transcribe") as report:
          report(done_s)        # absolute seconds of audio done so far

* A batch: a terminal display, plain lines, or JSON lines for schedulers. Every reporter receives
  the same events (dicts with at least ``job``, ``stage``, ``event`` and ``seconds``; see
  ``batch.Batch.emit``): ``batch_start``, ``job_start``, ``stage_start``, ``stage_end`` (``status``
  ran/cached), ``job_end`` (``status`` done/skipped/failed/interrupted/not run, ``reels``,
  ``error``), ``batch_end``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO, Any, TextIO

from .text import format_duration



class JsonLinesReporter:
    """One JSON object per line, flushed at once (for log collectors and schedulers)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def handle(self, event: dict[str, Any]) -> None:
        self.stream.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
        self.stream.flush()

    def tick(self) -> None:
        pass

    def close(self) -> None:
        pass


def _job_line(event: dict[str, Any]) -> str:
    status = event.get("status")
    job = event.get("job")
    took = f"{event.get('seconds', 0.0):.1f} s"
    if status == "done":
        return f"{job}: done, {event.get('reels')} reel(s) in {took}"
    if status == "skipped":
        return f"{job}: skipped, finished earlier ({event.get('reels')} reel(s))"
    if status == "failed":
        stage = f" in {event['stage']}" if event.get("stage") else ""
        return f"{job}: FAILED{stage} after {took}: {event.get('error')}"
    if status == "not run":
        return f"{job}: not run (batch stopped)"
    return f"{job}: {status} after {took}" + (f" ({event['error']})" if event.get("error") else "")


class PlainReporter:
    """Readable lines without cursor tricks (a log file, a pipe, CI)."""

    def __init__(self, stream: IO[str], *, stages: bool = True) -> None:
        self.stream = stream
        self.stages = stages
        self.total = 0
        self.finished = 0

    def _say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def handle(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "batch_start":
            self.total = event.get("jobs", 0)
            self._say(
                f"batch: {self.total} job(s), {event.get('skipped', 0)} finished earlier; {event.get('to_run', 0)} to run "
                f"({event.get('executor')}, {event.get('workers') or 'all'} at once, {event.get('threads_per_job')} thread(s) each)"
            )
        elif kind == "job_start":
            self._say(f"{event['job']}: started")
        elif kind == "stage_end" and self.stages:
            note = "cached" if event.get("status") == "cached" else f"done in {event.get('seconds', 0.0):.1f} s"
            self._say(f"{event['job']}: {event['stage']} {note}")
        elif kind == "job_end":
            self.finished += 1
            self._say(f"[{self.finished}/{self.total}] {_job_line(event)}")

    def tick(self) -> None:
        pass

    def close(self) -> None:
        pass


class TerminalReporter:
    """One overall bar for the batch plus one line per running job with its current stage."""

    def __init__(self, stream: IO[str]) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.stream = stream
        self.overall: Any = None
        self.bars: dict[str, Any] = {}
        self.slots: dict[str, int] = {}
        self.stage: dict[str, tuple[str, float]] = {}
        self.counts: dict[str, int] = {}
        self._last_tick = 0.0

    def _write(self, text: str) -> None:
        self._tqdm.write(text, file=self.stream)

    def _free_slot(self) -> int:
        used = set(self.slots.values())
        slot = 1
        while slot in used:
            slot += 1
        return slot

    def _summary(self) -> str:
        return ", ".join(f"{n} {k}" for k, n in self.counts.items() if n)

    def handle(self, event: dict[str, Any]) -> None:
        from .pipeline.stages import stage_names  # late: the stages import this module

        kind = event["event"]
        job = event.get("job")
        if kind == "batch_start":
            self.overall = self._tqdm(
                total=event.get("jobs", 0), desc="batch", unit="job", position=0, file=self.stream, dynamic_ncols=True,
                bar_format="{desc} {bar:30} {n_fmt}/{total_fmt} jobs [{elapsed}<{remaining}]{postfix}",
                initial=event.get("skipped", 0),  # finished earlier: counted, but not in the rate
            )
            self.overall.set_postfix_str(f"{event.get('executor')}: {event.get('workers') or 'all'} at once", refresh=True)
        elif kind == "job_start" and job:
            slot = self._free_slot()
            self.slots[job] = slot
            self.bars[job] = self._tqdm(
                total=len(stage_names()), desc=f"  {job[:28]:<28}", position=slot, leave=False, file=self.stream,
                dynamic_ncols=True, bar_format="{desc} {bar:12} {n_fmt}/{total_fmt}{postfix}",
            )
        elif kind == "stage_start" and job in self.bars:
            self.stage[job] = (event.get("stage") or "", time.monotonic())
            if event.get("stage") == "clock":  # the optional stage runs: one more step for this job
                self.bars[job].total = len(stage_names(clock=True))
            self.bars[job].set_postfix_str(event.get("stage") or "", refresh=True)
        elif kind == "stage_end" and job in self.bars:
            self.bars[job].update(1)
        elif kind == "job_end" and job:
            bar = self.bars.pop(job, None)
            self.slots.pop(job, None)
            self.stage.pop(job, None)
            if bar is not None:
                bar.close()
            status = event.get("status") or "?"
            self.counts[status] = self.counts.get(status, 0) + 1
            mark = {"done": "✓", "skipped": "=", "failed": "✗"}.get(status, "·")
            self._write(f"{mark} {_job_line(event)}")
            if self.overall is not None:
                if status != "skipped":  # already counted by ``initial``
                    self.overall.update(1)
                self.overall.set_postfix_str(self._summary(), refresh=True)
        elif kind == "batch_end":
            self.close()

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last_tick < 1.0:
            return
        self._last_tick = now
        for job, (stage, since) in self.stage.items():
            bar = self.bars.get(job)
            if bar is not None:
                bar.set_postfix_str(f"{stage} {now - since:.0f}s", refresh=True)
        if self.overall is not None:
            self.overall.refresh()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()
        if self.overall is not None:
            self.overall.close()
            self.overall = None


def make_reporter(log_format: str, *, stdout: IO[str], stderr: IO[str], progress: bool | None = None) -> Any:
    """JSON lines on stdout for ``json``; for ``text``, the live display when stderr is a terminal
    (or ``progress`` forces it), readable lines otherwise."""
    if log_format == "json":
        return JsonLinesReporter(stdout)
    live = stderr.isatty() if progress is None else progress
    return TerminalReporter(stderr) if live else PlainReporter(stderr)


# ---------------------------------------------------------------- audio progress

ProgressFn = Callable[[float], None]
ENV_PROGRESS = "REELCART_PROGRESS"  # "bar", "lines" or "off"; default: bar on a terminal, else lines


class LineProgress:
    """One plain line every ``interval_s`` of wall time (and at the end)."""

    def __init__(self, total_s: float, label: str, stream: TextIO, interval_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.total_s, self.label, self.stream, self.interval_s, self.clock = total_s, label, stream, interval_s, clock
        self.started = clock()
        self.last_line = self.started
        self.done_s = 0.0

    def line(self, done_s: float) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        speed = done_s / elapsed
        pct = 100.0 * done_s / self.total_s if self.total_s > 0 else 100.0
        left = (self.total_s - done_s) / speed if speed > 0 else float("nan")
        eta = f", about {format_duration(left, 'words')} left" if speed > 0 and done_s < self.total_s else ""
        return f"{self.label}: {done_s:.0f}/{self.total_s:.0f} s of audio ({pct:.0f} %), {speed:.1f}x real time{eta}"

    def __call__(self, done_s: float) -> None:
        self.done_s = min(max(done_s, self.done_s), self.total_s) if self.total_s > 0 else done_s
        now = self.clock()
        if now - self.last_line >= self.interval_s:
            self.last_line = now
            print(self.line(self.done_s), file=self.stream, flush=True)

    def close(self) -> None:
        print(self.line(self.done_s), file=self.stream, flush=True)


class BarProgress:
    """A tqdm bar: audio seconds done, speed (x real time), time left."""

    def __init__(self, total_s: float, label: str, stream: TextIO) -> None:
        from tqdm import tqdm

        size = shutil.get_terminal_size((100, 24))
        self.bar = tqdm(
            total=round(total_s, 1), desc=label, unit="s", file=stream, leave=True,
            # a pseudo-terminal of size 0x0 (script, some CI runners) makes tqdm hide the bar
            ncols=max(60, min(size.columns, 120)), nrows=max(size.lines, 2),
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s audio [{elapsed}<{remaining}{postfix}]",
            postfix="starting",
        )
        self.started = time.monotonic()
        self.done_s = 0.0

    def __call__(self, done_s: float) -> None:
        done_s = min(max(done_s, self.done_s), float(self.bar.total))
        if done_s > self.done_s:
            speed = done_s / max(time.monotonic() - self.started, 1e-9)
            self.bar.set_postfix_str(f"{speed:.1f}x real time", refresh=False)
            self.bar.update(round(done_s - self.done_s, 3))
            self.done_s = done_s

    def close(self) -> None:
        self.bar.close()


@contextlib.contextmanager
def audio_progress(total_s: float, label: str, *, mode: str | None = None, stream: TextIO | None = None,
                   interval_s: float = 30.0) -> Iterator[ProgressFn]:
    """Yield a ``report(done_s)`` callable. ``mode``: bar, lines, off (default from
    ``$REELCART_PROGRESS``, else bar on a terminal and lines otherwise)."""
    stream = stream or sys.stderr
    mode = mode or os.environ.get(ENV_PROGRESS, "").strip().lower() or ("bar" if _is_tty(stream) else "lines")
    if mode == "off" or total_s <= 0:
        yield lambda done_s: None
        return
    reporter: LineProgress | BarProgress = BarProgress(total_s, label, stream) if mode == "bar" else LineProgress(total_s, label, stream, interval_s)
    try:
        yield reporter
    finally:
        reporter.close()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
