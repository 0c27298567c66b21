"""The command line: a thin layer over the pipeline. Errors are reported once, on one line."""

from __future__ import annotations

import functools
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from .. import __version__
from ..artifacts import folder_lock, remove_stale_partials
from ..batch.executors import executor_names
from ..config import describe_preset, load_preset, parse_set_option, preset_files
from ..errors import InputError, ReelcartError

log = logging.getLogger("reelcart")


def _fail(message: str, code: int = 1) -> None:
    click.secho(f"reelcart: error: {message}", fg="red", err=True)
    sys.exit(code)


def reports_errors(func):  # noqa: ANN001, ANN201
    """Turn library errors into one line and an exit code; ``--debug`` shows the traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return func(*args, **kwargs)
        except ReelcartError as exc:
            if debug:
                raise
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; run the same command again to resume", 130)
        except OSError as exc:
            if debug:
                raise
            _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if debug:
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)", 70)

    return wrapper


def _parse_stream_start(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time such as 2026-11-20T19:00:00+07:00") from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} has no UTC offset (add +07:00, Z, …)")
    return moment


def _preset_from_options(preset: str, sets: tuple[str, ...], **flags) -> object:  # noqa: ANN003
    layers = [parse_set_option(item) for item in sets]
    explicit = {
        "model": ("transcribe", "model"), "language": ("transcribe", "language"), "count": ("moments", "count"),
        "transcribe_mode": ("transcribe", "mode"), "device": ("transcribe", "device"),
        "compute_type": ("transcribe", "compute_type"),
    }
    for name, (section, key) in explicit.items():
        value = flags.get(name)
        if value is not None:
            layers.append({section: {key: value}})
    return load_preset(preset, layers)


def _stage_printer(record) -> None:  # noqa: ANN001
    note = "cached" if record.status == "cached" else f"done in {record.seconds:.1f} s"
    click.echo(f"  {record.stage:<11} {note}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reelcart")
@click.option("--debug", is_flag=True, help="Show tracebacks and ffmpeg command lines.")
@click.option("-v", "--verbose", is_flag=True, help="More log lines.")
def main(debug: bool, verbose: bool) -> None:
    """Cut captioned 9:16 shoppable reels from a live-shopping recording, guided by its order log."""
    level = logging.DEBUG if debug else (logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def run_options(func):  # noqa: ANN001, ANN201
    options = [
        click.argument("video", type=click.Path(path_type=Path)),
        click.option("--orders", "orders", required=True, type=click.Path(path_type=Path), help="Order log (CSV, JSON, JSONL; generic, Shopify or TikTok Shop export)."),
        click.option("--catalog", "catalog", required=True, type=click.Path(path_type=Path), help="Product catalog (CSV, JSON or YAML)."),
        click.option("--preset", default="default", show_default=True, help="Preset name or YAML file."),
        click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder [default: ./reelcart-out/<video name>]."),
        click.option("--stream-start", help="When the stream started (ISO 8601 with offset); default: the recording's creation time."),
        click.option("--set", "sets", multiple=True, metavar="SECTION.FIELD=VALUE", help="Override one preset field (repeatable)."),
        click.option("--model", help="Speech model (transcribe.model)."),
        click.option("--language", help="Spoken language, e.g. en, ar, vi, zh (transcribe.language)."),
        click.option("--count", type=int, help="Reels to make (moments.count)."),
        click.option("--transcribe-mode", type=click.Choice(["windowed", "full"]), help="transcribe.mode"),
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Speech model device (transcribe.device)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _request(video, orders, catalog, preset, out_dir, stream_start, sets, **flags):  # noqa: ANN001, ANN003, ANN202
    from ..pipeline import RunRequest

    for path, what in ((video, "recording"), (orders, "order log"), (catalog, "catalog")):
        if not path.exists():
            raise InputError(f"{what} not found", path=path)
    loaded = _preset_from_options(preset, sets, **flags)
    out = out_dir or Path("reelcart-out") / video.stem
    return RunRequest(video=video, orders=orders, catalog=catalog, preset=loaded, out_dir=out,
                      stream_start=_parse_stream_start(stream_start), preset_ref=preset)


def _run_locked(request, until: str | None = None):  # noqa: ANN001, ANN202 - RunRequest -> RunResult
    """The pipeline under the output folder's lock, after clearing what a killed run left behind."""
    from ..pipeline import Pipeline

    with folder_lock(request.out_dir):
        remove_stale_partials(request.out_dir)
        return Pipeline(request, on_stage=_stage_printer).run(until=until)


