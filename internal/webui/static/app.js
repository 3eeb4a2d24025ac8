// OS1's web page: finds out who is here (setup, sign-in or an existing
// session), walks a new person through the first meeting, then shows the
// section named in the address (#/chat, #/memory, …). Each section is a
// view function mounted into <main>; all but the chat are loaded only when
// first opened, so the chat's first load stays small.

import { api, ApiError } from './api.js';
import { $ } from './dom.js';
import { setupView, signInView } from './auth.js';
import { chatView } from './chat.js';

const main = $('main');

// Sections other than the chat: module and exported view name.
const SECTIONS = {
  memory: ['./memory.js', 'memoryView'],
  companion: ['./companion.js', 'companionView'],
  mood: ['./mood.js', 'moodView'],
  wellbeing: ['./wellbeing.js', 'wellbeingView'],
  settings: ['./settings.js', 'settingsView'],
  meet: ['./meet.js', 'meetView'],
};

let current = null; // the signed-in person's /me, or null

function mount(view, name, ...args) {
  delete main.dataset.ready;
  main.dataset.view = name || view.name;
  view(main, ...args);
}

function showAccount(me) {
  current = me;
  const who = me ? me.user.display_name || me.user.name : '';
  $('account').hidden = !me;
  $('nav').hidden = !me;
  $('who').textContent = me ? `Signed in as ${who}` : '';
  const name = me?.companion?.name || '';
  $('with').hidden = !name || name === 'OS1';
  $('with').textContent = name ? `with ${name}` : '';
}

const DISMISSED = 'os1.offline-banner.dismissed';

function showModel(model) {
  const banner = $('offline');
  if (!model?.offline) { banner.hidden = true; return; }
  $('offline-note').textContent = model.note ||
    'Replies come from a simple offline mind that listens and remembers, but does not understand language. Start Ollama, or run os1 serve with --llm openai or --llm anthropic, to talk with a real model.';
  banner.hidden = sessionStorage.getItem(DISMISSED) === '1';
}

$('offline-close').addEventListener('click', () => {
  sessionStorage.setItem(DISMISSED, '1');
  $('offline').hidden = true;
  main.focus();
});

async function signOut(message) {
  try {
    await api('DELETE', '/session');
  } catch { /* signed out either way */ }
  showAccount(null);
  mount(signInView, 'signin', { onDone: home, message: message || 'You are signed out. Sign in again with your name and API key.' });
}

$('signout').addEventListener('click', () => signOut());

/** section returns the section named in the address. */
function section() {
  const name = location.hash.replace(/^#\/?/, '').split('/')[0];
  return name in SECTIONS && name !== 'meet' ? name : 'chat';
}

function markNav(name) {
  for (const a of $('nav').querySelectorAll('a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// The context every section gets: who is here, and ways back to the app.
function ctx() {
  return {
    me: current,
    refresh: async () => { showAccount(await api('GET', '/me')); return current; },
    signOut,
    restart: () => { showAccount(null); start(); },
    go: (name) => { if (location.hash === '#/' + name) show(); else location.hash = '#/' + name; },
  };
}

let showing = 0;

async function show() {
  if (!current) return;
  const name = section();
  const n = ++showing;
  markNav(name);
  if (name === 'chat') { mount(chatView, 'chatView', current); return; }
  const [file, fn] = SECTIONS[name];
  try {
    const mod = await import(file);
    if (n !== showing) return;
    mount(mod[fn], fn, ctx());
    main.focus({ preventScroll: true });
  } catch (e) {
    fail(e);
  }
}

window.addEventListener('hashchange', show);

/**
 * meetingOpen reports whether the person's first meeting is still to do
 * (false when this server has no first meeting).
 */
async function meetingOpen() {
  if (sessionStorage.getItem('os1.meet.later') === '1') return false;
  try {
    const ob = await api('GET', '/onboarding');
    return !ob.done;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return false;
    throw e;
  }
}

async function home(me) {
  me = me || await api('GET', '/me');
  showAccount(me);
  showModel(me.model);
  if (await meetingOpen()) {
    const { meetView } = await import('./meet.js');
    $('nav').hidden = true;
    mount(meetView, 'meetView', { ...ctx(), onDone: async () => { await ctx().refresh(); $('nav').hidden = false; location.hash = '#/chat'; show(); } });
    return;
  }
  show();
}

async function start() {
  try {
    const status = await api('GET', '/status');
    showModel(status.model);
    if (status.setup_open) {
      mount(setupView, 'setupView', { onDone: () => home().catch(fail) });
      return;
    }
    try {
      await home();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      showAccount(null);
      mount(signInView, 'signInView', { onDone: (me) => home(me).catch(fail) });
    }
  } catch (e) {
    fail(e);
  }
}

function fail(e) {
  const p = document.createElement('p');
  p.className = 'panel form-error';
  p.setAttribute('role', 'alert');
  p.textContent = `Something went wrong: ${e.message}. Reload the page to try again.`;
  main.replaceChildren(p);
}

start();
