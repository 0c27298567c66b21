"""The product card and end card as images (boxes, dimming, QR codes) laid over the picture."""

from __future__ import annotations

from pathlib import Path

from ...artifacts import atomic_path
from ...config import Preset
from ...errors import MediaError
from .plan import ReelPlan

QR_BORDER_MODULES = 2


def qr_image(link: str, size_px: int):  # noqa: ANN201 - numpy uint8 (size, size) grey
    """The link as a QR code, black modules on white, whole pixels per module, centred in size_px."""
    import numpy as np
    import segno

    qr = segno.make(link, error="m", micro=False)
    modules = np.array([list(row) for row in qr.matrix], dtype=bool)
    n = modules.shape[0] + 2 * QR_BORDER_MODULES
    unit = max(1, size_px // n)
    code = np.kron(np.pad(modules, QR_BORDER_MODULES), np.ones((unit, unit), dtype=bool))
    out = np.full((size_px, size_px), 255, dtype=np.uint8)
    off = max(0, (size_px - code.shape[0]) // 2)
    side = min(size_px, code.shape[0])
    out[off: off + side, off: off + side] = np.where(code[:side, :side], 0, 255)
    return out


def _rounded_alpha(w: int, h: int, r: int):  # noqa: ANN202 - numpy float (h, w) in 0..1
    """Coverage of a w×h rectangle with corner radius r (antialiased edges)."""
    import numpy as np

    r = max(0, min(r, w // 2, h // 2))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    cx = np.clip(xs, r, w - r)
    cy = np.clip(ys, r, h - r)
    dist = np.hypot(xs - cx, ys - cy)
    return np.clip(r + 0.5 - dist, 0.0, 1.0) if r > 0 else np.ones((h, w), dtype=np.float32)


def _hex_bgr(hex_rgb: str) -> tuple[int, int, int]:
    return int(hex_rgb[5:7], 16), int(hex_rgb[3:5], 16), int(hex_rgb[1:3], 16)


def card_images(plan: ReelPlan, width_px: int, height_px: int) -> list[tuple[str, object, int, int, list[tuple[float, float]]]]:
    """(name, BGRA image, x, y, spans) of the card and the end card: boxes, dimming and QR codes."""
    import numpy as np

    card = plan.card
    out: list[tuple[str, object, int, int, list[tuple[float, float]]]] = []
    if card is None:
        return out
    colour = np.array(_hex_bgr(card.colour), dtype=np.float32)
    if card.card_box is not None and card.card_spans:
        x0, y0, x1, y1 = card.card_box
        alpha = _rounded_alpha(x1 - x0, y1 - y0, card.radius_px) * card.opacity
        img = np.zeros((y1 - y0, x1 - x0, 4), dtype=np.float32)
        img[..., :3] = colour
        img[..., 3] = alpha * 255
        if card.qr_card is not None:
            qx, qy, qs = card.qr_card
            code = qr_image(plan.link, qs).astype(np.float32)
            img[qy - y0: qy - y0 + qs, qx - x0: qx - x0 + qs, :3] = code[..., None]
            img[qy - y0: qy - y0 + qs, qx - x0: qx - x0 + qs, 3] = 255
        out.append(("card", img.round().astype(np.uint8), x0, y0, card.card_spans))
    if card.end_span is not None and card.end_box is not None:
        img = np.zeros((height_px, width_px, 4), dtype=np.float32)
        a_dim = np.full((height_px, width_px), card.dim, dtype=np.float32)
        x0, y0, x1, y1 = card.end_box
        a_panel = np.zeros_like(a_dim)
        a_panel[y0:y1, x0:x1] = _rounded_alpha(x1 - x0, y1 - y0, card.end_radius_px) * card.opacity
        a_out = a_panel + a_dim * (1 - a_panel)
        safe = np.maximum(a_out, 1e-6)
        img[..., :3] = (colour * a_panel[..., None]) / safe[..., None]  # panel over black
        img[..., 3] = a_out * 255
        if card.qr_end is not None:
            qx, qy, qs = card.qr_end
            code = qr_image(plan.link, qs).astype(np.float32)
            img[qy: qy + qs, qx: qx + qs, :3] = code[..., None]
            img[qy: qy + qs, qx: qx + qs, 3] = 255
        out.append(("end", img.round().astype(np.uint8), 0, 0, [card.end_span]))
    return out


def write_card_images(plan: ReelPlan, preset: Preset, work_dir: Path, stem: str) -> list[tuple[str, int, int, list[tuple[float, float]]]]:
    """Write the card images as PNG in the work folder; (relative name, x, y, spans) for the graph."""
    import cv2

    written = []
    for kind, img, x, y, spans in card_images(plan, preset.render.width_px, preset.render.height_px):
        name = f"{kind}-{stem}.png"
        with atomic_path(work_dir / name, suffix=".png") as tmp:
            if not cv2.imwrite(str(tmp), img):
                raise MediaError("cannot write the card image", path=work_dir / name)
        written.append((name, x, y, spans))
    return written
