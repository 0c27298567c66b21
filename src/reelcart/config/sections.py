"""Preset sections read by the stages: transcribe, orders, spikes, moments, reframe, captions, overlay, render."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .cut_lexicon import DEFAULT_DIGRESSION_PHRASES, DEFAULT_FILLERS


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
    cpu_threads: int = Field(
        0, ge=0, description="CPU threads for decoding; 0 = all cores (a batch job: its thread budget). Chunks are decoded "
        "side by side, one single-threaded decoder per thread."
    )
    beam_size: int = Field(5, ge=1, le=10, description="Beam width of the decoder.")
    vad: bool = Field(True, description="Skip silence with the Silero VAD bundled in faster-whisper.")
    product_hints: bool = Field(True, description="Use the catalog's names and aliases to get product names right (see hint_policy).")
    hint_policy: Literal["correct", "decoder", "spike_windows"] = Field(
        "correct",
        description="How product names are used: correct = decode without hints, then put heard names right by "
        "spelling and sound (measured best on every CPU); decoder = every name as decoder hotwords; spike_windows = "
        "hotwords only for the spiking products, only in the windows before their spikes.",
    )
    repair: bool = Field(
        True, description="Find failed decodes (repeats, hint echoes, dropped speech, implausible rates) and decode "
        "those spans again without hints, greedy, with the fallback, then in shorter windows; keep the best by quality score."
    )
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
        description="Column mapping for other exports: reelcart field (timestamp, sku, quantity, amount, unit_price, "
        "order_id, status, product_name; also item, sku_id, parent_sku, product_id, variation, channel) to the "
        "export's column name.",
    )
    time_format: Literal["auto", "clock", "epoch_s", "epoch_ms", "excel", "stream_s"] = Field(
        "auto",
        description="How to read timestamps: auto (per cell: dates, epoch s/ms by size, Excel serials near the stream "
        "start, else seconds from stream start), clock (dates only), epoch_s, epoch_ms, excel (serial day numbers), "
        "stream_s (seconds from stream start).",
    )
    dayfirst: bool | None = Field(
        None, description="Dates like 05/11/2026: true = day first, false = month first, empty = detect from the whole column."
    )
    estimate_clock_offset: bool = Field(
        False,
        description="Estimate the shop clock's offset by lining up product mentions in the transcript with per-SKU "
        "order bursts (transcribes wider windows); applied on top of clock_offset_s when confident.",
    )
    clock_search_s: float = Field(900.0, gt=0, le=7200, description="Largest clock offset (either sign) the estimate considers.")
    clock_min_confidence: float = Field(
        0.5, ge=0, le=1, description="The estimated offset is applied only at or above this confidence (0-1)."
    )
    live_only: bool | Literal["auto"] = Field(
        "auto",
        description="Orders from the livestream only, where the export says (TikTok Order Channel = LIVE, Douyin "
        "流量体裁 = 直播): auto (when the export has that column and some orders came from the live), true, false.",
    )


class SpikesConfig(Section):
    bin_s: float = Field(10.0, gt=0, description="Width of the order-count bins.")
    baseline_window_s: float = Field(600.0, gt=0, description="Rolling window of the robust (median/MAD) baseline.")
    min_z: float = Field(4.0, gt=0, description="Robust z-score the next minute's orders must reach to start a spike (the next two minutes: half a point more).")
    min_orders: int = Field(5, ge=1, description="Orders above baseline a spike needs (one big order never counts).")
    merge_gap_s: float = Field(
        60.0, ge=0, description="Bursts of one SKU closer than this merge (a fresh take-off after a lull still splits them)."
    )
    overall: bool = Field(
        True,
        description="Also look for spikes in all orders together; one that no SKU spike explains is attributed to the "
        "SKU that carries most of it, or reported as a store-wide burst.",
    )
    attribute_min_share: float = Field(
        0.6, gt=0, le=1, description="Share of an overall spike's extra orders one SKU needs to be credited with it."
    )
    storewide_min_skus: int = Field(
        4, ge=2,
        description="When this many products gain orders in the same minute, it is a store-wide burst (a flash sale): "
        "SKU spikes that merely share in it (not far bigger than the others) are not credited to any pitch.",
    )


# Phrases are matched on normalized text (case, accents, Arabic letter forms and traditional/simplified
# Chinese folded), fuzzily, on word boundaries; "*" stands for one to three words. Whisper mishears
# some calls to action ("cart" -> "card", "pinned" -> "been"): those variants are listed too.
DEFAULT_CTA_PHRASES: dict[str, list[str]] = {
    "en": [
        "tap the cart", "tap the orange cart", "tap the yellow cart", "hit the cart", "click the cart", "add to cart",
        "add it to your cart", "in your cart", "tap the basket", "add to basket", "tap the link", "click the link",
        "link is pinned", "link pinned", "pinned at the top", "pinned comment", "link in bio", "link in my bio",
        "link is up", "link below", "link at the top", "tap below", "click below", "grab yours", "grab it now",
        "grab one", "buy now", "buy it now", "order now", "order yours", "shop now", "check it out", "don't miss out",
        "get yours", "pick one up", "snag one", "snag yours", "head to the link", "go to the link", "only * left",
        "left in stock", "limited stock", "selling out", "sell out", "use code", "tap the orange card", "tap the card",
        "hit the card", "click the card", "add to card", "link is been", "been at the top",
    ],
    "es": [
        "toca el carrito", "dale al carrito", "toca la canasta", "añade al carrito", "agrega al carrito",
        "agrégalo al carrito", "compra ahora", "cómpralo ya", "pide el tuyo", "consigue el tuyo", "enlace fijado",
        "link fijado", "enlace en la bio", "link en la bio", "haz clic en el enlace", "quedan pocas", "quedan pocos",
        "solo quedan *", "no te lo pierdas", "toca el enlace",
    ],
    "ar": [
        "اضغط على السلة", "اضغطوا على السلة", "اضغطي على السلة", "أضف إلى السلة", "أضيفوه إلى السلة", "اطلب الآن",
        "اطلبوا الآن", "اطلبي الآن", "اشتري الآن", "اشتروا الآن", "الرابط مثبت", "الرابط في الأعلى", "الكمية محدودة",
        "لا تفوت", "لا تفوتوا", "سارعوا", "سارع بالطلب",
    ],
    "vi": [
        "bấm vào giỏ hàng", "bấm giỏ hàng", "nhấn vào giỏ hàng", "thêm vào giỏ", "chốt đơn", "lên đơn", "mua ngay",
        "đặt hàng ngay", "đặt ngay", "link ghim", "link được ghim", "số lượng có hạn", "nhanh tay", "săn ngay",
    ],
    "zh": [
        "点击购物车", "点击小黄车", "点小黄车", "小黄车", "购物车", "马上下单", "立即下单", "赶紧下单", "立即购买",
        "马上抢", "赶紧抢", "链接已置顶", "链接在置顶", "上链接", "库存有限", "拍下",
    ],
}

DEFAULT_STALE_PHRASES: dict[str, list[str]] = {
    "en": [
        "next five minutes", "next 5 minutes", "next ten minutes", "next 10 minutes", "next few minutes",
        "for the next five minutes only", "for the next * minutes only",
        "comment below", "comment * below", "drop a comment", "type in the chat", "type * in the chat", "in the chat", "live only",
        "live-only", "only on this live", "only on the live", "only for viewers right now", "only for live viewers",
        "right now on the live", "while we're live", "while we are live", "during the live", "during this live",
        "live price", "live exclusive", "until the end of the stream", "until the end of the live", "tonight only",
    ],
    "es": [
        "próximos cinco minutos", "próximos 5 minutos", "próximos diez minutos", "comenta abajo", "comenten abajo",
        "escribe en el chat", "escriban en el chat", "solo en directo", "solo en este live", "solo en el live",
        "precio del live", "mientras estamos en vivo",
    ],
    "ar": [
        "الخمس دقائق القادمة", "خلال الخمس دقائق", "اكتبوا في التعليقات", "اكتبوا في الشات", "علقوا تحت",
        "فقط في البث", "فقط على اللايف", "سعر اللايف", "خلال البث المباشر", "عرض اللايف",
    ],
    "vi": [
        "trong năm phút tới", "trong 5 phút tới", "năm phút nữa", "bình luận bên dưới", "comment bên dưới",
        "chỉ trong live", "chỉ có trên live", "chỉ trong phiên live", "giá live", "chỉ dành cho người xem live",
    ],
    "zh": [
        "接下来五分钟", "接下来5分钟", "评论区扣", "在评论区", "扣一", "扣1", "直播间专享", "只限直播间", "直播间价格",
        "仅限今晚",
    ],
}


class MomentsConfig(Section):
    count: int = Field(3, ge=1, le=10, description="Reels to make when enough moments qualify.")
    min_count: int = Field(
        2, ge=0, le=10,
        description="Fewest reels to aim for: a second moment of an already chosen product is taken when that is the "
        "only way to reach it.",
    )
    min_duration_s: float = Field(15.0, gt=0, description="Shortest reel.")
    max_duration_s: float = Field(60.0, gt=0, description="Longest reel.")
    lookback_min_s: float = Field(5.0, ge=0, description="Shortest lag between the call to action and the order spike.")
    lookback_max_s: float = Field(120.0, gt=0, description="Longest lag between the call to action and the order spike.")
    pitch_max_s: float = Field(
        90.0, gt=0, description="How far before the call to action a pitch may start (sets the audio transcribed before a spike)."
    )
    allow_repeat_products: bool = Field(False, description="Allow two reels for the same product.")
    name_match_min: float = Field(80.0, ge=0, le=100, description="Fuzzy score (0-100) for a product mention.")
    lead_in_s: float = Field(0.25, ge=0, description="Audio kept before the first word.")
    tail_s: float = Field(0.6, ge=0, description="Audio kept after the last word.")
    max_pause_s: float = Field(
        4.0, gt=0,
        description="A silence longer than this is dead air: it ends a pitch (unless the product is named again or a "
        "call to action follows), and inside a reel it is cut (moments.cut_dead_air).",
    )
    cut_live_only: bool = Field(True, description="Cut live-only offers (moments.stale_phrases) from inside the reel, not just flag them.")
    cut_dead_air: bool = Field(True, description="Cut silences longer than moments.max_pause_s from inside the reel.")
    cut_digressions: bool = Field(
        True, description="Cut digressions inside the pitch: comments read out, stock checks (moments.digression_phrases), "
        "another product named in passing.")
    cut_fillers: bool = Field(False, description="Cut filler words (moments.filler_words: um, uh, kiểu, 那个...).")
    min_segment_s: float = Field(1.5, gt=0, description="A piece shorter than this between two cuts is kept with its neighbour (no flashes).")
    digression_phrases: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_DIGRESSION_PHRASES.items()},
        description="Digression lexicon per language ('*' stands for one to three words).")
    filler_words: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_FILLERS.items()},
        description="Filler words per language, matched as whole words.")
    cta_match_min: float = Field(88.0, ge=0, le=100, description="Fuzzy score (0-100) for a call-to-action or live-only phrase.")
    cta_phrases: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_CTA_PHRASES.items()},
        description="Call-to-action lexicon per language (every language is searched, the recording's first); "
        "'*' stands for one to three words.",
    )
    stale_phrases: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_STALE_PHRASES.items()},
        description="Live-only phrases replay viewers cannot act on, per language.",
    )


class ReframeConfig(Section):
    mode: Literal["auto", "center", "fit", "track"] = Field(
        "auto",
        description="auto: per shot, a steady window, a tracking window or the whole frame on a blurred fill (fit), "
        "as the subject needs; center: fixed centre crop; fit: whole frame on a blurred fill; track: always follow the subject.",
    )
    analysis_fps: float = Field(4.0, gt=0, le=5, description="Frames per second analysed for subjects (cuts are found on every frame).")
    analysis_width_px: int = Field(480, ge=160, le=480, description="Width analysed frames are scaled to (by ffmpeg).")
    detectors: list[str] = Field(
        default_factory=lambda: ["haar"],
        description="Face detectors, in order: haar (OpenCV Haar frontal + profile, offline), yunet (needs yunet_model).",
    )
    yunet_model: str | None = Field(None, description="Path of a YuNet face-detection .onnx file; when set, YuNet runs before haar.")
    fallback: bool = Field(True, description="With no face in a shot, follow a salient region (silhouette, product) or motion.")
    min_face_frac: float = Field(0.06, gt=0, le=0.5, description="Smallest face, as a fraction of the frame's shorter side.")
    cut_threshold: float = Field(
        5.0, gt=0, le=100,
        description="Content-change score (ffmpeg scdet, 0-100) that marks a cut; continuous footage scores under 3.",
    )
    min_shot_s: float = Field(0.6, ge=0, description="Shortest shot; closer cuts are merged.")
    allow_fit: bool = Field(True, description="In auto mode, show the whole frame on a blurred fill when the subjects cannot fit 9:16.")
    smoothing_s: float = Field(1.5, gt=0, le=10, description="Tracking path smoothing: wobbles shorter than this are ignored.")
    dead_band_frac: float = Field(0.08, ge=0, le=0.5, description="The window holds still until the subject drifts this fraction of its width.")
    max_speed_frac_s: float = Field(0.5, gt=0, le=5, description="Fastest pan, in source widths (heights for a vertical pan) per second.")
    max_accel_frac_s2: float = Field(1.0, gt=0, le=20, description="Strongest pan acceleration, in source widths per second squared.")


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
