// Full-text search box (GET /api/v1/search): hits open the hearing at their second.

import { describe, getJson } from './api.js';
import { clear, clock, dateEl, h, safeSnippet } from './dom.js';
import { roleKey, tx } from './i18n.js';

const PAGE = 20;

export function searchBox(ctx) {
  const input = h('input', {
    type: 'search', name: 'q', maxlength: '200', 'data-testid': 'search-input',
    i18nAttr: { placeholder: 'search.placeholder', 'aria-label': 'search.title' },
  });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'search-submit', i18n: 'search.submit' });
  const summary = h('p', { class: 'search-summary', 'data-testid': 'search-summary', hidden: true });
  const list = h('ol', { class: 'search-hits', 'data-testid': 'search-results' });
  const more = h('button', { type: 'button', class: 'link-button', hidden: true, i18n: 'search.more' });
  const close = h('button', { type: 'button', class: 'link-button', hidden: true, i18n: 'search.clear' });
  const results = h('div', { class: 'search-results', hidden: true }, summary, list, more, close);
  let query = '';
  let offset = 0;
  let controller = null;

  function hitEl(hit) {
    const start = Number(hit.start) || 0;
    const href = `#/hearing/${encodeURIComponent(hit.recording_id)}?t=${start.toFixed(2)}&v=${hit.version}`;
    const snippet = h('span', { class: 'hit-snippet' });
    snippet.innerHTML = safeSnippet(hit.snippet_html);
    const role = roleKey(hit.role);
    const who = role ? h('span', { class: 'hit-role', i18n: `role.${role}` }) : h('span', { class: 'hit-role' }, hit.speaker || '');
    return h('li', {
      class: 'search-hit', 'data-testid': 'search-hit', 'data-id': hit.recording_id,
      'data-start': String(start), 'data-version': String(hit.version), 'data-segment': String(hit.segment),
    }, h('a', { href, class: 'hit-link' },
      h('span', { class: 'hit-meta' },
        h('b', { class: 'hit-case' }, hit.case_number), ' · ', dateEl(hit.hearing_started_at), ' · ',
        h('span', { class: 'hit-time' }, clock(start)), ' · ', who, ' · ',
        h('span', { i18n: 'search.version', i18nArgs: { v: hit.version } })),
      snippet));
  }

  async function run(append) {
    if (controller) controller.abort();
    controller = new AbortController();
    submit.disabled = true;
    try {
      const page = await getJson('/api/v1/search', { q: query, limit: PAGE, offset }, { signal: controller.signal });
      if (!append) clear(list);
      for (const hit of page.hits) list.append(hitEl(hit));
      results.hidden = false;
      summary.hidden = false;
      if (page.total === 0) tx(summary, 'search.none');
      else tx(summary, 'search.results', { n: page.total });
      more.hidden = offset + page.hits.length >= page.total;
      close.hidden = false;
    } catch (exc) {
      if (exc.name === 'AbortError' || exc.handled) return;
      ctx.toast(describe(exc), { kind: 'error' });
    } finally {
      submit.disabled = false;
    }
  }

  const form = h('form', { class: 'search-form', role: 'search', onsubmit: (event) => {
    event.preventDefault();
    query = input.value.trim();
    if (!query) return;
    offset = 0;
    run(false);
  } }, input, submit);

  more.addEventListener('click', () => { offset += PAGE; run(true); });
  close.addEventListener('click', () => { results.hidden = true; clear(list); input.value = ''; });

  return {
    el: h('section', { class: 'panel search-panel' }, h('h2', { i18n: 'search.title' }), form, results),
    destroy() { if (controller) controller.abort(); },
  };
}
