/* The reel cards: media, score parts, reasons, warnings, cuts, review badge and the render checkbox. */
import {$, clamp, el, fmtSeconds, fmtTime, isSet} from "./dom.js";
import {selectReel} from "./player.js";
import {bust, moments, reelDuration, spans, state} from "./state.js";

const SCORE_LABELS = {sales_lift: "sales lift", pitch: "pitch", call_to_action: "call to action",
  speech_density: "speech density", stale_penalty: "live-only penalty"};

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
  if (isSet(m.spike_onset_s)) {
    const spike = (state.run.orders.spikes || []).find((s) => s.sku === m.sku && Math.abs(s.onset_s - m.spike_onset_s) < 1);
    items.push(el("li", {}, el("b", {text: "Order spike "}),
      `at ${fmtTime(m.spike_onset_s)}${spike ? ` (${spike.orders} orders)` : ""}`));
  }
  if (m.key_phrase) items.push(el("li", {}, el("b", {text: "Key phrase "}), el("q", {text: m.key_phrase})));
  if (m.cta_text) items.push(el("li", {}, el("b", {text: "Call to action "}), el("q", {text: m.cta_text})));
  if (m.first_words) items.push(el("li", {}, el("b", {text: "Opens with "}), el("q", {text: m.first_words})));
  return items.length ? el("ul", {class: "reasons"}, ...items) : el("p", {class: "muted", text: "Added by an editor."});
}

/** The review badge and, when the reel changed since its render, the dirty badge. */
export function reviewBadges(m, info) {
  return [el("span", {class: `badge review-${m.review || "pending"}`, text: m.review || "pending"}),
    info.dirty ? el("span", {class: "badge dirty", text: "changed: re-render"}) : null];
}

function cardMedia(m, info) {
  const rev = state.run.revision;
  if (info.rendered && info.file_url) {
    return el("video", {class: "reel-video", controls: true, preload: "metadata", src: bust(info.file_url, rev),
      poster: info.thumbnail_url ? bust(info.thumbnail_url, rev) : null});
  }
  if (info.thumbnail_url) return el("img", {class: "reel-thumb", alt: `${m.id} thumbnail`, src: bust(info.thumbnail_url, rev)});
  return el("div", {class: "reel-thumb empty", text: "not rendered"});
}

function renderBox(m, info) {
  const box = el("input", {type: "checkbox", class: "render-select", "aria-label": `Render ${m.id}`,
    onchange: (e) => state.renderChoice.set(m.id, e.target.checked)});
  box.checked = state.renderChoice.has(m.id) ? state.renderChoice.get(m.id) : !!info.dirty;
  return box;
}

function cardLists(m) {
  const warnings = (m.warnings || []).map((w) => el("li", {text: w}));
  const cuts = (m.cuts || []).map((c) => el("li", {},
    el("span", {class: `cut-reason reason-${c.reason}`, text: c.reason.replace("_", " ")}),
    el("span", {class: "muted", text: ` ${fmtTime(c.start_s)}–${fmtTime(c.end_s)} `}), el("q", {text: c.text || "…"})));
  return [warnings.length ? el("div", {}, el("h4", {text: "Warnings"}), el("ul", {class: "warnings"}, ...warnings)) : null,
    cuts.length ? el("div", {}, el("h4", {text: `Cuts (${cuts.length})`}), el("ul", {class: "cuts"}, ...cuts)) : null];
}

function reelCard(m) {
  const info = state.run.reels[m.id] || {rendered: false, dirty: true};
  const badges = el("div", {class: "badges"}, ...reviewBadges(m, info),
    info.rendered ? el("span", {class: "badge rendered", text: "rendered"}) : el("span", {class: "badge", text: "not rendered"}));
  return el("article", {class: `reel-card${m.id === state.selected ? " selected" : ""}`, dataset: {id: m.id},
    onclick: (e) => { if (!e.target.closest("input, video, button, label")) selectReel(m.id, true); }},
  el("div", {class: "card-media"}, cardMedia(m, info)),
  el("div", {class: "card-body"},
    el("header", {class: "card-head"},
      el("label", {class: "render-label", title: "Render this reel"}, renderBox(m, info)),
      el("h3", {}, el("span", {class: "reel-id", text: m.id}), " ", el("span", {text: m.product_name})),
      el("span", {class: "muted", text: `${fmtSeconds(reelDuration(m))} · ${fmtTime(spans(m)[0].start_s)}`}),
      el("span", {class: "total", text: (m.score.total || 0).toFixed(2)})),
    badges,
    el("div", {class: "card-cols"},
      el("div", {}, el("h4", {text: "Score"}), scoreBars(m.score)),
      el("div", {}, el("h4", {text: "Why"}), reasonList(m))),
    ...cardLists(m)));
}

export function drawReels() {
  const list = moments().map(reelCard);
  if (!list.length) list.push(el("p", {class: "muted", text: "No reels in the plan."}));
  const notes = (state.run.plan.notes || []).map((n) => el("li", {text: n}));
  if (notes.length) list.push(el("ul", {class: "plan-notes"}, ...notes));
  $("#reels").replaceChildren(...list);
}
