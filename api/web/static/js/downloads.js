// Downloads of a protocol (PDF, DOCX, TXT, SRT, VTT, JSON), its signature, the
// court's public key and the audio, plus the instructions to check a protocol offline.
//
// Protocol downloads need the Authorization header, so they are fetched, turned into
// a Blob and saved through a temporary <a download>. The audio can be hours long, so
// it is not held in memory: its audio-link URL (a ticket for this recording only) is
// handed to the browser's own download.

import { describe, getJson, postJson, request } from './api.js';
import { h } from './dom.js';
import { lang, t } from './i18n.js';

export const FORMATS = ['pdf', 'docx', 'txt', 'srt', 'vtt', 'json'];

function filenameFrom(disposition, fallback) {
  if (!disposition) return fallback;
  const star = disposition.match(/filename\*\s*=\s*UTF-8''([^;]+)/i);
  if (star) { try { return decodeURIComponent(star[1]); } catch { /* fall through */ } }
  const plain = disposition.match(/filename\s*=\s*"?([^";]+)"?/i);
  return plain ? plain[1] : fallback;
}

function save(href, name) {
  const a = h('a', { href, download: name, hidden: true, rel: 'noopener' });
  document.body.append(a);
  a.click();
  setTimeout(() => a.remove(), 1000);
}

function saveBlob(blob, name) {
  const href = URL.createObjectURL(blob);
  save(href, name);
  setTimeout(() => URL.revokeObjectURL(href), 60000);
}

const path = (id, rest) => `/api/v1/recordings/${encodeURIComponent(id)}${rest}`;

/** Download one format; resolves to the response headers (hash, version). */
export async function downloadProtocol(id, fmt, version) {
  const response = await request('GET', path(id, '/protocol'), { query: { format: fmt, version, lang: lang() } });
  const blob = await response.blob();
  const name = filenameFrom(response.headers.get('Content-Disposition'), `protocol.${fmt}`);
  saveBlob(blob, name);
  return { name, headers: response.headers };
}

export async function downloadSignature(id, version) {
  const response = await request('GET', path(id, '/protocol/signature'), { query: { version } });
  const name = filenameFrom(response.headers.get('Content-Disposition'), 'protocol.sig');
  saveBlob(await response.blob(), name);
  return { name };
}

export async function downloadKey() {
  const key = await getJson('/api/v1/signing-key');
  const name = 'courtrec-signing.pub.pem';
  saveBlob(new Blob([key.public_key_pem], { type: 'application/x-pem-file' }), name);
  return { name };
}

export async function downloadAudio(id, caseNumber) {
  const link = await postJson(path(id, '/audio-link'), {});
  const safe = String(caseNumber || 'hearing').replace(/[^0-9A-Za-z_-]+/g, '_');
  const name = `hearing-${safe}.wav`;
  save(link.url, name);
  return { name };
}

/**
 * The row of download buttons. opts: {id, version, caseNumber, signed, toast}.
 * `version` undefined means what the caller sees by default (parties: the approved one).
 */
export function downloadButtons(opts) {
  const run = (button, job) => async () => {
    button.disabled = true;
    try {
      const { name } = await job();
      opts.toast(t('download.started', { name }));
    } catch (exc) {
      if (!exc.handled) opts.toast(t('download.failed', { detail: describe(exc) }), { kind: 'error' });
    } finally {
      button.disabled = false;
    }
  };
  const make = (testid, key, job) => {
    const button = h('button', { type: 'button', class: 'download', 'data-testid': testid, i18n: key });
    button.addEventListener('click', run(button, job));
    return button;
  };
  const buttons = FORMATS.map((fmt) => make(`download-${fmt}`, `download.${fmt}`, () => downloadProtocol(opts.id, fmt, opts.version)));
  buttons.push(make('download-audio', 'download.audio', () => downloadAudio(opts.id, opts.caseNumber)));
  if (opts.signed) {
    buttons.push(make('download-signature', 'download.sig', () => downloadSignature(opts.id, opts.version)));
    buttons.push(make('download-key', 'download.key', () => downloadKey()));
  }
  return h('div', { class: 'downloads', role: 'group' }, buttons);
}

/**
 * How to check a protocol offline (docs/protocol-access.md, "Checking a protocol
 * offline"), with this protocol's hash and file names filled in.
 */
export function verifyHelp({ id, hash, jsonName }) {
  const json = jsonName || 'protocol.json';
  const sig = json.replace(/\.json$/, '.sig');
  const origin = window.location.origin;
  const code = (text) => h('pre', { class: 'cmd' }, h('code', {}, text));
  const q = "'";
  return h('details', { class: 'verify-help', 'data-testid': 'verify-help' },
    h('summary', { i18n: 'verify.title' }),
    h('p', { i18n: 'verify.intro' }),
    h('p', { i18n: 'verify.hash' }),
    code(`sha256sum ${json}\n# ${hash || '…'}`),
    h('p', { i18n: 'verify.windows' }),
    code(`certutil -hashfile ${json} SHA256`),
    h('p', { i18n: 'verify.sig' }),
    code(`openssl pkeyutl -verify -pubin -inkey courtrec-signing.pub.pem -rawin -in ${json} -sigfile ${sig}`),
    h('p', { i18n: 'verify.api' }),
    code([
      `curl -s ${origin}/api/v1/signing-key | python3 -c ${q}import json,sys; print(json.load(sys.stdin)["public_key_pem"], end="")${q} > courtrec-signing.pub.pem`,
      `curl -sH "Authorization: Bearer $TOKEN" -o protocol.json "${origin}/api/v1/recordings/${id}/protocol?format=json"`,
      `curl -sH "Authorization: Bearer $TOKEN" -o protocol.sig  "${origin}/api/v1/recordings/${id}/protocol/signature"`,
      'sha256sum protocol.json',
      'openssl pkeyutl -verify -pubin -inkey courtrec-signing.pub.pem -rawin -in protocol.json -sigfile protocol.sig',
    ].join('\n')));
}
