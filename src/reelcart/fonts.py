"""Caption fonts shipped as Python packages, chosen per script, and text width measurement."""

from __future__ import annotations

import functools
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

# family name (as libass sees it) -> fontpkg module
BUNDLED = {
    "Montserrat": "fontpkg_montserrat",
    "Noto Sans": "fontpkg_noto_sans",
    "Noto Sans Arabic": "fontpkg_noto_sans_arabic",
}
SCRIPT_FONT = {"ar": "Noto Sans Arabic", "fa": "Noto Sans Arabic", "ur": "Noto Sans Arabic"}
CJK_LANGS = {"zh", "ja", "ko", "yue"}
SYSTEM_CJK = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


@dataclass(frozen=True)
class FontChoice:
    family: str
    path: Path | None


def bundled_font_path(family: str) -> Path | None:
    import importlib.util

    module = BUNDLED.get(family)
    if module is None:
        return None
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "files"
    files = sorted(p for p in folder.glob("*.ttf") if "Italic" not in p.name)
    return files[0] if files else None


def choose_font(preferred: str, language: str) -> FontChoice:
    """The caption family for the transcript's language (the preset's font where it covers it)."""
    if language in SCRIPT_FONT:
        family = SCRIPT_FONT[language]
        return FontChoice(family, bundled_font_path(family))
    if language in CJK_LANGS:
        path = next((Path(p) for p in SYSTEM_CJK if os.path.exists(p)), None)
        return FontChoice("Noto Sans CJK SC", path)
    return FontChoice(preferred, bundled_font_path(preferred))


def prepare_fonts_dir(target: Path) -> Path:
    """A folder with every bundled font, for libass's ``fontsdir`` (short relative name, no escaping)."""
    target.mkdir(parents=True, exist_ok=True)
    for family in BUNDLED:
        src = bundled_font_path(family)
        if src is None:
            continue
        dst = target / src.name.replace("[", "-").replace("]", "").replace(",", "-")
        if not dst.exists():
            try:
                os.symlink(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
    for system in SYSTEM_CJK:
        if os.path.exists(system):
            dst = target / Path(system).name
            if not dst.exists():
                try:
                    os.symlink(system, dst)
                except OSError:
                    pass
    return target


@functools.lru_cache(maxsize=8)
def _advance_table(path: str) -> tuple[dict[int, int], int, int]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True, fontNumber=0)
    cmap = font.getBestCmap() or {}
    hmtx = font["hmtx"]
    units = font["head"].unitsPerEm
    widths = {code: hmtx[name][0] for code, name in cmap.items()}
    fallback = int(sum(widths.values()) / max(1, len(widths)))
    return widths, units, fallback


def text_width_px(text: str, font_path: Path | None, size_px: float, bold: bool = True) -> float:
    """Advance width of ``text`` at ``size_px`` (libass scales the em to the font size)."""
    factor = 1.06 if bold else 1.0
    if font_path is None:
        return sum((size_px if ord(ch) > 0x2E80 else size_px * 0.6) for ch in text) * factor
    widths, units, fallback = _advance_table(str(font_path))
    total = sum(widths.get(ord(ch), fallback) for ch in text)
    return total * size_px / units * factor


def missing_glyphs(text: str, font_path: Path | None) -> set[str]:
    if font_path is None:
        return set()
    widths, _, _ = _advance_table(str(font_path))
    return {ch for ch in text if not ch.isspace() and ord(ch) not in widths}
