// OS1's web page: finds out who is here (setup, sign-in or an existing
// session), then shows the conversation. Each screen is a view function
// mounted into <main>; new screens plug in the same way.

import { api, ApiError } from './api.js';
import { $ } from './dom.js';
import { setupView, signInView } from './auth.js';
import { chatView } from './chat.js';

const main = $('main');

function mount(view, ...args) {
  delete main.dataset.ready;
  main.dataset.view = view.name;
  view(main, ...args);
}

function showAccount(me) {
  const who = me ? me.user.display_name || me.user.name : '';
  $('account').hidden = !me;
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

$('signout').addEventListener('click', async () => {
  try {
    await api('DELETE', '/session');
  } catch { /* signed out either way */ }
  showAccount(null);
  mount(signInView, { onDone: home, message: 'You are signed out. Sign in again with your name and API key.' });
});

async function home(me) {
  me = me || await api('GET', '/me');
  showAccount(me);
  showModel(me.model);
  mount(chatView, me);
}

async function start() {
  try {
    const status = await api('GET', '/status');
    showModel(status.model);
    if (status.setup_open) {
      mount(setupView, { onDone: () => home().catch(fail) });
      return;
    }
    try {
      await home();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      showAccount(null);
      mount(signInView, { onDone: home });
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
