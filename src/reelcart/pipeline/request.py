"""What a run is asked to do and what it reports back."""

from __future__ import annotations

from collections.abc import Sequence

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from typing import Any

from ..config import Preset, load_preset
from ..errors import InputError
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
    more_orders: tuple[Path, ...] = ()  # further files of the same order export (Taobao's ExportOrderDetailList)
    overrides: list[dict[str, Any]] = field(default_factory=list)  # the preset's command-line layers, recorded in plan.json
    write_plan: bool = True  # write <out>/plan.json (the studio renders its own copy of the plan and keeps plan.json)


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


def parse_stream_start(value: Any) -> datetime | None:
    """An ISO 8601 time with a UTC offset (``Z`` allowed), or None for nothing; ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):  # YAML parses unquoted timestamps
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time such as 2026-11-20T19:00:00+07:00") from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset (add +07:00, Z, …)")
    return moment


def build_request(*, video: str | Path | None, orders: str | Path | Sequence[str | Path] | None, catalog: str | Path | None,
                  preset: str, overrides: list[dict[str, Any]], out_dir: str | Path, stream_start: Any = None,
                  preset_ref: str | None = None) -> RunRequest:
    """The request of one run, for the CLI and for a batch's job: input files checked, preset loaded
    with its overrides (defaults < preset < overrides), stream start parsed. ``orders`` may be
    several files of one export (Taobao's ExportOrderList and ExportOrderDetailList)."""
    logs = [Path(p) for p in orders] if isinstance(orders, (tuple, list)) else ([orders] if orders else [None])
    for path, what in ((video, "recording"), *((log, "order log") for log in logs), (catalog, "catalog")):
        if not path or not Path(path).exists():
            raise InputError(f"{what} not found", path=path)
    try:
        start = parse_stream_start(stream_start)
    except ValueError as exc:
        raise InputError(f"stream start {exc}") from None
    return RunRequest(video=Path(video), orders=Path(logs[0]), catalog=Path(catalog), preset=load_preset(preset, overrides),
                      out_dir=Path(out_dir), stream_start=start, preset_ref=preset_ref, more_orders=tuple(Path(p) for p in logs[1:]),
                      overrides=list(overrides))
