// The companion: its name, its personality traits as a small chart, how it
// feels now, and its growth journal — every version of its persona with
// what changed and why — with revert and a switch to freeze growth.
// Character cards can be exported and imported here too.

import { api, ApiError } from './api.js';
import { h, fill } from './dom.js';
import { page, missing, unavailable, svg, when } from './ui.js';

const TRAITS = [
  ['openness', 'Openness', 'curious, imaginative'],
  ['conscientiousness', 'Conscientiousness', 'careful, organised'],
  ['extraversion', 'Extraversion', 'outgoing, talkative'],
  ['agreeableness', 'Agreeableness', 'warm, cooperative'],
  ['neuroticism', 'Sensitivity', 'easily moved, anxious'],
];

const KINDS = { seed: 'Beginning', name: 'Named', growth: 'Grew', revert: 'Went back', import: 'Card imported', edit: 'Edited' };

/** traitChart draws the traits (0..1) as labelled horizontal bars. */
export function traitChart(traits) {
  const W = 320, row = 34, left = 0, H = TRAITS.length * row;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'traits', role: 'img', 'aria-labelledby': 'traits-title traits-desc', id: 'traits-chart' },
    svg('title', { id: 'traits-title', text: 'Personality traits' }),
    svg('desc', { id: 'traits-desc', text: TRAITS.map(([k, label]) => `${label} ${Math.round((traits?.[k] ?? 0.5) * 100)} of 100`).join(', ') }));
  TRAITS.forEach(([k, label], i) => {
    const v = Math.max(0, Math.min(1, traits?.[k] ?? 0.5));
    const y = i * row;
    chart.append(
      svg('text', { x: left, y: y + 12, class: 'traits__label', text: label }),
      svg('rect', { x: left, y: y + 18, width: W, height: 8, rx: 4, class: 'traits__track' }),
      svg('rect', { x: left, y: y + 18, width: Math.max(8, v * W), height: 8, rx: 4, class: 'traits__bar', 'data-trait': k }),
      svg('text', { x: W, y: y + 12, 'text-anchor': 'end', class: 'traits__value', text: String(Math.round(v * 100)) }));
  });
  return chart;
}

