/* One frame of the selected reel as it would render now (crop, captions, card). */
import {$, fmtSeconds} from "./dom.js";
import {busy, fetchOk} from "./api.js";
import {reportError} from "./messages.js";
import {runUrl, selectedMoment} from "./state.js";

async function showBlob(img, blob) {
  if (img.dataset.objectUrl) URL.revokeObjectURL(img.dataset.objectUrl);
  const objectUrl = URL.createObjectURL(blob);
  img.dataset.objectUrl = objectUrl;
  await new Promise((resolve) => { img.onload = resolve; img.onerror = resolve; img.src = objectUrl; });
}

async function previewFrame() {
  const m = selectedMoment();
  if (!m) return;
  const t = Number($("#preview-t").value);
  const url = runUrl(`/frame?moment=${encodeURIComponent(m.id)}&t_s=${t.toFixed(2)}`);
  const started = performance.now();
  try {
    await busy(async () => {
      const response = await fetchOk("GET", url, {what: "the frame preview"});
      const blob = await response.blob();
      const img = $("#preview");
      $("#preview-placeholder").hidden = true;
      await showBlob(img, blob);
      const took = performance.now() - started;
      const server = response.headers.get("X-Render-Ms");
      $("#preview-ms").textContent = `${m.id} at ${fmtSeconds(t)}: ${Math.round(took)} ms${server ? ` (render ${Math.round(Number(server))} ms)` : ""}`;
      img.classList.add("loaded");
    });
  } catch (error) {
    reportError(error);
  }
}

export function wirePreview() {
  $("#preview-t").addEventListener("input", (e) => { $("#preview-t-label").textContent = fmtSeconds(Number(e.target.value)); });
  $("#preview-btn").addEventListener("click", previewFrame);
}
