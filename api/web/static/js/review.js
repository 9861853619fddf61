// Review of one hearing: the audio player synced to the text, the speakers'
// timeline, review flags, corrections saved as new versions, version history with
// diffs, and approval by the judge.
//
// Built for 3-hour hearings (2,000-4,000 segments, tens of thousands of words): the
// list is one innerHTML of escaped strings, rows use content-visibility, the current
// segment is found by binary search and at most two rows change class per update.

import { ApiError, describe, getJson, postJson, request } from './api.js';
import { clear, clock, dateEl, duration, esc, h, shortHash } from './dom.js';
import { lang, ROLES, t, tx } from './i18n.js';
import { colourMap, speakerHtml, speakerText } from './speakers.js';
import { Timeline } from './timeline.js';
import { downloadButtons, verifyHelp } from './downloads.js';

export const KNOWN_FLAGS = ['low_confidence', 'repetition', 'overlap', 'hallucination_suspect', 'language_uncertain', 'no_speaker', 'redaction_candidate'];

// Personal data a judge may want to check before approval (the parties' copy masks
// valid IINs and phone numbers anyway): 12 digits in a row, optionally in groups,
// and Kazakh phone numbers (+7 / 8, ten digits).
const IIN_LIKE = /(?<![\d])\d(?:[ \u00a0-]?\d){11}(?![\d])/;
const PHONE_LIKE = /(?<![\d+])(?:\+\s?7|8|7)[\s\u00a0-]?\(?\d{3}\)?[\s\u00a0-]?\d{3}[\s\u00a0-]?\d{2}[\s\u00a0-]?\d{2}(?!\d)/;

const SEEK_BACK_S = 5;
const DRAFT_KEY = 'courtrec.draft';
// Rows are grouped in blocks that carry content-visibility: auto. Measured on a
// 2,547-segment hearing: one observed box per row cost 60-200 ms per scroll frame
// (the browser tracks every row's visibility); blocks of 25 rows cost none.
const BLOCK = 25;
const ROW_PX = 62;
const USER_SCROLL_PAUSE_MS = 4000;
const DIFF_LIMIT = 300;

function redactionCandidate(text) {
  return IIN_LIKE.test(text) || PHONE_LIKE.test(text);
}

function norm(text) { return String(text || '').replace(/\s+/g, ' ').trim(); }

function flagLabelHtml(flag) {
  const key = `flag.${flag}`;
  const text = t(key);
  return text === key
    ? `<span class="flag flag-other">${esc(flag)}</span>`
    : `<span class="flag flag-${esc(flag)}" data-i18n="${esc(key)}">${esc(text)}</span>`;
}

function isTyping(el) {
  if (!el || !el.closest) return false;
  return Boolean(el.isContentEditable || el.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])'));
}

