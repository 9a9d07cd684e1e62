// The archivist's Aussonderung as a guided flow: what is due below a unit, proposals,
// the offer (0501), the archive's appraisal (0502), the transfer (0503), the archive's import
// confirmation (0506), release and destruction with its protocol. Each step shows only what
// applies now, and before destruction the page lists exactly what will go.
import {h, replace, dateTime, date, size} from './dom.js';
import * as api from './api.js';
import {busy, dropZone, errorBox, facts, field, heading, notice, uploadRow} from './ui.js';

const kSchritte = [
  ['angelegt', 'Fällige Einträge prüfen und Vorschläge machen'],
  ['angeboten', 'Angebot (0501) ans Archiv geben, Bewertung (0502) einlesen'],
  ['bewertet', 'Archivwürdiges abgeben (0503)'],
  ['abgegeben', 'Importbestätigung (0506) einlesen, Vernichtung freigeben und vernichten'],
  ['abgeschlossen', 'Abgeschlossen: Vernichtungsprotokoll'],
];
const kNachricht = {'0501': 'Anbietung', '0502': 'Bewertung', '0503': 'Abgabe', '0504': 'Empfangsbestätigung',
                    '0505': 'Bewertungsbestätigung', '0506': 'Importbestätigung', '0507': 'Empfangsbestätigung'};
const kBewertung = {A: 'archivwürdig', V: 'vernichten', B: 'bewerten'};

function unitOptions(units, depth = 0, out = []) {
  for (const u of units) {
    out.push(h('option', {value: u.kennzeichen}, `${'\u2003'.repeat(depth)}${u.kennzeichen} ${u.titel}`));
    unitOptions(u.einheiten || [], depth + 1, out);
  }
  return out;
}

