"""The command group and what every command shares: one-line errors, the run options, option values parsed into a run request."""

from __future__ import annotations

import functools
import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from .. import __version__
from ..artifacts import folder_lock, remove_stale_partials
from ..config import load_preset, parse_set_option
from ..errors import ReelcartError

log = logging.getLogger(__name__)


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
    from ..pipeline.request import parse_stream_start

    try:
        return parse_stream_start(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _preset_layers(sets: tuple[str, ...], **flags) -> list[dict]:  # noqa: ANN003
    """``--set`` items, then the dedicated flags (which win)."""
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
    return layers


def _preset_from_options(preset: str, sets: tuple[str, ...], **flags) -> object:  # noqa: ANN003
    return load_preset(preset, _preset_layers(sets, **flags))


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
        click.option("--orders", "orders", required=True, multiple=True, type=click.Path(path_type=Path),
                     help="Order log (CSV, JSON, JSONL, xlsx; generic or a Shopify, TikTok Shop, Shopee, Lazada, Douyin, "
                     "Taobao/Tmall or WooCommerce export). Twice for Taobao's ExportOrderList + ExportOrderDetailList."),
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


def _request(video, orders, catalog, preset, out_dir, stream_start, sets, base_layers=(), **flags):  # noqa: ANN001, ANN003, ANN202
    from ..pipeline import build_request

    start = _parse_stream_start(stream_start)
    layers = [*base_layers, *_preset_layers(sets, **flags)]
    return build_request(video=video, orders=orders, catalog=catalog, preset=preset, overrides=layers,
                         out_dir=out_dir or Path("reelcart-out") / video.stem, stream_start=start, preset_ref=preset)


def _run_locked(request, until: str | None = None):  # noqa: ANN001, ANN202 - RunRequest -> RunResult
    """The pipeline under the output folder's lock, after clearing what a killed run left behind."""
    from ..pipeline import Pipeline

    with folder_lock(request.out_dir):
        remove_stale_partials(request.out_dir)
        return Pipeline(request, on_stage=_stage_printer).run(until=until)


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
