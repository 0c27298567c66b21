"""How many CPU threads this process may use.

A single ``reelcart run`` uses the whole machine. A batch runs several recordings at once and
gives each one a share of the cores through ``REELCART_THREADS`` (set in the job's environment),
so that speech transcription (CTranslate2), x264 and OpenCV do not oversubscribe the machine.
The thread count never enters a cache key: it changes speed, not the result.
"""

from __future__ import annotations

import os

ENV_THREADS = "REELCART_THREADS"


def machine_cores() -> int:
    """Cores this process may run on (CPU affinity and cpusets respected where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def thread_budget() -> int | None:
    """Threads granted by ``REELCART_THREADS``, or None when unset (use every core)."""
    raw = os.environ.get(ENV_THREADS, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value > 0 else None


def cpu_threads() -> int:
    """Threads for a CPU-bound library call: the budget, else every core."""
    return thread_budget() or machine_cores()


def x264_thread_args() -> list[str]:
    """``-threads N`` for the x264 encoder when a budget is set; nothing otherwise (x264 picks)."""
    budget = thread_budget()
    return ["-threads", str(budget)] if budget else []
