// The first meeting: the companion's few questions (each can be skipped),
// then the name it chose for itself, which the person accepts or asks to
// change.

import { api } from './api.js';
import { h, fill } from './dom.js';

const ORDER = ['address', 'hopes', 'people', 'lately'];

/** meetView runs the first meeting; ctx.onDone is called when it is over. */
export function meetView(root, ctx) {
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const panel = h('section', { class: 'panel panel--meet', id: 'meet', 'aria-labelledby': 'meet-title', 'aria-live': 'polite' });
  fill(root, panel);

  function fail(e) {
    err.textContent = e.message;
    err.hidden = false;
  }

  function progress(step) {
    const n = ORDER.indexOf(step);
    const at = n < 0 ? ORDER.length : n;
    return h('ol', { class: 'steps', 'aria-label': `Step ${at + 1} of ${ORDER.length + 1}` },
      [...ORDER, 'name'].map((s, i) => h('li', { class: i < at ? 'done' : i === at ? 'now' : '', 'aria-hidden': 'true' })));
  }

  function question(v) {
    const input = h('textarea', { id: 'meet-answer', rows: 3, maxlength: 4000, 'aria-labelledby': 'meet-title' });
    const next = h('button', { type: 'submit', class: 'btn', id: 'meet-next', text: 'Answer' });
    const skip = h('button', { type: 'button', class: 'btn btn--quiet', id: 'meet-skip', text: 'Skip this one' });
    const skipAll = h('button', { type: 'button', class: 'linkish', id: 'meet-skip-all', text: 'Skip the questions' });
    const form = h('form', { novalidate: true },
      progress(v.step),
      h('p', { class: 'meet__who', text: !v.companion || v.companion === 'OS1' ? 'Your new companion asks' : `${v.companion} asks` }),
      h('h1', { id: 'meet-title', text: v.question }),
      h('div', { class: 'field' }, input,
        h('p', { class: 'field__hint', text: 'Say as much or as little as you like, or skip any question. Enter answers; Shift+Enter starts a new line.' })),
      err,
      h('div', { class: 'actions' }, skip, next),
      h('p', { class: 'meet__later' }, skipAll, ' · ', later()));
    const answer = async (body) => {
      next.disabled = skip.disabled = true;
      err.hidden = true;
      try {
        show(await api('POST', '/onboarding', { step: v.step, ...body }));
      } catch (e) {
        fail(e);
        next.disabled = skip.disabled = false;
      }
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) { fail(new Error('Write an answer, or skip this question.')); input.focus(); return; }
      answer({ answer: text });
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    skip.addEventListener('click', () => answer({ skip: true }));
    skipAll.addEventListener('click', async () => {
      next.disabled = skip.disabled = skipAll.disabled = true;
      try {
        show(await api('POST', '/companion/name', { action: 'another' }));
      } catch (e) {
        fail(e);
        next.disabled = skip.disabled = skipAll.disabled = false;
      }
    });
    fill(panel, form);
    input.focus();
  }

  // later leaves the first meeting for now; it is offered again next time.
  function later() {
    return h('button', { type: 'button', class: 'linkish', id: 'meet-later', text: 'Not now', on: { click: () => {
      sessionStorage.setItem('os1.meet.later', '1');
      ctx.onDone();
    } } });
  }

  function naming(v) {
    const p = v.proposal || { name: v.companion, reason: '' };
    const accept = h('button', { type: 'button', class: 'btn', id: 'name-accept', text: `Yes, ${p.name} it is` });
    const another = h('button', { type: 'button', class: 'btn btn--quiet', id: 'name-another', text: 'Choose another name' });
    const act = async (action) => {
      accept.disabled = another.disabled = true;
      err.hidden = true;
      try {
        show(await api('POST', '/companion/name', { action }));
      } catch (e) {
        fail(e);
        accept.disabled = another.disabled = false;
      }
    };
    accept.addEventListener('click', () => act('accept'));
    another.addEventListener('click', () => act('another'));
    fill(panel, 
      progress('name'),
      h('p', { class: 'meet__who', text: 'One more thing' }),
      h('h1', { id: 'meet-title' }, 'I would like to be called ', h('span', { class: 'meet__name', id: 'proposed-name', text: p.name }), '.'),
      p.reason ? h('p', { class: 'lede', id: 'name-reason', text: p.reason }) : null,
      err,
      h('div', { class: 'actions' }, another, accept),
      h('p', { class: 'meet__later' }, later()));
    accept.focus();
  }

  function done(v) {
    const go = h('button', { type: 'button', class: 'btn', id: 'meet-done', text: 'Start talking' });
    go.addEventListener('click', () => ctx.onDone());
    fill(panel, 
      h('h1', { id: 'meet-title', text: `Hello. I am ${v.companion}.` }),
      h('p', { class: 'lede', text: 'Thank you for telling me about yourself. I will remember what you said, and you can see or change anything I remember under Memory.' }),
      h('div', { class: 'actions' }, go));
    go.focus();
  }

  function show(v) {
    if (v.done) done(v);
    else if (v.step === 'name') naming(v);
    else question(v);
  }

  api('GET', '/onboarding').then(show, fail);
}
