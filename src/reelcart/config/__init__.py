"""Preset models. Presets are YAML files validated by these models.

Precedence: the defaults below < the preset file (and the presets it ``extends``) < options given
on the command line (``--set section.field=value`` and the dedicated flags).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from ..errors import ConfigError, validation_message
from ..handoff.platforms import DEFAULT_UTM_SOURCES

from .package import (
    COPY_FIELDS,
    DEFAULT_DESCRIPTION_TEMPLATES,
    DEFAULT_PLATFORM_HASHTAGS,
    DEFAULT_TITLE_TEMPLATES,
    MainPlatform,
    PackageConfig,
    TargetPlatform,
)
from .sections import (
    CaptionsConfig,
    MomentsConfig,
    OrdersConfig,
    OverlayConfig,
    ReframeConfig,
    RenderConfig,
    Section,
    SpikesConfig,
    TranscribeConfig,
)

__all__ = [
    "COPY_FIELDS", "DEFAULT_DESCRIPTION_TEMPLATES", "DEFAULT_PLATFORM_HASHTAGS", "DEFAULT_TITLE_TEMPLATES", "DEFAULT_UTM_SOURCES",
    "CaptionsConfig", "MainPlatform", "MomentsConfig", "OrdersConfig", "OverlayConfig", "PackageConfig", "Preset", "ReframeConfig",
    "RenderConfig", "Section", "SpikesConfig", "TargetPlatform", "TranscribeConfig", "deep_merge", "describe_preset", "load_preset",
    "load_preset_data", "parse_set_option", "preset_files",
]

PRESET_DIRS = (
    Path(__file__).resolve().parents[1] / "presets",  # installed wheel
    Path(__file__).resolve().parents[3] / "presets",  # source checkout / editable install
)


class Preset(Section):
    schema_version: int = Field(1, description="Preset format version.")
    name: str = Field("default", description="Preset name.")
    description: str = Field("", description="What the preset is for.")
    transcribe: TranscribeConfig = Field(default_factory=TranscribeConfig)
    orders: OrdersConfig = Field(default_factory=OrdersConfig)
    spikes: SpikesConfig = Field(default_factory=SpikesConfig)
    moments: MomentsConfig = Field(default_factory=MomentsConfig)
    reframe: ReframeConfig = Field(default_factory=ReframeConfig)
    captions: CaptionsConfig = Field(default_factory=CaptionsConfig)
    overlay: OverlayConfig = Field(default_factory=OverlayConfig)
    render: RenderConfig = Field(default_factory=RenderConfig)
    package: PackageConfig = Field(default_factory=PackageConfig)


# ---------------------------------------------------------------- loading


def preset_files() -> dict[str, Path]:
    """Built-in presets by name (first directory wins)."""
    found: dict[str, Path] = {}
    for folder in PRESET_DIRS:
        if folder.is_dir():
            for path in sorted(folder.glob("*.yaml")):
                found.setdefault(path.stem, path)
    return found


def _resolve(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise ConfigError("preset file not found", path=candidate)
        return candidate
    files = preset_files()
    if name_or_path not in files:
        known = ", ".join(sorted(files)) or "none"
        raise ConfigError(f"unknown preset {name_or_path!r} (built in: {known})")
    return files[name_or_path]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read preset: {exc}", path=path) from exc
    from ..inputs.tabular import parse_yaml

    data = parse_yaml(text, path, ConfigError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("a preset must be a mapping of sections", path=path)
    return data


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_preset_data(name_or_path: str, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], Path]:
    path = _resolve(name_or_path)
    if path.resolve() in _seen:
        raise ConfigError("preset 'extends' chain loops", path=path)
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ConfigError("field 'extends' must be a preset name or file", path=path)
        parent_ref = parent if not parent.endswith((".yaml", ".yml")) else str(path.parent / parent)
        parent_data, _ = load_preset_data(parent_ref, (*_seen, path.resolve()))
        data = deep_merge(parent_data, data)
    # validate this layer on its own so the error names this file and line
    try:
        Preset.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc, path.read_text(encoding="utf-8")), path=path) from exc
    return data, path


def parse_set_option(item: str) -> dict[str, Any]:
    """``captions.style=karaoke`` -> ``{"captions": {"style": "karaoke"}}`` (value parsed as YAML)."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r}: expected section.field=value")
    key, raw = item.split("=", 1)
    parts = [p for p in key.strip().split(".") if p]
    if not parts:
        raise ConfigError(f"--set {item!r}: empty field name")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw  # not YAML: take it as plain text
    if value is None and raw.strip() not in ("", "null", "~"):
        value = raw.strip()  # '#00FF00' is a colour here, not a YAML comment
    out: dict[str, Any] = {}
    node = out
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def load_preset(name_or_path: str = "default", overrides: list[dict[str, Any]] | None = None) -> Preset:
    data, _ = load_preset_data(name_or_path)
    for layer in overrides or []:
        data = deep_merge(data, layer)
    try:
        return Preset.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("command-line option " + validation_message(exc, None)) from exc


def describe_preset(preset: Preset) -> list[tuple[str, str, str]]:
    """Rows (field, value, description) for every field, for ``reelcart presets show``."""
    rows: list[tuple[str, str, str]] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                walk(value, f"{prefix}{name}.")
            else:
                shown = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
                shown = shown.removesuffix("\n...").removesuffix("...").strip()
                rows.append((prefix + name, shown, info.description or ""))

    walk(preset, "")
    return rows
