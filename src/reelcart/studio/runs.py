"""The runs a studio serves and what it reads of each: plan.json, the stage artifacts in work/,
the catalog and preset the plan names, the manifest. Folders and files are named by the served
folder only; nothing outside it is opened except the recording and the input files the run was
made from (recorded in plan.json and the probe artifact)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..artifacts import MANIFEST_FILE
from ..config import Preset, load_preset
from ..errors import InputError
from ..inputs.catalog import load_catalog
from ..models import (
    Catalog,
    Manifest,
    MediaInfo,
    MomentPlan,
    SpikeReport,
    Transcript,
    Word,
)
from ..pipeline import PLAN_FILE, WORK_DIRNAME
from ..stages.moments import load_plan

T = TypeVar("T", bound=BaseModel)
STUDIO_DIRNAME = "studio"  # inside work/: the edit log and the plans handed to render jobs
MAX_DEPTH = 3


def run_id(root: Path, folder: Path) -> str:
    """A URL-safe id for a run folder: its name, and a short hash of its place under the root."""
    rel = folder.relative_to(root).as_posix() if folder != root else "."
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", folder.name).strip("-")[:40] or "run"
    return f"{slug}-{hashlib.sha256(rel.encode()).hexdigest()[:6]}"


def find_runs(root: Path) -> dict[str, Path]:
    """Run folders (folders holding plan.json) at or under ``root`` (a run or a batch's output)."""
    root = root.resolve()
    found: dict[str, Path] = {}

    def walk(folder: Path, depth: int) -> None:
        if (folder / PLAN_FILE).is_file():
            found[run_id(root, folder)] = folder
            return
        if depth >= MAX_DEPTH:
            return
        try:
            children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and not p.is_symlink())
        except OSError:
            return
        for child in children:
            if child.name != WORK_DIRNAME:
                walk(child, depth + 1)

    walk(root, 0)
    return found


def read_artifact(work_dir: Path, stage: str, model_type: type[T]) -> T | None:
    """The artifact a stage saved in the work folder (whatever its cache key), or None."""
    path = work_dir / f"{stage}.json"
    try:
        envelope = json.loads(path.read_text(encoding="utf-8"))
        return model_type.model_validate(envelope["artifact"])
    except (OSError, ValueError, KeyError, TypeError, ValidationError):
        return None


def spike_artifact(work_dir: Path) -> SpikeReport | None:
    """The spikes the plan was made from: the clock stage's (offset applied) when it is the newer."""
    candidates = [p for p in (work_dir / "clock.json", work_dir / "spikes.json") if p.is_file()]
    for path in sorted(candidates, key=lambda p: p.stat().st_mtime_ns, reverse=True):
        report = read_artifact(work_dir, path.stem, SpikeReport)
        if report is not None:
            return report
    return None


def read_manifest(folder: Path) -> Manifest | None:
    try:
        return Manifest.model_validate_json((folder / MANIFEST_FILE).read_bytes())
    except (OSError, ValueError):
        return None


@dataclass
class RunContext:
    """What an edit, a preview or a render of one run needs, loaded from its folder."""

    folder: Path
    plan: MomentPlan
    info: MediaInfo
    transcript: Transcript
    catalog: Catalog
    preset: Preset
    spikes: SpikeReport | None

    @property
    def words(self) -> list[Word]:
        return [w for w in self.transcript.words() if w.text.strip()]

    @property
    def work_dir(self) -> Path:
        return self.folder / WORK_DIRNAME


def load_context(folder: Path) -> RunContext:
    """Everything of a run at once; a missing piece is one clear line naming the file."""
    plan = load_plan(folder / PLAN_FILE)
    work = folder / WORK_DIRNAME
    info = read_artifact(work, "probe", MediaInfo)
    if info is None:
        raise InputError("the run has no probe artifact (work/probe.json): run `reelcart moments` or `reelcart run` again",
                         path=folder)
    transcript = read_artifact(work, "transcribe", Transcript)
    if transcript is None:
        raise InputError("the run has no transcript (work/transcribe.json): run it again", path=folder)
    inputs = plan.inputs
    if inputs is None or not inputs.catalog:
        raise InputError("plan.json does not name its catalog (inputs.catalog)", path=folder / PLAN_FILE)
    catalog = load_catalog(Path(inputs.catalog))
    preset = load_preset(preset_ref(folder, plan), inputs.overrides)
    return RunContext(folder=folder, plan=plan, info=info, transcript=transcript, catalog=catalog, preset=preset,
                      spikes=spike_artifact(work))


def preset_ref(folder: Path, plan: MomentPlan) -> str:
    """The preset the run renders with: a relative file is relative to the run folder."""
    ref = (plan.inputs.preset if plan.inputs else None) or "default"
    if ref.endswith((".yaml", ".yml")) and not Path(ref).is_absolute():
        return str(folder / ref)
    return ref


def source_file(ctx: RunContext) -> Path:
    """The recording, when it is the one the run probed (same path and size): never another file."""
    path = Path(ctx.info.path)
    if not path.is_file() or path.stat().st_size != ctx.info.size_bytes:
        raise InputError("the recording has moved or changed since the run", path=path)
    return path
