// The client of /api/v1: HTTP Basic credentials kept in sessionStorage only (gone when the
// tab closes), JSON requests with fetch, uploads with XMLHttpRequest for their progress, and
// every problem+json answer turned into an ApiError with a German explanation.
import {explain} from './meldungen.js';

const kKey = 'aktenwerk.anmeldung';

// The stored credentials: {name, header} or null.
export function session() {
  try {
    const raw = sessionStorage.getItem(kKey);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function basic(name, password) {
  const bytes = new TextEncoder().encode(`${name}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

export function logout() {
  sessionStorage.removeItem(kKey);
  cachedPlan = null;
  planFromLogin = false;
}

// An answer of the API that is not a success. `problem` is the problem+json body (or a
// stand-in), `message` a German sentence, `hint` what to do next.
export class ApiError extends Error {
  constructor(status, problem) {
    const text = explain(status, problem);
    super(text.message);
    this.status = status;
    this.problem = problem;
    this.hint = text.hint;
    this.detail = problem.detail || '';
    this.requestId = problem.request_id || '';
  }
}

async function problemOf(response) {
  try {
    const body = await response.json();
    if (body && typeof body === 'object') return body;
  } catch {
    // Not JSON (a proxy's error page): fall through to a stand-in.
  }
  return {type: '', detail: `HTTP ${response.status}`};
}

function headers(extra = {}, auth = session()) {
  const h = {'X-Aktenwerk-Client': 'web', ...extra};
  if (auth) h.Authorization = auth.header;
  return h;
}

// Listeners called when an answer says the credentials are no longer good.
const expiredListeners = [];
export function onExpired(listener) { expiredListeners.push(listener); }

async function send(method, path, {body, json, auth, accept = 'application/json', ifMatch} = {}) {
  const extra = {Accept: accept};
  if (ifMatch) extra['If-Match'] = ifMatch;
  let payload = body;
  if (json !== undefined) {
    extra['Content-Type'] = 'application/json';
    payload = JSON.stringify(json);
  }
  let response;
  try {
    // credentials: 'omit' keeps the browser's own password dialog away; the header carries them.
    response = await fetch(path, {method, headers: headers(extra, auth), body: payload,
                                  credentials: 'omit', cache: 'no-store'});
  } catch {
    throw new ApiError(0, {type: 'urn:aktenwerk:problem:network', detail: ''});
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && !auth) expiredListeners.forEach((l) => l());
    throw new ApiError(response.status, problem);
  }
  return response;
}

// GET/POST/PATCH… returning the parsed JSON (or null for an empty answer).
export async function call(method, path, options = {}) {
  const response = await send(method, path, options);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path) => call('GET', path);
export const post = (path, json) => call('POST', path, {json});
export const patch = (path, json) => call('PATCH', path, {json});

// The content of `path` as a Blob (for previews and downloads).
export async function blob(path) {
  const response = await send('GET', path, {accept: '*/*'});
  return response.blob();
}

// Checks the credentials against the API and keeps them for this tab. Throws ApiError.
export async function login(name, password) {
  const auth = {name, header: basic(name, password)};
  // The Aktenplan is what everyone logged in may read, and the first view needs it anyway.
  const plan = await call('GET', '/api/v1/aktenplan', {auth});
  sessionStorage.setItem(kKey, JSON.stringify(auth));
  cachedPlan = plan;
  planFromLogin = true;
  return auth;
}

let cachedPlan = null;
// The plan the login has just read: the first view after it uses it instead of asking again.
let planFromLogin = false;

// The Aktenplan tree ({einheiten: [...]}); `fresh` reloads it from the server.
export async function aktenplan(fresh = false) {
  if (!cachedPlan || (fresh && !planFromLogin)) cachedPlan = await get('/api/v1/aktenplan');
  planFromLogin = false;
  return cachedPlan;
}

// Sends `form` (FormData) or a File to `path` with POST; `onProgress(sent, total)` follows
// the upload. Resolves with the parsed answer; rejects with ApiError.
export function upload(path, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries(headers({Accept: 'application/json'}))) {
      xhr.setRequestHeader(k, v);
    }
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener('load', () => {
      let parsed = null;
      try { parsed = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { parsed = null; }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(parsed);
      } else {
        if (xhr.status === 401) expiredListeners.forEach((l) => l());
        reject(new ApiError(xhr.status, parsed || {type: '', detail: `HTTP ${xhr.status}`}));
      }
    });
    xhr.addEventListener('error', () => {
      reject(new ApiError(0, {type: 'urn:aktenwerk:problem:network', detail: ''}));
    });
    xhr.send(body);
  });
}
