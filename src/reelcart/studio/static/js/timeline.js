/* The order timeline (SVG): orders per minute per product, spikes, reels shaded, candidates hatched. */
import {$, clamp, el, fmtTime, isSet, svg} from "./dom.js";
import {seek, selectReel, updatePlayhead} from "./player.js";
import {moments, spans, state} from "./state.js";

const PALETTE = ["#4ea8ff", "#ff8a3d", "#3ddc97", "#e58cc8", "#f2c14e", "#8fd3ff", "#c49a7a", "#b0b7c3"];
const HEIGHT_PX = 220, TOP_PX = 30, BOTTOM_PX = 22, LEFT_PX = 34, RIGHT_PX = 8, LANE_PX = 14;

function productColour(sku) {
  const series = state.run.orders.series || [];
  const index = series.findIndex((s) => s.sku === sku);
  return PALETTE[(index < 0 ? series.length : index) % PALETTE.length];
}

/** The chart's geometry: x(t) for source seconds, y(c) for an order count. */
function geometry(width, duration, maxCount) {
  const plotH = HEIGHT_PX - TOP_PX - BOTTOM_PX, plotW = width - LEFT_PX - RIGHT_PX;
  return {width, plotH, plotW, duration, maxCount, top: TOP_PX,
    x: (t) => LEFT_PX + clamp(t / duration, 0, 1) * plotW,
    y: (c) => TOP_PX + plotH - (c / maxCount) * plotH};
}

function drawHatch(root) {
  const defs = svg("defs", {}, root);
  const hatch = svg("pattern", {id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
    patternTransform: "rotate(45)"}, defs);
  svg("rect", {width: 6, height: 6, class: "hatch-bg"}, hatch);
  svg("line", {x1: 0, y1: 0, x2: 0, y2: 6, class: "hatch-line"}, hatch);
}

/** Minute grid and order scale. */
function drawAxes(root, g) {
  const grid = svg("g", {class: "grid"}, root);
  const stepS = g.duration > 1200 ? 300 : g.duration > 360 ? 60 : 30;
  for (let t = 0; t <= g.duration; t += stepS) {
    svg("line", {x1: g.x(t), x2: g.x(t), y1: g.top, y2: g.top + g.plotH}, grid);
    svg("text", {x: g.x(t), y: HEIGHT_PX - 6, class: "tick", "text-anchor": "middle", text: fmtTime(t).replace(/\.0$/, "")}, grid);
  }
  for (const c of [0, Math.round(g.maxCount / 2), g.maxCount]) {
    svg("line", {x1: LEFT_PX, x2: LEFT_PX + g.plotW, y1: g.y(c), y2: g.y(c), class: "hline"}, grid);
    svg("text", {x: LEFT_PX - 5, y: g.y(c) + 4, class: "tick", "text-anchor": "end", text: c}, grid);
  }
}

/** Orders per minute per product: one stacked column per bin, a colour per product. */
function drawBars(root, g, series, bins, bin) {
  const bars = svg("g", {class: "bars"}, root);
  for (let i = 0; i < bins; i++) {
    let below = 0;
    const x0 = g.x(i * bin), x1 = g.x(Math.min((i + 1) * bin, g.duration));
    const gap = Math.min(3, (x1 - x0) * 0.12);
    for (const s of series) {
      const c = s.counts[i] || 0;
      if (!c) continue;
      const rect = svg("rect", {class: "series-bar", x: x0 + gap / 2, width: Math.max(1, x1 - x0 - gap), y: g.y(below + c),
        height: g.y(below) - g.y(below + c), fill: productColour(s.sku), "data-sku": s.sku}, bars);
      svg("title", {text: `${s.name}: ${c} order${c === 1 ? "" : "s"} in ${fmtTime(i * bin)}–${fmtTime((i + 1) * bin)}`}, rect);
      below += c;
    }
  }
}

/** Candidates not chosen, hatched (or a line at the spike when they have no span). */
function drawCandidates(root, g) {
  const cands = svg("g", {class: "candidates"}, root);
  for (const r of state.run.plan.rejected || []) {
    const label = `Not chosen: ${r.sku} – ${r.reason}`;
    if (isSet(r.start_s) && isSet(r.end_s)) {
      const rect = svg("rect", {class: "candidate-span", x: g.x(r.start_s), y: g.top, width: Math.max(2, g.x(r.end_s) - g.x(r.start_s)),
        height: g.plotH, fill: "url(#hatch)"}, cands);
      svg("title", {text: `${label} (${fmtTime(r.start_s)}–${fmtTime(r.end_s)})`}, rect);
    } else if (isSet(r.spike_onset_s)) {
      const line = svg("line", {class: "candidate-mark", x1: g.x(r.spike_onset_s), x2: g.x(r.spike_onset_s), y1: g.top,
        y2: g.top + g.plotH}, cands);
      svg("title", {text: `${label} (spike at ${fmtTime(r.spike_onset_s)})`}, line);
    }
  }
}

