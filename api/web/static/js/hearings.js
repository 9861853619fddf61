// Hearings list of judges and clerks (admins: status only): filters, status and
// progress (rows still processing are polled), search over the protocols.

import { describe, getJson } from './api.js';
import { clear, dateEl, duration, h } from './dom.js';
import { t, tx } from './i18n.js';
import { searchBox } from './search.js';

const PAGE = 50;
const POLL_MS = 3000;
const ZONE = '+05:00';

function nextDay(date) {
  const [y, m, d] = date.split('-').map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return next.toISOString().slice(0, 10);
}

function pending(status) { return status === 'queued' || status === 'processing'; }

export function mount(container, ctx) {
  const isAdmin = ctx.me.role === 'admin';
  let offset = 0;
  let rows = new Map(); // id -> {tr, item}
  const rooms = new Set();
  let pollTimer = null;
  let loadSeq = 0;
  let debounce = null;
  let destroyed = false;

  // -- filters --
  const fCase = h('input', { type: 'text', id: 'filter-case', maxlength: '64', 'data-testid': 'filter-case', autocomplete: 'off' });
  const roomList = h('datalist', { id: 'courtroom-codes' });
  const fRoom = h('input', { type: 'text', id: 'filter-courtroom', maxlength: '32', list: 'courtroom-codes', 'data-testid': 'filter-courtroom', autocomplete: 'off' });
  const fFrom = h('input', { type: 'date', id: 'filter-from', 'data-testid': 'filter-from' });
  const fTo = h('input', { type: 'date', id: 'filter-to', 'data-testid': 'filter-to' });
  const fStatus = h('select', { id: 'filter-status', 'data-testid': 'filter-status' },
    h('option', { value: '', i18n: 'filter.any' }),
    ...['queued', 'processing', 'done', 'failed'].map((s) => h('option', { value: s, i18n: `status.${s}` })));
  const reset = h('button', { type: 'button', class: 'link-button', 'data-testid': 'filter-reset', i18n: 'filter.reset' });

  const field = (id, key, input) => h('div', { class: 'field' }, h('label', { for: id, i18n: key }), input);
  const filters = h('form', { class: 'filters', 'data-testid': 'filters', onsubmit: (e) => { e.preventDefault(); reload(); } },
    field('filter-case', 'filter.case', fCase),
    field('filter-courtroom', 'filter.courtroom', fRoom), roomList,
    field('filter-from', 'filter.from', fFrom),
    field('filter-to', 'filter.to', fTo),
    field('filter-status', 'filter.status', fStatus),
    reset);

  for (const input of [fCase, fRoom]) {
    input.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(reload, 350); });
    input.addEventListener('change', () => { clearTimeout(debounce); reload(); });
  }
  for (const input of [fFrom, fTo, fStatus]) input.addEventListener('change', reload);
  reset.addEventListener('click', () => {
    for (const input of [fCase, fRoom, fFrom, fTo]) input.value = '';
    fStatus.value = '';
    reload();
  });

  // -- table --
  const tbody = h('tbody', { 'data-testid': 'hearings' });
  const table = h('table', { class: 'hearings' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', i18n: 'col.date' }),
      h('th', { scope: 'col', i18n: 'col.case' }),
      h('th', { scope: 'col', i18n: 'col.courtroom' }),
      h('th', { scope: 'col', class: 'num', i18n: 'col.duration' }),
      h('th', { scope: 'col', i18n: 'col.status' }),
      h('th', { scope: 'col', i18n: 'col.progress' }))),
    tbody);
  const empty = h('p', { class: 'empty', 'data-testid': 'hearings-empty', hidden: true, i18n: 'hearings.empty' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, 'data-testid': 'hearings-more', i18n: 'hearings.more' });
  const count = h('p', { class: 'muted count' });
  more.addEventListener('click', () => { offset += PAGE; load(true); });

  const search = isAdmin ? null : searchBox(ctx);
  container.append(h('section', { class: 'page hearings-page' },
    h('h1', { i18n: 'hearings.title' }),
    isAdmin ? h('p', { class: 'notice', 'data-testid': 'admin-note', i18n: 'hearings.adminNote' }) : null,
    search ? search.el : null,
    h('div', { class: 'panel' }, filters, h('div', { class: 'table-wrap' }, table), empty, more, count)));

  function query() {
    const q = { limit: PAGE, offset };
    if (fCase.value.trim()) q.case_number = fCase.value.trim();
    if (fRoom.value.trim()) q.courtroom = fRoom.value.trim();
    if (fFrom.value) q.date_from = `${fFrom.value}T00:00:00${ZONE}`;
    if (fTo.value) q.date_to = `${nextDay(fTo.value)}T00:00:00${ZONE}`; // the whole "to" day
    if (fStatus.value) q.status = fStatus.value;
    return q;
  }

  function statusCell(td, item) {
    td.dataset.status = item.status;
    tx(td, `status.${item.status}`);
    td.className = `status status-${item.status}`;
  }

  function progressCell(td, item) {
    clear(td);
    const pct = Math.round(Number(item.progress) || 0);
    const value = item.status === 'done' ? 100 : pct;
    const bar = h('progress', {
      max: '100', value: String(value), 'data-testid': 'hearing-progress', 'data-progress': String(value),
      title: `${value}%`, class: `bar-${item.status}`,
    }, `${value}%`);
    td.append(bar);
    if (pending(item.status)) {
      td.append(h('span', { class: 'pct' }, ` ${value}%`));
      if (item.step) {
        const key = `step.${item.step}`;
        td.append(' ', t(key) === key ? h('span', { class: 'step' }, item.step) : h('span', { class: 'step', i18n: key }));
      }
    } else if (item.status === 'failed' && item.error) {
      td.append(h('span', { class: 'error-text', 'data-testid': 'hearing-error' }, item.error.message));
    }
  }

  function rowFor(item) {
    const open = `#/hearing/${encodeURIComponent(item.id)}`;
    const caseCell = item.status === 'done' && !isAdmin
      ? h('a', { href: open, class: 'case-link' }, item.case_number)
      : h('span', {}, item.case_number);
    const status = h('td', { 'data-testid': 'hearing-status' });
    const progress = h('td', { class: 'progress-cell' });
    const tr = h('tr', { 'data-testid': 'hearing-row', 'data-id': item.id },
      h('td', {}, dateEl(item.hearing_started_at)),
      h('td', { class: 'case' }, caseCell),
      h('td', { title: item.courtroom }, item.courtroom_name || item.courtroom),
      h('td', { class: 'num' }, duration(item.duration_s)),
      status, progress);
    const entry = { tr, item, status, progress, durationCell: tr.children[3] };
    update(entry, item);
    tr.addEventListener('click', (event) => {
      if (event.target.closest('a')) return;
      if (isAdmin) { ctx.toast(t('hearings.adminNote')); return; }
      if (entry.item.status === 'done') ctx.navigate(open);
      else ctx.toast(t('hearings.notReady'));
    });
    return entry;
  }

  function update(entry, item) {
    const wasDone = entry.item.status === 'done';
    entry.item = item;
    entry.tr.dataset.status = item.status;
    entry.tr.classList.toggle('openable', item.status === 'done' && !isAdmin);
    statusCell(entry.status, item);
    progressCell(entry.progress, item);
    entry.durationCell.textContent = duration(item.duration_s);
    if (!wasDone && item.status === 'done' && !isAdmin) {
      const cell = entry.tr.children[1];
      clear(cell).append(h('a', { href: `#/hearing/${encodeURIComponent(item.id)}`, class: 'case-link' }, item.case_number));
    }
  }

  function rememberRooms(items) {
    let added = false;
    for (const item of items) if (!rooms.has(item.courtroom)) { rooms.add(item.courtroom); added = true; }
    if (added) {
      clear(roomList);
      for (const code of [...rooms].sort()) roomList.append(h('option', { value: code }));
    }
  }

  async function load(append) {
    const seq = ++loadSeq;
    try {
      const page = await getJson('/api/v1/recordings', query());
      if (seq !== loadSeq || destroyed) return;
      if (!append) { clear(tbody); rows = new Map(); }
      for (const item of page.items) {
        const entry = rowFor(item);
        rows.set(item.id, entry);
        tbody.append(entry.tr);
      }
      rememberRooms(page.items);
      empty.hidden = rows.size > 0;
      more.hidden = page.items.length < PAGE;
      tx(count, 'hearings.count', { n: rows.size });
      schedulePoll();
    } catch (exc) {
      if (!exc.handled && seq === loadSeq) ctx.toast(describe(exc), { kind: 'error' });
    }
  }

  function reload() { offset = 0; load(false); }

  function schedulePoll() {
    clearTimeout(pollTimer);
    if (destroyed) return;
    if ([...rows.values()].some((e) => pending(e.item.status))) pollTimer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    if (destroyed) return;
    if (!document.hidden) {
      const waiting = [...rows.values()].filter((e) => pending(e.item.status)).slice(0, 25);
      await Promise.all(waiting.map(async (entry) => {
        try {
          const item = await getJson(`/api/v1/recordings/${encodeURIComponent(entry.item.id)}`);
          if (!destroyed) update(entry, item);
        } catch (exc) {
          if (exc.status === 404 && entry.tr.isConnected) { entry.tr.remove(); rows.delete(entry.item.id); }
        }
      }));
    }
    schedulePoll();
  }

  load(false);

  return {
    destroy() {
      destroyed = true;
      clearTimeout(pollTimer);
      clearTimeout(debounce);
      if (search) search.destroy();
    },
    relocalize() {
      for (const entry of rows.values()) entry.durationCell.textContent = duration(entry.item.duration_s);
    },
  };
}
