/* reelcart studio: review and correct a run's moment plan in the browser.
 *
 * Vanilla JS, no build step, no external requests. Every piece of text from the run (product names,
 * transcript words, warnings, file and run names) goes into the page through textContent or
 * createElement; nothing is parsed as HTML. The API is described in the studio contract (v1).
 */
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#4ea8ff", "#ff8a3d", "#3ddc97", "#e58cc8", "#f2c14e", "#8fd3ff", "#c49a7a", "#b0b7c3"];
  const SCORE_LABELS = {sales_lift: "sales lift", pitch: "pitch", call_to_action: "call to action",
    speech_density: "speech density", stale_penalty: "live-only penalty"};
  const STRIP_PAD_S = 10;
  const MIN_SEGMENT_S = 0.3;
  const POLL_MS = 400;

  const csrf = (document.querySelector('meta[name="reelcart-csrf"]') || {}).content || "";
  const $ = (sel) => document.querySelector(sel);

  const state = {
    runs: [], run: null, selected: null, selection: null, anchor: null,
    renderChoice: new Map(), pending: null, job: null, userScrollUntil: 0, dragging: null,
  };

  // ------------------------------------------------------------------ small helpers

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = value;
        else if (key === "dataset") Object.assign(node.dataset, value);
        else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, parent) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, String(value));
    }
    if (parent) parent.append(node);
    return node;
  }

  function fmtTime(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
    const sign = seconds < 0 ? "-" : "";
    const s = Math.abs(seconds);
    const m = Math.floor(s / 60);
    const rest = s - m * 60;
    return `${sign}${m}:${rest < 10 ? "0" : ""}${rest.toFixed(1)}`;
  }

  const fmtSeconds = (s) => `${s.toFixed(1)} s`;
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

  function spans(moment) {
    return moment.segments && moment.segments.length ? moment.segments
      : [{start_s: moment.start_s, end_s: moment.end_s}];
  }

  const reelDuration = (moment) => spans(moment).reduce((sum, s) => sum + (s.end_s - s.start_s), 0);
  const moments = () => (state.run ? state.run.plan.moments : []);
  const selectedMoment = () => moments().find((m) => m.id === state.selected) || null;

  /** Index of the last word starting at or before t (binary search); -1 before the first word. */
  function wordAt(t) {
    const words = state.run ? state.run.words : [];
    let lo = 0, hi = words.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (words[mid].start_s <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  /** The word edge nearest t: word starts for an in point, word ends for an out point. */
  function snapToWord(t, edge) {
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

  // ------------------------------------------------------------------ API

  class ApiError extends Error {
    constructor(status, body, what) {
      super((body && body.message) || `The studio answered ${status} to ${what || "a request"}.`);
      this.status = status;
      this.body = body || {};
    }
  }

  let inFlight = 0;
  function setBusy(delta) {
    inFlight += delta;
    if (inFlight > 0) document.body.dataset.busy = "1";
    else delete document.body.dataset.busy;
  }

  async function api(method, url, body) {
    const headers = {Accept: "application/json"};
    if (method !== "GET") headers["X-Reelcart-CSRF"] = csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    setBusy(1);
    try {
      const response = await fetch(url, {method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body)});
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      if (!response.ok) throw new ApiError(response.status, data, `${method} ${url.split("?")[0]}`);
      return data;
    } finally {
      setBusy(-1);
    }
  }

  const rendered = (value) => (typeof value === "number" ? `, ${value} rendered` : value ? ", rendered" : ", not rendered");
  /** A file URL with the revision appended, so a re-rendered reel is fetched anew. */
  const bust = (url, rev) => `${url}${url.includes("?") ? "&" : "?"}rev=${encodeURIComponent(rev)}`;
  const runUrl = (suffix) => `/api/runs/${encodeURIComponent(state.run.id)}${suffix || ""}`;

  // ------------------------------------------------------------------ messages

  function showMessage(kind, text, actions) {
    const box = $("#message");
    box.replaceChildren(el("span", {class: "message-text", text}));
    for (const action of actions || []) {
      box.append(el("button", {type: "button", id: action.id, class: action.class || "", text: action.label,
        onclick: action.run}));
    }
    if (kind !== "conflict") {
      box.append(el("button", {type: "button", class: "message-close ghost", "aria-label": "Dismiss", text: "×",
        onclick: () => { box.hidden = true; }}));
    }
    box.className = `message ${kind}`;
    box.hidden = false;
  }

  function clearMessage() {
    if (!state.pending) $("#message").hidden = true;
  }

  function reportError(error) {
    showMessage("error", error instanceof ApiError ? error.message : `Error: ${error.message || error}`);
  }

  // ------------------------------------------------------------------ loading

  async function loadRuns() {
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

  async function loadRun(id) {
    const keepSelection = state.run && state.run.id === id;
    const run = await api("GET", `/api/runs/${encodeURIComponent(id)}`);
    const videoChanged = !state.run || state.run.video_url !== run.video_url;
    if (!keepSelection) { state.renderChoice.clear(); state.selection = null; state.anchor = null; }
    state.run = run;
    if (!moments().some((m) => m.id === state.selected)) state.selected = moments().length ? moments()[0].id : null;
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

  function drawAll() {
    $("#revision").textContent = `revision ${state.run.revision}`;
    drawTimeline();
    drawReels();
    drawEditor();
    markTranscript();
  }

  // ------------------------------------------------------------------ timeline (SVG)

  function productColour(sku) {
    const series = state.run.orders.series || [];
    const index = series.findIndex((s) => s.sku === sku);
    return PALETTE[(index < 0 ? series.length : index) % PALETTE.length];
  }

  function drawTimeline() {
    const root = $("#timeline");
    const width = Math.max(root.clientWidth || root.parentNode.clientWidth || 800, 300);
    const height = 220, top = 30, bottom = 22, left = 34, right = 8, lane = 14;
    const plotH = height - top - bottom, plotW = width - left - right;
    const run = state.run, duration = run.duration_s || 1;
    const x = (t) => left + clamp(t / duration, 0, 1) * plotW;
    root.setAttribute("viewBox", `0 0 ${width} ${height}`);
    root.setAttribute("width", width);
    root.setAttribute("height", height);
    root.replaceChildren();
    const defs = svg("defs", {}, root);
    const hatch = svg("pattern", {id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(45)"}, defs);
    svg("rect", {width: 6, height: 6, class: "hatch-bg"}, hatch);
    svg("line", {x1: 0, y1: 0, x2: 0, y2: 6, class: "hatch-line"}, hatch);

    const bin = run.orders.bin_s || 60;
    const series = (run.orders.series || []).filter((s) => s.counts.some((c) => c > 0));
    const bins = Math.max(0, ...series.map((s) => s.counts.length));
    const totals = Array.from({length: bins}, (_, i) => series.reduce((sum, s) => sum + (s.counts[i] || 0), 0));
    const maxCount = Math.max(1, ...totals);
    const y = (c) => top + plotH - (c / maxCount) * plotH;

    // axes: minute grid and order scale
    const grid = svg("g", {class: "grid"}, root);
    const stepS = duration > 1200 ? 300 : duration > 360 ? 60 : 30;
    for (let t = 0; t <= duration; t += stepS) {
      svg("line", {x1: x(t), x2: x(t), y1: top, y2: top + plotH}, grid);
      svg("text", {x: x(t), y: height - 6, class: "tick", "text-anchor": "middle", text: fmtTime(t).replace(/\.0$/, "")}, grid);
    }
    for (const c of [0, Math.round(maxCount / 2), maxCount]) {
      svg("line", {x1: left, x2: left + plotW, y1: y(c), y2: y(c), class: "hline"}, grid);
      svg("text", {x: left - 5, y: y(c) + 4, class: "tick", "text-anchor": "end", text: c}, grid);
    }

    // orders per minute per product: one stacked column per bin, a colour per product
    const bars = svg("g", {class: "bars"}, root);
    for (let i = 0; i < bins; i++) {
      let below = 0;
      const x0 = x(i * bin), x1 = x(Math.min((i + 1) * bin, duration));
      const gap = Math.min(3, (x1 - x0) * 0.12);
      for (const s of series) {
        const c = s.counts[i] || 0;
        if (!c) continue;
        const rect = svg("rect", {class: "series-bar", x: x0 + gap / 2, width: Math.max(1, x1 - x0 - gap), y: y(below + c),
          height: y(below) - y(below + c), fill: productColour(s.sku), "data-sku": s.sku}, bars);
        svg("title", {text: `${s.name}: ${c} order${c === 1 ? "" : "s"} in ${fmtTime(i * bin)}–${fmtTime((i + 1) * bin)}`}, rect);
        below += c;
      }
    }

    // candidates not chosen, hatched
    const cands = svg("g", {class: "candidates"}, root);
    for (const r of run.plan.rejected || []) {
      const label = `Not chosen: ${r.sku} – ${r.reason}`;
      if (r.start_s !== null && r.start_s !== undefined && r.end_s !== null && r.end_s !== undefined) {
        const rect = svg("rect", {class: "candidate-span", x: x(r.start_s), y: top, width: Math.max(2, x(r.end_s) - x(r.start_s)),
          height: plotH, fill: "url(#hatch)"}, cands);
        svg("title", {text: `${label} (${fmtTime(r.start_s)}–${fmtTime(r.end_s)})`}, rect);
      } else if (r.spike_onset_s !== null && r.spike_onset_s !== undefined) {
        const line = svg("line", {class: "candidate-mark", x1: x(r.spike_onset_s), x2: x(r.spike_onset_s), y1: top, y2: top + plotH}, cands);
        svg("title", {text: `${label} (spike at ${fmtTime(r.spike_onset_s)})`}, line);
      }
    }

    // reels: each segment shaded, the selected reel emphasised
    const reels = svg("g", {class: "reels"}, root);
    let labelsEnd = -Infinity;
    for (const m of moments()) {
      const chosen = m.id === state.selected;
      const g = svg("g", {class: `reel${chosen ? " selected" : ""}${m.review === "rejected" ? " rejected" : ""}`,
        "data-id": m.id}, reels);
      const segs = spans(m);
      svg("rect", {class: "reel-shade", x: x(segs[0].start_s), y: top, height: plotH,
        width: Math.max(2, x(segs[segs.length - 1].end_s) - x(segs[0].start_s))}, g);
      for (const s of segs) {
        const rect = svg("rect", {class: "reel-span", x: x(s.start_s), y: top - lane - 2, width: Math.max(2, x(s.end_s) - x(s.start_s)),
          height: lane, rx: 2}, g);
        svg("title", {text: `${m.id}: ${m.product_name} (${fmtTime(s.start_s)}–${fmtTime(s.end_s)})`}, rect);
      }
      const labelX = x(segs[0].start_s) + 3;
      if (labelX > labelsEnd || chosen) {  // labels that would overlap are left to the tooltip (the chosen one always shows)
        svg("text", {class: "reel-label", x: labelX, y: top - 5, text: m.id}, g);
        labelsEnd = labelX + 6.5 * m.id.length + 4;
      }
    }

    // spikes: onset line and a marker at the peak
    const spikes = svg("g", {class: "spikes"}, root);
    for (const sp of run.orders.spikes || []) {
      const colour = productColour(sp.sku);
      const g = svg("g", {class: "spike"}, spikes);
      svg("line", {x1: x(sp.onset_s), x2: x(sp.onset_s), y1: top, y2: top + plotH, class: "spike-line"}, g);
      svg("line", {x1: x(sp.onset_s), x2: x(sp.peak_s), y1: top + 4, y2: top + 4, class: "spike-rise"}, g);
      svg("path", {d: `M${x(sp.peak_s) - 6},${top - 1} l6,10 l6,-10 z`, fill: colour, class: "spike-peak"}, g);
      svg("text", {x: x(sp.peak_s) + 8, y: top + 9, class: "spike-label", text: `${sp.orders}`}, g);
      svg("title", {text: `Spike: ${sp.sku}, ${sp.orders} orders from ${fmtTime(sp.onset_s)} (peak ${fmtTime(sp.peak_s)})`}, g);
    }

    svg("line", {class: "playhead", x1: x(0), x2: x(0), y1: top - lane - 4, y2: top + plotH}, root);
    root.dataset.left = left;
    root.dataset.plotW = plotW;
    drawLegend(series);
    updatePlayhead();
  }

  function drawLegend(series) {
    const items = series.map((s) => el("span", {class: "legend-item"},
      el("span", {class: "swatch", dataset: {sku: s.sku}}), s.name));
    items.push(el("span", {class: "legend-item"}, el("span", {class: "key reel-key"}), "reels"));
    items.push(el("span", {class: "legend-item"}, el("span", {class: "key cand-key"}), "not chosen"));
    $("#legend").replaceChildren(...items);
    for (const swatch of $("#legend").querySelectorAll(".swatch")) swatch.style.background = productColour(swatch.dataset.sku);
  }

  function timelineTime(event) {
    const root = $("#timeline");
    const box = root.getBoundingClientRect();
    const scale = (Number(root.getAttribute("width")) || box.width) / box.width;
    const px = (event.clientX - box.left) * scale;
    return clamp((px - Number(root.dataset.left)) / Number(root.dataset.plotW), 0, 1) * state.run.duration_s;
  }

  function onTimelineClick(event) {
    if (!state.run) return;
    const reel = event.target.closest && event.target.closest("g.reel");
    if (reel && reel.dataset.id !== state.selected) selectReel(reel.dataset.id, false);
    seek(timelineTime(event));
  }

  function updatePlayhead() {
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

  // ------------------------------------------------------------------ transcript

  function renderTranscript() {
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

  function markTranscript() {
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

  function scrollWordIntoView(node) {
    const box = $("#transcript");
    const top = node.offsetTop - box.offsetTop;
    if (top < box.scrollTop + 30 || top > box.scrollTop + box.clientHeight - 60) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }

  function seek(t) {
    const video = $("#video");
    if (isFinite(t)) video.currentTime = clamp(t, 0, state.run ? state.run.duration_s : t);
    followPlayback();
  }

  function tick() {
    if (!$("#video").paused) { followPlayback(); requestAnimationFrame(tick); }
  }

  // ------------------------------------------------------------------ reel cards

  function scoreBars(score) {
    const rows = Object.entries(SCORE_LABELS).map(([key, label]) => {
      const value = Number(score[key] || 0);
      const bar = el("span", {class: "bar-fill"});
      bar.style.width = `${clamp(value, 0, 1) * 100}%`;
      return el("div", {class: `score-row${key === "stale_penalty" ? " negative" : ""}`},
        el("span", {class: "score-label", text: label}), el("span", {class: "bar"}, bar),
        el("span", {class: "score-value", text: value.toFixed(2)}));
    });
    return el("div", {class: "scores"}, ...rows);
  }

  function reasonList(m) {
    const items = [];
    if (m.spike_onset_s !== null && m.spike_onset_s !== undefined) {
      const spike = (state.run.orders.spikes || []).find((s) => s.sku === m.sku && Math.abs(s.onset_s - m.spike_onset_s) < 1);
      items.push(el("li", {}, el("b", {text: "Order spike "}),
        `at ${fmtTime(m.spike_onset_s)}${spike ? ` (${spike.orders} orders)` : ""}`));
    }
    if (m.key_phrase) items.push(el("li", {}, el("b", {text: "Key phrase "}), el("q", {text: m.key_phrase})));
    if (m.cta_text) items.push(el("li", {}, el("b", {text: "Call to action "}), el("q", {text: m.cta_text})));
    if (m.first_words) items.push(el("li", {}, el("b", {text: "Opens with "}), el("q", {text: m.first_words})));
    return items.length ? el("ul", {class: "reasons"}, ...items) : el("p", {class: "muted", text: "Added by an editor."});
  }

  function reelCard(m) {
    const info = state.run.reels[m.id] || {rendered: false, dirty: true};
    const rev = state.run.revision;
    const checked = state.renderChoice.has(m.id) ? state.renderChoice.get(m.id) : !!info.dirty;
    const box = el("input", {type: "checkbox", class: "render-select", "aria-label": `Render ${m.id}`,
      onchange: (e) => state.renderChoice.set(m.id, e.target.checked)});
    box.checked = checked;
    const badges = el("div", {class: "badges"}, el("span", {class: `badge review-${m.review || "pending"}`, text: m.review || "pending"}),
      info.dirty ? el("span", {class: "badge dirty", text: "changed: re-render"}) : null,
      info.rendered ? el("span", {class: "badge rendered", text: "rendered"}) : el("span", {class: "badge", text: "not rendered"}));
    let media;
    if (info.rendered && info.file_url) {
      media = el("video", {class: "reel-video", controls: true, preload: "metadata", src: bust(info.file_url, rev),
        poster: info.thumbnail_url ? bust(info.thumbnail_url, rev) : null});
    } else if (info.thumbnail_url) {
      media = el("img", {class: "reel-thumb", alt: `${m.id} thumbnail`, src: bust(info.thumbnail_url, rev)});
    } else media = el("div", {class: "reel-thumb empty", text: "not rendered"});
    const warnings = (m.warnings || []).map((w) => el("li", {text: w}));
    const cuts = (m.cuts || []).map((c) => el("li", {},
      el("span", {class: `cut-reason reason-${c.reason}`, text: c.reason.replace("_", " ")}),
      el("span", {class: "muted", text: ` ${fmtTime(c.start_s)}–${fmtTime(c.end_s)} `}), el("q", {text: c.text || "…"})));
    return el("article", {class: `reel-card${m.id === state.selected ? " selected" : ""}`, dataset: {id: m.id},
      onclick: (e) => { if (!e.target.closest("input, video, button, label")) selectReel(m.id, true); }},
    el("div", {class: "card-media"}, media),
    el("div", {class: "card-body"},
      el("header", {class: "card-head"},
        el("label", {class: "render-label", title: "Render this reel"}, box),
        el("h3", {}, el("span", {class: "reel-id", text: m.id}), " ", el("span", {text: m.product_name})),
        el("span", {class: "muted", text: `${fmtSeconds(reelDuration(m))} · ${fmtTime(spans(m)[0].start_s)}`}),
        el("span", {class: "total", text: (m.score.total || 0).toFixed(2)})),
      badges,
      el("div", {class: "card-cols"},
        el("div", {}, el("h4", {text: "Score"}), scoreBars(m.score)),
        el("div", {}, el("h4", {text: "Why"}), reasonList(m))),
      warnings.length ? el("div", {}, el("h4", {text: "Warnings"}), el("ul", {class: "warnings"}, ...warnings)) : null,
      cuts.length ? el("div", {}, el("h4", {text: `Cuts (${cuts.length})`}), el("ul", {class: "cuts"}, ...cuts)) : null));
  }

  function drawReels() {
    const list = moments().map(reelCard);
    if (!list.length) list.push(el("p", {class: "muted", text: "No reels in the plan."}));
    const notes = (state.run.plan.notes || []).map((n) => el("li", {text: n}));
    if (notes.length) list.push(el("ul", {class: "plan-notes"}, ...notes));
    $("#reels").replaceChildren(...list);
  }

  function selectReel(id, seekToStart) {
    state.selected = id;
    drawAll();
    const m = selectedMoment();
    if (m && seekToStart) seek(spans(m)[0].start_s);
  }

  // ------------------------------------------------------------------ editor strip

  function drawEditor() {
    const m = selectedMoment();
    const strip = $("#strip");
    const controls = ["#add-segment", "#product", "#approve", "#reject", "#delete-moment", "#preview-btn", "#preview-t"];
    for (const id of controls) $(id).disabled = !m;
    if (!m) {
      $("#editor-title").textContent = "No reel selected";
      $("#editor-badges").replaceChildren();
      for (const part of strip.querySelectorAll(".strip-words, .strip-cuts, .strip-segments, .strip-ruler")) part.replaceChildren();
      return;
    }
    const info = state.run.reels[m.id] || {};
    $("#editor-title").replaceChildren(el("span", {class: "reel-id", text: m.id}), " ", el("span", {text: m.product_name}));
    $("#editor-badges").replaceChildren(el("span", {class: `badge review-${m.review || "pending"}`, text: m.review || "pending"}),
      info.dirty ? el("span", {class: "badge dirty", text: "changed: re-render"}) : "");
    $("#editor-duration").textContent = `${fmtSeconds(reelDuration(m))} in ${spans(m).length} segment${spans(m).length > 1 ? "s" : ""}`;
    $("#approve").setAttribute("aria-pressed", String(m.review === "approved"));
    $("#reject").setAttribute("aria-pressed", String(m.review === "rejected"));
    const product = $("#product");
    product.replaceChildren(...state.run.catalog.map((p) => el("option", {value: p.sku, text: `${p.name} (${p.sku})`})));
    if (!state.run.catalog.some((p) => p.sku === m.sku)) product.prepend(el("option", {value: m.sku, text: `${m.product_name} (${m.sku})`}));
    product.value = m.sku;
    const range = $("#preview-t");
    range.max = Math.max(0.1, reelDuration(m) - 0.05).toFixed(2);
    if (Number(range.value) > Number(range.max)) range.value = range.max;
    $("#preview-t-label").textContent = fmtSeconds(Number(range.value));
    drawStrip(m);
  }

  function drawStrip(m) {
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
    strip.querySelector(".strip-segments").replaceChildren(...segs.map((s, index) => {
      const block = el("div", {class: "segment", dataset: {index}, title: `segment ${index + 1}: ${fmtTime(s.start_s)}–${fmtTime(s.end_s)}`},
        el("span", {class: "handle-in", dataset: {edge: "in"}, "aria-label": "In point"}),
        el("span", {class: "segment-label", text: `${index + 1} · ${fmtSeconds(s.end_s - s.start_s)}`}),
        segs.length > 1 ? el("button", {type: "button", class: "segment-remove", title: "Remove this segment", text: "×",
          onclick: (e) => { e.stopPropagation(); edit({type: "remove_segment", moment: m.id, index}); }}) : null,
        el("span", {class: "handle-out", dataset: {edge: "out"}, "aria-label": "Out point"}));
      return place(block, s.start_s, s.end_s);
    }));
    const ruler = [];
    const step = t1 - t0 > 90 ? 10 : 5;
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const mark = el("span", {class: "ruler-mark", text: fmtTime(t).replace(/\.0$/, "")});
      mark.style.left = pct(t);
      ruler.push(mark);
    }
    strip.querySelector(".strip-ruler").replaceChildren(...ruler);
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

  function onStripPointerMove(event) {
    const d = state.dragging;
    if (!d) return;
    const m = selectedMoment();
    const segs = spans(m);
    const lo = d.index > 0 ? segs[d.index - 1].end_s : 0;
    const hi = d.index < segs.length - 1 ? segs[d.index + 1].start_s : state.run.duration_s;
    const t = stripTime(event.clientX);
    if (Math.abs(event.clientX - d.startX) > 2) d.moved = true;
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

  // ------------------------------------------------------------------ edits (409 keeps the edit)

  async function edit(op) {
    if (!state.run) return;
    state.pending = {op};
    await sendPending();
  }

  async function sendPending() {
    const pending = state.pending;
    const before = new Set(moments().map((m) => m.id));
    try {
      const result = await api("POST", runUrl("/edit"), {base_revision: state.run.revision, op: pending.op});
      state.pending = null;
      state.run.revision = result.revision;
      state.run.plan = result.plan;
      state.run.reels = result.reels;
      const added = moments().find((m) => !before.has(m.id) && (!result.moment || m.id === result.moment));
      if (added) { state.selected = added.id; state.selection = null; }
      else if (!moments().some((m) => m.id === state.selected)) state.selected = moments().length ? moments()[0].id : null;
      if (pending.op.type === "cut") state.selection = null;
      const notes = result.notes || [];
      if (notes.length) showMessage("info", notes.join(" · ")); else clearMessage();
      drawAll();
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
        drawAll();
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
      await loadRun(state.run.id);
      if (state.pending) await sendPending();
    } catch (error) { reportError(error); }
  }

  async function discardPending() {
    state.pending = null;
    $("#message").hidden = true;
    try { await loadRun(state.run.id); } catch (error) { reportError(error); }
  }

  function selectionRange() {
    const sel = state.selection;
    if (!sel) return null;
    return {start_s: state.run.words[sel[0]].start_s, end_s: state.run.words[sel[1]].end_s};
  }

  // ------------------------------------------------------------------ preview, render, style

  async function previewFrame() {
    const m = selectedMoment();
    if (!m) return;
    const t = Number($("#preview-t").value);
    const url = runUrl(`/frame?moment=${encodeURIComponent(m.id)}&t_s=${t.toFixed(2)}`);
    const started = performance.now();
    setBusy(1);
    try {
      const response = await fetch(url, {credentials: "same-origin"});
      if (!response.ok) {
        let body = null;
        try { body = await response.json(); } catch (e) { body = null; }
        throw new ApiError(response.status, body, "the frame preview");
      }
      const blob = await response.blob();
      const img = $("#preview");
      $("#preview-placeholder").hidden = true;
      if (img.dataset.objectUrl) URL.revokeObjectURL(img.dataset.objectUrl);
      const objectUrl = URL.createObjectURL(blob);
      img.dataset.objectUrl = objectUrl;
      await new Promise((resolve) => { img.onload = resolve; img.onerror = resolve; img.src = objectUrl; });
      const took = performance.now() - started;
      const server = response.headers.get("X-Render-Ms");
      $("#preview-ms").textContent = `${m.id} at ${fmtSeconds(t)}: ${Math.round(took)} ms${server ? ` (render ${Math.round(Number(server))} ms)` : ""}`;
      img.classList.add("loaded");
    } catch (error) {
      reportError(error);
    } finally {
      setBusy(-1);
    }
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

  function showJob(job) {
    state.job = job;
    const progress = $("#job-progress");
    progress.value = clamp(Number(job.progress) || 0, 0, 1);
    const count = job.reels_total ? ` (${job.reels_done}/${job.reels_total} reels)` : "";
    const stage = job.stage && job.status === "running" ? ` ${job.stage}` : "";
    const text = `${job.status}${stage}${count}${job.message ? `: ${job.message}` : ""}${job.error ? ` – ${job.error}` : ""}`;
    const status = $("#job-status");
    status.textContent = text;
    status.dataset.status = job.status;
    $("#render-btn").disabled = job.status === "running";
  }

  let pollTimer = null;
  function pollJob(id) {
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
      try { await loadRun(state.run.id); } catch (error) { reportError(error); }
      showJob(job);
      if (job.status === "failed") showMessage("error", `Render failed: ${job.error || job.message}`);
    };
    pollTimer = setTimeout(step, POLL_MS);
  }

  function fillStyle(style) {
    if (!style) return;
    const preset = $("#style-preset");
    preset.replaceChildren(...(style.presets || [style.preset]).map((p) => el("option", {value: p, text: p})));
    preset.value = style.preset;
    const c = style.captions || {};
    $("#style-caption").value = c.style;
    $("#style-size").value = c.font_size_px;
    $("#style-text-colour").value = c.text_colour;
    $("#style-highlight").value = c.highlight_colour;
    $("#style-position").value = c.position;
    $("#style-file").textContent = style.file ? `saved in ${style.file}` : "preset defaults";
  }

  async function saveStyle() {
    const body = {preset: $("#style-preset").value, captions: {
      style: $("#style-caption").value, font_size_px: Math.round(Number($("#style-size").value)),
      text_colour: $("#style-text-colour").value.toUpperCase(), highlight_colour: $("#style-highlight").value.toUpperCase(),
      position: $("#style-position").value}};
    try {
      const data = await api("PUT", runUrl("/style"), body);
      state.run.style = data.style;
      if (typeof data.revision === "number") state.run.revision = data.revision;
      fillStyle(data.style);
      await loadRun(state.run.id);  // every reel now renders differently: dirty flags change
      showMessage("info", "Style saved: preview a frame or re-render the checked reels.");
    } catch (error) { reportError(error); }
  }

  // ------------------------------------------------------------------ wiring

  function onKey(event) {
    if (event.code !== "Space" || event.target.closest("input, select, textarea, button, video, [contenteditable]")) return;
    event.preventDefault();
    const video = $("#video");
    if (video.paused) video.play().catch(() => {}); else video.pause();
  }

  function wire() {
    const video = $("#video");
    video.addEventListener("timeupdate", followPlayback);
    video.addEventListener("seeked", followPlayback);
    video.addEventListener("play", () => requestAnimationFrame(tick));
    $("#timeline").addEventListener("click", onTimelineClick);
    const transcript = $("#transcript");
    transcript.addEventListener("click", onTranscriptClick);
    transcript.addEventListener("mousedown", (e) => { if (e.shiftKey) e.preventDefault(); });
    for (const kind of ["wheel", "touchmove", "keydown", "pointerdown"]) {
      transcript.addEventListener(kind, () => { state.userScrollUntil = Date.now() + 4000; }, {passive: true});
    }
    const strip = $("#strip");
    strip.addEventListener("pointerdown", onStripPointerDown);
    strip.addEventListener("pointermove", onStripPointerMove);
    strip.addEventListener("pointerup", onStripPointerUp);
    strip.addEventListener("pointercancel", onStripPointerUp);
    document.addEventListener("pointermove", (e) => { if (state.dragging && !strip.contains(e.target)) onStripPointerMove(e); });
    document.addEventListener("pointerup", (e) => { if (state.dragging && !strip.contains(e.target)) onStripPointerUp(e); });
    $("#run-select").addEventListener("change", (e) => loadRun(e.target.value).catch(reportError));
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
    $("#add-segment").addEventListener("click", () => {
      const m = selectedMoment();
      if (!m) return;
      const last = spans(m)[spans(m).length - 1];
      const range = selectionRange() || {start_s: last.end_s + 1, end_s: Math.min(state.run.duration_s, last.end_s + 5)};
      edit({type: "add_segment", moment: m.id, ...range});
    });
    $("#preview-t").addEventListener("input", (e) => { $("#preview-t-label").textContent = fmtSeconds(Number(e.target.value)); });
    $("#preview-btn").addEventListener("click", previewFrame);
    $("#render-btn").addEventListener("click", startRender);
    $("#style-save").addEventListener("click", saveStyle);
    document.addEventListener("keydown", onKey);
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { if (state.run) { drawTimeline(); drawEditor(); } }, 150);
    });
  }

  function review(status) {
    const m = selectedMoment();
    if (m) edit({type: "review", moment: m.id, status: m.review === status ? "pending" : status});
  }

  document.addEventListener("DOMContentLoaded", () => {
    wire();
    loadRuns().catch((error) => { reportError(error); document.body.dataset.ready = "error"; });
  });
})();
