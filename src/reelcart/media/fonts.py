"""Caption fonts: shipped as Python packages, chosen per script, measured with fontTools.

Every face reelcart draws with comes from a PyPI package, so a fresh install renders every script
without system fonts:

* ``Be Vietnam Pro`` (fontpkg-be-vietnam-pro, static weights): Latin and Vietnamese, the default.
* ``Montserrat`` and ``Noto Sans`` (variable fonts): Latin, Vietnamese; Noto Sans also Cyrillic, Greek.
* ``Noto Sans Arabic`` (variable): Arabic, Persian, Urdu.
* ``Noto Sans CJK`` (cvttf-notosanscjk-bold, static bold OTF): Chinese, Japanese, Korean.

libass reads these from a folder passed as the subtitles filter's ``fontsdir`` and does **not** fall
back from them to other fonts for missing glyphs, so text is split into runs per script and each
run is given a face that has its glyphs (``{\\fn...}`` overrides in the ASS). libass matches faces by
their full name; variable fonts are instanced once at the requested weight with fontTools and
cached (the default instance of Montserrat is Thin) under a unique name so a system font of the
same family can never be picked instead.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..artifacts import atomic_path

WEIGHT_NAMES = {
    100: "Thin", 200: "ExtraLight", 300: "Light", 400: "Regular", 500: "Medium",
    600: "SemiBold", 700: "Bold", 800: "ExtraBold", 900: "Black",
}


@dataclass(frozen=True)
class Family:
    name: str
    module: str
    pattern: str  # file name; "{weight}" is replaced by a WEIGHT_NAMES entry for static families
    scripts: frozenset[str]
    variable: bool = False


FAMILIES: dict[str, Family] = {
    f.name.lower(): f
    for f in (
        Family("Be Vietnam Pro", "fontpkg_be_vietnam_pro", "BeVietnamPro-{weight}.ttf", frozenset({"latin"})),
        Family("Montserrat", "fontpkg_montserrat", "Montserrat[wght].ttf", frozenset({"latin"}), variable=True),
        Family("Noto Sans", "fontpkg_noto_sans", "NotoSans[wdth,wght].ttf", frozenset({"latin"}), variable=True),
        Family("Noto Sans Arabic", "fontpkg_noto_sans_arabic", "NotoSansArabic[wdth,wght].ttf", frozenset({"arabic"}), variable=True),
        Family("Noto Sans CJK", "cvttf_NotoSansCJK_Bold", "NotoSansCJKtc-Bold.otf", frozenset({"cjk", "latin"})),
    )
}
# bundled names kept for callers of the first version
BUNDLED = {f.name: f.module for f in FAMILIES.values()}
SCRIPT_FAMILY = {"latin": "Be Vietnam Pro", "arabic": "Noto Sans Arabic", "cjk": "Noto Sans CJK"}
# second choices when the first lacks glyphs (Cyrillic, Greek, symbols)
FALLBACK_FAMILIES = ("Be Vietnam Pro", "Noto Sans", "Noto Sans CJK", "Noto Sans Arabic")
CJK_LANGS = {"zh", "ja", "ko", "yue"}
RTL_LANGS = {"ar", "fa", "ur", "he", "yi", "ps", "sd", "ug"}
LANG_SCRIPT = {**{lang: "cjk" for lang in CJK_LANGS}, **{lang: "arabic" for lang in ("ar", "fa", "ur", "ps", "sd", "ug")}}
SCRIPT_SAMPLES = {
    "latin": "Tiếng Việt có dấu: ạ ằ ẩ ễ ộ ử ỹ đ Đ",
    "arabic": "اشتري الآن قبل نفاد الكمية",
    "cjk": "中国今日又望创下历史单日出行人次最高",
}
ENV_FONT_CACHE = "REELCART_FONT_CACHE"


@dataclass(frozen=True)
class Face:
    """One font file at one weight, and the name libass knows it by."""

    family: str
    weight: int
    path: Path | None  # None: a system family libass finds through fontconfig (not bundled)
    ass_name: str

    @property
    def bundled(self) -> bool:
        return self.path is not None


# ----------------------------------------------------------------- scripts


def char_script(ch: str) -> str | None:
    """'arabic', 'cjk', 'latin' (any other letter), or None for neutral characters."""
    cp = ord(ch)
    if (0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF or 0xFB50 <= cp <= 0xFDFF
            or 0xFE70 <= cp <= 0xFEFF):
        return "arabic"
    if (0x2E80 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF or 0xF900 <= cp <= 0xFAFF or 0xFF00 <= cp <= 0xFFEF
            or 0x20000 <= cp <= 0x3FFFF or 0x3000 <= cp <= 0x303F):
        return "cjk"
    if ch.isalpha():
        return "latin"
    return None


def text_script(text: str, language: str | None = None) -> str:
    """The dominant script of ``text`` (letters counted), else the language's script, else latin."""
    counts: dict[str, int] = {}
    for ch in text:
        s = char_script(ch)
        if s:
            counts[s] = counts.get(s, 0) + 1
    if counts:
        return max(counts, key=lambda s: (counts[s], s != "latin"))
    return LANG_SCRIPT.get((language or "").split("-")[0], "latin")


