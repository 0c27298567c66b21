/* Loading runs: the run list, one run's state, and drawing every panel from it. */
import {$, el, fmtTime} from "./dom.js";
import {api} from "./api.js";
import {drawEditor} from "./editor.js";
import {showMessage} from "./messages.js";
import {drawReels} from "./reels.js";
import {pollJob, showJob} from "./render.js";
import {keepSelectedReel, state} from "./state.js";
import {fillStyle} from "./style.js";
import {drawTimeline} from "./timeline.js";
import {markTranscript, renderTranscript} from "./transcript.js";

const rendered = (value) => (typeof value === "number" ? `, ${value} rendered` : value ? ", rendered" : ", not rendered");

export function drawAll() {
  $("#revision").textContent = `revision ${state.run.revision}`;
  drawTimeline();
  drawReels();
  drawEditor();
  markTranscript();
}

export async function loadRuns() {
  const data = await api("GET", "/api/runs");
  state.runs = data.runs || [];
  const select = $("#run-select");
  select.replaceChildren(...state.runs.map((r) => el("option", {value: r.id,
    text: `${r.name} (${r.reels} reel${r.reels === 1 ? "" : "s"}${rendered(r.rendered)})`})));
  const wanted = new URLSearchParams(location.hash.slice(1)).get("run");
  const first = state.runs.find((r) => r.id === wanted) || state.runs[0];
  if (!first) {
    showMessage("info", "No runs in this folder yet: make one with `reelcart run`.");
    document.body.dataset.ready = "1";
    return;
  }
  select.value = first.id;
  await loadRun(first.id);
}

export async function loadRun(id) {
  const keepSelection = state.run && state.run.id === id;
  const run = await api("GET", `/api/runs/${encodeURIComponent(id)}`);
  const videoChanged = !state.run || state.run.video_url !== run.video_url;
  if (!keepSelection) { state.renderChoice.clear(); state.selection = null; state.anchor = null; }
  state.run = run;
  keepSelectedReel();
  history.replaceState(null, "", `#run=${encodeURIComponent(id)}`);
  if (videoChanged) $("#video").src = run.video_url;
  $("#run-meta").textContent = `${run.name} · ${fmtTime(run.duration_s)} · ${run.width_px}×${run.height_px} · ${run.language}`;
  renderTranscript();
  fillStyle(run.style);
  drawAll();
  if (run.job) showJob(run.job);
  if (run.job && run.job.status === "running") pollJob(run.job.id);
  document.body.dataset.ready = "1";
}
