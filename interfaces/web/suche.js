// The search page: one field, filters (kind, state, dates) and facets, hits with highlighted
// snippets that link into the Akte. The query lives in the address, so that the back button
// and bookmarks work.
import {h, replace, snippet, date} from './dom.js';
import * as api from './api.js';
import {errorBox, field, heading, linkTo} from './ui.js';

const kTypen = [['akte', 'Akten'], ['vorgang', 'Vorgänge'], ['dokument', 'Dokumente']];
const kZustaende = [['offen', 'offen'], ['geschlossen', 'zdA']];
const kFacetten = {hauptgruppe: ['Hauptgruppe', 'kennzeichen'], typ: ['Art', 'typ'],
                   zustand: ['Zustand', 'zustand'], mime_type: ['Dateityp', 'mime_type'],
                   jahr: ['Jahr', null]};
const kTypName = {akte: 'Akte', vorgang: 'Vorgang', dokument: 'Dokument', aktenplaneinheit: 'Aktenplaneinheit'};

function checkboxes(legend, name, options, selected) {
  return h('fieldset', {class: 'filter'}, h('legend', {}, legend), options.map(([value, text]) => {
    const box = h('input', {type: 'checkbox', name, value, checked: selected.includes(value)});
    return h('label', {class: 'auswahl'}, box, ' ', text);
  }));
}

function hitItem(t) {
  const where = linkTo(t.typ, t.id);
  return h('li', {class: 'treffer'},
      h('p', {class: 'treffer-titel'},
          h('a', {href: where}, t.betreff || t.dateiname || '(ohne Betreff)'),
          ' ', h('span', {class: 'leise'}, kTypName[t.typ] || t.typ, t.zustand === 'geschlossen' ? ', zdA' : '')),
      h('p', {class: 'leise'}, [t.dateiname ? `Datei ${t.dateiname}` : null, t.seite ? `Seite ${t.seite}` : null,
        t.datum ? `Datum ${date(t.datum)}` : null].filter(Boolean).join(' · ')),
      t.aktenzeichen && t.typ !== 'akte' ?
        h('p', {class: 'leise'}, 'In Akte ', h('a', {href: `#/aktenzeichen/${encodeURIComponent(t.aktenzeichen)}`},
            t.aktenzeichen)) : null,
      t.snippet ? h('p', {class: 'ausschnitt'}, snippet(t.snippet)) : null);
}

function facetSection(facetten, params) {
  const groups = Object.entries(facetten || {}).filter(([, values]) => values.length);
  if (!groups.length) return null;
  return h('section', {class: 'facetten', 'aria-labelledby': 'facetten'}, h('h2', {id: 'facetten'}, 'Eingrenzen'),
      groups.map(([name, values]) => {
        const [title, param] = kFacetten[name] || [name, null];
        return h('div', {class: 'facette'}, h('h3', {}, title), h('ul', {}, values.slice(0, 12).map((v) => {
          const text = `${v.titel ? `${v.wert} ${v.titel}` : (kTypName[v.wert] || v.wert)} (${v.anzahl})`;
          if (!param) return h('li', {}, text);
          const next = new URLSearchParams(params);
          next.set(param, v.wert);
          next.delete('cursor');
          return h('li', {}, h('a', {href: `#/suche?${next}`}, text));
        })));
      }));
}

async function runSearch(params, results) {
  const q = new URLSearchParams();
  for (const key of ['q', 'kennzeichen', 'typ', 'zustand', 'von', 'bis', 'mime_type', 'sortierung']) {
    const values = params.getAll(key).filter(Boolean);
    if (values.length) q.set(key, values.join(','));
  }
  q.set('facetten', 'true');
  q.set('limit', '20');
  const list = h('ol', {class: 'trefferliste'});
  const more = h('div', {});
  const load = async (cursor) => {
    if (cursor) q.set('cursor', cursor);
    const r = await api.get(`/api/v1/suche?${q}`);
    r.treffer.forEach((t) => list.append(hitItem(t)));
    replace(more);
    if (r.naechster_cursor) {
      const button = h('button', {type: 'button'}, 'Weitere Treffer');
      button.addEventListener('click', () => load(r.naechster_cursor).catch((e) => replace(more, errorBox(e))));
      more.append(button);
    }
    return r;
  };
  const first = await load('');
  replace(results,
      h('p', {class: 'anzahl', role: 'status'}, first.anzahl === 1 ? '1 Treffer' : `${first.anzahl} Treffer`),
      h('div', {class: 'such-spalten'}, h('div', {}, list, more), facetSection(first.facetten, params)));
}

export async function searchView({params}) {
  const input = h('input', {type: 'search', name: 'q', value: params.get('q') || ''});
  const von = h('input', {type: 'date', name: 'von', value: params.get('von') || ''});
  const bis = h('input', {type: 'date', name: 'bis', value: params.get('bis') || ''});
  const kennzeichen = h('input', {type: 'text', name: 'kennzeichen', value: params.get('kennzeichen') || ''});
  const split = (key) => params.getAll(key).flatMap((v) => v.split(','));
  const form = h('form', {class: 'suchformular', role: 'search'},
      field('Suchbegriff', input, 'Wörter, "genaue Wortfolge", Anfang*, ODER mit OR, ausschließen mit -Wort.'),
      h('button', {type: 'submit', class: 'primaer'}, 'Suchen'),
      h('details', {class: 'filter-rahmen', open: params.has('typ') || params.has('zustand') || params.has('von') ||
                    params.has('bis') || params.has('kennzeichen')},
          h('summary', {}, 'Filter'),
          checkboxes('Art', 'typ', kTypen, split('typ')),
          checkboxes('Zustand', 'zustand', kZustaende, split('zustand')),
          field('Kennzeichen im Aktenplan (beginnt mit)', kennzeichen),
          field('Datum ab', von), field('Datum bis', bis)));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v)) next.append(k, String(v));
    location.hash = `#/suche?${next}`;
  });
  const results = h('div', {class: 'ergebnisse'});
  if (params.get('q') || params.get('kennzeichen')) {
    await runSearch(params, results).catch((error) => replace(results, errorBox(error)));
  }
  return [heading('Suche'), form, results];
}