export async function aussonderungenView() {
  const [plan, {aussonderungen}] = await Promise.all([api.aktenplan(), api.get('/api/v1/aussonderungen')]);
  const unit = h('select', {required: true}, unitOptions(plan.einheiten));
  const stichtag = h('input', {type: 'date'});
  const slot = h('div', {class: 'fehlerplatz'});
  const button = h('button', {type: 'submit', class: 'primaer'}, 'Aussonderung beginnen');
  const form = h('form', {class: 'formular'}, field('Aktenplaneinheit', unit, 'Alles darunter, was am Stichtag fällig ist, kommt in die Aussonderung.'),
      field('Stichtag (leer: heute)', stichtag), slot, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = {einheit_kennzeichen: unit.value};
      if (stichtag.value) body.stichtag = stichtag.value;
      const run = await busy(button, () => api.post('/api/v1/aussonderungen', body));
      location.hash = `#/aussonderung/${encodeURIComponent(run.id)}`;
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return [heading('Aussonderung'),
    h('section', {'aria-labelledby': 'neu'}, h('h2', {id: 'neu'}, 'Neue Aussonderung'), form),
    h('section', {'aria-labelledby': 'laufend'}, h('h2', {id: 'laufend'}, 'Aussonderungen'),
        aussonderungen.length ? h('ul', {class: 'liste'}, aussonderungen.slice().reverse().map((a) => h('li', {},
            h('a', {href: `#/aussonderung/${encodeURIComponent(a.id)}`}, `${a.einheit_bezeichnung}, Stichtag ${date(a.stichtag)}`),
            ` – ${a.status}, begonnen ${dateTime(a.erstellt_am)} von ${a.erstellt_von}`))) :
          h('p', {}, 'Noch keine Aussonderung.'))];
}

function stepper(status) {
  const current = kSchritte.findIndex(([s]) => s === status);
  return h('ol', {class: 'schritte'}, kSchritte.map(([s, text], i) => h('li', {
    class: i < current ? 'schritt-erledigt' : i === current ? 'schritt-aktuell' : null,
    'aria-current': i === current ? 'step' : null}, i < current ? '✓ ' : '', text,
  i < current ? h('span', {class: 'sr'}, ' (erledigt)') : null)));
}

async function download(button, path, name, slot) {
  try {
    const data = await busy(button, () => api.blob(path));
    const url = URL.createObjectURL(data);
    const a = h('a', {href: url, download: name, hidden: true});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    replace(slot, errorBox(error));
  }
}

function messagesSection(run) {
  const slot = h('div', {class: 'fehlerplatz'});
  if (!run.nachrichten.length) return null;
  return h('section', {'aria-labelledby': 'nachrichten'}, h('h2', {id: 'nachrichten'}, 'xdomea-Nachrichten'), slot,
      h('ul', {class: 'liste'}, run.nachrichten.map((n) => {
        const b = h('button', {type: 'button', class: 'klein'}, 'Herunterladen', h('span', {class: 'sr'}, ` ${n.code}`));
        b.addEventListener('click', () => download(b, n.download, n.datei, slot));
        return h('li', {}, `${n.code} ${kNachricht[n.code] || ''} (${n.richtung}, ${n.datei}, ${size(n.groesse)}, ${dateTime(n.zeit)}) `, b);
      })));
}

// Whether destruction would remove `o` now (mirrors the server's rule; the server decides).
function goes(run, o) {
  if (o.status === 'vernichtet' || o.status === 'geloescht') return false;
  if (o.bewertung === 'V') return Boolean(run.freigabe_von);
  return o.bewertung === 'A' && o.status === 'uebernommen';
}

function objectsTable(run, objekte, editable) {
  const selects = new Map();
  const rows = objekte.map((o) => {
    let proposal = o.bewertungsvorschlag ? kBewertung[o.bewertungsvorschlag] : '';
    if (editable && o.typ === 'akte') {
      const sel = h('select', {'aria-label': `Vorschlag für ${o.bezeichnung}`},
          h('option', {value: ''}, '–'), h('option', {value: 'A', selected: o.bewertungsvorschlag === 'A'}, 'A archivwürdig'),
          h('option', {value: 'V', selected: o.bewertungsvorschlag === 'V'}, 'V vernichten'));
      selects.set(o.id, sel);
      proposal = sel;
    }
    return h('tr', {class: goes(run, o) ? 'wird-vernichtet' : null},
        h('td', {}, o.bezeichnung), h('td', {}, o.betreff),
        h('td', {}, o.faelligkeit && o.faelligkeit.faellig_ab ? date(o.faelligkeit.faellig_ab) : ''),
        h('td', {}, proposal), h('td', {}, o.bewertung ? `${o.bewertung} ${kBewertung[o.bewertung] || ''}` : ''),
        h('td', {}, o.status || ''), h('td', {}, o.archivkennung || ''));
  });
  const table = h('div', {class: 'tabelle-rahmen', role: 'region', 'aria-label': 'Objekte der Aussonderung', tabindex: '0'},
      h('table', {}, h('thead', {}, h('tr', {}, ['Bezeichnung', 'Betreff', 'Fällig ab', 'Vorschlag', 'Bewertung', 'Stand',
        'Archivkennung'].map((t) => h('th', {scope: 'col'}, t)))), h('tbody', {}, rows)));
  return {table, selects};
}

function actionButton(text, work, slot, rerender, primary = true) {
  const b = h('button', {type: 'button', class: primary ? 'primaer' : null}, text);
  b.addEventListener('click', async () => {
    try {
      await busy(b, work);
      rerender();
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return b;
}

// Reads an xdomea message file from the archive (0502 or 0506, XML or ZIP).
function messageUpload(run, label, rerender) {
  const list = h('ul', {class: 'uploads', 'aria-label': 'Eingelesene Nachricht'});
  const zone = dropZone(label, async ([file]) => {
    const done = await uploadRow(list, file, (progress) =>
      api.upload(`/api/v1/aussonderungen/${encodeURIComponent(run.id)}/nachrichten`, file, progress));
    if (done) {
      await rerender();
      notice('Nachricht des Archivs eingelesen.');
    }
  }, {multiple: false});
  return [zone, list];
}

function stepActions(run, objekte, selects, rerender) {
  const slot = h('div', {class: 'fehlerplatz'});
  const base = `/api/v1/aussonderungen/${encodeURIComponent(run.id)}`;
  const out = [];
  if (run.status === 'angelegt') {
    out.push(actionButton('Vorschläge speichern', () => {
      const body = {};
      for (const [id, sel] of selects) if (sel.value) body[id] = sel.value;
      return api.post(`${base}/vorschlaege`, body);
    }, slot, rerender, false));
    out.push(actionButton('Dem Archiv anbieten (0501 erzeugen)', () => api.post(`${base}/anbieten`), slot, rerender));
  } else if (run.status === 'angeboten') {
    out.push(h('p', {}, 'Laden Sie die Anbietung (0501) unten herunter und geben Sie sie dem Archiv. Dessen Bewertung (0502) lesen Sie hier ein:'),
        ...messageUpload(run, 'Bewertung des Archivs (0502) auswählen', rerender));
  } else if (run.status === 'bewertet') {
    out.push(actionButton('Archivwürdiges abgeben (0503 erzeugen)', () => api.post(`${base}/abgeben`), slot, rerender));
  } else if (run.status === 'abgegeben') {
    const going = objekte.filter((o) => goes(run, o));
    out.push(h('p', {}, 'Laden Sie die Abgabe (0503) herunter und geben Sie sie dem Archiv. Dessen Importbestätigung (0506) lesen Sie hier ein:'),
        ...messageUpload(run, 'Importbestätigung des Archivs (0506) auswählen', rerender));
    if (!run.freigabe_von) {
      out.push(h('p', {}, 'Die Vernichtung der mit V bewerteten Einträge muss eine Archivarin oder ein Archivar freigeben.'),
          actionButton('Vernichtung freigeben', () => api.post(`${base}/freigeben`), slot, rerender, false));
    } else {
      out.push(h('p', {}, `Vernichtung freigegeben von ${run.freigabe_von} am ${dateTime(run.freigabe_am)}.`));
    }
    out.push(h('h3', {}, `Diese ${going.length} Einträge werden aus Aktenwerk entfernt`),
        going.length ? h('ul', {class: 'liste vernichtungsliste'}, going.map((o) => h('li', {}, `${o.bezeichnung} – ${o.betreff}`,
            o.bewertung === 'A' ? ' (vom Archiv übernommen)' : ' (wird vernichtet)'))) :
          h('p', {}, 'Zurzeit nichts: es fehlt die Freigabe oder die Importbestätigung.'));
    if (going.length) {
      const check = h('input', {type: 'checkbox'});
      const destroy = actionButton('Jetzt endgültig vernichten', async () => {
        const r = await api.post(`${base}/vernichten`);
        notice(`${r.entfernt} Einträge vernichtet.`);
      }, slot, rerender);
      // Nothing is destroyed by a slip: the button works only once the list is confirmed.
      destroy.disabled = true;
      check.addEventListener('change', () => { destroy.disabled = !check.checked; });
      out.push(h('label', {class: 'bestaetigung'}, check, ' Ich habe die Liste geprüft; die Vernichtung lässt sich nicht rückgängig machen.'),
          h('p', {}, destroy));
    }
  } else if (run.status === 'abgeschlossen') {
    out.push(h('p', {}, 'Die Aussonderung ist abgeschlossen. Von den Einträgen bleiben Nachweise (Stubs).'));
  }
  if (run.protokolle && run.protokolle.length) {
    const pslot = h('div', {});
    out.push(h('h3', {}, 'Vernichtungsprotokolle'), pslot, h('ul', {class: 'liste'}, run.protokolle.map((p, i) => {
      const b = h('button', {type: 'button', class: 'klein'}, `Protokoll ${i + 1} herunterladen`);
      b.addEventListener('click', () => download(b, `${base}/vernichtungsprotokolle/${i + 1}`, `vernichtungsprotokoll-${i + 1}.json`, pslot));
      return h('li', {}, b);
    })));
  }
  if (!['abgeschlossen', 'abgebrochen'].includes(run.status)) {
    const grund = h('input', {type: 'text', required: true});
    const form = h('form', {class: 'formular'}, field('Grund des Abbruchs', grund),
        h('button', {type: 'submit'}, 'Aussonderung abbrechen'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api.post(`${base}/abbrechen`, {grund: grund.value});
        rerender();
      } catch (error) {
        replace(slot, errorBox(error));
      }
    });
    out.push(h('details', {}, h('summary', {}, 'Abbrechen …'), form));
  }
  return [slot, ...out];
}

export async function aussonderungView({id, rerender}) {
  const base = `/api/v1/aussonderungen/${encodeURIComponent(id)}`;
  const [run, {objekte}] = await Promise.all([api.get(base), api.get(`${base}/objekte`)]);
  const {table, selects} = objectsTable(run, objekte, run.status === 'angelegt');
  return [h('p', {class: 'zurueck'}, h('a', {href: '#/aussonderung'}, 'Alle Aussonderungen')),
    heading(`Aussonderung ${run.einheit_bezeichnung}`),
    facts([['Stichtag', date(run.stichtag)], ['Stand', run.status], ['Begonnen', `${dateTime(run.erstellt_am)} von ${run.erstellt_von}`],
      ['Prozess-ID', run.prozess_id], ['Ausgelassen (z. B. gesperrt)', Array.isArray(run.ausgelassen) ? String(run.ausgelassen.length) : '']]),
    h('nav', {'aria-label': 'Schritte der Aussonderung'}, stepper(run.status)),
    h('section', {'aria-labelledby': 'schritt'}, h('h2', {id: 'schritt'}, 'Nächster Schritt'), ...stepActions(run, objekte, selects, rerender)),
    h('section', {'aria-labelledby': 'objekte'}, h('h2', {id: 'objekte'}, `Objekte (${objekte.length})`), table),
    messagesSection(run)];
}
