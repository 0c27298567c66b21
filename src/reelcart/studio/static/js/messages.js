/* The message bar: notes, errors, and conflicts with their buttons. */
import {$, el} from "./dom.js";
import {ApiError} from "./api.js";
import {state} from "./state.js";

export function showMessage(kind, text, actions) {
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

/** Hide the message bar, unless a refused edit is waiting for the editor's choice. */
export function clearMessage() {
  if (!state.pending) $("#message").hidden = true;
}

export function reportError(error) {
  showMessage("error", error instanceof ApiError ? error.message : `Error: ${error.message || error}`);
}
