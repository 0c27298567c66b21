/* The editor strip: the selected reel ± 10 s with its words, cuts and segments; drag edges (snapped to words). */
import {$, clamp, el, fmtSeconds, fmtTime} from "./dom.js";
import {edit} from "./edits.js";
import {seek, updatePlayhead} from "./player.js";
import {MIN_SEGMENT_S, STRIP_PAD_S, selectedMoment, snapToWord, spans, state} from "./state.js";

function segmentBlock(m, s, index, count) {
  return el("div", {class: "segment", dataset: {index}, title: `segment ${index + 1}: ${fmtTime(s.start_s)}–${fmtTime(s.end_s)}`},
    el("span", {class: "handle-in", dataset: {edge: "in"}, "aria-label": "In point"}),
    el("span", {class: "segment-label", text: `${index + 1} · ${fmtSeconds(s.end_s - s.start_s)}`}),
    count > 1 ? el("button", {type: "button", class: "segment-remove", title: "Remove this segment", text: "×",
      onclick: (e) => { e.stopPropagation(); edit({type: "remove_segment", moment: m.id, index}); }}) : null,
    el("span", {class: "handle-out", dataset: {edge: "out"}, "aria-label": "Out point"}));
}

function rulerMarks(t0, t1, pct) {
  const ruler = [];
  const step = t1 - t0 > 90 ? 10 : 5;
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const mark = el("span", {class: "ruler-mark", text: fmtTime(t).replace(/\.0$/, "")});
    mark.style.left = pct(t);
    ruler.push(mark);
  }
  return ruler;
}

export function drawStrip(m) {
  const strip = $("#strip");
  const segs = spans(m);
  const t0 = Math.max(0, segs[0].start_s - STRIP_PAD_S);
  const t1 = Math.min(state.run.duration_s, segs[segs.length - 1].end_s + STRIP_PAD_S);
  strip.dataset.t0 = t0;
  strip.dataset.t1 = t1;
  const pct = (t) => `${((t - t0) / (t1 - t0)) * 100}%`;
  const place = (node, a, b) => { node.style.left = pct(a); node.style.width = `${((b - a) / (t1 - t0)) * 100}%`; return node; };

  const words = (state.run.words || []).filter((w) => w.end_s >= t0 && w.start_s <= t1);
  const pxPerS = (strip.clientWidth || 800) / (t1 - t0);
  strip.querySelector(".strip-words").replaceChildren(...words.map((w) =>
    place(el("span", {class: "strip-word", title: `${w.text} ${fmtTime(w.start_s)}`,
      text: (w.end_s - w.start_s) * pxPerS >= 7 * w.text.length ? w.text : null}), w.start_s, w.end_s)));
  strip.querySelector(".strip-cuts").replaceChildren(...(m.cuts || []).map((c) =>
    place(el("span", {class: `strip-cut reason-${c.reason}`, title: `${c.reason}: ${c.text || ""}`}), c.start_s, c.end_s)));
  strip.querySelector(".strip-segments").replaceChildren(...segs.map((s, index) =>
    place(segmentBlock(m, s, index, segs.length), s.start_s, s.end_s)));
  strip.querySelector(".strip-ruler").replaceChildren(...rulerMarks(t0, t1, pct));
  updatePlayhead();
}

function stripTime(clientX) {
  const strip = $("#strip");
  const box = strip.getBoundingClientRect();
  const t0 = Number(strip.dataset.t0), t1 = Number(strip.dataset.t1);
  return t0 + clamp((clientX - box.left) / box.width, 0, 1) * (t1 - t0);
}

