"""The studio's web app (Starlette): the page, its assets, and the JSON API the page calls.

Every handler that touches disk or runs ffmpeg is a plain function (Starlette runs it in its
thread pool). Errors are one line of JSON: ``{"error": code, "message": ...}``.
"""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..errors import ReelcartError, validation_message
from .edits import EDIT_OP
from .jobs import RenderJobs
from .security import LOOPBACK_NAMES, Guard, new_secret, safe_child
from .service import RenderBusy, Studio, UnknownRun
from .store import EditConflict

STATIC_DIR = Path(__file__).parent / "static"
CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self'; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
PAGE_HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
                "x-frame-options": "DENY", "cache-control": "no-store"}


class RevalidatedStatic(StaticFiles):
    """The page's assets, revalidated on every load (ETag): after an upgrade no browser keeps old modules."""

    def file_response(self, *args, **kwargs) -> Response:  # noqa: ANN002, ANN003
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "no-cache"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status, headers={"cache-control": "no-store"})


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"cache-control": "no-store", "x-content-type-options": "nosniff"})


def build_page(template: str, csrf: str) -> str:
    return template.replace("{{CSRF}}", html.escape(csrf, quote=True)).replace("{{VERSION}}", html.escape(__version__))


def create_app(root: Path, token: str, *, csrf: str | None = None, hosts: frozenset[str] | None = LOOPBACK_NAMES,
               jobs: RenderJobs | None = None) -> Guard:
    """The studio for the runs under ``root``, behind its guard (token, CSRF, Host)."""
    csrf = csrf or new_secret()
    studio = Studio(Path(root), jobs or RenderJobs())
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")

    def page(request: Request) -> Response:
        return Response(build_page(template, csrf), media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    def runs(request: Request) -> Response:
        return ok({"runs": studio.list_runs()})

    def run_state(request: Request) -> Response:
        return ok(studio.state(request.path_params["run"]))

    async def edit(request: Request) -> Response:
        body = await _json_body(request)
        try:
            base = int(body.get("base_revision"))
            op = EDIT_OP.validate_python(body.get("op"))
        except (TypeError, ValueError) as exc:
            message = validation_message(exc) if isinstance(exc, ValidationError) else "base_revision must be a number"
            return error(422, "invalid", f"edit: {message}")
        return await _in_thread(lambda: studio.edit(request.path_params["run"], base, op))

    def frame(request: Request) -> Response:
        try:
            t_s = float(request.query_params.get("t_s", "0"))
        except ValueError:
            return error(422, "invalid", "t_s must be a number of seconds")
        started = time.perf_counter()
        jpeg = studio.frame(request.path_params["run"], request.query_params.get("moment", ""), t_s)
        ms = (time.perf_counter() - started) * 1000
        return Response(jpeg, media_type="image/jpeg", headers={"x-render-ms": f"{ms:.0f}", "cache-control": "no-store"})

    async def style(request: Request) -> Response:
        body = await _json_body(request)
        return await _in_thread(lambda: studio.save_style(request.path_params["run"], body))

    async def render(request: Request) -> Response:
        body = await _json_body(request)
        ids = body.get("moments")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not ids:
            return error(422, "invalid", "render: 'moments' must be a non-empty list of reel ids")
        return await _in_thread(lambda: studio.render(request.path_params["run"], ids))

    def job(request: Request) -> Response:
        found = studio.jobs.jobs.get(request.path_params["job"])
        return ok(found.public()) if found else error(404, "not_found", "no such job")

    def source(request: Request) -> Response:
        return FileResponse(studio.source(request.path_params["run"]), headers={"cache-control": "private, max-age=3600"})

    def files(request: Request) -> Response:
        folder = studio.folder(request.path_params["run"])
        path = safe_child(folder, request.path_params["path"])
        if path is None:
            return error(404, "not_found", "no such file in this run")
        return FileResponse(path, headers={"cache-control": "no-cache", "x-content-type-options": "nosniff"})

    routes = [
        Route("/", page), Route("/api/runs", runs), Route("/api/runs/{run}", run_state),
        Route("/api/runs/{run}/edit", edit, methods=["POST"]), Route("/api/runs/{run}/frame", frame),
        Route("/api/runs/{run}/style", style, methods=["PUT"]), Route("/api/runs/{run}/render", render, methods=["POST"]),
        Route("/api/jobs/{job}", job), Route("/api/runs/{run}/source", source),
        Route("/api/runs/{run}/files/{path:path}", files),
        Mount("/static", app=RevalidatedStatic(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={ReelcartError: _reelcart_error, EditConflict: _conflict,
                                                       UnknownRun: _not_found, RenderBusy: _busy})
    app.state.studio = studio
    guard = Guard(app, token=token, csrf=csrf, allowed_hosts=hosts)
    guard.studio = studio  # type: ignore[attr-defined]
    return guard


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ReelcartError("the request body must be a JSON object")
    return body


async def _in_thread(call) -> Response:
    from starlette.concurrency import run_in_threadpool

    return ok(await run_in_threadpool(call))


async def _reelcart_error(request: Request, exc: Exception) -> Response:
    return error(422, "invalid", str(exc))


async def _conflict(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EditConflict)
    return error(409, "conflict", f"{exc.message}. Your edit was not applied and is kept: apply it again on the latest "
                 "version, or discard it.", revision=exc.revision)


async def _not_found(request: Request, exc: Exception) -> Response:
    return error(404, "not_found", "no such run in this studio")


async def _busy(request: Request, exc: Exception) -> Response:
    return error(409, "busy", str(exc))
