"""Preset models. Presets are YAML files validated by these models.

Precedence: the defaults below < the preset file (and the presets it ``extends``) < options given
on the command line (``--set section.field=value`` and the dedicated flags).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

PRESET_DIRS = (
    Path(__file__).parent / "presets",  # installed wheel
    Path(__file__).resolve().parents[2] / "presets",  # source checkout / editable install
)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class TranscribeConfig(Section):
    model: str = Field(
        "base",
        description="Speech model: 'base' (bundled multilingual), 'tiny.en' (bundled English), "
        "any faster-whisper model name or Hugging Face id (downloaded once, needs network) or a local CTranslate2 folder.",
    )
    language: str | None = Field(None, description="ISO 639-1 code (en, ar, vi, zh, es…); empty = detect per recording.")
    mode: Literal["windowed", "full"] = Field(
        "windowed", description="windowed: only the stretches the moment finder reads (before each order spike); "
        "full: the whole recording (also used when there are no orders)."
    )
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Inference device; auto = CUDA when CTranslate2 sees a GPU, else CPU.")
    compute_type: str = Field(
        "default", description="CTranslate2 compute type (int8, int8_float32, float16, float32…); 'default' = int8 on CPU, float16 on CUDA."
    )
    cpu_threads: int = Field(0, ge=0, description="CPU threads for the decoder; 0 = all cores.")
    beam_size: int = Field(5, ge=1, le=10, description="Beam width of the decoder.")
    vad: bool = Field(True, description="Skip silence with the Silero VAD bundled in faster-whisper.")
    product_hints: bool = Field(True, description="Feed catalog names and aliases to the decoder as hotwords.")
    vocabulary: list[str] = Field(
        default_factory=list, description="More words fed to the decoder with the product names (shop, host and brand names)."
    )
    prompt: str | None = Field(
        None,
        description="Text given to the decoder before the product names, in the style the transcript should have; "
        "empty = the language's default (Chinese: a sentence in simplified characters, so output is not traditional).",
    )
    window_margin_s: float = Field(5.0, ge=0, description="Extra audio transcribed before and after each window.")
    chunk_s: float = Field(
        120.0, ge=30, le=3600,
        description="Stretch of audio decoded at once (cut at a pause): bounds memory on long recordings "
        "(the decoder's features take about 1 MB per second of chunk); speed does not depend on it.",
    )


class OrdersConfig(Section):
    timezone: str | None = Field(None, description="IANA zone for order timestamps without an offset (e.g. Asia/Ho_Chi_Minh).")
    clock_offset_s: float = Field(0.0, description="Seconds added to every order time (a shop clock that runs late is negative).")
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="Column mapping for other exports: reelcart field (timestamp, sku, quantity, amount, order_id, status) "
        "to the export's column name.",
    )


class SpikesConfig(Section):
    bin_s: float = Field(10.0, gt=0, description="Width of the order-count bins.")
    baseline_window_s: float = Field(600.0, gt=0, description="Rolling window of the robust (median/MAD) baseline.")
    min_z: float = Field(4.0, gt=0, description="Robust z-score a bin must reach to start a spike.")
    min_orders: int = Field(5, ge=1, description="Orders above baseline a spike needs (one big order never counts).")
    merge_gap_s: float = Field(60.0, ge=0, description="Spikes of one SKU closer than this merge.")


DEFAULT_CTA_PHRASES: dict[str, list[str]] = {
    "en": [
        "tap the cart", "tap the orange cart", "click the link", "link is pinned", "link in bio", "add to cart",
        "grab yours", "grab it now", "buy now", "order now", "shop now", "check out", "don't miss", "only left",
        "left in stock", "get yours", "tap below", "hit the cart", "basket", "limited stock", "sell out",
        "tap the link", "link is up", "link below", "link at the top", "check it out", "pick one up", "snag one",
    ],
    "es": ["toca el carrito", "compra ahora", "enlace fijado", "link fijado", "añade al carrito", "quedan pocas", "no te lo pierdas"],
    "ar": ["اضغط على السلة", "اطلب الآن", "اشتري الآن", "الرابط مثبت", "الكمية محدودة", "أضف إلى السلة", "لا تفوت"],
    "vi": ["bấm vào giỏ hàng", "chốt đơn", "mua ngay", "đặt hàng ngay", "link ghim", "số lượng có hạn", "thêm vào giỏ"],
    "zh": ["点击购物车", "点击小黄车", "马上下单", "立即购买", "链接已置顶", "库存有限", "赶紧抢", "拍下"],
}

DEFAULT_STALE_PHRASES: dict[str, list[str]] = {
    "en": [
        "next five minutes", "next 5 minutes", "next ten minutes", "comment below", "drop a comment", "type in the chat",
        "live only", "live-only", "only on this live", "only for viewers right now", "right now on the live", "while we're live",
        "during the live", "in the chat",
    ],
    "es": ["próximos cinco minutos", "comenta abajo", "solo en directo", "solo en este live"],
    "ar": ["الخمس دقائق القادمة", "اكتبوا في التعليقات", "فقط في البث", "فقط على اللايف"],
    "vi": ["trong năm phút tới", "bình luận bên dưới", "chỉ trong live", "chỉ có trên live"],
    "zh": ["接下来五分钟", "评论区扣", "直播间专享", "只限直播间"],
}


class MomentsConfig(Section):
    count: int = Field(3, ge=1, le=10, description="Reels to make when enough moments qualify.")
    min_duration_s: float = Field(15.0, gt=0, description="Shortest reel.")
    max_duration_s: float = Field(60.0, gt=0, description="Longest reel.")
    lookback_min_s: float = Field(5.0, ge=0, description="Shortest lag between the call to action and the order spike.")
    lookback_max_s: float = Field(120.0, gt=0, description="Longest lag between the call to action and the order spike.")
    pitch_max_s: float = Field(90.0, gt=0, description="How far before the call to action a pitch may start.")
    allow_repeat_products: bool = Field(False, description="Allow two reels for the same product.")
    name_match_min: float = Field(80.0, ge=0, le=100, description="Fuzzy score (0-100) for a product mention.")
    lead_in_s: float = Field(0.25, ge=0, description="Audio kept before the first word.")
    tail_s: float = Field(0.6, ge=0, description="Audio kept after the last word.")
    cta_phrases: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_CTA_PHRASES.items()},
        description="Call-to-action lexicon per language.",
    )
    stale_phrases: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_STALE_PHRASES.items()},
        description="Live-only phrases replay viewers cannot act on, per language.",
    )


class ReframeConfig(Section):
    mode: Literal["auto", "center", "fit"] = Field(
        "auto", description="auto: follow the subject (faces, else motion); center: fixed centre crop; fit: whole frame on a blurred fill."
    )
    analysis_fps: float = Field(2.0, gt=0, le=5, description="Frames per second analysed.")
    analysis_width_px: int = Field(480, ge=160, le=480, description="Width analysed frames are scaled to.")


class CaptionsConfig(Section):
    enabled: bool = Field(True, description="Burn word-timed captions.")
    style: Literal["pop", "karaoke", "clean"] = Field("pop", description="pop: active word highlighted; karaoke: fill sweeps; clean: plain subtitle.")
    font: str = Field("Montserrat", description="Caption font family (bundled: Montserrat, Noto Sans, Noto Sans Arabic).")
    font_size_px: int = Field(76, ge=12, le=200, description="Font size on the 1920 px tall canvas.")
    bold: bool = Field(True, description="Bold face.")
    uppercase: bool = Field(False, description="Upper-case caption text.")
    text_colour: str = Field("#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$", description="Text colour.")
    highlight_colour: str = Field("#FFD400", pattern=r"^#[0-9A-Fa-f]{6}$", description="Colour of the active word.")
    outline_colour: str = Field("#000000", pattern=r"^#[0-9A-Fa-f]{6}$", description="Outline colour.")
    outline_px: float = Field(5.0, ge=0, le=20, description="Outline thickness.")
    shadow_px: float = Field(2.0, ge=0, le=20, description="Shadow distance.")
    max_words: int = Field(6, ge=1, le=20, description="Most words shown at once.")
    max_lines: int = Field(2, ge=1, le=3, description="Most lines shown at once.")
    max_line_width_frac: float = Field(0.8, gt=0.2, le=1.0, description="Widest line as a fraction of the canvas width.")
    bottom_margin_px: int = Field(560, ge=0, le=1800, description="Caption baseline distance from the bottom (keep out of the UI zone).")


class OverlayConfig(Section):
    product_card: bool = Field(True, description="Show a product card (name, price, link text).")
    show_price: bool = Field(True, description="Show the price on the card.")
    card_top_px: int = Field(240, ge=0, le=1800, description="Top of the product card.")
    card_last_s: float = Field(8.0, ge=0, description="The card also shows over the last seconds of the reel.")
    link_text: str | None = Field(None, description="Link text on the card; default: the product URL's host and path.")
    card_colour: str = Field("#FF4F00", pattern=r"^#[0-9A-Fa-f]{6}$", description="Card background colour.")
    card_text_colour: str = Field("#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$", description="Card text colour.")


class RenderConfig(Section):
    width_px: int = Field(1080, ge=144, le=4320, multiple_of=2, description="Output width.")
    height_px: int = Field(1920, ge=256, le=7680, multiple_of=2, description="Output height.")
    fps: float = Field(30.0, gt=0, le=120, description="Constant output frame rate.")
    crf: int = Field(21, ge=0, le=51, description="x264 quality (lower is better).")
    x264_preset: str = Field("veryfast", description="x264 speed preset.")
    audio_bitrate_kbps: int = Field(160, ge=32, le=512, description="AAC bitrate.")
    audio_rate_hz: int = Field(48000, description="Audio sample rate.")
    loudness_lufs: float = Field(-14.0, ge=-40, le=-5, description="Integrated loudness target (EBU R128).")
    true_peak_dbtp: float = Field(-1.0, ge=-9, le=0, description="True-peak ceiling.")
    normalize_loudness: bool = Field(True, description="Two-pass loudness normalisation.")


class PackageConfig(Section):
    platform: Literal["tiktok", "reels", "shorts", "generic"] = Field("generic", description="Target platform.")
    utm_source: str | None = Field(None, description="utm_source; default: the platform name.")
    utm_medium: str = Field("social", description="utm_medium.")
    utm_campaign: str | None = Field(None, description="utm_campaign; default: the recording's file name.")
    title_template: str = Field("{product_name}: {key_phrase}", description="Title; fields: product_name, price, key_phrase.")
    description_template: str = Field(
        "{key_phrase} Get the {product_name} here: {link}", description="Description; fields: product_name, price, key_phrase, link."
    )
    hashtags: list[str] = Field(default_factory=lambda: ["#shopping", "#livedeal"], description="Hashtags added to every reel.")


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


def _key_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML key at ``loc`` (a pydantic error location), if it can be found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == str(part):
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return line


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read preset: {exc}", path=path) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}broken YAML ({problem})", path=path) from exc
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


def _validation_message(exc: ValidationError, text: str | None) -> str:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    field = ".".join(str(p) for p in loc) or "(top level)"
    line = _key_line(text, loc) if text else None
    where = f"line {line}: " if line else ""
    msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{where}field '{field}': {msg}{more}"


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
        raise ConfigError(_validation_message(exc, path.read_text(encoding="utf-8")), path=path) from exc
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
    except yaml.YAMLError as exc:
        raise ConfigError(f"--set {item!r}: value is not valid YAML") from exc
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
        raise ConfigError("command-line option " + _validation_message(exc, None)) from exc


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
