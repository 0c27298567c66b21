"""ASS text escaping and colours, and the letter case of caption words."""

from __future__ import annotations

import re

from ...media.fonts import Face, ass_size

# ----------------------------------------------------------------- escaping and formats


def ass_escape(text: str) -> str:
    """Text that libass shows literally.

    ``{``/``}`` become libass's ``\\{``/``\\}`` escapes; every backslash is followed by an invisible
    WORD JOINER so it can never start ``\\N``, ``\\n``, ``\\h`` or a brace escape; line breaks and
    control characters become spaces (an event is one line of the file).
    """
    text = re.sub(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+", " ", text)
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\u2060")
        elif ch == "{":
            out.append("\\{")
        elif ch == "}":
            out.append("\\}")
        else:
            out.append(ch)
    return "".join(out)


def ass_unescape(text: str) -> str:
    """What libass shows for escaped plain text (no override blocks): the inverse of ``ass_escape``."""
    return text.replace("\\{", "{").replace("\\}", "}").replace("\\\u2060", "\\")


def ass_colour(hex_rgb: str, alpha: float | int = 0) -> str:
    """``#RRGGBB`` -> ``&HAABBGGRR`` (alpha 0 = opaque; a float is an opacity 0-1)."""
    if isinstance(alpha, float):
        alpha = round((1.0 - alpha) * 255)
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def _bgr(hex_rgb: str) -> str:
    """Colour for override tags (``\\c&HBBGGRR&``)."""
    return f"&H{hex_rgb[5:7]}{hex_rgb[3:5]}{hex_rgb[1:3]}&".upper()


def apply_case(text: str, case: str) -> str:
    return text.upper() if case == "upper" else text.lower() if case == "lower" else text


# ----------------------------------------------------------------- ASS text


def _runs_text(runs: list[tuple[Face, str]], primary: Face, em_px: float) -> str:
    """Escaped text with ``\\fn`` switches where a run needs another face (same em size in every face)."""
    parts = []
    for face, text in runs:
        if face.ass_name != primary.ass_name:
            parts.append(f"{{\\fn{face.ass_name}\\fs{ass_size(face, em_px):g}}}{ass_escape(text)}"
                         f"{{\\fn{primary.ass_name}\\fs{ass_size(primary, em_px):g}}}")
        else:
            parts.append(ass_escape(text))
    return "".join(parts)
