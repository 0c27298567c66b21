/* Render jobs: start one for the checked reels, follow its progress, show how it ended. */
import {$, clamp} from "./dom.js";
import {api} from "./api.js";
import {reportError, showMessage} from "./messages.js";
import {reload, runUrl, state} from "./state.js";

const POLL_MS = 400;

/** The status line: while running the stage and (done/total) reels; once ended the server's message
 * (e.g. "done in 25.1 s: 1 rendered, 2 reused"). */
function jobStatusText(job) {
  if (job.status !== "running") return job.message || job.status;
  const stage = job.stage ? ` ${job.stage}` : "";
  const count = job.reels_total ? ` (${job.reels_done}/${job.reels_total})` : "";
  const detail = job.message && job.message !== `${job.stage}…` ? `: ${job.message}` : "";
  return `running${stage}${count}${detail}`;
}

/** Which reels the job rendered and which it reused (a tooltip on the status line). */
function jobDetail(job) {
  const parts = [];
  if (job.rendered && job.rendered.length) parts.push(`rendered: ${job.rendered.join(", ")}`);
  if (job.reused && job.reused.length) parts.push(`reused: ${job.reused.join(", ")}`);
  if (job.error) parts.push(job.error);
  return parts.join(" · ");
}

export function showJob(job) {
  state.job = job;
  $("#job-progress").value = clamp(Number(job.progress) || 0, 0, 1);
  const status = $("#job-status");
  status.textContent = jobStatusText(job);
  status.title = jobDetail(job);
  status.dataset.status = job.status;
  $("#render-btn").disabled = job.status === "running";
}

let pollTimer = null;
export function pollJob(id) {
  clearTimeout(pollTimer);
  const step = async () => {
    let job;
    try { job = await api("GET", `/api/jobs/${encodeURIComponent(id)}`); } catch (error) {
      reportError(error); $("#render-btn").disabled = false; return;
    }
    if (job.status === "running") {
      showJob(job);
      pollTimer = setTimeout(step, POLL_MS);
      return;
    }
    state.renderChoice.clear();
    try { await reload(); } catch (error) { reportError(error); }
    showJob(job);
    if (job.status === "failed") showMessage("error", `Render failed: ${job.error || job.message}`);
  };
  pollTimer = setTimeout(step, POLL_MS);
}

async function startRender() {
  const ids = Array.from(document.querySelectorAll("#reels .render-select"))
    .filter((box) => box.checked).map((box) => box.closest(".reel-card").dataset.id);
  if (!ids.length) { showMessage("info", "Check the reels to render first."); return; }
  try {
    const data = await api("POST", runUrl("/render"), {moments: ids});
    showJob(data.job);
    pollJob(data.job.id);
  } catch (error) { reportError(error); }
}

export function wireRender() {
  $("#render-btn").addEventListener("click", startRender);
}
