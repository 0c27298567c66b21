"""The studio's guard: a random token on every request, a CSRF header on every request that changes
state, a Host check against DNS rebinding, and files served only from inside a run folder.

The token arrives once in the URL the studio prints (``/?token=…``); the first visit turns it into
an HttpOnly, SameSite=Strict cookie and redirects to a URL without it. API clients may send it in
``X-Reelcart-Token`` instead. The CSRF value is a second secret that only the page itself carries
(a ``<meta>`` tag), so another site that gets the browser to send the cookie cannot know it.
"""

from __future__ import annotations

import hmac
import json
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

COOKIE = "reelcart_studio"
TOKEN_HEADER = "x-reelcart-token"
CSRF_HEADER = "x-reelcart-csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def same_secret(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def host_name(host_header: str) -> str:
    """``127.0.0.1:8765`` -> ``127.0.0.1``; ``[::1]:8765`` -> ``[::1]``."""
    if host_header.startswith("["):
        return host_header.split("]", 1)[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def safe_child(folder: Path, relative: str) -> Path | None:
    """``folder/relative`` when it is a regular, non-hidden file inside ``folder`` (after following
    every symlink), else None: ``..``, absolute paths, NUL bytes, hidden files and links out are refused."""
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    base = folder.resolve()
    try:
        candidate = (base / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


def _headers(scope: dict) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie(headers: dict[str, str]) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed cookie header is no token
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


class Guard:
    """ASGI middleware in front of the whole app."""

    def __init__(self, app, *, token: str, csrf: str, allowed_hosts: frozenset[str] | None) -> None:
        """``allowed_hosts``: the host names the studio answers to (None: any, when it listens on every address)."""
        self.app, self.token, self.csrf, self.allowed_hosts = app, token, csrf, allowed_hosts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host", "")
        if self.allowed_hosts is not None and host_name(host) not in self.allowed_hosts:
            await _reply(send, 421, "misdirected", "this studio answers only to the address it printed")
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if scope["path"] == "/" and query.get("token"):
            if same_secret(query["token"][0], self.token):
                await _login(send, self.token)
            else:
                await _reply(send, 401, "token", "wrong token: open the link `reelcart studio` printed")
            return
        if not (same_secret(_cookie(headers), self.token) or same_secret(headers.get(TOKEN_HEADER), self.token)):
            await _reply(send, 401, "token", "no token: open the link `reelcart studio` printed")
            return
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and origin.split("://", 1)[-1].rstrip("/") != host:  # same origin only
                await _reply(send, 403, "origin", "requests from another site are refused")
                return
            if not same_secret(headers.get(CSRF_HEADER), self.csrf):
                await _reply(send, 403, "csrf", "missing or wrong X-Reelcart-CSRF header: reload the studio page")
                return
        await self.app(scope, receive, send)


async def _reply(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


async def _login(send, token: str) -> None:
    cookie = f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
    await send({"type": "http.response.start", "status": 303, "headers": [
        (b"location", b"/"), (b"set-cookie", cookie.encode()), (b"content-length", b"0"), (b"cache-control", b"no-store"),
        (b"referrer-policy", b"no-referrer")]})
    await send({"type": "http.response.body", "body": b""})
