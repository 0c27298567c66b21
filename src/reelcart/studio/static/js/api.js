/* Requests to the studio: the CSRF header on every change, errors as ApiError, a busy flag for tests. */

const csrf = (document.querySelector('meta[name="reelcart-csrf"]') || {}).content || "";

export class ApiError extends Error {
  constructor(status, body, what) {
    super((body && body.message) || `The studio answered ${status} to ${what || "a request"}.`);
    this.status = status;
    this.body = body || {};
  }
}

let inFlight = 0;
/** Run work() with body[data-busy] set (tests wait for it to clear). */
export async function busy(work) {
  inFlight += 1;
  document.body.dataset.busy = "1";
  try {
    return await work();
  } finally {
    inFlight -= 1;
    if (inFlight <= 0) delete document.body.dataset.busy;
  }
}

async function jsonOrNull(response) {
  try { return await response.json(); } catch (e) { return null; }
}

/** fetch() with the studio's headers; an answer other than 2xx throws ApiError (its JSON message). */
export async function fetchOk(method, url, {body, accept, what} = {}) {
  const headers = accept ? {Accept: accept} : {};
  if (method !== "GET") headers["X-Reelcart-CSRF"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body)});
  if (!response.ok) throw new ApiError(response.status, await jsonOrNull(response), what || `${method} ${url.split("?")[0]}`);
  return response;
}

/** A JSON request; resolves to the answer's JSON (null when it is not JSON). */
export const api = (method, url, body) =>
  busy(async () => jsonOrNull(await fetchOk(method, url, {body, accept: "application/json"})));