function onStripPointerDown(event) {
  const m = selectedMoment();
  const block = event.target.closest(".segment");
  if (!m || !block || event.button !== 0 || event.target.closest(".segment-remove")) return;
  const index = Number(block.dataset.index);
  const handle = event.target.closest(".handle-in, .handle-out");
  const seg = spans(m)[index];
  state.dragging = {moment: m.id, index, kind: handle ? handle.dataset.edge : "move", block, startX: event.clientX,
    startT: stripTime(event.clientX), start_s: seg.start_s, end_s: seg.end_s, newStart: seg.start_s, newEnd: seg.end_s, moved: false};
  block.classList.add("dragging");
  try { block.setPointerCapture(event.pointerId); } catch (e) { /* synthetic pointers may not capture */ }
  event.preventDefault();
}

/** The dragged segment's new start and end: snapped to word edges, between its neighbours. */
function dragTo(d, t) {
  const segs = spans(selectedMoment());
  const lo = d.index > 0 ? segs[d.index - 1].end_s : 0;
  const hi = d.index < segs.length - 1 ? segs[d.index + 1].start_s : state.run.duration_s;
  if (d.kind === "in") {
    d.newStart = clamp(snapToWord(t, "in"), lo, d.end_s - MIN_SEGMENT_S);
    d.newEnd = d.end_s;
  } else if (d.kind === "out") {
    d.newEnd = clamp(snapToWord(t, "out"), d.start_s + MIN_SEGMENT_S, hi);
    d.newStart = d.start_s;
  } else {
    const length = d.end_s - d.start_s;
    const start = clamp(snapToWord(d.start_s + (t - d.startT), "in"), lo, hi - length);
    d.newStart = start;
    d.newEnd = start + length;
  }
}

function onStripPointerMove(event) {
  const d = state.dragging;
  if (!d) return;
  if (Math.abs(event.clientX - d.startX) > 2) d.moved = true;
  dragTo(d, stripTime(event.clientX));
  const strip = $("#strip");
  const t0 = Number(strip.dataset.t0), t1 = Number(strip.dataset.t1);
  d.block.style.left = `${((d.newStart - t0) / (t1 - t0)) * 100}%`;
  d.block.style.width = `${((d.newEnd - d.newStart) / (t1 - t0)) * 100}%`;
  const tip = strip.querySelector(".strip-tip");
  const edgeT = d.kind === "out" ? d.newEnd : d.newStart;
  tip.textContent = d.kind === "move" ? `${fmtTime(d.newStart)}–${fmtTime(d.newEnd)}`
    : `${d.kind === "in" ? "in" : "out"} ${fmtTime(edgeT)}`;
  tip.style.left = `${((edgeT - t0) / (t1 - t0)) * 100}%`;
  tip.hidden = false;
}

function onStripPointerUp() {
  const d = state.dragging;
  if (!d) return;
  state.dragging = null;
  d.block.classList.remove("dragging");
  $("#strip .strip-tip").hidden = true;
  const changed = Math.abs(d.newStart - d.start_s) > 1e-3 || Math.abs(d.newEnd - d.end_s) > 1e-3;
  if (!d.moved || !changed) { if (!d.moved && d.kind === "move") seek(d.start_s); drawStrip(selectedMoment()); return; }
  const last = spans(selectedMoment()).length - 1;
  if (d.kind === "in" && d.index === 0) edit({type: "set_edges", moment: d.moment, in_s: d.newStart, out_s: null});
  else if (d.kind === "out" && d.index === last) edit({type: "set_edges", moment: d.moment, in_s: null, out_s: d.newEnd});
  else edit({type: "set_segment", moment: d.moment, index: d.index, start_s: d.newStart, end_s: d.newEnd});
}

export function wireStrip() {
  const strip = $("#strip");
  strip.addEventListener("pointerdown", onStripPointerDown);
  strip.addEventListener("pointermove", onStripPointerMove);
  strip.addEventListener("pointerup", onStripPointerUp);
  strip.addEventListener("pointercancel", onStripPointerUp);
  document.addEventListener("pointermove", (e) => { if (state.dragging && !strip.contains(e.target)) onStripPointerMove(e); });
  document.addEventListener("pointerup", (e) => { if (state.dragging && !strip.contains(e.target)) onStripPointerUp(e); });
}
