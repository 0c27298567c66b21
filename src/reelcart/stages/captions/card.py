"""The product card and end card: rows of text fitted to the box, and the plan the renderer draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ...config import OverlayConfig
from ...media.fonts import Face, ass_size, face_runs, line_factor, text_width_px
from ...models import Moment, Product
from ...text import ass_time
from ...timeline import to_reel_time
from .ass import _bgr, _runs_text
from .layout import Layout
from .pages import NO_LINE_START


@dataclass
class CardPlan:
    """The product card and end card on the reel clock, in pixels.

    The text is ASS (``events``, drawn by libass); the boxes, the dimmed picture and the QR codes are
    images (``render.card_images``) that ffmpeg's overlay filter lays under the text.
    """

    events: list[str]
    card_box: tuple[int, int, int, int] | None  # x0, y0, x1, y1
    card_spans: list[tuple[float, float]]
    qr_card: tuple[int, int, int] | None  # x, y, size during the card spans
    end_span: tuple[float, float] | None
    qr_end: tuple[int, int, int] | None  # x, y, size during the end card
    faces: list[Face] = field(default_factory=list)
    end_box: tuple[int, int, int, int] | None = None  # the end card's panel
    radius_px: int = 0
    end_radius_px: int = 0
    colour: str = "#FF4F00"
    opacity: float = 1.0
    dim: float = 0.0


# ----------------------------------------------------------------- product card


def link_label(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") or url


def price_text(product: Product) -> str:
    if product.price is None:
        return ""
    return f"{product.price:,.2f} {product.currency or ''}".strip()


def _fit_text(text: str, face: Face, weight: int, size_px: int, min_px: int, max_w: float) -> tuple[str, int]:
    """(text, size): shrink the font to fit ``max_w``; below ``min_px``, cut the text with an ellipsis."""
    def width(t: str, s: int) -> float:
        return sum(text_width_px(x, f.path, s) for f, x in face_runs(t, face, weight))

    w = width(text, size_px)
    if w <= max_w:
        return text, size_px
    size = max(min_px, int(size_px * max_w / w))
    if width(text, size) <= max_w:
        return text, size
    cut = text
    while cut and width(cut + "…", size) > max_w:
        cut = cut[:-1]
    return cut.rstrip() + "…", size


def _split_balanced(text: str, face: Face, weight: int, size: int) -> tuple[str, str] | None:
    """Two lines of about equal width, broken at a space (between characters for Chinese/Japanese)."""
    tokens = text.split(" ") if " " in text.strip() else list(text)
    joiner = " " if " " in text.strip() else ""
    if len(tokens) < 2:
        return None

    def width(t: str) -> float:
        return sum(text_width_px(x, f.path, size) for f, x in face_runs(t, face, weight))

    best = None
    for i in range(1, len(tokens)):
        a, b = joiner.join(tokens[:i]).strip(), joiner.join(tokens[i:]).strip()
        if not a or not b or b[0] in NO_LINE_START:
            continue
        cost = max(width(a), width(b))
        if best is None or cost < best[0]:
            best = (cost, a, b)
    return (best[1], best[2]) if best else None


def _fit_lines(text: str, face: Face, weight: int, size_px: int, min_px: int, max_w: float) -> list[tuple[str, int]]:
    """One line at full size, else two balanced lines (shrunk if needed, the last cut with an ellipsis)."""
    def width(t: str, s: int) -> float:
        return sum(text_width_px(x, f.path, s) for f, x in face_runs(t, face, weight))

    text = " ".join(text.split())
    one_line_min = round(size_px * 0.8)
    if width(text, one_line_min) <= max_w:
        return [_fit_text(text, face, weight, size_px, one_line_min, max_w)]
    size = round(size_px * 0.92)
    while size >= min_px:
        pair = _split_balanced(text, face, weight, size)
        if pair and max(width(pair[0], size), width(pair[1], size)) <= max_w:
            return [(pair[0], size), (pair[1], size)]
        size -= max(1, size_px // 16)
    # too long for two lines: fill the first, cut the end of the second (never the middle)
    spaced = " " in text
    tokens = text.split(" ") if spaced else list(text)
    joiner = " " if spaced else ""
    k = 1
    while k < len(tokens) and width(joiner.join(tokens[: k + 1]), min_px) <= max_w:
        k += 1
    first = joiner.join(tokens[:k])
    if width(first, min_px) > max_w:
        return [_fit_text(text, face, weight, min_px, min_px, max_w)]
    second, _ = _fit_text(joiner.join(tokens[k:]), face, weight, min_px, min_px, max_w)
    return [(first, min_px), (second, min_px)] if second else [(first, min_px)]


def _card_rows(product: Product, overlay: OverlayConfig, face: Face, weight: int, k: float, max_w: float) -> list[tuple[str, int]]:
    """The card's lines: name (one or two lines), price, link text; each fitted to the width."""
    rows = _fit_lines(product.name, face, weight, round(54 * k), round(34 * k), max_w)
    price = price_text(product) if overlay.show_price else ""
    if price:
        rows.append(_fit_text(price, face, weight, round(48 * k), round(30 * k), max_w))
    link = overlay.link_text or link_label(product.url)
    if link:
        size, min_px = round(34 * k), round(26 * k)
        text, px = _fit_text(link, face, weight, size, min_px, max_w)
        host = urlsplit(product.url).netloc
        if text != link and not overlay.link_text and host:
            text, px = _fit_text(host, face, weight, size, min_px, max_w)  # the QR code carries the full link
        rows.append((text, px))
    return rows