def script_runs(text: str) -> list[tuple[str | None, str]]:
    """Split text into runs of one script; neutral characters join the run before them."""
    runs: list[tuple[str | None, str]] = []
    for ch in text:
        s = char_script(ch)
        if runs and (s is None or s == runs[-1][0] or runs[-1][0] is None):
            prev_s, prev_t = runs[-1]
            runs[-1] = (prev_s if s is None else s, prev_t + ch)
        else:
            runs.append((s, ch))
    return runs


# ----------------------------------------------------------------- faces


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _family_file(family: Family, weight: int) -> tuple[Path | None, int]:
    folder = _package_dir(family.module)
    if folder is None:
        return None, weight
    candidates = [folder / "files", folder]
    if family.variable or "{weight}" not in family.pattern:
        for c in candidates:
            if (c / family.pattern).is_file():
                return c / family.pattern, weight
        return None, weight
    for w in sorted(WEIGHT_NAMES, key=lambda w: (abs(w - weight), -w)):
        for c in candidates:
            path = c / family.pattern.format(weight=WEIGHT_NAMES[w])
            if path.is_file():
                return path, w
    return None, weight


def font_cache_dir() -> Path:
    root = os.environ.get(ENV_FONT_CACHE)
    if root:
        return Path(root)
    from ..speech.models import cache_dir

    return cache_dir() / "fonts"


@functools.lru_cache(maxsize=64)
def _names(path: str) -> tuple[str, str, int, bool]:
    """(family, full name, weight class, variable) of a font file (first face of a collection)."""
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True, fontNumber=0)
    name = font["name"]
    family = str(name.getDebugName(1) or Path(path).stem)
    full = str(name.getDebugName(4) or family)
    weight = int(getattr(font.get("OS/2"), "usWeightClass", 400) or 400)
    return family, full, weight, "fvar" in font


def _instance(source: Path, family: str, weight: int) -> tuple[Path, str]:
    """A static instance of a variable font at ``weight``, cached; returns (file, libass name)."""
    from fontTools import version as ft_version

    stat = source.stat()
    key = hashlib.sha256(f"{source.name}|{stat.st_size}|{int(stat.st_mtime)}|{weight}|{ft_version}".encode()).hexdigest()[:10]
    ass_name = f"{family} RC{weight}"
    target = font_cache_dir() / f"{source.stem.split('[')[0]}-{weight}-{key}.ttf"
    if target.is_file() and target.stat().st_size > 0:
        return target, ass_name
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(str(source))
    axes = {a.axisTag: a.defaultValue for a in font["fvar"].axes}
    wght = next((a for a in font["fvar"].axes if a.axisTag == "wght"), None)
    if wght is not None:
        axes["wght"] = float(min(max(weight, wght.minValue), wght.maxValue))
    static = instancer.instantiateVariableFont(font, axes)
    name = static["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 2, 3, 4, 6, 16, 17, 21, 22):
            name.removeNames(nameID=rec.nameID)
    ps = re.sub(r"[^A-Za-z0-9-]", "", f"{family}RC-{weight}")[:60]
    for name_id, value in ((1, ass_name), (2, "Regular"), (3, f"reelcart:{ps}"), (4, ass_name), (6, ps)):
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    if "OS/2" in static:
        static["OS/2"].usWeightClass = int(weight)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        static.save(str(tmp))
    return target, ass_name


@functools.lru_cache(maxsize=64)
def resolve_face(font: str, weight: int = 800) -> Face:
    """A bundled family at the nearest weight, a font file (.ttf/.otf/.ttc), or a system family name."""
    candidate = Path(font).expanduser()
    if candidate.suffix.lower() in (".ttf", ".otf", ".ttc") and candidate.is_file():
        family, full, w, _ = _names(str(candidate))
        return Face(family, w, candidate.resolve(), full)
    fam = FAMILIES.get(font.strip().lower())
    if fam is None:
        return Face(font, weight, None, font)
    path, chosen = _family_file(fam, weight)
    if path is None:
        return Face(fam.name, weight, None, fam.name)
    if fam.variable:
        inst, ass_name = _instance(path, fam.name, chosen)
        return Face(fam.name, chosen, inst, ass_name)
    _, full, w, _ = _names(str(path))
    return Face(fam.name, w, path, full)


def bundled_font_path(family: str) -> Path | None:
    """The package file of a bundled family (variable fonts: the variable file itself)."""
    fam = FAMILIES.get(family.lower())
    if fam is None:
        return None
    return _family_file(fam, 800)[0]


def covers(face: Face, text: str) -> bool:
    return not missing_glyphs(text, face.path) if face.path is not None else False


def face_for_text(preferred: Face, text: str, weight: int) -> Face:
    """``preferred`` when it has every glyph of ``text``, else the first bundled face that has."""
    if covers(preferred, text) or not text.strip():
        return preferred
    script = text_script(text)
    order = [SCRIPT_FAMILY.get(script, "Noto Sans"), *FALLBACK_FAMILIES]
    for name in dict.fromkeys(order):
        face = resolve_face(name, weight)
        if covers(face, text):
            return face
    return preferred if preferred.path is not None else resolve_face(SCRIPT_FAMILY.get(script, "Noto Sans"), weight)


def primary_face(font: str, weight: int, text: str, language: str | None) -> Face:
    """The caption face for a transcript: the preset's font when it covers the transcript's script."""
    preferred = resolve_face(font, weight)
    script = text_script(text, language)
    sample = text if text.strip() else SCRIPT_SAMPLES[script]
    letters = "".join(ch for ch in sample if char_script(ch) == script) or SCRIPT_SAMPLES[script]
    if preferred.path is None:
        return preferred  # a system family: trust fontconfig, `reelcart doctor` reports gaps
    if covers(preferred, letters):
        return preferred
    return face_for_text(resolve_face(SCRIPT_FAMILY[script], weight), letters, weight)


def face_runs(text: str, primary: Face, weight: int) -> list[tuple[Face, str]]:
    """Split ``text`` into runs, each with a face that has its glyphs (neighbouring runs merged)."""
    out: list[tuple[Face, str]] = []
    for _, run in script_runs(text):
        face = face_for_text(primary, run, weight)
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + run)
        else:
            out.append((face, run))
    return out


