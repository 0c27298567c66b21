"""One error family. Library code raises these; the CLI reports them once, on one line."""

from __future__ import annotations

from pathlib import Path


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
