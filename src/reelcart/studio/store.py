"""plan.json as the studio edits it: one edit at a time, each validated by the plan's own models and
the editor check, written atomically with the next revision number, and logged.

Two tabs (or two editors) may edit one run. Every edit names the revision it was made on. An edit
made on an older revision goes through when nothing it touches changed since (another reel was
edited); when its reel was changed, deleted, or plan.json was rewritten outside the studio, it is
refused with a conflict that says what happened, and the tab keeps its edit to apply again.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..artifacts import write_model_atomic, write_text_atomic
from ..errors import InputError
from ..models import Moment, MomentPlan
from ..pipeline import PLAN_FILE
from ..stages.moments import apply_editor_plan, load_plan
from .edits import EditOp, NewMoment, Undo, apply_op
from .runs import STUDIO_DIRNAME, RunContext

EDIT_LOG = "edits.jsonl"
LOCK_FILE = ".plan.lock"


class EditConflict(Exception):
    """The edit was made on an older revision, and what it touches changed since."""

    def __init__(self, message: str, revision: int) -> None:
        super().__init__(message)
        self.message = message
        self.revision = revision


@dataclass
class EditResult:
    plan: MomentPlan
    moment_id: str | None
    notes: list[str]


def build_log_entry(revision: int, moment_id: str | None, op: dict[str, Any], **extra: Any) -> str:  # noqa: ANN401
    """One line of the edit log; ``extra``: what undo needs (``before``, ``index``) or what it undid (``undoes``)."""
    return json.dumps({"revision": revision, "moment": moment_id, "op": op, **extra,
                       "at": datetime.now().astimezone().isoformat(timespec="seconds")}, ensure_ascii=False)


def last_undoable(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest edit of a moment not taken back yet (undo works like a stack; style changes are not undone)."""
    undone = {e.get("undoes") for e in entries if e.get("undoes") is not None}
    for entry in reversed(entries):
        if entry.get("undoes") is None and entry["revision"] not in undone and "before" in entry:
            return entry
    return None


def build_undone(plan: MomentPlan, entry: dict[str, Any]) -> MomentPlan:
    """The plan with ``entry``'s edit taken back: its moment exactly as it was before (pure)."""
    moments = list(plan.moments)
    index = next((i for i, m in enumerate(moments) if m.id == entry["moment"]), None)
    before = Moment.model_validate(entry["before"]) if entry["before"] is not None else None
    if before is None:  # the edit made the moment: taking it back removes it
        if index is not None:
            del moments[index]
    elif index is None:  # the edit deleted it: it comes back where it was
        moments.insert(min(int(entry.get("index") or 0), len(moments)), before)
    else:
        moments[index] = before
    return plan.model_copy(update={"moments": moments})


def find_conflict(entries: list[dict[str, Any]], base: int, current: int, moment_id: str | None) -> str | None:
    """Why an edit made on revision ``base`` cannot go onto ``current``, or None when it can."""
    if base == current:
        return None
    if base > current:
        return f"the plan is at revision {current}, older than this tab's {base} (plan.json was replaced)"
    later = [e for e in entries if base < int(e.get("revision", 0)) <= current]
    if len(later) < current - base:
        return f"plan.json was changed outside this studio since revision {base}"
    if moment_id is None:
        return None
    for e in later:
        if e.get("moment") == moment_id:
            return f"{moment_id} was changed in another tab (revision {e['revision']}: {e['op'].get('type')})"
    return None


