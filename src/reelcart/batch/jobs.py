"""Jobs: one recording each, found in a folder or read from a jobs file (YAML or CSV)."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal


from ..config import load_preset, parse_set_option
from ..errors import ConfigError, InputError, yaml_item_lines
from ..inputs.tabular import parse_yaml

log = logging.getLogger(__name__)


REPORT_FILE = "batch-report.json"
JOB_LOG = "batch.log"
EVENT_PREFIX = "@@reelcart-event "
VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".ts", ".flv", ".avi")
ORDER_EXTENSIONS = (".csv", ".json", ".jsonl")
CATALOG_EXTENSIONS = (".csv", ".json", ".yaml", ".yml")
JOB_FIELDS = ("name", "video", "orders", "catalog", "preset", "out", "stream_start", "set")
STOP_GRACE_S = 10.0

JobStatus = Literal["pending", "running", "done", "skipped", "failed", "interrupted", "not run"]


@dataclass
class Job:
    """One recording to process. Paths are absolute."""

    name: str
    video: Path
    orders: Path | None
    catalog: Path | None
    out: Path
    preset: str = "default"
    overrides: list[dict[str, Any]] = field(default_factory=list)
    stream_start: str | None = None
    where: str = ""  # "entry 3 (line 12)" of a jobs file, or the recording's file name in a folder
    problem: str | None = None  # known before running: the job fails with this message
    out_from_name: bool = True  # the output folder is named after the job (no 'out' of its own)

    def spec(self, threads: int | None) -> dict[str, Any]:
        """What the job process needs (JSON-able)."""
        return {
            "name": self.name, "video": str(self.video), "orders": str(self.orders) if self.orders else None,
            "catalog": str(self.catalog) if self.catalog else None, "out": str(self.out), "preset": self.preset,
            "overrides": self.overrides, "stream_start": self.stream_start, "threads": threads, "problem": self.problem,
        }


def _entry_error(source: Path, where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}" if where else message, path=source)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _resolve_path(raw: str, base: Path, *, what: str, source: Path, where: str, allow_outside: bool) -> Path:
    if not raw.strip():
        raise _entry_error(source, where, f"'{what}' is empty")
    path = Path(raw.strip()).expanduser()
    path = Path(os.path.abspath(path if path.is_absolute() else base / path))
    if not allow_outside and not _inside(path, base):
        raise _entry_error(
            source, where, f"{what} {raw!r} points outside {base} (pass --allow-outside to allow entries outside the jobs file's folder)"
        )
    return path


_NAME = re.compile(r"^[^\\/\x00-\x1f]+$")


def _check_name(name: str, source: Path, where: str) -> str:
    name = name.strip()
    if not name or not _NAME.match(name) or name.startswith(".") or name in ("..",):
        raise _entry_error(source, where, f"job name {name!r} cannot be a folder name (no slashes, no leading dot)")
    return name


def _parse_stream_start(value: Any, source: Path, where: str) -> str | None:
    from ..pipeline.request import parse_stream_start

    try:
        moment = parse_stream_start(value)
    except ValueError as exc:
        raise _entry_error(source, where, f"stream_start {exc}") from None
    return moment.isoformat() if moment else None


def _set_layers(value: Any, source: Path, where: str) -> list[dict[str, Any]]:
    """A job's ``set``: a mapping (``transcribe.language: vi`` or nested), a list of
    ``section.field=value`` strings, or (CSV) such strings separated by ``;``."""
    if value is None or value == "":
        return []
    try:
        if isinstance(value, str):
            return [parse_set_option(item.strip()) for item in value.split(";") if item.strip()]
        if isinstance(value, list):
            if not all(isinstance(item, str) for item in value):
                raise ConfigError("'set' list items must be section.field=value strings")
            return [parse_set_option(item) for item in value]
        if isinstance(value, dict):
            layers = []
            for key, item in value.items():
                parts = [p for p in str(key).split(".") if p]
                if not parts:
                    raise ConfigError(f"'set' has an empty field name {key!r}")
                layer: Any = item
                for part in reversed(parts):
                    layer = {part: layer}
                layers.append(layer)
            return layers
    except ConfigError as exc:
        raise _entry_error(source, where, str(exc)) from exc
    raise _entry_error(source, where, f"'set' must be a mapping or a list, not {type(value).__name__}")


def _shared_catalog(folder: Path) -> Path | None:
    for ext in CATALOG_EXTENSIONS:
        candidate = folder / f"catalog{ext}"
        if candidate.is_file():
            return candidate
    return None


def _preset_ref(value: str, base: Path, source: Path, where: str, allow_outside: bool) -> str:
    """A preset name stays a name; anything that looks like a file resolves against the jobs file."""
    value = value.strip()
    if value.endswith((".yaml", ".yml")) or "/" in value or os.sep in value:
        return str(_resolve_path(value, base, what="preset", source=source, where=where, allow_outside=allow_outside))
    return value


@dataclass
class DiscoverOptions:
    out_root: Path
    preset: str = "default"
    overrides: list[dict[str, Any]] = field(default_factory=list)  # command-line --set layers: win over the jobs file
    allow_outside: bool = False


def discover_jobs(source: Path, options: DiscoverOptions) -> list[Job]:
    """Jobs from a folder (naming rule) or a jobs file (YAML or CSV).

    Raises ``InputError``/``ConfigError`` (one line naming the file and entry) when the folder or
    file cannot be turned into jobs; problems of a single recording (a missing order log, a
    missing file) fail that job only, when it runs.
    """
    source = Path(source)
    if not source.exists():
        raise InputError("jobs folder or file not found", path=source)
    if source.is_dir():
        jobs = _jobs_from_folder(source, options)
    else:
        suffix = source.suffix.lower()
        if suffix in (".yaml", ".yml", ".json"):
            raw = _entries_from_yaml(source)
        elif suffix in (".csv", ".tsv", ".txt"):
            raw = _entries_from_csv(source)
        else:
            raise InputError("a jobs file must be YAML (.yaml, .yml) or CSV (.csv)", path=source)
        jobs = [_job_from_entry(entry, defaults, where, source, options) for where, entry, defaults in raw]
    _check_unique(jobs, source)
    for job in jobs:  # validate each job's preset before anything runs
        try:
            load_preset(job.preset, job.overrides)
        except ConfigError as exc:
            detail = str(exc).replace("command-line option field", "'set' field", 1)
            raise ConfigError(f"{job.where}: {detail}", path=source) from exc
        job.overrides = [*job.overrides, *options.overrides]
        try:
            load_preset(job.preset, job.overrides)
        except ConfigError as exc:
            raise ConfigError(f"{job.where}: {exc}", path=source) from exc
    return jobs


def _check_unique(jobs: list[Job], source: Path) -> None:
    """A name must be unique where it decides a folder; jobs with an 'out' of their own may share one
    (the second is reported as ``name-2``, so events and the report still tell the jobs apart)."""
    names: dict[str, Job] = {}
    outs: dict[Path, Job] = {}
    for job in jobs:
        if job.out_from_name:
            if job.name in names:
                raise InputError(f"{names[job.name].where} and {job.where} are both named {job.name!r}; give one a different 'name'",
                                 path=source)
            names[job.name] = job
        key = job.out.resolve()
        if key in outs:
            raise InputError(f"{outs[key].where} and {job.where} both write to {job.out}; give one a different 'out'", path=source)
        outs[key] = job
    taken = set(names)
    for job in jobs:
        if not job.out_from_name:
            base, n = job.name, 2
            while job.name in taken:
                job.name, n = f"{base}-{n}", n + 1
            taken.add(job.name)


def _jobs_from_folder(folder: Path, options: DiscoverOptions) -> list[Job]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    videos = [p for p in files if p.suffix.lower() in VIDEO_EXTENSIONS]
    if not videos:
        exts = ", ".join(VIDEO_EXTENSIONS)
        raise InputError(f"no recordings found (expected NAME{{{exts}}} with NAME.orders.csv beside each)", path=folder)
    shared = _shared_catalog(folder)
    jobs: list[Job] = []
    stems: dict[str, Path] = {}
    for video in videos:
        name = video.stem
        where = video.name
        if name in stems:
            raise InputError(f"{stems[name].name} and {video.name} share the name {name!r}; rename one", path=folder)
        stems[name] = video
        orders = next((folder / f"{name}.orders{ext}" for ext in ORDER_EXTENSIONS if (folder / f"{name}.orders{ext}").is_file()), None)
        catalog = next((folder / f"{name}.catalog{ext}" for ext in CATALOG_EXTENSIONS if (folder / f"{name}.catalog{ext}").is_file()), shared)
        preset = next((str(folder / f"{name}.preset{ext}") for ext in (".yaml", ".yml") if (folder / f"{name}.preset{ext}").is_file()), options.preset)
        problem = None
        if orders is None:
            problem = f"no order log: expected {name}.orders.csv (or .json, .jsonl) beside {video.name}"
        elif catalog is None:
            problem = f"no catalog: expected {name}.catalog.csv or a shared catalog.csv in {folder}"
        for path in (video, orders, catalog):
            if path is not None and not options.allow_outside and not _inside(path, folder):
                raise InputError(f"{path.name} points outside the folder (a link?); pass --allow-outside to allow it", path=folder)
        jobs.append(Job(name=name, video=video.absolute(), orders=orders.absolute() if orders else None,
                        catalog=catalog.absolute() if catalog else None, out=(options.out_root / name).absolute(),
                        preset=preset, where=where, problem=problem))
    known = set(stems)
    for path in files:
        match = re.match(r"^(.*)\.(orders|catalog|preset)\.[^.]+$", path.name)
        if match and match.group(1) not in known:
            log.warning("%s: no recording named %s.* in %s; file ignored", path.name, match.group(1), folder)
    return jobs


def _entries_from_yaml(path: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read jobs file: {exc}", path=path) from exc
    data = parse_yaml(text, path)
    defaults: dict[str, Any] = {}
    items_at: tuple[str, ...] = ()
    if isinstance(data, dict):
        items_at = ("jobs",)
        unknown = set(data) - {"jobs", "defaults"}
        if unknown:
            raise InputError(f"unknown top-level key {sorted(unknown)[0]!r} (expected 'jobs' and optional 'defaults')", path=path)
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise InputError("'defaults' must be a mapping of job fields", path=path)
        bad = set(defaults) - (set(JOB_FIELDS) - {"name", "video", "out"})
        if bad:
            raise InputError(f"defaults: unknown or per-job field {sorted(bad)[0]!r}", path=path)
        data = data.get("jobs")
    if data is None:
        raise InputError("no jobs (expected a list of entries, or 'jobs:' with a list)", path=path)
    if not isinstance(data, list):
        raise InputError("expected a list of job entries (or 'jobs:' with a list)", path=path)
    if not data:
        raise InputError("the jobs list is empty", path=path)
    lines = yaml_item_lines(text, items_at)
    entries = []
    for index, item in enumerate(data, start=1):
        where = f"entry {index}" + (f" (line {lines[index - 1]})" if index - 1 < len(lines) else "")
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected a mapping with video, orders, catalog, ..., got {type(item).__name__}", path=path)
        entries.append((where, item, defaults))
    return entries


def _entries_from_csv(path: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    from ..inputs.tabular import read_rows

    entries = []
    for line, row in read_rows(path):
        first = next(iter(row.values()), "")
        if first.startswith("#"):
            continue
        entries.append((f"line {line}", {k.replace(" ", "_"): v for k, v in row.items()}, {}))
    if not entries:
        raise InputError("no job rows below the header", path=path)
    return entries


def _field_name(key: Any) -> str:
    return str(key).strip().lower().replace(" ", "_").replace("-", "_")


def _job_from_entry(item: dict[str, Any], defaults: dict[str, Any], where: str, source: Path, options: DiscoverOptions) -> Job:
    base = source.parent.absolute()
    unknown = [k for k in item if _field_name(k) not in JOB_FIELDS]
    if unknown:
        raise _entry_error(source, where, f"unknown field {str(unknown[0])!r} (expected: {', '.join(JOB_FIELDS)})")
    item = {_field_name(k): v for k, v in item.items()}
    defaults = {_field_name(k): v for k, v in defaults.items()}
    entry = {**defaults, **item}
    for key in ("name", "video", "orders", "catalog", "preset", "out"):
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            raise _entry_error(source, where, f"'{key}' must be text, not {type(value).__name__}")
    for key in ("video", "orders"):
        if not (entry.get(key) or "").strip():
            raise _entry_error(source, where, f"'{key}' is missing")

    def resolve(key: str) -> Path:
        return _resolve_path(entry[key], base, what=key, source=source, where=where, allow_outside=options.allow_outside)

    video = resolve("video")
    orders = resolve("orders")
    if (entry.get("catalog") or "").strip():
        catalog = resolve("catalog")
    else:
        catalog = _shared_catalog(base)
        if catalog is None:
            raise _entry_error(source, where, "'catalog' is missing (and there is no shared catalog.csv beside the jobs file)")
    name = _check_name(entry.get("name") or video.stem, source, where)
    out = resolve("out") if (entry.get("out") or "").strip() else (options.out_root / name).absolute()
    preset = _preset_ref(entry["preset"], base, source, where, options.allow_outside) if (entry.get("preset") or "").strip() else options.preset
    return Job(
        name=name, video=video, orders=orders, catalog=catalog, out=out, preset=preset,
        overrides=[*_set_layers(defaults.get("set"), source, "defaults"), *_set_layers(item.get("set"), source, where)],
        stream_start=_parse_stream_start(entry.get("stream_start"), source, where),
        where=where, out_from_name=not (entry.get("out") or "").strip(),
    )
