"""The command line: a thin layer over the pipeline. Errors are reported once, on one line."""

from __future__ import annotations

import functools
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from . import __version__
from .config import describe_preset, load_preset, parse_set_option, preset_files
from .errors import InputError, ReelcartError

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
    from .pipeline import RunRequest

    for path, what in ((video, "recording"), (orders, "order log"), (catalog, "catalog")):
        if not path.exists():
            raise InputError(f"{what} not found", path=path)
    loaded = _preset_from_options(preset, sets, **flags)
    out = out_dir or Path("reelcart-out") / video.stem
    return RunRequest(video=video, orders=orders, catalog=catalog, preset=loaded, out_dir=out,
                      stream_start=_parse_stream_start(stream_start))


@main.command()
@run_options
@reports_errors
def run(video, orders, catalog, preset, out_dir, stream_start, sets, **flags) -> None:  # noqa: ANN001
    """Make the reels: probe, audio, spikes, transcribe, moments, reframe, render, package."""
    from .pipeline import Pipeline

    request = _request(video, orders, catalog, preset, out_dir, stream_start, sets, **flags)
    click.echo(f"reelcart {__version__}: {video} -> {request.out_dir}", err=True)
    started = time.perf_counter()
    result = Pipeline(request, on_stage=_stage_printer).run()
    elapsed = time.perf_counter() - started
    cached = all(r.status == "cached" for r in result.stages)
    manifest = result.manifest
    assert manifest is not None
    click.echo(f"{len(manifest.reels)} reel(s) in {elapsed:.1f} s{' (all stages from cache)' if cached else ''}", err=True)
    for reel in manifest.reels:
        click.echo(f"  {request.out_dir / reel.file}  {reel.product.name}  {reel.start_s:.1f}-{reel.end_s:.1f} s  score {reel.score.total:.2f}")
    for note in manifest.fewer_reels_reason:
        click.echo(f"  note: {note}", err=True)
    click.echo(f"manifest: {request.out_dir / 'manifest.json'}")
    click.echo(f"report:   {request.out_dir / 'report.html'}")


@main.command()
@run_options
@reports_errors
def moments(video, orders, catalog, preset, out_dir, stream_start, sets, **flags) -> None:  # noqa: ANN001
    """Plan the reels without rendering: print the plan and write plan.json for editing."""
    from .pipeline import PLAN_FILE, Pipeline

    request = _request(video, orders, catalog, preset, out_dir, stream_start, sets, **flags)
    result = Pipeline(request, on_stage=_stage_printer).run(until="plan")
    plan = result.plan
    click.echo(f"{'id':<7} {'range':<15} {'product':<24} {'score':>5}  parts (sales/pitch/cta/speech/stale)  first words")
    for m in plan.moments:
        s = m.score
        rng = f"{m.start_s:.1f}-{m.end_s:.1f}"
        parts = f"{s.sales_lift:.2f}/{s.pitch:.2f}/{s.call_to_action:.0f}/{s.speech_density:.2f}/{s.stale_penalty:.2f}"
        click.echo(f"{m.id:<7} {rng:<15} {m.product_name[:24]:<24} {s.total:>5.2f}  {parts:<36} {m.first_words[:50]}")
        for w in m.warnings:
            click.echo(f"        warning: {w}")
    for r in plan.rejected:
        click.echo(f"  not chosen: {r.sku} (spike {r.spike_onset_s if r.spike_onset_s is not None else '-'} s): {r.reason}")
    for note in plan.notes:
        click.echo(f"  note: {note}")
    click.echo(f"plan: {result.out_dir / PLAN_FILE}")


@main.command("render")
@click.argument("plan_file", type=click.Path(path_type=Path))
@click.option("--orders", "orders", required=True, type=click.Path(path_type=Path), help="Order log used for the plan.")
@click.option("--catalog", "catalog", required=True, type=click.Path(path_type=Path), help="Product catalog.")
@click.option("--preset", default="default", show_default=True, help="Preset name or YAML file.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder [default: the plan's folder].")
@click.option("--stream-start", help="When the stream started (ISO 8601 with offset).")
@click.option("--set", "sets", multiple=True, metavar="SECTION.FIELD=VALUE", help="Override one preset field.")
@reports_errors
def render_plan(plan_file, orders, catalog, preset, out_dir, stream_start, sets) -> None:  # noqa: ANN001
    """Render a plan written by `reelcart moments`, also one edited by hand."""
    from .artifacts import read_model
    from .models import MomentPlan
    from .pipeline import Pipeline

    plan = read_model(plan_file, MomentPlan)
    request = _request(Path(plan.source), orders, catalog, preset, out_dir or plan_file.parent, stream_start, sets)
    request.plan = plan
    result = Pipeline(request, on_stage=_stage_printer).run()
    assert result.manifest is not None
    for reel in result.manifest.reels:
        click.echo(f"  {request.out_dir / reel.file}  {reel.product.name}  {reel.start_s:.1f}-{reel.end_s:.1f} s")
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
    from .artifacts import write_model_atomic, write_text_atomic
    from .pipeline import Pipeline, RunRequest
    from .stages.transcript_files import build_srt, build_vtt

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


@main.command()
@reports_errors
def doctor() -> None:
    """What reelcart will use: ffmpeg, speech models, face detector, caption fonts."""
    from .doctor import run_checks

    ok = True
    for check in run_checks():
        mark = "ok " if check.ok else "!! "
        ok &= check.ok or not check.required
        click.echo(f"{mark} {check.name:<16} {check.detail}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
