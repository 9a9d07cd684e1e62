// The pages of an Akte and a Vorgang (metadata, state, content, history; zdA and reopen,
// new Vorgang, upload by drag and drop) and the form for a new Akte.
import {h, replace, dateTime, date} from './dom.js';
import * as api from './api.js';
import {akteRetentionSection} from './registratur.js';
import {wiedervorlageSection} from './wiedervorlage.js';
import {busy, dropZone, errorBox, facts, field, heading, linkTo, notice, stateBadge,
        uploadRow} from './ui.js';

const kAktion = {
  'angelegt': 'angelegt', 'geaendert': 'geändert', 'zda': 'zdA verfügt',
  'wiedereroeffnet': 'wiedereröffnet', 'verschoben': 'verschoben', 'version-angelegt': 'neue Version',
  'inhalt-gelesen': 'Inhalt gelesen', 'sperre-gesetzt': 'Sperre gesetzt',
  'sperre-aufgehoben': 'Sperre aufgehoben', 'wiedervorlage-gesetzt': 'Wiedervorlage gesetzt',
  'wiedervorlage-erledigt': 'Wiedervorlage erledigt', 'wiedervorlage-entfernt': 'Wiedervorlage entfernt',
};

// The audit trail of an object, newest first, in a disclosure so that it costs no space.
export async function historySection(collection, id) {
  const list = h('div', {}, h('p', {}, 'Wird geladen …'));
  const details = h('details', {class: 'historie'}, h('summary', {}, 'Historie'), list);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const history = await api.get(`/api/v1/${collection}/${encodeURIComponent(id)}/historie`);
      const rows = history.eintraege.slice().reverse().map((e) => h('tr', {},
          h('td', {}, dateTime(e.zeit)), h('td', {}, e.akteur), h('td', {}, kAktion[e.aktion] || e.aktion)));
      replace(list, rows.length ?
        h('table', {}, h('caption', {}, 'Änderungen, neueste zuerst'),
            h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Zeit'), h('th', {scope: 'col'}, 'Wer'),
                h('th', {scope: 'col'}, 'Was'))),
            h('tbody', {}, rows)) :
        h('p', {}, 'Keine Einträge.'));
    } catch (error) {
      replace(list, errorBox(error));
    }
  });
  return details;
}