def _card_line(text: str, face: Face, weight: int, size: int, colour: str, x: int, y: int, align: int) -> str:
    runs = face_runs(text, face, weight)
    return (f"{{\\an{align}\\pos({x},{y})\\fn{face.ass_name}\\fs{ass_size(face, size):g}\\c{colour}\\bord0\\shad0}}"
            f"{_runs_text(runs, face, size)}")


def row_height(text: str, face: Face, weight: int, size: int) -> int:
    """Height libass gives a line of ``text`` at ``size`` px per em (the tallest face in it)."""
    return round(size * max(line_factor(f) for f, _ in face_runs(text, face, weight) or [(face, "")]))


def _card_spans(moment: Moment, overlay: OverlayConfig, duration: float, card_until: float) -> list[tuple[float, float]]:
    """When the card shows: from the call to action and over the last ``card_last_s``, merged."""
    spans: list[tuple[float, float]] = []
    if moment.cta_start_s is not None:
        spans.append((to_reel_time(moment.cta_start_s, moment.spans(), snap=True) or 0.0, card_until))
    spans.append((max(0.0, duration - overlay.card_last_s), card_until))
    merged: list[tuple[float, float]] = []
    for s, e in sorted(spans):
        if e - s < 0.05:
            continue
        if merged and s <= merged[-1][1] + 0.5:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


@dataclass
class _Drawn:
    """What one part of the card adds: events, faces used, its box, its spans and its QR spot."""

    events: list[str] = field(default_factory=list)
    faces: list[Face] = field(default_factory=list)
    box: tuple[int, int, int, int] | None = None
    spans: list[tuple[float, float]] = field(default_factory=list)
    qr: tuple[int, int, int] | None = None