/** Reels: each segment shaded, the selected reel emphasised; labels that would overlap are left to the tooltip. */
function drawReelSpans(root, g) {
  const reels = svg("g", {class: "reels"}, root);
  let labelsEnd = -Infinity;
  for (const m of moments()) {
    const chosen = m.id === state.selected;
    const group = svg("g", {class: `reel${chosen ? " selected" : ""}${m.review === "rejected" ? " rejected" : ""}`,
      "data-id": m.id}, reels);
    const segs = spans(m);
    svg("rect", {class: "reel-shade", x: g.x(segs[0].start_s), y: g.top, height: g.plotH,
      width: Math.max(2, g.x(segs[segs.length - 1].end_s) - g.x(segs[0].start_s))}, group);
    for (const s of segs) {
      const rect = svg("rect", {class: "reel-span", x: g.x(s.start_s), y: g.top - LANE_PX - 2,
        width: Math.max(2, g.x(s.end_s) - g.x(s.start_s)), height: LANE_PX, rx: 2}, group);
      svg("title", {text: `${m.id}: ${m.product_name} (${fmtTime(s.start_s)}–${fmtTime(s.end_s)})`}, rect);
    }
    const labelX = g.x(segs[0].start_s) + 3;
    if (labelX > labelsEnd || chosen) {  // the chosen reel's label always shows
      svg("text", {class: "reel-label", x: labelX, y: g.top - 5, text: m.id}, group);
      labelsEnd = labelX + 6.5 * m.id.length + 4;
    }
  }
}

/** Spikes: onset line and a marker at the peak. */
function drawSpikes(root, g) {
  const spikes = svg("g", {class: "spikes"}, root);
  const top = g.top;
  for (const sp of state.run.orders.spikes || []) {
    const group = svg("g", {class: "spike"}, spikes);
    svg("line", {x1: g.x(sp.onset_s), x2: g.x(sp.onset_s), y1: top, y2: top + g.plotH, class: "spike-line"}, group);
    svg("line", {x1: g.x(sp.onset_s), x2: g.x(sp.peak_s), y1: top + 4, y2: top + 4, class: "spike-rise"}, group);
    svg("path", {d: `M${g.x(sp.peak_s) - 6},${top - 1} l6,10 l6,-10 z`, fill: productColour(sp.sku), class: "spike-peak"}, group);
    svg("text", {x: g.x(sp.peak_s) + 8, y: top + 9, class: "spike-label", text: `${sp.orders}`}, group);
    svg("title", {text: `Spike: ${sp.sku}, ${sp.orders} orders from ${fmtTime(sp.onset_s)} (peak ${fmtTime(sp.peak_s)})`}, group);
  }
}

export function drawTimeline() {
  const root = $("#timeline");
  const width = Math.max(root.clientWidth || root.parentNode.clientWidth || 800, 300);
  const run = state.run;
  const bin = run.orders.bin_s || 60;
  const series = (run.orders.series || []).filter((s) => s.counts.some((c) => c > 0));
  const bins = Math.max(0, ...series.map((s) => s.counts.length));
  const totals = Array.from({length: bins}, (_, i) => series.reduce((sum, s) => sum + (s.counts[i] || 0), 0));
  const g = geometry(width, run.duration_s || 1, Math.max(1, ...totals));
  root.setAttribute("viewBox", `0 0 ${width} ${HEIGHT_PX}`);
  root.setAttribute("width", width);
  root.setAttribute("height", HEIGHT_PX);
  root.replaceChildren();
  drawHatch(root);
  drawAxes(root, g);
  drawBars(root, g, series, bins, bin);
  drawCandidates(root, g);
  drawReelSpans(root, g);
  drawSpikes(root, g);
  svg("line", {class: "playhead", x1: g.x(0), x2: g.x(0), y1: g.top - LANE_PX - 4, y2: g.top + g.plotH}, root);
  root.dataset.left = LEFT_PX;
  root.dataset.plotW = g.plotW;
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

export function wireTimeline() {
  $("#timeline").addEventListener("click", onTimelineClick);
}
