// The single page: hash routes, the header, the signed-in user, toasts.
//
//   #/login                       sign-in
//   #/hearings                    judges, clerks (and admins: status only)
//   #/hearing/<id>?t=<s>&v=<n>    review of one hearing, at second t, version n
//   #/party                       a party's approved protocols
//
// After sign-in the role decides the first page (GET /api/v1/me).

import * as api from './api.js';
import { h, clear, relocalizeDates } from './dom.js';
import { lang, onLangChange, setLang, t, translateTree } from './i18n.js';
import * as loginView from './login.js';
import * as hearingsView from './hearings.js';
import * as reviewView from './review.js';
import * as partyView from './party.js';

const RETURN_KEY = 'courtrec.return';

const app = {
  me: null,
  view: null,
  loginMessage: null,
};

// -- toasts ---------------------------------------------------------------------------

let toastTimer = null;

/** Show a message in the toast area; `action` = {label, run} adds a button. */
export function toast(message, { kind = 'info', action = null, timeout } = {}) {
  const box = document.getElementById('toast');
  clear(box);
  box.className = `toast toast-${kind}`;
  box.append(h('span', { class: 'toast-text' }, message));
  if (action) {
    box.append(h('button', { type: 'button', class: 'toast-action', 'data-testid': 'toast-action', onclick: () => { hideToast(); action.run(); } }, action.label));
  }
  box.append(h('button', { type: 'button', class: 'toast-close', 'aria-label': t('app.close'), title: t('app.close'), onclick: hideToast }, '×'));
  box.hidden = false;
  clearTimeout(toastTimer);
  const wait = timeout ?? (kind === 'error' || action ? 15000 : 5000);
  if (wait > 0) toastTimer = setTimeout(hideToast, wait);
}

export function hideToast() {
  clearTimeout(toastTimer);
  document.getElementById('toast').hidden = true;
}

// -- routing --------------------------------------------------------------------------

function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, search = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  return { name: parts[0] || '', args: parts.slice(1), query: new URLSearchParams(search) };
}

export function navigate(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

function homeFor(me) {
  return me && me.role === 'party' ? '#/party' : '#/hearings';
}

function showUser() {
  const name = document.getElementById('user-name');
  const logout = document.getElementById('logout');
  clear(name);
  if (app.me) {
    name.append(h('span', { class: 'user-name' }, app.me.display_name || app.me.username), ' ',
      h('span', { class: 'user-role', i18n: `user.${app.me.role}` }));
    logout.hidden = false;
  } else {
    logout.hidden = true;
  }
}

function unmount() {
  if (app.view && app.view.destroy) {
    try { app.view.destroy(); } catch (exc) { console.error(exc); }
  }
  app.view = null;
}

async function route() {
  const where = parseHash();
  const container = document.getElementById('app');
  const signedIn = Boolean(api.token());

  if (where.name === 'login' || !signedIn) {
    if (where.name !== 'login') { window.location.replace('#/login'); return; }
    if (signedIn && app.me) { window.location.replace(homeFor(app.me)); return; }
    app.me = null;
    showUser();
    unmount();
    clear(container);
    app.view = loginView.mount(container, { message: app.loginMessage, onSignedIn: signedInNow });
    app.loginMessage = null;
    return;
  }

  if (!app.me) {
    try {
      app.me = await api.me();
    } catch (exc) {
      if (!exc.handled) showFatal(container, exc);
      return;
    }
    showUser();
  }

  const role = app.me.role;
  let view = null;
  if (where.name === 'hearing' && where.args[0]) view = reviewView;
  else if (where.name === 'hearings' && role !== 'party') view = hearingsView;
  else if (where.name === 'party' && role === 'party') view = partyView;
  if (!view) { window.location.replace(homeFor(app.me)); return; }

  // the same hearing with another ?t= or ?v= (a search hit, a version link): no reload
  if (app.view && app.view.key && app.view.key === `${where.name}/${where.args[0]}` && app.view.update) {
    if (app.view.update(where.query)) return;
  }
  unmount();
  hideToast(); // messages belong to the page they were shown on
  clear(container);
  const ctx = { me: app.me, args: where.args, query: where.query, navigate, toast };
  app.view = view.mount(container, ctx);
  container.focus({ preventScroll: true });
}

function showFatal(container, exc) {
  unmount();
  clear(container);
  container.append(h('div', { class: 'panel error-panel' },
    h('p', {}, api.describe(exc)),
    h('button', { type: 'button', onclick: () => route(), i18n: 'app.retry' })));
}

// -- sign-in, sign-out, expiry --------------------------------------------------------

async function signedInNow(answer, username) {
  api.setToken(answer.access_token);
  app.me = await api.me();
  showUser();
  let target = homeFor(app.me);
  try {
    const saved = JSON.parse(sessionStorage.getItem(RETURN_KEY) || 'null');
    sessionStorage.removeItem(RETURN_KEY);
    // back to where the expired session was, for the same person only
    if (saved && saved.username === username && typeof saved.hash === 'string' && saved.hash.startsWith('#/')) {
      if (saved.hash.startsWith('#/hearing/') || saved.hash === target) target = saved.hash;
    }
  } catch { /* nothing saved */ }
  navigate(target);
}

function expired() {
  const hash = window.location.hash;
  if (app.me && hash && !hash.startsWith('#/login')) {
    try { sessionStorage.setItem(RETURN_KEY, JSON.stringify({ username: app.me.username, hash })); } catch { /* ignore */ }
  }
  app.me = null;
  app.loginMessage = 'login.expired';
  showUser();
  if (window.location.hash === '#/login') route();
  else window.location.hash = '#/login';
}

function logout() {
  api.setToken(null);
  try { sessionStorage.removeItem(RETURN_KEY); } catch { /* ignore */ }
  app.me = null;
  app.loginMessage = 'login.loggedOut';
  showUser();
  navigate('#/login');
}

// -- start ----------------------------------------------------------------------------

function start() {
  api.onUnauthorized(expired);
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.addEventListener('click', () => setLang(button.dataset.lang));
  }
  document.getElementById('logout').addEventListener('click', logout);
  onLangChange(() => {
    document.title = t('app.title');
    relocalizeDates(document);
    if (app.view && app.view.relocalize) app.view.relocalize();
  });
  setLang(lang());
  translateTree(document);
  window.addEventListener('hashchange', route);
  route();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
