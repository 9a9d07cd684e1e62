// Wiedervorlagen: the section on the page of an Akte, Vorgang or Dokument (its reminders and
// the form that sets one) and the view "Meine Wiedervorlagen" with what is due, overdue ones
// marked in words as well as colour, links into the Schriftgut and "erledigt" per entry.
import {h, replace, date} from './dom.js';
import * as api from './api.js';
import {busy, errorBox, field, heading, linkTo, notice} from './ui.js';

const kArt = {akte: 'Akte', vorgang: 'Vorgang', dokument: 'Dokument'};

function overdueBadge(w) {
  return w.ueberfaellig ? h('span', {class: 'zustand zustand-ueberfaellig'}, 'überfällig') : null;
}

// The "Erledigt" button of one reminder; `after()` redraws what shows it, then the focus goes
// to `focusTarget` (the button itself is gone by then).
function doneButton(w, slot, after, focusTarget) {
  const button = h('button', {type: 'button', class: 'klein',
                              'aria-label': `Erledigt: Wiedervorlage zum ${date(w.datum)}`}, 'Erledigt');
  button.addEventListener('click', async () => {
    try {
      await busy(button, () => api.post(`/api/v1/wiedervorlagen/${encodeURIComponent(w.id)}/erledigt`));
      notice(`Wiedervorlage zum ${date(w.datum)} erledigt.`);
      await after();
      focusTarget().focus();
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return button;
}

function objektList(items, slot, reload) {
  if (!items.length) return h('p', {}, 'Für Sie ist hier keine Wiedervorlage gesetzt.');
  const me = api.session()?.name;
  return h('ul', {class: 'liste-schlicht wiedervorlagen'}, items.map((w) => h('li', {class: 'wiedervorlage'},
      h('span', {class: 'wv-datum'}, date(w.datum)), ' ', overdueBadge(w),
      w.erledigt ? h('span', {class: 'zustand zustand-zu'}, 'erledigt') : null,
      w.notiz ? ` ${w.notiz}` : '',
      w.fuer !== me ? h('span', {class: 'leise'}, ` (für ${w.fuer})`) : null,
      w.erledigt ? null : [' ', doneButton(w, slot, reload, () => document.getElementById('wiedervorlagen'))])));
}

// The reminders of `objekt` and the form that sets one. The form keeps what was typed when
// the server refuses it.
export async function wiedervorlageSection(objekt) {
  const path = `/api/v1/objekte/${encodeURIComponent(objekt.id)}/wiedervorlagen`;
  const slot = h('div', {class: 'fehlerplatz'});
  const list = h('div', {});
  const reload = async () => {
    try {
      replace(list, objektList((await api.get(path)).wiedervorlagen, slot, reload));
    } catch (error) {
      replace(list, errorBox(error));
    }
  };
  await reload();

  const datum = h('input', {type: 'date', name: 'datum', required: true});
  const notiz = h('textarea', {name: 'notiz', rows: '2', cols: '40', maxlength: '2000'});
  const button = h('button', {type: 'submit'}, 'Wiedervorlage setzen');
  const form = h('form', {class: 'formular'}, field('Datum der Wiedervorlage', datum),
      field('Notiz (freiwillig)', notiz), slot, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const w = await busy(button, () => api.post(path, {datum: datum.value, notiz: notiz.value}));
      replace(slot);
      notice(`Wiedervorlage zum ${date(w.datum)} gesetzt.`);
      notiz.value = '';
      await reload();
    } catch (error) {
      replace(slot, errorBox(error));
    }
  });
  return h('section', {'aria-labelledby': 'wiedervorlagen'},
      h('h2', {id: 'wiedervorlagen', tabindex: '-1'}, 'Wiedervorlagen'), list, form);
}

function dueTable(items, slot, reload) {
  if (!items.length) return h('p', {}, 'Keine Wiedervorlage fällig.');
  const rows = items.map((w) => h('tr', {class: w.ueberfaellig ? 'ueberfaellig' : null},
      h('td', {}, date(w.datum), ' ', overdueBadge(w)),
      h('td', {}, `${kArt[w.objekt_typ] || ''} `, h('a', {href: linkTo(w.objekt_typ, w.objekt_id)},
          w.objekt_bezeichnung || w.objekt_betreff || '(ohne Betreff)'),
          w.objekt_betreff && w.objekt_betreff !== w.objekt_bezeichnung ?
            h('span', {class: 'leise'}, ` ${w.objekt_betreff}`) : null),
      h('td', {}, w.notiz),
      h('td', {}, doneButton(w, slot, reload, () => document.getElementById('seitentitel')))));
  return h('div', {class: 'tabelle-rahmen'}, h('table', {},
      h('caption', {}, 'Nach Datum, früheste zuerst'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Fällig am'), h('th', {scope: 'col'}, 'Schriftgut'),
          h('th', {scope: 'col'}, 'Notiz'), h('th', {scope: 'col'}, h('span', {class: 'sr'}, 'Aktion')))),
      h('tbody', {}, rows)));
}

// "Meine Wiedervorlagen": what is due for the user up to a day (default today on the server).
export async function wiedervorlagenView({params}) {
  const query = (bis) => `/api/v1/wiedervorlagen${bis ? `?${new URLSearchParams({bis})}` : ''}`;
  const first = await api.get(query(params.get('bis')));
  const bis = h('input', {type: 'date', name: 'bis', required: true, value: first.bis});
  const slot = h('div', {class: 'fehlerplatz'});
  const result = h('div', {});
  const show = (answer) => replace(result, dueTable(answer.wiedervorlagen, slot, reload));
  async function reload() {
    try {
      show(await api.get(query(bis.value)));
    } catch (error) {
      replace(slot, errorBox(error));
    }
  }
  show(first);

  const button = h('button', {type: 'submit'}, 'Anzeigen');
  const form = h('form', {class: 'formular'}, field('Fällig bis', bis,
      'Überfällige Wiedervorlagen sind markiert. Erledigte erscheinen hier nicht mehr.'), button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(slot);
    await busy(button, reload);
  });
  return [heading('Meine Wiedervorlagen'), form, slot, result];
}
