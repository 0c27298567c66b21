"""Commands around a run: batch, presets, schema, doctor and validate."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ..batch.executors import executor_names
from ..config import describe_preset, load_preset, parse_set_option, preset_files
from ..handoff.platforms import PLATFORM_NAMES
from .parse import main, reports_errors

log = logging.getLogger(__name__)


@main.group()
def presets() -> None:
    """List and show presets."""


@presets.command("list")
@reports_errors
def presets_list() -> None:
    """Built-in presets."""
    for name, path in preset_files().items():
        preset = load_preset(name)
        click.echo(f"{name:<10} {preset.description}  ({path})")


@presets.command("show")
@click.argument("name", default="default")
@reports_errors
def presets_show(name: str) -> None:
    """Every field of a preset with its value and description."""
    preset = load_preset(name)
    rows = describe_preset(preset)
    width = max(len(r[0]) for r in rows)
    for field, value, description in rows:
        click.echo(f"{field:<{width}}  {value}")
        if description:
            click.echo(f"{'':<{width}}    {description}")


@main.group()
def schema() -> None:
    """Print the JSON Schema of an output (manifest)."""


@schema.command("manifest")
@reports_errors
def schema_manifest() -> None:
    """JSON Schema (draft 2020-12) of manifest.json."""
    from ..handoff.schema import schema_text

    click.echo(schema_text("manifest"), nl=False)


@main.command()
@click.option("--transcript", "transcript", type=click.Path(path_type=Path),
              help="A run's output folder or transcript JSON: check the caption fonts have its glyphs.")
@click.option("--preset", default="default", show_default=True, help="Preset whose caption font is checked.")
@reports_errors
def doctor(transcript: Path | None, preset: str) -> None:
    """What reelcart will use: ffmpeg, speech models, face detector, caption fonts."""
    from .checks import run_checks

    ok = True
    for check in run_checks(preset=load_preset(preset), transcript=transcript):
        mark = "ok " if check.ok else "!! "
        ok &= check.ok or not check.required
        click.echo(f"{mark} {check.name:<16} {check.detail}")
    if not ok:
        sys.exit(1)


@main.command()
@click.argument("jobs_path", metavar="JOBS", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("reelcart-out"), show_default=True,
              help="Batch folder: batch-report.json, and OUT/<job> for every job whose entry names no 'out'.")
@click.option("--preset", default="default", show_default=True, help="Preset for jobs that name none (name or YAML file).")
@click.option("--set", "sets", multiple=True, metavar="SECTION.FIELD=VALUE", help="Override one preset field in every job (repeatable).")
@click.option("--model", help="Speech model for every job (transcribe.model).")
@click.option("--language", help="Spoken language for every job (transcribe.language).")
@click.option("--jobs", "workers", type=click.IntRange(min=1),
              help="Recordings processed at once [default: local: half the cores; ray: as many as the cluster fits].")
@click.option("--threads-per-job", type=click.IntRange(min=1), help="CPU threads per recording [default: local: cores / --jobs; ray: 2].")
@click.option("--executor", type=click.Choice(executor_names()), default="local", show_default=True,
              help="Where jobs run: processes on this machine, or tasks on a Ray cluster.")
@click.option("--address", help="Ray cluster address (host:6379 or ray://host:10001) [default: $RAY_ADDRESS, else a local Ray instance].")
@click.option("--allow-outside", is_flag=True, help="Allow jobs-file entries whose files lie outside the jobs file's folder.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: live progress (or plain lines when not on a terminal); json: one JSON object per line on stdout.")
@click.option("--no-progress", is_flag=True, help="Plain lines instead of the live progress display.")
@click.option("--dry-run", is_flag=True, help="List the jobs and which are finished; run nothing.")
@reports_errors
def batch(jobs_path, out_dir, preset, sets, model, language, workers, threads_per_job, executor, address, allow_outside,  # noqa: ANN001, PLR0913
          log_format, no_progress, dry_run) -> None:
    """Process many recordings: JOBS is a folder or a jobs file (YAML or CSV).

    \b
    Folder: every NAME.mp4 (.mov, .mkv, .webm, ...) with NAME.orders.csv (.json, .jsonl) beside it,
    and NAME.catalog.csv or a shared catalog.csv (.json, .yaml); NAME.preset.yaml is optional.
    Jobs file: entries with video, orders, catalog, and optional name, preset, out, stream_start,
    set; paths are relative to the jobs file and must stay inside its folder (see --allow-outside).

    Finished jobs are skipped, finished stages reused: run the same command again to resume.
    Exit code: 0 when every job succeeded, 1 when any failed, 130/143 when stopped by a signal.
    """
    from ..batch import (
        REPORT_FILE,
        BatchOptions,
        DiscoverOptions,
        discover_jobs,
        finished_manifest,
        format_summary,
        run_batch,
    )
    from ..progress import make_reporter

    overrides = [parse_set_option(item) for item in sets]
    for value, section, key in ((model, "transcribe", "model"), (language, "transcribe", "language")):
        if value is not None:
            overrides.append({section: {key: value}})
    jobs = discover_jobs(jobs_path, DiscoverOptions(out_root=out_dir.absolute(), preset=preset, overrides=overrides,
                                                    allow_outside=allow_outside))
    if dry_run:
        width = max(len(j.name) for j in jobs)
        for job in jobs:
            state = f"problem: {job.problem}" if job.problem else ("finished" if finished_manifest(job) else "to run")
            click.echo(f"{job.name:<{width}}  {state:<8}  {job.video} -> {job.out}")
        return
    reporter = make_reporter(log_format, stdout=sys.stdout, stderr=sys.stderr, progress=False if no_progress else None)
    options = BatchOptions(out_root=out_dir.absolute(), executor=executor, workers=workers, threads_per_job=threads_per_job,
                           address=address, source=str(jobs_path))
    try:
        report, code = run_batch(jobs, options, reporter)
    finally:
        reporter.close()
    click.echo(format_summary(report), err=log_format == "json")
    if report.state == "interrupted":
        click.secho(f"reelcart: batch stopped; run the same command again to resume ({out_dir / REPORT_FILE})", fg="yellow", err=True)
    sys.exit(code)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--platform", "platform_name", type=click.Choice(PLATFORM_NAMES), default="generic",
              show_default=True, help="Platform whose upload rules apply.")
@reports_errors
def validate(files: tuple[Path, ...], platform_name: str) -> None:
    """Check video files against a platform's rules; list every failure (exit 1 if any)."""
    from ..media.validate import validate_file

    failed = 0
    for path in files:
        findings = validate_file(path, platform_name)
        bad = [f for f in findings if not f.ok]
        failed += bool(bad)
        click.echo(f"{path}: {'ok' if not bad else f'{len(bad)} problem(s)'} for {platform_name}")
        for f in findings:
            click.echo(f"  {'ok  ' if f.ok else 'FAIL'} {f.check:<20} {f.detail}")
    if failed:
        sys.exit(1)
