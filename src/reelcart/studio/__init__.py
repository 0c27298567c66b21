"""The editors' studio: a local web app to review, correct and re-render a run's reels.

``reelcart studio PATH`` serves the runs under PATH (a run's output folder or a batch's) on
127.0.0.1 behind a random token; the page shows why each moment was chosen (the order spikes and
the transcript), lets an editor correct the plan (in/out points, segments, product, approval),
preview a frame and re-render in the background. Modules: ``server`` (HTTP routes), ``security``
(token, CSRF, Host, safe paths), ``service`` (the work behind the routes), ``runs`` (what is read
of a run), ``edits`` (pure edit operations), ``store`` (revisions and conflicts), ``state`` (what
the page is sent), ``style`` (the studio preset file), ``jobs`` (background renders).
"""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import socket
import sys
import threading
import webbrowser
from pathlib import Path

from .jobs import RenderJobs
from .security import LOOPBACK_NAMES, new_secret
from .server import create_app

__all__ = ["create_app", "is_loopback", "serve"]


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        from ..errors import ReelcartError

        raise ReelcartError(f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True) -> None:
    """Serve the studio until Ctrl-C or SIGTERM; render jobs are stopped and cleaned up on the way out."""
    import uvicorn

    token = new_secret()
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    wildcard = host.strip("[]") in ("0.0.0.0", "::")
    # every address: the machine answers to names we cannot know (the token still guards every request)
    hosts = None if wildcard else LOOPBACK_NAMES if is_loopback(host) else LOOPBACK_NAMES | {host}
    jobs = RenderJobs()
    app = create_app(root, token, hosts=None if hosts is None else frozenset(hosts), jobs=jobs)
    shown_host = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0", "::", "[::]") else host
    url = f"http://{shown_host if ':' not in shown_host else f'[{shown_host}]'}:{bound_port}/?token={token}"
    if not is_loopback(host):
        print(f"warning: the studio listens on {host}, not only on this machine: anyone who can reach it and has the "
              "link can edit and re-render these runs", file=sys.stderr, flush=True)
    runs = len(app.studio.runs)  # type: ignore[attr-defined]
    print(f"studio: {url}", flush=True)
    print(f"serving {runs} run(s) under {Path(root).resolve()}; Ctrl-C to stop", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    if open_browser:
        threading.Timer(0.8, lambda: webbrowser.open(url)).start()
    # uvicorn restores the handlers it found and raises the signal again once it has shut down:
    # SIGTERM then arrives here as KeyboardInterrupt, like Ctrl-C, and the jobs are stopped below
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.run(sockets=[sock])  # uvicorn stops gracefully on SIGINT/SIGTERM, then re-raises the signal
    except KeyboardInterrupt:
        pass  # the editor's Ctrl-C (or SIGTERM) is how a studio ends: not an error
    finally:
        jobs.stop_all()
        sock.close()
        print("studio: stopped", file=sys.stderr, flush=True)
