// Small DOM helpers: escaping, element building, formatting of times and dates.
//
// Protocol text comes from speech recognition and from people's edits: it is only
// ever inserted as text nodes or through esc(); never as raw HTML.

import { lang, t } from './i18n.js';

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and attribute values. */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * Build an element: h('button', {class: 'x', 'data-testid': 'y', onclick: fn}, 'text', child).
 * Attribute values are set with setAttribute (never parsed as HTML); strings become text nodes.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'i18n') {
      el.dataset.i18n = value;
      el.textContent = t(value, attrs.i18nArgs);
    } else if (name === 'i18nArgs') {
      el.dataset.i18nArgs = JSON.stringify(value);
    } else if (name === 'i18nAttr') {
      el.dataset.i18nAttr = Object.entries(value).map(([a, k]) => `${a}=${k}`).join(';');
      for (const [a, k] of Object.entries(value)) el.setAttribute(a, t(k));
    } else if (value === true) {
      el.setAttribute(name, '');
    } else if (name in el && (name === 'value' || name === 'checked' || name === 'disabled')) {
      el[name] = value;
    } else {
      el.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Remove every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

function pad(n) { return String(n).padStart(2, '0'); }

/** Seconds as H:MM:SS (or MM:SS for times under an hour when `short`). */
export function clock(seconds, short = false) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  if (short && hh === 0) return `${pad(mm)}:${pad(ss)}`;
  return `${pad(hh)}:${pad(mm)}:${pad(ss)}`;
}

/** A length of time in words: "2 ч 05 мин", "4 мин 10 с". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const s = Math.round(Number(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  if (hh) return `${hh} ${t('time.h')} ${pad(mm)} ${t('time.min')}`;
  if (mm) return `${mm} ${t('time.min')} ${pad(ss)} ${t('time.s')}`;
  return `${ss} ${t('time.s')}`;
}

const TIME_ZONE = 'Asia/Almaty';
const formats = new Map();

function formatter(kind) {
  const key = `${lang()}:${kind}`;
  if (!formats.has(key)) {
    // dd.mm.yyyy, hh:mm in both languages, as Kazakhstan's courts write dates
    const locale = 'ru-RU';
    const options = kind === 'date'
      ? { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }
      : { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' };
    let fmt;
    try { fmt = new Intl.DateTimeFormat(locale, options); } catch { fmt = new Intl.DateTimeFormat('ru-RU', options); }
    formats.set(key, fmt);
  }
  return formats.get(key);
}

/** An ISO date-time in the courts' time zone (Asia/Almaty), e.g. 14.03.2025, 09:30. */
export function dateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? '') : formatter('datetime').format(d);
}

export function dateOnly(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? '') : formatter('date').format(d);
}

/** A date as an element that re-renders itself when the language changes. */
export function dateEl(iso, withTime = true) {
  const el = h('time', { datetime: iso, 'data-date': iso, 'data-date-kind': withTime ? 'datetime' : 'date' });
  el.textContent = withTime ? dateTime(iso) : dateOnly(iso);
  return el;
}

/** Re-render dates made by dateEl after a language switch. */
export function relocalizeDates(root = document) {
  for (const el of root.querySelectorAll('time[data-date]')) {
    el.textContent = el.dataset.dateKind === 'date' ? dateOnly(el.dataset.date) : dateTime(el.dataset.date);
  }
}

const MARK_SPLIT = /(<mark>|<\/mark>)/;

/**
 * A search snippet as safe HTML. The API escapes the text and adds <mark>; this checks
 * that nothing but <mark>/</mark> is there and, if anything else is, rebuilds the
 * snippet as escaped text.
 */
export function safeSnippet(html) {
  const text = String(html ?? '');
  const pieces = text.split(MARK_SPLIT);
  const clean = pieces.every((piece) => piece === '<mark>' || piece === '</mark>' || !/[<>]/.test(piece));
  if (clean) {
    // balance the marks so a cut snippet cannot leave one open
    let open = 0;
    const out = [];
    for (const piece of pieces) {
      if (piece === '<mark>') { if (open) continue; open = 1; }
      else if (piece === '</mark>') { if (!open) continue; open = 0; }
      out.push(piece);
    }
    if (open) out.push('</mark>');
    return out.join('');
  }
  return esc(text.replace(/<[^>]*>?/g, ''));
}

/** Shortened hash for display; the full one goes in a title. */
export function shortHash(hex) {
  const s = String(hex || '');
  return s.length > 16 ? `${s.slice(0, 12)}…${s.slice(-4)}` : s;
}
