"""A studio over a copy of the session's sample run, driven through Starlette's TestClient."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from starlette.testclient import TestClient

from reelcart.studio import create_app
from reelcart.studio.runs import run_id

TOKEN = "test-token-0123456789"
CSRF = "test-csrf-abcdef"


def copy_run(sample_out: Path, tmp_path: Path, name: str = "run") -> Path:
    """A private copy of the sample run (the session's run is shared by other tests)."""
    target = tmp_path / name
    shutil.copytree(sample_out, target, symlinks=True)
    return target


def studio_client(root: Path, **kwargs) -> TestClient:  # noqa: ANN003
    """A logged-in client (token cookie from the first visit) on http://127.0.0.1."""
    client = TestClient(create_app(root, TOKEN, csrf=CSRF, **kwargs), base_url="http://127.0.0.1:8765")
    first = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303, first.text
    return client


def rid(root: Path, folder: Path | None = None) -> str:
    return run_id(root.resolve(), (folder or root).resolve())


def edit(client: TestClient, run: str, base: int, op: dict, csrf: str | None = CSRF):  # noqa: ANN201
    headers = {"X-Reelcart-CSRF": csrf} if csrf else {}
    return client.post(f"/api/runs/{run}/edit", json={"base_revision": base, "op": op}, headers=headers)


def plan_on_disk(folder: Path) -> dict:
    return json.loads((folder / "plan.json").read_text(encoding="utf-8"))


def word_ends(state: dict) -> set[float]:
    return {round(w["end_s"], 3) for w in state["words"]}


def word_starts(state: dict) -> set[float]:
    return {round(w["start_s"], 3) for w in state["words"]}


def csrf_of(page_html: str) -> str:
    match = re.search(r'<meta name="reelcart-csrf" content="([^"]+)"', page_html)
    assert match, page_html[:500]
    return match.group(1)
