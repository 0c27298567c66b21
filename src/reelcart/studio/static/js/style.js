/* The caption style: preset, caption kind, size, colours, position; saved to the run. */
import {$, el} from "./dom.js";
import {api} from "./api.js";
import {reportError, showMessage} from "./messages.js";
import {reload, runUrl, state} from "./state.js";

export function fillStyle(style) {
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
    await reload();  // every reel now renders differently: dirty flags change
    showMessage("info", "Style saved: preview a frame or re-render the checked reels.");
  } catch (error) { reportError(error); }
}

export function wireStyle() {
  $("#style-save").addEventListener("click", saveStyle);
}
