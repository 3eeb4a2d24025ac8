// Getting in: the first-person setup, showing the new API key once, and
// signing in with a name and key.

import { api } from './api.js';
import { h, keyCopier } from './dom.js';

function field(id, label, attrs = {}, hint) {
  const hintId = hint ? id + '-hint' : undefined;
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    h('input', { id, name: id, type: 'text', 'aria-describedby': hintId, ...attrs }),
    hint ? h('p', { class: 'field__hint', id: hintId, text: hint }) : null);
}

function formError() {
  return h('p', { class: 'form-error', role: 'alert', hidden: true });
}

function showError(el, err) {
  el.textContent = err.message;
  el.hidden = false;
}

/** setupView asks the first person what to call them, then shows their key. */
export function setupView(root, { onDone }) {
  const err = formError();
  const form = h('form', { class: 'panel', 'aria-labelledby': 'setup-title', novalidate: true },
    h('h1', { id: 'setup-title', text: 'Hello. What should I call you?' }),
    h('p', { class: 'lede', text: 'This is a fresh OS1, running on your own machine. Tell me who you are and we can begin.' }),
    field('setup-name', 'Your name (for signing in)', { autocomplete: 'username', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' },
      'Letters, numbers, dots, dashes or underscores.'),
    field('setup-display', 'How should I address you?', { autocomplete: 'nickname', maxlength: 100 },
      'Optional: a first name or a nickname.'),
    err,
    h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'submit', text: 'Begin' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    const name = form.querySelector('#setup-name').value.trim();
    if (!name) { showError(err, new Error('Please tell me a name to sign in with.')); return; }
    btn.disabled = true;
    try {
      const res = await api('POST', '/setup', { name, display_name: form.querySelector('#setup-display').value.trim() });
      keyView(root, res, onDone);
    } catch (e2) {
      showError(err, e2);
      btn.disabled = false;
    }
  });
  root.replaceChildren(form);
  form.querySelector('input').focus();
}

/** keyView shows a new API key once, with a copy button. */
function keyView(root, res, onDone) {
  const who = res.user.display_name || res.user.name;
  const key = h('code', { class: 'key', id: 'api-key', text: res.key });
  const { button: copy, status: copied } = keyCopier(key, res.key);
  const go = h('button', { type: 'button', class: 'btn', id: 'key-continue', text: 'Start talking' });
  go.addEventListener('click', () => onDone());
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'key-title' },
    h('h1', { id: 'key-title', text: `Nice to meet you, ${who}.` }),
    h('p', { class: 'lede', text: 'Here is your API key. It is shown only this once, so keep it somewhere safe: you need it to sign in from another browser, for the terminal chat, and for apps that speak the OpenAI API.' }),
    h('div', { class: 'keybox' }, key, copy),
    copied,
    h('p', { class: 'field__hint' }, 'Lost it? Make a new one in Settings, or with ', h('code', { text: `os1 user key ${res.user.name}` }), ' on this machine.'),
    h('div', { class: 'actions' }, go));
  root.replaceChildren(panel);
  go.focus();
}

/** signInView asks for a name and API key. */
export function signInView(root, { onDone, message }) {
  const err = formError();
  const form = h('form', { class: 'panel', 'aria-labelledby': 'signin-title', novalidate: true },
    h('h1', { id: 'signin-title', text: 'Welcome back.' }),
    h('p', { class: 'lede', text: message || 'Sign in with your name and your API key.' }),
    field('signin-name', 'Name', { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' }),
    field('signin-key', 'API key', { type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false' },
      'No key? On the machine running OS1, os1 user key NAME makes one.'),
    err,
    h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'submit', text: 'Sign in' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    const key = form.querySelector('#signin-key').value.trim();
    if (!key) { showError(err, new Error('Please enter your API key.')); return; }
    btn.disabled = true;
    try {
      const me = await api('POST', '/session', { name: form.querySelector('#signin-name').value.trim(), key });
      onDone(me);
    } catch (e2) {
      showError(err, e2);
      btn.disabled = false;
    }
  });
  root.replaceChildren(form);
  form.querySelector('input').focus();
}
