// The UI's entry: the login form, the frame (navigation, user) and the router over the
// location hash (#/, #/akte/<id>, #/aktenzeichen/<az>, #/vorgang/<id>, #/dokument/<id>, #/suche,
// #/neue-akte, #/wiedervorlagen, #/registratur, #/aussonderung[/<id>]).
import {h, replace} from './dom.js';
import * as api from './api.js';
import {errorBox, field, heading, busy} from './ui.js';
import {planView} from './aktenplan.js';
import {akteView, aktenzeichenView, vorgangView, newAkteView} from './akte.js';
import {dokumentView} from './dokument.js';
import {searchView} from './suche.js';
import {registraturView} from './registratur.js';
import {aussonderungenView, aussonderungView} from './aussonderung.js';
import {wiedervorlagenView} from './wiedervorlage.js';

const main = document.getElementById('inhalt');

function loginView() {
  const name = h('input', {type: 'text', name: 'benutzer', autocomplete: 'username', required: true,
                           autocapitalize: 'off', spellcheck: 'false'});
  const password = h('input', {type: 'password', name: 'passwort', autocomplete: 'current-password',
                               required: true});
  const slot = h('div', {class: 'fehlerplatz'});
  const button = h('button', {type: 'submit', class: 'primaer'}, 'Anmelden');
  const form = h('form', {class: 'anmeldung', novalidate: false},
      field('Benutzername', name), field('Passwort', password), slot, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await busy(button, () => api.login(name.value, password.value));
      route();
    } catch (error) {
      // Both fields keep what was typed; the error says what to change.
      replace(slot, errorBox(error));
      password.focus();
    }
  });
  replace(main, heading('Anmelden'),
      h('p', {}, 'Melden Sie sich mit Ihrem Aktenwerk-Benutzernamen an. Die Anmeldung gilt nur für dieses Browserfenster.'),
      form);
  name.focus();
}

function showFrame(session) {
  document.getElementById('navigation').hidden = !session;
  document.getElementById('benutzer').hidden = !session;
  document.getElementById('benutzer-name').textContent = session ? `Angemeldet als ${session.name}` : '';
}

function markNav(name) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// "#/akte/abc?x=1" → {parts: ['akte', 'abc'], params: URLSearchParams}
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return {parts: path.split('/').filter(Boolean).map(decodeURIComponent),
          params: new URLSearchParams(query)};
}

const views = {
  '': [planView, 'aktenplan', 'Aktenplan'],
  'akte': [akteView, 'aktenplan', 'Akte'],
  'aktenzeichen': [aktenzeichenView, 'aktenplan', 'Akte'],
  'vorgang': [vorgangView, 'aktenplan', 'Vorgang'],
  'dokument': [dokumentView, 'aktenplan', 'Dokument'],
  'neue-akte': [newAkteView, 'aktenplan', 'Neue Akte'],
  'suche': [searchView, 'suche', 'Suche'],
  'wiedervorlagen': [wiedervorlagenView, 'wiedervorlagen', 'Wiedervorlagen'],
  'registratur': [registraturView, 'registratur', 'Registratur'],
  'aussonderung': [(args) => (args.id ? aussonderungView(args) : aussonderungenView(args)), 'aussonderung', 'Aussonderung'],
};

let generation = 0;

async function route() {
  const session = api.session();
  showFrame(session);
  if (!session) {
    document.title = 'Anmelden – Aktenwerk';
    loginView();
    return;
  }
  const {parts, params} = parseHash();
  const [view, nav, title] = views[parts[0] || ''] || views[''];
  markNav(nav);
  document.title = `${title} – Aktenwerk`;
  const mine = ++generation;
  const container = h('div', {class: 'ansicht', 'aria-busy': 'true'}, h('p', {}, 'Wird geladen …'));
  replace(main, container);
  try {
    const content = await view({id: parts[1], params, rerender: route});
    if (mine !== generation) return;  // the user went elsewhere meanwhile
    replace(container, content);
    container.removeAttribute('aria-busy');
    const title1 = container.querySelector('h1');
    if (title1) {
      document.title = `${title1.textContent} – Aktenwerk`;
      title1.focus();
    }
  } catch (error) {
    if (mine !== generation) return;
    replace(container, heading('Die Seite kann nicht angezeigt werden'), errorBox(error),
        h('p', {}, h('a', {href: '#/'}, 'Zurück zum Aktenplan')));
    container.removeAttribute('aria-busy');
    container.querySelector('h1').focus();
  }
}

document.getElementById('abmelden').addEventListener('click', () => {
  api.logout();
  location.hash = '#/';
  route();
});
api.onExpired(() => {
  api.logout();
  route();
});
window.addEventListener('hashchange', route);
route();
