// Sign-in page: POST /api/v1/auth/token as a form (username, password).

import { ApiError, describe, signIn } from './api.js';
import { h } from './dom.js';
import { tx } from './i18n.js';

export function mount(container, { message, onSignedIn }) {
  const error = h('p', { class: 'login-error', 'data-testid': 'login-error', role: 'alert', hidden: true });
  const notice = h('p', { class: 'login-notice', 'data-testid': 'login-message', hidden: !message });
  if (message) tx(notice, message);
  const username = h('input', {
    id: 'login-username', name: 'username', type: 'text', autocomplete: 'username',
    autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '256',
    'data-testid': 'login-username',
  });
  const password = h('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password',
    required: true, maxlength: '256', 'data-testid': 'login-password',
  });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit', i18n: 'login.submit' });

  function fail(key, args, raw) {
    error.hidden = false;
    if (raw) { delete error.dataset.i18n; error.textContent = raw; } else tx(error, key, args);
  }

  const form = h('form', { class: 'login-form', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    error.hidden = true;
    const user = username.value.trim();
    if (!user || !password.value) { fail('login.required'); return; }
    submit.disabled = true;
    try {
      const answer = await signIn(user, password.value);
      password.value = '';
      await onSignedIn(answer, user);
    } catch (exc) {
      if (exc instanceof ApiError && exc.status === 401) fail('login.wrong');
      else if (exc instanceof ApiError && exc.status === 429) {
        const wait = exc.response && exc.response.headers.get('Retry-After');
        fail('login.throttled', { s: wait || '60' });
      } else fail(null, null, describe(exc));
      password.focus();
    } finally {
      submit.disabled = false;
    }
  } },
  h('h1', { i18n: 'login.title' }),
  notice,
  h('label', { for: 'login-username', i18n: 'login.username' }), username,
  h('label', { for: 'login-password', i18n: 'login.password' }), password,
  error,
  submit);

  container.append(h('section', { class: 'login-page' }, form));
  username.focus();
  return { destroy() {}, relocalize() {} };
}
