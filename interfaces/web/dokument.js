// A Dokument's page: metadata, a preview of PDFs and images in the browser, the versions
// with download and restore-as-new-version, and the upload of a new version.
import {h, replace, dateTime, date, size} from './dom.js';
import * as api from './api.js';
import {busy, dropZone, errorBox, facts, field, heading, linkTo, notice, uploadRow} from './ui.js';
import {historySection} from './akte.js';
import {wiedervorlageSection} from './wiedervorlage.js';

const kShown = ['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain'];

function contentPath(id, nummer) {
  return `/api/v1/dokumente/${encodeURIComponent(id)}/versionen/${nummer}/inhalt`;
}

// Object URLs of previews and downloads live until the user leaves the page.
let urls = [];
window.addEventListener('hashchange', () => {
  urls.forEach((u) => URL.revokeObjectURL(u));
  urls = [];
});

async function objectUrl(path, type) {
  const data = await api.blob(path);
  const url = URL.createObjectURL(type ? new Blob([data], {type}) : data);
  urls.push(url);
  return url;
}

// The preview: the content is fetched with the user's credentials and shown from a blob:
// URL, in an iframe (PDF, text) or an img (images).
function previewSection(doc, version) {
  const area = h('div', {class: 'vorschau'});
  const slot = h('div', {class: 'fehlerplatz'});
  if (!version || !kShown.includes(version.mime_type)) {
    return h('section', {'aria-labelledby': 'vorschau'}, h('h2', {id: 'vorschau'}, 'Vorschau'),
        h('p', {}, 'Für diesen Dateityp gibt es keine Vorschau im Browser. Laden Sie die Datei herunter.'));
  }
  const button = h('button', {type: 'button'}, 'Vorschau anzeigen');
  button.addEventListener('click', async () => {
    try {
      const url = await busy(button, () => objectUrl(contentPath(doc.id, version.nummer), version.mime_type));
      const title = `Vorschau von ${version.dateiname}`;
      replace(area, version.mime_type.startsWith('image/') ?
        h('img', {src: url, alt: title}) :
        h('iframe', {src: url, title, class: 'vorschau-rahmen'}));
      replace(slot);
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return h('section', {'aria-labelledby': 'vorschau'}, h('h2', {id: 'vorschau'}, 'Vorschau'),
      h('p', {}, `Version ${version.label}: ${version.dateiname}`), button, slot, area);
}

async function download(button, doc, v, slot) {
  try {
    const url = await busy(button, () => objectUrl(contentPath(doc.id, v.nummer)));
    const a = h('a', {href: url, download: v.dateiname, hidden: true});
    document.body.append(a);
    a.click();
    a.remove();
  } catch (error) {
    replace(slot, errorBox(error));
  }
}

// Restores version `v` as a new version: the server gets the old bytes back as the newest.
async function restore(button, doc, v, slot, rerender) {
  try {
    await busy(button, async () => {
      const data = await api.blob(contentPath(doc.id, v.nummer));
      const q = new URLSearchParams({dateiname: v.dateiname, art: 'minor',
                                     kommentar: `Wiederhergestellt aus Version ${v.label}`});
      await api.upload(`/api/v1/dokumente/${encodeURIComponent(doc.id)}/versionen?${q}`, data, () => {});
    });
    await rerender();
    notice(`Version ${v.label} als neue Version wiederhergestellt.`);
  } catch (error) {
    replace(slot, errorBox(error));
  }
}

function versionsSection(doc, versions, rerender) {
  const slot = h('div', {class: 'fehlerplatz'});
  const newest = versions.length ? versions[versions.length - 1].nummer : 0;
  const rows = versions.slice().reverse().map((v) => {
    const dl = h('button', {type: 'button', class: 'klein'}, 'Herunterladen',
        h('span', {class: 'sr'}, ` Version ${v.label}`));
    dl.addEventListener('click', () => download(dl, doc, v, slot));
    let back = null;
    if (v.nummer !== newest) {
      back = h('button', {type: 'button', class: 'klein'}, 'Als neue Version wiederherstellen',
          h('span', {class: 'sr'}, ` (Version ${v.label})`));
      back.addEventListener('click', () => restore(back, doc, v, slot, rerender));
    }
    return h('tr', {}, h('td', {}, v.label), h('td', {}, v.dateiname), h('td', {}, size(v.groesse)),
        h('td', {}, dateTime(v.erstellt_am)), h('td', {}, v.erstellt_von), h('td', {}, v.kommentar || ''),
        h('td', {class: 'knoepfe'}, dl, back));
  });
  return h('section', {'aria-labelledby': 'versionen'}, h('h2', {id: 'versionen'}, 'Versionen'), slot,
      h('div', {class: 'tabelle-rahmen', role: 'region', 'aria-label': 'Versionen', tabindex: '0'}, h('table', {},
          h('thead', {}, h('tr', {}, ['Version', 'Datei', 'Größe', 'Angelegt', 'Von', 'Kommentar', 'Aktionen']
              .map((t) => h('th', {scope: 'col'}, t)))),
          h('tbody', {}, rows))));
}

function newVersionSection(doc, rerender) {
  const art = h('select', {name: 'art'}, h('option', {value: 'minor'}, 'Kleine Änderung (z. B. 1.1)'),
      h('option', {value: 'major'}, 'Neue Fassung (z. B. 2.0)'));
  const kommentar = h('input', {type: 'text', name: 'kommentar'});
  const list = h('ul', {class: 'uploads', 'aria-label': 'Hochgeladene Version'});
  const zone = dropZone('Datei für die neue Version auswählen', async ([file]) => {
    const q = new URLSearchParams({dateiname: file.name, art: art.value});
    if (kommentar.value) q.set('kommentar', kommentar.value);
    const done = await uploadRow(list, file, (progress) =>
      api.upload(`/api/v1/dokumente/${encodeURIComponent(doc.id)}/versionen?${q}`, file, progress));
    if (done) {
      await rerender();
      notice(`Neue Version ${done.label || ''} gespeichert.`);
    }
  }, {multiple: false});
  return h('section', {'aria-labelledby': 'neue-version'}, h('h2', {id: 'neue-version'}, 'Neue Version hochladen'),
      field('Art der Änderung', art), field('Kommentar (freiwillig)', kommentar), zone, list);
}

export async function dokumentView({id, rerender}) {
  const doc = await api.get(`/api/v1/dokumente/${encodeURIComponent(id)}`);
  const [{versionen}, parent, history, wiedervorlagen] = await Promise.all([
    api.get(`/api/v1/dokumente/${encodeURIComponent(id)}/versionen`),
    api.get(`/api/v1/objekte/${encodeURIComponent(doc.parent_id)}`).catch(() => null),
    historySection('dokumente', id), wiedervorlageSection(doc)]);
  const latest = versionen[versionen.length - 1];
  return [
    parent ? h('p', {class: 'zurueck'}, h('a', {href: linkTo(parent.typ, parent.id)},
        `Zurück zu ${parent.typ === 'akte' ? `Akte ${parent.aktenzeichen}` : `Vorgang „${parent.betreff}“`}`)) : null,
    heading(`Dokument: ${doc.betreff}`),
    facts([
      ['Betreff', doc.betreff],
      ['Dokumenttyp', doc.dokumenttyp],
      ['Absender', doc.absender],
      ['Posteingang', date(doc.posteingangsdatum)],
      ['Aktuelle Version', latest ? `${latest.label} (${latest.dateiname}, ${size(latest.groesse)})` : ''],
      ['Angelegt', `${dateTime(doc.erstellt_am)} von ${doc.erstellt_von}`],
    ]),
    previewSection(doc, latest),
    versionsSection(doc, versionen, rerender),
    newVersionSection(doc, rerender),
    wiedervorlagen,
    history];
}
