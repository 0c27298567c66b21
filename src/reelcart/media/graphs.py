"""Filter graphs, built with ffmpeg-python and compiled to argument lists for ``ffmpeg.run_ffmpeg``.

Every filter graph reelcart runs (render, frame analysis, loudness, thumbnails, audio extraction)
is built here or from the nodes made here. ffmpeg-python names the streams between filters
(``[s0]``, ``[s1]``…), picks the input indices and escapes each option value for both parsers ffmpeg
applies (the option parser: ``\\ ' = :``; the graph parser: ``\\ ' [ ] , ;``), so no module writes
filter text by hand and untrusted text cannot change a graph's shape.

Two rules keep that escaping right (``node`` enforces the first):

* Values with anything but digits, names and arithmetic go as keyword options. ffmpeg-python
  escapes positional arguments twice, which is only harmless for plain ones.
* Keyword options come out sorted by name. Every option used here is named, so order is free.

What ffmpeg-python cannot express, and how it is handled:

* A graph branch that ends in a sink filter (``nullsink``): ffmpeg-python only keeps branches that
  reach an output, so such a branch goes to a ``null`` output instead (the same work, one more
  muxer that writes nothing).
* A ``lavfi`` *input* (``anullsrc`` as a silent track) is an argument of ``-i``, not part of the
  graph: ``lavfi_input`` writes its option text with the same escaping.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ffmpeg as ffmpeg_python
from ffmpeg._utils import escape_chars

Stream = Any  # an ffmpeg-python stream (FilterableStream)

PLAIN_ARG = re.compile(r"[\w.+\-*/()]*")
OPTION_CHARS = "\\'=:"


def source(path: str | Path, **options: Any) -> Stream:
    """An input file; ``options`` are its input options (``ss``, ``t``, ``f`` …)."""
    return ffmpeg_python.input(str(path), **options)


def lavfi_input(name: str, **options: Any) -> Stream:
    """A lavfi source filter as an input (``anullsrc`` …): ``-f lavfi -i name=opt=value:…``.
    ``t`` (seconds) is an input option, not a filter option."""
    duration = options.pop("t", None)
    text = escape_chars(name, OPTION_CHARS)
    if options:
        text += "=" + ":".join(f"{k}={escape_chars(v, OPTION_CHARS)}" for k, v in options.items())
    extra = {"t": duration} if duration is not None else {}
    return ffmpeg_python.input(text, f="lavfi", **extra)


def node(streams: Stream | Sequence[Stream], name: str, *args: Any, **options: Any) -> Stream:
    """One filter over ``streams`` (a stream or a list of them, in pad order)."""
    for arg in args:
        if not PLAIN_ARG.fullmatch(str(arg)):
            raise ValueError(f"filter {name}: pass {arg!r} as a named option (positional values are escaped twice)")
    return ffmpeg_python.filter(streams, name, *args, **options)


def chain(stream: Stream, *filters: tuple) -> Stream:
    """``stream`` through ``filters`` in order; each filter is ``(name, *args)`` or ``(name, *args, {options})``."""
    for spec in filters:
        name, *rest = spec
        options = rest.pop() if rest and isinstance(rest[-1], dict) else {}
        stream = node(stream, name, *rest, **options)
    return stream


def split(stream: Stream, count: int, *, audio: bool = False) -> list[Stream]:
    """``count`` copies of ``stream`` (``split`` or ``asplit``)."""
    outputs = ffmpeg_python.filter_multi_output(stream, "asplit" if audio else "split")
    return [outputs.stream(i) for i in range(count)]


def output(streams: Sequence[Stream], target: str | Path, **options: Any) -> Any:
    """An output of ``streams`` to ``target`` (``-`` with ``f="null"`` for a measuring pass)."""
    return ffmpeg_python.output(*streams, str(target), **options)


def null_output(streams: Sequence[Stream]) -> Any:
    return output(streams, "-", f="null")


def compile_args(*outputs: Any) -> list[str]:
    """The argument list (without the binary) for ``run_ffmpeg``; several outputs run in one process."""
    spec = outputs[0] if len(outputs) == 1 else ffmpeg_python.merge_outputs(*outputs)
    return [str(a) for a in ffmpeg_python.get_args(spec)]


def filter_text(args: Sequence[str]) -> str:
    """The ``-filter_complex`` text of an argument list (for logs and tests)."""
    return args[list(args).index("-filter_complex") + 1] if "-filter_complex" in args else ""


def run(*outputs: Any, what: str, path: str | Path | None = None, cwd: str | Path | None = None,
        timeout_s: float | None = None) -> str:
    """Compile and run through the single runner; return ffmpeg's log (stderr)."""
    from .ffmpeg import run_ffmpeg

    return run_ffmpeg(compile_args(*outputs), what=what, path=path, cwd=cwd, timeout_s=timeout_s)
