// Speakers as the pages show them: named by role in the interface language,
// coloured consistently (the same colours in the text, the timeline and the panel).

import { esc } from './dom.js';
import { DICTIONARIES, roleKey, t } from './i18n.js';

// keep in step with .spk-c0 … .spk-c9 in app.css
export const PALETTE = ['#1f6fb2', '#c0392b', '#2e7d32', '#8e44ad', '#c25400', '#00796b', '#8d6e00', '#c2185b', '#546e7a', '#6d4c41'];
export const UNKNOWN_COLOUR = '#767676';

const GENERIC = /^(?:speaker|спикер|говорящий|сөйлеуші|s)\s*(\d+)$/i;

function isUnknown(speaker) {
  return speaker.id === 'S0' || /^unknown$/i.test(speaker.label || '');
}

/** How a speaker is named: {role, n, name} (role: a known role code, n: "Speaker n"). */
export function describeSpeaker(speaker) {
  const role = roleKey(speaker.role);
  const label = String(speaker.label || '').trim();
  const generic = label.match(GENERIC);
  const lower = label.toLowerCase();
  const labelIsRole = role !== null && (
    lower === String(speaker.role || '').toLowerCase() || lower === role
    || Object.values(DICTIONARIES).some((d) => lower === String(d[`role.${role}`]).toLowerCase()));
  if (isUnknown(speaker) && !role) return { unknown: true };
  if (role && (!label || generic || labelIsRole)) return { role };
  if (role) return { role, name: label };
  if (generic) return { n: Number(generic[1]) };
  return { name: label || speaker.id };
}

/** Escaped HTML with data-i18n on the translatable part (rewritten on language switch). */
export function speakerHtml(speaker) {
  const d = describeSpeaker(speaker);
  if (d.unknown) return `<span class="spk-label" data-i18n="speaker.unknown">${esc(t('speaker.unknown'))}</span>`;
  if (d.n !== undefined) {
    const args = esc(JSON.stringify({ n: d.n }));
    return `<span class="spk-label" data-i18n="speaker.n" data-i18n-args="${args}">${esc(t('speaker.n', { n: d.n }))}</span>`;
  }
  const role = d.role ? `<span class="spk-role" data-i18n="role.${d.role}">${esc(t(`role.${d.role}`))}</span>` : '';
  if (d.name && role) return `<span class="spk-name">${esc(d.name)}</span><span class="spk-sep">, </span>${role}`;
  if (d.name) return `<span class="spk-name">${esc(d.name)}</span>`;
  return role;
}

/** Plain text in the current language (for selects and the timeline). */
export function speakerText(speaker) {
  const d = describeSpeaker(speaker);
  if (d.unknown) return t('speaker.unknown');
  if (d.n !== undefined) return t('speaker.n', { n: d.n });
  if (d.name && d.role) return `${d.name}, ${t(`role.${d.role}`)}`;
  if (d.name) return d.name;
  const role = t(`role.${d.role}`);
  return role.charAt(0).toUpperCase() + role.slice(1);
}

/** Colour index per speaker id: protocol order, the unknown speaker grey. */
export function colourMap(speakers) {
  const map = new Map();
  let next = 0;
  for (const speaker of speakers) {
    if (isUnknown(speaker)) map.set(speaker.id, { cls: 'spk-cx', colour: UNKNOWN_COLOUR });
    else {
      const i = next % PALETTE.length;
      map.set(speaker.id, { cls: `spk-c${i}`, colour: PALETTE[i] });
      next += 1;
    }
  }
  return map;
}