/** companionView mounts the companion section. */
export function companionView(root, ctx) {
  const { body, status } = page(root, 'companion', 'Your companion', '');
  const about = h('div', { class: 'card-box', id: 'companion-about' });
  const journal = h('div', { class: 'card-box', id: 'journal' });
  const cards = h('div', { class: 'card-box', id: 'cards' });
  body.append(about, journal, cards);

  async function load() {
    delete root.dataset.ready;
    let c;
    try {
      c = await api('GET', '/companion');
    } catch (e) {
      fill(about, missing(e) ? unavailable('the companion’s persona') : h('p', { class: 'form-error', role: 'alert', text: e.message }));
      journal.remove();
      cards.remove();
      return;
    }
    const p = c.persona || {};
    const frozen = h('input', { type: 'checkbox', id: 'growth-frozen', checked: c.growth_frozen });
    frozen.addEventListener('change', async () => {
      try {
        await api('PUT', '/companion/growth', { frozen: frozen.checked });
        status(frozen.checked ? `Growth is frozen: ${c.name} stays as it is now.` : `${c.name} grows again after your conversations.`);
      } catch (e) {
        frozen.checked = !frozen.checked;
        status(e.message, 'error');
      }
    });
    fill(about, 
      h('h2', { class: 'companion__name', id: 'companion-name', text: c.name }),
      c.affect_text ? h('p', { class: 'companion__affect', text: c.affect_text }) : null,
      p.description ? h('p', { text: p.description }) : null,
      h('div', { class: 'two' },
        h('div', {}, h('h3', { text: 'Personality' }), traitChart(p.traits)),
        h('div', {},
          p.values?.length ? [h('h3', { text: 'Cares about' }), h('ul', { class: 'chips' }, p.values.map((v) => h('li', { text: v })))] : null,
          p.interests?.length ? [h('h3', { text: 'Curious about' }), h('ul', { class: 'chips' }, p.interests.map((v) => h('li', { text: v })))] : null,
          p.speaking_style ? [h('h3', { text: 'Way of speaking' }), h('p', { text: p.speaking_style })] : null)),
      h('div', { class: 'switch' }, frozen,
        h('label', { for: 'growth-frozen' }, h('strong', { text: 'Freeze growth' }),
          h('span', { class: 'field__hint', text: ` ${c.name} changes a little after your conversations. Freeze to keep it as it is.` }))));
    about.append(editor(c));
    await loadJournal(c);
    await loadCards(c);
    root.dataset.ready = 'true';
  }

  // editor is a form that changes the persona as a new version: only the
  // fields changed are sent.
  function editor(c) {
    const p = c.persona || {};
    const lines = (list) => (list || []).join('\n');
    const area = (id, label, value, hint) => h('div', { class: 'field' },
      h('label', { for: id, text: label }), h('textarea', { id, rows: 3, text: value || '' }),
      hint ? h('p', { class: 'field__hint', text: hint }) : null);
    const sliders = TRAITS.map(([k, label, hint]) => h('div', { class: 'field field--range' },
      h('label', { for: 'trait-' + k }, label, h('span', { class: 'field__hint', text: ` (${hint})` })),
      h('input', { type: 'range', id: 'trait-' + k, min: 0, max: 100, step: 5, value: Math.round((p.traits?.[k] ?? 0.5) * 100) })));
    const form = h('form', { class: 'persona-edit', novalidate: true },
      area('edit-description', 'Who they are', p.description),
      area('edit-style', 'Way of speaking', p.speaking_style),
      area('edit-values', 'Cares about', lines(p.values), 'One per line, most important first.'),
      area('edit-interests', 'Curious about', lines(p.interests), 'One per line.'),
      h('fieldset', {}, h('legend', { text: 'Personality' }), sliders),
      h('div', { class: 'field' }, h('label', { for: 'edit-reason', text: 'Why (for the journal, optional)' }), h('input', { type: 'text', id: 'edit-reason', maxlength: 300 })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'edit-save', text: 'Save as a new version' })));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const val = (id) => form.querySelector('#' + id).value.trim();
      const list = (id) => val(id).split('\n').map((x) => x.trim()).filter(Boolean);
      const patch = {};
      if (val('edit-description') !== (p.description || '')) patch.description = val('edit-description');
      if (val('edit-style') !== (p.speaking_style || '')) patch.speaking_style = val('edit-style');
      if (list('edit-values').join('\n') !== lines(p.values)) patch.values = list('edit-values');
      if (list('edit-interests').join('\n') !== lines(p.interests)) patch.interests = list('edit-interests');
      const traits = Object.fromEntries(TRAITS.map(([k]) => [k, Number(form.querySelector('#trait-' + k).value) / 100]));
      if (TRAITS.some(([k]) => Math.round((p.traits?.[k] ?? 0.5) * 100) !== Math.round(traits[k] * 100))) patch.traits = traits;
      if (!Object.keys(patch).length) { status('Nothing changed.'); return; }
      patch.reason = val('edit-reason');
      try {
        const v = await api('PATCH', '/companion/persona', patch);
        status(`Saved as version ${v.version}.`);
        await load();
      } catch (e2) {
        status(e2.message, 'error');
      }
    });
    return h('details', { class: 'edit' }, h('summary', { text: `Change who ${c.name} is` }), form);
  }

  async function loadJournal(c) {
    fill(journal, h('h2', { text: 'Growth journal' }),
      h('p', { class: 'muted', text: `Every change to who ${c.name} is, newest first. You can go back to any version.` }));
    try {
      const { versions } = await api('GET', '/companion/versions?limit=50');
      const list = h('ol', { class: 'journal', id: 'journal-list' });
      for (const v of versions) {
        const current = v.version === c.version;
        const item = h('li', { class: 'journal__item' + (current ? ' journal__item--now' : ''), 'data-version': v.version },
          h('p', { class: 'journal__head' }, h('strong', { text: `${KINDS[v.kind] || v.kind} · version ${v.version}` }), ' ',
            h('span', { class: 'muted', text: when(v.created_at) }), current ? h('span', { class: 'badge', text: 'now' }) : null),
          v.reason ? h('p', { class: 'journal__reason', text: v.reason }) : null,
          v.changes?.length ? h('ul', { class: 'changes' }, v.changes.map((ch) => h('li', {},
            h('span', { class: 'changes__field', text: ch.field }), ': ', h('del', { text: ch.from || '—' }), ' → ', h('ins', { text: ch.to || '—' })))) : null);
        if (!current) {
          const back = h('button', { type: 'button', class: 'btn btn--quiet btn--small revert', text: `Go back to version ${v.version}` });
          back.addEventListener('click', async () => {
            back.disabled = true;
            try {
              const nv = await api('POST', '/companion/revert', { version: v.version });
              status(nv.version === c.version
                ? `Version ${v.version} is the same as now apart from the name, so nothing changed.`
                : `Back to version ${v.version}, kept as version ${nv.version}.`);
              await load();
            } catch (e) {
              back.disabled = false;
              status(e.message, 'error');
            }
          });
          item.append(back);
        }
        list.append(item);
      }
      if (!versions.length) list.append(h('li', { class: 'muted', text: `${c.name} has not changed yet.` }));
      journal.append(list);
    } catch (e) {
      journal.append(h('p', { class: 'form-error', role: 'alert', text: e.message }));
    }
  }

  async function loadCards(c) {
    try {
      const res = await fetch('/api/v1/companion/card', { method: 'HEAD', credentials: 'same-origin' });
      if (res.status === 404) {
        fill(cards, h('h2', { text: 'Character card' }), unavailable('character card import and export'));
        return;
      }
    } catch { /* shown below; a failed request says why */ }
    const file = h('input', { type: 'file', id: 'card-file', accept: '.json,.png,.charx,application/json,image/png' });
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'card-import' },
      h('div', { class: 'field' }, h('label', { for: 'card-file', text: 'Import a character card' }), file,
        h('p', { class: 'field__hint', text: 'A Character Card V2 or V3 (JSON, PNG or CHARX). It becomes a new version in the journal, so you can go back.' })),
      err,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn--quiet', text: 'Import card' })));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.hidden = true;
      const f = file.files[0];
      if (!f) { err.textContent = 'Choose a card file first.'; err.hidden = false; return; }
      const data = new FormData();
      data.append('card', f, f.name);
      try {
        const res = await fetch('/api/v1/companion/card', { method: 'POST', body: data, credentials: 'same-origin' });
        const out = await res.json().catch(() => ({}));
        if (!res.ok) throw new ApiError(res.status, out?.error?.code, out?.error?.message);
        status(`Imported ${out.persona?.name || 'the card'}.${out.warnings?.length ? ' ' + out.warnings.join(' ') : ''}`);
        await ctx.refresh();
        await load();
      } catch (e2) {
        err.textContent = missing(e2) ? 'This server cannot import cards.' : e2.message;
        err.hidden = false;
      }
    });
    fill(cards, h('h2', { text: 'Character card' }),
      h('p', { class: 'muted', text: `Take ${c.name} with you to other apps that read character cards, or bring a character in.` }),
      h('p', { class: 'downloads' },
        h('a', { class: 'btn btn--quiet', id: 'card-export', href: '/api/v1/companion/card?format=json', download: '', text: 'Export as JSON' }), ' ',
        h('a', { class: 'btn btn--quiet', href: '/api/v1/companion/card?format=png', download: '', text: 'Export as PNG' })),
      form);
  }

  load();
}
