// What the companion remembers: facts, people and summaries, searchable;
// each memory shows the conversation turns it came from, a fact can be
// corrected, and anything can be forgotten.

import { api } from './api.js';
import { h, fill } from './dom.js';
import { page, missing, unavailable, timeEl, day } from './ui.js';

const TABS = [
  ['facts', 'Facts', 'What you have told me about yourself and your life.'],
  ['people', 'People', 'The people in your life you have mentioned, and when they last came up.'],
  ['summaries', 'Summaries', 'Short summaries of our conversations.'],
  ['reflections', 'Reflections', 'What I have come to understand over time.'],
];

// Path segment for a memory kind as the API names it.
const SEG = { fact: 'facts', person: 'people', summary: 'summaries', reflection: 'reflections', turn: 'turns' };

/** memoryView mounts the memory section. */
export function memoryView(root) {
  const { body, status } = page(root, 'memory', 'What I remember',
    'Everything here came from our conversations. Search it, see where it came from, correct it, or ask me to forget it.');
  const q = h('input', { type: 'search', id: 'memory-q', name: 'q', placeholder: 'Search my memory…', maxlength: 500, autocomplete: 'off' });
  const searchForm = h('form', { class: 'search', role: 'search' },
    h('label', { for: 'memory-q', class: 'sr-only', text: 'Search memories' }), q,
    h('button', { type: 'submit', class: 'btn', text: 'Search' }));
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Kinds of memory' });
  const list = h('div', { class: 'mem-list', id: 'memory-list', role: 'tabpanel', 'aria-live': 'polite' });
  body.append(searchForm, tabs, list);

  let kind = 'facts';
  if (/people/.test(location.hash)) kind = 'people';

  function drawTabs() {
    fill(tabs, ...TABS.map(([k, label]) => h('button', {
      type: 'button', role: 'tab', class: 'tab', id: 'tab-' + k, 'aria-selected': String(k === kind),
      tabindex: k === kind ? '0' : '-1', text: label,
      on: { click: () => { kind = k; q.value = ''; lastSearch = ''; load(); } },
    })));
  }
  tabs.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = TABS.findIndex(([k]) => k === kind);
    kind = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length][0];
    lastSearch = '';
    load().then(() => tabs.querySelector('[aria-selected=true]')?.focus());
  });

  async function load() {
    drawTabs();
    status('');
    list.setAttribute('aria-labelledby', 'tab-' + kind);
    fill(list, h('p', { class: 'muted', text: 'Remembering…' }));
    try {
      const res = await api('GET', `/memory?kind=${kind}`);
      const intro = TABS.find(([k]) => k === kind)[2];
      fill(list, h('p', { class: 'muted', text: intro }));
      if (!res.items.length) {
        list.append(h('p', { class: 'empty-note', text: kind === 'people' ? 'No one has come up yet.' : 'Nothing here yet. It fills in as we talk.' }));
      }
      for (const it of res.items) list.append(kind === 'people' ? personEl(it) : itemEl(it));
      root.dataset.ready = 'true';
    } catch (e) {
      fill(list, missing(e) ? unavailable('a memory you can look at') : h('p', { class: 'form-error', role: 'alert', text: e.message }));
    }
  }

  let lastSearch = '';

  async function search(text) {
    lastSearch = text;
    drawTabs();
    tabs.querySelectorAll('[role=tab]').forEach((t) => t.setAttribute('aria-selected', 'false'));
    fill(list, h('p', { class: 'muted', text: 'Searching…' }));
    try {
      const res = await api('GET', `/memory?q=${encodeURIComponent(text)}&limit=30`);
      fill(list, h('p', { class: 'muted', id: 'search-count', text: res.results.length
        ? `${res.results.length} ${res.results.length === 1 ? 'memory' : 'memories'} about “${text}”, most relevant first.`
        : `I do not remember anything about “${text}”.` }));
      for (const r of res.results) list.append(resultEl(r));
    } catch (e) {
      fill(list, h('p', { class: 'form-error', role: 'alert', text: e.message }));
    }
  }

  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = q.value.trim();
    lastSearch = '';
    if (text) search(text); else load();
  });

  // ---- one memory ----

  // actions are the buttons under one memory. After a correction the list
  // is redrawn: the search results when they are shown, else the tab.
  function actions(it, el, text) {
    const redraw = () => (lastSearch ? search(lastSearch) : load());
    const seg = SEG[it.kind] || kind;
    const bar = h('div', { class: 'mem__actions' });
    const extra = h('div', { class: 'mem__extra' });
    const sources = h('button', { type: 'button', class: 'btn btn--quiet btn--small', text: 'Where from?', 'aria-expanded': 'false' });
    sources.addEventListener('click', async () => {
      if (sources.getAttribute('aria-expanded') === 'true') { fill(extra, ); sources.setAttribute('aria-expanded', 'false'); return; }
      try {
        const res = await api('GET', `/memory/${seg}/${it.id}`);
        sources.setAttribute('aria-expanded', 'true');
        fill(extra, res.sources.length
          ? h('ol', { class: 'sources', 'aria-label': 'The conversation turns it came from' }, res.sources.map((m) => h('li', { class: 'source source--' + m.role },
            h('span', { class: 'source__who', text: m.role === 'user' ? 'You said' : 'I said' }), ' ', timeEl(m.created_at, true), h('blockquote', { text: m.content }))))
          : h('p', { class: 'muted', text: 'The turns it came from are no longer stored.' }));
      } catch (e) {
        fill(extra, h('p', { class: 'form-error', role: 'alert', text: e.message }));
      }
    });
    bar.append(sources);
    if (it.kind === 'fact' && it.current !== false) {
      const fix = h('button', { type: 'button', class: 'btn btn--quiet btn--small', text: 'Correct' });
      fix.addEventListener('click', () => {
        const id = `fix-${it.id}`;
        const input = h('input', { id, type: 'text', value: it.text, maxlength: 1000 });
        const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
        const form = h('form', { class: 'fix' },
          h('label', { for: id, text: 'What is true instead?' }), input, err,
          h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'btn btn--quiet btn--small', text: 'Cancel', on: { click: () => fill(extra, ) } }),
            h('button', { type: 'submit', class: 'btn btn--small', text: 'Save correction' })));
        form.addEventListener('submit', async (e) => {
          e.preventDefault();
          try {
            const res = await api('PATCH', `/memory/facts/${it.id}`, { statement: input.value });
            await redraw();
            status('Corrected. I will remember it this way from now on; the old version is kept below as no longer true.');
            list.querySelector(`.mem[data-id="${res.fact.id}"] button`)?.focus();
          } catch (e2) {
            err.textContent = e2.message;
            err.hidden = false;
          }
        });
        fill(extra, form);
        input.focus();
        input.select();
      });
      bar.append(fix);
    }
    const forget = h('button', { type: 'button', class: 'btn btn--quiet btn--small forget', text: 'Forget' });
    forget.addEventListener('click', () => {
      const yes = h('button', { type: 'button', class: 'btn btn--danger btn--small confirm-forget', text: 'Yes, forget it' });
      const no = h('button', { type: 'button', class: 'btn btn--quiet btn--small', text: 'Keep it', on: { click: () => { fill(extra, ); forget.focus(); } } });
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        try {
          await api('DELETE', `/memory/${seg}/${it.id}`);
          const next = el.nextElementSibling || el.previousElementSibling;
          el.remove();
          status('Forgotten. It is gone from my memory and from recall.');
          (next?.querySelector('button') || searchForm.querySelector('input')).focus();
        } catch (e) {
          yes.disabled = false;
          extra.append(h('p', { class: 'form-error', role: 'alert', text: e.message }));
        }
      });
      fill(extra, h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm forgetting' },
        h('p', { text: 'Forget this for good? I will not be able to bring it back.' }), h('div', { class: 'actions' }, no, yes)));
      no.focus();
    });
    bar.append(forget);
    return [bar, extra];
  }

  function itemEl(it) {
    const text = h('p', { class: 'mem__text', text: it.text });
    const el = h('article', { class: 'mem' + (it.current === false ? ' mem--old' : ''), 'data-kind': it.kind, 'data-id': it.id });
    el.append(text, h('p', { class: 'mem__meta' }, timeEl(it.when), it.current === false ? ' · no longer true' : ''), ...actions(it, el, text));
    return el;
  }

  function personEl(it) {
    const text = h('p', { class: 'mem__text mem__person', text: it.text });
    const el = h('article', { class: 'mem', 'data-kind': it.kind, 'data-id': it.id });
    const last = day(it.when);
    el.append(text, h('p', { class: 'mem__meta', text: last ? `Last mentioned ${last}` : '' }), ...actions(it, el, text));
    return el;
  }

  function resultEl(r) {
    const labels = { turn: 'Something said', fact: 'Fact', summary: 'Summary', reflection: 'Reflection', person: 'Person' };
    const el = h('article', { class: 'mem', 'data-kind': r.kind },
      h('p', { class: 'mem__kind', text: labels[r.kind] || r.kind }),
      h('p', { class: 'mem__text', text: r.text }),
      h('p', { class: 'mem__meta' }, timeEl(r.when)));
    // A fact, summary or reflection carries its id and can be corrected
    // (facts) or forgotten as in its list; a turn is the message itself.
    const id = r.id || (r.kind === 'turn' && r.sources?.length === 1 ? r.sources[0] : 0);
    if (id && SEG[r.kind] && r.kind !== 'person') {
      el.dataset.id = id;
      el.append(...actions({ kind: r.kind, id, text: r.text }, el, null));
    }
    return el;
  }

  load();
}
