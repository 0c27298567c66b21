"""Stage artifacts, their cache keys and the hooks around each stage.

Each stage's artifact is saved as ``<out>/work/<stage>.json`` inside an envelope that records its
cache key: stage name + stage version + the preset sections it reads + the keys of the stages it
reads + the identity of its input files. A run reuses every artifact whose key still matches (and
whose output files still exist), so a repeated run is served from the cache and a changed preset
field re-runs only the stages that read it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from ..artifacts import read_envelope, stable_hash, write_json_atomic
from .request import StageRecord

T = TypeVar("T", bound=BaseModel)


@dataclass
class Hooks:
    """Calls around every stage. ``on_start`` runs before the cache is looked at, ``on_miss`` just
    before a stage computes (it may raise to stop the run: the resume check does), ``on_end`` with
    the stage's record (ran or cached, and how long it took), ``on_step`` as a stage gets through its
    parts (the render stage: before and after each reel)."""

    on_start: Callable[[str], None] | None = None
    on_miss: Callable[[str], None] | None = None
    on_end: Callable[[StageRecord], None] | None = None
    on_step: Callable[[str, int, int, str], None] | None = None  # (stage, done, total, detail): progress inside a stage

    def step(self, stage: str, done: int, total: int, detail: str) -> None:
        if self.on_step is not None:
            self.on_step(stage, done, total, detail)


class StageCache:
    def __init__(self, work_dir: Path, hooks: Hooks) -> None:
        self.work_dir = work_dir
        self.hooks = hooks
        self.records: list[StageRecord] = []
        self.keys: dict[str, str] = {}

    def cached(
        self,
        stage: str,
        version: int,
        key_parts: dict[str, Any],
        model_type: type[T],
        compute: Callable[[], T],
        outputs: Callable[[T], list[Path]] | None = None,
    ) -> T:
        if self.hooks.on_start:
            self.hooks.on_start(stage)
        key = stable_hash(stage, version, key_parts)
        path = self.work_dir / f"{stage}.json"
        started = time.perf_counter()
        artifact = load_artifact(path, key, model_type)
        if artifact is not None and (outputs is None or all(p.is_file() and p.stat().st_size > 0 for p in outputs(artifact))):
            status = "cached"
        else:
            if self.hooks.on_miss:
                self.hooks.on_miss(stage)
            artifact = compute()
            envelope = {
                "stage": stage,
                "stage_version": version,
                "cache_key": key,
                "created": datetime.now().astimezone().isoformat(timespec="seconds"),
                "seconds": round(time.perf_counter() - started, 3),
                "artifact": json.loads(artifact.model_dump_json()),
            }
            write_json_atomic(path, envelope)
            status = "ran"
        self.keys[stage] = key
        record = StageRecord(stage, status, round(time.perf_counter() - started, 3))
        self.records.append(record)
        if self.hooks.on_end:
            self.hooks.on_end(record)
        return artifact


def load_artifact(path: Path, key: str, model_type: type[T]) -> T | None:
    """The artifact saved at ``path`` when its envelope carries ``key``, else None."""
    found = read_envelope(path, model_type)
    if found is None or found[0] != key:
        return None  # missing, unreadable or outdated: recompute
    return found[1]