@main.command()
@run_options
@reports_errors
def run(video, orders, catalog, preset, out_dir, stream_start, sets, **flags) -> None:  # noqa: ANN001
    """Make the reels: probe, audio, spikes, transcribe, moments, reframe, render, package."""

    request = _request(video, orders, catalog, preset, out_dir, stream_start, sets, **flags)
    click.echo(f"reelcart {__version__}: {video} -> {request.out_dir}", err=True)
    started = time.perf_counter()
    result = _run_locked(request)
    elapsed = time.perf_counter() - started
    cached = all(r.status == "cached" for r in result.stages)
    manifest = result.manifest
    assert manifest is not None
    click.echo(f"{len(manifest.reels)} reel(s) in {elapsed:.1f} s{' (all stages from cache)' if cached else ''}", err=True)
    for reel in manifest.reels:
        click.echo(f"  {request.out_dir / reel.file}  {reel.product.name}  {reel.start_s:.1f}-{reel.end_s:.1f} s  score {reel.score.total:.2f}")
    for note in manifest.fewer_reels_reason:
        click.echo(f"  note: {note}", err=True)
    for line in _order_summary(result.plan):
        click.echo(line, err=True)
    click.echo(f"manifest: {request.out_dir / 'manifest.json'}")
    click.echo(f"report:   {request.out_dir / 'report.html'}")
    if manifest.exports is not None:
        folders = ", ".join(manifest.exports.folders.values())
        click.echo(f"upload:   {request.out_dir / manifest.exports.schedule_csv} (and {folders})")


def _order_summary(plan) -> list[str]:  # noqa: ANN001 - a MomentPlan
    """Lines on how the order log was read: counts, what was left out and why, the clock."""
    stats = plan.order_stats
    if stats is None:
        return []
    unknown = sum(stats.unknown_skus.values())
    lines = [
        f"orders: {stats.orders_used} used of {stats.rows} rows ({stats.format}); {stats.duplicates} duplicate, "
        f"{stats.cancelled} cancelled/refunded, {stats.outside_recording} outside the recording, "
        f"{unknown} unknown SKU, {stats.unreadable} unreadable"
    ]
    lines += [f"  {note}" for note in stats.notes if not note.startswith("clock offset estimate")]
    lines += [f"  line {p.line}: {p.problem}" for p in stats.problems[:5]]
    estimate = plan.clock_estimate
    if estimate is not None:
        verdict = "applied" if estimate.applied else "not applied"
        lines.append(
            f"clock: estimated offset {estimate.offset_s:+.1f} s ± {estimate.uncertainty_s:.0f} s, confidence "
            f"{estimate.confidence:.2f} ({estimate.spikes_explained}/{estimate.spikes_used} spikes line up), {verdict}; "
            f"total offset used {plan.clock_offset_s or 0:+.1f} s"
        )
    elif plan.clock_offset_s:
        lines.append(f"clock: offset {plan.clock_offset_s:+.1f} s (orders.clock_offset_s)")
    return lines


def _fmt_range(start_s: float, end_s: float) -> str:
    def clock(t: float) -> str:
        m, s = divmod(t, 60)
        return f"{int(m)}:{s:04.1f}"

    return f"{clock(start_s)}-{clock(end_s)}"