def prepare_fonts_dir(target: Path, faces: list[Face] | None = None) -> Path:
    """A folder with the given faces (default: every bundled family at weight 800) for ``fontsdir``."""
    if faces is None:
        faces = [resolve_face(f.name, 800) for f in FAMILIES.values()]
    target.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for face in faces:
        if face.path is None:
            continue
        name = re.sub(r"[^A-Za-z0-9._-]", "-", face.path.name)
        wanted[name] = face.path
    for existing in target.iterdir():
        if existing.name not in wanted:
            existing.unlink()
    for name, src in wanted.items():
        dst = target / name
        if dst.is_symlink() or dst.exists():
            try:
                if dst.resolve() == src.resolve():
                    continue
            except OSError:
                pass
            dst.unlink()
        try:
            os.symlink(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
    return target


# ----------------------------------------------------------------- measurement


@functools.lru_cache(maxsize=16)
def _advance_table(path: str) -> tuple[dict[int, int], int, int]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True, fontNumber=0)
    cmap = font.getBestCmap() or {}
    hmtx = font["hmtx"]
    units = font["head"].unitsPerEm
    widths = {code: hmtx[name][0] for code, name in cmap.items()}
    fallback = int(sum(widths.values()) / max(1, len(widths)))
    return widths, units, fallback


def text_width_px(text: str, font_path: Path | None, size_px: float, bold: bool = False) -> float:
    """Advance width of ``text`` at ``size_px`` (libass scales the em to the font size).

    ``bold`` adds the few per cent libass's synthetic emboldening adds; faces that are already
    heavy (every face reelcart picks) are measured as they are.
    """
    factor = 1.04 if bold else 1.0
    if font_path is None:
        return sum((size_px if ord(ch) > 0x2E80 else size_px * 0.6) for ch in text) * factor
    widths, units, fallback = _advance_table(str(font_path))
    total = sum(widths.get(ord(ch), fallback) for ch in text)
    return total * size_px / units * factor


@functools.lru_cache(maxsize=16)
def _line_factor(path: str) -> float:
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True, fontNumber=0)
    units = font["head"].unitsPerEm or 1000
    os2 = font.get("OS/2")
    if os2 is not None and (os2.usWinAscent + os2.usWinDescent) > 0:
        return (os2.usWinAscent + os2.usWinDescent) / units
    hhea = font["hhea"]
    return max(0.5, (hhea.ascent - hhea.descent) / units)


def line_factor(face: Face | None) -> float:
    """libass sizes a face by its line height (Windows ascent + descent), not its em: the ratio."""
    if face is None or face.path is None:
        return 1.0
    return _line_factor(str(face.path))


def ass_size(face: Face | None, em_px: float) -> float:
    """The ASS font size that gives ``em_px`` pixels per em with this face (``\\fs`` and styles)."""
    return round(em_px * line_factor(face), 1)


# characters that render nothing and need no glyph (joiners, marks of direction)
_IGNORABLE = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x061C}


def missing_glyphs(text: str, font_path: Path | None) -> set[str]:
    if font_path is None:
        return set()
    widths, _, _ = _advance_table(str(font_path))
    return {ch for ch in text if not ch.isspace() and ord(ch) not in widths and ord(ch) not in _IGNORABLE}
