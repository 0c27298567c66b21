"""`reelcart studio`: the editors' studio in the browser (see reelcart.studio)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from .parse import main, reports_errors


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1/localhost lets other machines connect (a warning says so).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--no-browser", is_flag=True, help="Do not open the browser; just print the link.")
@reports_errors
def studio(path: Path, host: str, port: int, no_browser: bool) -> None:
    """Review, correct and re-render the reels of the runs under PATH (a run's output folder or a batch's)."""
    from ..studio import serve
    from ..studio.runs import find_runs

    if not path.is_dir():
        raise InputError("not a folder: pass a run's output folder (with plan.json) or a batch's", path=path)
    if not find_runs(path):
        raise InputError("no run here: a run's folder holds plan.json (made by `reelcart run` or `reelcart moments`)",
                         path=path)
    serve(path, host=host, port=port, open_browser=not no_browser)
