"""The one place that starts ffmpeg.

The binary is, in order: ``$REELCART_FFMPEG``, the ``ffmpeg_path`` a caller passes, or the static
ffmpeg shipped in the ``imageio-ffmpeg`` wheel (libx264, libass, drawtext, loudnorm included).
Filter graphs are built with ffmpeg-python in ``graphs`` and run through ``run_ffmpeg``, which
captures stderr and raises ``MediaError`` with the lines that matter.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..errors import MediaError, ReelcartError

log = logging.getLogger(__name__)

ENV_FFMPEG = "REELCART_FFMPEG"


@functools.lru_cache(maxsize=None)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary reelcart runs."""
    override = os.environ.get(ENV_FFMPEG)
    if override:
        found = shutil.which(override) or (override if Path(override).is_file() else None)
        if not found:
            raise ReelcartError(f"{ENV_FFMPEG}={override!r} is not an executable ffmpeg")
        return found
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ReelcartError("imageio-ffmpeg is not installed and REELCART_FFMPEG is not set") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


@functools.lru_cache(maxsize=None)
def ffmpeg_version() -> str:
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-version"], capture_output=True, text=True, check=False)
    first = out.stdout.splitlines()[0] if out.stdout else "unknown"
    match = re.match(r"ffmpeg version (\S+)", first)
    return match.group(1) if match else first


@functools.lru_cache(maxsize=None)
def ffmpeg_filters() -> frozenset[str]:
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-filters"], capture_output=True, text=True, check=False)
    names = set()
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and re.fullmatch(r"[.A-Z|]{2,4}", parts[0]):
            names.add(parts[1])
    return frozenset(names)


def _error_lines(stderr: str, limit: int = 3) -> str:
    """The cause first: ffmpeg's first error lines (what went wrong), then its last one (how it
    ended); the cascade between them (every other output's thread stopping) says nothing."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    keep = [ln for ln in lines if re.search(r"error|invalid|no such|failed|unable|cannot|not found|denied|space", ln, re.I)] or lines
    chosen = keep if len(keep) <= limit else [*keep[: limit - 1], keep[-1]]
    return " | ".join(chosen) if chosen else "no output"


def run_ffmpeg(
    args: Sequence[str],
    *,
    what: str,
    path: str | Path | None = None,
    cwd: str | Path | None = None,
    timeout_s: float | None = None,
) -> str:
    """Run ffmpeg with ``args`` (without the binary); return stderr. Raise ``MediaError`` on failure.

    ``what`` names the operation for the error message; ``path`` names the file it concerns.
    ``cwd`` lets filter graphs refer to work files by short relative names that need no escaping.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *[str(a) for a in args]]
    log.debug("ffmpeg: %s", subprocess.list2cmdline(cmd))
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, errors="replace", check=False, timeout=timeout_s, cwd=cwd
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{what}: ffmpeg timed out after {timeout_s:.0f} s", path=path) from exc
    except OSError as exc:
        raise MediaError(f"{what}: cannot start ffmpeg ({exc.strerror})", path=path) from exc
    if proc.returncode != 0:
        raise MediaError(f"{what} failed: {_error_lines(proc.stderr)}", path=path)
    return proc.stderr


class AnalysisFrames:
    """Frames of ``[start_s, start_s + duration_s)`` for analysis, plus the cut scores of every frame.

    One ffmpeg process decodes the range once and splits it in two: (1) frames sampled at ``fps``
    and scaled to ``width_px`` × ``height_px`` (BGR, ``uint8``) that Python iterates one at a time;
    (2) ffmpeg's ``scdet`` content-change score of *every* source frame, computed in C on a tiny
    copy (``scene_width_px`` wide) and written to a text file, so cuts are found to the frame
    without any full-rate or full-resolution frame reaching Python. Iterate first; then
    ``scene_scores`` holds ``(t_s, score)`` pairs (score 0-100, times from the range start, on the
    same clock as the render pass's ``t``). Frame ``k`` is the last source frame at or before
    ``k / fps`` (``round=up``; the default ``near`` would show up to half a sample later).
    """

    def __init__(
        self, source: str | Path, *, start_s: float, duration_s: float, fps: float, width_px: int, height_px: int,
        scene_width_px: int = 160,
    ) -> None:
        self.source = source
        self.start_s, self.duration_s, self.fps = start_s, duration_s, fps
        self.width_px, self.height_px = width_px, height_px
        scene_h = max(2, int(round(scene_width_px * height_px / width_px / 2)) * 2)
        self.scene_size = (scene_width_px, scene_h)
        self.scene_scores: list[tuple[float, float]] = []
        self.frames_read = 0

    def args(self, scores_name: str) -> list[str]:
        from . import graphs

        sw, sh = self.scene_size
        source = graphs.source(os.path.abspath(self.source), ss=f"{self.start_s:.3f}", t=f"{self.duration_s:.3f}")
        sampled, scanned = graphs.split(source.video, 2)
        frames = graphs.chain(sampled, ("fps", f"{self.fps:g}", {"round": "up"}),
                              ("scale", self.width_px, self.height_px, {"flags": "area"}), ("format", "bgr24"))
        # scdet's scores go to a file; the branch ends in a null output (ffmpeg-python keeps no sink filters)
        scores = graphs.chain(scanned, ("scale", sw, sh, {"flags": "area"}), ("scdet", {"threshold": 100, "sc_pass": 0}),
                              ("metadata", {"mode": "print", "key": "lavfi.scd.score", "file": scores_name}))
        graph = graphs.compile_args(graphs.output([frames], "pipe:1", f="rawvideo"), graphs.null_output([scores]))
        return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *graph]

    def __iter__(self):  # noqa: ANN204 - generator of (t_s, numpy uint8 H×W×3 array)
        import tempfile

        import numpy as np

        frame_bytes = self.width_px * self.height_px * 3
        with tempfile.TemporaryDirectory(prefix="reelcart-scdet-") as tmp:
            cmd = self.args("scores.txt")
            log.debug("ffmpeg: %s", subprocess.list2cmdline(cmd))
            try:
                proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp)
            except OSError as exc:
                raise MediaError(f"frame analysis: cannot start ffmpeg ({exc.strerror})", path=self.source) from exc
            index = 0
            complete = False
            try:
                assert proc.stdout is not None
                while True:
                    buf = proc.stdout.read(frame_bytes)
                    if len(buf) < frame_bytes:
                        break
                    yield index / self.fps, np.frombuffer(buf, dtype=np.uint8).reshape(self.height_px, self.width_px, 3)
                    index += 1
                complete = True
            finally:
                if not complete and proc.poll() is None:
                    proc.kill()  # the caller stopped early
                _, stderr = proc.communicate()
            self.frames_read = index
            if proc.returncode != 0 and index == 0:
                raise MediaError(f"frame analysis failed: {_error_lines(stderr.decode('utf-8', 'replace'))}", path=self.source)
            self.scene_scores = parse_scdet_scores(Path(tmp, "scores.txt"))


def parse_scdet_scores(path: Path) -> list[tuple[float, float]]:
    """``(t_s, score)`` per frame from a ``metadata=mode=print`` file of ``scdet`` output."""
    scores: list[tuple[float, float]] = []
    if not path.is_file():
        return scores
    t_s: float | None = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("frame:"):
            match = re.search(r"pts_time:(-?[0-9.eE+-]+)", line)
            t_s = float(match.group(1)) if match else None
        elif line.startswith("lavfi.scd.score=") and t_s is not None:
            try:
                scores.append((t_s, float(line.split("=", 1)[1])))
            except ValueError:
                pass
    return scores
