"""The style an editor picks in the studio (preset, caption style, size, colours, position), kept in
a preset file in the run folder that extends the run's preset. The file is validated by the same
preset models as every preset before it replaces the old one."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from ..artifacts import atomic_path
from ..config import Preset, load_preset, load_preset_data, preset_files
from ..errors import ConfigError, InputError, validation_message
from ..models.base import Strict

STYLE_FILE = "studio-preset.yaml"
HEX = r"^#[0-9A-Fa-f]{6}$"


class CaptionStyle(Strict):
    style: Literal["pop", "karaoke", "clean"]
    font_size_px: int = Field(ge=12, le=200)
    text_colour: str = Field(pattern=HEX)
    highlight_colour: str = Field(pattern=HEX)
    position: Literal["bottom", "middle", "top"]


class StyleChoice(Strict):
    preset: str = Field(min_length=1, max_length=200)
    captions: CaptionStyle


def build_style(preset: Preset, ref: str, folder: Path) -> dict[str, Any]:
    """The style panel's state: the base preset, the built-in presets and the caption fields."""
    c = preset.captions
    style_file = folder / STYLE_FILE
    return {
        "preset": base_preset(ref),
        "presets": sorted(preset_files()),
        "file": STYLE_FILE if style_file.is_file() and Path(ref).resolve() == style_file.resolve() else None,
        "captions": CaptionStyle(style=c.style, font_size_px=c.font_size_px, text_colour=c.text_colour.upper(),
                                 highlight_colour=c.highlight_colour.upper(), position=c.position).model_dump(),
    }


def base_preset(ref: str) -> str:
    """The preset a studio style file extends (or the run's own preset when it has none)."""
    if Path(ref).name == STYLE_FILE and Path(ref).is_file():
        data = yaml.safe_load(Path(ref).read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("extends"), str):
            return data["extends"]
    return ref


def build_style_yaml(choice: StyleChoice) -> str:
    body = {"name": f"{Path(choice.preset).stem}-studio", "extends": choice.preset,
            "captions": choice.captions.model_dump()}
    return ("# Written by `reelcart studio`: the style chosen in the studio, on top of the preset it extends.\n"
            + yaml.safe_dump(body, sort_keys=False, allow_unicode=True))


def parse_style(payload: Any) -> StyleChoice:
    try:
        return StyleChoice.model_validate(payload)
    except ValidationError as exc:
        raise InputError("style: " + validation_message(exc, None)) from None


def write_style(folder: Path, choice: StyleChoice) -> Path:
    """Write ``studio-preset.yaml`` when it makes a valid preset; the old file stays otherwise."""
    if choice.preset not in preset_files():
        base = Path(choice.preset)
        if not base.is_absolute() or not base.is_file():
            raise InputError(f"style: unknown preset {choice.preset!r} (built in: {', '.join(sorted(preset_files()))})")
    target = folder / STYLE_FILE
    with atomic_path(target) as tmp:
        tmp.write_text(build_style_yaml(choice), encoding="utf-8")
        try:
            load_preset_data(str(tmp))
            load_preset(str(tmp))
        except ConfigError as exc:
            raise InputError(f"style: {exc}") from None
    return target
