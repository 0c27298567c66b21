/* The reel editor panel: title, badges, product, review buttons and the segment tools. */
import {$, el, fmtSeconds} from "./dom.js";
import {edit} from "./edits.js";
import {reviewBadges} from "./reels.js";
import {reelDuration, selectedMoment, selectionRange, spans, state} from "./state.js";
import {drawStrip} from "./strip.js";

const CONTROLS = ["#add-segment", "#product", "#approve", "#reject", "#delete-moment", "#preview-btn", "#preview-t"];

function fillProducts(m) {
  const product = $("#product");
  product.replaceChildren(...state.run.catalog.map((p) => el("option", {value: p.sku, text: `${p.name} (${p.sku})`})));
  if (!state.run.catalog.some((p) => p.sku === m.sku)) product.prepend(el("option", {value: m.sku, text: `${m.product_name} (${m.sku})`}));
  product.value = m.sku;
}

export function drawEditor() {
  const m = selectedMoment();
  for (const id of CONTROLS) $(id).disabled = !m;
  if (!m) {
    $("#editor-title").textContent = "No reel selected";
    $("#editor-badges").replaceChildren();
    for (const part of $("#strip").querySelectorAll(".strip-words, .strip-cuts, .strip-segments, .strip-ruler")) part.replaceChildren();
    return;
  }
  const count = spans(m).length;
  $("#editor-title").replaceChildren(el("span", {class: "reel-id", text: m.id}), " ", el("span", {text: m.product_name}));
  $("#editor-badges").replaceChildren(...reviewBadges(m, state.run.reels[m.id] || {}).filter(Boolean));
  $("#editor-duration").textContent = `${fmtSeconds(reelDuration(m))} in ${count} segment${count > 1 ? "s" : ""}`;
  $("#approve").setAttribute("aria-pressed", String(m.review === "approved"));
  $("#reject").setAttribute("aria-pressed", String(m.review === "rejected"));
  fillProducts(m);
  const range = $("#preview-t");
  range.max = Math.max(0.1, reelDuration(m) - 0.05).toFixed(2);
  if (Number(range.value) > Number(range.max)) range.value = range.max;
  $("#preview-t-label").textContent = fmtSeconds(Number(range.value));
  drawStrip(m);
}

function review(status) {
  const m = selectedMoment();
  if (m) edit({type: "review", moment: m.id, status: m.review === status ? "pending" : status});
}

function addSegment() {
  const m = selectedMoment();
  if (!m) return;
  const last = spans(m)[spans(m).length - 1];
  const range = selectionRange() || {start_s: last.end_s + 1, end_s: Math.min(state.run.duration_s, last.end_s + 5)};
  edit({type: "add_segment", moment: m.id, ...range});
}

export function wireEditor() {
  $("#product").addEventListener("change", (e) => {
    const m = selectedMoment();
    if (m && e.target.value !== m.sku) edit({type: "swap_product", moment: m.id, sku: e.target.value});
  });
  $("#approve").addEventListener("click", () => review("approved"));
  $("#reject").addEventListener("click", () => review("rejected"));
  $("#delete-moment").addEventListener("click", () => {
    const m = selectedMoment();
    if (m && window.confirm(`Delete ${m.id} from the plan?`)) edit({type: "delete_moment", moment: m.id});
  });
  $("#cut-selection").addEventListener("click", () => {
    const m = selectedMoment(), range = selectionRange();
    if (m && range) edit({type: "cut", moment: m.id, ...range});
  });
  $("#new-moment").addEventListener("click", () => {
    const range = selectionRange();
    if (range) edit({type: "new_moment", ...range, sku: null});
  });
  $("#add-segment").addEventListener("click", addSegment);
  $("#undo").addEventListener("click", () => edit({type: "undo"}));
  document.addEventListener("keydown", onUndoKey);
}

/** Ctrl+Z (Cmd+Z) takes back the last edit, outside form fields (they keep their own undo). */
function onUndoKey(event) {
  if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.key.toLowerCase() !== "z") return;
  if (event.target.closest("input, select, textarea, [contenteditable]")) return;
  event.preventDefault();
  edit({type: "undo"});
}
