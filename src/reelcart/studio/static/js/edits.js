/* Edits to the plan: one op at a time; a 409 keeps the edit to apply again on the latest version. */
import {$, fmtTime} from "./dom.js";
import {ApiError, api} from "./api.js";
import {clearMessage, reportError, showMessage} from "./messages.js";
import {keepSelectedReel, moments, redraw, reload, runUrl, state} from "./state.js";

export async function edit(op) {
  if (!state.run) return;
  state.pending = {op};
  await sendPending();
}

function applyResult(pending, result, before) {
  state.pending = null;
  state.run.revision = result.revision;
  state.run.plan = result.plan;
  state.run.reels = result.reels;
  const added = moments().find((m) => !before.has(m.id) && (!result.moment || m.id === result.moment));
  if (added) { state.selected = added.id; state.selection = null; } else keepSelectedReel();
  if (pending.op.type === "cut") state.selection = null;
  const notes = result.notes || [];
  if (notes.length) showMessage("info", notes.join(" · ")); else clearMessage();
  redraw();
}

async function sendPending() {
  const pending = state.pending;
  const before = new Set(moments().map((m) => m.id));
  try {
    const result = await api("POST", runUrl("/edit"), {base_revision: state.run.revision, op: pending.op});
    applyResult(pending, result, before);
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      const latest = typeof error.body.revision === "number" ? error.body.revision : null;
      if (latest !== null) $("#revision").textContent = `revision ${state.run.revision} (latest ${latest})`;
      showMessage("conflict", `${error.message} (Your edit: ${describeOp(pending.op)}.)`, [
        {id: "conflict-retry", class: "primary", label: "Apply again on the latest version", run: retryPending},
        {id: "conflict-discard", label: "Discard my edit", run: discardPending}]);
    } else {
      state.pending = null;
      reportError(error);
      redraw();
    }
  }
}

function describeOp(op) {
  const parts = [op.type.replace("_", " ")];
  if (op.moment) parts.push(`on ${op.moment}`);
  for (const key of ["in_s", "out_s", "start_s", "end_s"]) {
    if (typeof op[key] === "number") parts.push(`${key.replace("_s", "")} ${fmtTime(op[key])}`);
  }
  if (op.sku) parts.push(`→ ${op.sku}`);
  if (op.status) parts.push(op.status);
  return parts.join(" ");
}

async function retryPending() {
  try {
    await reload();
    if (state.pending) await sendPending();
  } catch (error) { reportError(error); }
}

async function discardPending() {
  state.pending = null;
  $("#message").hidden = true;
  try { await reload(); } catch (error) { reportError(error); }
}
