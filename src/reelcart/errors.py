"""One error family. Library code raises these; the CLI reports them once, on one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ReelcartError(Exception):
    """Base error: the message is one line a user can act on."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(one_line(f"{self.path}: {message}" if self.path else message))


def one_line(text: str) -> str:
    """Escape line breaks and other unprintable characters (from file names, cells, YAML keys): the
    message stays one line and cannot send terminal control sequences."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class InputError(ReelcartError):
    """A user-supplied file is missing, unreadable or malformed."""

    exit_code = 2


class ConfigError(ReelcartError):
    """A preset or option is invalid."""

    exit_code = 2


class MediaError(ReelcartError):
    """ffmpeg or the decoder failed on a media file."""

    exit_code = 3


class ModelError(ReelcartError):
    """The speech model could not be found or loaded."""

    exit_code = 4


# ---------------------------------------------------------------- messages about a user's file


def _yaml_node(text: str, loc: tuple[Any, ...]) -> tuple[int | None, Any]:
    """(1-based line, node) of the YAML node at ``loc`` (mapping keys and list indices). When ``loc``
    cannot be followed to its end: the line of the deepest part found, and no node."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None, None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if match is None:
                return line, None  # the deepest key found (pydantic may point below what YAML holds)
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line, None
    return line, node


def yaml_key_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML key at ``loc`` (a pydantic error location), if it can be found."""
    return _yaml_node(text, loc)[0]


def yaml_item_lines(text: str, loc: tuple[Any, ...] = ()) -> list[int]:
    """1-based line of each item of the YAML list at ``loc`` (empty when there is none)."""
    import yaml

    node = _yaml_node(text, loc)[1]
    return [item.start_mark.line + 1 for item in node.value] if isinstance(node, yaml.SequenceNode) else []


def validation_message(exc: Any, text: str | None = None, *, skip: int = 0) -> str:
    """A pydantic ``ValidationError`` as one line: ``line N: field 'a.b': message (and 2 more)``.
    ``text`` is the YAML it came from (for the line); ``skip`` drops leading location parts."""
    errors = exc.errors()
    err = errors[0]
    loc = tuple(err["loc"])
    field = ".".join(str(p) for p in loc[skip:]) or "(top level)"
    line = yaml_key_line(text, loc) if text else None
    where = f"line {line}: " if line else ""
    msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}field '{field}': {msg}{more}"
