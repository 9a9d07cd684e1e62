// The Aktenplan as a tree: units open and close with real buttons, an open unit lists its
// Akten, and the search field filters the tree as the user types (units by Kennzeichen and
// title, Akten by Aktenzeichen and Betreff through the search API).
import {h, replace} from './dom.js';
import * as api from './api.js';
import {errorBox, field, heading, linkTo, stateBadge} from './ui.js';

function normal(text) {
  return String(text || '').toLocaleLowerCase('de-DE');
}

function unitMatches(unit, words) {
  const text = normal(`${unit.kennzeichen} ${unit.titel}`);
  return words.every((w) => text.includes(w));
}

// Units to show for `words`: those that match, their ancestors and their descendants.
// Returns a Set of ids, or null when there is no filter.
function visibleUnits(units, words) {
  if (!words.length) return null;
  const visible = new Set();
  const walk = (list, ancestors) => {
    for (const u of list) {
      const chain = [...ancestors, u.id];
      if (unitMatches(u, words)) {
        chain.forEach((id) => visible.add(id));
        const addAll = (l) => l.forEach((c) => { visible.add(c.id); addAll(c.einheiten || []); });
        addAll(u.einheiten || []);
      }
      walk(u.einheiten || [], chain);
    }
  };
  walk(units, []);
  return visible;
}

function akteItem(akte) {
  return h('li', {class: 'baum-akte'},
      h('a', {href: linkTo('akte', akte.id)}, h('span', {class: 'az'}, akte.aktenzeichen), ' ', akte.betreff),
      ' ', stateBadge(akte));
}

// The Akten of a unit, loaded when it opens, with "Weitere Akten" while there are more.
async function loadAkten(unit, list, cursor = '') {
  const more = h('li', {}, 'Akten werden geladen …');
  list.append(more);
  try {
    const q = new URLSearchParams({typ: 'akte', limit: '100'});
    if (cursor) q.set('cursor', cursor);
    const page = await api.get(`/api/v1/aktenplan/einheiten/${encodeURIComponent(unit.id)}/kinder?${q}`);
    more.remove();
    page.eintraege.forEach((a) => list.append(akteItem(a)));
    if (page.naechster_cursor) {
      const button = h('button', {type: 'button', class: 'klein'}, 'Weitere Akten anzeigen');
      const li = h('li', {}, button);
      button.addEventListener('click', () => { li.remove(); loadAkten(unit, list, page.naechster_cursor); });
      list.append(li);
    }
    list.append(h('li', {class: 'baum-neu'},
        h('a', {href: `#/neue-akte?einheit=${encodeURIComponent(unit.kennzeichen)}`},
            `Neue Akte in ${unit.kennzeichen} anlegen`)));
  } catch (error) {
    replace(more, errorBox(error));
  }
}

function unitNode(unit, state) {
  const children = unit.einheiten || [];
  const label = [h('span', {class: 'kz'}, unit.kennzeichen), ' ', unit.titel];
  const open = state.open.has(unit.id);
  const toggle = h('button', {type: 'button', class: 'baum-schalter', 'aria-expanded': String(open)},
      h('span', {class: 'baum-pfeil', 'aria-hidden': 'true'}), label);
  const sub = h('ul', {class: 'baum-ebene', hidden: !open});
  const akten = h('ul', {class: 'baum-akten'});
  let loaded = false;
  const fill = () => {
    if (loaded) return;
    loaded = true;
    children.forEach((c) => sub.append(unitNode(c, state)));
    sub.append(h('li', {class: 'baum-akten-wrap'}, akten));
    loadAkten(unit, akten);
  };
  if (open) fill();
  toggle.addEventListener('click', () => {
    const nowOpen = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(nowOpen));
    sub.hidden = !nowOpen;
    if (nowOpen) { state.open.add(unit.id); fill(); } else { state.open.delete(unit.id); }
  });
  return h('li', {class: 'baum-einheit', 'data-einheit': unit.id, 'data-kennzeichen': unit.kennzeichen},
      toggle, sub);
}

function renderTree(tree, units, state, words) {
  const visible = visibleUnits(units, words);
  const filter = (list) => list.filter((u) => !visible || visible.has(u.id))
      .map((u) => ({...u, einheiten: filter(u.einheiten || [])}));
  const shown = filter(units);
  if (!shown.length) {
    replace(tree, h('p', {}, words.length ? 'Keine Aktenplaneinheit passt zu Ihrer Eingabe.' :
        'Der Aktenplan ist noch leer.'));
    return;
  }
  // With a filter, only the matching units open (not every branch the user opened before).
  const view = visible ? {open: new Set(visible)} : state;
  replace(tree, h('ul', {class: 'baum', 'aria-label': 'Aktenplan'}, shown.map((u) => unitNode(u, view))));
}

// Akten whose Aktenzeichen or Betreff start with the typed words, from the search index.
async function matchingAkten(words, slot) {
  const terms = words.filter((w) => /^[\p{L}\p{N}./-]+$/u.test(w));
  if (!terms.length) { replace(slot); return; }
  const q = terms.map((w) => (w.length >= 3 && !/[./-]/.test(w) ? `${w}*` : `"${w}"`)).join(' ');
  try {
    const result = await api.get(`/api/v1/suche?${new URLSearchParams({q, typ: 'akte', limit: '10'})}`);
    if (!result.treffer.length) { replace(slot); return; }
    replace(slot, h('h2', {}, 'Passende Akten'),
        h('ul', {class: 'liste'}, result.treffer.map((t) => h('li', {},
            h('a', {href: linkTo('akte', t.id)}, h('span', {class: 'az'}, t.aktenzeichen || ''), ' ', t.betreff),
            t.zustand === 'geschlossen' ? ' (zdA)' : ''))));
  } catch (error) {
    // The tree filter still works without the index; say why Akten are missing.
    replace(slot, errorBox(error));
  }
}

export async function planView({params}) {
  const plan = await api.aktenplan(true);
  const state = {open: new Set()};
  const tree = h('div', {class: 'baum-rahmen'});
  const akten = h('div', {class: 'treffer-akten', 'aria-live': 'polite'});
  const input = h('input', {type: 'search', autocomplete: 'off', value: params.get('filter') || ''});
  let timer = 0;
  const update = () => {
    const words = normal(input.value).split(/\s+/).filter(Boolean);
    renderTree(tree, plan.einheiten, state, words);
    clearTimeout(timer);
    timer = setTimeout(() => matchingAkten(words, akten), 250);
  };
  input.addEventListener('input', update);
  update();
  return [heading('Aktenplan'),
    h('div', {class: 'werkzeuge'},
        field('Im Aktenplan suchen', input, 'Kennzeichen, Titel, Aktenzeichen oder Betreff; die Liste passt sich beim Tippen an.')),
    akten, tree];
}
