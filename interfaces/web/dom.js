// A small helper to build DOM nodes without innerHTML, so that no text from the server is
// ever parsed as markup.

// h('button', {type: 'button', onclick: f}, 'Text', child...) → an element. Attributes that
// start with "on" become event listeners; null/false attributes are left out; children may
// be strings, nodes, arrays or null.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(el, child);
    } else {
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
}

// Replaces the children of `el`.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const entities = {'&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'"};

function decodeEntities(text) {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (m) => entities[m]);
}

// A search snippet (HTML-escaped text with matches in <em>…</em>) as nodes: the matches in
// <mark>, everything else as plain text. Any other markup stays text.
export function snippet(text) {
  const out = [];
  let marked = false;
  for (const piece of text.split(/(<em>|<\/em>)/)) {
    if (piece === '<em>') { marked = true; continue; }
    if (piece === '</em>') { marked = false; continue; }
    if (!piece) continue;
    const node = document.createTextNode(decodeEntities(piece));
    out.push(marked ? h('mark', {}, node) : node);
  }
  return out;
}

// "12. März 2026, 14:05" from an ISO timestamp; the text itself when it does not parse.
export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('de-DE', {dateStyle: 'medium', timeStyle: 'short'});
}

// "12.03.2026" from "2026-03-12".
export function date(text) {
  if (!text) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : text;
}

// "1,2 MB" from a byte count.
export function size(bytes) {
  const units = ['Byte', 'KB', 'MB', 'GB', 'TB'];
  let n = Number(bytes) || 0;
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; ++i; }
  return `${n.toLocaleString('de-DE', {maximumFractionDigits: i ? 1 : 0})} ${units[i]}`;
}
