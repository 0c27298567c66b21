"""Batches: many recordings in one command, resumable, with failures isolated per recording.

``reelcart batch JOBS`` takes a folder or a jobs file (YAML or CSV), turns it into jobs, skips the
jobs whose output is already whole and current, and runs the rest on an executor:

* ``local`` (default): up to ``--jobs`` recordings at once, each in its own process (its own
  session / process group, so a crash, a hang or a kill of one recording never touches another,
  and stopping a job also stops its ffmpeg children);
* ``ray``: each recording is a task on a Ray cluster (``pip install "reelcart[ray]"``); the task
  starts the same job process on whichever node Ray picks.

Resume uses the pipeline's own cache: a job is finished when every stage up to ``package`` is
served from ``<out>/work`` with a current cache key and its outputs on disk, so a second run of
the same batch skips finished jobs and, inside an unfinished job, finished stages. All files are
written atomically (``artifacts.atomic_path``) and a stopped job deletes its half-written
temporary files, so a killed batch never leaves output that looks complete but is not.

The job process speaks to its parent through stdout lines that start with ``EVENT_PREFIX``
followed by one JSON object; everything else it prints goes to ``<out>/work/batch.log``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .. import __version__
from ..artifacts import folder_lock, remove_stale_partials, write_model_atomic
from ..config import load_preset, parse_set_option
from ..errors import ConfigError, InputError, ReelcartError
from ..resources import ENV_THREADS, machine_cores
from ..inputs.tabular import parse_yaml

if TYPE_CHECKING:
    from ..models import Manifest

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


# ===================================================================== jobs


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
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):  # YAML parses unquoted timestamps
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise _entry_error(source, where, f"stream_start {value!r} is not an ISO 8601 time such as 2026-11-20T19:00:00+07:00") from None
    if moment.tzinfo is None:
        raise _entry_error(source, where, f"stream_start {value!r} has no UTC offset (add +07:00, Z, ...)")
    return moment.isoformat()


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
    names: dict[str, Job] = {}
    outs: dict[Path, Job] = {}
    for job in jobs:
        if job.name in names:
            raise InputError(f"{names[job.name].where} and {job.where} are both named {job.name!r}; give one a different 'name'", path=source)
        names[job.name] = job
        key = job.out.resolve()
        if key in outs:
            raise InputError(f"{outs[key].where} and {job.where} both write to {job.out}; give one a different 'out'", path=source)
        outs[key] = job


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


def _yaml_entry_lines(text: str) -> list[int]:
    """1-based line of each job entry (the list items), for messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if getattr(k, "value", None) == "jobs"), None)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def _entries_from_yaml(path: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read jobs file: {exc}", path=path) from exc
    data = parse_yaml(text, path)
    defaults: dict[str, Any] = {}
    if isinstance(data, dict):
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
    lines = _yaml_entry_lines(text)
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
        where=where,
    )


# ===================================================================== finished?


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


def _run_request(spec: dict[str, Any]):  # noqa: ANN202
    from ..pipeline import RunRequest

    for key, what in (("video", "recording"), ("orders", "order log"), ("catalog", "catalog")):
        if not spec.get(key) or not Path(spec[key]).is_file():
            raise InputError(f"{what} not found", path=spec.get(key))
    preset = load_preset(spec["preset"], spec.get("overrides", []))
    stream_start = datetime.fromisoformat(spec["stream_start"]) if spec.get("stream_start") else None
    return RunRequest(video=Path(spec["video"]), orders=Path(spec["orders"]), catalog=Path(spec["catalog"]),
                      preset=preset, out_dir=Path(spec["out"]), stream_start=stream_start)


# ===================================================================== the job process


class JobInterrupted(BaseException):
    """Raised inside the job process by SIGTERM/SIGINT: unwinds through every ``finally`` (which
    kills running ffmpeg children and deletes half-written temporary files)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(EVENT_PREFIX + json.dumps(message, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _on_signal(signum: int, frame: Any) -> None:  # noqa: ARG001
    # one interruption is enough: the cleanup that follows must not be interrupted again
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    raise JobInterrupted(signum)


def _read_spec() -> dict[str, Any]:
    """The job spec: the first line on stdin (read from the descriptor: no buffered reader, whose
    lock a blocked reader thread would hold at interpreter shutdown)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(0, 65536)
        if not chunk:
            break
        data += chunk
    return json.loads(data)


