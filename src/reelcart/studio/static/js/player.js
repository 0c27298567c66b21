/* The source video and everything that follows it: playheads, the word being spoken, seeking. */
import {$, clamp} from "./dom.js";
import {redraw, selectedMoment, spans, state, wordAt} from "./state.js";

/** Move the timeline's and the strip's playheads to the video's time. */
export function updatePlayhead() {
  if (!state.run) return;
  const t = $("#video").currentTime || 0;
  const root = $("#timeline");
  const head = root.querySelector(".playhead");
  if (head) {
    const px = Number(root.dataset.left) + clamp(t / state.run.duration_s, 0, 1) * Number(root.dataset.plotW);
    head.setAttribute("x1", px);
    head.setAttribute("x2", px);
  }
  const strip = $("#strip");
  const playhead = strip.querySelector(".strip-playhead");
  if (strip.dataset.t0 !== undefined) {
    const frac = (t - Number(strip.dataset.t0)) / (Number(strip.dataset.t1) - Number(strip.dataset.t0));
    playhead.hidden = frac < 0 || frac > 1;
    playhead.style.left = `${frac * 100}%`;
  }
}

function scrollWordIntoView(node) {
  const box = $("#transcript");
  const top = node.offsetTop - box.offsetTop;
  if (top < box.scrollTop + 30 || top > box.scrollTop + box.clientHeight - 60) {
    box.scrollTop = Math.max(0, top - box.clientHeight / 3);
  }
}

/** Mark the word being spoken (scrolling to it while playing, unless the editor scrolled lately). */
function followPlayback() {
  if (!state.run || !state.wordEls) return;
  const video = $("#video");
  const i = wordAt(video.currentTime);
  if (i !== state.currentWord) {
    if (state.currentWord >= 0 && state.wordEls[state.currentWord]) state.wordEls[state.currentWord].classList.remove("current");
    state.currentWord = i;
    const node = state.wordEls[i];
    if (node) {
      node.classList.add("current");
      if (!video.paused && Date.now() > state.userScrollUntil) scrollWordIntoView(node);
    }
  }
  updatePlayhead();
}

export function seek(t) {
  const video = $("#video");
  if (isFinite(t)) video.currentTime = clamp(t, 0, state.run ? state.run.duration_s : t);
  followPlayback();
}

function tick() {
  if (!$("#video").paused) { followPlayback(); requestAnimationFrame(tick); }
}

export function selectReel(id, seekToStart) {
  state.selected = id;
  redraw();
  const m = selectedMoment();
  if (m && seekToStart) seek(spans(m)[0].start_s);
}

/** Space plays and pauses (outside form controls). */
function onKey(event) {
  if (event.code !== "Space" || event.target.closest("input, select, textarea, button, video, [contenteditable]")) return;
  event.preventDefault();
  const video = $("#video");
  if (video.paused) video.play().catch(() => {}); else video.pause();
}

export function wirePlayer() {
  const video = $("#video");
  video.addEventListener("timeupdate", followPlayback);
  video.addEventListener("seeked", followPlayback);
  video.addEventListener("play", () => requestAnimationFrame(tick));
  document.addEventListener("keydown", onKey);
}