def _product_card(product: Product, moment: Moment, overlay: OverlayConfig, layout: Layout, face: Face, weight: int,
                  rtl: bool, duration: float, card_until: float) -> _Drawn:
    """The card: a rounded box in the safe zone, text on one side, the QR code on the other."""
    k = layout.scale
    text_c = _bgr(overlay.card_text_colour)
    out = _Drawn()
    pad = round(28 * k)
    qr = round(220 * k) if overlay.qr_code else 0
    x0, x1 = layout.x_left, layout.x_right
    text_w = (x1 - x0) - 2 * pad - (qr + pad if qr else 0)
    rows = _card_rows(product, overlay, face, weight, k, text_w)
    text_h = sum(row_height(t, face, weight, px) for t, px in rows)
    card_h = max(text_h, qr) + 2 * pad
    if overlay.position == "top":
        y0 = layout.safe_top + layout.pad
    else:
        y0 = layout.height_px - layout.safe_bottom - layout.pad - card_h
    out.box = (x0, y0, x1, y0 + card_h)
    if rtl:
        qr_x, tx, talign = x0 + pad, x1 - pad, 9
    else:
        qr_x, tx, talign = x1 - pad - qr, x0 + pad, 7
    out.spans = _card_spans(moment, overlay, duration, card_until)
    for s, e in out.spans:
        ty = y0 + (card_h - text_h) // 2
        for text, px in rows:
            out.events.append(f"Dialogue: 3,{ass_time(s)},{ass_time(e)},Card,,0,0,0,,"
                              f"{_card_line(text, face, weight, px, text_c, tx, ty, talign)}")
            ty += row_height(text, face, weight, px)
    if qr and out.spans:
        out.qr = (qr_x, y0 + (card_h - qr) // 2, qr)
    out.faces = [f for text, _ in rows for f, _ in face_runs(text, face, weight)]
    return out


def _end_card(product: Product, overlay: OverlayConfig, layout: Layout, face: Face, weight: int, detail: str,
              end_span: tuple[float, float]) -> _Drawn:
    """The end card: the picture dimmed, a panel with the product and a large QR code."""
    k = layout.scale
    text_c = _bgr(overlay.card_text_colour)
    out = _Drawn()
    s, e = end_span
    w, h = layout.width_px, layout.height_px
    sx0, sy0, sx1, sy1 = layout.x_left, layout.safe_top + layout.pad, layout.x_right, h - layout.safe_bottom - layout.pad
    pad = round(40 * k)
    title_px, name_px, detail_px = round(52 * k), round(60 * k), round(44 * k)
    inner_w = (sx1 - sx0) - 2 * pad
    rows = []
    if overlay.end_card_title.strip():
        rows.append(("title", title_px))
    qr = min(round(0.5 * w), inner_w) if overlay.qr_code else 0
    rows += [("name", name_px), ("detail", detail_px)]
    text_h = sum(round(px * line_factor(face)) for _, px in rows)
    panel_h = text_h + (qr + pad if qr else 0) + 2 * pad
    if panel_h > sy1 - sy0 and qr:
        qr = max(round(120 * k), qr - (panel_h - (sy1 - sy0)))
        panel_h = text_h + qr + pad + 2 * pad
    py0 = sy0 + max(0, ((sy1 - sy0) - panel_h) // 2)
    cx = (sx0 + sx1) // 2
    out.box = (sx0, py0, sx1, py0 + panel_h)
    y = py0 + pad
    for kind, px in rows:
        if kind == "name" and qr:
            out.qr = (cx - qr // 2, y, qr)
            y += qr + pad
        source = {"title": overlay.end_card_title, "name": product.name, "detail": detail}[kind]
        text, size = _fit_text(source, face, weight, px, round(28 * k), inner_w)
        out.events.append(f"Dialogue: 6,{ass_time(s)},{ass_time(e)},Card,,0,0,0,,{_card_line(text, face, weight, size, text_c, cx, y, 8)}")
        out.faces += [f for f, _ in face_runs(text, face, weight)]
        y += round(px * line_factor(face))
    return out


def build_card(
    product: Product,
    moment: Moment,
    overlay: OverlayConfig,
    layout: Layout,
    *,
    face: Face,
    weight: int,
    link: str,
    rtl: bool = False,
    duration_s: float | None = None,
) -> CardPlan | None:
    """Card and end-card events (escaped text), their spans on the reel clock, and where the QR goes."""
    if not overlay.product_card and not overlay.end_card:
        return None
    k = layout.scale
    duration = moment.duration_s if duration_s is None else duration_s
    end_span = (max(0.0, duration - overlay.end_card_s), duration) if overlay.end_card else None
    card_until = end_span[0] if end_span else duration
    detail = " · ".join(x for x in ((price_text(product) if overlay.show_price else ""),
                                     overlay.link_text or link_label(product.url)) if x)  # end card line
    card = _product_card(product, moment, overlay, layout, face, weight, rtl, duration, card_until) if overlay.product_card else _Drawn()
    end = _end_card(product, overlay, layout, face, weight, detail, end_span) if end_span is not None else _Drawn()
    unique = list({f.ass_name: f for f in [face, *card.faces, *end.faces]}.values())
    return CardPlan([*card.events, *end.events], card.box, card.spans, card.qr, end_span, end.qr, unique,
                    end_box=end.box if end_span is not None else None, radius_px=round(overlay.card_radius_px * k),
                    end_radius_px=round(overlay.card_radius_px * k * 1.5), colour=overlay.card_colour,
                    opacity=overlay.card_opacity, dim=overlay.end_card_dim)