export function mount(container, ctx) {
  const id = ctx.args[0];
  const role = ctx.me.role;
  const canEdit = role === 'judge' || role === 'clerk';
  const isJudge = role === 'judge';
  const isParty = role === 'party';
  const backHref = isParty ? '#/party' : '#/hearings';
  const encId = encodeURIComponent(id);

  const S = {
    rec: null, protocol: null, version: null, sha: '', approved: false, jsonName: '',
    newest: null, versions: [], segs: [], els: [], starts: null, ends: null, sorted: true,
    current: -1, pinned: -1, time: 0, speakers: [], colours: new Map(), filter: 'all',
    blocks: [], wordEls: null, wordStarts: null, word: -1, editor: null, userScrolledAt: 0,
    programmaticUntil: 0, raf: 0, destroyed: false, loading: false,
  };

  const root = h('section', { class: 'page review-page', 'data-testid': 'review' });
  container.append(root);
  root.append(h('p', { class: 'muted', i18n: 'app.loading' }));

  // -- elements built once --------------------------------------------------------------
  const audio = h('audio', { 'data-testid': 'player', controls: true, preload: 'metadata' });
  const canvas = h('canvas', { 'data-testid': 'timeline', class: 'timeline', role: 'slider', tabindex: '0', 'aria-valuemin': '0', i18nAttr: { 'aria-label': 'review.timeline', title: 'review.timeline' } });
  const flagSelect = h('select', { id: 'flag-filter', 'data-testid': 'flag-filter' });
  const shownCount = h('span', { class: 'muted', 'data-testid': 'segment-count' });
  const follow = h('input', { type: 'checkbox', id: 'follow', 'data-testid': 'follow', checked: true });
  const segBox = h('div', { class: 'segments', 'data-testid': 'segments', role: 'list' });
  const head = h('div', { class: 'review-head' });
  const banner = h('div', { class: 'banner', hidden: true, 'data-testid': 'older-banner' });
  const audioNote = h('p', { class: 'notice', hidden: true, 'data-testid': 'audio-error' });
  const speakersBox = h('div', { class: 'speakers', 'data-testid': 'speakers' });
  const versionsBox = h('div', { class: 'versions-box', 'data-testid': 'versions' });
  const diffBox = h('div', { class: 'diff', 'data-testid': 'diff', 'aria-live': 'polite' });
  const downloadsBox = h('div', { class: 'downloads-box' });
  let timeline = null;

  // -- loading ------------------------------------------------------------------------

  async function fetchProtocol(version) {
    const response = await request('GET', `/api/v1/recordings/${encId}/protocol`, { query: { format: 'json', version } });
    const disposition = response.headers.get('Content-Disposition') || '';
    return {
      protocol: await response.json(),
      version: Number(response.headers.get('X-Protocol-Version')) || version || 1,
      sha: response.headers.get('X-Protocol-SHA256') || '',
      approved: response.headers.get('X-Protocol-Approved') === 'true',
      jsonName: (disposition.match(/filename="?([^";]+)"?/) || [])[1] || '',
    };
  }

  function fail(exc) {
    if (exc && exc.handled) return;
    clear(root);
    const back = h('a', { href: backHref, class: 'button', i18n: 'review.back' });
    if (exc instanceof ApiError && exc.status === 404) {
      root.append(h('div', { class: 'panel error-panel', 'data-testid': 'not-found' }, h('p', { i18n: 'review.notFound' }), back));
    } else if (exc instanceof ApiError && exc.status === 403) {
      root.append(h('div', { class: 'panel error-panel', 'data-testid': 'not-allowed' }, h('p', { i18n: 'review.adminNoText' }), back));
    } else if (exc instanceof ApiError && exc.status === 409) {
      root.append(h('div', { class: 'panel error-panel', 'data-testid': 'not-ready' }, h('p', { i18n: 'review.notDone', i18nArgs: { detail: exc.detail } }), back));
    } else {
      root.append(h('div', { class: 'panel error-panel', 'data-testid': 'load-error' }, h('p', {}, describe(exc)), back));
    }
  }

  async function start() {
    const wanted = Number(ctx.query.get('v')) || undefined;
    if (role === 'admin') { fail(new ApiError(403, '')); return; }
    let rec;
    let doc;
    // the audio link is asked for at the same time, so the player has its source
    // before the text appears and a click on a word can seek at once
    const link = postJson(`/api/v1/recordings/${encId}/audio-link`, {}).catch((exc) => exc);
    try {
      [rec, doc] = await Promise.all([
        getJson(`/api/v1/recordings/${encId}`),
        fetchProtocol(wanted),
      ]);
    } catch (exc) {
      if (!S.destroyed) fail(exc);
      return;
    }
    if (S.destroyed) return;
    S.rec = rec;
    build();
    attachAudio(await link);
    if (S.destroyed) return;
    show(doc);
    const at = Number(ctx.query.get('t'));
    seekTo(Number.isFinite(at) && at > 0 ? at : 0, { force: at > 0 });
    restoreDraft();
    if (!isParty) loadVersions();
  }

  /** An edit cut short by an expired session (15 minutes) is kept for after sign-in. */
  function keepDraft() {
    if (!S.editor) return;
    const draft = {
      id, user: ctx.me.username, version: S.version, index: S.editor.i,
      text: S.editor.textarea.value, speaker: S.editor.select.value,
    };
    try { sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft)); } catch { /* storage off */ }
  }

  function restoreDraft() {
    let draft = null;
    try {
      draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || 'null');
      if (draft && draft.id === id) sessionStorage.removeItem(DRAFT_KEY);
    } catch { return; }
    if (!draft || draft.id !== id || draft.user !== ctx.me.username || draft.version !== S.version || !canEdit) return;
    if (!(draft.index >= 0 && draft.index < S.segs.length)) return;
    openEditor(draft.index);
    if (!S.editor) return;
    S.editor.textarea.value = String(draft.text || '');
    if ([...S.editor.select.options].some((o) => o.value === draft.speaker)) S.editor.select.value = draft.speaker;
    seekTo(S.starts[draft.index], { index: draft.index, force: true });
    ctx.toast(t('edit.restored'));
  }

  function attachAudio(link) {
    if (link instanceof Error) {
      if (link.handled) return;
      audioNote.hidden = false;
      tx(audioNote, 'review.noAudio', { detail: link.detail || String(link) });
      return;
    }
    audio.src = link.url;
    // a seek made before the player knew the file's length is applied again
    audio.addEventListener('loadedmetadata', () => {
      if (Math.abs(audio.currentTime - S.time) > 0.5) audio.currentTime = S.time;
    }, { once: true });
  }

  async function loadVersions() {
    try {
      const answer = await getJson(`/api/v1/recordings/${encId}/versions`);
      if (S.destroyed) return;
      S.versions = answer.versions;
      S.newest = answer.versions.length ? answer.versions[answer.versions.length - 1].version : S.version;
      const mine = answer.versions.find((v) => v.version === S.version);
      if (mine) S.approved = mine.approved;
      renderVersions();
      renderHead();
      renderSpeakers();
      segBox.classList.toggle('readonly', !editable());
    } catch (exc) {
      if (!exc.handled && !S.destroyed) ctx.toast(describe(exc), { kind: 'error' });
    }
  }

  /** Load another (or the newest) version in place, keeping the audio and its position. */
  async function reload(version, { keepIndex } = {}) {
    if (S.loading) return;
    S.loading = true;
    closeEditor();
    try {
      const doc = await fetchProtocol(version);
      if (S.destroyed) return;
      show(doc);
      sync(S.time, { index: keepIndex, force: keepIndex !== undefined });
      if (!isParty) await loadVersions();
    } catch (exc) {
      if (!exc.handled) ctx.toast(describe(exc), { kind: 'error' });
    } finally {
      S.loading = false;
    }
  }

  function editable() {
    return canEdit && (S.newest === null || S.version === S.newest);
  }

  // -- layout ---------------------------------------------------------------------------

  function build() {
    clear(root);
    const helpLine = h('p', { class: 'help', 'data-testid': 'shortcuts-help', i18n: 'review.help' });
    const toolbar = h('div', { class: 'toolbar' },
      h('label', { for: 'flag-filter', i18n: 'flag.filter' }), flagSelect, shownCount,
      h('label', { class: 'check' }, follow, h('span', { i18n: 'review.follow' })),
      helpLine);
    const sticky = h('div', { class: 'review-sticky', 'data-testid': 'review-sticky' },
      head, banner,
      h('div', { class: 'player-row' }, audio), audioNote,
      h('div', { class: 'timeline-wrap' }, canvas),
      toolbar);
    const side = h('aside', { class: 'side' },
      h('details', { class: 'side-section', open: window.innerWidth >= 1100 },
        h('summary', { i18n: 'review.speakers' }), speakersBox),
      isParty ? null : h('details', { class: 'side-section', open: window.innerWidth >= 1100, 'data-testid': 'versions-section' },
        h('summary', { i18n: 'review.versions' }), versionsBox, diffBox),
      h('details', { class: 'side-section' }, h('summary', { i18n: 'review.downloads' }), downloadsBox));
    if (isParty) sticky.after(h('p', { class: 'notice', i18n: 'review.masked' }));
    root.append(sticky,
      h('div', { class: 'review-body' }, h('div', { class: 'segments-col' }, segBox), side));

    timeline = new Timeline(canvas, { onSeek: (at) => seekTo(at, { force: true }) });
    new ResizeObserver(() => {
      root.style.setProperty('--sticky-h', `${Math.ceil(sticky.getBoundingClientRect().height)}px`);
    }).observe(sticky);

    flagSelect.addEventListener('change', () => { S.filter = flagSelect.value; applyFilter(); });
    segBox.addEventListener('click', onSegmentClick);
    segBox.addEventListener('dblclick', onSegmentDblClick);
    audio.addEventListener('timeupdate', onAudioTime);
    audio.addEventListener('seeked', onAudioTime);
    audio.addEventListener('play', startLoop);
    audio.addEventListener('pause', stopLoop);
    audio.addEventListener('ended', stopLoop);
    audio.addEventListener('error', () => {
      if (!audio.getAttribute('src') || S.destroyed) return;
      audioNote.hidden = false;
      tx(audioNote, 'review.noAudio', { detail: audio.error ? `code ${audio.error.code}` : '' });
    });
    document.addEventListener('keydown', onKey);
    for (const type of ['wheel', 'touchmove']) window.addEventListener(type, markUserScroll, { passive: true });
    window.addEventListener('scroll', onScroll, { passive: true });
  }

  function renderHead() {
    clear(head);
    const rec = S.rec;
    const badge = h('span', { class: 'badge version-badge', 'data-testid': 'version-badge', 'data-version': String(S.version), i18n: 'review.version', i18nArgs: { v: S.version } });
    head.append(
      h('a', { href: backHref, class: 'back', i18n: 'review.back' }),
      h('h1', {}, h('span', { i18n: 'review.case', i18nArgs: { n: rec.case_number } })),
      h('span', { class: 'meta' }, dateEl(rec.hearing_started_at), ' · ', rec.courtroom_name || rec.courtroom, ' · ', h('span', { class: 'dur' }, duration(S.protocol.recording.duration))),
      badge);
    if (S.approved) {
      head.append(h('span', { class: 'badge approved', 'data-testid': 'approved-badge', i18n: 'review.approved' }));
    }
    if (isJudge && S.newest !== null && S.version === S.newest && !S.approved) {
      const approve = h('button', { type: 'button', class: 'primary approve', 'data-testid': 'approve', i18n: 'review.approve', i18nArgs: { v: S.version } });
      approve.addEventListener('click', () => doApprove(approve));
      head.append(approve);
    }
    banner.hidden = !(S.newest !== null && S.version < S.newest);
    clear(banner);
    if (!banner.hidden) {
      banner.append(h('span', { i18n: 'review.olderBanner', i18nArgs: { v: S.version, n: S.newest } }), ' ',
        h('a', { href: `#/hearing/${encId}`, 'data-testid': 'open-newest', i18n: 'review.openNewest' }));
    }
  }

  function show(doc) {
    S.protocol = doc.protocol;
    S.version = doc.version;
    S.sha = doc.sha;
    S.approved = doc.approved;
    S.jsonName = doc.jsonName;
    S.speakers = doc.protocol.speakers || [];
    S.colours = colourMap(S.speakers);
    renderHead();
    renderSegments();
    renderFilterOptions();
    applyFilter();
    renderTimeline();
    renderSpeakers();
    renderDownloads();
  }

  // -- segments -------------------------------------------------------------------------

  function speakerInfo(id) {
    if (!S.speakerHtml.has(id)) {
      const sp = S.speakers.find((s) => s.id === id) || { id, label: id, role: null };
      S.speakerHtml.set(id, speakerHtml(sp));
    }
    return S.speakerHtml.get(id);
  }

  function wordsHtml(seg) {
    const words = seg.words || [];
    if (!words.length) return esc(seg.text);
    if (norm(words.map((w) => w.text).join('')) !== norm(seg.text)) return esc(seg.text);
    const out = new Array(words.length);
    for (let i = 0; i < words.length; i += 1) {
      const w = words[i];
      const low = Number(w.probability) < 0.5 ? ' class="low"' : '';
      out[i] = `<span data-testid="word" data-start="${+w.start}"${low}>${esc(String(w.text).trim())}</span>`;
    }
    return out.join(' ');
  }

  function segmentHtml(seg, i) {
    const colour = S.colours.get(seg.speaker);
    const cls = colour ? colour.cls : 'spk-cx';
    const flags = seg.allFlags;
    const editButton = canEdit ? S.editButtonHtml : '';
    return `<div class="seg ${cls}${flags.length ? ' flagged' : ''}" role="listitem" data-testid="segment" data-i="${i}" data-index="${+seg.id}" data-start="${+seg.start}" data-end="${+seg.end}" data-speaker="${esc(seg.speaker)}" data-flags="${esc(flags.join(' '))}">`
      + `<button type="button" class="seg-time" data-testid="segment-time" tabindex="-1">${clock(seg.start)}</button>`
      + `<span class="seg-speaker" data-testid="segment-speaker">${speakerInfo(seg.speaker)}</span>`
      + editButton
      + `<div class="seg-text" data-testid="segment-text" lang="${esc(seg.language || '')}">${wordsHtml(seg)}</div>`
      + (flags.length ? `<div class="seg-flags">${flags.map(flagLabelHtml).join('')}</div>` : '')
      + '</div>';
  }

  /**
   * Build the rows. After a save usually one segment (or one speaker's label) changed:
   * when the count is the same, only rows whose HTML differs are replaced, so a
   * correction in a 3-hour hearing does not rebuild thousands of rows.
   */
  function renderSegments() {
    const previous = S.rowHtml || [];
    S.speakerHtml = new Map();
    S.editButtonHtml = `<button type="button" class="seg-edit" data-testid="edit-segment" data-i18n-attr="title=edit.button" title="${esc(t('edit.button'))}">✎</button>`;
    const raw = S.protocol.segments || [];
    S.segs = raw.map((seg, i) => {
      const flags = [...(seg.flags || [])];
      if (!flags.includes('redaction_candidate') && redactionCandidate(seg.text)) flags.push('redaction_candidate');
      return { ...seg, id: seg.id ?? i + 1, allFlags: flags };
    });
    const n = S.segs.length;
    S.starts = new Float64Array(n);
    S.ends = new Float64Array(n);
    S.sorted = true;
    for (let i = 0; i < n; i += 1) {
      S.starts[i] = S.segs[i].start;
      S.ends[i] = S.segs[i].end;
      if (i && S.starts[i] < S.starts[i - 1]) S.sorted = false;
    }
    const parts = new Array(n);
    for (let i = 0; i < n; i += 1) parts[i] = segmentHtml(S.segs[i], i);
    if (S.current >= 0 && S.els[S.current]) {
      S.els[S.current].classList.remove('current');
      for (const w of S.els[S.current].querySelectorAll('.now')) w.classList.remove('now');
    }
    let changed = 0;
    if (previous.length === n) for (let i = 0; i < n; i += 1) if (parts[i] !== previous[i]) changed += 1;
    if (n && previous.length === n && S.els.length === n && changed <= 300) {
      const template = document.createElement('template');
      for (let i = 0; i < n; i += 1) {
        if (parts[i] === previous[i]) continue;
        template.innerHTML = parts[i];
        const row = template.content.firstElementChild;
        S.els[i].replaceWith(row);
        S.els[i] = row;
      }
    } else {
      const html = [];
      for (let i = 0; i < n; i += BLOCK) {
        html.push('<div class="seg-block">', ...parts.slice(i, i + BLOCK), '</div>');
      }
      segBox.innerHTML = html.join('');
      S.els = Array.from(segBox.querySelectorAll('[data-testid="segment"]'));
      S.blocks = Array.from(segBox.children);
    }
    S.rowHtml = parts;
    S.current = -1;
    S.pinned = -1;
    S.word = -1;
    S.wordEls = null;
    segBox.classList.toggle('readonly', !editable());
  }

  function renderFilterOptions() {
    const counts = new Map();
    let flagged = 0;
    for (const seg of S.segs) {
      if (seg.allFlags.length) flagged += 1;
      for (const f of seg.allFlags) counts.set(f, (counts.get(f) || 0) + 1);
    }
    clear(flagSelect);
    flagSelect.append(h('option', { value: 'all', i18n: 'flag.all' }));
    const count = (key, n) => {
      const o = h('option', {});
      o.dataset.i18n = key;
      o.dataset.count = String(n);
      o.textContent = `${t(key)} (${n})`;
      return o;
    };
    const flaggedOption = count('flag.flagged', flagged);
    flaggedOption.value = 'flagged';
    flagSelect.append(flaggedOption);
    const order = [...KNOWN_FLAGS, ...[...counts.keys()].filter((f) => !KNOWN_FLAGS.includes(f)).sort()];
    for (const f of order) {
      if (!counts.has(f)) continue;
      const o = count(`flag.${f}`, counts.get(f));
      o.value = f;
      if (t(`flag.${f}`) === `flag.${f}`) { delete o.dataset.i18n; o.textContent = `${f} (${counts.get(f)})`; }
      flagSelect.append(o);
    }
    if (![...flagSelect.options].some((o) => o.value === S.filter)) S.filter = 'all';
    flagSelect.value = S.filter;
  }

  function relocalizeFilterOptions() {
    for (const o of flagSelect.options) {
      if (o.dataset.count) o.textContent = `${o.dataset.i18n ? t(o.dataset.i18n) : o.value} (${o.dataset.count})`;
    }
  }

  function matches(seg) {
    if (S.filter === 'all') return true;
    if (S.filter === 'flagged') return seg.allFlags.length > 0;
    return seg.allFlags.includes(S.filter);
  }

  function applyFilter() {
    let shown = 0;
    for (let b = 0; b < S.blocks.length; b += 1) {
      let inBlock = 0;
      const end = Math.min(S.segs.length, (b + 1) * BLOCK);
      for (let i = b * BLOCK; i < end; i += 1) {
        const ok = matches(S.segs[i]);
        if (ok) inBlock += 1;
        if (S.els[i].hidden === ok) S.els[i].hidden = !ok;
      }
      shown += inBlock;
      const block = S.blocks[b];
      block.hidden = inBlock === 0;
      // the size a block is assumed to have until it is first rendered
      block.style.containIntrinsicSize = `auto ${Math.max(1, inBlock) * ROW_PX}px`;
    }
    tx(shownCount, 'review.shown', { n: shown, total: S.segs.length });
  }

  function indexOf(el) { return Number(el.dataset.i); }

  function onSegmentClick(event) {
    const target = event.target;
    if (target.closest('.seg-editor')) return;
    const segEl = target.closest('[data-testid="segment"]');
    if (!segEl) return;
    const i = indexOf(segEl);
    if (target.closest('[data-testid="edit-segment"]')) { openEditor(i); return; }
    const word = target.closest('[data-testid="word"]');
    if (word) { seekTo(Number(word.dataset.start), { index: i }); return; }
    if (target.closest('[data-testid="segment-time"]')) { seekTo(S.starts[i], { index: i }); }
  }

  function onSegmentDblClick(event) {
    if (!editable() || event.target.closest('.seg-editor')) return;
    const text = event.target.closest('[data-testid="segment-text"]');
    if (text) openEditor(indexOf(text.closest('[data-testid="segment"]')));
  }

  // -- time, highlight, scrolling -----------------------------------------------------

  function indexAt(time) {
    const n = S.segs.length;
    if (!n) return -1;
    const at = time + 0.001;
    if (!S.sorted) {
      let best = 0;
      for (let i = 0; i < n; i += 1) if (S.starts[i] <= at && S.starts[i] >= S.starts[best]) best = i;
      return best;
    }
    let lo = 0;
    let hi = n - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (S.starts[mid] <= at) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  function sync(time, { index, force = false } = {}) {
    S.time = time;
    let i;
    if (index !== undefined && index >= 0 && index < S.segs.length) {
      S.pinned = index;
      i = index;
    } else if (S.pinned >= 0 && time >= S.starts[S.pinned] - 0.05 && time <= S.ends[S.pinned] + 0.05) {
      i = S.pinned;
    } else {
      S.pinned = -1;
      i = indexAt(time);
    }
    if (i !== S.current) {
      if (S.current >= 0 && S.els[S.current]) S.els[S.current].classList.remove('current');
      if (i >= 0) S.els[i].classList.add('current');
      S.current = i;
      S.word = -1;
      S.wordEls = null;
      if (i >= 0) scrollToCurrent(force);
    } else if (force && i >= 0) {
      scrollToCurrent(true);
    }
    syncWord(time);
    if (timeline) timeline.setTime(time);
  }

  function syncWord(time) {
    if (S.current < 0) return;
    if (!S.wordEls) {
      S.wordEls = S.els[S.current].querySelectorAll('[data-testid="word"]');
      S.wordStarts = Array.from(S.wordEls, (w) => Number(w.dataset.start));
    }
    let w = -1;
    for (let k = 0; k < S.wordStarts.length; k += 1) {
      if (S.wordStarts[k] <= time + 0.001) w = k; else break;
    }
    if (w !== S.word) {
      if (S.word >= 0 && S.wordEls[S.word]) S.wordEls[S.word].classList.remove('now');
      if (w >= 0) S.wordEls[w].classList.add('now');
      S.word = w;
    }
  }

  function markUserScroll() { S.userScrolledAt = performance.now(); }
  function onScroll() { if (performance.now() > S.programmaticUntil) markUserScroll(); }

  function scrollToCurrent(force) {
    const el = S.els[S.current];
    if (!el || el.hidden) return;
    if (!force) {
      if (!follow.checked || performance.now() - S.userScrolledAt < USER_SCROLL_PAUSE_MS) return;
      const top = parseFloat(getComputedStyle(root).getPropertyValue('--sticky-h')) || 0;
      const rect = el.getBoundingClientRect();
      if (rect.top >= top + 8 && rect.bottom <= window.innerHeight * 0.85) return;
    }
    S.programmaticUntil = performance.now() + 800;
    el.scrollIntoView({ block: 'center', behavior: 'auto' });
  }

  function seekTo(time, { index, force = false } = {}) {
    const max = S.protocol ? Math.max(S.protocol.recording.duration || 0, S.segs.length ? S.ends[S.segs.length - 1] : 0) : 0;
    const at = Math.max(0, max ? Math.min(time, max) : time);
    if (audio.getAttribute('src')) {
      try { audio.currentTime = at; } catch { /* not seekable yet */ }
    }
    sync(at, { index, force });
  }

  function onAudioTime() { if (!S.raf) sync(audio.currentTime); }

  function loop() {
    sync(audio.currentTime);
    S.raf = requestAnimationFrame(loop);
  }
  function startLoop() { if (!S.raf) S.raf = requestAnimationFrame(loop); }
  function stopLoop() {
    if (S.raf) cancelAnimationFrame(S.raf);
    S.raf = 0;
    sync(audio.currentTime);
  }

  function togglePlay() {
    if (!audio.getAttribute('src')) return;
    if (audio.paused) {
      if (Math.abs(audio.currentTime - S.time) > 0.3) audio.currentTime = S.time;
      audio.play().catch((exc) => ctx.toast(String(exc.message || exc), { kind: 'error' }));
    } else audio.pause();
  }

  function flaggedFor(seg) {
    return S.filter === 'all' || S.filter === 'flagged' ? seg.allFlags.length > 0 : seg.allFlags.includes(S.filter);
  }

  function jumpFlag(direction) {
    const n = S.segs.length;
    if (direction > 0) {
      for (let i = 0; i < n; i += 1) {
        if (S.starts[i] > S.time + 0.05 && flaggedFor(S.segs[i])) { seekTo(S.starts[i], { index: i, force: true }); return; }
      }
      ctx.toast(t('review.noFlagAfter'));
    } else {
      const from = S.current >= 0 ? S.starts[S.current] : S.time;
      for (let i = n - 1; i >= 0; i -= 1) {
        if (S.starts[i] < from - 0.05 && flaggedFor(S.segs[i])) { seekTo(S.starts[i], { index: i, force: true }); return; }
      }
      ctx.toast(t('review.noFlagBefore'));
    }
  }

  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    const code = event.code;
    const key = event.key;
    if (code === 'Space' || key === ' ') {
      if (event.target === audio) return; // the player handles its own keys
      event.preventDefault();
      togglePlay();
    } else if (key === 'ArrowLeft' || code === 'KeyJ') {
      if (event.target === audio && key === 'ArrowLeft') return;
      event.preventDefault();
      seekTo(Math.max(0, S.time - SEEK_BACK_S), { force: true });
    } else if (code === 'KeyN' && !event.shiftKey) {
      event.preventDefault();
      jumpFlag(1);
    } else if (code === 'KeyP' || (code === 'KeyN' && event.shiftKey)) {
      event.preventDefault();
      jumpFlag(-1);
    }
  }

  // -- timeline -------------------------------------------------------------------------

  function renderTimeline() {
    const used = new Set(S.segs.map((s) => s.speaker));
    const lanes = S.speakers.filter((sp) => used.has(sp.id)).map((sp) => ({ id: sp.id, label: speakerText(sp), colour: S.colours.get(sp.id).colour }));
    for (const sid of used) if (!lanes.some((l) => l.id === sid)) lanes.push({ id: sid, label: sid, colour: '#8a8a8a' });
    const end = S.segs.length ? Math.max(...S.ends) : 0;
    timeline.setData({
      lanes,
      segments: S.segs.map((s) => ({ start: s.start, end: s.end, speaker: s.speaker, flagged: s.allFlags.length > 0 })),
      duration: Math.max(S.protocol.recording.duration || 0, end),
    });
    timeline.setTime(S.time);
  }

  // -- speakers -------------------------------------------------------------------------

  function renderSpeakers() {
    clear(speakersBox);
    const stats = new Map();
    for (const seg of S.segs) {
      const s = stats.get(seg.speaker) || { n: 0, secs: 0 };
      s.n += 1;
      s.secs += Math.max(0, seg.end - seg.start);
      stats.set(seg.speaker, s);
    }
    const list = h('ul', { class: 'speaker-list' });
    for (const sp of S.speakers) {
      const colour = S.colours.get(sp.id);
      const st = stats.get(sp.id) || { n: 0, secs: 0 };
      const name = h('span', { class: `seg-speaker ${colour.cls}`, 'data-testid': 'speaker-name' });
      name.innerHTML = speakerHtml(sp);
      const statsEl = h('span', { class: 'muted small speaker-stats', 'data-secs': String(st.secs), 'data-n': String(st.n) }, t('speaker.stats', { t: duration(st.secs), n: st.n }));
      const li = h('li', { class: 'speaker-item', 'data-testid': 'speaker', 'data-speaker': sp.id },
        h('span', { class: `chip ${colour.cls}` }), name, statsEl);
      if (canEdit && editable()) {
        const rename = h('button', { type: 'button', class: 'link-button', 'data-testid': 'speaker-rename', 'data-speaker': sp.id, i18n: 'speaker.rename' });
        rename.addEventListener('click', () => openRename(li, sp));
        li.append(rename);
      }
      list.append(li);
    }
    speakersBox.append(list);
  }

  function openRename(li, sp) {
    const existing = li.querySelector('.rename-form');
    if (existing) { existing.remove(); return; }
    const label = h('input', { type: 'text', maxlength: '200', required: true, 'data-testid': 'speaker-label-input', value: sp.label || '', i18nAttr: { 'aria-label': 'speaker.label' } });
    const roleSelect = h('select', { 'data-testid': 'speaker-role-select', i18nAttr: { 'aria-label': 'speaker.role' } },
      h('option', { value: '', i18n: 'speaker.noRole' }),
      ...ROLES.map((r) => h('option', { value: r, i18n: `role.${r}` })));
    const current = String(sp.role || '').toLowerCase();
    if (!ROLES.includes(current) && current) roleSelect.append(h('option', { value: sp.role }, sp.role));
    roleSelect.value = ROLES.includes(current) ? current : (sp.role || '');
    const save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'speaker-save', i18n: 'speaker.save' });
    const cancel = h('button', { type: 'button', 'data-testid': 'speaker-cancel', i18n: 'speaker.cancel' });
    const form = h('form', { class: 'rename-form' },
      h('label', {}, h('span', { i18n: 'speaker.label' }), label),
      h('label', {}, h('span', { i18n: 'speaker.role' }), roleSelect),
      h('div', { class: 'actions' }, save, cancel));
    cancel.addEventListener('click', () => form.remove());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = label.value.trim();
      if (!text) { ctx.toast(t('speaker.labelRequired'), { kind: 'error' }); return; }
      save.disabled = true;
      const ok = await saveEdits([{ op: 'name_speaker', speaker: sp.id, label: text, role: roleSelect.value }]);
      save.disabled = false;
      if (ok) form.remove();
    });
    li.append(form);
    label.focus();
  }

  // -- editing --------------------------------------------------------------------------

  function closeEditor() {
    if (!S.editor) return;
    S.editor.form.remove();
    S.editor.el.classList.remove('editing');
    S.editor = null;
  }

  function openEditor(i) {
    if (!editable()) return;
    if (S.editor && S.editor.i === i) { S.editor.textarea.focus(); return; }
    closeEditor();
    const seg = S.segs[i];
    const el = S.els[i];
    const textarea = h('textarea', { 'data-testid': 'segment-editor', rows: '3', maxlength: '10000', lang: seg.language || lang(), i18nAttr: { 'aria-label': 'edit.text' } });
    textarea.value = seg.text;
    const select = h('select', { 'data-testid': 'segment-speaker-select', i18nAttr: { 'aria-label': 'edit.speaker' } },
      ...S.speakers.map((sp) => h('option', { value: sp.id, 'data-speaker': sp.id }, speakerText(sp))));
    if (!S.speakers.some((sp) => sp.id === seg.speaker)) select.append(h('option', { value: seg.speaker }, seg.speaker));
    select.value = seg.speaker;
    const save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'segment-save', i18n: 'edit.save' });
    const cancel = h('button', { type: 'button', 'data-testid': 'segment-cancel', i18n: 'edit.cancel' });
    const form = h('form', { class: 'seg-editor' },
      textarea,
      h('div', { class: 'actions' },
        h('label', {}, h('span', { i18n: 'edit.speaker' }), ' ', select),
        save, cancel));
    cancel.addEventListener('click', closeEditor);
    textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { event.preventDefault(); closeEditor(); }
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = norm(textarea.value);
      if (!text) { ctx.toast(t('edit.empty'), { kind: 'error' }); return; }
      const edits = [];
      if (text !== norm(seg.text)) edits.push({ op: 'set_text', segment: seg.id, text });
      if (select.value !== seg.speaker) edits.push({ op: 'set_speaker', segment: seg.id, speaker: select.value });
      if (!edits.length) { closeEditor(); ctx.toast(t('edit.nothing')); return; }
      save.disabled = true;
      tx(save, 'edit.saving');
      await saveEdits(edits, i);
      if (save.isConnected) { save.disabled = false; tx(save, 'edit.save'); }
    });
    el.classList.add('editing');
    el.append(form);
    S.editor = { i, el, form, textarea, select };
    textarea.focus();
  }

  /** POST the edits on the shown version; true when a new version was saved. */
  async function saveEdits(edits, keepIndex) {
    try {
      const saved = await postJson(`/api/v1/recordings/${encId}/versions`, { base_version: S.version, edits });
      ctx.toast(t('edit.saved', { v: saved.version }));
      // the hash no longer names an old version: stay on the newest
      history.replaceState(null, '', `#/hearing/${encId}`);
      await reload(undefined, { keepIndex });
      return true;
    } catch (exc) {
      if (exc.handled) { keepDraft(); return false; }
      if (exc instanceof ApiError && exc.status === 409) {
        ctx.toast(t('edit.conflict', { detail: exc.detail }), {
          kind: 'error',
          action: { label: t('edit.reload'), run: () => { history.replaceState(null, '', `#/hearing/${encId}`); reload(undefined); } },
        });
      } else ctx.toast(describe(exc), { kind: 'error' });
      return false;
    }
  }

  // -- approval -------------------------------------------------------------------------

  async function doApprove(button) {
    // final: the version is signed and becomes what the parties see
    if (!window.confirm(t('review.approveConfirm', { v: S.version }))) return;
    button.disabled = true;
    tx(button, 'review.approving');
    try {
      await postJson(`/api/v1/recordings/${encId}/versions/${S.version}/approve`, {});
      S.approved = true;
      ctx.toast(t('review.approvedToast', { v: S.version }));
      renderHead();
      renderDownloads();
      await loadVersions();
    } catch (exc) {
      if (!exc.handled) ctx.toast(describe(exc), { kind: 'error' });
      if (button.isConnected) { button.disabled = false; tx(button, 'review.approve', { v: S.version }); }
    }
  }

  // -- versions and diffs ---------------------------------------------------------------

  function renderVersions() {
    clear(versionsBox);
    if (!S.versions.length) { versionsBox.append(h('p', { class: 'muted', i18n: 'version.none' })); return; }
    const list = h('ol', { class: 'version-list', reversed: true });
    for (const v of [...S.versions].reverse()) {
      const shown = v.version === S.version;
      const author = v.author === 'pipeline' || v.author_id === null ? h('span', { i18n: 'version.pipeline' }) : h('span', {}, v.author || '');
      const item = h('li', { class: `version${shown ? ' shown' : ''}${v.approved ? ' is-approved' : ''}`, 'data-testid': 'version', 'data-version': String(v.version) },
        h('div', { class: 'v-head' },
          h('b', {}, `v${v.version}`), ' ',
          v.approved ? h('span', { class: 'badge approved small', 'data-testid': 'version-approved', i18n: 'version.approvedMark' }) : null,
          shown ? h('span', { class: 'badge small', i18n: 'version.shown' }) : null,
          ' ', dateEl(v.created_at)),
        h('div', { class: 'v-author' }, author),
        v.note ? h('div', { class: 'v-note' }, v.note) : null,
        h('div', { class: 'v-hash' }, h('span', { class: 'muted', i18n: 'version.hash' }), ' ', h('code', { title: v.sha256, 'data-testid': 'version-sha256' }, shortHash(v.sha256))));
      const actions = h('div', { class: 'v-actions' });
      if (!shown) {
        actions.append(h('a', { href: `#/hearing/${encId}?v=${v.version}`, class: 'link-button', 'data-testid': 'version-open', i18n: 'version.open' }));
      }
      if (v.version > 1) {
        const prev = h('button', { type: 'button', class: 'link-button', 'data-testid': 'version-compare-prev', i18n: 'version.comparePrev' });
        prev.addEventListener('click', () => showDiff(v.version - 1, v.version));
        actions.append(prev);
      }
      item.append(actions);
      list.append(item);
    }
    versionsBox.append(list);
    if (S.versions.length > 1) {
      const options = () => S.versions.map((v) => h('option', { value: String(v.version) }, `v${v.version}`));
      const from = h('select', { 'data-testid': 'diff-from', i18nAttr: { 'aria-label': 'version.from' } }, ...options());
      const to = h('select', { 'data-testid': 'diff-to', i18nAttr: { 'aria-label': 'version.to' } }, ...options());
      from.value = String(S.versions[S.versions.length - 2].version);
      to.value = String(S.versions[S.versions.length - 1].version);
      const go = h('button', { type: 'submit', 'data-testid': 'diff-compare', i18n: 'version.compare' });
      versionsBox.append(h('form', { class: 'compare-form', onsubmit: (e) => { e.preventDefault(); showDiff(Number(from.value), Number(to.value)); } },
        h('span', { i18n: 'version.from' }), ' ', from, ' ', h('span', { i18n: 'version.to' }), ' ', to, ' ', go));
    }
  }

  function speakerName(speakers, sid) {
    const sp = (speakers || []).find((s) => s.id === sid);
    return sp ? speakerText(sp) : sid;
  }

  function fieldsText(fields) {
    return fields.map((f) => (t(`diff.field.${f}`) === `diff.field.${f}` ? f : t(`diff.field.${f}`))).join(', ');
  }

  async function showDiff(a, b) {
    clear(diffBox).append(h('p', { class: 'muted', i18n: 'app.loading' }));
    try {
      const answer = await getJson(`/api/v1/recordings/${encId}/diff`, { from: a, to: b });
      renderDiff(answer);
      diffBox.scrollIntoView({ block: 'nearest' });
    } catch (exc) {
      clear(diffBox);
      if (!exc.handled) ctx.toast(describe(exc), { kind: 'error' });
    }
  }

  function renderDiff(answer) {
    clear(diffBox);
    const d = answer.diff;
    diffBox.dataset.from = String(answer.from_version);
    diffBox.dataset.to = String(answer.to_version);
    diffBox.append(h('h3', { i18n: 'diff.title', i18nArgs: { a: answer.from_version, b: answer.to_version } }));
    const segments = d.segments || [];
    const speakers = d.speakers || [];
    if (!segments.length && !speakers.length && !(d.metadata || []).some((f) => f !== 'created_at')) {
      diffBox.append(h('p', { class: 'muted', 'data-testid': 'diff-empty', i18n: 'diff.none' }));
      return;
    }
    // created_at differs in every version: it says nothing a reader needs
    const metadata = (d.metadata || []).filter((f) => f !== 'created_at');
    if (metadata.length) diffBox.append(h('p', {}, t('diff.metadata', { f: metadata.join(', ') })));
    if (speakers.length) {
      const ul = h('ul', { class: 'diff-speakers' });
      for (const c of speakers) {
        const before = c.old ? speakerText(c.old) : '';
        const after = c.new ? speakerText(c.new) : '';
        ul.append(h('li', { class: `diff-item diff-${c.change}`, 'data-testid': 'diff-speaker' },
          h('span', { class: 'badge small', i18n: `diff.${c.change}` }), ' ',
          h('b', { i18n: 'diff.speaker', i18nArgs: { id: c.id } }), ': ',
          before ? h('del', {}, before) : null, before && after ? ' → ' : null, after ? h('ins', {}, after) : null));
      }
      diffBox.append(ul);
    }
    const ol = h('ol', { class: 'diff-segments' });
    for (const c of segments.slice(0, DIFF_LIMIT)) {
      const seg = c.new || c.old;
      const number = c.new_number ?? c.old_number;
      const timeButton = h('button', { type: 'button', class: 'seg-time', 'data-start': String(seg.start) }, clock(seg.start));
      timeButton.addEventListener('click', () => seekTo(seg.start, { force: true }));
      const body = h('div', { class: 'diff-text' });
      if (c.change === 'inserted') body.append(h('ins', {}, c.new.text));
      else if (c.change === 'deleted') body.append(h('del', {}, c.old.text));
      else if ((c.text_diff || []).length) {
        for (const piece of c.text_diff) {
          if (piece.op === 'insert') body.append(h('ins', {}, piece.text));
          else if (piece.op === 'delete') body.append(h('del', {}, piece.text));
          else body.append(piece.text);
        }
      } else body.append(c.new.text);
      const extra = [];
      if (c.change === 'changed' && c.old && c.new && c.old.speaker !== c.new.speaker) {
        extra.push(h('div', { class: 'diff-who' }, h('del', {}, speakerName(S.speakers, c.old.speaker)), ' → ', h('ins', {}, speakerName(S.speakers, c.new.speaker))));
      }
      ol.append(h('li', { class: `diff-item diff-${c.change}`, 'data-testid': 'diff-segment', 'data-change': c.change },
        h('div', { class: 'diff-head' },
          h('span', { class: 'badge small', i18n: `diff.${c.change}` }), ' ',
          h('b', { i18n: 'diff.segment', i18nArgs: { n: number } }), ' ', timeButton,
          (c.fields || []).length ? h('span', { class: 'muted small' }, ' ', t('diff.fields', { f: fieldsText(c.fields) })) : null),
        ...extra, body));
    }
    diffBox.append(ol);
    if (segments.length > DIFF_LIMIT) diffBox.append(h('p', { class: 'muted', i18n: 'diff.more', i18nArgs: { n: DIFF_LIMIT, total: segments.length } }));
  }

  // -- downloads ------------------------------------------------------------------------

  function renderDownloads() {
    clear(downloadsBox);
    downloadsBox.append(
      downloadButtons({ id, version: isParty ? undefined : S.version, caseNumber: S.rec.case_number, signed: S.approved, toast: ctx.toast }),
      h('p', { class: 'hash-line' }, h('span', { i18n: 'party.hash' }), ' ', h('code', { class: 'hash', 'data-testid': 'protocol-hash', title: S.sha }, S.sha)));
    if (S.approved) downloadsBox.append(verifyHelp({ id, hash: S.sha, jsonName: S.jsonName }));
  }

  // -- language -------------------------------------------------------------------------

  function relocalize() {
    if (!S.protocol) return;
    relocalizeFilterOptions();
    if (timeline) {
      const used = new Set(S.segs.map((s) => s.speaker));
      timeline.setLabels(S.speakers.filter((sp) => used.has(sp.id)).map((sp) => speakerText(sp)));
    }
    for (const el of speakersBox.querySelectorAll('.speaker-stats')) {
      el.textContent = t('speaker.stats', { t: duration(Number(el.dataset.secs)), n: el.dataset.n });
    }
    const dur = head.querySelector('.dur');
    if (dur) dur.textContent = duration(S.protocol.recording.duration);
    if (S.editor) {
      for (const option of S.editor.select.options) {
        const sp = S.speakers.find((s) => s.id === option.value);
        if (sp) option.textContent = speakerText(sp);
      }
    }
  }

  start();

  return {
    key: `hearing/${id}`,
    /** Same hearing, new query (a search hit, another version): no reload of the page. */
    update(query) {
      if (!S.protocol) return false;
      const v = Number(query.get('v')) || undefined;
      const at = Number(query.get('t'));
      const wantVersion = v ?? S.newest ?? S.version;
      const seek = () => { if (Number.isFinite(at) && query.has('t')) seekTo(at, { force: true }); };
      if (wantVersion !== S.version) reload(v).then(seek);
      else seek();
      return true;
    },
    relocalize,
    destroy() {
      S.destroyed = true;
      stopLoop();
      audio.pause();
      audio.removeAttribute('src');
      try { audio.load(); } catch { /* nothing loaded */ }
      document.removeEventListener('keydown', onKey);
      for (const type of ['wheel', 'touchmove']) window.removeEventListener(type, markUserScroll);
      window.removeEventListener('scroll', onScroll);
      if (timeline) timeline.destroy();
    },
  };
}
