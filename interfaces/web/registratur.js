// The records office's views: holds (Sperren: list, place on an Akte, release with a reason),
// retention rules per Aktenplaneinheit (show the effective rule, set the unit's own), what is
// due for the Aussonderung below a unit, and Aktenplan upkeep (new units, new titles).
import {h, replace, dateTime, date} from './dom.js';
import * as api from './api.js';
import {busy, errorBox, facts, field, heading, linkTo, notice} from './ui.js';

const kArt = {A: 'A – archivwürdig (anbieten)', V: 'V – vernichten', B: 'B – bewerten (Archiv entscheidet)'};

function fristText(regel) {
  if (!regel) return 'keine Regel';
  const frist = regel.frist_jahre === null ? 'unbefristet' : `${regel.frist_jahre} Jahre`;
  return `${frist}, ${kArt[regel.aussonderungsart] || regel.aussonderungsart}`;
}

// Where an object of a hold lives in the UI.
function objektLink(s) {
  return h('a', {href: linkTo(s.objekt_typ, s.objekt_id)}, s.objekt_bezeichnung || s.objekt_id);
}

// One hold with its release form (a reason is required, as the audit trail wants one).
function sperreRow(s, reload) {
  const grund = h('input', {type: 'text', required: true});
  const slot = h('div', {class: 'fehlerplatz'});
  const button = h('button', {type: 'submit'}, 'Sperre aufheben');
  const form = h('form', {class: 'formular'}, field(`Grund der Aufhebung (${s.objekt_bezeichnung})`, grund), slot, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await busy(button, () => api.post(`/api/v1/sperren/${encodeURIComponent(s.id)}/aufheben`, {grund: grund.value}));
      notice('Sperre aufgehoben.');
      reload();
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return h('li', {class: 'sperre', 'data-sperre': s.id},
      h('p', {}, h('strong', {}, objektLink(s)), ` – ${s.grund}`),
      facts([['Anordnende Stelle', s.anordnende_stelle], ['Aktenzeichen der Anordnung', s.aktenzeichen_anordnung],
        ['Gesetzt', `${dateTime(s.gesetzt_am)} von ${s.gesetzt_von}`]]),
      h('details', {}, h('summary', {}, 'Aufheben …'), form));
}

async function sperrenSection() {
  const list = h('div', {});
  const section = h('section', {'aria-labelledby': 'sperren'}, h('h2', {id: 'sperren'}, 'Wirksame Sperren'), list);
  const reload = async () => {
    try {
      const {sperren} = await api.get('/api/v1/sperren');
      replace(list, sperren.length ? h('ul', {class: 'liste-schlicht'}, sperren.map((s) => sperreRow(s, reload))) :
        h('p', {}, 'Es gibt keine wirksame Sperre.'),
      h('p', {class: 'leise'}, 'Eine Sperre setzen Sie auf der Seite der Akte.'));
    } catch (error) {
      replace(list, errorBox(error));
    }
  };
  await reload();
  return section;
}

function unitOptions(units, depth = 0, out = []) {
  for (const u of units) {
    out.push(h('option', {value: u.id}, `${'\u2003'.repeat(depth)}${u.kennzeichen} ${u.titel}`));
    unitOptions(u.einheiten || [], depth + 1, out);
  }
  return out;
}

// A form for the own rule of a unit or an Akte at `path` (…/aufbewahrung); a reason is
// required. `onSaved` runs after the server took it.
function ruleForm(path, eigene, onSaved) {
  const jahre = h('input', {type: 'number', min: '0', max: '200', inputmode: 'numeric',
                            value: eigene && eigene.frist_jahre !== null ? eigene.frist_jahre : ''});
  const art = h('select', {}, Object.entries(kArt).map(([k, v]) =>
    h('option', {value: k, selected: eigene && eigene.aussonderungsart === k}, v)));
  const grund = h('input', {type: 'text', required: true});
  const slot = h('div', {class: 'fehlerplatz'});
  const save = h('button', {type: 'submit', class: 'primaer'}, 'Regel speichern');
  const form = h('form', {class: 'formular'},
      field('Aufbewahrungsfrist in Jahren', jahre, 'Leer lassen für unbefristet.'),
      field('Aussonderungsart', art), field('Grund der Änderung', grund), slot, save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = {frist_jahre: jahre.value === '' ? null : Number(jahre.value), aussonderungsart: art.value,
                    grund: grund.value};
      await busy(save, () => api.call('PUT', path, {json: body}));
      notice('Aufbewahrungsregel gespeichert.');
      await onSaved();
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return form;
}

// The rule of the chosen unit: what holds there (and where it comes from), and a form for
// the unit's own rule.
async function ruleDetails(unitId, area) {
  const path = `/api/v1/aktenplan/einheiten/${encodeURIComponent(unitId)}/aufbewahrung`;
  const a = await api.get(path);
  const wirksam = a.wirksame_regel;
  const form = ruleForm(path, a.eigene_regel, () => ruleDetails(unitId, area));
  replace(area,
      facts([['Wirksame Regel', fristText(wirksam)],
        ['Herkunft', wirksam ? (wirksam.quelle_id === unitId ? 'an dieser Einheit gesetzt' :
          `geerbt von ${wirksam.quelle_bezeichnung}`) : ''],
        ['Eigene Regel', a.eigene_regel ? `${fristText(a.eigene_regel)} (${a.eigene_regel.grund || 'ohne Grund'}, ${a.eigene_regel.gesetzt_von})` : 'keine']]),
      h('h3', {}, 'Eigene Regel setzen'), form);
}

async function dueList(unitId, area) {
  const {stichtag, faellig} = await api.get(`/api/v1/aktenplan/einheiten/${encodeURIComponent(unitId)}/faellig`);
  replace(area, h('p', {}, `Stichtag ${date(stichtag)}: ${faellig.length} fällige Einträge.`),
      faellig.length ? h('div', {class: 'tabelle-rahmen', role: 'region', 'aria-label': 'Fällige Einträge', tabindex: '0'},
          h('table', {}, h('thead', {}, h('tr', {}, ['Bezeichnung', 'Betreff', 'zdA', 'Regel', 'Fällig ab', 'Stand']
              .map((t) => h('th', {scope: 'col'}, t)))),
          h('tbody', {}, faellig.map((f) => h('tr', {},
              h('td', {}, h('a', {href: linkTo(f.typ, f.objekt_id)}, f.bezeichnung)), h('td', {}, f.betreff),
              h('td', {}, date(f.zda)), h('td', {}, fristText(f.regel)), h('td', {}, date(f.faellig_ab)),
              h('td', {}, f.stand)))))) : null);
}

// Aktenplan upkeep: a new unit below any unit (or at the top), and a new title for a unit.
// The title change names the revision it read, so that two people cannot overwrite each other.
function planSection(plan, rerender) {
  const parent = h('select', {}, h('option', {value: ''}, '— oberste Ebene —'), unitOptions(plan.einheiten));
  const kennzeichen = h('input', {type: 'text', required: true});
  const titel = h('input', {type: 'text', required: true});
  const beschreibung = h('input', {type: 'text'});
  const slot = h('div', {class: 'fehlerplatz'});
  const button = h('button', {type: 'submit', class: 'primaer'}, 'Einheit anlegen');
  const form = h('form', {class: 'formular'}, field('Übergeordnete Einheit', parent),
      field('Kennzeichen', kennzeichen, 'Zum Beispiel 32.10.04; eindeutig im ganzen Aktenplan.'),
      field('Titel', titel), field('Beschreibung (freiwillig)', beschreibung), slot, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = {kennzeichen: kennzeichen.value, titel: titel.value};
      if (parent.value) body.parent_id = parent.value;
      if (beschreibung.value) body.beschreibung = beschreibung.value;
      const unit = await busy(button, () => api.post('/api/v1/aktenplan/einheiten', body));
      await api.aktenplan(true);
      await rerender();
      notice(`Einheit ${unit.kennzeichen} ${unit.titel} angelegt.`);
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return h('section', {'aria-labelledby': 'aktenplan-pflege'}, h('h2', {id: 'aktenplan-pflege'}, 'Aktenplan pflegen'),
      h('h3', {}, 'Neue Aktenplaneinheit'), form);
}

async function renameForm(unitId, area, rerender) {
  const unit = await api.get(`/api/v1/aktenplan/einheiten/${encodeURIComponent(unitId)}`);
  const titel = h('input', {type: 'text', required: true, value: unit.titel});
  const slot = h('div', {class: 'fehlerplatz'});
  const button = h('button', {type: 'submit'}, 'Titel speichern');
  const form = h('form', {class: 'formular'}, field(`Titel von ${unit.kennzeichen}`, titel), slot, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await busy(button, () => api.call('PATCH', `/api/v1/aktenplan/einheiten/${encodeURIComponent(unitId)}`,
          {json: {titel: titel.value}, ifMatch: `"r${unit.revision}"`}));
      await api.aktenplan(true);
      await rerender();
      notice('Titel geändert.');
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  replace(area, form);
}

export async function registraturView({rerender}) {
  const plan = await api.aktenplan();
  const unit = h('select', {}, unitOptions(plan.einheiten));
  const ruleArea = h('div', {'aria-live': 'polite'});
  const dueArea = h('div', {'aria-live': 'polite'});
  const renameArea = h('div', {});
  const show = async () => {
    await renameForm(unit.value, renameArea, rerender).catch((error) => replace(renameArea, errorBox(error)));
    await ruleDetails(unit.value, ruleArea).catch((error) => replace(ruleArea, errorBox(error)));
    await dueList(unit.value, dueArea).catch((error) => replace(dueArea, errorBox(error)));
  };
  unit.addEventListener('change', show);
  if (unit.value) await show();
  return [heading('Registratur'),
    await sperrenSection(),
    h('section', {'aria-labelledby': 'aufbewahrung'}, h('h2', {id: 'aufbewahrung'}, 'Aufbewahrung und Fälligkeit'),
        field('Aktenplaneinheit', unit), renameArea, ruleArea,
        h('h3', {}, 'Zur Aussonderung fällig'), dueArea),
    planSection(plan, rerender)];
}

// On an Akte's page: its retention (effective rule and due date) and a form to place a hold.
export async function akteRetentionSection(akte, rerender) {
  const out = h('section', {'aria-labelledby': 'aufbewahrung-akte'}, h('h2', {id: 'aufbewahrung-akte'}, 'Aufbewahrung und Sperren'));
  let eigene = null;
  try {
    const [a, {sperren}] = await Promise.all([
      api.get(`/api/v1/akten/${encodeURIComponent(akte.id)}/aufbewahrung`),
      api.get(`/api/v1/sperren?${new URLSearchParams({wirksam_fuer: akte.id})}`)]);
    eigene = a.eigene_regel;
    const w = a.wirksame_regel;
    out.append(facts([['Wirksame Regel', fristText(w)],
      ['Herkunft', w ? (w.quelle_id === akte.id ? `an dieser Akte gesetzt (${eigene ? eigene.grund : ''})` :
        `geerbt von ${w.quelle_bezeichnung}`) : ''],
      ['Fällig ab', a.faelligkeit && a.faelligkeit.faellig_ab ? date(a.faelligkeit.faellig_ab) : 'noch nicht (erst nach zdA)'],
      ['Sperren', sperren.length ? sperren.map((s) => `${s.grund} (${s.anordnende_stelle || 'ohne Stelle'})`).join('; ') : 'keine']]));
  } catch (error) {
    out.append(errorBox(error));
  }
  const grund = h('input', {type: 'text', required: true});
  const stelle = h('input', {type: 'text'});
  const az = h('input', {type: 'text'});
  const slot = h('div', {class: 'fehlerplatz'});
  const button = h('button', {type: 'submit'}, 'Sperre setzen');
  const form = h('form', {class: 'formular'}, field('Grund der Sperre', grund), field('Anordnende Stelle', stelle),
      field('Aktenzeichen der Anordnung', az), slot, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await busy(button, () => api.post('/api/v1/sperren', {objekt_id: akte.id, grund: grund.value,
        anordnende_stelle: stelle.value, aktenzeichen_anordnung: az.value}));
      await rerender();
      notice('Sperre gesetzt.');
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  out.append(h('details', {}, h('summary', {}, 'Sperre setzen …'), form));
  out.append(h('details', {}, h('summary', {}, 'Eigene Aufbewahrungsregel für diese Akte …'),
      ruleForm(`/api/v1/akten/${encodeURIComponent(akte.id)}/aufbewahrung`, eigene, rerender)));
  return out;
}
