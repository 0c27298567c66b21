/* The page's state (the loaded run, the selected reel, the transcript selection) and pure look-ups on it. */

export const STRIP_PAD_S = 10;
export const MIN_SEGMENT_S = 0.3;

export const state = {
  runs: [], run: null, selected: null, selection: null, anchor: null,
  renderChoice: new Map(), pending: null, job: null, userScrollUntil: 0, dragging: null,
  wordEls: [], currentWord: -1,
};

/* Calls main.js wires up, so feature modules can ask for a redraw or a reload without importing
 * the modules that draw (no import cycles). */
const hooks = {redraw: () => {}, reload: async () => {}};
export const setHooks = (given) => Object.assign(hooks, given);
/** Draw every panel from the state. */
export const redraw = () => hooks.redraw();
/** Fetch the current run's state anew and draw it. */
export const reload = () => hooks.reload(state.run.id);

export function spans(moment) {
  return moment.segments && moment.segments.length ? moment.segments
    : [{start_s: moment.start_s, end_s: moment.end_s}];
}

export const reelDuration = (moment) => spans(moment).reduce((sum, s) => sum + (s.end_s - s.start_s), 0);
export const moments = () => (state.run ? state.run.plan.moments : []);
export const selectedMoment = () => moments().find((m) => m.id === state.selected) || null;
/** The first reel when the selected one is gone. */
export function keepSelectedReel() {
  if (!moments().some((m) => m.id === state.selected)) state.selected = moments().length ? moments()[0].id : null;
}

/** Index of the last word starting at or before t (binary search); -1 before the first word. */
export function wordAt(t) {
  const words = state.run ? state.run.words : [];
  let lo = 0, hi = words.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (words[mid].start_s <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/** The word edge nearest t: word starts for an in point, word ends for an out point. */
export function snapToWord(t, edge) {
  const words = state.run ? state.run.words : [];
  if (!words.length) return t;
  const key = edge === "in" ? "start_s" : "end_s";
  let lo = 0, hi = words.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (words[mid][key] < t) lo = mid + 1; else hi = mid;
  }
  let best = words[lo][key];
  if (lo > 0 && Math.abs(words[lo - 1][key] - t) < Math.abs(best - t)) best = words[lo - 1][key];
  return best;
}

/** The source time range of the words selected in the transcript, or null. */
export function selectionRange() {
  const sel = state.selection;
  if (!sel) return null;
  return {start_s: state.run.words[sel[0]].start_s, end_s: state.run.words[sel[1]].end_s};
}

/** A file URL with the revision appended, so a re-rendered reel is fetched anew. */
export const bust = (url, rev) => `${url}${url.includes("?") ? "&" : "?"}rev=${encodeURIComponent(rev)}`;
export const runUrl = (suffix) => `/api/runs/${encodeURIComponent(state.run.id)}${suffix || ""}`;
