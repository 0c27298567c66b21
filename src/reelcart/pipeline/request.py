"""What a run is asked to do and what it reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..config import Preset
from ..models import Manifest, MomentPlan


@dataclass
class RunRequest:
    video: Path
    orders: Path
    catalog: Path
    preset: Preset
    out_dir: Path
    stream_start: datetime | None = None
    plan: MomentPlan | None = None  # an editor's plan replaces the moment finder
    plan_file: Path | None = None  # where the editor's plan came from (named in errors)
    preset_ref: str | None = None  # the preset name or file, recorded in plan.json


@dataclass
class StageRecord:
    stage: str
    status: str  # "ran" or "cached"
    seconds: float


@dataclass
class RunResult:
    out_dir: Path
    manifest: Manifest | None
    plan: MomentPlan
    stages: list[StageRecord] = field(default_factory=list)
