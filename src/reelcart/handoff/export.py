"""Scheduler export: a bulk-upload CSV and one upload folder per platform.

``schedule.csv`` (all platforms) and ``<platform>/schedule.csv`` (one platform, for importers that
take one profile per file) share one layout, one row per post, UTF-8, RFC 4180 quoting:

| column | what |
|---|---|
| file | the reel, relative to the CSV (``tiktok/reel-1-velvet-glow-serum.mp4``) |
| caption | post text: description and hashtags, within the platform's limits |
| link | product URL with this platform's UTM parameters |
| time | post time ``YYYY-MM-DD HH:MM`` in the offset of ``package.schedule_start``; empty: unscheduled |
| time_utc | the same instant, ISO 8601 UTC (``2026-11-21T11:00:00Z``) |
| platform, title, hashtags, cover | platform key, title (YouTube), hashtags alone, cover image |
| media_url, cover_url | public URLs when ``package.media_base_url`` is set (URL-based importers fetch media) |
| reel, sku, product | which reel and product the row is |

Cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage
return, or their full-width forms) get a leading apostrophe (OWASP CSV injection advice).
Reels land in the platform folders as hard links (no extra disk space) or copies, each written
under a temporary name and renamed into place.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from datetime import timezone
from pathlib import Path
from urllib.parse import quote

from ..artifacts import atomic_path, write_json_atomic, write_text_atomic
from ..config import PackageConfig
from ..errors import ReelcartError
from ..models import Manifest, ManifestReel, PlatformPost

COLUMNS = ("file", "caption", "link", "time", "time_utc", "platform", "title", "hashtags", "cover", "media_url", "cover_url",
           "reel", "sku", "product")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
SCHEDULE_CSV = "schedule.csv"
EXPORTS_RECORD = "work/exports/files.json"  # the upload-folder files the last export wrote


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: formula-looking values get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _media_url(base: str | None, path: str) -> str:
    return f"{base.rstrip('/')}/{quote(path, safe='/')}" if base else ""


def exported_reels(manifest: Manifest) -> list[ManifestReel]:
    """The manifest's reels that go to schedule.csv and the upload folders (``exports.reels``;
    every reel for a manifest written before reviews)."""
    if manifest.exports is None:
        return []
    if manifest.exports.reels is None:
        return list(manifest.reels)
    ids = set(manifest.exports.reels)
    return [r for r in manifest.reels if r.id in ids]


def schedule_rows(manifest: Manifest, *, platform: str | None = None, media_base_url: str | None = None) -> list[dict[str, str]]:
    """Rows of the schedule CSV; with ``platform`` only that platform's posts, paths relative to its folder."""
    rows: list[dict[str, str]] = []
    for reel in exported_reels(manifest):
        for post in reel.posts:
            if platform is not None and post.platform != platform:
                continue
            rows.append(_row(reel, post, relative_to=f"{platform}/" if platform else "", media_base_url=media_base_url))
    return rows


def _row(reel: ManifestReel, post: PlatformPost, *, relative_to: str, media_base_url: str | None) -> dict[str, str]:
    when = post.scheduled_at
    return {
        "file": post.file.removeprefix(relative_to),
        "caption": post.caption,
        "link": post.link,
        "time": when.strftime("%Y-%m-%d %H:%M") if when else "",
        "time_utc": when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if when else "",
        "platform": post.platform,
        "title": post.title,
        "hashtags": " ".join(post.hashtags),
        "cover": post.cover.removeprefix(relative_to),
        "media_url": _media_url(media_base_url, post.file),
        "cover_url": _media_url(media_base_url, post.cover),
        "reel": reel.id,
        "sku": reel.product.sku,
        "product": reel.product.name,
    }


def render_csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row.get(col, "")) for col in COLUMNS])
    return buf.getvalue()


def _place(source: Path, target: Path, mode: str) -> None:
    """Put ``source`` at ``target`` atomically: a hard link when allowed, else a copy."""
    if target.exists() and source.exists() and os.path.samefile(source, target):
        return
    with atomic_path(target) as tmp:
        linked = False
        if mode == "hardlink":
            try:
                tmp.unlink()
                os.link(source, tmp)
                linked = True
            except OSError:
                linked = False  # other file system, FAT, no permission: copy instead
        if not linked:
            shutil.copyfile(source, tmp)


def previous_exports(out_dir: Path) -> set[str]:
    """Upload-folder files the last manifest in ``out_dir`` listed, and those the last export wrote
    (``work/exports/files.json``: a re-render retires the manifest before the new one is written), to
    clear the ones a new run no longer makes."""
    out_dir = Path(out_dir)
    files: set[str] = set()
    try:
        data = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        files |= {p[k] for r in data.get("reels", []) for p in r.get("posts", []) for k in ("file", "cover") if isinstance(p.get(k), str)}
        folders = (data.get("exports") or {}).get("folders") or {}
        files |= {f"{folder}{SCHEDULE_CSV}" for folder in folders.values() if isinstance(folder, str)}
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    try:
        written = json.loads((out_dir / EXPORTS_RECORD).read_text(encoding="utf-8")).get("files", [])
        files |= {f for f in written if isinstance(f, str)}
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    return files


def write_exports(out_dir: Path, manifest: Manifest, config: PackageConfig, *, stale: set[str] | None = None) -> list[Path]:
    """Fill the platform folders and write the schedule CSVs; returns the files written."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    if manifest.exports is None:
        return written
    keep: set[str] = set()
    for reel in exported_reels(manifest):
        for post in reel.posts:
            for source, target in ((reel.file, post.file), (reel.thumbnail, post.cover)):
                src = out_dir / source
                if not src.is_file():
                    raise ReelcartError("file to export is missing", path=src)
                try:
                    _place(src, out_dir / target, config.export_files)
                except OSError as exc:
                    raise ReelcartError(f"cannot export {source} ({exc.strerror or exc})", path=out_dir / target) from exc
                keep.add(target)
                written.append(out_dir / target)
    for platform, folder in manifest.exports.folders.items():
        path = out_dir / folder / SCHEDULE_CSV
        write_text_atomic(path, render_csv(schedule_rows(manifest, platform=platform, media_base_url=config.media_base_url)))
        written.append(path)
        keep.add(f"{folder}{SCHEDULE_CSV}")
    path = out_dir / manifest.exports.schedule_csv
    write_text_atomic(path, render_csv(schedule_rows(manifest, media_base_url=config.media_base_url)))
    written.append(path)
    write_json_atomic(out_dir / EXPORTS_RECORD, {"files": sorted(keep)})
    for old in sorted((stale or set()) - keep):
        target = (out_dir / old).resolve()
        if out_dir.resolve() in target.parents and target.is_file() and "/" in old and not old.startswith(("/", "..")):
            target.unlink()
            try:
                target.parent.rmdir()  # a platform no longer exported: drop its folder once empty
            except OSError:
                pass
    return written
