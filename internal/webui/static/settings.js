// Settings: the model OS1 talks with and its status, the person's export
// archive, their API keys (create, revoke), and the goodbye: a letter from the
// companion, then deleting everything after an explicit confirmation.

import { api } from './api.js';
import { h, fill, keyCopier } from './dom.js';
import { page, missing, when, day } from './ui.js';
import { render } from './markdown.js';

/** settingsView mounts the settings section. */
export function settingsView(root, ctx) {
  const { body, status } = page(root, 'settings', 'Settings', '');
  const you = h('div', { class: 'card-box', id: 'you' });
  const model = h('div', { class: 'card-box', id: 'model' });
  const data = h('div', { class: 'card-box', id: 'your-data' });
  const keys = h('div', { class: 'card-box', id: 'keys' });
  const bye = h('div', { class: 'card-box card-box--quiet', id: 'goodbye' });
  body.append(you, model, data, keys, bye);

  function loadYou() {
    const u = ctx.me?.user || {};
    const input = h('input', { type: 'text', id: 'display-name', maxlength: 100, value: u.display_name || '', autocomplete: 'nickname' });
    const form = h('form', { novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'display-name', text: 'How should your companion address you?' }), input,
        h('p', { class: 'field__hint', text: `You sign in as ${u.name || ''}; that name does not change.` })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn--quiet', id: 'display-save', text: 'Save' })));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('PATCH', '/me', { display_name: input.value.trim() });
        await ctx.refresh();
        status('Saved. I will call you that from now on.');
      } catch (e2) {
        status(e2.message, 'error');
      }
    });
    fill(you, h('h2', { text: 'You' }), form);
  }

  async function loadModel() {
    let st;
    try { st = await api('GET', '/status'); } catch (e) { fill(model, h('p', { class: 'form-error', text: e.message })); return; }
    const m = st.model || {};
    fill(model, h('h2', { text: 'Language model' }),
      h('dl', { class: 'facts' },
        h('dt', { text: 'Provider' }), h('dd', { id: 'model-provider', text: m.provider || 'unknown' }),
        m.model ? [h('dt', { text: 'Model' }), h('dd', { text: m.model })] : null,
        h('dt', { text: 'Status' }), h('dd', { id: 'model-status' },
          h('span', { class: 'dot ' + (m.offline ? 'dot--off' : 'dot--on'), 'aria-hidden': 'true' }),
          m.offline ? 'Offline mind: no language model connected' : 'Connected'),
        st.version ? [h('dt', { text: 'OS1 version' }), h('dd', { text: st.version })] : null),
      m.offline ? h('p', { class: 'field__hint', text: m.note || 'Start Ollama, or run os1 serve --llm openai or --llm anthropic, to talk with a real model.' }) : null,
      h('p', { class: 'field__hint' }, 'The model is chosen when OS1 starts: ', h('code', { text: 'os1 serve --llm ollama|openai|anthropic' }), ', or the [llm] part of the config file.'));
  }

  function loadData() {
    fill(data, h('h2', { text: 'Your data' }),
      h('p', { class: 'muted', text: 'Everything OS1 keeps about you — conversations, memories, people, mood, your companion — in one file you can keep or take elsewhere.' }),
      h('p', { class: 'downloads' },
        h('a', { class: 'btn', id: 'export-json', href: '/api/v1/export', download: '', text: 'Download archive (JSON)' }), ' ',
        h('a', { class: 'btn btn--quiet', id: 'export-md', href: '/api/v1/export?format=markdown', download: '', text: 'Readable copy (Markdown)' })));
  }

  // API keys: the person's keys (label, first characters, dates), a form
  // that makes a new one and shows it once, and revoking with a confirmation.
  async function loadKeys() {
    let res;
    try {
      res = await api('GET', '/keys');
    } catch (e) {
      fill(keys, h('h2', { text: 'API keys' }), missing(e)
        ? h('p', {}, 'On the machine running OS1, ', h('code', { text: `os1 user key ${ctx.me?.user?.name || 'NAME'}` }), ' makes a new key.')
        : h('p', { class: 'form-error', role: 'alert', text: e.message }));
      return;
    }
    const list = h('ul', { class: 'key-list', id: 'key-list', 'aria-label': 'Your API keys' },
      res.keys.map(keyEl));
    const label = h('input', { type: 'text', id: 'key-label', maxlength: 100, autocomplete: 'off', placeholder: 'e.g. terminal on my laptop' });
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const create = h('button', { type: 'submit', class: 'btn btn--quiet', id: 'key-create', text: 'Create key' });
    const fresh = h('div', { id: 'key-fresh' });
    const form = h('form', { class: 'key-form', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'key-label', text: 'New key — what is it for?' }), label),
      err, h('div', { class: 'actions actions--start' }, create));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.hidden = true;
      if (!label.value.trim()) { err.textContent = 'Give the key a label, such as where you will use it.'; err.hidden = false; label.focus(); return; }
      create.disabled = true;
      try {
        const k = await api('POST', '/keys', { label: label.value.trim() });
        label.value = '';
        list.append(keyEl(k));
        showFresh(fresh, k);
        status(`Key “${k.label}” created.`);
      } catch (e2) {
        err.textContent = e2.message;
        err.hidden = false;
      } finally {
        create.disabled = false;
      }
    });
    fill(keys, h('h2', { text: 'API keys' }),
      h('p', { class: 'muted', text: 'An API key signs you in from another browser, the terminal chat, or apps that speak the OpenAI API. Give each place its own key, and revoke a key you no longer use.' }),
      res.keys.length ? list : [h('p', { class: 'empty-note', id: 'key-none', text: 'You have no API keys.' }), list],
      fresh, form);
  }

  // showFresh shows a just-made key, this once, with a copy button.
  function showFresh(box, k) {
    const key = h('code', { class: 'key', id: 'key-new', text: k.key });
    const { button: copy, status: copied } = keyCopier(key, k.key, 'key-copy');
    const done = h('button', { type: 'button', class: 'btn btn--quiet btn--small', text: 'Done', on: { click: () => { fill(box); keys.querySelector('#key-label')?.focus(); } } });
    box.dataset.id = k.id;
    fill(box, h('div', { class: 'key-fresh', role: 'group', 'aria-label': 'Your new key' },
      h('p', { text: 'Here is your new key. It is shown only this once: copy it now and keep it somewhere safe.' }),
      h('div', { class: 'keybox' }, key, copy), copied,
      h('div', { class: 'actions actions--start' }, done)));
    keys.querySelector('#key-none')?.remove();
    copy.focus();
  }

  // keyEl is one key in the list, with its revoke button.
  function keyEl(k) {
    const extra = h('div', { class: 'key-item__extra' });
    const revoke = h('button', { type: 'button', class: 'btn btn--quiet btn--small key-revoke', text: 'Revoke', 'aria-label': `Revoke key “${k.label}”` });
    const used = k.last_used_at ? `last used ${when(k.last_used_at)}` : 'never used';
    const el = h('li', { class: 'key-item', 'data-id': k.id },
      h('div', { class: 'key-item__row' },
        h('div', { class: 'key-item__about' },
          h('p', { class: 'key-item__label', text: k.label || 'Unlabelled key' }),
          h('p', { class: 'mem__meta' }, h('code', { text: k.prefix + '…' }), ` · made ${day(k.created_at)} · ${used}`)),
        revoke),
      extra);
    revoke.addEventListener('click', () => {
      const yes = h('button', { type: 'button', class: 'btn btn--danger btn--small key-revoke-confirm', text: 'Yes, revoke it' });
      const no = h('button', { type: 'button', class: 'btn btn--quiet btn--small', text: 'Keep it', on: { click: () => { fill(extra); revoke.focus(); } } });
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        try {
          await api('DELETE', `/keys/${k.id}`);
          status(`Key “${k.label}” revoked. Anything still using it is signed out.`);
          const next = el.nextElementSibling || el.previousElementSibling;
          el.remove();
          const fresh = keys.querySelector('#key-fresh');
          if (fresh?.dataset.id === String(k.id)) fill(fresh); // no longer worth copying
          (next?.querySelector('button') || keys.querySelector('#key-label'))?.focus();
        } catch (e) {
          yes.disabled = false;
          fill(extra, h('p', { class: 'form-error', role: 'alert', text: e.message }));
        }
      });
      fill(extra, h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm revoking' },
        h('p', { text: `Revoke “${k.label}”? Anything that signs in with it stops working at once. This cannot be undone.` }),
        h('div', { class: 'actions actions--start' }, no, yes)));
      no.focus();
    });
    return el;
  }

  function loadGoodbye() {
    const start = h('button', { type: 'button', class: 'btn btn--quiet', id: 'goodbye-start', text: 'Say goodbye…' });
    fill(bye, h('h2', { text: 'Saying goodbye' }),
      h('p', { class: 'muted', text: 'If you want to leave, your companion writes you a last letter, you can download everything, and then all of it is deleted from this machine.' }),
      h('div', { class: 'actions actions--start' }, start));
    start.addEventListener('click', async () => {
      start.disabled = true;
      let fw;
      try {
        fw = await api('POST', '/goodbye', {});
      } catch (e) {
        start.disabled = false;
        status(missing(e) ? 'This server does not offer the goodbye yet. Ask whoever runs it to delete your data.' : e.message, 'error');
        return;
      }
      const typed = h('input', { type: 'text', id: 'goodbye-confirm-text', autocomplete: 'off', spellcheck: 'false' });
      const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
      const del = h('button', { type: 'submit', class: 'btn btn--danger', id: 'goodbye-delete', text: 'Delete everything' });
      const keep = h('button', { type: 'button', class: 'btn btn--quiet', text: 'Stay', on: { click: loadGoodbye } });
      const form = h('form', { class: 'goodbye-confirm', novalidate: true },
        h('div', { class: 'field' }, h('label', { for: 'goodbye-confirm-text', text: 'Type DELETE to confirm' }), typed,
          h('p', { class: 'field__hint', text: `This cannot be undone. The confirmation is valid until ${when(fw.confirm_expires_at)}.` })),
        err, h('div', { class: 'actions' }, keep, del));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (typed.value.trim().toUpperCase() !== 'DELETE') { err.textContent = 'Type DELETE to confirm, or choose Stay.'; err.hidden = false; return; }
        del.disabled = true;
        try {
          const res = await api('POST', '/goodbye/confirm', { token: fw.confirm_token });
          fill(bye, h('h2', { id: 'goodbye-done', text: 'Goodbye.' }),
            h('p', { text: res.deleted ? 'Everything about you has been deleted from this machine. Thank you for the time we had.' : 'Deletion did not finish. Try again.' }));
          if (res.deleted) setTimeout(() => ctx.restart(), 2500);
        } catch (e2) {
          del.disabled = false;
          err.textContent = e2.message;
          err.hidden = false;
        }
      });
      fill(bye, h('h2', { text: 'A letter for you' }),
        h('div', { class: 'letter', id: 'goodbye-letter' }, render(fw.letter?.text || '')),
        h('p', { class: 'muted', text: 'Keep your letter and your archive if you like. Deleting removes everything of yours from this OS1: conversations, memories, people, mood, settings and keys.' }),
        h('p', { class: 'downloads' }, h('a', { class: 'btn btn--quiet', href: '/api/v1/export', download: '', text: 'Download your archive first' })),
        form);
      typed.focus();
    });
  }

  loadModel().then(() => { root.dataset.ready = 'true'; });
  loadYou();
  loadData();
  loadKeys();
  loadGoodbye();
}
