"""Copy templates: ``{field}`` placeholders and ``[optional parts]``.

An optional part in square brackets is kept only when every field inside it has a value, so
``"{product_name}[ for {price}]"`` reads "Glow Serum for $24.90", or "Glow Serum" when the catalog
has no price. ``[[`` and ``]]`` stand for literal brackets; ``{{`` and ``}}`` for literal braces.
"""

from __future__ import annotations

import string

_FORMATTER = string.Formatter()


def _parts(template: str) -> list[tuple[bool, str]]:
    """Split into (optional, text) parts; raises ValueError on unbalanced or nested brackets."""
    parts: list[tuple[bool, str]] = []
    buf: list[str] = []
    optional = False
    i = 0
    while i < len(template):
        ch = template[i]
        pair = template[i : i + 2]
        if pair in ("[[", "]]"):
            buf.append(pair)  # kept doubled until the part is split; undoubled in _unescape
            i += 2
            continue
        if ch == "[":
            if optional:
                raise ValueError("optional parts [ ] cannot be nested")
            parts.append((False, "".join(buf)))
            buf, optional = [], True
        elif ch == "]":
            if not optional:
                raise ValueError("']' without a matching '['")
            parts.append((True, "".join(buf)))
            buf, optional = [], False
        else:
            buf.append(ch)
        i += 1
    if optional:
        raise ValueError("'[' without a matching ']'")
    parts.append((False, "".join(buf)))
    return [(opt, text) for opt, text in parts if text]


def _unescape(text: str) -> str:
    return text.replace("[[", "[").replace("]]", "]")


def template_fields(template: str) -> set[str]:
    """The field names a template uses; raises ValueError when the template is malformed."""
    names: set[str] = set()
    for _, text in _parts(template):
        for _, name, spec, conversion in _FORMATTER.parse(_unescape(text)):
            if name is None:
                continue
            if not name.isidentifier():
                raise ValueError(f"field {{{name}}} is not a plain name")
            if spec or conversion:
                raise ValueError(f"field {{{name}}} takes no format options")
            names.add(name)
    return names


def render_template(template: str, fields: dict[str, str]) -> str:
    """Fill a template; optional parts with an empty or missing field are dropped."""
    out: list[str] = []
    for optional, text in _parts(template):
        text = _unescape(text)
        used = [name for _, name, _, _ in _FORMATTER.parse(text) if name is not None]
        if optional and not all(fields.get(name) for name in used):
            continue
        out.append(text.format_map({name: fields.get(name, "") for name in used}))
    return "".join(out)
