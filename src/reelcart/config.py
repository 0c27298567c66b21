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
        "any faster-whisper model name (needs network once) or a local CTranslate2 folder.",
    )
    language: str | None = Field(None, description="ISO 639-1 code (en, ar, vi, zh, es…); empty = detect per recording.")
    mode: Literal["windowed", "full"] = Field(
        "windowed", description="windowed: only the stretches before order spikes; full: the whole recording."
    )
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Inference device.")
    compute_type: str = Field("default", description="CTranslate2 compute type; 'default' = int8 on CPU, float16 on CUDA.")
    beam_size: int = Field(5, ge=1, le=10, description="Beam width of the decoder.")
    vad: bool = Field(True, description="Skip silence with the Silero VAD bundled in faster-whisper.")
    product_hints: bool = Field(True, description="Feed catalog names and aliases to the decoder as hotwords.")
    window_margin_s: float = Field(15.0, ge=0, description="Extra audio transcribed before and after each window.")


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
    style: Literal["pop", "karaoke", "clean"] = Field(
        "pop",
        description="pop: a page of words, the spoken word enlarged in the highlight colour; karaoke: the highlight "
        "sweeps through each word as it is spoken; clean: subtitle on a translucent box, spoken word tinted.",
    )
    font: str = Field(
        "Be Vietnam Pro",
        description="Caption font: a bundled family (Be Vietnam Pro, Montserrat, Noto Sans, Noto Sans Arabic, Noto Sans CJK), "
        "a .ttf/.otf file, or an installed family name. Scripts the font lacks get a bundled Noto face.",
    )
    font_weight: int = Field(800, ge=100, le=900, description="Font weight, 100 (thin) to 900 (black); the nearest weight the font has.")
    font_size_px: int = Field(68, ge=12, le=200, description="Font size (pixels per em) on a 1920 px tall canvas, scaled for other sizes.")
    case: Literal["original", "upper", "lower"] = Field("original", description="Letter case of caption text.")
    text_colour: str = Field("#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$", description="Text colour.")
    highlight_colour: str = Field("#FFD400", pattern=r"^#[0-9A-Fa-f]{6}$", description="Colour of the word being spoken.")
    highlight_scale_pct: int = Field(112, ge=100, le=150, description="pop: size of the word being spoken, per cent.")
    outline_colour: str = Field("#000000", pattern=r"^#[0-9A-Fa-f]{6}$", description="Outline colour (the box colour for clean).")
    outline_px: float = Field(5.0, ge=0, le=20, description="Outline thickness (box padding for clean).")
    shadow_colour: str = Field("#000000", pattern=r"^#[0-9A-Fa-f]{6}$", description="Shadow colour.")
    shadow_opacity: float = Field(0.5, ge=0, le=1, description="Shadow opacity, 0-1.")
    shadow_px: float = Field(0.0, ge=0, le=20, description="Shadow distance (0: none; each shadow costs render time).")
    box_opacity: float = Field(0.6, ge=0, le=1, description="clean: opacity of the box behind the text.")
    position: Literal["bottom", "middle", "top"] = Field(
        "bottom", description="Where captions sit inside the platform's UI-safe zone."
    )
    margin_px: int = Field(40, ge=0, le=900, description="Distance from the safe zone's edge (bottom or top); for middle, a shift upwards.")
    words_per_line: int = Field(4, ge=1, le=12, description="Most words on one line (Chinese/Japanese: lines are filled by width).")
    max_lines: int = Field(2, ge=1, le=2, description="Most lines shown at once.")
    max_line_width_frac: float = Field(0.8, gt=0.2, le=1.0, description="Widest line as a fraction of the canvas width (never wider than the safe zone).")
    chinese_forms: Literal["simplified", "traditional"] = Field("simplified", description="Glyph forms for Chinese captions.")


class OverlayConfig(Section):
    product_card: bool = Field(True, description="Show a product card (name, price, link text, QR code).")
    show_price: bool = Field(True, description="Show the price on the card.")
    qr_code: bool = Field(True, description="Show a QR code of the tracked link on the card and the end card.")
    position: Literal["top", "bottom"] = Field("top", description="Card at the top or the bottom of the safe zone (captions move out of its way).")
    card_last_s: float = Field(8.0, ge=0, description="The card also shows over the last seconds of the reel.")
    link_text: str | None = Field(None, description="Link text on the card; default: the product URL's host and path.")
    font: str | None = Field(None, description="Card font; default: the caption font.")
    card_colour: str = Field("#FF4F00", pattern=r"^#[0-9A-Fa-f]{6}$", description="Card background colour.")
    card_opacity: float = Field(0.92, ge=0, le=1, description="Card background opacity.")
    card_text_colour: str = Field("#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$", description="Card text colour.")
    card_radius_px: int = Field(28, ge=0, le=200, description="Corner radius of the card.")
    end_card: bool = Field(False, description="Finish with an end card: product, price and a large QR code over a dimmed picture.")
    end_card_s: float = Field(3.0, ge=0.5, le=15, description="Length of the end card (the reel's last seconds).")
    end_card_title: str = Field("", description="Line at the top of the end card, e.g. 'Scan to shop' (empty: none).")
    end_card_dim: float = Field(0.65, ge=0, le=1, description="How much the end card darkens the picture, 0-1.")


class RenderConfig(Section):
    width_px: int = Field(1080, ge=144, le=4320, multiple_of=2, description="Output width.")
    height_px: int = Field(1920, ge=256, le=7680, multiple_of=2, description="Output height.")
    fps: float = Field(30.0, gt=0, le=120, description="Constant output frame rate.")
    crf: int = Field(21, ge=0, le=51, description="x264 quality (lower is better).")
    x264_preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"] = Field(
        "veryfast", description="x264 speed preset."
    )
    gop_s: float = Field(2.0, gt=0, le=10, description="Keyframe interval (closed GOPs).")
    audio_bitrate_kbps: int = Field(160, ge=32, le=512, description="AAC bitrate.")
    audio_rate_hz: Literal[44100, 48000] = Field(48000, description="Audio sample rate.")
    loudness_lufs: float = Field(-14.0, ge=-40, le=-5, description="Integrated loudness target (EBU R128).")
    true_peak_dbtp: float = Field(-1.0, ge=-9, le=0, description="True-peak ceiling.")
    loudness_range_lu: float = Field(11.0, ge=1, le=50, description="Loudness range target for loudnorm.")
    normalize_loudness: bool = Field(True, description="Two-pass loudness normalisation.")
    thumbnail: bool = Field(True, description="Pick a sharp thumbnail (eyes open when a face shows) for each reel.")


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
        # a leading '#' would make YAML read a comment: colours like #FFD400 stay strings
        value = raw.strip() if raw.strip().startswith("#") else (yaml.safe_load(raw) if raw.strip() else None)
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