class PlanStore:
    """The plan of one run folder; edits are serialised by a lock (one studio process per folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / PLAN_FILE
        self.log_path = folder / "work" / STUDIO_DIRNAME / EDIT_LOG
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One edit at a time: across this studio's threads, and across processes (two studios, or a
        script, on one folder) through a lock file beside the edit log."""
        with self.lock:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path.with_name(LOCK_FILE), "a+") as fh:
                try:
                    import fcntl
                except ImportError:  # pragma: no cover - not POSIX: the thread lock only
                    yield
                    return
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def read(self) -> MomentPlan:
        return load_plan(self.path)

    def entries(self) -> list[dict[str, Any]]:
        try:
            lines = self.log_path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def edit(self, ctx: RunContext, base_revision: int, op: EditOp) -> EditResult:
        """Apply ``op`` (made on ``base_revision``) to the plan on disk; raise EditConflict or InputError."""
        with self.locked():
            plan = self.read()
            entries = self.entries()
            if isinstance(op, Undo):
                return self._undo(plan, entries, base_revision)
            target = None if isinstance(op, NewMoment) else op.moment
            reason = find_conflict(entries, base_revision, plan.revision, target)
            if reason is not None:
                raise EditConflict(reason, plan.revision)
            edited, moment_id, notes = apply_op(plan, op, ctx.words, ctx.catalog, ctx.info.duration_s)
            edited = refresh_moment(edited, moment_id, ctx)
            edited = edited.model_copy(update={"revision": plan.revision + 1})
            index = next((i for i, m in enumerate(plan.moments) if m.id == moment_id), None)
            before = plan.moments[index].model_dump(mode="json") if index is not None else None
            self.write(edited, moment_id, op.model_dump(), before=before, index=index)
            return EditResult(plan=edited, moment_id=moment_id, notes=notes)

    def _undo(self, plan: MomentPlan, entries: list[dict[str, Any]], base_revision: int) -> EditResult:
        entry = last_undoable(entries)
        if entry is None:
            raise InputError("nothing to undo: no edit made in the studio is left to take back")
        reason = find_conflict(entries, base_revision, plan.revision, entry["moment"])
        if reason is not None:
            raise EditConflict(reason, plan.revision)
        undone = build_undone(plan, entry).model_copy(update={"revision": plan.revision + 1})
        self.write(undone, entry["moment"], {"type": "undo"}, undoes=entry["revision"])
        what = f"{entry['op'].get('type', 'edit').replace('_', ' ')} of {entry['moment']}"
        return EditResult(plan=undone, moment_id=entry["moment"], notes=[f"undid the {what} (revision {entry['revision']})"])

    def write(self, plan: MomentPlan, moment_id: str | None, op: dict[str, Any], **extra: Any) -> None:  # noqa: ANN401
        """plan.json (atomically), then the log line of its revision."""
        write_model_atomic(self.path, plan)
        old = self.log_path.read_text(encoding="utf-8") if self.log_path.is_file() else ""
        write_text_atomic(self.log_path, old + build_log_entry(plan.revision, moment_id, op, **extra) + "\n")

    def update_inputs(self, ctx: RunContext, preset: str, styled: set[str]) -> MomentPlan:
        """The plan renders with ``preset`` from now on (a studio style file); the run's command-line
        caption fields that the style sets are dropped, or they would win over the editor's choice."""
        with self.locked():
            plan = self.read()
            if plan.inputs is None:
                raise InputError("plan.json does not name the files it was made from", path=self.path)
            overrides = [drop_fields(layer, "captions", styled) for layer in plan.inputs.overrides]
            inputs = plan.inputs.model_copy(update={"preset": preset, "overrides": [layer for layer in overrides if layer]})
            updated = plan.model_copy(update={"inputs": inputs, "revision": plan.revision + 1})
            self.write(updated, None, {"type": "style", "preset": preset})
            return updated


def drop_fields(layer: dict[str, Any], section: str, names: set[str]) -> dict[str, Any]:
    """A preset layer without ``section.<name>`` for each name (and without the section when it empties)."""
    out = dict(layer)
    if isinstance(out.get(section), dict):
        kept = {k: v for k, v in out[section].items() if k not in names}
        if kept:
            out[section] = kept
        else:
            del out[section]
    return out


def refresh_moment(plan: MomentPlan, moment_id: str | None, ctx: RunContext) -> MomentPlan:
    """The edited moment refreshed by the editor check (product name, call to action, cuts, word
    edges, warnings); the other moments stay exactly as they are."""
    moments = list(plan.moments)
    index = next((i for i, m in enumerate(moments) if m.id == moment_id), None)
    if index is None:
        return plan
    one = plan.model_copy(update={"moments": [moments[index]]})
    refreshed = apply_editor_plan(one, ctx.transcript, ctx.catalog, ctx.preset.moments, ctx.info.duration_s,
                                  path=PLAN_FILE).moments[0]
    others = [m for k, m in enumerate(moments) if k != index and m.review != "rejected"]
    for other in others:
        if refreshed.start_s < other.end_s and other.start_s < refreshed.end_s and refreshed.review != "rejected":
            refreshed.warnings.append(f"edited: overlaps {other.id}")
    moments[index] = refreshed
    return plan.model_copy(update={"moments": moments})