// zdA or reopen, depending on the state. `collection` is "akten" or "vorgaenge".
function lifecycleActions(collection, objekt, rerender) {
  const slot = h('div', {class: 'fehlerplatz'});
  const closed = objekt.status === 'geschlossen';
  const button = h('button', {type: 'button'}, closed ? 'Wiedereröffnen' : 'zdA verfügen');
  button.addEventListener('click', async () => {
    const path = `/api/v1/${collection}/${encodeURIComponent(objekt.id)}/${closed ? 'wiedereroeffnen' : 'zda'}`;
    try {
      await busy(button, () => (closed ? api.post(path) : api.post(path, {})));
      await rerender();
      notice(closed ? 'Wiedereröffnet.' : 'Zu den Akten verfügt.');
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return h('div', {class: 'aktionen'}, button, slot);
}

function childList(items, empty) {
  if (!items.length) return h('p', {}, empty);
  return h('ul', {class: 'liste'}, items.map((o) => h('li', {},
      h('a', {href: linkTo(o.typ, o.id)}, o.aktenzeichen ? `${o.aktenzeichen} ` : '', o.betreff || '(ohne Betreff)'),
      ' ', o.typ === 'dokument' ? h('span', {class: 'leise'}, `${o.versionen} Version(en)`) : stateBadge(o))));
}

async function allChildren(collection, id) {
  const out = [];
  let cursor = '';
  for (let page = 0; page < 20; ++page) {  // at most 20,000 entries on one page
    const q = new URLSearchParams({limit: '1000'});
    if (cursor) q.set('cursor', cursor);
    const r = await api.get(`/api/v1/${collection}/${encodeURIComponent(id)}/inhalt?${q}`);
    out.push(...r.eintraege);
    cursor = r.naechster_cursor;
    if (!cursor) break;
  }
  return out;
}

// The form that creates a Vorgang in an Akte; keeps what was typed when the server refuses.
function newVorgangForm(akte) {
  const betreff = h('input', {type: 'text', required: true, name: 'betreff'});
  const slot = h('div', {class: 'fehlerplatz'});
  const button = h('button', {type: 'submit', class: 'primaer'}, 'Vorgang anlegen');
  const form = h('form', {class: 'formular'}, field('Betreff des neuen Vorgangs', betreff), slot, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const v = await busy(button, () => api.post('/api/v1/vorgaenge', {parent_id: akte.id, betreff: betreff.value}));
      notice(`Vorgang „${v.betreff}“ angelegt.`);
      location.hash = linkTo('vorgang', v.id);
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return h('section', {'aria-labelledby': 'neuer-vorgang'}, h('h2', {id: 'neuer-vorgang'}, 'Neuer Vorgang'), form);
}

function metaFacts(o) {
  const extra = Object.entries(o.metadaten || {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
  return facts([
    ['Aktenzeichen', o.aktenzeichen],
    ['Betreff', o.betreff],
    ['Zustand', stateBadge(o)],
    ['Vertraulichkeit', o.vertraulichkeit],
    ['Laufzeit', o.laufzeit_beginn ? `${date(o.laufzeit_beginn)} – ${o.laufzeit_ende ? date(o.laufzeit_ende) : 'offen'}` : ''],
    ['Federführung', o.federfuehrung],
    ['Angelegt', `${dateTime(o.erstellt_am)} von ${o.erstellt_von}`],
    ['Zuletzt geändert', `${dateTime(o.geaendert_am)} von ${o.geaendert_von}`],
    ...extra,
  ]);
}

async function breadcrumb(o) {
  const trail = [];
  let current = o;
  for (let i = 0; i < 16 && current.parent_id && current.typ !== 'aktenplaneinheit'; ++i) {
    try {
      current = await api.get(`/api/v1/objekte/${encodeURIComponent(current.parent_id)}`);
    } catch {
      break;
    }
    trail.unshift(current);
  }
  return h('nav', {'aria-label': 'Ablageort', class: 'pfad'}, h('ol', {},
      h('li', {}, h('a', {href: '#/'}, 'Aktenplan')),
      trail.map((t) => h('li', {}, t.typ === 'aktenplaneinheit' ?
        h('a', {href: `#/?filter=${encodeURIComponent(t.kennzeichen)}`}, `${t.kennzeichen} ${t.titel}`) :
        h('a', {href: linkTo(t.typ, t.id)}, t.aktenzeichen || t.betreff)))));
}

// An Akte named by its Aktenzeichen (links from search hits): the same page as akteView.
export async function aktenzeichenView({id, rerender}) {
  const akte = await api.get(`/api/v1/akten?${new URLSearchParams({aktenzeichen: id})}`);
  return akteView({id: akte.id, rerender, akte});
}

export async function akteView({id, rerender, akte: known}) {
  const akte = known || await api.get(`/api/v1/akten/${encodeURIComponent(id)}`);
  const [children, crumbs, history, retention, wiedervorlagen] = await Promise.all([
    allChildren('akten', akte.id), breadcrumb(akte), historySection('akten', akte.id),
    akteRetentionSection(akte, rerender), wiedervorlageSection(akte)]);
  const vorgaenge = children.filter((c) => c.typ === 'vorgang');
  const teilakten = children.filter((c) => c.typ === 'akte');
  const dokumente = children.filter((c) => c.typ === 'dokument');
  return [crumbs,
    heading(`Akte ${akte.aktenzeichen}`),
    h('p', {class: 'untertitel'}, akte.betreff),
    metaFacts(akte),
    lifecycleActions('akten', akte, rerender),
    h('section', {'aria-labelledby': 'vorgaenge'}, h('h2', {id: 'vorgaenge'}, `Vorgänge (${vorgaenge.length})`),
        childList(vorgaenge, 'Diese Akte hat noch keine Vorgänge.')),
    teilakten.length ? h('section', {}, h('h2', {}, 'Teilakten'), childList(teilakten, '')) : null,
    dokumente.length ? h('section', {}, h('h2', {}, 'Dokumente direkt in der Akte'), childList(dokumente, '')) : null,
    akte.status === 'geschlossen' ? null : newVorgangForm(akte),
    wiedervorlagen,
    retention,
    history];
}

// Uploads each dropped file as a new Dokument of `vorgang`, one progress bar per file.
function uploadSection(vorgang, onDone) {
  const list = h('ul', {class: 'uploads', 'aria-label': 'Hochgeladene Dateien'});
  const zone = dropZone('Dateien auswählen', async (files) => {
    const results = await Promise.all(files.map((file) => uploadRow(list, file, (progress) => {
      const form = new FormData();
      form.append('parent_id', vorgang.id);
      form.append('betreff', file.name.replace(/\.[^.]+$/, ''));
      form.append('datei', file, file.name);
      return api.upload('/api/v1/dokumente', form, progress);
    })));
    const ok = results.filter(Boolean).length;
    if (ok) notice(`${ok} ${ok === 1 ? 'Dokument' : 'Dokumente'} abgelegt.`);
    onDone();
  });
  return h('section', {'aria-labelledby': 'hochladen'}, h('h2', {id: 'hochladen'}, 'Dokumente hochladen'), zone, list);
}

export async function vorgangView({id, rerender}) {
  const vorgang = await api.get(`/api/v1/vorgaenge/${encodeURIComponent(id)}`);
  const [children, crumbs, history, wiedervorlagen] = await Promise.all([
    allChildren('vorgaenge', id), breadcrumb(vorgang), historySection('vorgaenge', id),
    wiedervorlageSection(vorgang)]);
  const docs = h('div', {}, childList(children.filter((c) => c.typ === 'dokument'),
      'Dieser Vorgang hat noch keine Dokumente.'));
  const refresh = async () => {
    try {
      const fresh = await allChildren('vorgaenge', id);
      replace(docs, childList(fresh.filter((c) => c.typ === 'dokument'), 'Dieser Vorgang hat noch keine Dokumente.'));
    } catch (error) {
      replace(docs, errorBox(error));
    }
  };
  return [crumbs,
    heading(`Vorgang: ${vorgang.betreff}`),
    metaFacts(vorgang),
    lifecycleActions('vorgaenge', vorgang, rerender),
    h('section', {'aria-labelledby': 'dokumente'}, h('h2', {id: 'dokumente'}, 'Dokumente'), docs),
    vorgang.status === 'geschlossen' ? null : uploadSection(vorgang, refresh),
    wiedervorlagen,
    history];
}

function unitOptions(units, selected, depth = 0, out = []) {
  for (const u of units) {
    out.push(h('option', {value: u.kennzeichen, selected: u.kennzeichen === selected},
        `${'\u2003'.repeat(depth)}${u.kennzeichen} ${u.titel}`));
    unitOptions(u.einheiten || [], selected, depth + 1, out);
  }
  return out;
}

export async function newAkteView({params}) {
  const plan = await api.aktenplan();
  const unit = h('select', {name: 'einheit', required: true}, unitOptions(plan.einheiten, params.get('einheit')));
  const betreff = h('input', {type: 'text', name: 'betreff', required: true});
  const stufe = h('select', {name: 'vertraulichkeit'},
      ['offen', 'VS-NfD', 'vertraulich', 'geheim'].map((s) => h('option', {value: s}, s)));
  const slot = h('div', {class: 'fehlerplatz'});
  const button = h('button', {type: 'submit', class: 'primaer'}, 'Akte anlegen');
  const form = h('form', {class: 'formular'},
      field('Aktenplaneinheit', unit), field('Betreff', betreff),
      field('Vertraulichkeit', stufe, 'Wer nur bis zu einer niedrigeren Stufe berechtigt ist, sieht die Akte nicht.'),
      slot, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = {einheit_kennzeichen: unit.value, betreff: betreff.value};
      if (stufe.value !== 'offen') body.vertraulichkeit = stufe.value;
      const akte = await busy(button, () => api.post('/api/v1/akten', body));
      notice(`Akte ${akte.aktenzeichen} angelegt.`);
      location.hash = linkTo('akte', akte.id);
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return [heading('Neue Akte anlegen'), form];
}
