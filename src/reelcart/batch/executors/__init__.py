"""Executors: where a batch's jobs run, behind one interface and a registry.

An executor owns its defaults (how many jobs at once, threads per job) and runs a list of jobs
for a ``Batch``, reporting each job's events and end through ``batch.job_event``/``batch.job_end``.
``local`` runs job processes on this machine; ``ray`` runs each job as a task on a Ray cluster.
A new executor is a module here with a class that follows ``Executor``, added to ``EXECUTORS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

from ...errors import ConfigError
from .local import LocalExecutor
from .ray import RayExecutor

if TYPE_CHECKING:
    from ..jobs import Job
    from ..runner import Batch


class Executor(Protocol):
    name: ClassVar[str]

    def __init__(self, batch: Batch) -> None: ...

    @staticmethod
    def defaults(workers: int | None, threads_per_job: int | None, cores: int) -> tuple[int, int]:
        """(jobs at once, 0 for as many as the executor can place; threads per job)."""
        ...

    def run(self, jobs: list[Job]) -> None: ...


EXECUTORS: dict[str, type[Executor]] = {cls.name: cls for cls in (LocalExecutor, RayExecutor)}


def executor_names() -> tuple[str, ...]:
    return tuple(EXECUTORS)


def get_executor(name: str) -> type[Executor]:
    try:
        return EXECUTORS[name]
    except KeyError:
        raise ConfigError(f"unknown executor {name!r}: choose {', '.join(EXECUTORS)}") from None
