// The JSON API as the pages use it: the access token, errors, 401 handling.
//
// The token lives in sessionStorage (gone when the tab closes) and is sent as a
// bearer header. A 401 on any call means the token expired (15 minutes) or was
// revoked: the token is dropped and the app goes back to the sign-in page.
// While the page is in use (input or playback in the last 14 minutes) the token is
// exchanged for a fresh one every 5 minutes (POST /api/v1/auth/refresh), so a judge
// reviewing a long hearing is not sent back to sign-in; an idle page lets it expire.

import { t } from './i18n.js';

const TOKEN_KEY = 'courtrec.token';
const ISSUED_KEY = 'courtrec.tokenAt';
const REFRESH_AFTER_MS = 5 * 60 * 1000;
const IDLE_AFTER_MS = 14 * 60 * 1000;
let lastActivity = Date.now();

export class ApiError extends Error {
  constructor(status, detail, response = null) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.response = response;
  }
}

let unauthorized = () => {};

/** What to do when the server says 401 (set by the app). */
export function onUnauthorized(handler) { unauthorized = handler; }

export function token() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

export function setToken(value) {
  try {
    if (value) {
      sessionStorage.setItem(TOKEN_KEY, value);
      sessionStorage.setItem(ISSUED_KEY, String(Date.now()));
    } else {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(ISSUED_KEY);
    }
  } catch { /* storage off: the token lives for this page only */ }
}

function issuedAt() {
  try { return Number(sessionStorage.getItem(ISSUED_KEY) || 0); } catch { return 0; }
}

/** Exchange the token for a fresh one if it is getting old and the page is in use. */
async function refreshIfActive() {
  if (!token() || Date.now() - issuedAt() < REFRESH_AFTER_MS) return;
  if (Date.now() - lastActivity > IDLE_AFTER_MS) return;
  try {
    const response = await request('POST', '/api/v1/auth/refresh');
    const body = await response.json();
    if (body && body.access_token) setToken(body.access_token);
  } catch { /* a 401 already went to sign-in; other failures retry next minute */ }
}

for (const type of ['pointerdown', 'keydown', 'wheel', 'touchstart']) {
  window.addEventListener(type, () => { lastActivity = Date.now(); }, { passive: true, capture: true });
}
// media events do not bubble, but they reach a capturing listener on the document
document.addEventListener('timeupdate', () => { lastActivity = Date.now(); }, true);
window.setInterval(refreshIfActive, 60 * 1000);

function url(path, query) {
  const u = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') u.searchParams.set(key, value);
  }
  return u.pathname + u.search;
}

async function detailOf(response) {
  try {
    const body = await response.clone().json();
    if (body && typeof body.detail === 'string') return body.detail;
    if (body && body.detail) return JSON.stringify(body.detail);
  } catch { /* not JSON */ }
  return `HTTP ${response.status}`;
}

/**
 * Send a request; returns the Response when it is 2xx, else throws ApiError.
 * Options: query (object), json (body), form (URLSearchParams), auth (default true),
 * signal (AbortSignal).
 */
export async function request(method, path, options = {}) {
  const headers = {};
  const { query, json, form, auth = true, signal } = options;
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (form !== undefined) { headers['Content-Type'] = 'application/x-www-form-urlencoded'; body = form.toString(); }
  const bearer = token();
  if (auth && bearer) headers.Authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body, signal, cache: 'no-store', credentials: 'omit' });
  } catch (exc) {
    if (exc && exc.name === 'AbortError') throw exc;
    throw new ApiError(0, t('app.network'));
  }
  if (response.ok) return response;
  const detail = await detailOf(response);
  const error = new ApiError(response.status, detail, response);
  if (response.status === 401 && auth) {
    setToken(null);
    error.handled = true;
    unauthorized(detail);
  }
  throw error;
}

export async function getJson(path, query, options = {}) {
  const response = await request('GET', path, { ...options, query });
  return response.json();
}

export async function postJson(path, json, options = {}) {
  const response = await request('POST', path, { ...options, json });
  return response.json();
}

/** Sign in with the OAuth2 password form; returns the token answer. */
export async function signIn(username, password) {
  const form = new URLSearchParams({ username, password });
  const response = await request('POST', '/api/v1/auth/token', { form, auth: false });
  return response.json();
}

export const me = () => getJson('/api/v1/me');

/** A sentence for an error, for toasts. */
export function describe(error) {
  if (!(error instanceof ApiError)) return t('app.error', { detail: String(error && error.message || error) });
  if (error.status === 0) return error.detail;
  if (error.status === 403) return `${t('app.forbidden')} (${error.detail})`;
  return t('app.error', { detail: error.detail });
}