@main.command()
@run_options
@reports_errors
def moments(video, orders, catalog, preset, out_dir, stream_start, sets, **flags) -> None:  # noqa: ANN001
    """Plan the reels without rendering: print the plan and write plan.json for editing.

    Edit plan.json by hand (change start_s/end_s, add, move or remove one of a moment's segments,
    delete a moment, change its sku), then `reelcart render plan.json` renders it.
    """
    from ..pipeline import PLAN_FILE

    request = _request(video, orders, catalog, preset, out_dir, stream_start, sets, **flags)
    result = _run_locked(request, until="plan")
    plan = result.plan
    for line in _order_summary(plan):
        click.echo(line)
    click.echo(f"{'id':<7} {'range (m:s)':<17} {'secs':>5} {'product':<24} {'score':>5}  "
               f"{'sales pitch  cta speech stale':<31} first words")
    for m in plan.moments:
        s = m.score
        parts = f"{s.sales_lift:5.2f} {s.pitch:5.2f} {s.call_to_action:4.0f} {s.speech_density:6.2f} {s.stale_penalty:5.2f}"
        click.echo(f"{m.id:<7} {_fmt_range(m.start_s, m.end_s):<17} {m.duration_s:5.1f} {m.product_name[:24]:<24} "
                   f"{s.total:5.2f}  {parts:<31} {m.first_words[:60]}")
        for line in _segment_lines(m):
            click.echo(line)
        for w in m.warnings:
            click.echo(f"        warning: {w}")
    if not plan.moments:
        click.echo("(no moments)")
    for r in plan.rejected:
        onset = f"{r.spike_onset_s:.0f} s" if r.spike_onset_s is not None else "-"
        click.echo(f"  not chosen: {r.sku} (spike at {onset}): {r.reason}")
    for note in plan.notes:
        click.echo(f"  note: {note}")
    click.echo(f"plan: {result.out_dir / PLAN_FILE}")


def _segment_lines(m) -> list[str]:  # noqa: ANN001 - a Moment
    """The segments a reel plays and the cuts between them, one line each."""
    spans = m.spans()
    if len(spans) == 1 and not m.cuts:
        return []
    cuts = sorted(m.cuts, key=lambda c: c.start_s)
    lines: list[str] = []
    for k, seg in enumerate(spans, start=1):
        lines.append(f"        segment {k}: {_fmt_range(seg.start_s, seg.end_s)} ({seg.end_s - seg.start_s:.1f} s)")
        for c in [c for c in cuts if seg.end_s - 0.05 <= c.start_s and (k == len(spans) or c.end_s <= spans[k].start_s + 0.05)]:
            words = f": {c.text[:60]!r}" if c.text else ""
            lines.append(f"          cut {_fmt_range(c.start_s, c.end_s)} ({c.reason}){words}")
    return lines