def _watch_parent() -> None:
    """The parent holds our stdin open until we exit: EOF means it died (even by SIGKILL)."""
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def _limit_threads(threads: int | None) -> None:
    if not threads:
        return
    os.environ[ENV_THREADS] = str(threads)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    with contextlib.suppress(Exception):
        import cv2

        cv2.setNumThreads(threads)


def job_main() -> int:
    """Entry point of one job process: ``python -m reelcart.batch`` with the job spec on stdin."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    spec = _read_spec()
    threading.Thread(target=_watch_parent, name="parent-watch", daemon=True).start()
    current: dict[str, Any] = {"stage": None}
    stages: list[dict[str, Any]] = []
    started = time.perf_counter()

    def result(status: str, **extra: Any) -> None:
        _emit({"kind": "result", "status": status, "stage": current["stage"], "stages": stages,
               "seconds": round(time.perf_counter() - started, 3), **extra})

    try:
        print(f"--- {datetime.now().astimezone().isoformat(timespec='seconds')} reelcart {__version__} job {spec['name']} "
              f"(pid {os.getpid()}, threads {spec.get('threads') or 'all'})", file=sys.stderr, flush=True)
        _emit({"kind": "event", "event": "job_start", "stage": None, "seconds": 0.0})
        if spec.get("problem"):
            raise InputError(spec["problem"])
        _limit_threads(spec.get("threads"))
        from ..pipeline import Hooks, Pipeline

        out = Path(spec["out"])
        with folder_lock(out):
            remove_stale_partials(out)
            request = _run_request(spec)
            job = Job(name=spec["name"], video=request.video, orders=request.orders, catalog=request.catalog, out=out,
                      preset=spec["preset"], overrides=spec.get("overrides", []), stream_start=spec.get("stream_start"))
            if finished_manifest(job) is None:
                # an old manifest describes other inputs or outputs: it must not outlive this run
                with contextlib.suppress(FileNotFoundError):
                    (out / "manifest.json").unlink()

            def on_start(stage: str) -> None:
                current["stage"] = stage
                _emit({"kind": "event", "event": "stage_start", "stage": stage, "seconds": 0.0})

            def on_end(record) -> None:  # noqa: ANN001
                stages.append({"stage": record.stage, "status": record.status, "seconds": record.seconds})
                _emit({"kind": "event", "event": "stage_end", "stage": record.stage, "status": record.status,
                       "seconds": record.seconds})

            run = Pipeline(request, hooks=Hooks(on_start=on_start, on_end=on_end)).run()
            current["stage"] = None
            manifest = run.manifest
            assert manifest is not None
            result("done", reels=len(manifest.reels), manifest=str(out / "manifest.json"),
                   cached=all(s["status"] == "cached" for s in stages))
        return 0
    except JobInterrupted as exc:
        name = signal.Signals(exc.signum).name
        print(f"interrupted by {name}", file=sys.stderr, flush=True)
        with contextlib.suppress(Exception):
            result("interrupted", error=f"stopped by {name}")
        return 128 + exc.signum
    except ReelcartError as exc:
        print(f"failed: {exc}", file=sys.stderr, flush=True)
        result("failed", error=str(exc))
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - one job's bug must not end the batch
        import traceback

        traceback.print_exc()
        result("failed", error=f"unexpected {type(exc).__name__}: {exc}")
        return 70


# ===================================================================== the parent side of a job process


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])


class JobProcess:
    """One running job process: its events, its exit, and stopping it with its children."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.name = spec["name"]
        out = Path(spec["out"])
        (out / "work").mkdir(parents=True, exist_ok=True)
        self.log_path = out / "work" / JOB_LOG
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_root(), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        env.pop(ENV_THREADS, None)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in finish()
        self.started = time.perf_counter()
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True  # own process group: terminal Ctrl-C goes to the batch only
        else:  # pragma: no cover
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reelcart.batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._log, env=env, **kwargs,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps(spec) + "\n").encode())
        self.proc.stdin.flush()  # stdin stays open: its EOF tells the job that we died
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._buffer = b""
        self.eof = False
        self.result: dict[str, Any] | None = None
        self.result_at: float | None = None
        self.stage: str | None = None
        self.stop_sent_at: float | None = None
        self.killed = False

    def fileno(self) -> int:
        assert self.proc.stdout is not None
        return self.proc.stdout.fileno()

    def read_events(self) -> list[dict[str, Any]]:
        """Events available now (non-blocking); records the final result."""
        assert self.proc.stdout is not None
        chunks = []
        while True:
            try:
                chunk = os.read(self.fileno(), 65536)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self.eof = True
                break
            chunks.append(chunk)
        self._buffer += b"".join(chunks)
        *lines, self._buffer = self._buffer.split(b"\n")
        if self.eof and self._buffer:
            lines.append(self._buffer)
            self._buffer = b""
        events = []
        for raw in lines:
            text = raw.decode("utf-8", "replace")
            if not text.startswith(EVENT_PREFIX):
                if text.strip():
                    self._log.write(raw + b"\n")
                continue
            try:
                message = json.loads(text[len(EVENT_PREFIX):])
            except ValueError:
                continue
            if message.get("kind") == "result":
                self.result = message
                self.result_at = time.monotonic()
            else:
                if message.get("event") == "stage_start":
                    self.stage = message.get("stage")
                events.append(message)
        return events

    def done(self) -> bool:
        return self.eof and self.proc.poll() is not None

    def stop(self) -> None:
        """Ask the job to stop: it kills its ffmpeg children and deletes its temporary files."""
        if self.stop_sent_at is None:
            self.stop_sent_at = time.monotonic()  # noted even when the job has just ended: its end raced the stop
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, OSError):
                    self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """Kill the job and everything it started, now."""
        self.killed = True
        self._kill_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)

    def _kill_group(self, sig: int) -> None:
        if os.name == "posix":
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                os.killpg(self.proc.pid, sig)
        else:  # pragma: no cover
            with contextlib.suppress(OSError):
                self.proc.kill()

    def overdue(self, grace_s: float) -> bool:
        return self.stop_sent_at is not None and time.monotonic() - self.stop_sent_at > grace_s and self.proc.poll() is None

    def finish(self) -> dict[str, Any]:
        """After exit: reap stragglers of the job's process group and build its outcome."""
        code = self.proc.wait()
        self._kill_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        with contextlib.suppress(OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        with contextlib.suppress(OSError):
            assert self.proc.stdout is not None
            self.proc.stdout.close()
        self._log.close()
        seconds = round(time.perf_counter() - self.started, 3)
        result = job_result(self.result, code=code, stage=self.stage, stop_sent_at=self.stop_sent_at,
                            result_at=self.result_at, killed=self.killed, log_path=self.log_path)
        result.setdefault("stages", [])
        result["seconds"] = seconds
        result["exit_code"] = code
        result["log"] = str(self.log_path)
        result["node"] = socket.gethostname()
        return result


def job_result(result: dict[str, Any] | None, *, code: int, stage: str | None, stop_sent_at: float | None,
               result_at: float | None, killed: bool, log_path: Path) -> dict[str, Any]:
    """What became of a job process, from its result message (if any) and how it ended.

    A job the batch asked to stop is "interrupted" when it ends without a result, and also when
    its result says "failed" but came after the stop: a stage cut short by the signal (an encoder
    or decoder killed mid-way) fails in ways of its own, and the stop, not the recording, is the
    cause. If the recording itself was bad, the next run says so."""
    result = dict(result or {})
    stopped = stop_sent_at is not None
    if not result:
        if stopped:
            result = {"status": "interrupted", "error": "stopped" + (" (killed after the grace period)" if killed else "")}
        else:
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            result = {"status": "failed", "error": f"job process died ({how}) without a result; see {log_path}"}
        result["stage"] = stage
    elif result.get("status") == "failed" and stopped and (result_at is None or result_at >= stop_sent_at):
        result = {**result, "status": "interrupted", "error": f"stopped (while stopping, the job reported: {result.get('error')})"}
    return result


# ===================================================================== report


class StageOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: str
    status: str
    seconds: float


class JobOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    status: JobStatus = "pending"
    reels: int | None = None
    seconds: float | None = Field(None, description="Wall time of this run of the job.")
    error: str | None = None
    failed_stage: str | None = None
    video: str
    orders: str | None
    catalog: str | None
    out: str
    manifest: str | None = None
    log: str | None = None
    exit_code: int | None = None
    node: str | None = Field(None, description="Host the job ran on.")
    stages: list[StageOutcome] = Field(default_factory=list)


class BatchReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int = 1
    tool: str = "reelcart"
    version: str = __version__
    state: Literal["running", "finished", "interrupted", "aborted"] = "running"
    error: str | None = Field(None, description="Why the batch itself stopped early (state 'aborted').")
    source: str
    out: str
    executor: str
    workers: int
    threads_per_job: int | None
    host: str = Field(default_factory=socket.gethostname)
    pid: int = Field(default_factory=os.getpid)
    started: str
    finished: str | None = None
    seconds: float | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    jobs: list[JobOutcome]

    @property
    def exit_code(self) -> int:
        if self.state == "interrupted":
            return 130
        return 1 if self.counts.get("failed", 0) else 0


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def format_summary(report: BatchReport, width: int | None = None) -> str:
    """The table printed at the end: job, status, reels, time, error."""
    import shutil

    width = width or max(100, shutil.get_terminal_size((160, 24)).columns)
    name_w = min(28, max([3, *(len(j.name) for j in report.jobs)]))
    head = f"{'job':<{name_w}}  {'status':<11} {'reels':>5} {'time':>8}  error"
    lines = [head, "-" * min(width, max(len(head), 60))]
    for job in report.jobs:
        reels = "-" if job.reels is None else str(job.reels)
        took = "-" if job.seconds is None else _fmt_seconds(job.seconds)
        error = job.error or ""
        if job.failed_stage and error:
            error = f"[{job.failed_stage}] {error}"
        room = max(20, width - name_w - 31)
        if len(error) > room:
            error = error[: room - 1] + "…"
        name = job.name if len(job.name) <= name_w else job.name[: name_w - 1] + "…"
        lines.append(f"{name:<{name_w}}  {job.status:<11} {reels:>5} {took:>8}  {error}".rstrip())
    c = report.counts
    parts = [f"{c[k]} {k}" for k in ("done", "skipped", "failed", "interrupted", "not run") if c.get(k)]
    total = _fmt_seconds(report.seconds or 0.0)
    lines.append(f"{len(report.jobs)} job(s): {', '.join(parts) or 'nothing to do'} in {total}; report: {Path(report.out) / REPORT_FILE}")
    return "\n".join(lines)


def _fmt_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


# ===================================================================== running a batch


@dataclass
class BatchOptions:
    out_root: Path
    executor: Literal["local", "ray"] = "local"
    workers: int | None = None  # local: processes at once; ray: tasks in flight (None = all)
    threads_per_job: int | None = None
    address: str | None = None  # ray
    grace_s: float = STOP_GRACE_S
    source: str = ""


def default_workers(cores: int | None = None) -> int:
    """Recordings at once on this machine: half the cores (at least one), so each job's
    transcription and x264 get two threads instead of fighting over one core each."""
    cores = cores or machine_cores()
    return max(1, cores // 2)


class Reporter(Protocol):
    """Where batch events go (``progress.py``): a terminal display, plain lines or JSON lines."""

    def handle(self, event: dict[str, Any]) -> None: ...

    def tick(self) -> None: ...


class _Stop:
    """SIGINT/SIGTERM in the batch process: first one stops gracefully, a second one kills."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.hurry = False
        self._previous: dict[int, Any] = {}

    def __bool__(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, frame: Any) -> None:  # noqa: ARG002
        if self.signum is not None:
            self.hurry = True
        else:
            self.signum = signum

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


class Batch:
    """Runs jobs on an executor and keeps ``batch-report.json`` current."""

    def __init__(self, jobs: list[Job], options: BatchOptions, reporter: Reporter) -> None:
        self.jobs = jobs
        self.options = options
        self.reporter = reporter
        self.exit_code = 0
        self._started: dict[str, float] = {}
        self._stage: dict[str, str | None] = {}
        self.started = time.perf_counter()
        self.stop = _Stop()
        cores = machine_cores()
        if options.executor == "local":
            self.workers = options.workers or default_workers(cores)
            self.threads = options.threads_per_job or max(1, cores // self.workers)
        else:
            self.workers = options.workers or 0
            self.threads = options.threads_per_job or 2
        self.outcomes = {
            job.name: JobOutcome(name=job.name, video=str(job.video), orders=str(job.orders) if job.orders else None,
                                 catalog=str(job.catalog) if job.catalog else None, out=str(job.out))
            for job in jobs
        }
        self.report = BatchReport(
            source=options.source, out=str(options.out_root), executor=options.executor, workers=self.workers,
            threads_per_job=self.threads, started=_now(), jobs=list(self.outcomes.values()),
        )

    # -------------------------------------------------------------- events and report
    def emit(self, event: str, job: str | None = None, stage: str | None = None, seconds: float = 0.0, **extra: Any) -> None:
        self.reporter.handle({
            "time": _now(), "elapsed_s": round(time.perf_counter() - self.started, 3), "job": job, "stage": stage,
            "event": event, "seconds": round(seconds, 3), **extra,
        })

    def save(self) -> None:
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        self.report.counts = counts
        self.report.jobs = list(self.outcomes.values())
        write_model_atomic(self.options.out_root / REPORT_FILE, self.report)

    def job_event(self, name: str, message: dict[str, Any]) -> None:
        if message.get("event") == "job_start":
            self.outcomes[name].status = "running"
            self._started[name] = time.perf_counter()
        elif message.get("event") == "stage_start":
            self._stage[name] = message.get("stage")
        extra = {k: v for k, v in message.items() if k not in ("kind", "event", "stage", "seconds", "job")}
        self.emit(message.get("event", "?"), job=name, stage=message.get("stage"), seconds=float(message.get("seconds") or 0.0), **extra)

    def job_end(self, name: str, result: dict[str, Any]) -> None:
        outcome = self.outcomes[name]
        status = result.get("status", "failed")
        if status == "interrupted" and outcome.status == "pending":
            status = "not run"  # stopped before it started
        if status == "interrupted" and self.stop.signum is not None:
            result = {**result, "error": f"stopped: the batch received {signal.Signals(self.stop.signum).name}"}
        if name in self._started:  # what the job process could not tell (a cancelled Ray task)
            result.setdefault("seconds", round(time.perf_counter() - self._started[name], 3))
            if not result.get("stage"):
                result["stage"] = self._stage.get(name)
        outcome.status = status if status in ("done", "failed", "interrupted", "not run") else "failed"
        outcome.reels = result.get("reels")
        outcome.seconds = result.get("seconds")
        outcome.error = result.get("error")
        outcome.failed_stage = result.get("stage") if outcome.status != "done" else None
        outcome.manifest = result.get("manifest")
        outcome.log = result.get("log")
        outcome.exit_code = result.get("exit_code")
        outcome.node = result.get("node")
        outcome.stages = [StageOutcome(**s) for s in result.get("stages", [])]
        self.emit("job_end", job=name, stage=outcome.failed_stage, seconds=outcome.seconds or 0.0, status=outcome.status,
                  reels=outcome.reels, error=outcome.error)
        self.save()

    # -------------------------------------------------------------- run
    def run(self) -> BatchReport:
        self.options.out_root.mkdir(parents=True, exist_ok=True)
        to_run: list[Job] = []
        for job in self.jobs:
            manifest = finished_manifest(job)
            if manifest is not None:
                o = self.outcomes[job.name]
                o.status, o.reels, o.seconds, o.manifest = "skipped", len(manifest.reels), 0.0, str(job.out / "manifest.json")
            else:
                to_run.append(job)
        self.emit("batch_start", jobs=len(self.jobs), to_run=len(to_run), skipped=len(self.jobs) - len(to_run),
                  executor=self.options.executor, workers=self.workers, threads_per_job=self.threads)
        for job in self.jobs:
            if self.outcomes[job.name].status == "skipped":
                self.emit("job_end", job=job.name, status="skipped", reels=self.outcomes[job.name].reels, error=None,
                          note="finished earlier: manifest and every stage are current")
        self.save()
        for job in [j for j in to_run if j.problem]:  # known to fail: no process needed
            to_run.remove(job)
            self.job_end(job.name, {"status": "failed", "error": job.problem, "seconds": 0.0})
        self.stop.install()
        aborted: BaseException | None = None
        try:
            if to_run:
                if self.options.executor == "ray":
                    RayExecutor(self).run(to_run)
                else:
                    LocalExecutor(self).run(to_run)
        except BaseException as exc:
            aborted = exc
            raise
        finally:
            self.stop.restore()
            for outcome in self.outcomes.values():
                if outcome.status in ("pending", "running"):
                    outcome.status = "not run" if outcome.status == "pending" else "interrupted"
            self.report.state = "aborted" if aborted is not None else ("interrupted" if self.stop else "finished")
            if aborted is not None:
                self.report.error = str(aborted) or type(aborted).__name__
            self.report.finished = _now()
            self.report.seconds = round(time.perf_counter() - self.started, 3)
            self.save()
        code = self.report.exit_code
        if self.stop.signum is not None:
            code = 128 + self.stop.signum
        self.emit("batch_end", seconds=self.report.seconds or 0.0, counts=self.report.counts, state=self.report.state, exit_code=code)
        self.exit_code = code
        return self.report


class LocalExecutor:
    """Up to ``workers`` job processes at once on this machine."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    def run(self, jobs: list[Job]) -> None:
        batch = self.batch
        pending = deque(jobs)
        running: dict[str, JobProcess] = {}
        selector = selectors.DefaultSelector()
        try:
            while pending or running:
                while pending and len(running) < batch.workers and not batch.stop:
                    job = pending.popleft()
                    try:
                        proc = JobProcess(job.spec(batch.threads))
                    except OSError as exc:
                        batch.job_end(job.name, {"status": "failed", "error": f"cannot start the job process: {exc}"})
                        continue
                    running[job.name] = proc
                    selector.register(proc.fileno(), selectors.EVENT_READ, job.name)
                if batch.stop:
                    for proc in running.values():
                        proc.stop()
                        if batch.stop.hurry or proc.overdue(batch.options.grace_s):
                            proc.kill()
                    pending.clear()
                ready = selector.select(timeout=0.25) if running else []
                names = {key.data for key, _ in ready} | {n for n, p in running.items() if p.proc.poll() is not None}
                for name in names:
                    proc = running[name]
                    for message in proc.read_events():
                        batch.job_event(name, message)
                    if proc.eof and not proc.done():
                        with contextlib.suppress(subprocess.TimeoutExpired):
                            proc.proc.wait(timeout=1.0)
                    if proc.done() or (proc.eof and proc.proc.poll() is not None):
                        selector.unregister(proc.fileno())
                        del running[name]
                        batch.job_end(name, proc.finish())
                batch.reporter.tick()
        finally:
            for name, proc in list(running.items()):  # only on an exception of our own
                proc.kill()
                with contextlib.suppress(Exception):
                    batch.job_end(name, proc.finish())
            selector.close()


# --------------------------------------------------------------------- ray


def _ray():  # noqa: ANN202
    try:
        import ray
    except ImportError as exc:
        raise ConfigError('the ray executor needs Ray: pip install "reelcart[ray]" (or "ray[default]")') from exc
    return ray


class EventRelay:
    """A tiny Ray actor: job tasks put events, the driver drains them."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def put(self, name: str, message: dict[str, Any]) -> None:
        self.items.append((name, message))

    def drain(self) -> list[tuple[str, dict[str, Any]]]:
        items, self.items = self.items, []
        return items


def run_job_task(spec: dict[str, Any], relay: Any) -> dict[str, Any]:
    """Body of the Ray task: the same job process as the local executor, on the task's node.

    Cancelling the task (``ray.cancel``) raises KeyboardInterrupt here; the job process is then
    stopped the same way a local batch stops it.
    """
    proc = JobProcess(spec)
    selector = selectors.DefaultSelector()
    selector.register(proc.fileno(), selectors.EVENT_READ)
    try:
        while not proc.done():
            selector.select(timeout=0.5)
            for message in proc.read_events():
                relay.put.remote(spec["name"], message)
            if proc.eof:
                proc.proc.wait()
        return proc.finish()
    except BaseException:
        proc.stop()
        deadline = time.monotonic() + STOP_GRACE_S
        while proc.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.kill()
        with contextlib.suppress(Exception):
            proc.finish()
        raise
    finally:
        selector.close()


class RayExecutor:
    """Each recording is a Ray task; Ray places it on a node with ``threads_per_job`` free CPUs.

    The cluster's nodes must see the batch's files at the same paths (a shared file system) and
    have reelcart installed; the driver only schedules, relays events and writes the report.
    """

    def __init__(self, batch: Batch) -> None:
        self.batch = batch

    def run(self, jobs: list[Job]) -> None:
        ray = _ray()
        batch = self.batch
        address = batch.options.address or os.environ.get("RAY_ADDRESS") or None
        init: dict[str, Any] = {"address": address, "log_to_driver": False, "configure_logging": False}
        if address is None:
            init.update(num_cpus=machine_cores(), include_dashboard=False)
        try:
            ray.init(**init)
        except Exception as exc:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError, ...
            where = f"at {address}" if address else "locally"
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            hint = ""
            if "auth" in str(exc).lower() or not os.environ.get("RAY_AUTH_MODE"):
                hint = " (if the cluster uses token authentication, set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN as on the cluster)"
            raise ReelcartError(f"cannot reach a Ray cluster {where}: {detail}{hint}") from exc
        # Ray installs its own handlers during init: ours must win for a clean stop
        batch.stop.restore()
        batch.stop.install()
        with contextlib.suppress(Exception):
            largest = max((n["Resources"].get("CPU", 0) for n in ray.nodes() if n.get("Alive")), default=0)
            if largest and largest < batch.threads:
                log.warning("no Ray node has %d CPUs (the largest has %g): jobs wait until the cluster grows; "
                            "lower --threads-per-job to run them now", batch.threads, largest)
        try:
            self._run(ray, jobs)
        finally:
            with contextlib.suppress(Exception):
                ray.shutdown()

    def _run(self, ray: Any, jobs: list[Job]) -> None:
        batch = self.batch
        relay = ray.remote(num_cpus=0)(EventRelay).remote()
        task = ray.remote(run_job_task)
        pending = deque(jobs)
        refs: dict[Any, str] = {}
        cancelled_at: float | None = None
        forced = False
        limit = batch.workers or len(jobs)

        def relay_events() -> None:
            for name, message in ray.get(relay.drain.remote()):
                batch.job_event(name, message)

        while pending or refs:
            while pending and len(refs) < limit and not batch.stop:
                job = pending.popleft()
                spec = job.spec(batch.threads)
                options = {"num_cpus": batch.threads, "max_retries": 1, "retry_exceptions": False, "name": f"reelcart:{job.name}"}
                refs[task.options(**options).remote(spec, relay)] = job.name
            if batch.stop:
                pending.clear()
                if cancelled_at is None:
                    cancelled_at = time.monotonic()
                    for ref in refs:
                        ray.cancel(ref, force=False)
                elif not forced and (batch.stop.hurry or time.monotonic() - cancelled_at > batch.options.grace_s + 5):
                    forced = True
                    for ref in refs:
                        with contextlib.suppress(Exception):
                            ray.cancel(ref, force=True)
            if not refs:
                break
            ready, _ = ray.wait(list(refs), num_returns=len(refs), timeout=0.3)
            relay_events()
            for ref in ready:
                name = refs.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - task errors arrive as many kinds
                    kind = type(exc).__name__
                    if batch.stop and ("Cancel" in kind or "KeyboardInterrupt" in str(exc)):
                        result = {"status": "interrupted", "error": "stopped (Ray task cancelled)"}
                    else:
                        first = next((ln for ln in str(exc).splitlines() if ln.strip()), kind)
                        result = {"status": "failed", "error": f"Ray task failed ({kind}): {first}"}
                batch.job_end(name, result)
            batch.reporter.tick()
        relay_events()


def run_batch(jobs: list[Job], options: BatchOptions, reporter: Reporter) -> tuple[BatchReport, int]:
    """Run ``jobs``; return the report and the exit code (0 all good, 1 a job failed,
    128+signal when the batch was stopped)."""
    batch = Batch(jobs, options, reporter)
    report = batch.run()
    return report, batch.exit_code

