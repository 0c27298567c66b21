"""Work-folder layout, cache keys and atomic file writes.

Every file reelcart writes goes through ``atomic_path``/``write_text_atomic``: the content is
written to a temporary sibling and renamed into place, so a killed run never leaves a file that
looks complete but is not.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from .errors import InputError, ReelcartError

ModelT = TypeVar("ModelT", bound=BaseModel)
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str | None = None, before_replace: Callable[[], None] | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success.

    The temporary name keeps the target's extension (ffmpeg picks the muxer from it).
    ``before_replace`` runs just before the rename (when the new file is complete).
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReelcartError(f"cannot create folder: {exc.strerror}", path=target.parent) from exc
    ext = suffix if suffix is not None else target.suffix
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".partial{ext}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield tmp
        if before_replace is not None:
            before_replace()
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes_atomic(target: Path, data: bytes) -> None:
    try:
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as exc:
        raise ReelcartError(f"cannot write file: {exc.strerror}", path=target) from exc


def write_text_atomic(target: Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def write_json_atomic(target: Path, data: Any) -> None:
    write_text_atomic(target, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def write_model_atomic(target: Path, model: BaseModel) -> None:
    write_text_atomic(target, model.model_dump_json(indent=2) + "\n")


def read_model(path: Path, model_type: type[ModelT]) -> ModelT:
    try:
        return model_type.model_validate_json(Path(path).read_bytes())
    except FileNotFoundError as exc:
        raise InputError("file not found", path=path) from exc
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        first = str(exc).splitlines()
        detail = " ".join(first[1:3]).strip() if len(first) > 1 else str(exc)
        raise InputError(f"not a valid {model_type.__name__}: {detail}", path=path) from exc


def read_envelope(path: Path, model_type: type[ModelT]) -> tuple[str, ModelT] | None:
    """(cache key, artifact) of a stage artifact saved in its envelope (``<out>/work/<stage>.json``),
    or None when the file is missing, unreadable or of another shape."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        envelope = json.loads(path.read_text(encoding="utf-8"))
        return str(envelope["cache_key"]), model_type.model_validate(envelope["artifact"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # pydantic.ValidationError is a ValueError
        return None


def stable_hash(*parts: Any) -> str:
    """A short, deterministic hash of JSON-able parts (dicts are key-sorted)."""
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str, separators=(",", ":"))
    return hashlib.sha256(payload.encode("ascii")).hexdigest()[:20]


def file_identity(path: Path) -> dict[str, Any]:
    """Cheap but robust identity of an input file: size, mtime and a hash of its head and tail.

    Hashing an hour-long recording in full would cost seconds per run; head + tail + size + mtime
    catches every realistic replacement of the file.
    """
    path = Path(path)
    st = path.stat()
    digest = hashlib.sha256()
    chunk = 1 << 20
    with open(path, "rb") as fh:
        digest.update(fh.read(chunk))
        if st.st_size > 2 * chunk:
            fh.seek(-chunk, os.SEEK_END)
            digest.update(fh.read(chunk))
    return {"name": path.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256_head_tail": digest.hexdigest()[:20]}


LOCK_FILE = ".reelcart.lock"
MANIFEST_FILE = "manifest.json"


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Exclusive lock on an output folder: two reelcart processes (runs or batch jobs) never write
    one recording's output at once."""
    work = out / "work"
    try:
        work.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReelcartError(f"cannot create the output folder ({exc.strerror})", path=out) from exc
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(work / LOCK_FILE, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ReelcartError("another reelcart process is working on this folder", path=out) from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def remove_stale_partials(out: Path) -> None:
    """Temporary files of an earlier run that was killed hard (``.name.XXXX.partial.ext``); call it
    while holding :func:`folder_lock`, or another process's files in progress would go."""
    for folder in (out, out / "work"):
        if folder.is_dir():
            for path in folder.glob(".*.partial*"):
                with contextlib.suppress(OSError):
                    path.unlink()