@main.command("render")
@click.argument("plan_file", type=click.Path(path_type=Path))
@click.option("--orders", "orders", type=click.Path(path_type=Path), help="Order log [default: the one the plan was made from].")
@click.option("--catalog", "catalog", type=click.Path(path_type=Path), help="Product catalog [default: the plan's].")
@click.option("--video", "video", type=click.Path(path_type=Path), help="Recording [default: the plan's source].")
@click.option("--preset", default=None, help="Preset name or YAML file [default: the plan's, else default].")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder [default: the plan's folder].")
@click.option("--stream-start", help="When the stream started (ISO 8601 with offset) [default: the plan's].")
@click.option("--set", "sets", multiple=True, metavar="SECTION.FIELD=VALUE", help="Override one preset field.")
@reports_errors
def render_plan(plan_file, orders, catalog, video, preset, out_dir, stream_start, sets) -> None:  # noqa: ANN001
    """Render a plan written by `reelcart moments`, also one edited by hand.

    A hand-edited moment needs only sku, start_s and end_s; the product name, call to action and
    first words are refreshed from the transcript, and a cut inside a word moves to the word's edge.
    """
    from ..stages.moments import load_plan

    plan = load_plan(plan_file)
    inputs = plan.inputs
    video = video or (Path(plan.source) if plan.source else None)
    orders = orders or (Path(inputs.orders) if inputs and inputs.orders else None)
    catalog = catalog or (Path(inputs.catalog) if inputs and inputs.catalog else None)
    missing = [name for name, value in (("--video", video), ("--orders", orders), ("--catalog", catalog)) if value is None]
    if missing:
        raise InputError(f"the plan does not say which files it was made from: pass {', '.join(missing)}", path=plan_file)
    if stream_start is None and inputs and inputs.stream_start:
        stream_start = inputs.stream_start.isoformat()
    preset = preset or (inputs.preset if inputs and inputs.preset else "default")
    request = _request(video, orders, catalog, preset, out_dir or plan_file.parent, stream_start, sets)
    request.plan = plan
    request.plan_file = plan_file
    result = _run_locked(request)
    assert result.manifest is not None
    for reel in result.manifest.reels:
        click.echo(f"  {request.out_dir / reel.file}  {reel.product.name}  {reel.start_s:.1f}-{reel.end_s:.1f} s")
        for w in reel.warnings:
            if w.startswith(("edited:", "start moved", "end moved")):
                click.echo(f"      {w}")
    click.echo(f"manifest: {request.out_dir / 'manifest.json'}")


def _parse_clock(value: str | None) -> float | None:
    """'90', '90.5', '1:30', '01:02:03.5' -> seconds."""
    if value is None or not value.strip():
        return None
    try:
        parts = [float(p) for p in value.strip().split(":")]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time (seconds, MM:SS or HH:MM:SS)") from None
    if len(parts) > 3 or any(p < 0 for p in parts):
        raise click.BadParameter(f"{value!r} is not a time (seconds, MM:SS or HH:MM:SS)")
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + p
    return seconds


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option("--catalog", "catalog", type=click.Path(path_type=Path), help="Product catalog: its names and aliases are fed to the decoder.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder [default: ./reelcart-out/<video name>].")
@click.option("--preset", default="default", show_default=True, help="Preset name or YAML file.")
@click.option("--set", "sets", multiple=True, metavar="SECTION.FIELD=VALUE", help="Override one preset field (repeatable).")
@click.option("--model", help="Speech model: base, tiny.en, a faster-whisper name or a local folder (transcribe.model).")
@click.option("--language", help="Spoken language, e.g. en, ar, vi, zh (transcribe.language); default: detect.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), help="transcribe.device")
@click.option("--compute-type", help="CTranslate2 compute type, e.g. int8, float16 (transcribe.compute_type).")
@click.option("--start", "start", callback=lambda ctx, param, value: _parse_clock(value), help="Transcribe from here (seconds, MM:SS or HH:MM:SS).")
@click.option("--end", "end", callback=lambda ctx, param, value: _parse_clock(value), help="Transcribe up to here.")
@reports_errors
def transcribe(video, catalog, out_dir, preset, sets, start, end, **flags) -> None:  # noqa: ANN001
    """Transcribe a recording (or a range of it): writes transcript.json, transcript.srt and transcript.vtt."""
    from ..artifacts import write_model_atomic, write_text_atomic
    from ..pipeline import Pipeline, RunRequest
    from ..stages.captions.transcript_files import build_srt, build_vtt

    if not video.exists():
        raise InputError("recording not found", path=video)
    if catalog is not None and not catalog.exists():
        raise InputError("catalog not found", path=catalog)
    loaded = _preset_from_options(preset, sets, **flags)
    out = out_dir or Path("reelcart-out") / video.stem
    start_s, end_s = start or 0.0, end
    request = RunRequest(video=video, orders=None, catalog=catalog, preset=loaded, out_dir=out)  # type: ignore[arg-type]
    click.echo(f"reelcart {__version__}: transcribing {video} -> {out}", err=True)
    started = time.perf_counter()
    pipeline = Pipeline(request, on_stage=_stage_printer)
    with folder_lock(out):
        remove_stale_partials(out)
        _, transcript = pipeline.transcribe_only(start_s, end_s)
    write_model_atomic(out / "transcript.json", transcript)
    write_text_atomic(out / "transcript.srt", build_srt(transcript))
    write_text_atomic(out / "transcript.vtt", build_vtt(transcript))
    words = len(transcript.words())
    cached = all(r.status == "cached" for r in pipeline.records)
    click.echo(
        f"{transcript.audio_s:.1f} s of audio, {transcript.speech_s:.1f} s of speech, {words} words, "
        f"language {transcript.language} ({transcript.language_source}, p={transcript.language_probability:.2f}), "
        f"model {transcript.model} on {transcript.device or 'cache'}, in {time.perf_counter() - started:.1f} s"
        + (" (from cache)" if cached else ""),
        err=True,
    )
    for name in ("transcript.json", "transcript.srt", "transcript.vtt"):
        click.echo(str(out / name))


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
    from .doctor import run_checks

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
    from ..batch import REPORT_FILE, BatchOptions, DiscoverOptions, discover_jobs, finished_manifest, format_summary, run_batch
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
@click.option("--platform", "platform_name", type=click.Choice(["tiktok", "reels", "shorts", "generic"]), default="generic",
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

