"""Is a job finished? The pipeline's own cache decides, so resume has one definition of done."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from .jobs import Job

if TYPE_CHECKING:
    from ..models import Manifest

log = logging.getLogger(__name__)


class _NotCurrent(Exception):
    pass


def finished_manifest(job: Job) -> Manifest | None:
    """The job's manifest when its output is whole and current, else None.

    Runs the pipeline against the cache without computing anything: every stage must be served
    from ``<out>/work`` with the cache key today's inputs and preset give, and its outputs
    (reels, thumbnails, captions, manifest, report) must be on disk. The same check the
    pipeline does to skip a stage, so resume has one definition of "done".
    """
    if job.problem or job.orders is None or job.catalog is None:
        return None
    if not (job.out / "manifest.json").is_file() or not (job.out / "work").is_dir():
        return None
    from ..pipeline import Hooks, Pipeline

    def refuse(stage: str) -> None:
        raise _NotCurrent(stage)

    try:
        request = _run_request(job.spec(None))
        manifest = Pipeline(request, hooks=Hooks(on_miss=refuse)).run().manifest
    except Exception:  # noqa: BLE001 - anything that stops the check means "not finished": run the job
        return None
    if manifest is None:
        return None
    try:
        on_disk = json.loads((job.out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if len(on_disk.get("reels", [])) != len(manifest.reels):
        return None
    return manifest


def _run_request(spec: dict[str, Any]):  # noqa: ANN202 - RunRequest
    from ..pipeline import build_request

    return build_request(video=spec.get("video"), orders=spec.get("orders"), catalog=spec.get("catalog"), preset=spec["preset"],
                         overrides=spec.get("overrides", []), out_dir=spec["out"], stream_start=spec.get("stream_start"))
