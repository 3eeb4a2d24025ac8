// Wellbeing: time with OS1 against the people in the person's life, week by
// week, the people who have gone quiet, and the settings for a daily time
// budget and gentle nudges.

import { api } from './api.js';
import { h, fill } from './dom.js';
import { render } from './markdown.js';
import { page, missing, unavailable, svg, day } from './ui.js';

/** weeksChart draws minutes with OS1 (bars) and people mentioned (dots) by week. */
export function weeksChart(weeks) {
  const W = innerWidth < 520 ? 360 : 640, H = 220, pad = { l: 52, r: 60, t: 14, b: 30 };
  const iw = W - pad.l - pad.r, ih = H - pad.t - pad.b;
  const maxMin = Math.max(30, ...weeks.map((w) => w.minutes));
  const maxPeople = Math.max(3, ...weeks.map((w) => (w.people_mentioned || []).length));
  const bw = iw / Math.max(1, weeks.length);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'weeks', id: 'weeks-chart', role: 'img', 'aria-labelledby': 'weeks-title weeks-desc' },
    svg('title', { id: 'weeks-title', text: 'Time with OS1 and people mentioned, by week' }),
    svg('desc', { id: 'weeks-desc', text: weeks.map((w) => `Week of ${w.week_start}: ${w.minutes} minutes, ${(w.people_mentioned || []).length} people mentioned`).join('; ') }),
    svg('text', { x: pad.l - 6, y: pad.t + 4, 'text-anchor': 'end', class: 'mood__axis', text: `${maxMin} min` }),
    svg('text', { x: W - pad.r + 6, y: pad.t + 4, class: 'mood__axis', text: `${maxPeople} people` }),
    svg('line', { x1: pad.l, x2: W - pad.r, y1: pad.t + ih, y2: pad.t + ih, class: 'mood__grid' }));
  const pts = [];
  weeks.forEach((w, i) => {
    const bh = (w.minutes / maxMin) * ih;
    const cx = pad.l + bw * i + bw / 2;
    chart.append(svg('rect', { x: pad.l + bw * i + bw * 0.2, y: pad.t + ih - bh, width: bw * 0.6, height: Math.max(bh, 1), rx: 4, class: 'weeks__bar' }),
      W >= 640 || i % 2 === (weeks.length - 1) % 2 ? svg('text', { x: cx, y: H - 8, 'text-anchor': 'middle', class: 'mood__axis', text: w.week_start.slice(5).replace('-', '/') }) : '');
    pts.push([cx, pad.t + ih - ((w.people_mentioned || []).length / maxPeople) * ih]);
  });
  if (pts.length > 1) chart.append(svg('path', { class: 'weeks__line', d: pts.map(([x, y], n) => `${n ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ') }));
  for (const [x, y] of pts) chart.append(svg('circle', { cx: x, cy: y, r: 4.5, class: 'weeks__dot' }));
  return chart;
}

/** wellbeingView mounts the wellbeing section. */
export function wellbeingView(root) {
  const { body, status } = page(root, 'wellbeing', 'Life outside',
    'OS1 is meant to sit beside your life, not replace it. Here is your time with me next to the people you talk about.');
  const figures = h('div', { class: 'card-box', id: 'wb-figures' });
  const people = h('div', { class: 'card-box', id: 'wb-people' });
  const settings = h('div', { class: 'card-box', id: 'wb-settings' });
  body.append(figures, people, settings);

  async function load() {
    let rep;
    try {
      rep = await api('GET', '/wellbeing');
    } catch (e) {
      fill(figures, missing(e) ? unavailable('wellbeing figures') : h('p', { class: 'form-error', role: 'alert', text: e.message }));
      people.remove();
      settings.remove();
      return;
    }
    const f = rep.figures || {};
    const t = f.today || {};
    fill(figures, h('h2', { text: 'Time together' }),
      h('dl', { class: 'stats' },
        h('div', {}, h('dt', { text: 'Today' }), h('dd', { id: 'wb-today', text: `${t.minutes || 0} min` + (t.budget_minutes ? ` of ${t.budget_minutes}` : '') })),
        h('div', {}, h('dt', { text: 'Last 7 days' }), h('dd', { text: `${Math.round(f.last_7_days?.minutes || 0)} min` })),
        h('div', {}, h('dt', { text: 'Days in a row' }), h('dd', { text: String(f.streak_days || 0) }))),
      t.over_budget ? h('p', { class: 'note-warm', text: 'You are past the time you set for today. Maybe someone you know would like to hear from you?' }) : null,
      f.weeks?.length ? weeksChart(f.weeks) : null,
      h('p', { class: 'legend' }, h('span', { class: 'legend__bar', 'aria-hidden': 'true' }), ' minutes with OS1 ', h('span', { class: 'legend__dot', 'aria-hidden': 'true' }), ' people you mentioned'),
      ...(f.signals || []).map((s) => h('p', { class: 'note-warm', text: s.detail })));
    const list = f.people || [];
    fill(people, h('h2', { text: 'People you have mentioned' }),
      list.length ? h('ul', { class: 'people' }, list.map((p) => personEl(p)))
        : h('p', { class: 'empty-note', text: 'No one yet. When you talk about friends and family, they show up here.' }));
    drawSettings(rep.settings || {});
    api('GET', '/wellbeing/weekly').then((wk) => {
      if (wk?.text) figures.append(h('div', { class: 'weekly', id: 'wb-weekly' }, h('h3', { text: 'This week' }), render(wk.text)));
    }, () => { /* the figures above stand on their own */ });
    root.dataset.ready = 'true';
  }

  // personEl is one person with a button that drafts a note to them.
  function personEl(p) {
    const out = h('div', { class: 'draft', 'aria-live': 'polite' });
    const btn = h('button', { type: 'button', class: 'btn btn--quiet btn--small draft-btn', text: `Draft a note to ${p.name}` });
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        const d = await api('POST', '/wellbeing/draft', { person: p.name });
        const id = 'draft-' + p.name.replace(/\W+/g, '-');
        fill(out, h('label', { for: id, class: 'field__hint', text: 'A note you could send (change it as you like, then copy it):' }),
          h('textarea', { id, class: 'draft__text', rows: 3, text: d.text }));
      } catch (e) {
        fill(out, h('p', { class: 'form-error', role: 'alert', text: e.message }));
      } finally {
        btn.disabled = false;
      }
    });
    return h('li', {},
      h('strong', { text: p.name }), p.relation ? ` (${p.relation})` : '',
      h('span', { class: 'muted', text: ` · last mentioned ${day(p.last_mentioned) || 'a while ago'}` + (p.days_since >= 14 ? ' — maybe time to reach out?' : '') }),
      h('div', {}, btn), out);
  }

  function drawSettings(st) {
    const nudges = h('input', { type: 'checkbox', id: 'wb-nudges', checked: st.nudges });
    const budget = h('input', { type: 'number', id: 'wb-budget', min: 0, max: 1440, step: 5, value: st.budget_minutes ?? 0, inputmode: 'numeric' });
    const late = h('input', { type: 'number', id: 'wb-late', min: 0, max: 23, value: st.late_night_hour ?? 23, inputmode: 'numeric' });
    const romance = h('input', { type: 'checkbox', id: 'wb-romance', checked: !!st.romance });
    const form = h('form', { novalidate: true },
      h('div', { class: 'switch' }, nudges, h('label', { for: 'wb-nudges' }, h('strong', { text: 'Gentle nudges' }),
        h('span', { class: 'field__hint', text: ' Now and then, suggest reaching out to someone you have not mentioned in a while.' }))),
      h('div', { class: 'field' }, h('label', { for: 'wb-budget', text: 'Daily time budget (minutes, 0 for none)' }), budget),
      h('div', { class: 'field' }, h('label', { for: 'wb-late', text: 'Late night starts at (hour, 0–23)' }), late),
      h('div', { class: 'switch' }, romance, h('label', { for: 'wb-romance' }, h('strong', { text: 'Romantic tone' }),
        h('span', { class: 'field__hint', text: ' Off unless you want it. Even on, it stays honest: an AI that talks with many people, never "only yours".' }))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'wb-save', text: 'Save' })));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('PUT', '/wellbeing/settings', { nudges: nudges.checked, budget_minutes: Number(budget.value) || 0, late_night_hour: Number(late.value) || 0, romance: romance.checked });
        status('Saved.');
      } catch (e2) {
        status(e2.message, 'error');
      }
    });
    fill(settings, h('h2', { text: 'Time budget and nudges' }), form);
  }

  load();
}
