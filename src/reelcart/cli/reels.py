"""Commands that make or plan reels: run, moments, render (an edited plan) and transcribe."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import click

from .. import __version__
from ..artifacts import folder_lock, remove_stale_partials
from ..errors import InputError
from ..text import format_duration
from .parse import (
    _parse_clock,
    _preset_from_options,
    _request,
    _run_locked,
    _stage_printer,
    main,
    reports_errors,
    run_options,
)

log = logging.getLogger(__name__)


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
        + (f", {stats.not_live} not from the live" if stats.not_live else "")
    ]
    if stats.matched_by:
        lines.append("  products matched by: " + ", ".join(f"{rule} {n}" for rule, n in stats.matched_by.items()))
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
    return f"{format_duration(start_s, 'clock.1')}-{format_duration(end_s, 'clock.1')}"


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
    if orders is not None and inputs and inputs.more_orders and Path(inputs.orders or "") == orders:
        orders = (orders, *(Path(p) for p in inputs.more_orders))  # the plan's other export files
    catalog = catalog or (Path(inputs.catalog) if inputs and inputs.catalog else None)
    missing = [name for name, value in (("--video", video), ("--orders", orders), ("--catalog", catalog)) if value is None]
    if missing:
        raise InputError(f"the plan does not say which files it was made from: pass {', '.join(missing)}", path=plan_file)
    if stream_start is None and inputs and inputs.stream_start:
        stream_start = inputs.stream_start.isoformat()
    if preset is None and inputs and inputs.preset:
        preset = inputs.preset
        if preset.endswith((".yaml", ".yml")) and not Path(preset).is_absolute():
            preset = str(Path(plan_file).parent / preset)  # the studio's style file sits beside the plan
    # the run's own --set fields stay; new ones win over them
    request = _request(video, orders, catalog, preset or "default", out_dir or plan_file.parent, stream_start, sets,
                       base_layers=inputs.overrides if inputs else ())
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
