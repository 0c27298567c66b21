/* The transcript: one span.word per word (click seeks, shift-click selects), marked by the selected reel. */
import {$, el, fmtTime} from "./dom.js";
import {seek} from "./player.js";
import {selectedMoment, spans, state} from "./state.js";

export function renderTranscript() {
  const box = $("#transcript");
  const words = state.run.words || [];
  const out = [];
  let para = null;
  words.forEach((w, i) => {
    if (!para || w.start_s - words[i - 1].end_s > 1.6) {
      para = el("p", {class: "para"}, el("span", {class: "stamp", text: fmtTime(w.start_s)}));
      out.push(para);
    }
    para.append(el("span", {class: "word", dataset: {start: w.start_s, end: w.end_s, i}, text: w.text}), " ");
  });
  if (!words.length) out.push(el("p", {class: "muted", text: "No transcript words in this run."}));
  box.replaceChildren(...out);
  state.wordEls = Array.from(box.querySelectorAll("span.word"));
  state.currentWord = -1;
}

/** Words inside the selected reel, inside its cuts, and in the editor's selection. */
export function markTranscript() {
  const m = selectedMoment();
  const segs = m ? spans(m) : [];
  const cuts = m ? m.cuts || [] : [];
  const inside = (ranges, t) => ranges.some((r) => t >= r.start_s && t <= r.end_s);
  const sel = state.selection;
  (state.run.words || []).forEach((w, i) => {
    const node = state.wordEls[i];
    const mid = (w.start_s + w.end_s) / 2;
    node.classList.toggle("in-reel", inside(segs, mid));
    node.classList.toggle("in-cut", inside(cuts, mid));
    node.classList.toggle("selected", !!sel && i >= sel[0] && i <= sel[1]);
  });
  const info = $("#selection-info");
  if (sel) {
    const words = state.run.words;
    info.textContent = `${sel[1] - sel[0] + 1} words selected (${fmtTime(words[sel[0]].start_s)}–${fmtTime(words[sel[1]].end_s)})`;
  } else info.textContent = "select words in the transcript";
  for (const id of ["#cut-selection", "#new-moment"]) $(id).disabled = !sel;
}

function onTranscriptClick(event) {
  const node = event.target.closest("span.word");
  if (!node) return;
  const i = Number(node.dataset.i);
  if (event.shiftKey && state.anchor !== null) {
    state.selection = [Math.min(state.anchor, i), Math.max(state.anchor, i)];
    window.getSelection().removeAllRanges();
  } else {
    state.anchor = i;
    state.selection = [i, i];
    seek(Number(node.dataset.start));
  }
  markTranscript();
}

export function wireTranscript() {
  const transcript = $("#transcript");
  transcript.addEventListener("click", onTranscriptClick);
  transcript.addEventListener("mousedown", (e) => { if (e.shiftKey) e.preventDefault(); });
  for (const kind of ["wheel", "touchmove", "keydown", "pointerdown"]) {
    transcript.addEventListener(kind, () => { state.userScrollUntil = Date.now() + 4000; }, {passive: true});
  }
}
