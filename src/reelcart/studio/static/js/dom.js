/* DOM and formatting helpers shared by every studio module.
 *
 * Every piece of text from the run (product names, transcript words, warnings, file and run names)
 * goes into the page through textContent or createElement; nothing is parsed as HTML.
 */

const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (sel) => document.querySelector(sel);

/** An element: props (class, text, dataset, on<event>, attributes) and children (nodes or text). */
export function el(tag, props, ...children) {
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

/** An SVG element with attributes (`text` sets its text), appended to parent when given. */
export function svg(tag, attrs, parent) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, String(value));
  }
  if (parent) parent.append(node);
  return node;
}

/** m:ss.s (or "–" for a missing time). */
export function fmtTime(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
  const sign = seconds < 0 ? "-" : "";
  const s = Math.abs(seconds);
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  return `${sign}${m}:${rest < 10 ? "0" : ""}${rest.toFixed(1)}`;
}

export const fmtSeconds = (s) => `${s.toFixed(1)} s`;
export const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
/** Neither null nor undefined (0 is a time). */
export const isSet = (v) => v !== null && v !== undefined;
