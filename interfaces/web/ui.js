// Pieces every view uses: error boxes, notices, headings that take the focus, labelled form
// fields, and the drop zone with one progress bar per file.
import {h, replace, size} from './dom.js';
import {ApiError} from './api.js';

// An error box (role="alert") with what happened, what to do next and the technical detail.
export function errorBox(error) {
  if (!(error instanceof ApiError)) {
    return h('div', {class: 'fehler', role: 'alert', tabindex: '-1'},
        h('p', {class: 'fehler-titel'}, 'Etwas ist schiefgegangen.'),
        h('p', {}, 'Laden Sie die Seite neu. Bleibt der Fehler, wenden Sie sich an die Administration.'),
        h('p', {class: 'technisch'}, String(error && error.message || error)));
  }
  return h('div', {class: 'fehler', role: 'alert', tabindex: '-1'},
      h('p', {class: 'fehler-titel'}, error.message),
      h('p', {}, error.hint),
      error.detail || error.requestId ?
        h('p', {class: 'technisch'}, 'Technische Angabe: ', error.detail,
            error.requestId ? ` (Vorgangsnummer ${error.requestId})` : '') :
        null);
}

// Shows `error` in `slot` (an element kept in the form), replacing what was there.
export function showError(slot, error) {
  replace(slot, errorBox(error));
  slot.querySelector('.fehler').focus?.();
}

// A short confirmation in the live region at the top.
export function notice(text) {
  const region = document.getElementById('meldungen');
  const item = h('p', {class: 'hinweis'}, text);
  region.append(item);
  // Only the latest few: older confirmations are stale once the user has moved on.
  while (region.children.length > 2) region.firstElementChild.remove();
  setTimeout(() => item.remove(), 8000);
}

// The view's main heading; it takes the focus after navigation so that screen readers and
// keyboard users start at the new content.
export function heading(text, ...extra) {
  return h('h1', {tabindex: '-1', id: 'seitentitel'}, text, ...extra);
}

let fieldCounter = 0;

// A label and an input (or select/textarea) tied by id. `control` is the element.
export function field(labelText, control, help) {
  const id = control.id || `feld-${++fieldCounter}`;
  control.id = id;
  const helpId = help ? `${id}-hilfe` : null;
  if (helpId) control.setAttribute('aria-describedby', helpId);
  return h('div', {class: 'feld'},
      h('label', {for: id}, labelText),
      control,
      help ? h('p', {class: 'feldhilfe', id: helpId}, help) : null);
}

// A busy state on a button while `work` runs; returns what `work` returns.
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// A state badge: "offen" or "zdA seit …".
export function stateBadge(objekt) {
  if (objekt.status === 'geschlossen') {
    return h('span', {class: 'zustand zustand-zu'}, objekt.zda ? `zdA seit ${objekt.zda}` : 'zdA');
  }
  return h('span', {class: 'zustand zustand-offen'}, 'offen');
}

// A drop zone for files: drag and drop, or the labelled file input for the keyboard.
// `onFiles(files)` receives a list of File.
export function dropZone(labelText, onFiles, {multiple = true} = {}) {
  const input = h('input', {type: 'file', multiple, class: 'datei-eingabe'});
  input.addEventListener('change', () => {
    if (input.files.length) onFiles([...input.files]);
    input.value = '';
  });
  const zone = h('div', {class: 'ablage', 'data-ablage': ''},
      h('p', {}, multiple ? 'Dateien hierher ziehen oder ' : 'Datei hierher ziehen oder '),
      field(labelText, input));
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('ablage-aktiv');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('ablage-aktiv'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('ablage-aktiv');
    const files = [...(e.dataTransfer?.files || [])];
    if (files.length) onFiles(multiple ? files : files.slice(0, 1));
  });
  return zone;
}

// One row of an upload list: file name, a progress bar and a status line. `run(onProgress)`
// does the upload; the row says whether it worked.
export async function uploadRow(list, file, run) {
  const bar = h('progress', {max: '100', value: '0', 'aria-label': `Fortschritt ${file.name}`});
  const status = h('span', {class: 'upload-status'}, 'wird hochgeladen …');
  const row = h('li', {class: 'upload'}, h('span', {class: 'upload-name'}, file.name, ` (${size(file.size)})`),
      bar, status);
  list.append(row);
  try {
    const result = await run((sent, total) => {
      bar.value = Math.round((sent / total) * 100);
    });
    bar.value = 100;
    replace(status, 'fertig');
    row.classList.add('upload-fertig');
    return result;
  } catch (error) {
    replace(status, 'fehlgeschlagen');
    row.classList.add('upload-fehler');
    row.append(errorBox(error));
    return null;
  }
}

// A definition list of label/value pairs; empty values are left out.
export function facts(pairs) {
  return h('dl', {class: 'angaben'}, pairs.filter(([, v]) => v !== '' && v !== null && v !== undefined)
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// Routes of the UI: the hash link for an object of the API.
export function linkTo(typ, id) {
  switch (typ) {
    case 'akte': return `#/akte/${encodeURIComponent(id)}`;
    case 'vorgang': return `#/vorgang/${encodeURIComponent(id)}`;
    case 'dokument': return `#/dokument/${encodeURIComponent(id)}`;
    default: return `#/?einheit=${encodeURIComponent(id)}`;
  }
}
