/* reelcart studio: review and correct a run's moment plan in the browser.
 *
 * Vanilla ES modules, no build step, no external requests; loaded by index.html as one module
 * script (the CSP allows scripts from the studio only). Every piece of run text lands through
 * textContent or createElement (dom.js); nothing is parsed as HTML. The API is the studio
 * contract (v1).
 */
import {$} from "./dom.js";
import {drawEditor, wireEditor} from "./editor.js";
import {reportError} from "./messages.js";
import {wirePlayer} from "./player.js";
import {wirePreview} from "./preview.js";
import {wireRender} from "./render.js";
import {drawAll, loadRun, loadRuns} from "./run.js";
import {setHooks, state} from "./state.js";
import {wireStrip} from "./strip.js";
import {wireStyle} from "./style.js";
import {drawTimeline, wireTimeline} from "./timeline.js";
import {wireTranscript} from "./transcript.js";

function wire() {
  setHooks({redraw: drawAll, reload: loadRun});
  wirePlayer();
  wireTimeline();
  wireTranscript();
  wireStrip();
  wireEditor();
  wirePreview();
  wireRender();
  wireStyle();
  $("#run-select").addEventListener("change", (e) => loadRun(e.target.value).catch(reportError));
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (state.run) { drawTimeline(); drawEditor(); } }, 150);
  });
}

// module scripts run once the document is parsed
wire();
loadRuns().catch((error) => { reportError(error); document.body.dataset.ready = "error"; });
