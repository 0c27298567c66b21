"""Progress of long work, in seconds of audio: a tqdm bar on a terminal, plain periodic lines
elsewhere (CI logs, cron, pipes), nothing when switched off.

    with audio_progress(total_s, "transcribe") as report:
        report(done_s)        # absolute seconds of audio done so far
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

ProgressFn = Callable[[float], None]
ENV_PROGRESS = "REELCART_PROGRESS"  # "bar", "lines" or "off"; default: bar on a terminal, else lines


def _fmt_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


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
        eta = f", about {_fmt_duration(left)} left" if speed > 0 and done_s < self.total_s else ""
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
