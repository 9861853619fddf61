// A party's page: the approved protocols of their cases, with downloads, the
// protocol's hash and how to check it offline.

import { describe, getJson } from './api.js';
import { clear, dateEl, duration, h } from './dom.js';
import { tx } from './i18n.js';
import { downloadButtons, verifyHelp } from './downloads.js';
import { searchBox } from './search.js';

const PAGE = 200;

export function mount(container, ctx) {
  let destroyed = false;
  const list = h('div', { class: 'cards', 'data-testid': 'party-hearings' });
  const empty = h('p', { class: 'empty', 'data-testid': 'party-empty', hidden: true, i18n: 'party.empty' });
  const search = searchBox(ctx);
  const durations = [];
  container.append(h('section', { class: 'page party-page' },
    h('h1', { i18n: 'party.title' }),
    h('p', { class: 'notice', i18n: 'party.masked' }),
    list, empty, search.el));

  // the server's download name: ASCII letters, digits, '-' and '_' of the case number
  function safeName(caseNumber) {
    const cleaned = Array.from(caseNumber || '', (ch) => (/[A-Za-z0-9_-]/.test(ch) ? ch : '_')).join('');
    return cleaned.replace(/^_+|_+$/g, '').slice(0, 40) || 'case';
  }

  function card(item) {
    const hash = h('code', { class: 'hash', 'data-testid': 'protocol-hash' }, '…');
    const version = h('p', { class: 'muted', 'data-testid': 'party-version' });
    const helpSlot = h('div', {});
    const dur = h('span', {}, duration(item.duration_s));
    durations.push([dur, item.duration_s]);
    const el = h('article', { class: 'card party-hearing', 'data-testid': 'party-hearing', 'data-id': item.id },
      h('h2', {}, h('span', { i18n: 'review.case', i18nArgs: { n: item.case_number } })),
      h('p', { class: 'meta' }, dateEl(item.hearing_started_at), ' · ',
        h('span', { i18n: 'party.courtroom', i18nArgs: { room: item.courtroom_name || item.courtroom } }), ' · ', dur),
      version,
      h('p', {}, h('a', { href: `#/hearing/${encodeURIComponent(item.id)}`, class: 'button primary', 'data-testid': 'party-open', i18n: 'party.open' })),
      downloadButtons({ id: item.id, caseNumber: item.case_number, signed: true, toast: ctx.toast }),
      h('p', { class: 'hash-line' }, h('span', { i18n: 'party.hash' }), ' ', hash),
      helpSlot);
    // the hash of the copy this party downloads (their masked copy), from the versions
    // list: reading it needs no download (and writes no download to the audit log)
    getJson(`/api/v1/recordings/${encodeURIComponent(item.id)}/versions`)
      .then((history) => {
        if (destroyed) return;
        const shown = (history.versions || []).find((v) => v.version === history.approved_version);
        const sha = (shown && shown.party_sha256) || '';
        hash.textContent = sha || '—';
        hash.title = sha;
        if (shown) tx(version, 'party.version', { v: shown.version });
        const name = shown ? `protocol-${safeName(item.case_number)}-v${shown.version}-party.json` : undefined;
        clear(helpSlot).append(verifyHelp({ id: item.id, hash: sha, jsonName: name }));
      })
      .catch((exc) => {
        if (destroyed || exc.handled) return;
        hash.textContent = '—';
        ctx.toast(describe(exc), { kind: 'error' });
      });
    return el;
  }

  (async () => {
    try {
      const page = await getJson('/api/v1/recordings', { limit: PAGE });
      if (destroyed) return;
      for (const item of page.items) list.append(card(item));
      empty.hidden = page.items.length > 0;
    } catch (exc) {
      if (!exc.handled) ctx.toast(describe(exc), { kind: 'error' });
    }
  })();

  return {
    destroy() { destroyed = true; search.destroy(); },
    relocalize() { for (const [el, s] of durations) el.textContent = duration(s); },
  };
}
